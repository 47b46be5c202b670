// Headless front end: runs the machine without a display, for scripts, tests and servers.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace risc5 {
class Machine;
class ScriptRunner;
struct Options;

// Exit statuses of the emulator (also used by the window front end).
enum ExitStatus : int {
  kExitOk = 0,
  kExitSetup = 1,      // missing or corrupt image, a file that cannot be opened (usage errors: 64)
  kExitTimeout = 2,    // --timeout elapsed
  kExitFault = 3,      // the CPU left memory
  kExitTrapLoop = 4,   // Oberon keeps trapping
  kExitScript = 5,     // an input script failed
};

// The input that runs at start: the --run commands, then the --script file (parsed and checked
// completely before the guest runs). Null when there is neither, or on an error (`error` set).
std::unique_ptr<ScriptRunner> startupInput(const Machine& machine, const Options& options,
                                           std::string& error);

// Oberon draws its viewers while it boots. With the framebuffer moved (--size, --mem above 1 MiB)
// an image whose Display.Mod does not read the 'Sizg' words draws at 0E7F00H instead, into what
// is then RAM (the heap): a black screen, and memory being overwritten. Checked once, when Oberon
// first idles; stops the run with one line (exit status 1) rather than let that go on.
class DisplayCheck {
 public:
  // Only for Oberon booted from a disk image: other programs need not draw.
  explicit DisplayCheck(const Options& o);
  // Call after each slice; a status means: stop with it (the message is printed).
  std::optional<int> afterSlice(const Machine& machine);

 private:
  bool done_ = false;
};

// Runs until the guest idles (--until-idle), the script ends, the timeout, a fault, or `stop`.
int runHeadless(Machine& machine, const Options& options, const std::atomic<bool>& stop);

}  // namespace risc5
