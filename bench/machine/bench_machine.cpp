// Prints the machine's speed figures (not a test; the README's Performance table quotes them),
// for the interpreter and the x86-64 translator side by side where it is built (--cpu interp,
// --cpu jit):
//   1. MIPS of firmware/bench/mips.s, booted over the serial line by our ROM (median of 3);
//   2. boot-to-idle time of a disk image (OBERON_IMAGE), in-process, best of 5;
//   3. real Oberon work: host CPU seconds of compiling ORP.Mod in the guest (once, and three
//      times in one command), and opening ORG.Mod (40 KB of text) in a viewer, each on a freshly
//      booted machine in this process, counting the slices in which Oberon was busy (median of 7);
//   4. host CPU use of the emulator binary over 10 s of guest idle;
// and the translator's overhead: time translating, blocks translated, cache flushes.

#include <time.h>

#include <algorithm>
#include <chrono>
#include <vector>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "emulator/machine/machine.h"
#include "emulator/frontend/script.h"
#include "emulator/machine/jit/translator.h"  // Stats (null translator() without it)
#include "firmware/boot_rom.h"
#include "tests/support/files.h"
#include "tests/support/process.h"

using namespace risc5;
using Clock = std::chrono::steady_clock;

// CPU time of this thread: MIPS stay meaningful when other processes share the cores.
double threadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

