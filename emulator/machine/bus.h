// Routes loads and stores that miss RAM: the standard I/O page (top 64 bytes, 16 word
// registers as in RISC5Top.v), the extension window (TCPNet) and everything else (unmapped:
// reads 0, writes ignored, counted). Also does idle detection: a guest that keeps polling the
// timer or an empty keyboard is in Oberon's idle loop, and the CPU is asked to stop its slice.
#pragma once

#include <cstdint>

namespace risc5 {

class Cpu;
class Board;
class Timer;
class Serial;
class Spi;
class Keyboard;
class Mouse;
class Clipboard;
class MmioDevice;

struct Devices {
  Timer& timer;
  Board& board;
  Serial& serial;
  Spi& spi;
  Keyboard& keyboard;
  Mouse& mouse;
  Clipboard& clipboard;
};

class Bus {
 public:
  explicit Bus(Devices devices) : d_(devices) {}

  void attachCpu(Cpu* cpu) { cpu_ = cpu; }
  void attachExtension(MmioDevice* device) { extension_ = device; }
  MmioDevice* extension() const { return extension_; }

  uint32_t read(uint32_t address);
  void write(uint32_t address, uint32_t value);

  // Idle detection. Each empty poll (timer read, keyboard read with nothing queued, serial
  // status with nothing received) spends one unit of the slice's budget; at zero the slice ends
  // and idle() is true until the next startSlice().
  static constexpr int kIdlePolls = 64;
  void startSlice() { idlePolls_ = kIdlePolls; idle_ = false; }
  bool idle() const { return idle_; }
  void noteActivity() { idlePolls_ = kIdlePolls; }

  uint64_t unmappedAccesses() const { return unmapped_; }
  uint32_t lastUnmappedAddress() const { return lastUnmapped_; }

 private:
  void emptyPoll();

  Devices d_;
  Cpu* cpu_ = nullptr;
  MmioDevice* extension_ = nullptr;
  int idlePolls_ = kIdlePolls;
  bool idle_ = false;
  uint64_t unmapped_ = 0;
  uint32_t lastUnmapped_ = 0;
};

}  // namespace risc5
