// The stock image checks clean and lists as expected; deliberately damaged copies are reported
// precisely, and neither check nor a refused write changes a byte of them.
#include <boost/test/unit_test.hpp>

#include "disk_test_support.h"
#include "emulator/disk/disk_image.h"
#include "emulator/disk/file_system.h"
#include "emulator/disk/fs_check.h"
#include "underfull_support.h"

using namespace oberondisk;
using namespace disktest;

namespace {

bool anyContains(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

// Damages a copy of the stock image, checks it and returns the problems; asserts that check
// and an attempted write leave the file untouched.
std::vector<std::string> damagedProblems(const std::function<void(std::vector<uint8_t>&)>& damage,
                                         bool truncate = false, size_t keep = 0) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto bytes = readBytes(image);
  damage(bytes);
  if (truncate) bytes.resize(keep);
  writeBytes(image, bytes);
  auto problems = checkFileSystem(DiskImage::open(image, false)).problems;
  BOOST_CHECK_THROW(FileSystem::open(image, true), DiskError);
  BOOST_TEST(readBytes(image) == bytes);
  return problems;
}

// Checks an image made of `bytes` and returns its report; asserts that a write is refused and
// that the file stays unchanged.
CheckReport checkBytes(const std::vector<uint8_t>& bytes) {
  TempDir dir;
  std::string image = dir.file("damaged.dsk");
  writeBytes(image, bytes);
  auto report = checkFileSystem(DiskImage::open(image, false));
  BOOST_CHECK_THROW(FileSystem::open(image, true), DiskError);
  BOOST_TEST(readBytes(image) == bytes);
  return report;
}

DiskAdr headerOf(const std::string& name) {
  auto info = FileSystem::open(sharedImage(), false).find(name);
  if (!info) throw std::runtime_error("no " + name);
  return info->header;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(check)

BOOST_AUTO_TEST_CASE(shared_image_is_clean_and_lists_system_sources) {
  auto image = DiskImage::open(sharedImage(), false);
  BOOST_TEST((image.layout() == Layout::filesystemOnly));
  auto r = checkFileSystem(image);
  BOOST_TEST(r.problems.empty(), joined(r.problems));
  BOOST_TEST(r.files == 136);  // counted with an independent script walking the raw pages

  auto fs = FileSystem::open(sharedImage(), false);
  auto files = fs.list();
  BOOST_TEST(files.size() == 136u);
  auto size = [&](const std::string& n) {
    for (auto& f : files)
      if (f.name == n) return int64_t(f.length);
    return int64_t(-1);
  };
  BOOST_TEST(size("System.Mod") > 10000);  // a few hundred lines of Oberon
  BOOST_TEST(size("System.Mod") < 40000);
  BOOST_TEST(size("ORP.Mod") > 30000);     // the parser is the compiler's largest module
  BOOST_TEST(size("ORP.Mod") < 80000);
  BOOST_TEST(size("Kernel.Mod") > 0);
  BOOST_TEST(size("FileDir.Mod") > 0);
  auto text = fs.readFile("System.Mod");
  BOOST_TEST(std::string(text.begin(), text.begin() + 13) == "MODULE System");
}

BOOST_AUTO_TEST_CASE(bad_root_mark_is_not_an_oberon_image) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto bytes = readBytes(image);
  bytes[0] ^= 0xFF;
  writeBytes(image, bytes);
  try {
    DiskImage::open(image, false);
    BOOST_FAIL("opened an image without directory mark");
  } catch (const DiskError& e) {
    BOOST_TEST(std::string(e.what()).find("not an Oberon image") != std::string::npos);
  }
  BOOST_TEST(readBytes(image) == bytes);
}

BOOST_AUTO_TEST_CASE(bad_mark_on_inner_directory_page) {
  uint32_t page = 0;
  auto problems = damagedProblems([&](std::vector<uint8_t>& b) {
    page = word(b, 8) / 29;  // the root's p0
    putWord(b, sectorOffset(page), 0x12345678);
  });
  BOOST_TEST(anyContains(problems, "directory page at sector " + std::to_string(page) +
                                       ": bad mark 12345678H (expected 9B1EA38DH)"), joined(problems));
}

BOOST_AUTO_TEST_CASE(sector_used_twice) {
  DiskAdr sys = headerOf("System.Mod"), orp = headerOf("ORP.Mod");
  uint32_t shared = 0;
  auto problems = damagedProblems([&](std::vector<uint8_t>& b) {
    shared = word(b, sectorOffset(sys / 29) + 96 + 4 * 1);     // System.Mod sec[1]
    putWord(b, sectorOffset(orp / 29) + 96 + 4 * 5, shared);   // ORP.Mod sec[5] := the same
  });
  std::string s = std::to_string(shared / 29);
  BOOST_TEST(problems.size() == 1u, joined(problems));
  BOOST_TEST(anyContains(problems, "sector " + s + " used twice"), joined(problems));
  BOOST_TEST(anyContains(problems, "file 'System.Mod' sector 1"), joined(problems));
  BOOST_TEST(anyContains(problems, "file 'ORP.Mod' sector 5"), joined(problems));
}

// Two owners of one sector where one is a directory page: ORP.Mod's sector 1 is the first leaf.
BOOST_AUTO_TEST_CASE(file_sector_overlaps_a_directory_page) {
  DiskAdr orp = headerOf("ORP.Mod");
  uint32_t leaf = 0;
  auto problems = damagedProblems([&](std::vector<uint8_t>& b) {
    leaf = word(b, 8) / 29;  // the root's p0
    putWord(b, sectorOffset(orp / 29) + 96 + 4 * 1, leaf * 29);
  });
  BOOST_TEST(problems.size() == 1u, joined(problems));
  BOOST_TEST(anyContains(problems, "sector " + std::to_string(leaf) +
                                       " used twice: by directory page (child 0 of sector 1) and by file 'ORP.Mod' sector 1"),
             joined(problems));
}

// Dangling addresses: a data sector and a directory page beyond the end of the image. Both are
// fatal (the emulator refuses to boot such an image).
BOOST_AUTO_TEST_CASE(dangling_sectors_outside_the_image) {
  DiskAdr sys = headerOf("System.Mod");
  auto bytes = readBytes(sharedImage());
  putWord(bytes, sectorOffset(sys / 29) + 96 + 4 * 3, 60000 * 29);  // System.Mod sec[3]
  putWord(bytes, 64 + 40 * 1 + 36, 50000 * 29);                     // root e[1].p: child 2
  auto r = checkBytes(bytes);
  std::string data = "file 'System.Mod' sector 3: sector 60000 is outside the image (last sector 967)";
  std::string page = "directory page (child 2 of sector 1): sector 50000 is outside the image (last sector 967)";
  BOOST_TEST(anyContains(r.problems, data), joined(r.problems));
  BOOST_TEST(anyContains(r.fatal, data), joined(r.fatal));
  BOOST_TEST(anyContains(r.problems, page), joined(r.problems));
  BOOST_TEST(anyContains(r.fatal, page), joined(r.fatal));
}

// A loop: an inner page of a three-level directory points back to the root, its ancestor. Check
// reports the second visit of sector 1 and does not follow it; list stops at the depth limit.
BOOST_AUTO_TEST_CASE(directory_loop_to_an_ancestor) {
  auto bytes = readBytes(sharedImage());
  relayoutDirectory(bytes, {4}, {3});  // 28 leaves of 4 (or 5) under 7 inner pages under the root
  auto pages = rawPages(bytes);
  BOOST_TEST_REQUIRE(pages.at(1).depth == 1);
  BOOST_TEST_REQUIRE(pages.at(1).m == 3);
  uint32_t inner = pages.at(1).sector;
  TempDir dir;
  std::string image = dir.file("loop.dsk");
  writeBytes(image, bytes);
  BOOST_TEST_REQUIRE(checkFileSystem(DiskImage::open(image, false)).problems.empty());
  putWord(bytes, sectorOffset(inner) + 64 + 40 * 2 + 36, 29);  // e[2].p := the root
  auto r = checkBytes(bytes);
  BOOST_TEST(anyContains(r.problems, "sector 1 used twice: by root directory page and by directory page (child 3 of sector " +
                                         std::to_string(inner) + ")"),
             joined(r.problems));
  writeBytes(image, bytes);
  BOOST_CHECK_THROW(FileSystem::open(image, false).list(), DiskError);
}

BOOST_AUTO_TEST_CASE(truncated_image) {
  // 500000 bytes: sectors 1..488 complete, sector 489 cut short.
  auto problems = damagedProblems([](std::vector<uint8_t>&) {}, true, 500000);
  BOOST_TEST(anyContains(problems, "is outside the image (last sector 488)"), joined(problems));
}

// Half a sector past the last one (the emulator killed between the two card blocks of a sector
// that grew the image): no file uses it, so it is a note and the image is clean.
BOOST_AUTO_TEST_CASE(a_half_sector_at_the_end_is_a_note) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto bytes = readBytes(image);
  const size_t sectors = bytes.size() / 1024;
  bytes.resize(bytes.size() + 512, 0);
  writeBytes(image, bytes);
  auto report = checkFileSystem(DiskImage::open(image, false));
  BOOST_TEST(report.problems.empty(), firstProblem(report));
  bool noted = false;
  for (const auto& n : report.notes)
    noted = noted || n.find("sector " + std::to_string(sectors + 1) + " is cut short") != std::string::npos;
  BOOST_TEST(noted);
}