namespace {

BootRom rom() {
  auto p = firmware::bootRomPatches();
  return BootRom{firmware::bootRom(), p.memLim, p.stackOrg};
}

const char* name(CpuMode mode) { return mode == CpuMode::jit ? "jit" : "interp"; }

void printTranslation(const jit::Stats& s) { std::printf("        translation: %s\n", s.summary().c_str()); }

void printTranslation(Machine& m) {
  if (const jit::Translator* t = m.cpu().translator()) printTranslation(t->stats());
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void benchMips(CpuMode mode) {
  std::vector<double> runs;
  for (int i = 0; i < 3; ++i) {
  std::string stream = support::readFile(MIPS_SERIAL);
  MachineConfig cfg;
  cfg.switches = 1;  // boot from the serial line
  Machine m(cfg, rom());
  m.cpu().setMode(mode);
  m.serial().feed(stream);
  std::string out;
  m.serial().onTransmit = [&](uint8_t b) { out.push_back(static_cast<char>(b)); };
  // Run until the program is loaded (the first instruction at address 0 runs after the ROM).
  auto t0 = Clock::now();
  double c0 = threadSeconds();
  uint64_t before = m.instructions();
  while (out.find('\n') == std::string::npos && Clock::now() - t0 < std::chrono::seconds(60))
    m.run(10'000'000);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = threadSeconds() - c0;
  double n = double(m.instructions() - before);
  std::printf("mips %-6s: %.0f MIPS per CPU second, %.0f MIPS wall (%.0f instructions, %.3f s CPU, "
              "%.3f s wall), checksum %s",
              name(mode), n / cpu / 1e6, n / s / 1e6, n, cpu, s, out.c_str());
  runs.push_back(n / cpu / 1e6);
  if (i == 2) printTranslation(m);
  }
  std::printf("mips %-6s: median %.0f MIPS per CPU second\n", name(mode), median(runs));
}

void benchBoot(const char* image, CpuMode mode) {
  double best = 1e9;
  uint64_t instructions = 0;
  for (int i = 0; i < 5; ++i) {
    Machine m(MachineConfig{}, rom());
    m.cpu().setMode(mode);
    if (auto why = m.sdcard().open(image, true); !why.empty()) {
      std::printf("boot: skipped (%s)\n", why.c_str());
      return;
    }
    auto t0 = Clock::now();
    // Idle = Oberon polls input with nothing pending, three slices in a row.
    int idleSlices = 0;
    while (idleSlices < 3 && Clock::now() - t0 < std::chrono::seconds(10)) {
      m.run(1'000'000);
      idleSlices = m.idle() ? idleSlices + 1 : 0;
    }
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    instructions = m.instructions();
    if (i == 4) {
      std::printf("boot %-6s: %.1f ms to idle (best of 5), %llu instructions\n", name(mode), best * 1e3,
                  static_cast<unsigned long long>(instructions));
      printTranslation(m);
    }
  }
}

// One guest command on a freshly booted machine, in this process: host CPU seconds of this
// thread over the slices in which Oberon was busy (typing the command, running it), and the
// guest instructions they ran. Slices spent in Oberon's idle loop are left out (they cost the
// same in both modes and are not the command's work), all but the one in which the work ends.
struct CommandRun {
  double seconds = -1;
  uint64_t instructions = 0;
  jit::Stats translation;  // during the command (boot excluded)
};

CommandRun runCommand(const char* image, CpuMode mode, const std::string& command) {
  CommandRun r;
  Machine m(MachineConfig{}, rom());
  m.cpu().setMode(mode);
  if (auto why = m.sdcard().open(image, true); !why.empty()) {
    std::printf("command: skipped (%s)\n", why.c_str());
    return r;
  }
  std::string error;
  ScriptRunner script(commandSteps({command}, m.width(), m.height(), error));
  if (!error.empty()) {
    std::printf("command: %s\n", error.c_str());
    return r;
  }
  // Boot to idle first (three idle slices in a row), outside the measurement.
  const auto t0 = Clock::now();
  for (int idleSlices = 0; idleSlices < 3 && Clock::now() - t0 < std::chrono::seconds(30);) {
    m.run(1'000'000);
    idleSlices = m.idle() ? idleSlices + 1 : 0;
  }
  const jit::Stats before = m.cpu().translator() ? m.cpu().translator()->stats() : jit::Stats{};
  double busy = 0;
  uint64_t instructions = 0;
  bool wasBusy = false;
  for (;;) {
    const double c0 = threadSeconds();
    const uint64_t n = m.run(1'000'000);
    const double c1 = threadSeconds();
    // A busy slice, or the one in which the guest went idle (the end of the command's work).
    if (!m.idle() || wasBusy) {
      busy += c1 - c0;
      instructions += n;
    }
    wasBusy = !m.idle();
    const auto now = Clock::now();
    if (now - t0 > std::chrono::seconds(150) || m.cpu().fault != CpuFault::none) return r;
    const ScriptRunner::State state = script.poll(m, m.idle(), now);
    if (state == ScriptRunner::State::failed) {
      std::printf("command: %s\n", script.error().c_str());
      return r;
    }
    if (state == ScriptRunner::State::done) break;
    if (m.idle()) m.idleSleep(m.timer().nextTick());  // as the headless front end does
  }
  r.seconds = busy;
  r.instructions = instructions;
  if (const jit::Translator* t = m.cpu().translator()) {
    const jit::Stats& s = t->stats();
    r.translation.translating = s.translating - before.translating;
    r.translation.blocksTranslated = s.blocksTranslated - before.blocksTranslated;
    r.translation.instructionsTranslated = s.instructionsTranslated - before.instructionsTranslated;
    r.translation.flushes = s.flushes - before.flushes;
    r.translation.cacheUsed = s.cacheUsed;  // in use at the end (the boot's blocks included)
    r.translation.invalidations = s.invalidations - before.invalidations;
    r.translation.interpretedInstructions = s.interpretedInstructions - before.interpretedInstructions;
    r.translation.dispatches = s.dispatches - before.dispatches;
  }
  return r;
}

// Host CPU seconds of a guest command in each mode, 7 runs each on a freshly booted machine,
// the modes taking turns (so that a noisy minute on a shared host falls on both): prints each
// mode's median and range, and the median of the runs' ratios (interpreter / translator).
void benchCommand(const char* image, const std::vector<CpuMode>& modes, const char* what,
                  const std::string& command) {
  constexpr int kRuns = 7;
  std::vector<std::vector<double>> runs(modes.size());
  std::vector<CommandRun> last(modes.size());
  std::vector<double> ratios;
  for (int i = 0; i < kRuns; ++i) {
    for (size_t k = 0; k < modes.size(); ++k) {
      last[k] = runCommand(image, modes[k], command);
      if (last[k].seconds <= 0) {
        std::printf("%s %-6s: the command did not finish\n", what, name(modes[k]));
        return;
      }
      runs[k].push_back(last[k].seconds);
    }
    if (modes.size() == 2) ratios.push_back(runs[0].back() / runs[1].back());
  }
  for (size_t k = 0; k < modes.size(); ++k) {
    const double m = median(runs[k]);
    std::printf("%s %-6s: %.4f s host CPU for \"%s\" in the guest (median of %d; %.4f .. %.4f), "
                "%.1f M instructions, %.0f MIPS\n",
                what, name(modes[k]), m, command.c_str(), kRuns,
                *std::min_element(runs[k].begin(), runs[k].end()),
                *std::max_element(runs[k].begin(), runs[k].end()), last[k].instructions / 1e6,
                last[k].instructions / m / 1e6);
    if (modes[k] == CpuMode::jit) printTranslation(last[k].translation);
  }
  if (!ratios.empty())
    std::printf("%s: the translator takes %.2fx less host CPU than the interpreter (median of %d pairs; "
                "%.2f .. %.2f)\n",
                what, median(ratios), kRuns, *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end()));
}

void benchIdleCpu(const char* image) {
  support::Child emu({EMULATOR, "--headless", "--snapshot", "--quiet", "--timeout", "10", image},
                     {.out = support::Stream::inherit(), .err = support::Stream::inherit()});
  auto t0 = Clock::now();
  if (emu.wait(std::chrono::seconds(60)) < 0) {
    std::printf("idle: the emulator did not stop within 60 s\n");
    return;
  }
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = emu.cpuSeconds();  // its rusage: user + system
  std::printf("idle: %.2f%% of one core over %.1f s of headless Oberon (boot included)\n",
              100 * cpu / wall, wall);
}

}  // namespace

int main() {
  std::vector<CpuMode> modes{CpuMode::interp};
  if (Cpu::translatorAvailable()) modes.push_back(CpuMode::jit);
  else std::printf("jit: not built into this executable (interpreter figures only)\n");
  for (CpuMode mode : modes) benchMips(mode);
  const char* image = std::getenv("OBERON_IMAGE");
  if (!image) {
    std::printf("boot, compile, idle: skipped (set OBERON_IMAGE to a Project Oberon disk image)\n");
    return 0;
  }
  for (CpuMode mode : modes) benchBoot(image, mode);
  // Real Oberon work: each command on a freshly booted machine, interpreter and translator in
  // turn, then the ratio (the translator's time includes translating the code it runs).
  struct Work { const char* what; const char* command; };
  for (Work w : {Work{"compile", "ORP.Compile ORP.Mod/s ~"},
                 Work{"compile3", "ORP.Compile ORP.Mod/s ORP.Mod/s ORP.Mod/s ~"},
                 Work{"text", "Edit.Open ORG.Mod"}})
    benchCommand(image, modes, w.what, w.command);
  benchIdleCpu(image);
}
