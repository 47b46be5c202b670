// The multiplier and divider of RISC5.v (Multiplier.v, Divider.v) as functions, shared by the
// interpreter (cpu.cpp) and the translator (jit/), so that both compute MUL' and DIV exactly as
// the circuit does, corner cases included.
#pragma once

#include <cstdint>

namespace risc5 {

// Divider.v, step by step where it matters. Signed mode negates a negative dividend, divides,
// and corrects quotient and remainder so that the quotient is floored and the remainder >= 0.
// Each of the 32 steps subtracts y from the 32-bit window RQ[62:31] and keeps the difference if
// its bit 31 is clear. For 0 < y < 2^31 that is exact division; for y = 0 or y >= 2^31 (a
// negative divisor, outside Wirth's "y > 0" contract) the window drops bits, and the circuit's
// own results are reproduced here rather than mathematically right ones.
inline void divide(uint32_t x, uint32_t y, bool isSigned, uint32_t& quot, uint32_t& rem) {
  const bool sign = isSigned && (x >> 31);
  const uint32_t x0 = sign ? 0u - x : x;
  uint32_t hi, lo;  // RQ[63:32], RQ[31:0]
  if (static_cast<int32_t>(y) > 0) [[likely]] {
    lo = x0 / y;
    hi = x0 % y;
  } else {
    hi = 0;
    lo = x0;
    for (int step = 0; step < 32; ++step) {
      uint32_t w0 = (hi << 1) | (lo >> 31);
      uint32_t w1 = w0 - y;
      bool negative = w1 >> 31;
      hi = negative ? w0 : w1;
      lo = (lo << 1) | (negative ? 0u : 1u);
    }
  }
  if (!sign) {
    quot = lo;
    rem = hi;
  } else {
    quot = hi == 0 ? 0u - lo : ~lo;  // -lo - 1 = ~lo
    rem = hi == 0 ? 0u : y - hi;
  }
}

// Multiplier.v adds sign-extended partial products, subtracting the last one in signed mode.
// Unsigned mode therefore multiplies an unsigned x by a *signed* y: exact for y < 2^31, and for
// larger y the high word differs from the true unsigned product (ORG never emits MUL').
inline uint64_t multiplyUnsigned(uint32_t x, uint32_t y) {
  return static_cast<uint64_t>(static_cast<int64_t>(uint64_t{x}) * static_cast<int32_t>(y));
}

}  // namespace risc5
