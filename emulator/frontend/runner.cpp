#include "runner.h"

#include <cstdio>

#include "emulator/machine/machine.h"
#include "script.h"

namespace risc5 {

Runner::Runner(Machine& m, const Options& o, OnInputFailure onFailure)
    : m_(m), o_(o), onFailure_(onFailure) {
  // Only Oberon booted from a disk image must draw (see checkGuest).
  displayChecked_ = o.image.empty() || (o.machine.switches & 1);
}

Runner::~Runner() = default;

std::optional<int> Runner::start() {
  const auto now = Clock::now();
  if (o_.timeoutSeconds > 0)
    deadline_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o_.timeoutSeconds));
  lastActivity_ = trapWindow_ = now;
  trapsAtWindow_ = m_.cpu().trapEntries;
  if (o_.runs.empty() && o_.script.empty()) return std::nullopt;
  std::string error;
  auto steps = commandSteps(o_.runs, m_.width(), m_.height(), error);
  if (error.empty() && !o_.script.empty()) {
    auto more = loadScript(o_.script, m_.width(), m_.height(), error);
    steps.insert(steps.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  if (!error.empty()) {
    std::fprintf(stderr, "oberon-emu: %s\n", error.c_str());
    return kExitScript;
  }
  input_ = std::make_unique<ScriptRunner>(std::move(steps));
  inputEndsRun_ = !o_.script.empty();
  return std::nullopt;
}

std::optional<int> Runner::checkGuest(Clock::time_point now) {
  if (m_.cpu().fault == CpuFault::lockstepDifference) {
    std::fprintf(stderr, "oberon-emu: %s", m_.cpu().lockstepReport().c_str());
    return kExitLockstep;
  }
  if (m_.cpu().fault != CpuFault::none) {
    std::fprintf(stderr, "oberon-emu: guest jumped outside memory (PC = %08XH); stopped\n", m_.cpu().faultAddress);
    return kExitFault;
  }
  // With the framebuffer moved (--size, --mem above 1 MiB) an image whose Display.Mod does not
  // read the 'Sizg' words draws at 0E7F00H instead, into what is then the heap: a black screen
  // and memory overwritten. Checked once, when Oberon first idles.
  if (!displayChecked_ && m_.idle()) {
    displayChecked_ = true;
    if (m_.movedFramebuffer() && m_.framebufferBlank()) {
      std::fprintf(stderr, "oberon-emu: Oberon booted but drew nothing on the %ux%u screen: this image's Display "
                           "module does not read the screen size the emulator announces; run it without --size "
                           "and --mem (1024x768, 1 MiB)\n", m_.width(), m_.height());
      return kExitSetup;
    }
  }
  if (now - trapWindow_ >= std::chrono::seconds(1)) {
    const uint64_t traps = m_.cpu().trapEntries - trapsAtWindow_;
    if (traps > kTrapLoopPerSecond) {
      std::fprintf(stderr, "oberon-emu: guest is stuck in a trap loop (%llu traps in 1 s)\n",
                   static_cast<unsigned long long>(traps));
      return kExitTrapLoop;
    }
    trapWindow_ = now;
    trapsAtWindow_ = m_.cpu().trapEntries;
  }
  return std::nullopt;
}

std::optional<int> Runner::step() {
  if (Clock::now() >= deadline_) {
    std::fprintf(stderr, "oberon-emu: timeout after %.1f s%s\n", o_.timeoutSeconds,
                 o_.untilIdle ? " (Oberon never became idle)" : "");
    return kExitTimeout;
  }
  m_.run(kSliceInstructions);
  const auto now = Clock::now();
  if (auto status = checkGuest(now)) return status;
  if (input_) {
    switch (input_->poll(m_, m_.idle(), now)) {
      case ScriptRunner::State::running:
        lastActivity_ = now;
        break;
      case ScriptRunner::State::done:
        if (inputEndsRun_) return kExitOk;
        input_.reset();
        break;
      case ScriptRunner::State::failed:
        std::fprintf(stderr, "oberon-emu: %s\n", input_->error().c_str());
        if (onFailure_ == OnInputFailure::endRun) return kExitScript;
        input_.reset();
        break;
    }
  }
  if (!m_.idle()) {
    idleSince_ = Clock::time_point::max();
    lastActivity_ = now;
    return std::nullopt;
  }
  if (idleSince_ == Clock::time_point::max()) idleSince_ = now;
  if (o_.untilIdle && !input_ && now - idleSince_ >= kSettled) return kExitOk;
  return std::nullopt;
}

bool Runner::idle() const { return m_.idle(); }

Runner::Clock::time_point Runner::wakeAt() const {
  // Oberon's tasks run on Kernel.Time: wake for the next millisecond tick, unless all has been
  // quiet for a while (a wake-up from the network or the serial line ends any sleep early).
  const auto now = Clock::now();
  auto at = m_.timer().nextTick();
  if (!input_ && now - lastActivity_ >= kQuietAfter) at = std::max(at, now + kQuietSleep);
  return std::min(at, deadline_);
}

}  // namespace risc5
