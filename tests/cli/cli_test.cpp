// The command-line conventions of the five executables (tools/cli/cli.h), each run as a child
// process: -h/--help prints "Usage" on stdout and exits 0, --version prints "<tool> <version>"
// and exits 0, and a usage error (unknown option, missing argument, bad value) is exactly one
// line on stderr, "<tool>: ... (see --help)", with exit status 64 and nothing on stdout.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tools/cli/cli.h"

namespace {

using namespace std::chrono_literals;

// Exit status (128 + the signal if one ended it; -1 if it did not end within 30 s), stdout, stderr.
using Run = support::Result;

// Runs buildDir/relative with args; stdin is /dev/null, stdout and stderr are collected.
Run run(const std::string& relative, const std::vector<std::string>& args) {
  std::string exe = support::built(relative);
  BOOST_REQUIRE_MESSAGE(::access(exe.c_str(), X_OK) == 0, exe << " is not built");
  std::vector<std::string> argv{exe};
  argv.insert(argv.end(), args.begin(), args.end());
  Run r = support::run(argv, 30s);
  if (r.timedOut) BOOST_ERROR(exe << " did not end within 30 s");
  return r;
}

struct Tool {
  const char* name;
  const char* path;  // in the build directory
};

const Tool kDisk{"oberon-disk", "tools/oberon-disk/oberon-disk"};
const Tool kLsof{"tcpnet-lsof", "tools/tcpnet-lsof/tcpnet-lsof"};
const Tool kAs{"risc5-as", "tools/asm/risc5-as"};
const Tool kDis{"risc5-dis", "tools/asm/risc5-dis"};
const Tool kEmu{"oberon-emu", "emulator/oberon-emu"};

void expectHelp(const Tool& tool, const std::string& option) {
  BOOST_TEST_CONTEXT(tool.name << " " << option) {
    Run r = run(tool.path, {option});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.find("Usage") != std::string::npos, "stdout: " << r.out);
    BOOST_TEST(r.out.find("Exit status") != std::string::npos, "stdout: " << r.out);  // documented
    BOOST_TEST(r.out.find("64") != std::string::npos, "stdout: " << r.out);
    BOOST_TEST(r.err.empty(), "stderr: " << r.err);
  }
}

void expectVersion(const Tool& tool) {
  Run r = run(tool.path, {"--version"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out == std::string(tool.name) + " " + OBERON_EXPECTED_VERSION + "\n");
  BOOST_TEST(r.err.empty(), "stderr: " << r.err);
}

// A usage error: status 64, nothing on stdout, one line "<tool>: ... (see --help)" on stderr that
// contains `text`.
void expectUsageError(const Tool& tool, const std::vector<std::string>& args, const std::string& text = "") {
  std::string line;
  for (const auto& a : args) line += " '" + a + "'";
  BOOST_TEST_CONTEXT(tool.name << line) {
    Run r = run(tool.path, args);
    BOOST_TEST(r.status == 64);
    BOOST_TEST(r.out.empty(), "stdout: " << r.out);
    BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), "not one line on stderr: " << r.err);
    BOOST_TEST(r.err.rfind(std::string(tool.name) + ": ", 0) == 0, "stderr: " << r.err);
    BOOST_TEST(r.err.find(" (see --help)\n") != std::string::npos, "stderr: " << r.err);
    BOOST_TEST(r.err.find(text) != std::string::npos, "stderr: " << r.err);
  }
}

}  // namespace

// The same three checks for every executable.
#define CONVENTIONS(tool)                                                                     \
  BOOST_AUTO_TEST_CASE(help) {                                                                \
    expectHelp(tool, "--help");                                                               \
    expectHelp(tool, "-h");                                                                   \
  }                                                                                           \
  BOOST_AUTO_TEST_CASE(version) { expectVersion(tool); }                                      \
  BOOST_AUTO_TEST_CASE(unknown_option) { expectUsageError(tool, {"--no-such-option"}, "--no-such-option"); }

