// Headless front end: runs the machine without a display, for scripts, tests and servers.
#pragma once

#include <atomic>

namespace risc5 {
class Machine;
struct Options;

// Runs until the guest idles (--until-idle), the script ends, the timeout, a fault, or `stop`;
// returns an ExitStatus (runner.h). Writes --screenshot at the end.
int runHeadless(Machine& machine, const Options& options, const std::atomic<bool>& stop);

}  // namespace risc5
