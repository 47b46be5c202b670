// Directories whose pages off the root hold fewer than FileDir's N = 12 entries, as other
// directory code writes them (underfull_support.h builds them from the raw bytes): check reports
// them as notes and stays clean, and add/delete keep working on them. Deleting balances an
// underfull page with its neighbour as FileDir.underflow does, counting from the pages' actual
// entry counts; the expected pages below are worked out by hand from that rule.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <map>
#include <set>

#include "disk_test_support.h"
#include "emulator/disk/disk_image.h"
#include "emulator/disk/file_system.h"
#include "emulator/disk/fs_check.h"
#include "underfull_support.h"

using namespace oberondisk;
using namespace disktest;

namespace {

std::string seqName(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "A%02d", i);
  return buf;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// Names on a raw page, in page order.
std::vector<std::string> names(const RawPage& pg) {
  std::vector<std::string> v;
  for (const auto& e : pg.e) v.push_back(e.str());
  return v;
}

std::vector<std::string> seq(int from, int to) {  // A<from>..A<to>
  std::vector<std::string> v;
  for (int i = from; i <= to; ++i) v.push_back(seqName(i));
  return v;
}

std::vector<std::string> cat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A fresh 1 MiB file system with the empty files A00..A<n-1> (headers at sectors 64..), its
// directory then laid out with the given leaf sizes. The leaves are appended after the end of
// the image: sectors 1025, 1026, ...
std::string underfullImage(const TempDir& dir, int n, const std::vector<int>& leafSizes) {
  std::string image = dir.file("underfull.dsk");
  DiskImage::createEmpty(image, 1 << 20, false);
  {
    auto fs = FileSystem::open(image, true);
    for (int i = 0; i < n; ++i) fs.writeFile(seqName(i), {}, 0);
    fs.commit();
  }
  auto raw = readBytes(image);
  relayoutDirectory(raw, leafSizes);
  writeBytes(image, raw);
  return image;
}

CheckReport checkImage(const std::string& image) { return checkFileSystem(DiskImage::open(image, false)); }

void deleteFile(const std::string& image, const std::string& name) {
  auto fs = FileSystem::open(image, true);
  fs.deleteFile(name);
  fs.commit();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(underfull)

// The stock image's 136 entries in leaves of 6 under one root (20 leaves): the shape that Oberon
// reads and boots but never writes itself. Clean, one note for every leaf, nothing fatal.
BOOST_AUTO_TEST_CASE(check_reports_underfull_pages_as_notes) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto raw = readBytes(image);
  relayoutDirectory(raw, {6});
  writeBytes(image, raw);
  auto under = underfullPages(raw);
  BOOST_TEST_REQUIRE(under.size() == 20u);

  auto r = checkImage(image);
  BOOST_TEST(r.problems.empty(), joined(r.problems));
  BOOST_TEST(r.fatal.empty());
  BOOST_TEST(r.files == 136);
  BOOST_TEST(r.directoryPages == 21);
  BOOST_TEST_REQUIRE(r.notes.size() == under.size(), joined(r.notes));
  for (size_t i = 0; i < under.size(); ++i)
    BOOST_TEST(r.notes[i].find("directory page at sector " + std::to_string(under[i].sector) + ": " +
                               std::to_string(under[i].m) + " entries, fewer than 12:") == 0,
               r.notes[i]);
  // The list is the stock image's, in the same order.
  std::vector<std::string> stock, now;
  for (auto& f : FileSystem::open(sharedImage(), false).list()) stock.push_back(f.name);
  for (auto& f : FileSystem::open(image, false).list()) now.push_back(f.name);
  BOOST_TEST(now == stock);
}

// An empty page off the root is still a problem: FileDir.del would index e[-1] on it and
// FileDir.Enumerate skips whatever hangs below it.
BOOST_AUTO_TEST_CASE(empty_page_off_the_root_is_a_problem) {
  TempDir dir;
  std::string image = underfullImage(dir, 40, {6});
  auto raw = readBytes(image);
  putWord(raw, sectorOffset(1026) + 4, 0);  // the second leaf: m := 0
  writeBytes(image, raw);
  auto r = checkImage(image);
  BOOST_TEST(r.problems.size() == 1u, joined(r.problems));
  BOOST_TEST(joined(r.problems).find("directory page at sector 1026: 0 entries, a page other than the root needs at least 1") !=
                 std::string::npos,
             joined(r.problems));
  BOOST_CHECK_THROW(FileSystem::open(image, true), DiskError);
  BOOST_TEST(readBytes(image) == raw);
}

// 40 files in leaves of 6: A00..A05 | A06 | A07..A12 | A13 | A14..A19 | A20 | A21..A26 | A27 |
// A28..A33 | A34 | A35..A39, leaves at sectors 1025..1030.
// - Deleting A00 leaves 5 on the first leaf; its right neighbour has 6, 5 + 1 + 6 = 12 fit one
//   page: the two merge (A01..A05, A06, A07..A12), the root loses A06 and sector 1026.
// - Deleting A39 leaves 4 on the last leaf; it looks left (6 entries): 4 + 1 + 6 = 11, merge into
//   sector 1029 (A28..A33, A34, A35..A38), the root loses A34.
// - Adding A215 puts it into the underfull leaf A21..A26 at position 1.
BOOST_AUTO_TEST_CASE(merge_right_and_left_by_hand) {
  TempDir dir;
  std::string image = underfullImage(dir, 40, {6});
  auto r = checkImage(image);
  BOOST_TEST_REQUIRE(r.problems.empty(), joined(r.problems));
  BOOST_TEST(r.notes.size() == 6u);
  auto root = readRawPage(readBytes(image), 1);
  BOOST_TEST(names(root) == (std::vector<std::string>{"A06", "A13", "A20", "A27", "A34"}));
  BOOST_TEST(root.p0 == 1025u * 29);

  deleteFile(image, "A00");
  auto raw = readBytes(image);
  root = readRawPage(raw, 1);
  BOOST_TEST(names(root) == (std::vector<std::string>{"A13", "A20", "A27", "A34"}));
  BOOST_TEST(root.p0 == 1025u * 29);
  BOOST_TEST(root.e[0].p == 1027u * 29);
  BOOST_TEST(names(readRawPage(raw, 1025)) == cat(seq(1, 6), seq(7, 12)));
  r = checkImage(image);
  BOOST_TEST(r.problems.empty(), joined(r.problems));
  BOOST_TEST(r.notes.size() == 4u);  // sectors 1027..1030
  BOOST_TEST(!r.map.used(1026));     // discarded

  deleteFile(image, "A39");
  raw = readBytes(image);
  root = readRawPage(raw, 1);
  BOOST_TEST(names(root) == (std::vector<std::string>{"A13", "A20", "A27"}));
  BOOST_TEST(root.e[2].p == 1029u * 29);
  BOOST_TEST(names(readRawPage(raw, 1029)) == cat(seq(28, 34), seq(35, 38)));
  r = checkImage(image);
  BOOST_TEST(r.problems.empty(), joined(r.problems));
  BOOST_TEST(r.notes.size() == 3u);
  BOOST_TEST(!r.map.used(1030));

  {
    auto fs = FileSystem::open(image, true);
    fs.writeFile("A215", {1, 2, 3}, 0);
    fs.commit();
  }
  raw = readBytes(image);
  BOOST_TEST(names(readRawPage(raw, 1028)) == (std::vector<std::string>{"A21", "A215", "A22", "A23", "A24", "A25", "A26"}));
  BOOST_TEST(checkImage(image).problems.empty());
  BOOST_TEST(FileSystem::open(image, false).readFile("A215") == (std::vector<uint8_t>{1, 2, 3}));
}

// 40 files in leaves of 6 and 24: A00..A05 | A06 | A07..A30 | A31 | A32..A37 | A38 | A39.
// - Deleting A00 leaves 5; the right neighbour has 24 and 5 + 1 + 24 > 24, so it lends
//   k = (24 - 5) DIV 2 = 9: A06 comes down, A07..A14 move over, A15 goes up. 14 and 15 entries.
// - Deleting A39 empties the last leaf (sector 1028); it merges with its left neighbour into
//   A32..A37, A38 (7 entries) instead of staying empty.
BOOST_AUTO_TEST_CASE(borrow_right_and_empty_leaf_by_hand) {
  TempDir dir;
  std::string image = underfullImage(dir, 40, {6, 24});
  auto root = readRawPage(readBytes(image), 1);
  BOOST_TEST_REQUIRE(names(root) == (std::vector<std::string>{"A06", "A31", "A38"}));

  deleteFile(image, "A00");
  auto raw = readBytes(image);
  root = readRawPage(raw, 1);
  BOOST_TEST(names(root) == (std::vector<std::string>{"A15", "A31", "A38"}));
  BOOST_TEST(root.e[0].p == 1026u * 29);
  BOOST_TEST(names(readRawPage(raw, 1025)) == cat(seq(1, 6), seq(7, 14)));
  BOOST_TEST(names(readRawPage(raw, 1026)) == seq(16, 30));
  BOOST_TEST(checkImage(image).problems.empty());

  deleteFile(image, "A39");
  raw = readBytes(image);
  root = readRawPage(raw, 1);
  BOOST_TEST(names(root) == (std::vector<std::string>{"A15", "A31"}));
  BOOST_TEST(root.e[1].p == 1027u * 29);
  BOOST_TEST(names(readRawPage(raw, 1027)) == seq(32, 38));
  auto r = checkImage(image);
  BOOST_TEST(r.problems.empty(), joined(r.problems));
  BOOST_TEST(r.notes.size() == 1u);  // sector 1027, 7 entries
  BOOST_TEST(!r.map.used(1028));
}

// 30 files in leaves of 24: A00..A23 | A24 | A25..A29. Deleting A29 leaves 4 on the last leaf;
// the left neighbour (24) lends k = (24 - 4) DIV 2 = 10: A15..A23 and A24 move right, A14 goes
// up. Both leaves end with 14 entries, and no note is left.
BOOST_AUTO_TEST_CASE(borrow_left_by_hand) {
  TempDir dir;
  std::string image = underfullImage(dir, 30, {24});
  BOOST_TEST_REQUIRE(checkImage(image).notes.size() == 1u);
  deleteFile(image, "A29");
  auto raw = readBytes(image);
  auto root = readRawPage(raw, 1);
  BOOST_TEST(names(root) == (std::vector<std::string>{"A14"}));
  BOOST_TEST(root.p0 == 1025u * 29);
  BOOST_TEST(root.e[0].p == 1026u * 29);
  BOOST_TEST(names(readRawPage(raw, 1025)) == seq(0, 13));
  BOOST_TEST(names(readRawPage(raw, 1026)) == seq(15, 28));
  auto r = checkImage(image);
  BOOST_TEST(r.problems.empty(), joined(r.problems));
  BOOST_TEST(r.notes.empty(), joined(r.notes));
}

// A deep tree with pages of 1..11 entries on every level (500 files added to the stock image,
// then laid out with small leaves and inner pages), then 1500 random adds and deletes. After
// every step the tree checks clean (sorted, balanced, 1..24 entries off the root), underfull
// pages never become more, and the files are exactly the expected ones with their contents.
BOOST_AUTO_TEST_CASE(random_adds_and_deletes_on_a_deep_underfull_tree) {
  TempDir dir;
  std::string image = copyShared(dir);
  std::vector<std::string> original;
  for (auto& f : FileSystem::open(image, false).list()) original.push_back(f.name);
  auto nameOf = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "R%d.Txt", i * 7919 % 1000);
    return std::string(buf);
  };
  auto dataOf = [](int i, int gen) { return std::vector<uint8_t>{uint8_t(i), uint8_t(i >> 8), uint8_t(gen)}; };
  std::map<std::string, std::vector<uint8_t>> present;
  {
    auto fs = FileSystem::open(image, true);
    for (int i = 0; i < 500; ++i) {
      fs.writeFile(nameOf(i), dataOf(i, 0), 0);
      present[nameOf(i)] = dataOf(i, 0);
    }
    fs.commit();
  }
  auto raw = readBytes(image);
  relayoutDirectory(raw, {1, 3, 7, 11, 2, 5, 9}, {1, 2, 3, 2});
  writeBytes(image, raw);
  int depth = 0;
  for (auto& pg : rawPages(raw)) depth = std::max(depth, pg.depth);
  BOOST_TEST_REQUIRE(depth >= 3);  // four levels or more
  auto r = checkImage(image);
  BOOST_TEST_REQUIRE(r.problems.empty(), joined(r.problems));
  size_t notes = r.notes.size();
  BOOST_TEST_REQUIRE(notes > 50u);

  std::mt19937 rng(7);
  {
    auto fs = FileSystem::open(image, true);
    for (int step = 0; step < 1500; ++step) {
      int i = int(rng() % 1000);
      std::string name = nameOf(i);
      bool del = present.count(name) && rng() % 8 < 5;  // delete more often than add
      if (del) {
        fs.deleteFile(name);
        present.erase(name);
      } else {
        fs.writeFile(name, dataOf(i, step), 0);
        present[name] = dataOf(i, step);
      }
      auto c = checkFileSystem(fs.image());
      BOOST_TEST_REQUIRE(c.problems.empty(), "step " << step << (del ? " delete " : " add ") << name << ": "
                                                       << firstProblem(c));
      BOOST_TEST_REQUIRE(c.notes.size() <= notes, "step " << step << ": more underfull pages");
      notes = c.notes.size();
      BOOST_TEST_REQUIRE(c.files == int(original.size() + present.size()));
    }
    fs.commit();
  }
  // Read back independently: the raw entries are the expected names in order.
  std::set<std::string> expected(original.begin(), original.end());
  for (auto& [n, d] : present) expected.insert(n);
  std::vector<std::string> rawNames;
  for (auto& e : rawEntries(readBytes(image))) rawNames.push_back(e.str());
  BOOST_TEST(rawNames == std::vector<std::string>(expected.begin(), expected.end()));
  auto fs = FileSystem::open(image, false);
  for (auto& [n, d] : present) BOOST_TEST(fs.readFile(n) == d, n);
  BOOST_TEST(fs.readFile("System.Mod") == FileSystem::open(sharedImage(), false).readFile("System.Mod"));
}

BOOST_AUTO_TEST_SUITE_END()
