// Guest RAM as a device sees it: bounds-checked byte transfers, like a DMA engine on the board's
// bus. The machine implements it (writes there also drop the CPU's decoded copy of the words they
// change); the TCPNet device and tests use only this, so they need nothing else of the machine.
#pragma once

#include <cstdint>
#include <span>

namespace risc5 {

class GuestMemory {
 public:
  virtual uint32_t ramBytes() const = 0;
  // false, and nothing moved, if any byte lies outside RAM.
  virtual bool readBytes(uint32_t address, std::span<uint8_t> out) const = 0;
  virtual bool writeBytes(uint32_t address, std::span<const uint8_t> in) = 0;

 protected:
  ~GuestMemory() = default;  // not owned through this interface
};

}  // namespace risc5
