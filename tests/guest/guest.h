// End-to-end tests of TCPNet.Mod and the network programs (oberon/Net*.Mod) in the real guest:
// oberon-emu (a subprocess) boots a copy of $OBERON_IMAGE prepared with disk-images/prepare, and
// host peers (socat, curl, python3, our own sockets) talk to it over loopback. The guest is driven
// through its remote shell (NetShell): one command line per connection, reply ends with "@res".
// Every wait has a deadline; children are killed by pid when their object goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/support/socket.h"

namespace guest {

using support::Clock;
using std::chrono::milliseconds;
using support::freePort;    // a loopback port that had no listener a moment ago
using support::randomBytes;
using support::readFile;
using support::writeFile;
inline std::string env(const char* name) { return support::need(name); }  // fails the test if unset

// A child process with stdin/stdout/stderr from/to files ("" = /dev/null).
class Process : public support::Child {
 public:
  Process(const std::vector<std::string>& argv, const std::string& in = "", const std::string& out = "",
          const std::string& err = "")
      : support::Child(argv, {.in = support::Stream::file(in),
                              .out = support::Stream::file(out),
                              .err = support::Stream::file(err)}) {}
};

// Runs argv to completion (killed at the limit: status -1) with `in` on stdin; .status, .out.
using RunResult = support::Result;
inline RunResult run(const std::vector<std::string>& argv, milliseconds limit, const std::string& in = "") {
  return support::run(argv, limit, {}, in);
}

// Loopback sockets (tests/support) whose connect tries again until the deadline: the guest's
// servers open their ports a moment after a command.
class Socket : public support::Socket {
 public:
  Socket() = default;
  Socket(support::Socket&& s) : support::Socket(std::move(s)) {}
  static Socket connect(int port, Clock::time_point deadline) { return support::Socket::connectRetrying(port, deadline); }
  static Socket listen(int& port) {  // port 0: the OS chooses, and port is set
    support::Socket s = support::Socket::listen(port);
    port = s.localPort();
    return s;
  }
  Socket accept(Clock::time_point deadline) { return support::Socket::accept(deadline); }
};

// The prepared image (all network modules and tests/guest/TCPNetTest.Mod compiled, Bad.Mod
// added), made once per process in workDir(), a temporary folder removed at exit. Under ctest it
// is made once for all entries (the fixture guest/prepared_image) at $OBERON_GUEST_IMAGE.
const std::string& preparedImage();
// Makes the prepared image at `path` (the fixture's entry: guest_net_tests --run_test=setup).
void makePreparedImage(const std::string& path);
std::string workDir();

// oberon-emu running a copy of the prepared image; `commands` run at boot ("Mod.Cmd args");
// `options` are added to oberon-emu's command line (e.g. --monitor PATH). The constructor returns
// once the boot script has run them all (throws if the emulator stops or takes over 120 s).
class Guest {
 public:
  explicit Guest(const std::vector<std::string>& commands, const std::vector<std::string>& options = {});
  ~Guest();
  const std::string& image() const { return image_; }
  pid_t pid() const { return emu_->pid(); }
  bool running();

 private:
  std::string image_;
  std::unique_ptr<Process> emu_;
};

// One command line through NetShell on `port`: the reply, "" if none came before the limit.
std::string shell(int port, const std::string& line, milliseconds limit = milliseconds(10000));
// Polls the guest's System.Log ("#log 0") until it contains `text`; returns the Log text
// ("" at the limit).
std::string waitLog(int shellPort, const std::string& text, milliseconds limit);

// The shared guest of most tests: shell, echo server and HTTP server on their own ports.
struct World {
  int shellPort, echoPort, httpPort;
  std::unique_ptr<Guest> guest;
  std::string monitor;  // its monitor socket (--monitor), for tcpnet-lsof --socket
};
World& world();

}  // namespace guest
