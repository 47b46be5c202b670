// Wirth's floating-point units of the RISC5 (FPAdder, FPMultiplier, FPDivider), bit for bit.
// Not IEEE 754: no NaN or infinity, no denormals (they flush to zero), truncating as the
// Verilog does. Inputs and results are raw 32-bit words.
#pragma once

#include <cstdint>

namespace risc5::fp {

// FAD (and FSB, with y's sign flipped by the caller). u = 1: FLT (integer x to real);
// v = 1: FLOOR (real x to integer). y is ignored for FLT/FLOOR as in the hardware.
uint32_t add(uint32_t x, uint32_t y, bool u, bool v);
uint32_t mul(uint32_t x, uint32_t y);
uint32_t div(uint32_t x, uint32_t y);

}  // namespace risc5::fp
