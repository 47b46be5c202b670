// Input scripts (docs/scripting.md): a line-based list of commands (wait-idle, type, key, move,
// click, press/release, run, screenshot, expect-*) that drive the PS/2 keyboard and mouse of a
// running Machine.
//
// A script is parsed and checked completely before the machine runs (script_parse.cpp: unknown
// commands, bad arguments, coordinates off the screen, missing reference files). Each command
// becomes a few small steps (queue scancodes, set the mouse, wait until Oberon has settled, ...)
// that the Runner advances between slices of guest time (script.cpp); every wait has a
// wall-clock bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace risc5 {

class Machine;

// A rectangle of the screen; rows counted from the top (y = 0 is the top line).
struct ScreenRegion {
  int x = 0, y = 0, w = 0, h = 0;
};

namespace step {
struct Keys { std::vector<uint8_t> bytes; };          // PS/2 set-2 bytes, queued as the FIFO frees
struct MouseMove { int x = 0, y = 0; };               // Oberon coordinates (y = 0 at the bottom)
struct Button { uint32_t mask = 0; bool down = false; };  // Mouse::left | middle | right
// Wait until the keyboard FIFO is empty and Oberon has settled; while a button is held Oberon
// tracks the mouse in a busy loop, so wait for guest progress instead.
struct Settle { double seconds = 0; std::string timeoutMessage; bool buttonHeld = false; };
struct Pause { double seconds = 0; };                 // let the guest run
struct Screenshot { std::string path; };
struct ExpectWhite { ScreenRegion region; double minPercent = 0, maxPercent = 100; };
struct ExpectScreen { ScreenRegion region; std::string reference; uint64_t tolerance = 0; };
struct SnapLine { ScreenRegion region; };             // remember pixels, to see later whether they changed
struct SkipIfChanged { ScreenRegion region; size_t skip = 0; };  // if changed: skip steps, warn
}  // namespace step

using StepAction = std::variant<step::Keys, step::MouseMove, step::Button, step::Settle, step::Pause,
                                step::Screenshot, step::ExpectWhite, step::ExpectScreen, step::SnapLine,
                                step::SkipIfChanged>;

struct ScriptStep {
  StepAction action;
  int line = 0;        // script line, for messages
  std::string origin;  // where the step came from in messages ("" = "script line N")
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

// Advances parsed steps on a machine; the Runner calls poll() after each slice.
class ScriptRunner {
 public:
  enum class State { running, done, failed };
  using Clock = std::chrono::steady_clock;

  // Bounds of the waits inside type/key/move/click (Oberon reacts within milliseconds).
  static constexpr double kInputSeconds = 10;

  explicit ScriptRunner(std::vector<ScriptStep> steps) : steps_(std::move(steps)) {}

  // Does as much as possible now; `idle` is whether the last slice ended in Oberon's idle loop.
  State poll(Machine& m, bool idle, Clock::time_point now);
  const std::string& error() const { return error_; }

 private:
  // One overload per step kind: true when the step is done (or failed: error_ set).
  bool perform(Machine& m, const step::Keys& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::MouseMove& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::Button& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::Settle& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::Pause& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::Screenshot& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::ExpectWhite& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::ExpectScreen& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::SnapLine& s, bool idle, Clock::time_point now);
  bool perform(Machine& m, const step::SkipIfChanged& s, bool idle, Clock::time_point now);
  void fail(const std::string& why);
  std::string where() const;

  std::vector<ScriptStep> steps_;
  size_t pc_ = 0;
  bool started_ = false;         // the current step's first poll has happened
  size_t sent_ = 0;              // Keys: bytes queued so far
  Clock::time_point deadline_{}, idleSince_{};
  bool sawIdle_ = false;
  uint64_t startInstructions_ = 0;
  std::vector<uint8_t> snapshot_;
  std::string error_;
};

}  // namespace risc5
