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

namespace guest {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A child process with stdin/stdout/stderr redirected to files ("" = /dev/null).
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& in = "",
          const std::string& out = "", const std::string& err = "");
  ~Process();  // SIGKILL if still running, then reap
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  int wait(milliseconds limit);  // exit status, or -1 if it was still running at the limit
  void terminate();              // SIGTERM, up to 5 s, then SIGKILL
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

// Runs argv to completion; returns {status or -1 at the limit, stdout}.
struct RunResult {
  int status;
  std::string out;
};
RunResult run(const std::vector<std::string>& argv, milliseconds limit, const std::string& in = "");

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& bytes);
std::string randomBytes(size_t n, unsigned seed);
int freePort();  // a loopback port that had no listener a moment ago
std::string env(const char* name);  // fails the test (throws) if unset

// Loopback TCP client and listener sockets with deadline-bounded operations.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket();
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket(const Socket&) = delete;
  static Socket connect(int port, Clock::time_point deadline);  // retries until the deadline
  static Socket listen(int& port);                               // port 0: the OS chooses
  Socket accept(Clock::time_point deadline);
  bool sendAll(const std::string& bytes, Clock::time_point deadline);
  std::string recv(size_t n, Clock::time_point deadline);  // until n bytes, EOF or deadline
  std::string recvSome(Clock::time_point deadline);        // what is there (>= 1 byte), "" at EOF
  bool eof(Clock::time_point deadline);                    // drains; true at EOF before deadline
  bool endsWithReset(Clock::time_point deadline);          // drains; true if a reset ends it
  void shutdownSend();
  void reset();  // SO_LINGER 0 + close: the peer gets RST
  bool valid() const { return fd_ >= 0; }

 private:
  int drain(Clock::time_point deadline);
  int fd_ = -1;
};

// The prepared image (all network modules and tests/guest/TCPNetTest.Mod compiled, Bad.Mod
// added), made once per test run in a temporary folder that is removed at exit.
const std::string& preparedImage();
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
