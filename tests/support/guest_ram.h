// Guest RAM for tests of a device on its own: a plain array behind the GuestMemory interface the
// device sees (no CPU, so no decode cache to tell).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "emulator/base/guest_memory.h"

namespace support {

class GuestRam final : public risc5::GuestMemory {
 public:
  explicit GuestRam(uint32_t bytes) : bytes_(bytes, 0) {}
  uint32_t ramBytes() const override { return static_cast<uint32_t>(bytes_.size()); }
  bool readBytes(uint32_t address, std::span<uint8_t> out) const override {
    if (uint64_t{address} + out.size() > bytes_.size()) return false;
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + address, out.size());
    return true;
  }
  bool writeBytes(uint32_t address, std::span<const uint8_t> in) override {
    if (uint64_t{address} + in.size() > bytes_.size()) return false;
    if (!in.empty()) std::memcpy(bytes_.data() + address, in.data(), in.size());
    return true;
  }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace support
