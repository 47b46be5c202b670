// Our boot ROM (firmware/boot.s), assembled at build time. 512 words for the ROM at 0FFFFF800H.
#pragma once

#include <cstdint>
#include <span>

namespace risc5::firmware {

// Byte address at which the ROM is placed and where the CPU starts.
inline constexpr uint32_t kBootRomAddress = 0xFFFFF800;
inline constexpr size_t kBootRomWords = 512;

// The ROM image: 512 words, zero-padded after the code.
std::span<const uint32_t> bootRom();

// Word indices (into bootRom()) of the `MOV' Rx, high16` of the two MOV'/IOR pairs that load
// MemLim and stackOrg; the following word is the `IOR Rx, Rx, low16`. Patch the low 16 bits of
// both words to run with other memory sizes (defaults: MemLim 0E7EF0H, stackOrg 80000H).
struct RomPatch {
  uint32_t memLim, stackOrg;
};
RomPatch bootRomPatches();

// Returns `rom` with the MemLim and stackOrg pairs set to the given values.
void patchBootRom(std::span<uint32_t> rom, uint32_t memLim, uint32_t stackOrg);

}  // namespace risc5::firmware
