// Directories with underfull pages, made the way other directory code makes them: a bulk loader
// that fills pages with a chosen number of entries instead of FileDir's 12..24. It works on the
// raw bytes of a filesystem-only image and shares no code with the library under test, so that
// the tests compare the library with an independent reading of the format.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "disk_test_support.h"

namespace disktest {

constexpr uint32_t kRawDirMark = 0x9B1EA38D;

struct RawEntry {
  std::array<char, 32> name{};
  uint32_t adr = 0;  // header DiskAdr
  uint32_t p = 0;    // child page DiskAdr
  std::string str() const { return std::string(name.data(), strnlen(name.data(), name.size())); }
};

struct RawPage {
  uint32_t sector = 0;
  int depth = 0;
  int32_t m = 0;
  uint32_t p0 = 0;
  std::vector<RawEntry> e;
};

inline RawPage readRawPage(const std::vector<uint8_t>& img, uint32_t sector, int depth = 0) {
  RawPage pg;
  size_t o = sectorOffset(sector);
  if (word(img, o) != kRawDirMark) throw std::runtime_error("no directory page at sector " + std::to_string(sector));
  pg.sector = sector;
  pg.depth = depth;
  pg.m = int32_t(word(img, o + 4));
  pg.p0 = word(img, o + 8);
  if (pg.m < 0 || pg.m > 24) throw std::runtime_error("bad entry count at sector " + std::to_string(sector));
  for (int i = 0; i < pg.m; ++i) {
    RawEntry e;
    std::memcpy(e.name.data(), &img[o + 64 + 40 * size_t(i)], 32);
    e.adr = word(img, o + 64 + 40 * size_t(i) + 32);
    e.p = word(img, o + 64 + 40 * size_t(i) + 36);
    pg.e.push_back(e);
  }
  return pg;
}

// Every page of the directory, depth first (a page, then its children from p0 on).
inline std::vector<RawPage> rawPages(const std::vector<uint8_t>& img) {
  std::vector<RawPage> out;
  auto walk = [&](auto& self, uint32_t sector, int depth) -> void {
    if (depth > 16) throw std::runtime_error("directory deeper than 16 levels");
    RawPage pg = readRawPage(img, sector, depth);
    out.push_back(pg);
    if (pg.p0 == 0) return;
    self(self, pg.p0 / 29, depth + 1);
    for (const auto& e : pg.e) self(self, e.p / 29, depth + 1);
  };
  walk(walk, 1, 0);
  return out;
}

// The directory's entries in name order, child pointers cleared.
inline std::vector<RawEntry> rawEntries(const std::vector<uint8_t>& img) {
  std::vector<RawEntry> out;
  auto walk = [&](auto& self, uint32_t adr) -> void {
    RawPage pg = readRawPage(img, adr / 29);
    if (pg.p0 != 0) self(self, pg.p0);
    for (auto e : pg.e) {
      uint32_t child = e.p;
      e.p = 0;
      out.push_back(e);
      if (child != 0) self(self, child);
    }
  };
  walk(walk, 29);
  return out;
}

// Non-root pages with fewer than 12 entries.
inline std::vector<RawPage> underfullPages(const std::vector<uint8_t>& img) {
  std::vector<RawPage> out;
  for (auto& pg : rawPages(img))
    if (pg.sector != 1 && pg.m < 12) out.push_back(pg);
  return out;
}

inline void writeRawPage(std::vector<uint8_t>& img, uint32_t sector, uint32_t p0, const std::vector<RawEntry>& e) {
  size_t o = sectorOffset(sector);
  if (img.size() < o + 1024) img.resize(o + 1024);
  std::fill(img.begin() + long(o), img.begin() + long(o + 1024), 0);
  putWord(img, o, kRawDirMark);
  putWord(img, o + 4, uint32_t(e.size()));
  putWord(img, o + 8, p0);
  for (size_t i = 0; i < e.size(); ++i) {
    std::memcpy(&img[o + 64 + 40 * i], e[i].name.data(), 32);
    putWord(img, o + 64 + 40 * i + 32, e[i].adr);
    putWord(img, o + 64 + 40 * i + 36, e[i].p);
  }
}

// Rewrites the directory of a filesystem-only image as a balanced B-tree whose leaves hold
// leafSizes[0], leafSizes[1], ... entries (cycling) and whose inner pages below the root hold
// innerSizes[...] entries, each 1..24 (the last page of a level takes what is left, which the
// loader adjusts by one so that no separator is left without a right neighbour). The new pages
// are appended after the end of the image, the old ones are left as unused sectors, and the
// root stays at sector 1.
inline void relayoutDirectory(std::vector<uint8_t>& img, const std::vector<int>& leafSizes,
                              const std::vector<int>& innerSizes = {24}) {
  std::vector<RawEntry> items = rawEntries(img);
  uint32_t next = uint32_t(img.size() / 1024) + 1;
  std::vector<uint32_t> pages;  // DiskAdr of the pages of the level being built
  std::vector<RawEntry> seps;   // seps[i] lies between pages[i] and pages[i+1]
  // The size of the next group of `rem` things (entries or child pages) given the wish `want`
  // and the most a group may take: never leave exactly one behind.
  auto take = [](size_t rem, size_t want, size_t most) {
    size_t c = std::min(rem, want);
    if (rem - c == 1) c = c < most ? c + 1 : c - 1;
    return c;
  };
  if (items.size() <= 24) {
    writeRawPage(img, 1, 0, items);
    return;
  }
  for (size_t i = 0, k = 0; i < items.size(); ++k) {
    size_t c = take(items.size() - i, size_t(leafSizes[k % leafSizes.size()]), 24);
    std::vector<RawEntry> leaf(items.begin() + long(i), items.begin() + long(i + c));
    writeRawPage(img, next, 0, leaf);
    pages.push_back(next++ * 29);
    i += c;
    if (i < items.size()) seps.push_back(items[i++]);
  }
  while (pages.size() > 25) {
    std::vector<uint32_t> upper;
    std::vector<RawEntry> upperSeps;
    for (size_t i = 0, k = 0; i < pages.size(); ++k) {
      size_t c = take(pages.size() - i, size_t(innerSizes[k % innerSizes.size()]) + 1, 25);
      std::vector<RawEntry> e;
      for (size_t j = 1; j < c; ++j) {
        RawEntry s = seps[i + j - 1];
        s.p = pages[i + j];
        e.push_back(s);
      }
      writeRawPage(img, next, pages[i], e);
      upper.push_back(next++ * 29);
      i += c;
      if (i < pages.size()) upperSeps.push_back(seps[i - 1]);
    }
    pages = upper;
    seps = upperSeps;
  }
  if (next > 65535) throw std::runtime_error("relayout: image too large");
  std::vector<RawEntry> root;
  for (size_t j = 1; j < pages.size(); ++j) {
    RawEntry s = seps[j - 1];
    s.p = pages[j];
    root.push_back(s);
  }
  writeRawPage(img, 1, pages[0], root);
}

}  // namespace disktest
