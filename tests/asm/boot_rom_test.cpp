// The boot ROM (firmware/boot.s) running on the machine core: serial boot of the hello
// firmware, the values handed to the loaded program, warm start without reload.
// Disk boot of the real image is covered by the emulator's boot tests.
#define BOOST_TEST_MODULE asm_boot
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "emulator/machine/machine.h"
#include "firmware/boot_rom.h"
#include "tests/support/files.h"

using namespace risc5;

namespace {

std::string helloStream() {
  return support::readFileOrThrow(std::string(ASM_TEST_FIRMWARE_BUILD_DIR) + "/test/hello.serial");
}

BootRom ourRom() {
  auto p = firmware::bootRomPatches();
  return BootRom{firmware::bootRom(), p.memLim, p.stackOrg};
}

// Runs until `out` ends with a newline and the LEDs show `leds`, or the budget is used up.
void runUntil(Machine& m, const std::string& out, uint8_t leds) {
  uint64_t spent = 0;
  while (spent < 50'000'000 && !(!out.empty() && out.back() == '\n' && m.board().leds() == leds)) {
    spent += m.run(100'000);
  }
}

struct Fixture {
  explicit Fixture(uint32_t mib = 1) : m(config(mib), ourRom()) {
    m.serial().onTransmit = [this](uint8_t b) { out += static_cast<char>(b); };
    m.board().onLeds = [this](uint8_t v) { leds.push_back(v); };
    m.serial().feed(helloStream());
  }
  static MachineConfig config(uint32_t mib) {
    MachineConfig c;
    c.memoryMiB = mib;
    c.switches = 1;  // boot from the serial line
    return c;
  }
  Machine m;
  std::string out;
  std::vector<uint8_t> leds;
};

}  // namespace

BOOST_AUTO_TEST_CASE(serial_boot_runs_hello) {
  Fixture f;
  runUntil(f.m, f.out, 0x55);
  BOOST_TEST(f.out == "Hello from RISC5\n");
  // Cold start: 80H, card initialised, 81H serial load, 84H before jumping to 0; then hello.
  BOOST_TEST(f.leds == std::vector<uint8_t>({0x80, 0x81, 0x84, 0x55}), boost::test_tools::per_element());
  BOOST_TEST(f.m.memory().peekWord(12 / 4) == 0x0E7EF0u);  // MemLim
  BOOST_TEST(f.m.memory().peekWord(24 / 4) == 0x080000u);  // stackOrg
  BOOST_TEST(f.m.cpu().R[12] == 0x20u);                     // MT
  BOOST_TEST(f.m.cpu().R[14] == 0x80000u);                  // hello sets SP itself, to the same
}

BOOST_AUTO_TEST_CASE(patched_rom_hands_over_the_machine_values) {
  Fixture f(4);
  runUntil(f.m, f.out, 0x55);
  BOOST_TEST(f.out == "Hello from RISC5\n");
  BOOST_TEST(f.m.memLim() != 0x0E7EF0u);  // 4 MiB moves the framebuffer
  BOOST_TEST(f.m.memory().peekWord(12 / 4) == f.m.memLim());
  BOOST_TEST(f.m.memory().peekWord(24 / 4) == f.m.stackOrg());
}

BOOST_AUTO_TEST_CASE(warm_start_without_switch_does_not_reload) {
  Fixture f;
  runUntil(f.m, f.out, 0x55);
  BOOST_REQUIRE(f.out == "Hello from RISC5\n");
  BOOST_REQUIRE(f.m.cpu().R[15] != 0u);  // the ROM's calls left a link: a reset is a warm start
  f.out.clear();
  f.leds.clear();
  f.m.board().switches = 0;
  f.m.reset();
  runUntil(f.m, f.out, 0x55);
  // No card initialisation and no load: straight to 84H and into the program still in RAM.
  BOOST_TEST(f.out == "Hello from RISC5\n");
  BOOST_TEST(f.leds == std::vector<uint8_t>({0x84, 0x55}), boost::test_tools::per_element());
}
