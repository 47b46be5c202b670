#include "firmware/boot_rom.h"

#include <array>
#include <cstring>
#include <stdexcept>

namespace risc5::firmware {
namespace generated {
// Defined in the build tree's boot_rom_image.cpp (risc5-as --format=cpp).
extern const std::uint32_t bootImage_words[];
extern const std::size_t bootImage_size;
extern const std::uint32_t bootImage_origin;
extern const char* const bootImage_label_names[];
extern const std::uint32_t bootImage_label_addresses[];
extern const std::size_t bootImage_label_count;
}  // namespace generated

namespace {

uint32_t labelIndex(const char* name) {
  using namespace generated;
  for (size_t i = 0; i < bootImage_label_count; ++i) {
    if (std::strcmp(bootImage_label_names[i], name) == 0) {
      return (bootImage_label_addresses[i] - bootImage_origin) / 4;
    }
  }
  // The build checks this too (tests/asm); reaching here means boot.s lost a label.
  throw std::logic_error(std::string("boot ROM has no label ") + name);
}

void setPair(std::span<uint32_t> rom, uint32_t index, uint32_t value) {
  // Keep op and registers, clear v (bit 28: for IOR it would fill the upper half with ones).
  rom[index] = (rom[index] & 0xEFFF0000u) | (value >> 16);
  rom[index + 1] = (rom[index + 1] & 0xEFFF0000u) | (value & 0xFFFF);
}

}  // namespace

std::span<const uint32_t> bootRom() {
  static const std::array<uint32_t, kBootRomWords> rom = [] {
    static_assert(kBootRomAddress % 4 == 0);
    std::array<uint32_t, kBootRomWords> r{};
    for (size_t i = 0; i < generated::bootImage_size && i < r.size(); ++i) r[i] = generated::bootImage_words[i];
    return r;
  }();
  return rom;
}

RomPatch bootRomPatches() {
  static const RomPatch patches{labelIndex("patch_memlim"), labelIndex("patch_stackorg")};
  return patches;
}

void patchBootRom(std::span<uint32_t> rom, uint32_t memLim, uint32_t stackOrg) {
  RomPatch p = bootRomPatches();
  setPair(rom, p.memLim, memLim);
  setPair(rom, p.stackOrg, stackOrg);
}

}  // namespace risc5::firmware
