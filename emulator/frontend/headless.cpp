#include "headless.h"

#include <chrono>
#include <cstdio>
#include <memory>

#include "options.h"
#include "png.h"
#include "script.h"
#include "emulator/machine/machine.h"

namespace risc5 {

namespace {
using Clock = std::chrono::steady_clock;

// Instructions per run() call: about 5 ms of guest time, so signals and timeouts are noticed.
constexpr uint64_t kRunBudget = 2'000'000;
// --until-idle: Oberon must stay in its idle loop this long to count as settled.
constexpr auto kSettle = std::chrono::milliseconds(30);
// More traps than this within a second: the guest is stuck in a trap loop.
constexpr uint64_t kTrapLoopPerSecond = 1000;
// While Oberon idles it sleeps until the next millisecond tick (Oberon's tasks run on
// Kernel.Time); after this long without guest work or input it sleeps kQuietSleep at a time.
// Network and serial input still wake it at once.
constexpr auto kQuietAfter = std::chrono::milliseconds(250);
constexpr auto kQuietSleep = std::chrono::milliseconds(10);
}  // namespace

int runHeadless(Machine& m, const Options& o, const std::atomic<bool>& stop) {
  // --script: parsed and checked completely before the guest runs; the run ends with the script.
  std::unique_ptr<ScriptRunner> script;
  if (!o.script.empty()) {
    std::string why;
    auto steps = loadScript(o.script, m.width(), m.height(), why);
    if (!why.empty()) {
      std::fprintf(stderr, "oberon-emu: %s\n", why.c_str());
      return kExitScript;
    }
    script = std::make_unique<ScriptRunner>(std::move(steps));
  }
  const auto start = Clock::now();
  const auto deadline = o.timeoutSeconds > 0
                            ? start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(o.timeoutSeconds))
                            : Clock::time_point::max();
  auto idleSince = Clock::time_point::max();
  auto trapWindow = start;
  uint64_t trapsAtWindow = m.cpu().trapEntries;
  int status = kExitOk;

  while (!stop.load(std::memory_order_relaxed)) {
    auto now = Clock::now();
    if (now >= deadline) {
      std::fprintf(stderr, "oberon-emu: timeout after %.1f s%s\n", o.timeoutSeconds,
                   o.untilIdle ? " (Oberon never became idle)" : "");
      status = kExitTimeout;
      break;
    }
    m.run(kRunBudget);
    if (m.cpu().fault != CpuFault::none) {
      std::fprintf(stderr, "oberon-emu: guest jumped outside memory (PC = %08XH); stopped\n",
                   m.cpu().faultAddress);
      status = kExitFault;
      break;
    }
    if (now - trapWindow >= std::chrono::seconds(1)) {
      if (m.cpu().trapEntries - trapsAtWindow > kTrapLoopPerSecond) {
        std::fprintf(stderr, "oberon-emu: guest is stuck in a trap loop (%llu traps in 1 s)\n",
                     static_cast<unsigned long long>(m.cpu().trapEntries - trapsAtWindow));
        status = kExitTrapLoop;
        break;
      }
      trapWindow = now;
      trapsAtWindow = m.cpu().trapEntries;
    }
    if (script) {
      auto state = script->poll(m, m.idle(), Clock::now());
      if (state == ScriptRunner::State::done) break;
      if (state == ScriptRunner::State::failed) {
        std::fprintf(stderr, "oberon-emu: %s\n", script->error().c_str());
        status = kExitScript;
        break;
      }
    }
    if (m.idle()) {
      if (idleSince == Clock::time_point::max()) idleSince = now;
      if (o.untilIdle && !script && now - idleSince >= kSettle) break;
      bool quiet = !script && now - idleSince >= kQuietAfter;
      m.idleSleep(quiet ? now + kQuietSleep : m.timer().nextTick());
    } else {
      idleSince = Clock::time_point::max();
    }
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
