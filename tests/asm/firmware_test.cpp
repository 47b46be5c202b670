// The boot ROM and test firmware as built: size limit, patch points, serial streams.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/boot_rom.h"
#include "tests/support/files.h"
#include "tools/asm/assembler.h"
#include "tools/asm/encoding.h"
#include "tools/asm/formats.h"

using namespace risc5;

namespace {

// Whole files; a file that cannot be read fails the test, naming it.
using support::readBytes;
std::string readText(const std::string& path) { return support::readFileOrThrow(path); }

assembler::Image assembleFile(const std::string& relative) {
  std::string path = std::string(ASM_TEST_SOURCE_DIR) + "/" + relative;
  assembler::Result r = assembler::assemble(readText(path), path);
  BOOST_TEST_INFO(r.errorText());
  BOOST_REQUIRE(r.ok());
  return r.image;
}

// MOV' Ra, imm: p=0 q=1 u=1 v=0 op=MOV; returns a, or -1.
int movHigh(uint32_t w, uint32_t imm) {
  if ((w & 0xF0FF0000) != 0x60000000 || (w & 0xFFFF) != imm) return -1;
  return static_cast<int>(w >> 24 & 15);
}

// IOR Ra, Ra, imm with v=0.
bool iorSame(uint32_t w, int a, uint32_t imm) {
  return (w & 0xF00F0000) == 0x40060000 && static_cast<int>(w >> 24 & 15) == a &&
         static_cast<int>(w >> 20 & 15) == a && (w & 0xFFFF) == imm;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(firmware_images)

BOOST_AUTO_TEST_CASE(boot_source_fits_the_rom_and_has_patch_labels) {
  assembler::Image im = assembleFile("firmware/boot.s");
  BOOST_TEST(im.origin == firmware::kBootRomAddress);
  BOOST_TEST(im.words.size() <= firmware::kBootRomWords);
  BOOST_TEST(im.labels.count("patch_memlim") == 1u);
  BOOST_TEST(im.labels.count("patch_stackorg") == 1u);
  BOOST_TEST(im.labels.at("reset") == firmware::kBootRomAddress);  // entered at its first word
}

BOOST_AUTO_TEST_CASE(rom_image_matches_the_source) {
  assembler::Image im = assembleFile("firmware/boot.s");
  auto rom = firmware::bootRom();
  BOOST_REQUIRE_EQUAL(rom.size(), 512u);
  for (size_t i = 0; i < rom.size(); ++i) {
    BOOST_TEST_CONTEXT(i) { BOOST_TEST(rom[i] == (i < im.words.size() ? im.words[i] : 0u)); }
  }
  auto p = firmware::bootRomPatches();
  BOOST_TEST(p.memLim == static_cast<uint32_t>(im.indexOf("patch_memlim")));
  BOOST_TEST(p.stackOrg == static_cast<uint32_t>(im.indexOf("patch_stackorg")));
}

BOOST_AUTO_TEST_CASE(patch_pairs_hold_the_default_values) {
  auto rom = firmware::bootRom();
  auto p = firmware::bootRomPatches();
  // MemLim = 0E7EF0H, stackOrg = 80000H as MOV' Rx, high; IOR Rx, Rx, low.
  int a = movHigh(rom[p.memLim], 0x000E);
  BOOST_TEST(a >= 0);
  BOOST_TEST(iorSame(rom[p.memLim + 1], a, 0x7EF0));
  int sp = movHigh(rom[p.stackOrg], 0x0008);
  BOOST_TEST(sp == 14);  // loads SP directly
  BOOST_TEST(iorSame(rom[p.stackOrg + 1], sp, 0x0000));
}

BOOST_AUTO_TEST_CASE(patching_sets_both_halves) {
  std::vector<uint32_t> rom(firmware::bootRom().begin(), firmware::bootRom().end());
  firmware::patchBootRom(rom, 0x1FFEF0, 0x100000);
  auto p = firmware::bootRomPatches();
  int a = movHigh(rom[p.memLim], 0x001F);
  BOOST_TEST(a >= 0);
  BOOST_TEST(iorSame(rom[p.memLim + 1], a, 0xFEF0));
  BOOST_TEST(movHigh(rom[p.stackOrg], 0x0010) == 14);
  BOOST_TEST(iorSame(rom[p.stackOrg + 1], 14, 0x0000));
}

BOOST_AUTO_TEST_CASE(rom_ends_with_a_branch_through_a_register) {
  // The last instructions before the first subroutine: MOV R0, 0; B R0.
  assembler::Image im = assembleFile("firmware/boot.s");
  size_t i = static_cast<size_t>(im.indexOf("nocard"));
  BOOST_TEST(im.words.at(i - 2) == 0x40000000u);  // MOV R0, 0
  BOOST_TEST(im.words.at(i - 1) == 0xC7000000u);  // B R0
}

BOOST_AUTO_TEST_CASE(test_programs_are_serial_streams_at_address_zero) {
  for (const char* name : {"/test/hello.serial", "/bench/mips.serial"}) {
    BOOST_TEST_CONTEXT(name) {
      std::vector<assembler::SerialBlock> blocks;
      BOOST_REQUIRE(assembler::fromSerial(readBytes(std::string(ASM_TEST_FIRMWARE_BUILD_DIR) + name), blocks));
      BOOST_REQUIRE_EQUAL(blocks.size(), 1u);
      BOOST_TEST(blocks[0].address == 0u);
      // Word 0 branches over the words the ROM writes (12, 24) to the code at 20H.
      BOOST_TEST(blocks[0].words.at(0) == 0xE7000007u);
      BOOST_TEST(blocks[0].words.at(3) == 0u);
      BOOST_TEST(blocks[0].words.at(6) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(hello_contains_its_message) {
  assembler::Image im = assembleFile("firmware/test/hello.s");
  std::string text;
  for (size_t i = static_cast<size_t>(im.indexOf("msg")); i < im.words.size(); ++i) {
    for (int b = 0; b < 4; ++b) text += static_cast<char>(im.words[i] >> (8 * b) & 0xFF);
  }
  BOOST_TEST(text.substr(0, text.find('\0')) == "Hello from RISC5\n");
}

BOOST_AUTO_TEST_SUITE_END()
