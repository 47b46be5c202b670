#include "machine.h"

#include <algorithm>
#include <stdexcept>

#include "emulator/base/mmio.h"

namespace risc5 {

namespace {

constexpr uint32_t kMagicSizg = 0x53697A67;  // 'Sizg': width, height, base follow
constexpr uint32_t kStockMemLim = 0x0E7EF0;
constexpr uint32_t kStockStackOrg = 0x80000;

bool stockLayout(const MachineConfig& c) {
  return c.memoryMiB == 1 && c.width == 1024 && c.height == 768;
}

// Where the framebuffer goes: the stock address for the stock machine, else the top of RAM
// (announced to Display.Mod through the 'Sizg' magic words at 0E7F00H).
uint32_t displayStartFor(const MachineConfig& c) {
  if (stockLayout(c)) return kDisplayStart1MiB;
  uint32_t ram = c.memoryMiB << 20;
  uint32_t fb = c.width / 8 * c.height;
  return (ram - fb) & ~0xFFFu;
}

// Instructions per slice between checks of the millisecond tick: 2 ms on the 25 MHz board, but
// under 0.1 ms of host time here, and the timer follows the host clock.
constexpr uint64_t kSliceInstructions = 50000;
// Millisecond interrupts owed after a stall (an idle sleep, a busy host) are delivered up to this
// many; after a longer stall (the process stopped, say) the rest are dropped, not stormed.
constexpr uint32_t kMaxOwedTicks = 1000;
// A slice that used up the idle-poll budget is idle if it polled at least this densely:
// Oberon's idle loop polls every few dozen instructions; a computation that reads the clock now
// and then does not count as idle.
constexpr uint64_t kIdleInstructionsPerPoll = 1000;

}  // namespace

std::string validate(const MachineConfig& c) {
  if (c.memoryMiB < 1 || c.memoryMiB > 256) return "memory must be 1 to 256 MiB";
  if (c.width < 256 || c.width > 4096 || c.width % 32 != 0)
    return "screen width must be a multiple of 32 from 256 to 4096";
  if (c.height < 256 || c.height > 4095) return "screen height must be 256 to 4095";
  if (!stockLayout(c)) {
    uint64_t fb = uint64_t{c.width} / 8 * c.height;
    uint64_t ram = uint64_t{c.memoryMiB} << 20;
    // Oberon needs room below the framebuffer; and the magic words at 0E7F00H must be RAM.
    if (fb + 0x0F0000 > ram)
      return "screen " + std::to_string(c.width) + "x" + std::to_string(c.height) +
             " does not fit in " + std::to_string(c.memoryMiB) + " MiB: use a larger --mem";
  }
  return {};
}

static const MachineConfig& checked(const MachineConfig& c) {
  std::string why = validate(c);
  if (!why.empty()) throw std::invalid_argument(why);
  return c;
}

Machine::Machine(const MachineConfig& config, const BootRom& rom)
    : config_(checked(config)),
      spanBytes_(config.width / 8),
      memory_(config.memoryMiB << 20, displayStartFor(config), config.width / 8 * config.height,
              config.width / 8),
      bus_(Devices{timer_, board_, serial_, spi_, keyboard_, mouse_, clipboard_}),
      cpu_(memory_, bus_) {
  bus_.attachCpu(&cpu_);
  board_.switches = config.switches;
  if (stockLayout(config)) {
    memLim_ = kStockMemLim;
    stackOrg_ = kStockStackOrg;
  } else {
    memLim_ = memory_.displayStart() - 16;
    stackOrg_ = std::max<uint32_t>(kStockStackOrg, (memory_.displayStart() / 2) & ~0xFFFFu);
  }
  std::vector<uint32_t> words = patchedRom(rom);
  memory_.loadRom(words);
  powerOn();
}

std::vector<uint32_t> Machine::patchedRom(const BootRom& rom) const {
  std::vector<uint32_t> w(rom.words.begin(), rom.words.end());
  w.resize(kRomWords, 0);
  auto patch = [&](uint32_t at, uint32_t value) {
    if (at == BootRom::npos || at + 1 >= w.size()) return;
    w[at] = (w[at] & 0xFFFF0000u) | (value >> 16);
    // IOR with v = 0: the immediate's upper half must be zeros, not ones.
    w[at + 1] = (w[at + 1] & 0xEFFF0000u) | (value & 0xFFFF);
  };
  patch(rom.memLimPatch, memLim_);
  patch(rom.stackOrgPatch, stackOrg_);
  return w;
}

bool Machine::movedFramebuffer() const { return !stockLayout(config_); }

bool Machine::framebufferBlank() const {
  const uint32_t* fb = framebuffer();
  return std::all_of(fb, fb + memory_.displayBytes() / 4, [](uint32_t w) { return w == 0; });
}

void Machine::writeDisplayMagic() {
  if (stockLayout(config_)) return;
  uint32_t at = kDisplayStart1MiB / 4;
  memory_.pokeWord(at, kMagicSizg);
  memory_.pokeWord(at + 1, config_.width);
  memory_.pokeWord(at + 2, config_.height);
  memory_.pokeWord(at + 3, memory_.displayStart());
}

void Machine::powerOn() {
  memory_.clear();
  cpu_.forgetAll();
  for (auto& r : cpu_.R) r = 0;
  cpu_.H = 0;
  writeDisplayMagic();
  timer_.reset();
  lastTick_ = 0;
  board_.reset();
  reset();
}

void Machine::reset() {
  cpu_.reset();
  keyboard_.reset();
  mouse_.reset();
  serial_.reset();
  spi_.reset();
  sdcard_.reset();
  clipboard_.reset();
  if (MmioDevice* ext = bus_.extension()) ext->reset();
  memory_.markAllDamaged();
  idle_ = false;
}

uint64_t Machine::run(uint64_t budget) {
  uint64_t done = 0;
  uint64_t sinceBudget = 0;  // instructions since the idle-poll budget was last refilled
  idle_ = false;
  bus_.startSlice();
  while (done < budget && cpu_.fault == CpuFault::none) {
    uint32_t now = timer_.millis();
    if (now != lastTick_) {
      // The 2018 core's millisecond irq edges. On the board each one is taken (a handler takes
      // microseconds) while interrupts are enabled; here a slice or an idle sleep may span
      // several: the CPU keeps the extra ones and delivers one at each RTI (Cpu::owedTicks),
      // so that an Oberon tick counter keeps guest time. With interrupts disabled the one
      // pending bit remembers one edge, as on the board.
      uint32_t edges = now - lastTick_;
      lastTick_ = now;
      if (cpu_.intEnb) {
        uint32_t extra = edges - (cpu_.intPnd ? 0 : 1);
        cpu_.owedTicks = std::min<uint32_t>(cpu_.owedTicks + extra, kMaxOwedTicks);
      } else {
        cpu_.owedTicks = 0;
      }
      cpu_.requestInterrupt();
    }
    uint64_t n = cpu_.run(std::min(budget - done, kSliceInstructions));
    done += n;
    sinceBudget += n;
    if (bus_.idle() && !(cpu_.intPnd && cpu_.intEnb)) {  // a tick to take first: the handler runs
      if (sinceBudget <= Bus::kIdlePolls * kIdleInstructionsPerPoll) {
        idle_ = true;
        break;
      }
      bus_.startSlice();  // polls were sparse: a computation, not the idle loop
      sinceBudget = 0;
    }
  }
  instructions_ += done;
  serial_.flushOutput();  // bytes leave at once, not only at a line end (PCLink1, prompts)
  if (MmioDevice* ext = bus_.extension()) ext->flush();
  return done;
}

void Machine::idleSleep(std::chrono::steady_clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      until - std::chrono::steady_clock::now());
  if (left.count() > 0) waker_.wait(left, serial_.waitFd());
}

}  // namespace risc5