BOOST_AUTO_TEST_CASE(header_problems) {
  DiskAdr sys = headerOf("System.Mod"), orp = headerOf("ORP.Mod"), krn = headerOf("Kernel.Mod");
  auto problems = damagedProblems([&](std::vector<uint8_t>& b) {
    putWord(b, sectorOffset(sys / 29), 0);                 // header mark
    b[sectorOffset(orp / 29) + 4] = 'X';                  // name in header
    putWord(b, sectorOffset(orp / 29) + 96 + 4 * 2, 1000);  // sec[2] not a multiple of 29
    putWord(b, sectorOffset(krn / 29) + 36, 5000);         // aleng
  });
  std::string sysAt = "file 'System.Mod': header at sector " + std::to_string(sys / 29);
  BOOST_TEST(anyContains(problems, sysAt + ": bad mark 00000000H"), joined(problems));
  BOOST_TEST(anyContains(problems, "header names the file 'XRP.Mod'"), joined(problems));
  BOOST_TEST(anyContains(problems, "file 'ORP.Mod' sector 2: disk address 1000 is not a multiple of 29"), joined(problems));
  BOOST_TEST(anyContains(problems, "aleng 5000 out of range 0..3135"), joined(problems));
}

BOOST_AUTO_TEST_CASE(entries_out_of_order) {
  uint32_t page = 0;
  auto problems = damagedProblems([&](std::vector<uint8_t>& b) {
    page = word(b, 8) / 29;  // leftmost leaf under the root
    size_t e0 = sectorOffset(page) + 64, e1 = e0 + 40;
    std::swap_ranges(b.begin() + long(e0), b.begin() + long(e0 + 32), b.begin() + long(e1));
  });
  BOOST_TEST(anyContains(problems, "directory page at sector " + std::to_string(page) + ": entries 0"), joined(problems));
  BOOST_TEST(anyContains(problems, "out of order"), joined(problems));
}

