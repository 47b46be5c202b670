// Directory B-tree: page split, root growth, underflow and merge, checked against pages worked
// out by hand from FileDir.Mod and Kernel.AllocSector, and a large random insert/delete run.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdio>

#include "disk_test_support.h"
#include "emulator/disk/disk_image.h"
#include "emulator/disk/file_system.h"
#include "emulator/disk/fs_check.h"

using namespace oberondisk;
using namespace disktest;

namespace {

std::string nameAt(const std::vector<uint8_t>& raw, uint32_t sector, int i) {
  return std::string(reinterpret_cast<const char*>(&raw[sectorOffset(sector) + 64 + 40 * i]));
}
uint32_t pageWord(const std::vector<uint8_t>& raw, uint32_t sector, size_t at) {
  return word(raw, sectorOffset(sector) + at);
}
std::string seqName(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "A%02d", i);
  return buf;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(btree)

// 25 empty files A00..A24 on a fresh file system, added in one session. Headers take sectors
// 64..88 (a new file's hint is 0 and Kernel.AllocSector returns the first free sector after
// the hint; 0..63 are reserved). The 25th entry overflows the root leaf: FileDir.insert puts it
// into the right half (R = 24 >= N), passes up e[12] = A12, writes A00..A11 back to the root's
// sector and allocates the right page after hint 29: sector 89. Insert then moves the old root
// to a new sector allocated after 29 (sector 90) and makes the root {m = 1, p0 = 90, A12 -> 89}.
BOOST_AUTO_TEST_CASE(root_split_by_hand) {
  TempDir dir;
  std::string image = dir.file("split.dsk");
  DiskImage::createEmpty(image, 1 << 20, false);
  {
    auto fs = FileSystem::open(image, true);
    for (int i = 0; i < 25; ++i) fs.writeFile(seqName(i), {}, 0);
    fs.commit();
  }
  auto raw = readBytes(image);
  BOOST_TEST(pageWord(raw, 1, 0) == 0x9B1EA38Du);
  BOOST_TEST(pageWord(raw, 1, 4) == 1u);         // m
  BOOST_TEST(pageWord(raw, 1, 8) == 90u * 29);   // p0: the old root
  BOOST_TEST(nameAt(raw, 1, 0) == "A12");
  BOOST_TEST(pageWord(raw, 1, 64 + 32) == 76u * 29);  // A12's header: 64 + 12
  BOOST_TEST(pageWord(raw, 1, 64 + 36) == 89u * 29);  // right page
  BOOST_TEST(pageWord(raw, 90, 4) == 12u);
  BOOST_TEST(pageWord(raw, 89, 4) == 12u);
  for (int i = 0; i < 12; ++i) {
    BOOST_TEST(nameAt(raw, 90, i) == seqName(i));
    BOOST_TEST(nameAt(raw, 89, i) == seqName(13 + i));
    BOOST_TEST(pageWord(raw, 89, 64 + 40 * i + 32) == uint32_t(64 + 13 + i) * 29);
  }
  BOOST_TEST(checkFileSystem(DiskImage::open(image, false)).problems.empty());

  // Deleting A24 leaves page 89 with 11 < N entries. It is the last child, so FileDir.underflow
  // looks left: page 90 has k = (12 - 12 + 1) DIV 2 = 0 entries to spare, so the two merge
  // into page 90 (A00..A11, A12, A13..A23), the root becomes empty and Delete copies page 90
  // into the root: one leaf root with 24 entries.
  {
    auto fs = FileSystem::open(image, true);
    fs.deleteFile("A24");
    fs.commit();
  }
  raw = readBytes(image);
  BOOST_TEST(pageWord(raw, 1, 4) == 24u);
  BOOST_TEST(pageWord(raw, 1, 8) == 0u);
  for (int i = 0; i < 24; ++i) BOOST_TEST(nameAt(raw, 1, i) == seqName(i));
  BOOST_TEST(checkFileSystem(DiskImage::open(image, false)).problems.empty());
}

// More names than a two-level tree can hold (24 + 25*24 = 624) force inner pages to split too;
// deleting them again in another order exercises borrowing and merging at every level.
BOOST_AUTO_TEST_CASE(many_files_split_and_delete) {
  TempDir dir;
  std::string image = copyShared(dir);
  std::vector<std::string> original;
  for (auto& f : FileSystem::open(image, false).list()) original.push_back(f.name);

  std::vector<std::string> names;
  for (int i = 0; i < 900; ++i) {
    std::string name = "F";
    name += std::to_string(i * 7919 % 1000);
    names.push_back(name + ".Txt");
  }
  std::mt19937 rng(42);
  std::shuffle(names.begin(), names.end(), rng);
  {
    auto fs = FileSystem::open(image, true);
    for (size_t i = 0; i < names.size(); ++i) {
      fs.writeFile(names[i], {uint8_t(i), uint8_t(i >> 8)}, 0);
      if (i % 150 == 149) {
        auto r = checkFileSystem(fs.image());
        BOOST_TEST_REQUIRE(r.problems.empty(), "after " << i + 1 << " inserts: " << firstProblem(r));
      }
    }
    fs.commit();
  }
  auto raw = readBytes(image);
  uint32_t child = pageWord(raw, 1, 8) / 29;
  BOOST_TEST_REQUIRE(child != 0u);
  BOOST_TEST(pageWord(raw, child, 8) != 0u);  // three levels: the root's child is an inner page
  {
    auto fs = FileSystem::open(image, false);
    auto files = fs.list();
    BOOST_TEST(files.size() == original.size() + names.size());
    BOOST_TEST(std::is_sorted(files.begin(), files.end(),
                              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; }));
    for (size_t i = 0; i < names.size(); i += 97)
      BOOST_TEST(fs.readFile(names[i]) == (std::vector<uint8_t>{uint8_t(i), uint8_t(i >> 8)}));
    auto r = checkFileSystem(fs.image());
    BOOST_TEST(r.problems.empty());
    BOOST_TEST(r.files == int(original.size() + names.size()));
  }

  std::shuffle(names.begin(), names.end(), rng);
  {
    auto fs = FileSystem::open(image, true);
    for (size_t i = 0; i < names.size(); ++i) {
      fs.deleteFile(names[i]);
      if (i % 150 == 149) {
        auto r = checkFileSystem(fs.image());
        BOOST_TEST_REQUIRE(r.problems.empty(), "after " << i + 1 << " deletes: " << firstProblem(r));
        BOOST_TEST(r.files == int(original.size() + names.size() - i - 1));
      }
    }
    BOOST_CHECK_THROW(fs.deleteFile(names[0]), DiskError);
    fs.commit();
  }
  std::vector<std::string> after;
  for (auto& f : FileSystem::open(image, false).list()) after.push_back(f.name);
  BOOST_TEST(after == original);
  BOOST_TEST(checkFileSystem(DiskImage::open(image, false)).problems.empty());
}

BOOST_AUTO_TEST_SUITE_END()
