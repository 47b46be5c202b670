// IntTest.Mod (beside this file) is compiled into a copy of $OBERON_IMAGE with disk-images/prepare
// and run while Oberon goes on as ever: its interrupt procedure, installed at the vector with
// Kernel.Install, counts the millisecond timer interrupts; SYSTEM.LDPSR(0/1) disables and
// enables them. The count must match guest time (Kernel.Time) within 3 ticks over a second,
// also when the emulator sleeps through Oberon's idle loop, and stay still while disabled.
#define BOOST_TEST_MODULE interrupt
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tests/support/files.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using support::need;

// Whether oberon-emu has the translator: without it, --cpu jit is the usage error it reports
// (with it, the missing image is).
boost::test_tools::assertion_result translatorBuilt(boost::unit_test::test_unit_id) {
  auto r = support::run({need("OBERON_BUILD_DIR") + "/emulator/oberon-emu", "--cpu", "jit"}, 10s);
  boost::test_tools::assertion_result ok(r.err.find("without the translator") == std::string::npos);
  ok.message() << "oberon-emu was built without the translator";
  return ok;
}

struct Phase {
  int ticks = -1, ms = -1;
};

}  // namespace

// `slack`: ticks the count may differ from the milliseconds by.
static void countTicks(const std::string& cpu, int slack = 3) {
  support::TempDir scratch("oberon-interrupt");
  const fs::path& dir = scratch.path();
  const std::string build = need("OBERON_BUILD_DIR"), source = need("OBERON_SOURCE_DIR");
  auto r = support::run({"env", "OBERON_EMU=" + build + "/emulator/oberon-emu",
                     "OBERON_DISK=" + build + "/tools/oberon-disk/oberon-disk", source + "/disk-images/prepare",
                     "--image", need("OBERON_IMAGE"), "--out", (dir / "int.dsk").string(),
                     source + "/tests/interrupt/IntTest.Mod"},
                    120s);
  BOOST_REQUIRE_MESSAGE(r.status == 0, r.out << r.err);
  // HostLog (compiled into every prepared image) copies System.Log to RS232.
  std::ofstream(dir / "s.txt") << "wait-idle\nrun \"HostLog.Start\"\nrun \"IntTest.Run\"\nwait 2.8\n";
  r = support::run({build + "/emulator/oberon-emu", "--cpu", cpu, "--snapshot", "--script", (dir / "s.txt").string(), "--serial-out",
                (dir / "serial").string(), "--timeout", "60", (dir / "int.dsk").string()},
               90s);
  BOOST_REQUIRE_MESSAGE(r.status == 0, "--cpu " << cpu << ": status " << r.status << "\n" << r.err);
  std::string log = support::readFile(dir / "serial");
  for (char& c : log)
    if (c == '\r') c = '\n';
  std::map<std::string, Phase> phases;
  std::istringstream lines(log);
  std::string word, name;
  while (lines >> word)
    if (word == "IntTest" && lines >> name) lines >> phases[name].ticks >> phases[name].ms;
  BOOST_TEST_MESSAGE("System.Log:\n" << log);
  for (const char* p : {"enabled", "again"}) {
    BOOST_TEST_REQUIRE(phases[p].ms >= 1000, p << ": phase missing or short\n" << log);
    BOOST_TEST(std::abs(phases[p].ticks - phases[p].ms) <= slack, p << ": " << phases[p].ticks << " ticks in "
                                                               << phases[p].ms << " ms");
  }
  BOOST_TEST_REQUIRE(phases["disabled"].ms >= 300, "phase disabled missing\n" << log);
  BOOST_TEST(phases["disabled"].ticks == 0);
}

BOOST_AUTO_TEST_CASE(a_guest_interrupt_handler_counts_guest_time) { countTicks("interp"); }

// The same with the translator, and with translator and interpreter compared block by block
// (a difference ends the run with status 6 and a report). Skipped where it is not built.
BOOST_AUTO_TEST_CASE(the_same_with_the_translator, *boost::unit_test::precondition(translatorBuilt)) {
  countTicks("jit");
}
// Lockstep runs every block twice and compares: a 50,000-instruction slice takes milliseconds of
// host time (more under ASan), so ticks arrive in bursts at slice ends and a phase may end some
// ticks early or late (seen: 1020 ticks in 1016 ms; 1022 in 1011 under ASan). What this case
// checks is that nothing differs (status 0, not 6) while interrupts are taken; the tick count is
// held to the millisecond by the interp and jit cases above, and here only to 2 %.
BOOST_AUTO_TEST_CASE(the_same_in_lockstep, *boost::unit_test::precondition(translatorBuilt)) {
  countTicks("lockstep", 20);
}
