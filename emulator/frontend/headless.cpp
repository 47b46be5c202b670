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

DisplayCheck::DisplayCheck(const Options& o) : done_(o.image.empty() || (o.machine.switches & 1)) {}

std::optional<int> DisplayCheck::afterSlice(const Machine& m) {
  if (done_ || !m.idle()) return std::nullopt;
  done_ = true;
  if (!m.movedFramebuffer() || !m.framebufferBlank()) return std::nullopt;
  std::fprintf(stderr, "oberon-emu: Oberon booted but drew nothing on the %ux%u screen: this image's Display "
                       "module does not read the screen size the emulator announces; run it without --size "
                       "and --mem (1024x768, 1 MiB)\n", m.width(), m.height());
  return kExitSetup;
}

std::unique_ptr<ScriptRunner> startupInput(const Machine& m, const Options& o, std::string& error) {
  if (o.runs.empty() && o.script.empty()) return nullptr;
  auto steps = commandSteps(o.runs, m.width(), m.height(), error);
  if (!error.empty()) return nullptr;
  if (!o.script.empty()) {
    auto more = loadScript(o.script, m.width(), m.height(), error);
    if (!error.empty()) return nullptr;
    steps.insert(steps.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  return std::make_unique<ScriptRunner>(std::move(steps));
}

int runHeadless(Machine& m, const Options& o, const std::atomic<bool>& stop) {
  // A run with --script ends with the script; --run commands alone leave Oberon running (a server).
  std::string why;
  std::unique_ptr<ScriptRunner> script = startupInput(m, o, why);
  if (!why.empty()) {
    std::fprintf(stderr, "oberon-emu: %s\n", why.c_str());
    return kExitScript;
  }
  const bool scriptEndsRun = !o.script.empty();
  if (o.headlessByDefault && !script && !o.untilIdle && !o.quiet)
    std::fprintf(stderr, "oberon-emu: Oberon runs without a screen until Ctrl-C. Give it commands with "
                         "--run, e.g. --run \"NetShell.Start 2323 ~\" on a network image, then from "
                         "the host: printf 'System.Directory *.Mod\\n' | nc -N 127.0.0.1 2323\n");
  const auto start = Clock::now();
  const auto deadline = o.timeoutSeconds > 0
                            ? start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(o.timeoutSeconds))
                            : Clock::time_point::max();
  auto idleSince = Clock::time_point::max();
  auto trapWindow = start;
  uint64_t trapsAtWindow = m.cpu().trapEntries;
  int status = kExitOk;
  DisplayCheck displayCheck(o);

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
    if (auto s = displayCheck.afterSlice(m)) {
      status = *s;
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
      if (state == ScriptRunner::State::done) {
        if (scriptEndsRun) break;
        script.reset();
      }
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
