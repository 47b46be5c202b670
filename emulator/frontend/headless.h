// Headless front end: runs the machine without a display, for scripts, tests and servers.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace risc5 {
class Machine;
class ScriptRunner;
struct Options;

// Exit statuses of the emulator (also used by the window front end).
enum ExitStatus : int {
  kExitOk = 0,
  kExitSetup = 1,      // bad option, missing or corrupt image
  kExitTimeout = 2,    // --timeout elapsed
  kExitFault = 3,      // the CPU left memory
  kExitTrapLoop = 4,   // Oberon keeps trapping
  kExitScript = 5,     // an input script failed
};

// The input that runs at start: the --run commands, then the --script file (parsed and checked
// completely before the guest runs). Null when there is neither, or on an error (`error` set).
std::unique_ptr<ScriptRunner> startupInput(const Machine& machine, const Options& options,
                                           std::string& error);

// Runs until the guest idles (--until-idle), the script ends, the timeout, a fault, or `stop`.
int runHeadless(Machine& machine, const Options& options, const std::atomic<bool>& stop);

}  // namespace risc5
