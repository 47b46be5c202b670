// The Project Oberon board: CPU, memory, boot ROM and the standard devices, owned by value and
// wired once here. Front ends (headless runner, SDL window) drive it through this small API.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "bus.h"
#include "cpu.h"
#include "memory.h"
#include "waker.h"
#include "../devices/board.h"
#include "../devices/clipboard.h"
#include "../devices/ps2.h"
#include "../devices/sdcard.h"
#include "../devices/serial.h"
#include "../devices/timer.h"

namespace risc5 {

struct MachineConfig {
  uint32_t memoryMiB = 1;                 // 1 .. 64
  uint32_t width = 1024, height = 768;    // framebuffer size in pixels
  uint8_t switches = 0;                   // bit 0: boot from serial line
};

// Returns an empty string if the configuration is valid, else a one-line reason.
std::string validate(const MachineConfig& config);

class Machine {
 public:
  // The boot ROM is our own firmware/boot.s, assembled at build time.
  explicit Machine(const MachineConfig& config);
  Machine(const MachineConfig& config, std::span<const uint32_t> rom);
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  // Power-on: clears RAM and registers, then resets. A soft reset (F12) keeps RAM; the boot
  // ROM then takes the warm-start path (R15 != 0) and Oberon reinitialises without reloading.
  void powerOn();
  void reset();

  // Runs up to `budget` instructions (fewer if the guest idles or faults); returns the count.
  uint64_t run(uint64_t budget);
  bool idle() const { return bus_.idle(); }

  // Framebuffer geometry; line 0 in memory is the bottom screen line; bit 0 = leftmost pixel.
  uint32_t width() const { return config_.width; }
  uint32_t height() const { return config_.height; }
  uint32_t spanBytes() const { return spanBytes_; }
  const uint32_t* framebuffer() const { return memory_.words() + memory_.displayStart() / 4; }
  Damage takeDamage() { return memory_.takeDamage(); }

  // Addresses the boot ROM hands to Oberon (mem[12], mem[24]).
  uint32_t memLim() const { return memLim_; }
  uint32_t stackOrg() const { return stackOrg_; }

  Cpu& cpu() { return cpu_; }
  Memory& memory() { return memory_; }
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

  // Sleeps until the next timer tick or a wake-up (input, network), at most `maxSleep`.
  void idleSleep(std::chrono::microseconds maxSleep);

 private:
  void writeDisplayMagic();
  void patchRom();

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
  uint32_t lastTick_ = 0;
};

}  // namespace risc5