BOOST_AUTO_TEST_CASE(endless_directory_chain_is_cut_off) {
  // Root -> 64 -> 65 -> ... -> 163, every page pointing to the next through p0: no crash, no
  // endless recursion, and a precise report.
  TempDir dir;
  std::vector<uint8_t> bytes(200 * 1024);
  auto page = [&](uint32_t n, uint32_t p0) {
    putWord(bytes, sectorOffset(n), 0x9B1EA38D);
    putWord(bytes, sectorOffset(n) + 8, p0);
  };
  page(1, 64 * 29);
  for (uint32_t n = 64; n < 164; ++n) page(n, (n + 1) * 29);
  std::string image = dir.file("chain.dsk");
  writeBytes(image, bytes);
  auto problems = checkFileSystem(DiskImage::open(image, false)).problems;
  BOOST_TEST(anyContains(problems, "deeper than 16 levels"), joined(problems));
  BOOST_TEST(anyContains(problems, "directory page at sector 64: 0 entries"), joined(problems));
  BOOST_CHECK_THROW(FileSystem::open(image, true), DiskError);
  BOOST_TEST(FileSystem::open(image, false).list().empty());
}

BOOST_AUTO_TEST_CASE(bad_input_images) {
  TempDir dir;
  auto expectError = [&](const std::vector<uint8_t>& bytes, const std::string& text) {
    std::string image = dir.file("bad.dsk");
    writeBytes(image, bytes);
    try {
      DiskImage::open(image, false);
      BOOST_ERROR("opened a bad image: " << text);
    } catch (const DiskError& e) {
      BOOST_TEST(std::string(e.what()).find(text) != std::string::npos, e.what());
    }
  };
  expectError({}, "image is empty");
  expectError({0x8D, 0xA3}, "truncated");
  expectError({0x8D, 0xA3, 0x1E, 0x9B, 0, 0}, "truncated");  // mark, but no whole root page
  expectError(randomBytes(5000, 3), "not an Oberon image");
  BOOST_CHECK_THROW(DiskImage::open(dir.file("missing.dsk"), false), DiskError);
}

BOOST_AUTO_TEST_SUITE_END()