BOOST_AUTO_TEST_CASE(layer) {
  BOOST_TEST(oberon::cli::version() == OBERON_EXPECTED_VERSION);
  BOOST_TEST(oberon::cli::kUsageStatus == 64);  // EX_USAGE
}

BOOST_AUTO_TEST_SUITE(oberon_disk)
CONVENTIONS(kDisk)
BOOST_AUTO_TEST_CASE(usage_errors) {
  expectUsageError(kDisk, {}, "no command");
  expectUsageError(kDisk, {"frobnicate", "x.dsk"}, "unknown command 'frobnicate'");
  expectUsageError(kDisk, {"list"}, "list takes IMAGE");
  expectUsageError(kDisk, {"ls", "a.dsk", "b.dsk"}, "ls takes IMAGE");
  expectUsageError(kDisk, {"extract", "x.dsk"}, "extract takes IMAGE NAME [HOSTFILE]");
  expectUsageError(kDisk, {"mkfs", "n.dsk", "--size"}, "--size");
  expectUsageError(kDisk, {"mkfs", "n.dsk", "--size", "big"}, "--size");
  expectUsageError(kDisk, {"mkfs", "n.dsk", "--size", "65"}, "--size must be 1..64");
  expectUsageError(kDisk, {"list", "x.dsk", "--force"}, "--force does not apply to list");
  expectUsageError(kDisk, {"check", "x.dsk", "--text"}, "--text does not apply to check");
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tcpnet_lsof)
CONVENTIONS(kLsof)
BOOST_AUTO_TEST_CASE(usage_errors) {
  expectUsageError(kLsof, {"-r"}, "'-r'");
  expectUsageError(kLsof, {"-r", "soon"}, "-r needs a number of seconds");
  expectUsageError(kLsof, {"-p", "me"}, "-p needs PID");
  expectUsageError(kLsof, {"-s", "NOPE"}, "unknown state");
  expectUsageError(kLsof, {"-i", "nowhere"}, "bad -i argument");
  expectUsageError(kLsof, {"--count", "0"}, "--count needs a positive number");
  expectUsageError(kLsof, {"--socket"}, "--socket");
  expectUsageError(kLsof, {"stray"});  // no positional arguments
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(risc5_as)
CONVENTIONS(kAs)
BOOST_AUTO_TEST_CASE(usage_errors) {
  expectUsageError(kAs, {}, "no input file");
  expectUsageError(kAs, {"a.s", "b.s", "-o", "out"}, "only one input file");
  expectUsageError(kAs, {"a.s"}, "no output file");
  expectUsageError(kAs, {"a.s", "-o"}, "is missing");  // Boost names it by its long name, --output
  expectUsageError(kAs, {"a.s", "-o", "out", "--format=elf"}, "--format must be bin, serial or cpp");
  expectUsageError(kAs, {"a.s", "-o", "out", "--max-words", "many"}, "--max-words");
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(risc5_dis)
CONVENTIONS(kDis)
BOOST_AUTO_TEST_CASE(usage_errors) {
  expectUsageError(kDis, {}, "no input file");
  expectUsageError(kDis, {"--base"}, "--base");
  expectUsageError(kDis, {"--base", "0xZZ", "a.bin"}, "--base wants a 32-bit address");
  expectUsageError(kDis, {"--format=elf", "a.bin"}, "--format must be bin or serial");
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(oberon_emu)
CONVENTIONS(kEmu)
BOOST_AUTO_TEST_CASE(usage_errors) {
  expectUsageError(kEmu, {"--mem"}, "--mem");
  expectUsageError(kEmu, {"--mem", "lots", "x.dsk"}, "--mem");
  expectUsageError(kEmu, {"--cpu", "fast", "x.dsk"}, "--cpu");
  expectUsageError(kEmu, {"--tcpnet-bind", "1.2.3", "x.dsk"}, "--tcpnet-bind");
  for (const char* mib : {"2", "1025", "lots"}) expectUsageError(kEmu, {"--jit-cache", mib, "x.dsk"}, "--jit-cache");
}
BOOST_AUTO_TEST_SUITE_END()
