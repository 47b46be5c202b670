// The one run loop of every front end. A Runner owns the policy of a run: slices of guest time,
// the idle sleep (until the next millisecond tick, thinning out when all is quiet), the input
// that runs at start (--run commands, --script) and the reasons a run ends: a fault, a trap
// loop, a blank moved screen, the timeout, the end of the script, Oberon settled (--until-idle),
// or a stop request (a signal). The headless runner and the window are thin clients: both call
// step() in a loop; the headless one sleeps in Machine::idleSleep, the window in SDL's event
// wait, both until wakeAt().
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "emulator/frontend/options.h"

namespace risc5 {

class Machine;
class ScriptRunner;

// Exit statuses of the emulator.
enum ExitStatus : int {
  kExitOk = 0,
  kExitSetup = 1,      // missing or corrupt image, a file that cannot be opened (usage errors: 64)
  kExitTimeout = 2,    // --timeout elapsed
  kExitFault = 3,      // the CPU left memory
  kExitTrapLoop = 4,   // Oberon keeps trapping
  kExitScript = 5,     // an input script failed
  kExitLockstep = 6,   // --cpu lockstep: translator and interpreter disagreed
};

class Runner {
 public:
  using Clock = std::chrono::steady_clock;

  // Instructions per slice between checks (input, timeout, events): about 2 ms of host time.
  static constexpr uint64_t kSliceInstructions = 1'000'000;
  // More traps than this within a second: the guest is stuck in a trap loop.
  static constexpr uint64_t kTrapLoopPerSecond = 1000;
  // Oberon idle this long without a break counts as settled (--until-idle; scripts' waits).
  static constexpr auto kSettled = std::chrono::milliseconds(30);
  // After this long without guest work or input the idle sleep lasts kQuietSleep at a time
  // instead of one millisecond tick; network and serial input still wake the machine at once.
  static constexpr auto kQuietAfter = std::chrono::milliseconds(250);
  static constexpr auto kQuietSleep = std::chrono::milliseconds(10);

  // What a failed --run command does: end the run (headless: status 5) or only say so (the
  // window stays open with Oberon as the command left it).
  enum class OnInputFailure { endRun, report };

  Runner(Machine& machine, const Options& options, OnInputFailure onFailure);
  ~Runner();

  // Parses the --run commands and the --script file completely before the guest runs; on an
  // error prints it and returns kExitScript.
  std::optional<int> start();

  // Runs one slice and applies the policy; a status means: the run ends with it (the reason is
  // printed). `now` is taken after the slice.
  std::optional<int> step();

  // The guest idles: it needs to run again only at the returned time (or on a wake-up).
  bool idle() const;
  Clock::time_point wakeAt() const;
  // Something happened that a person sees or did (input, drawing): postpones the quiet sleep.
  void noteActivity() { lastActivity_ = Clock::now(); }

 private:
  std::optional<int> checkGuest(Clock::time_point now);

  Machine& m_;
  const Options& o_;
  OnInputFailure onFailure_;
  std::unique_ptr<ScriptRunner> input_;
  bool inputEndsRun_ = false;  // --script: the run ends with it; --run alone leaves Oberon running
  bool displayChecked_ = false;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point idleSince_ = Clock::time_point::max();
  Clock::time_point lastActivity_{};
  Clock::time_point trapWindow_{};
  uint64_t trapsAtWindow_ = 0;
};

}  // namespace risc5
