// What the tcpnet-lsof tests share: the programs under test, tcpnet-lsof run to completion, the
// emulator as a child of its own process group, and a look at the kernel's listening sockets.
// Processes, folders, files and ports come from tests/support.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/support/socket.h"

namespace lsof::test {

using namespace std::chrono_literals;
using support::Clock;
using support::freePort;
using support::readFile;

inline std::string emulatorPath() { return support::emulator(); }
inline std::string toolPath() { return support::built("tools/tcpnet-lsof/tcpnet-lsof"); }
inline std::string guestPath() { return support::built("tests/lsof/guest.serial"); }
// The emulator, the tool and the guest must be built (ctest builds them first): a test that
// needs them fails, never passes, without them.
inline void requireBinaries() {
  for (const std::string& p : {emulatorPath(), toolPath(), guestPath()})
    BOOST_REQUIRE_MESSAGE(::access(p.c_str(), R_OK) == 0, p + " is not built");
}
// The old spelling, `if (!haveBinaries()) return;`, for code not yet moved to requireBinaries():
// it is never false (a missing binary fails the test), so it cannot turn a test into a pass.
inline bool haveBinaries() {
  requireBinaries();
  return true;
}

// Polls `done` every 10 ms until it is true or `limit` passes (a kernel table, a file, a tool's
// answer: nothing here has an event to wait on).
inline bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  return support::pollUntil(done, limit);
}

// A folder of our own (mkdtemp: mode 0700), `path` as a string.
struct TempDir : support::TempDir {
  TempDir() : support::TempDir("lsof-test") {}
  std::string path = str();
};

// env: "NAME=value" sets NAME, "NAME=" removes it (support::Options' "-NAME").
inline std::vector<std::string> envEdits(const std::vector<std::string>& env) {
  std::vector<std::string> edits;
  for (const std::string& e : env) {
    if (e.back() != '=') {
      edits.push_back(e);
    } else {
      edits.emplace_back(1, '-');
      edits.back().append(e, 0, e.size() - 1);
    }
  }
  return edits;
}

// A child in its own process group (the whole group is killed at the end: socat's shell too);
// stdout/stderr go to files outPath/errPath ("" = /dev/null); beforeExec runs in the child, under
// the child's own pid, just before exec (a test uses it to prepare files named after that pid).
struct Child : support::Child {
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
        const std::string& outPath = "", const std::string& errPath = "", const std::function<void()>& beforeExec = {})
      : support::Child(argv, options(env, outPath, errPath, beforeExec)) {}

 private:
  static support::Options options(const std::vector<std::string>& env, const std::string& outPath,
                                  const std::string& errPath, const std::function<void()>& beforeExec) {
    support::Options o;
    o.env = envEdits(env);
    o.out = support::Stream::file(outPath);
    o.err = support::Stream::file(errPath);
    o.ownGroup = true;
    o.beforeExec = beforeExec;
    return o;
  }
};

struct Run {
  int code = -1;  // exit status, -1 if it did not end within 10 s
  std::string out, err;
};

// Runs tcpnet-lsof with args (and env edits), bounded by 10 s; prefix: a program that runs it
// (setpriv as another user).
inline Run runTool(const std::vector<std::string>& args, const std::vector<std::string>& env,
                   const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> argv = prefix;
  argv.push_back(toolPath());
  argv.insert(argv.end(), args.begin(), args.end());
  support::Result r = support::run(argv, 10s, {.env = envEdits(env), .ownGroup = true});
  return {r.status, r.out, r.err};
}

// True once /proc/net/tcp shows a socket in LISTEN (0A) on 127.0.0.1:port.
inline bool listening(unsigned port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  char want[32];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  while (std::getline(in, line))
    if (line.find(want) != std::string::npos && line.find(" 0A ") != std::string::npos) return true;
  return false;
}

}  // namespace lsof::test
