# The layering rule of docs/architecture.md, checked on every build (target check_layers) and as
# the CTest entry "layers":  cmake -DSOURCE_DIR=<repo> [-DSTAMP=<file>] -P check-layers.cmake
#
# Each product folder may include its own files and those of the folders listed for it, all from
# lower layers; nothing may include with "../". The staged include folders (CMakeLists.txt,
# oberon_export) already make most wrong includes fail to compile; this names the rule.
cmake_minimum_required(VERSION 3.20)

# folder | folders it may include from
set(_layers
  # layer 0: interfaces and small utilities
  "emulator/base|"
  "tools/cli|"
  # layer 1: the machine and what it is built from
  "emulator/disk|"
  "firmware|"
  "tools/asm|emulator/base tools/cli"
  "emulator/devices|emulator/base emulator/disk"
  "emulator/machine|emulator/base emulator/devices emulator/disk emulator/machine/jit"
  "emulator/machine/jit|emulator/base emulator/machine tools/asm"
  # layer 2: the TCPNet device (the bottom layer only)
  "device/monitor|"
  "device/registers|emulator/base"
  "device/net|emulator/base device/registers device/monitor"
  # layer 3: front ends and tools
  "emulator/frontend|emulator/base emulator/machine emulator/devices emulator/disk tools/cli"
  "tools/oberon-disk|emulator/disk tools/cli"
  "tools/tcpnet-lsof|device/monitor tools/cli"
  # layer 4: the program
  "emulator/app|emulator/base emulator/machine emulator/devices emulator/disk emulator/frontend device/registers device/net device/monitor firmware tools/cli"
)

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "check-layers: pass -DSOURCE_DIR=<repository>")
endif()

set(_known)
foreach(_entry ${_layers})
  string(FIND "${_entry}" "|" _bar)
  string(SUBSTRING "${_entry}" 0 ${_bar} _folder)
  list(APPEND _known ${_folder})
endforeach()

set(_problems)
foreach(_entry ${_layers})
  string(FIND "${_entry}" "|" _bar)
  string(SUBSTRING "${_entry}" 0 ${_bar} _folder)
  math(EXPR _rest "${_bar} + 1")
  string(SUBSTRING "${_entry}" ${_rest} -1 _allowed)
  separate_arguments(_allowed UNIX_COMMAND "${_allowed}")
  file(GLOB _files ${SOURCE_DIR}/${_folder}/*.h ${SOURCE_DIR}/${_folder}/*.cpp ${SOURCE_DIR}/${_folder}/*.in)
  foreach(_file ${_files})
    file(STRINGS ${_file} _includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
    file(RELATIVE_PATH _rel ${SOURCE_DIR} ${_file})
    foreach(_line ${_includes})
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]*)\".*" "\\1" _inc "${_line}")
      if(_inc MATCHES "\\.\\./")
        list(APPEND _problems "${_rel}: \"${_inc}\" climbs with ../: include by the full path")
        continue()
      endif()
      if(NOT _inc MATCHES "/")
        continue()  # a file of its own folder (or a generated header of its own target)
      endif()
      get_filename_component(_dir ${_inc} DIRECTORY)
      if(_dir STREQUAL _folder OR _dir IN_LIST _allowed)
        continue()
      endif()
      if(NOT _dir IN_LIST _known)
        list(APPEND _problems "${_rel}: \"${_inc}\" is in no layer (add its folder to scripts/check-layers.cmake)")
      else()
        list(APPEND _problems "${_rel}: \"${_inc}\" is not below ${_folder} (it may include: ${_allowed})")
      endif()
    endforeach()
  endforeach()
endforeach()

# Every product folder with sources must be in the table, so a new one cannot slip past.
file(GLOB_RECURSE _all RELATIVE ${SOURCE_DIR}
     ${SOURCE_DIR}/emulator/*.cpp ${SOURCE_DIR}/emulator/*.h ${SOURCE_DIR}/device/*.cpp
     ${SOURCE_DIR}/device/*.h ${SOURCE_DIR}/tools/*.cpp ${SOURCE_DIR}/tools/*.h
     ${SOURCE_DIR}/firmware/*.cpp ${SOURCE_DIR}/firmware/*.h)
foreach(_file ${_all})
  get_filename_component(_dir ${_file} DIRECTORY)
  if(NOT _dir IN_LIST _known)
    list(APPEND _problems "${_file}: folder ${_dir} is in no layer (add it to scripts/check-layers.cmake)")
  endif()
endforeach()

if(_problems)
  list(REMOVE_DUPLICATES _problems)
  list(JOIN _problems "\n  " _text)
  message(FATAL_ERROR "layering broken:\n  ${_text}")
endif()
if(STAMP)
  file(TOUCH ${STAMP})
endif()
