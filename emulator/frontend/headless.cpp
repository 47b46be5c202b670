#include "headless.h"

#include <cstdio>

#include "emulator/machine/machine.h"
#include "options.h"
#include "png.h"
#include "runner.h"

namespace risc5 {

int runHeadless(Machine& m, const Options& o, const std::atomic<bool>& stop) {
  Runner runner(m, o, Runner::OnInputFailure::endRun);
  if (auto status = runner.start()) return *status;
  if (o.headlessByDefault && o.runs.empty() && o.script.empty() && !o.untilIdle && !o.quiet)
    std::fprintf(stderr, "oberon-emu: Oberon runs without a screen until Ctrl-C. Give it commands with "
                         "--run, e.g. --run \"NetShell.Start 2323 ~\" on a network image, then from "
                         "the host: printf 'System.Directory *.Mod\\n' | nc -N 127.0.0.1 2323\n");
  int status = kExitOk;
  while (!stop.load(std::memory_order_relaxed)) {
    if (auto s = runner.step()) {
      status = *s;
      break;
    }
    if (runner.idle()) m.idleSleep(runner.wakeAt());  // network and serial input wake it early
  }
  if (!o.screenshot.empty()) {
    if (std::string why = writeScreenshot(m, o.screenshot); !why.empty()) {
      std::fprintf(stderr, "oberon-emu: %s\n", why.c_str());
      if (status == kExitOk) status = kExitSetup;
    }
  }
  return status;
}

}  // namespace risc5
