// Add/extract round trips across the header, direct-sector and extension-table boundaries, on a
// copy of the stock image and on a fresh file system, checked against raw header bytes.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "disk_test_support.h"
#include "emulator/disk/disk_image.h"
#include "emulator/disk/file_system.h"
#include "emulator/disk/fs_check.h"

using namespace oberondisk;
using namespace disktest;

namespace {

struct Case {
  uint32_t length;
  int32_t aleng, bleng;  // by hand: total = length + 352; aleng = (total-1) DIV 1024
  int extTables;         // (aleng + 192) DIV 256
};

const Case kCases[] = {
    {0, 0, 352, 0},            // header only
    {1, 0, 353, 0},
    {351, 0, 703, 0},
    {352, 0, 704, 0},
    {672, 0, 1024, 0},         // sector 0 full
    {673, 1, 1, 0},            // first byte of sector 1
    {1023, 1, 351, 0},
    {1024, 1, 352, 0},
    {65184, 63, 1024, 0},      // last direct sector full: 64*1024 - 352
    {65185, 64, 1, 1},         // first sector from extension table 0
    {65 * 1024, 65, 352, 1},
    {3 * 1024 * 1024, 3072, 352, 12},
    {3210912, 3135, 1024, 12},  // the largest file Oberon can have
};

std::string nameFor(const Case& c) {
  std::string name = "T";
  name += std::to_string(c.length);
  return name + ".Bin";
}

void roundTrip(const std::string& image) {
  std::vector<uint8_t> before = [&] {
    auto fs = FileSystem::open(image, false);
    auto files = fs.list();
    return files.empty() ? std::vector<uint8_t>{} : fs.readFile(files.front().name);
  }();
  {
    auto fs = FileSystem::open(image, true);
    for (const Case& c : kCases) fs.writeFile(nameFor(c), randomBytes(c.length, c.length), 0x51234567);
    fs.commit();
  }
  auto raw = readBytes(image);
  auto fs = FileSystem::open(image, false);
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT("length " << c.length) {
      BOOST_TEST(fs.readFile(nameFor(c)) == randomBytes(c.length, c.length));
      auto info = fs.find(nameFor(c));
      BOOST_REQUIRE(info);
      BOOST_TEST(info->length == c.length);
      BOOST_TEST(info->date == 0x51234567u);
      BOOST_TEST(info->header % 29 == 0u);
      size_t h = sectorOffset(info->header / 29);
      BOOST_TEST(word(raw, h) == 0x9BA71D86u);                   // HeaderMark
      BOOST_TEST(std::string(reinterpret_cast<const char*>(&raw[h + 4])) == nameFor(c));
      BOOST_TEST(int32_t(word(raw, h + 36)) == c.aleng);
      BOOST_TEST(int32_t(word(raw, h + 40)) == c.bleng);
      BOOST_TEST(word(raw, h + 96) == info->header);              // sec[0] is the header itself
      for (int t = 0; t < 12; ++t) BOOST_TEST((word(raw, h + 48 + 4 * t) != 0) == (t < c.extTables));
      for (int k = 1; k < 64; ++k) BOOST_TEST((word(raw, h + 96 + 4 * k) != 0) == (k <= c.aleng));
    }
  }
  CheckReport r = checkFileSystem(fs.image());
  BOOST_TEST(r.problems.empty(), firstProblem(r));
  if (!before.empty()) BOOST_TEST(fs.readFile(fs.list().front().name) == before);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(roundtrip)

BOOST_AUTO_TEST_CASE(on_copy_of_shared_image) {
  TempDir dir;
  roundTrip(copyShared(dir));
}

BOOST_AUTO_TEST_CASE(on_fresh_filesystem) {
  TempDir dir;
  std::string image = dir.file("fresh.dsk");
  DiskImage::createEmpty(image, 4 << 20, false);
  BOOST_TEST(fs::file_size(image) == 4u << 20);
  BOOST_TEST(FileSystem::open(image, false).list().empty());
  roundTrip(image);
}

BOOST_AUTO_TEST_CASE(replace_reuses_the_old_sectors) {
  TempDir dir;
  std::string image = copyShared(dir);
  {
    auto fs = FileSystem::open(image, true);
    fs.writeFile("Big.Bin", randomBytes(200000, 1), 0);
    fs.commit();
  }
  uint32_t used = checkFileSystem(DiskImage::open(image, false)).usedSectors;
  uint64_t bytes = fs::file_size(image);
  {
    auto fs = FileSystem::open(image, true);
    fs.writeFile("Big.Bin", randomBytes(200000, 2), 0);
    fs.commit();
  }
  auto fs = FileSystem::open(image, false);
  BOOST_TEST(fs.readFile("Big.Bin") == randomBytes(200000, 2));
  BOOST_TEST(checkFileSystem(fs.image()).usedSectors == used);
  BOOST_TEST(fs::file_size(image) == bytes);
}

BOOST_AUTO_TEST_CASE(too_large_file_is_refused_and_image_unchanged) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto original = readBytes(image);
  {
    auto fs = FileSystem::open(image, true);
    BOOST_CHECK_THROW(fs.writeFile("Huge.Bin", std::vector<uint8_t>(3210913), 0), DiskError);
    BOOST_CHECK_THROW(fs.writeFile("bad_name", {}, 0), DiskError);
    fs.commit();
  }
  BOOST_TEST(readBytes(image) == original);
}

