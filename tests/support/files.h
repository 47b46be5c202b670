// Test support: what the environment must give a test (ctest sets OBERON_BUILD_DIR and
// OBERON_SOURCE_DIR; OBERON_IMAGE comes from the user or CI), whole files, and a temporary folder
// that goes away with the test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace support {

// The variable's value; throws (the test fails, it never passes silently) if it is unset or empty.
std::string need(const char* name);
std::string buildDir();   // $OBERON_BUILD_DIR
std::string sourceDir();  // $OBERON_SOURCE_DIR
// $OBERON_IMAGE, the stock Project Oberon image; throws if it is unset or does not exist.
std::string image();
// A program of this build, e.g. "emulator/oberon-emu": buildDir()/relative.
std::string built(const std::string& relative);
std::string emulator();  // built("emulator/oberon-emu")
std::string diskTool();  // built("tools/oberon-disk/oberon-disk")

// A whole file's bytes ("" if it cannot be read).
std::string readFile(const std::filesystem::path& path);
// The same, but throws (naming the file) if it cannot be read.
std::string readFileOrThrow(const std::filesystem::path& path);
std::vector<uint8_t> readBytes(const std::filesystem::path& path);  // throws if unreadable
void writeFile(const std::filesystem::path& path, const std::string& bytes);  // throws on failure
void writeBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// n pseudo-random bytes, the same for the same seed (std::mt19937).
std::string randomBytes(size_t n, uint32_t seed);

// A fresh folder (mode 0700) under the system's temporary folder, removed with everything in it
// at the end.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "oberon-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `bytes` to file(name); returns its path.
  std::string write(const std::string& name, const std::string& bytes) const;

 private:
  std::filesystem::path path_;
};

}  // namespace support
