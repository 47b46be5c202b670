// Read-only consistency check of an Oberon file system, and the sector map it implies.
//
// Checks the directory B-tree (page marks, entry counts 0..24 and at least 1 off the root,
// names valid and strictly ascending across the whole tree, leaves all at one depth, child
// pointers present exactly on inner pages), every file header (mark, name equal to the
// directory's, sec[0] = header address, aleng 0..3135, bleng within range), and every sector
// address of pages, headers, data sectors and extension tables: a multiple of 29, outside the
// reserved sectors 0..63 (the root page 1 excepted), below 65536, inside the image, and used by
// one owner only. Each problem is one line naming the file or page and the sector.
//
// A page off the root with 1..11 entries (fewer than FileDir's N = 12) is a note, not a
// problem: Oberon reads such a directory and adds to it, and FileDir (this library's) deletes
// from it correctly; see fs_check.cpp for what Oberon's own FileDir does with it.
#pragma once

#include <string>
#include <vector>

#include "disk_image.h"
#include "sector_map.h"

namespace oberondisk {

struct CheckReport {
  std::vector<std::string> problems;  // empty = clean
  // The subset that Oberon cannot work around: a sector the file system uses lies beyond the end
  // of the image (truncated), or a directory page is unreadable. The emulator refuses these.
  std::vector<std::string> fatal;
  // Shapes that Oberon reads but never writes itself (underfull directory pages). Not problems:
  // they do not make the image unclean, and add/delete work on it.
  std::vector<std::string> notes;
  int files = 0;
  int directoryPages = 0;
  int extensionTables = 0;
  uint32_t usedSectors = 0;  // sectors owned by pages, headers, tables and data
  SectorMap map;             // reserved + used sectors, valid for allocation when clean
};

CheckReport checkFileSystem(const DiskImage& image);

}  // namespace oberondisk
