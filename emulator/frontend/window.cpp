// Placeholder until the SDL2 window lands: reports that no window front end is built.
#include "window.h"

#include <cstdio>
#include <cstdlib>

#include "headless.h"

namespace risc5 {
bool windowAvailable() { return false; }
int runWindow(Machine& machine, const Options& options, const std::atomic<bool>& stop) {
  return runHeadless(machine, options, stop);
}
}  // namespace risc5
