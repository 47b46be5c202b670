// Test support: child processes (started with Boost.Process), every wait bounded. A Child is
// killed (SIGKILL; its whole process group if it has its own) and reaped when it goes away, so a
// failing test never leaves a process behind or hangs. Its exit is awaited as an event (a pidfd),
// its pipes with poll(2) and a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace support {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Where one of a child's standard streams goes.
struct Stream {
  enum class To { Null, Inherit, Pipe, File, Stdout };
  To to = To::Null;
  std::string path{};  // File: read (stdin) or created/truncated (stdout, stderr)
  static Stream null() { return {}; }
  static Stream inherit() { return {To::Inherit, ""}; }  // the test's own
  static Stream pipe() { return {To::Pipe, ""}; }        // read or written through the Child
  static Stream file(const std::string& path) { return {To::File, path}; }  // "" = /dev/null
  static Stream stdout_() { return {To::Stdout, ""}; }  // stderr only: where stdout goes (2>&1)
};

struct Options {
  std::vector<std::string> env{};  // "NAME=value" sets NAME, "-NAME" removes it; the rest inherited
  std::string cwd{};               // "" = the test's
  Stream in{}, out{}, err{};       // all /dev/null unless set
  bool ownGroup = false;           // a process group of its own: kill() ends what it started too
  // Runs in the child just before exec, with `env` applied to its environment; an exception ends
  // the child (status 127).
  std::function<void()> beforeExec{};
};

class Child {
 public:
  // Starts argv[0] (searched in PATH if it has no '/'); throws std::runtime_error if it cannot.
  explicit Child(const std::vector<std::string>& argv, Options options = {});
  ~Child();  // kill() if still running, and reap
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // The exit status (128 + the signal if a signal ended it), or -1 if it still runs at the limit.
  int wait(milliseconds limit);
  // exit status as wait() has it, -1 while it runs; exited() tells whether it ended.
  int status() const { return status_; }
  bool exited() const { return reaped_; }
  bool signaled() const { return signaled_; }  // a signal ended it
  void signal(int sig);                        // to the child (not its group)
  void kill();                                 // SIGKILL (to its group if it has one), reaped
  int terminate(milliseconds grace = std::chrono::seconds(5));  // SIGTERM, then SIGKILL; wait()'s value
  // Host CPU seconds (user + system) the child used so far (/proc), or in all once it ended
  // (its rusage).
  double cpuSeconds() const;

  // Pipes (Stream::pipe()). write() feeds stdin while collecting stdout/stderr, so a child that
  // echoes cannot block us; false at the deadline or if the child closed its stdin.
  bool write(const std::string& bytes, Clock::time_point deadline);
  void closeStdin();
  // A whole line of stdout without the '\n'; nullopt at the deadline or at EOF.
  std::optional<std::string> readLine(Clock::time_point deadline);
  // Collects stdout until it holds at least n bytes (or EOF, or the deadline); returns all of it.
  const std::string& readAtLeast(size_t n, Clock::time_point deadline);
  // Collects stdout until it contains `text`; true if it does before EOF and the deadline.
  bool readUntil(const std::string& text, Clock::time_point deadline);
  // Reads the pipes until EOF, then waits for the exit status (-1 at the deadline).
  int finish(Clock::time_point deadline);
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  bool pump(Clock::time_point deadline, const std::string* pending, size_t* written);
  bool reap(bool block);

  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool ownGroup_ = false, reaped_ = false, signaled_ = false;
  int status_ = -1;
  double cpu_ = 0;
  int in_ = -1, outFd_ = -1, errFd_ = -1;
  std::string out_, err_;
  size_t consumed_ = 0;  // bytes of out_ handed out by readLine
};

struct Result {
  int status = -1;        // exit status (128 + signal), -1 if it ran past the limit (then killed)
  bool timedOut = false;
  bool signaled = false;  // a signal ended it (status 128 + the signal)
  std::string out, err;   // what it wrote (err empty when Options::err was Stream::stdout_())
  double seconds = 0;
};

// Runs argv to completion with `input` on stdin (none: /dev/null), collecting stdout and stderr
// (unless `options` sends them elsewhere); killed at the limit.
Result run(const std::vector<std::string>& argv, milliseconds limit, Options options = {},
           const std::string& input = "");

// The full path of a program in PATH ("" if none).
std::string findProgram(const std::string& name);
inline bool haveProgram(const std::string& name) { return !findProgram(name).empty(); }

// The pid of a child that has just ended and been reaped (for "no such process" cases).
pid_t deadPid();

// Host CPU seconds (user + system) of a running (or not yet reaped) process; 0 if unknown.
double cpuSecondsOf(pid_t pid);

// Polls `done` every `step` until it holds or `limit` passes: only for what has no event to wait
// on (a file appearing, a kernel table, a lock). True if it held.
bool pollUntil(const std::function<bool()>& done, milliseconds limit, milliseconds step = milliseconds(10));

}  // namespace support
