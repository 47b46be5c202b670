#include "tests/support/files.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>

namespace support {

namespace fs = std::filesystem;

std::string need(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    throw std::runtime_error(std::string(name) + " is not set (ctest sets OBERON_BUILD_DIR and OBERON_SOURCE_DIR; "
                             "OBERON_IMAGE must point at a Project Oberon disk image)");
  return v;
}

std::string buildDir() { return need("OBERON_BUILD_DIR"); }
std::string sourceDir() { return need("OBERON_SOURCE_DIR"); }

std::string image() {
  std::string p = need("OBERON_IMAGE");
  if (!fs::exists(p)) throw std::runtime_error("OBERON_IMAGE=" + p + " does not exist");
  return p;
}

std::string built(const std::string& relative) { return buildDir() + "/" + relative; }
std::string emulator() { return built("emulator/oberon-emu"); }
std::string diskTool() { return built("tools/oberon-disk/oberon-disk"); }

std::string readFile(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string readFileOrThrow(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(f), {}};
}

std::vector<uint8_t> readBytes(const fs::path& path) {
  std::string s = readFileOrThrow(path);
  return {s.begin(), s.end()};
}

void writeFile(const fs::path& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path.string());
}

void writeBytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  writeFile(path, std::string(bytes.begin(), bytes.end()));
}

std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(g() & 0xFF);
  return s;
}

TempDir::TempDir(const std::string& prefix) {
  std::string t = (fs::temp_directory_path() / (prefix + ".XXXXXX")).string();
  if (!::mkdtemp(t.data())) throw std::runtime_error("cannot create a temporary folder " + t);
  path_ = t;
}

TempDir::~TempDir() {
  std::error_code ec;
  ::chmod(path_.c_str(), 0700);  // a test may have taken our own rights away
  fs::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& bytes) const {
  writeFile(path_ / name, bytes);
  return file(name);
}

}  // namespace support
