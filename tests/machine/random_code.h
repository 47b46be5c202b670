// One round of the random-code tests (test_fuzz, test_translator): the first 64 KiB of RAM filled
// with random words (the rest keeps what earlier rounds stored), random registers, the stack
// pointer somewhere plausible, as a half-broken program might have it, and a random PC in that
// code. The rounds are the same for the same generator state.
#pragma once

#include <random>

#include "emulator/machine/machine.h"

namespace risc5::test {

inline void scramble(Machine& m, std::mt19937& rng) {
  for (uint32_t i = 0; i < 16384; ++i) m.pokeWord(i, rng());
  for (auto& r : m.cpu().R) r = rng();
  m.cpu().R[14] = 0x80000;
  m.cpu().fault = CpuFault::none;
  m.cpu().PC = rng() % 16384;
}

}  // namespace risc5::test
