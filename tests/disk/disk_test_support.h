// Helpers for the oberon-disk tests: a per-test temporary directory, the stock image, raw
// little-endian access to image bytes that does not go through the code under test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/support/files.h"

namespace disktest {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR (or /tmp), removed with its contents at scope exit.
struct TempDir : support::TempDir {
  TempDir() : support::TempDir("oberon-disk-test") {}
};

// The stock image from $OBERON_IMAGE; throws (failing the test) if it is unset or missing, so
// that a missing image never passes silently.
inline std::string sharedImage() { return support::image(); }

using support::readBytes;
using support::writeBytes;

// The first of a check's problems, for a failure message ("" if there is none: Boost.Test builds
// the message even when the check passes).
template <class Report>
std::string firstProblem(const Report& r) {
  return r.problems.empty() ? std::string() : r.problems.front();
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
  std::string s = support::randomBytes(n, seed);
  return {s.begin(), s.end()};
}

}  // namespace disktest
