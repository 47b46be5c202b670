// Prints the machine's speed figures (not a test; see bench/README.md), for the interpreter and
// the x86-64 translator side by side where it is built (--cpu interp, --cpu jit):
//   1. MIPS of firmware/bench/mips.s, booted over the serial line by our ROM (median of 3);
//   2. boot-to-idle time of a disk image (OBERON_IMAGE), in-process, best of 5;
//   3. real Oberon work: host CPU seconds of oberon-emu compiling ORP.Mod in the guest (once,
//      and three times in one command), and opening ORG.Mod (40 KB of text) in a viewer, less
//      those of the same run without the command (median of 5);
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

void printTranslation(Machine& m) {
  if (const jit::Translator* t = m.cpu().translator()) {
    const jit::Stats& s = t->stats();
    std::printf("        translation: %.1f ms for %llu blocks (%llu instructions), %llu cache flushes, "
                "%llu blocks invalidated, %llu instructions interpreted, %llu entries from the dispatcher\n",
                s.translating.count() / 1e6, static_cast<unsigned long long>(s.blocksTranslated),
                static_cast<unsigned long long>(s.instructionsTranslated),
                static_cast<unsigned long long>(s.flushes), static_cast<unsigned long long>(s.invalidations),
                static_cast<unsigned long long>(s.interpretedInstructions),
                static_cast<unsigned long long>(s.dispatches));
  }
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

// CPU seconds of a headless oberon-emu running `script` on a snapshot of the image.
double emulatorSeconds(const char* image, CpuMode mode, const std::string& script) {
  support::Child emu({EMULATOR, "--headless", "--snapshot", "--quiet", "--no-tcpnet", "--cpu", name(mode),
                      "--script", script, "--timeout", "300", image},
                     {.out = support::Stream::inherit(), .err = support::Stream::inherit()});
  if (emu.wait(std::chrono::seconds(330)) != 0) return -1;
  return emu.cpuSeconds();
}

// Host CPU seconds of a guest command: oberon-emu running "wait-idle, the command", less the
// same run with "wait-idle" alone (median of 5 pairs).
void benchCommand(const char* image, CpuMode mode, const char* what, const std::string& command) {
  support::TempDir dir("oberon-bench");
  const std::string boot = (dir.path() / "boot.txt").string(), work = (dir.path() / "work.txt").string();
  support::writeFile(boot, "wait-idle\n");
  support::writeFile(work, "wait-idle\nrun \"" + command + "\" 120\n");
  std::vector<double> runs;
  for (int i = 0; i < 5; ++i) {
    double a = emulatorSeconds(image, mode, boot), b = emulatorSeconds(image, mode, work);
    if (a < 0 || b < 0) {
      std::printf("%s %-6s: the emulator failed\n", what, name(mode));
      return;
    }
    runs.push_back(b - a);
  }
  std::printf("%s %-6s: %.3f s host CPU for \"%s\" in the guest (median of 5; %.3f .. %.3f)\n", what,
              name(mode), median(runs), command.c_str(), *std::min_element(runs.begin(), runs.end()),
              *std::max_element(runs.begin(), runs.end()));
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
  for (CpuMode mode : modes) benchCommand(image, mode, "compile", "ORP.Compile ORP.Mod/s ~");
  // Three compiles in one command: long enough for the ratio not to drown in the spread of one
  // short compile, and the translator's steady state (the blocks translated by the first).
  for (CpuMode mode : modes)
    benchCommand(image, mode, "compile3", "ORP.Compile ORP.Mod/s ORP.Mod/s ORP.Mod/s ~");
  for (CpuMode mode : modes) benchCommand(image, mode, "text", "Edit.Open ORG.Mod");
  benchIdleCpu(image);
}
