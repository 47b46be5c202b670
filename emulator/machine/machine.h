// The Project Oberon board: CPU, memory, boot ROM and the standard devices, owned by value and
// wired once here. Front ends (headless runner, SDL window) drive it through this small API.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>
#include <chrono>

#include "bus.h"
#include "cpu.h"
#include "emulator/base/guest_memory.h"
#include "emulator/devices/board.h"
#include "emulator/devices/clipboard.h"
#include "emulator/devices/ps2.h"
#include "emulator/devices/sdcard.h"
#include "emulator/devices/serial.h"
#include "emulator/devices/timer.h"
#include "memory.h"
#include "waker.h"

namespace risc5 {

struct MachineConfig {
  uint32_t memoryMiB = 1;                 // 1 .. 64
  uint32_t width = 1024, height = 768;    // framebuffer size in pixels
  uint8_t switches = 0;                   // bit 0: boot from serial line
};

// Returns an empty string if the configuration is valid, else a one-line reason.
std::string validate(const MachineConfig& config);

// A boot ROM image and where its MemLim/stackOrg constants sit: each is a pair
// `MOV' r, high16; IOR r, r, low16` whose immediates the machine patches (no patch if npos).
struct BootRom {
  static constexpr uint32_t npos = 0xFFFFFFFF;
  std::span<const uint32_t> words;
  uint32_t memLimPatch = npos;
  uint32_t stackOrgPatch = npos;
};

class Machine {
  // RAM as devices see it: writes also make the CPU decode the changed words again.
  class GuestRam final : public GuestMemory {
   public:
    GuestRam(Memory& memory, Cpu& cpu) : memory_(memory), cpu_(cpu) {}
    uint32_t ramBytes() const override { return memory_.ramBytes(); }
    bool readBytes(uint32_t address, std::span<uint8_t> out) const override {
      return memory_.readBytes(address, out);
    }
    bool writeBytes(uint32_t address, std::span<const uint8_t> in) override {
      if (!memory_.writeBytes(address, in)) return false;
      cpu_.forget(address / 4, static_cast<uint32_t>((uint64_t{address} + in.size() + 3) / 4));
      return true;
    }

   private:
    Memory& memory_;
    Cpu& cpu_;
  };

 public:
  // Throws std::invalid_argument with validate()'s reason for a bad configuration.
  // Front ends pass our own firmware/boot.s (see firmware/boot_rom.h); tests may pass any ROM.
  Machine(const MachineConfig& config, const BootRom& rom);
  Machine(const MachineConfig& config, std::span<const uint32_t> rom)
      : Machine(config, BootRom{rom}) {}
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Power-on: clears RAM and registers, then resets. A soft reset (F12) keeps RAM; the boot
  // ROM then takes the warm-start path (R15 != 0) and Oberon reinitialises without reloading.
  void powerOn();
  void reset();

  // Runs up to `budget` instructions (fewer if the guest idles or faults); returns the count.
  uint64_t run(uint64_t budget);
  bool idle() const { return idle_; }
  uint64_t instructions() const { return instructions_; }  // since power-on

  // Framebuffer geometry; line 0 in memory is the bottom screen line; bit 0 = leftmost pixel.
  uint32_t width() const { return config_.width; }
  uint32_t height() const { return config_.height; }
  uint32_t spanBytes() const { return spanBytes_; }
  const uint32_t* framebuffer() const { return memory_.words() + memory_.displayStart() / 4; }
  // The framebuffer is not at the stock 0E7F00H: Display.Mod must read its place and size from
  // the 'Sizg' words there (--size, or --mem above 1 MiB).
  bool movedFramebuffer() const;
  bool framebufferBlank() const;  // not one pixel set
  Damage takeDamage() { return memory_.takeDamage(); }

  // Addresses the boot ROM hands to Oberon (mem[12], mem[24]).
  uint32_t memLim() const { return memLim_; }
  uint32_t stackOrg() const { return stackOrg_; }

  Cpu& cpu() { return cpu_; }
  Memory& memory() { return memory_; }
  GuestMemory& guestMemory() { return guestRam_; }
  // One RAM word written from outside the CPU (tests, the front end's loaders).
  void pokeWord(uint32_t wordIndex, uint32_t value) {
    memory_.pokeWord(wordIndex, value);
    cpu_.forget(wordIndex, wordIndex + 1);
  }
  Bus& bus() { return bus_; }
  Board& board() { return board_; }
  Timer& timer() { return timer_; }
  Serial& serial() { return serial_; }
  SdCard& sdcard() { return sdcard_; }
  Keyboard& keyboard() { return keyboard_; }
  Mouse& mouse() { return mouse_; }
  Clipboard& clipboard() { return clipboard_; }
  Waker& waker() { return waker_; }
  const MachineConfig& config() const { return config_; }

  // While Oberon idles: sleeps until a wake-up (network, serial input) or `until`.
  void idleSleep(std::chrono::steady_clock::time_point until);

 private:
  void writeDisplayMagic();
  std::vector<uint32_t> patchedRom(const BootRom& rom) const;

  MachineConfig config_;
  uint32_t spanBytes_;
  uint32_t memLim_ = 0, stackOrg_ = 0;
  Memory memory_;
  Timer timer_;
  Board board_;
  Serial serial_;
  SdCard sdcard_;
  Spi spi_{sdcard_};
  Keyboard keyboard_;
  Mouse mouse_;
  Clipboard clipboard_;
  Waker waker_;
  Bus bus_;
  Cpu cpu_;
  GuestRam guestRam_{memory_, cpu_};
  uint32_t lastTick_ = 0;
  uint64_t instructions_ = 0;
  bool idle_ = false;
};

}  // namespace risc5
