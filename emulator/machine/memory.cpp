#include "memory.h"

#include <algorithm>
#include <cstring>

namespace risc5 {

Memory::Memory(uint32_t ramBytes, uint32_t displayStart, uint32_t displayBytes, uint32_t spanBytes)
    : ram_(ramBytes / 4, 0),
      rom_(kRomWords, 0),
      displayStart_(displayStart),
      displayBytes_(displayBytes),
      span_(spanBytes) {}

void Memory::pokeWord(uint32_t wordIndex, uint32_t value) {
  ram_[wordIndex] = value;
  noteDisplayStore(wordIndex * 4);
}

bool Memory::readBytes(uint32_t address, std::span<uint8_t> out) const {
  uint64_t end = uint64_t{address} + out.size();
  if (end > ramBytes()) return false;
  std::memcpy(out.data(), reinterpret_cast<const uint8_t*>(ram_.data()) + address, out.size());
  return true;
}

bool Memory::writeBytes(uint32_t address, std::span<const uint8_t> in) {
  uint64_t end = uint64_t{address} + in.size();
  if (end > ramBytes()) return false;
  if (in.empty()) return true;
  std::memcpy(reinterpret_cast<uint8_t*>(ram_.data()) + address, in.data(), in.size());
  for (uint32_t w = address / 4; w <= static_cast<uint32_t>((end - 1) / 4); ++w) noteDisplayStore(w * 4);
  return true;
}

void Memory::clear() {
  std::fill(ram_.begin(), ram_.end(), 0);
  markAllDamaged();
}

void Memory::loadRom(std::span<const uint32_t> words) {
  std::fill(rom_.begin(), rom_.end(), 0);
  std::copy_n(words.begin(), std::min<size_t>(words.size(), kRomWords), rom_.begin());
}

}  // namespace risc5
