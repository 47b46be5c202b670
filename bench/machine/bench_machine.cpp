// Prints the machine's speed figures (not a test; see bench/README.md):
//   1. MIPS of firmware/bench/mips.s, booted over the serial line by our ROM;
//   2. boot-to-idle time of a disk image (OBERON_IMAGE), in-process, best of 5;
//   3. host CPU use of the emulator binary over 10 s of guest idle.

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "emulator/machine/machine.h"
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

void benchMips() {
  std::string stream = support::readFile(MIPS_SERIAL);
  MachineConfig cfg;
  cfg.switches = 1;  // boot from the serial line
  Machine m(cfg, rom());
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
  std::printf("mips: %.0f MIPS per CPU second, %.0f MIPS wall (%.0f instructions, %.3f s CPU, "
              "%.3f s wall), checksum %s",
              n / cpu / 1e6, n / s / 1e6, n, cpu, s, out.c_str());
}

void benchBoot(const char* image) {
  double best = 1e9;
  uint64_t instructions = 0;
  for (int i = 0; i < 5; ++i) {
    Machine m(MachineConfig{}, rom());
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
  }
  std::printf("boot: %.1f ms to idle (best of 5), %llu instructions\n", best * 1e3,
              static_cast<unsigned long long>(instructions));
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
  benchMips();
  const char* image = std::getenv("OBERON_IMAGE");
  if (!image) {
    std::printf("boot, idle: skipped (set OBERON_IMAGE to a Project Oberon disk image)\n");
    return 0;
  }
  benchBoot(image);
  benchIdleCpu(image);
}
