// The CPU and bus fed random words as code: every instruction decodes (the RISC5 has no illegal
// instruction), so this drives every handler and every I/O register with nonsense. The host must
// never crash; a jump outside memory is a fault the machine reports, and after it the machine
// can be reset and run again. Seeded, so a failure repeats.
#define BOOST_TEST_MODULE fuzz
#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

#include "emulator/machine/machine.h"
#include "random_code.h"

using namespace risc5;

BOOST_AUTO_TEST_CASE(random_code_never_harms_the_host) {
  std::vector<uint32_t> rom(512, 0);
  Machine m(MachineConfig{}, rom);
  std::mt19937 rng(1122);
  std::string sent;
  m.serial().onTransmit = [&](uint8_t b) { sent.push_back(static_cast<char>(b)); };
  uint64_t executed = 0, faults = 0;
  for (int round = 0; round < 200; ++round) {
    risc5::test::scramble(m, rng);
    executed += m.cpu().run(50000);
    if (m.cpu().fault != CpuFault::none) {
      ++faults;
      BOOST_TEST_REQUIRE((m.cpu().faultAddress >= m.memory().ramBytes()), "a fault inside RAM");
    }
  }
  BOOST_TEST(executed > 100000u);  // not every round faults at once
  BOOST_TEST(faults > 0u);         // random branches do leave memory
  BOOST_TEST(sent.size() < (1u << 20));  // serial output is whatever the code wrote, bounded
  // The machine is still usable: a reset and a tiny program (MOV R1, 7; B 0) run as usual.
  m.reset();
  m.pokeWord(0, 0x41000007);  // MOV R1, 7
  m.pokeWord(1, 0xE7FFFFFF);  // B -1: loop on itself (PC-relative from PC+1)
  m.cpu().PC = 0;
  m.cpu().fault = CpuFault::none;
  BOOST_TEST(m.cpu().run(1000) == 1000u);
  BOOST_TEST(m.cpu().R[1] == 7u);
  BOOST_TEST(m.cpu().PC == 1u);
}
