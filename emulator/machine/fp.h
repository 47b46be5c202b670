// Wirth's floating-point units of the RISC5 (FPAdder, FPMultiplier, FPDivider), bit for bit.
// Not IEEE 754: no NaN or infinity; words with exponent 0 are not flushed (the adder reads them
// as 1.f * 2^-127, the multiplier and divider as zero); rounding as each unit does it, which is
// not IEEE's (docs/fp.md lists the cases). Inputs and results are raw 32-bit words.
#pragma once

#include <cstdint>

namespace risc5::fp {

// FAD (and FSB, with y's sign flipped by the caller). u = 1: FLT (integer x to real);
// v = 1: FLOOR (real x to integer). For FLT and FLOOR y still counts, as in the hardware: its
// exponent sets the alignment (ORG passes 4B000000H) and it enters without a hidden bit.
uint32_t add(uint32_t x, uint32_t y, bool u, bool v);
uint32_t mul(uint32_t x, uint32_t y);
uint32_t div(uint32_t x, uint32_t y);

}  // namespace risc5::fp
