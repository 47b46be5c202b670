// SDL2 window front end.
#pragma once

#include <atomic>

namespace risc5 {
class Machine;
struct Options;

// True if a display is reachable (an X11 or Wayland display is named in the environment).
bool windowAvailable();
// Runs the machine in a window until it is closed or `stop`; returns an ExitStatus.
int runWindow(Machine& machine, const Options& options, const std::atomic<bool>& stop);
}  // namespace risc5
