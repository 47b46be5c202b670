// Helpers for the oberon-disk tests: a per-test temporary directory, the stock image, raw
// little-endian access to image bytes that does not go through the code under test.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace disktest {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "oberon-disk-test.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// The stock image from $OBERON_IMAGE; throws (failing the test) if it is unset or missing, so
// that a missing image never passes silently.
inline std::string sharedImage() {
  const char* env = std::getenv("OBERON_IMAGE");
  if (!env || !*env)
    throw std::runtime_error("OBERON_IMAGE is not set: point it at a Project Oberon disk image (Oberon-2020-08-18.dsk)");
  if (!fs::exists(env)) throw std::runtime_error(std::string("OBERON_IMAGE=") + env + " does not exist");
  return env;
}

// The first of a check's problems, for a failure message ("" if there is none: Boost.Test builds
// the message even when the check passes).
template <class Report>
std::string firstProblem(const Report& r) {
  return r.problems.empty() ? std::string() : r.problems.front();
}

inline std::vector<uint8_t> readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void writeBytes(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// A writable copy of the stock image in `dir`.
inline std::string copyShared(const TempDir& dir, const std::string& name = "system.dsk") {
  std::string dst = dir.file(name);
  writeBytes(dst, readBytes(sharedImage()));
  return dst;
}

inline uint32_t word(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t(b.at(at)) | uint32_t(b.at(at + 1)) << 8 | uint32_t(b.at(at + 2)) << 16 | uint32_t(b.at(at + 3)) << 24;
}

inline void putWord(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.at(at + i) = uint8_t(v >> (8 * i));
}

// Byte offset of sector n in a filesystem-only image: sector 1 is at 0.
inline size_t sectorOffset(uint32_t n) { return size_t(n - 1) * 1024; }

inline std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = uint8_t(rng());
  return v;
}

}  // namespace disktest