BOOST_AUTO_TEST_CASE(replacement_keeps_permissions) {
  TempDir dir;
  std::string image = copyShared(dir);
  ::chmod(image.c_str(), 0640);
  auto fs = FileSystem::open(image, true);
  fs.writeFile("New.Txt", {'x'}, 0);
  fs.commit();
  struct stat st {};
  BOOST_REQUIRE(::stat(image.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0640u);
  // No temporary file is left behind.
  int entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(fs::path(image).parent_path())) ++entries;
  BOOST_TEST(entries == 1);
}

BOOST_AUTO_TEST_CASE(writing_through_a_symlink_replaces_the_target) {
  TempDir dir;
  std::string image = copyShared(dir);
  std::string link = dir.file("link.dsk");
  fs::create_symlink(image, link);
  {
    auto fs = FileSystem::open(link, true);
    fs.writeFile("Via.Link", {'y'}, 0);
    fs.commit();
  }
  BOOST_TEST(fs::is_symlink(link));
  BOOST_TEST(FileSystem::open(image, false).readFile("Via.Link") == std::vector<uint8_t>{'y'});
}

BOOST_AUTO_TEST_CASE(whole_card_image) {
  TempDir dir;
  // A sparse card with the file system at block 80002H: sector n at 80000H*512 + n*1024.
  std::string card = dir.file("card.img");
  auto fsImage = readBytes(sharedImage());
  const uint64_t base = 0x80002ull * 512;
  {
    std::ofstream out(card, std::ios::binary);
    out.seekp(std::streamoff(base));
    out.write(reinterpret_cast<const char*>(fsImage.data()), std::streamsize(fsImage.size()));
    out.seekp(std::streamoff(base + 4 * 1024 * 1024 - 1));  // room to grow inside the card
    out.put(0);
  }
  auto listed = [](const std::string& path) {
    std::vector<std::string> names;
    for (auto& f : FileSystem::open(path, false).list()) names.push_back(f.name + " " + std::to_string(f.length));
    return names;
  };
  TempDir dir2;
  BOOST_TEST(listed(card) == listed(copyShared(dir2)));
  BOOST_TEST((DiskImage::open(card, false).layout() == Layout::wholeCard));
  {
    auto fs = FileSystem::open(card, true);
    fs.writeFile("Card.Bin", randomBytes(100000, 7), 0);
    fs.commit();
  }
  auto fs = FileSystem::open(card, false);
  BOOST_TEST(fs.readFile("Card.Bin") == randomBytes(100000, 7));
  BOOST_TEST(checkFileSystem(fs.image()).problems.empty());
  BOOST_TEST(fs::file_size(card) == base + 4 * 1024 * 1024);  // a card never grows
}

BOOST_AUTO_TEST_SUITE_END()
