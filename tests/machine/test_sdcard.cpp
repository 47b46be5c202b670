// SD card in SPI mode, driven byte by byte as the boot ROM and Kernel.Mod drive it.
#define BOOST_TEST_MODULE sdcard
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "emulator/devices/sdcard.h"
#include "tests/support/files.h"

namespace fs = std::filesystem;
using risc5::SdCard;
using risc5::Spi;

namespace {

constexpr uint32_t kDirMark = 0x9B1EA38D;

// A temporary image file: `sectors` Oberon sectors (filesystem-only layout) with a directory
// mark in sector 1 and each later byte set to a pattern derived from its offset.
struct TempImage {
  support::TempDir dir{"sdcard-test"};
  fs::path path = dir.path() / "image.dsk";
  explicit TempImage(size_t sectors, bool wholeCard = false) {
    std::vector<uint8_t> bytes(sectors * 1024);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + (i >> 9));
    std::memcpy(bytes.data(), &kDirMark, 4);
    std::ofstream out(path, std::ios::binary);
    if (wholeCard) {
      std::vector<uint8_t> lead(size_t{SdCard::kFsOffsetBlocks + 2} * 512, 0);
      out.write(reinterpret_cast<const char*>(lead.data()), lead.size());
    }
    out.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  std::vector<uint8_t> contents() const { return support::readBytes(path); }
};

// Kernel.Mod's SPI helpers, in C++: select card 0 slowly, send a byte, return the reply.
struct Host {
  Spi& spi;
  uint32_t data = 0;
  void idle(int n) {
    spi.writeControl(0);
    while (n-- > 0) { spi.writeData(0xFF); data = spi.readData(); }
  }
  uint32_t byte(uint32_t b) {
    spi.writeControl(1);
    spi.writeData(b);
    data = spi.readData();
    return data;
  }
  // SPICmd of BootLoad/Kernel: flush, command, argument MSB first, CRC, wait for R1 < 80H.
  uint32_t cmd(int n, uint32_t arg) {
    do idle(1); while (data != 255);
    do byte(255); while (data != 255);
    uint32_t crc = n == 8 ? 135 : n == 0 ? 149 : 255;
    byte(static_cast<uint32_t>(n % 64 + 64));
    for (int shift = 24; shift >= 0; shift -= 8) byte((arg >> shift) & 0xFF);
    byte(crc);
    int i = 32;
    do byte(255); while (data >= 0x80 && --i > 0);
    return data;
  }
  void init() {
    idle(9);
    BOOST_TEST(cmd(0, 0) == 1u);           // in idle state
    BOOST_TEST(cmd(8, 0x1AA) == 1u);
    byte(0xFF); byte(0xFF); BOOST_TEST(byte(0xFF) == 0x01u);  // R7 echoes voltage 1
    BOOST_TEST(byte(0xFF) == 0xAAu);       // ... and the check pattern
    int tries = 0;
    uint32_t r;
    do {
      cmd(55, 0);
      r = cmd(41, 1u << 30);
    } while (r != 0 && ++tries < 10);
    BOOST_TEST(r == 0u);                   // ACMD41 leaves the idle state
    BOOST_TEST(cmd(16, 512) == 0u);
    idle(1);
  }
  bool sdhc() {
    BOOST_TEST(cmd(58, 0) == 0u);
    byte(0xFF);
    bool ccs = data & 0x40;                // OCR bit 30: block addressing
    byte(0xFF); byte(0xFF); idle(1);
    return ccs;
  }
  std::vector<uint8_t> read(uint32_t block) {
    BOOST_TEST(cmd(17, block) == 0u);
    int i = 0;
    do byte(0xFF); while (data != 254 && ++i < 1000);
    BOOST_REQUIRE(data == 254u);
    spi.writeControl(1 | 4);               // fast mode: 32-bit transfers
    std::vector<uint8_t> out(512);
    for (int w = 0; w < 128; ++w) {
      spi.writeData(0xFFFFFFFF);
      uint32_t v = spi.readData();
      std::memcpy(&out[w * 4], &v, 4);
    }
    byte(255); byte(255); idle(1);
    return out;
  }
  void write(uint32_t block, const std::vector<uint8_t>& in) {
    BOOST_TEST(cmd(24, block) == 0u);
    byte(254);
    spi.writeControl(1 | 4);
    for (int w = 0; w < 128; ++w) {
      uint32_t v;
      std::memcpy(&v, &in[w * 4], 4);
      spi.writeData(v);
    }
    byte(255); byte(255);
    int i = 0;
    do byte(0xFF); while (data % 32 != 5 && ++i < 10000);
    BOOST_TEST(data % 32 == 5u);           // data accepted
    idle(1);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(rom_command_sequence_then_read) {
  TempImage img(8);
  SdCard card;
  BOOST_REQUIRE(card.open(img.path.string(), false).empty());
  BOOST_TEST(card.filesystemOnly());
  Spi spi(card);
  Host host{spi};
  host.init();
  BOOST_TEST(host.sdhc());
  // Oberon sector 2 (boot area) = card blocks FSoffset+4 and +5 = image bytes 1024..2047.
  auto block = host.read(SdCard::kFsOffsetBlocks + 4);
  auto file = img.contents();
  BOOST_TEST(std::equal(block.begin(), block.end(), file.begin() + 1024));
  // The directory mark arrives as the first little-endian word of sector 1.
  auto dir = host.read(SdCard::kFsOffsetBlocks + 2);
  uint32_t mark;
  std::memcpy(&mark, dir.data(), 4);
  BOOST_TEST(mark == kDirMark);
}

BOOST_AUTO_TEST_CASE(write_then_read_round_trip_reaches_the_file) {
  TempImage img(8);
  SdCard card;
  BOOST_REQUIRE(card.open(img.path.string(), false).empty());
  Spi spi(card);
  Host host{spi};
  host.init();
  std::vector<uint8_t> data(512);
  for (int i = 0; i < 512; ++i) data[i] = static_cast<uint8_t>(255 - i);
  const uint32_t block = SdCard::kFsOffsetBlocks + 2 + 5;  // image bytes 2560..3071
  host.write(block, data);
  BOOST_TEST(host.read(block) == data);
  card.close();
  auto file = img.contents();
  BOOST_TEST(std::equal(data.begin(), data.end(), file.begin() + 2560));
}

BOOST_AUTO_TEST_CASE(snapshot_mode_never_touches_the_file) {
  TempImage img(8);
  auto before = img.contents();
  SdCard card;
  BOOST_REQUIRE(card.open(img.path.string(), true).empty());
  Spi spi(card);
  Host host{spi};
  host.init();
  std::vector<uint8_t> data(512, 0x5A);
  host.write(SdCard::kFsOffsetBlocks + 3, data);
  BOOST_TEST(host.read(SdCard::kFsOffsetBlocks + 3) == data);  // the guest sees its write
  card.close();
  BOOST_TEST(img.contents() == before);
}

BOOST_AUTO_TEST_CASE(whole_card_layout_is_detected) {
  TempImage img(4, true);
  SdCard card;
  BOOST_REQUIRE(card.open(img.path.string(), false).empty());
  BOOST_TEST(!card.filesystemOnly());
  uint8_t b[512];
  card.readBlock(SdCard::kFsOffsetBlocks + 2, b);
  uint32_t mark;
  std::memcpy(&mark, b, 4);
  BOOST_TEST(mark == kDirMark);
}

BOOST_AUTO_TEST_CASE(writes_beyond_the_end_grow_the_image) {
  TempImage img(4);
  SdCard card;
  BOOST_REQUIRE(card.open(img.path.string(), false).empty());
  std::vector<uint8_t> data(512, 0xC3);
  BOOST_TEST(card.writeBlock(SdCard::kFsOffsetBlocks + 2 + 20, data.data()));
  card.close();
  auto file = img.contents();
  BOOST_REQUIRE(file.size() == 21u * 512);
  BOOST_TEST(file[20 * 512] == 0xC3);
}

// A guest cannot grow the host: a filesystem-only image ends where Oberon's sector map ends
// (64 Ki sectors), a whole-card image at its size; beyond, reads and writes fail (CMD17/CMD24
// answer address error), in snapshot mode too. Before, one far Kernel.PutSector made a 71 GB file.
BOOST_AUTO_TEST_CASE(the_card_has_a_capacity) {
  std::vector<uint8_t> data(512, 0xA5), back(512);
  const uint32_t first = SdCard::kFsOffsetBlocks + 2, end = first + SdCard::kFilesystemBytes / 512;
  {
    TempImage img(4);
    SdCard card;
    BOOST_REQUIRE(card.open(img.path.string(), false).empty());
    BOOST_TEST(card.writeBlock(end - 1, data.data()));  // the file system's last block
    BOOST_TEST(!card.writeBlock(end, data.data()));
    BOOST_TEST(!card.writeBlock(0xFFFFFFF0u, data.data()));
    BOOST_TEST(!card.readBlock(end, back.data()));
    card.close();
    BOOST_TEST(fs::file_size(img.path) == SdCard::kFilesystemBytes);
  }
  {
    TempImage img(4);
    SdCard card;
    BOOST_REQUIRE(card.open(img.path.string(), true).empty());  // snapshot: the overlay is bounded too
    BOOST_TEST(!card.writeBlock(end, data.data()));
    BOOST_TEST(!card.writeBlock(0xFFFFFFF0u, data.data()));
  }
  {
    TempImage img(4, true);
    SdCard card;
    BOOST_REQUIRE(card.open(img.path.string(), false).empty());
    uint32_t cardEnd = static_cast<uint32_t>(fs::file_size(img.path) / 512);
    BOOST_TEST(card.writeBlock(cardEnd - 1, data.data()));
    BOOST_TEST(!card.writeBlock(cardEnd, data.data()));
    // Through the SPI protocol: CMD24 beyond the card answers R1 = address error (20H).
    const uint8_t cmd24[] = {0x40 | 24, uint8_t(cardEnd >> 24), uint8_t(cardEnd >> 16), uint8_t(cardEnd >> 8),
                             uint8_t(cardEnd), 0xFF};
    for (uint8_t b : cmd24) card.exchange(b);
    uint8_t r1 = 0xFF;
    for (int i = 0; i < 8 && r1 == 0xFF; ++i) r1 = card.exchange(0xFF);
    BOOST_TEST((r1 & 0x7E) == 0x20);  // bit 0 is the idle bit of a card not yet initialised
  }
}

BOOST_AUTO_TEST_CASE(a_fifo_is_refused_without_blocking) {
  support::TempDir dir("sd-fifo");
  fs::path fifo = dir.path() / "fifo";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  SdCard card;
  BOOST_TEST(card.open(fifo.string(), true).find("not a regular file") != std::string::npos);  // read-only open
  BOOST_TEST(card.open(fifo.string(), false).find("not a regular file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_images_give_one_line_errors) {
  SdCard card;
  auto missing = card.open("/nonexistent/oberon.dsk", false);
  BOOST_TEST(missing.find("cannot open") != std::string::npos);
  support::TempDir dir("sd-bad");
  fs::path empty = dir.path() / "empty";
  { std::ofstream(empty).flush(); }
  BOOST_TEST(card.open(empty.string(), false).find("empty") != std::string::npos);
  fs::path junk = dir.path() / "junk";
  { std::ofstream(junk) << std::string(4096, 'x'); }
  BOOST_TEST(card.open(junk.string(), false).find("not an Oberon image") != std::string::npos);
  fs::path shortImg = dir.path() / "short";
  {
    std::ofstream out(shortImg, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&kDirMark), 4);
  }
  BOOST_TEST(card.open(shortImg.string(), false).find("truncated") != std::string::npos);
  BOOST_TEST(!card.isOpen());
}

BOOST_AUTO_TEST_CASE(a_second_writer_is_refused_by_the_lock) {
  TempImage img(4);
  SdCard first, second;
  BOOST_REQUIRE(first.open(img.path.string(), false).empty());
  BOOST_TEST(second.open(img.path.string(), false).find("in use") != std::string::npos);
  first.close();
  BOOST_TEST(second.open(img.path.string(), false).empty());
}

BOOST_AUTO_TEST_CASE(unknown_commands_answer_illegal_command) {
  TempImage img(4);
  SdCard card;
  BOOST_REQUIRE(card.open(img.path.string(), false).empty());
  Spi spi(card);
  Host host{spi};
  host.init();
  BOOST_TEST((host.cmd(9, 0) & 0x04) == 0x04u);  // CMD9 (CSD) is not implemented
}
