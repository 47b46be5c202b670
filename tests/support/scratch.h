// Test support: what the environment must give a test (ctest sets OBERON_BUILD_DIR and
// OBERON_SOURCE_DIR; OBERON_IMAGE comes from the user or CI) and a scratch folder that goes away
// with the test. (tests/support has no CMakeLists.txt: it is included, not built.)
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace e2e {

// The variable's value; throws (the test fails, it never passes silently) if it is unset.
inline std::string need(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    throw std::runtime_error(std::string(name) + " is not set (ctest sets OBERON_BUILD_DIR and OBERON_SOURCE_DIR; "
                             "OBERON_IMAGE must point at a Project Oberon disk image)");
  return v;
}

// A whole file's bytes ("" if it cannot be read).
inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// A fresh folder under the system's temporary folder, removed with everything in it at the end.
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& prefix = "oberon-test") {
    std::string t = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("cannot create a temporary folder");
    path = t;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

}  // namespace e2e
