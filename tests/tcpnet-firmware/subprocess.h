// Child processes for the firmware tests: oberon-emu, socat, nc and python3 run with pipes on
// stdin and stdout (stderr to /dev/null unless kept), every wait bounded by a deadline, and the
// child killed (SIGKILL, by its pid) and reaped when the object goes away.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fwtest {

using Clock = std::chrono::steady_clock;

class Subprocess {
 public:
  // Starts argv[0] (searched in PATH). Throws std::runtime_error if it cannot be started.
  explicit Subprocess(const std::vector<std::string>& argv);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Writes all of `bytes` to the child's stdin, reading its stdout meanwhile (so a child that
  // echoes cannot block us). False if the deadline passed or the child closed its stdin.
  bool write(const std::string& bytes, Clock::time_point deadline);
  void closeStdin();

  // Waits for a whole line on stdout (without the '\n'); nullopt at the deadline or EOF.
  std::optional<std::string> readLine(Clock::time_point deadline);
  // Waits until stdout holds at least n bytes (or EOF / the deadline); returns what is there.
  const std::string& readAtLeast(size_t n, Clock::time_point deadline);
  // Reads until the child closes stdout, then waits for its exit status (-1 at the deadline).
  int finish(Clock::time_point deadline);

  const std::string& output() const { return out_; }
  pid_t pid() const { return pid_; }

 private:
  // One poll round on stdin (if `writing`) and stdout; false if the deadline passed.
  bool pump(Clock::time_point deadline, const std::string* pending, size_t* written);

  pid_t pid_ = -1;
  int in_ = -1, outFd_ = -1;
  bool eof_ = false;
  std::string out_;
  size_t consumed_ = 0;  // bytes of out_ handed out by readLine
};

// Runs a command to completion with `input` on stdin; returns {exit status or -1, stdout}.
struct RunResult {
  int status;
  std::string output;
};
RunResult run(const std::vector<std::string>& argv, const std::string& input,
              std::chrono::milliseconds limit);

// Is `tool` an executable in PATH?
bool haveTool(const std::string& tool);

// A port on 127.0.0.1 that was free a moment ago and has no listener now.
int closedPort();

// Where ctest puts the build: $OBERON_BUILD_DIR (fails the test if unset).
std::string buildDir();

}  // namespace fwtest
