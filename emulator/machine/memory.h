// Memory of the RISC5 board: RAM, the boot ROM and the framebuffer damage tracker.
//
// RAM is an array of 32-bit little-endian words starting at byte address 0. The CPU keeps its
// decoded copy of the code itself (cpu.h); whoever writes RAM other than the CPU goes through the
// Machine (Machine::guestMemory, Machine::pokeWord), which tells the CPU.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace risc5 {

// Board address map (byte addresses). Software uses negative addresses for the I/O page.
inline constexpr uint32_t kRomStart = 0xFFFFF800;  // boot ROM, 512 words, executable only
inline constexpr uint32_t kRomWords = 512;
inline constexpr uint32_t kExtensionStart = 0xFFFFFF00;  // -256: extension window (TCPNet)
inline constexpr uint32_t kExtensionBytes = 64;          // 16 word registers, -256 .. -196
inline constexpr uint32_t kIoStart = 0xFFFFFFC0;         // -64: 16 standard I/O registers
inline constexpr uint32_t kDisplayStart1MiB = 0x0E7F00;  // stock framebuffer and magic words

// Lines [first, last) of the framebuffer changed since the last take (first >= last: nothing).
struct Damage {
  int first = 0;
  int last = 0;
  bool empty() const { return first >= last; }
};

class Memory {
 public:
  Memory(uint32_t ramBytes, uint32_t displayStart, uint32_t displayBytes, uint32_t spanBytes);

  uint32_t ramBytes() const { return static_cast<uint32_t>(ram_.size() * 4); }
  uint32_t ramWords() const { return static_cast<uint32_t>(ram_.size()); }
  uint32_t displayStart() const { return displayStart_; }
  uint32_t displayBytes() const { return displayBytes_; }
  uint32_t spanBytes() const { return span_; }  // bytes per framebuffer line

  // Raw views for the CPU's hot loop and the framebuffer readers.
  uint32_t* words() { return ram_.data(); }
  const uint32_t* words() const { return ram_.data(); }

  // Word access by word index, with display damage (the machine's slow paths).
  uint32_t peekWord(uint32_t wordIndex) const { return ram_[wordIndex]; }
  void pokeWord(uint32_t wordIndex, uint32_t value);

  // Bounds-checked byte transfers (DMA-like); false if any byte is outside RAM.
  bool readBytes(uint32_t address, std::span<uint8_t> out) const;
  bool writeBytes(uint32_t address, std::span<const uint8_t> in);

  // Clears RAM (power-on).
  void clear();

  // Framebuffer damage: the CPU reports stores into the display range; front ends take it.
  void noteDisplayStore(uint32_t address) {
    uint32_t off = address - displayStart_;
    if (off < displayBytes_) {
      int line = static_cast<int>(off / span_);
      if (line < damage_.first) damage_.first = line;
      if (line + 1 > damage_.last) damage_.last = line + 1;
    }
  }
  Damage takeDamage() {
    Damage d = damage_;
    damage_ = Damage{1 << 30, 0};
    return d;
  }
  void markAllDamaged() { damage_ = Damage{0, static_cast<int>(displayBytes_ / span_)}; }

  std::span<const uint32_t> rom() const { return rom_; }
  void loadRom(std::span<const uint32_t> words);

 private:
  std::vector<uint32_t> ram_;
  std::vector<uint32_t> rom_;
  uint32_t displayStart_;
  uint32_t displayBytes_;
  uint32_t span_;
  Damage damage_{1 << 30, 0};
};

}  // namespace risc5
