// The translator in a real guest: TwinTest.Mod (beside this file; every instruction form ORG
// emits, on corner values) and the compiles of ORP.Mod and ORG.Mod run under disk-images/prepare
// with --cpu interp, --cpu jit and --cpu lockstep. Lockstep compares translator and interpreter
// after every block (a difference ends the emulator with status 6 and a disassembled report,
// and prepare with status 3); jit, where blocks chain, must print what the interpreter prints.
#define BOOST_TEST_MODULE lockstep
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "tests/support/files.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using support::need;

namespace {

// Whether oberon-emu has the translator: without it, --cpu jit is the usage error it reports.
boost::test_tools::assertion_result translatorBuilt(boost::unit_test::test_unit_id) {
  auto r = support::run({need("OBERON_BUILD_DIR") + "/emulator/oberon-emu", "--cpu", "jit"}, 10s);
  boost::test_tools::assertion_result ok(r.err.find("without the translator") == std::string::npos);
  ok.message() << "oberon-emu was built without the translator";
  return ok;
}

// System.Log of a prepare run with `cpu` (and more emulator options after it): TwinTest compiled
// and run, then ORP and ORG compiled.
std::string guestLog(const std::string& cpu) {
  support::TempDir scratch("oberon-lockstep");
  const std::string build = need("OBERON_BUILD_DIR"), source = need("OBERON_SOURCE_DIR");
  auto r = support::run({"env", "OBERON_EMU=" + build + "/emulator/oberon-emu",
                         "OBERON_DISK=" + build + "/tools/oberon-disk/oberon-disk", "OBERON_EMU_ARGS=--cpu " + cpu,
                         source + "/disk-images/prepare", "--image", need("OBERON_IMAGE"), "--out",
                         (scratch.path() / "twin.dsk").string(), "--timeout", "120", "--run", "TwinTest.Run",
                         "--run", "ORP.Compile ORP.Mod/s ORG.Mod/s ~", source + "/tests/lockstep/TwinTest.Mod"},
                        400s);
  BOOST_REQUIRE_MESSAGE(r.status == 0, "--cpu " << cpu << ": prepare ended with " << r.status << "\n"
                                                 << r.out << r.err);
  return r.out;
}

// The line that starts with `prefix`, or "" if there is none.
std::string line(const std::string& log, const std::string& prefix) {
  std::istringstream in(log);
  for (std::string l; std::getline(in, l);)
    if (l.rfind(prefix, 0) == 0) return l;
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(twin_test_and_the_compiler_agree_in_lockstep,
                     *boost::unit_test::precondition(translatorBuilt)) {
  const std::string reference = guestLog("interp");
  const std::string twin = line(reference, "TwinTest");
  BOOST_REQUIRE_MESSAGE(!twin.empty(), "TwinTest.Run printed nothing\n" << reference);
  for (const char* cpu : {"jit", "lockstep"}) {
    const std::string log = guestLog(cpu);
    BOOST_TEST(line(log, "TwinTest") == twin, cpu);
    for (const char* module : {"  compiling ORP", "  compiling ORG"})
      BOOST_TEST(line(log, module) == line(reference, module), cpu << ": " << module);
  }
}

// The same with the smallest code cache (--jit-cache 3): lockstep translates every block it
// runs, so the cache fills and is emptied many times during the compiles (121 times on
// 2026-12-03).
BOOST_AUTO_TEST_CASE(the_compiler_agrees_through_a_small_code_cache,
                     *boost::unit_test::precondition(translatorBuilt)) {
  const std::string reference = guestLog("interp");
  const std::string log = guestLog("lockstep --jit-cache 3");
  BOOST_TEST(line(log, "TwinTest") == line(reference, "TwinTest"));
  for (const char* module : {"  compiling ORP", "  compiling ORG"})
    BOOST_TEST(line(log, module) == line(reference, module), module);
}

// --jit-stats: one line on stderr at the end, with the cache flushes the boot caused through
// the smallest cache (two on 2026-12-03; lockstep translates all 3,316 blocks of the boot).
BOOST_AUTO_TEST_CASE(jit_stats_count_the_flushes_of_a_small_cache,
                     *boost::unit_test::precondition(translatorBuilt)) {
  auto r = support::run({need("OBERON_BUILD_DIR") + "/emulator/oberon-emu", "--cpu", "lockstep", "--jit-cache", "3",
                         "--jit-stats", "--headless", "--until-idle", "--snapshot", need("OBERON_IMAGE")},
                        120s);
  BOOST_REQUIRE_MESSAGE(r.status == 0, "status " << r.status << "\n" << r.err);
  const std::string stats = line(r.err, "oberon-emu: translator (3 MiB code cache): ");
  BOOST_REQUIRE_MESSAGE(!stats.empty(), r.err);
  const size_t at = stats.find(" cache flushes");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, stats);
  const size_t from = stats.rfind(' ', at - 1) + 1;
  BOOST_TEST(std::stoul(stats.substr(from, at - from)) >= 1u, stats);
  BOOST_TEST(stats.find("lockstep: ") != std::string::npos, stats);
}
