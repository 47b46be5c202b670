// Input scripts for the headless emulator (docs/scripting.md): a line-based list of commands
// (wait-idle, type, key, move, click, press/release, run, screenshot, expect-*) that drive the
// PS/2 keyboard and mouse of a running Machine.
//
// A script is parsed and checked completely before the machine runs (unknown commands, bad
// arguments, coordinates off the screen, missing reference files). Each command is expanded
// into small steps (queue scancodes, set the mouse, wait until Oberon idles, ...) that the
// headless loop advances between slices of guest time; every wait has a wall-clock bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace risc5 {

class Machine;

struct ScriptStep {
  enum Kind {
    keys,          // queue `bytes` (PS/2 set-2 codes) as the FIFO frees
    mouseMove,     // x, y: Oberon coordinates (y = 0 at the bottom)
    button,        // x = button mask, y = 1 down / 0 up
    settle,        // wait until the FIFO is empty and Oberon idles (count = 1: a button is
                   // held, wait for guest progress instead); seconds = bound
    pause,         // let the guest run for `seconds`
    screenshot,    // text = PNG path
    expectWhite,   // region x, y, w, h (screen rows, y = 0 at the top); lo..hi percent
    expectPng,     // region as above, text = reference PNG; hi = allowed differing pixels
    snapLine,      // remember the pixels of `region`, to see later whether they changed
    skipIfChanged, // if `region` differs from the snapshot: skip `count` steps and warn
  };
  Kind kind;
  int line = 0;                // script line, for messages
  std::vector<uint8_t> bytes;
  int x = 0, y = 0, w = 0, h = 0;
  double seconds = 0, lo = 0, hi = 0;
  int count = 0;
  std::string text;
  std::string what;            // settle: what was being waited for, for the timeout message
  std::string origin;          // where the step came from in messages ("" = "script line N")
};

// Parses `source` (the script's text) for a width x height screen. Returns the steps, or
// fills `error` with "script line N: ..." and returns an empty list.
std::vector<ScriptStep> parseScript(const std::string& source, uint32_t width, uint32_t height,
                                    std::string& error);

// Reads and parses a script file; a missing file is an error too.
std::vector<ScriptStep> loadScript(const std::string& path, uint32_t width, uint32_t height,
                                   std::string& error);

// The steps of `oberon-emu --run CMD` (repeatable): wait until Oberon idles, then run each
// command in order, as the script command `run` does. Messages name the --run, not a line.
std::vector<ScriptStep> commandSteps(const std::vector<std::string>& commands, uint32_t width,
                                     uint32_t height, std::string& error);

// Advances a parsed script on a machine. The headless loop calls poll() after each slice.
class ScriptRunner {
 public:
  enum class State { running, done, failed };
  using Clock = std::chrono::steady_clock;

  explicit ScriptRunner(std::vector<ScriptStep> steps) : steps_(std::move(steps)) {}

  // Does as much as possible now; `idle` is whether the last slice ended in Oberon's idle loop.
  State poll(Machine& m, bool idle, Clock::time_point now);
  const std::string& error() const { return error_; }

 private:
  bool stepDone(Machine& m, const ScriptStep& s, bool idle, Clock::time_point now);
  void fail(const ScriptStep& s, const std::string& why);

  std::vector<ScriptStep> steps_;
  size_t pc_ = 0;
  bool started_ = false;         // the current step's first poll has happened
  size_t sent_ = 0;              // keys: bytes queued so far
  Clock::time_point deadline_{}, idleSince_{};
  bool sawIdle_ = false;
  uint64_t startInstructions_ = 0;
  std::vector<uint8_t> snapshot_;
  std::string error_;
};

}  // namespace risc5
