// Wirth's floating-point units (FPAdder.v 4.10.2016, FPMultiplier.v 8.8.2016, FPDivider.v 16.9.2016,
// as used by RISC5.v of 31.8.2018), computed in closed form instead of cycle by cycle.
//
// Word layout: bit 31 sign, bits 30..23 exponent (bias 127), bits 22..0 fraction with a hidden 1.
// The FPGA iterates (the multiplier adds and shifts 24 times, the divider subtracts 26 times) and
// pipelines the adder over 4 cycles; all intermediate values here are the ones those registers
// hold at the end, so the results agree bit for bit. Deviations from the FPGA: none in the values;
// the stall cycles (FAD 3, FML 25, FDV 26) are the CPU's business. Widths matter: every
// intermediate is masked to the width of its Verilog wire, because the hardware wraps (an
// exponent that reaches 256 in the adder gives 0, a rounding carry out of the multiplier's
// 25-bit z0 is lost).
#include "fp.h"

#include <bit>

namespace risc5::fp {
namespace {

constexpr uint32_t kFraction = 0x7FFFFF;  // bits 22..0
constexpr uint32_t kHidden = 0x800000;    // bit 23: the implicit 1 of a normalised number
constexpr uint32_t kMask9 = 0x1FF;        // 9-bit exponent wires: bit 8 = borrow/overflow
constexpr uint32_t kMask25 = 0x1FFFFFF;
constexpr uint32_t kMask27 = 0x7FFFFFF;

constexpr uint32_t exponent(uint32_t w) { return (w >> 23) & 0xFF; }
constexpr uint32_t sign(uint32_t w) { return w >> 31; }

// Arithmetic right shift of the 26-bit aligner input by any count 0..255; the hardware fills
// with the sign bit, so the result is floor(value / 2^n) (shifts of 32 or more give 0 or -1).
constexpr int64_t alignRight(int64_t value, uint32_t n) {
  return n >= 40 ? (value < 0 ? -1 : 0) : value >> n;
}

// Overflow/underflow tail shared by FML and FDV: e1 is a 9-bit wire holding exponent - 127 + 127
// modulo 512. 0..255: normal; 256..383: overflow, exponent forced to 255 (no infinity, the
// fraction stays); 384..511: a negative exponent, result 0.
constexpr uint32_t pack(uint32_t s, uint32_t e1, uint32_t fraction, uint32_t overflowFraction) {
  if ((e1 & 0x100) == 0) return s << 31 | (e1 & 0xFF) << 23 | fraction;
  if ((e1 & 0x80) == 0) return s << 31 | 0xFFu << 23 | overflowFraction;
  return 0;
}

}  // namespace

uint32_t add(uint32_t x, uint32_t y, bool u, bool v) {
  // Operands as 25-bit magnitudes: hidden bit (24), fraction (23..1), one guard bit (0).
  // FLT (u): x is an integer; only x[31] and x[23:0] enter, with exponent 150 (= 127 + 23),
  // so integers beyond +-2^24 lose their upper bits. FLT and FLOOR give y no hidden bit: with
  // y = 4B000000H (ORG's choice) y is a zero with exponent 150 that fixes the alignment.
  const uint32_t xs = sign(x), ys = sign(y);
  const uint32_t xe = u ? 0x96 : exponent(x);
  const uint32_t ye = exponent(y);
  const uint32_t xm = ((!u || (x & kHidden)) ? 1u << 24 : 0) | (x & kFraction) << 1;
  const uint32_t ym = ((!u && !v) ? 1u << 24 : 0) | (y & kFraction) << 1;
  const bool xn = (x & 0x7FFFFFFF) == 0;  // +-0 (denormals are not null: they count as 1.f)
  const bool yn = (y & 0x7FFFFFFF) == 0;

  // Align to the larger exponent e0; the other operand shifts right by the difference.
  const uint32_t dx = (xe - ye) & kMask9, dy = (ye - xe) & kMask9;
  const uint32_t e0 = (dx & 0x100) ? ye : xe;
  const uint32_t sx = (dy & 0x100) ? 0 : dy & 0xFF;
  const uint32_t sy = (dx & 0x100) ? 0 : dx & 0xFF;

  // Two's complement with the sign as bit 25. A real is negated in 25 bits first (-0 mod 2^25
  // is 0, which with the sign bit reads as -2^25); FLT's integer already is two's complement.
  const uint32_t x0 = (xs && !u) ? (0u - xm) & kMask25 : xm;
  const uint32_t y0 = (ys && !u) ? (0u - ym) & kMask25 : ym;
  const int64_t x3 = alignRight(int64_t{x0} - (xs ? int64_t{1} << 25 : 0), sx);
  const int64_t y3 = alignRight(int64_t{y0} - (ys ? int64_t{1} << 25 : 0), sy);
  const int64_t sum = x3 + y3;  // the 27-bit Sum register; always in range, never wraps

  // FLOOR: the aligned integer sum, halved for the guard bit and sign-extended from bit 26.
  if (v) return static_cast<uint32_t>(static_cast<int32_t>(sum >> 1));
  if (xn) return (u || yn) ? 0 : y;  // 0 + y = y exactly; FLT(0) = FLT(80000000H) = 0
  if (yn) return x;                  // x + 0 = x exactly

  // Magnitude plus one (the "+1" rounds: a quarter ulp when the sum carried into bit 25,
  // half an ulp otherwise), then normalise: sc = leading zeros of s over bits 25..2, at most 24.
  const uint32_t sum27 = static_cast<uint32_t>(sum) & kMask27;
  const uint32_t zs = sum27 >> 26;
  const uint32_t s = ((zs ? 0u - sum27 : sum27) + 1) & kMask27;
  const uint32_t window = (s >> 2) & 0xFFFFFF;  // bits 25..2
  const uint32_t sc = window ? std::countl_zero(window) - 8 : 24;
  const uint32_t e1 = (e0 - sc + 1) & kMask9;
  const uint32_t t3 = (((s >> 1) & kMask25) << sc) & kMask25;  // hidden bit at 24
  if (t3 == 0 || (e1 & 0x100)) return 0;  // exact cancellation, exponent < 0 or = 256
  return zs << 31 | (e1 & 0xFF) << 23 | ((t3 >> 1) & kFraction);
}

uint32_t mul(uint32_t x, uint32_t y) {
  const uint32_t xe = exponent(x), ye = exponent(y);
  if (xe == 0 || ye == 0) return 0;  // zero and denormal operands give +0
  // The shift-and-add loop leaves the exact 48-bit product of the 24-bit mantissas in P.
  const uint64_t P = uint64_t{kHidden | (x & kFraction)} * (kHidden | (y & kFraction));
  const uint32_t p47 = static_cast<uint32_t>(P >> 47);  // product in [2, 4): one more exponent
  const uint32_t e1 = (xe + ye - 127 + p47) & kMask9;
  // Round half up on the bit below the last kept one. z0 is 25 bits wide: when the kept bits are
  // all ones the carry is lost and the fraction becomes 0 without an exponent increment.
  const uint32_t z0 = (static_cast<uint32_t>(P >> (p47 ? 23 : 22)) + 1) & kMask25;
  const uint32_t fraction = (z0 >> 1) & kFraction;
  return pack(sign(x ^ y), e1, fraction, fraction);
}

uint32_t div(uint32_t x, uint32_t y) {
  const uint32_t xe = exponent(x), ye = exponent(y);
  const uint32_t zsign = sign(x ^ y);
  if (xe == 0) return 0;                              // 0 / y = +0, also 0 / 0
  if (ye == 0) return zsign << 31 | 0xFFu << 23;      // x / 0: exponent 255, fraction 0
  // The restoring divider produces 26 quotient bits: Q = floor(xm * 2^25 / ym) in (2^24, 2^26).
  const uint32_t xm = kHidden | (x & kFraction), ym = kHidden | (y & kFraction);
  const uint32_t Q = static_cast<uint32_t>((uint64_t{xm} << 25) / ym);
  const uint32_t q25 = Q >> 25;  // xm >= ym
  const uint32_t e1 = (xe - ye + 126 + q25) & kMask9;
  const uint32_t z0 = (q25 ? Q >> 1 : Q) & kMask25;  // hidden bit at 24, round bit at 0
  const uint32_t z1 = (z0 + 1) & kMask25;            // round half up; the remainder is ignored
  // On overflow the hardware takes the unrounded z0.
  return pack(zsign, e1, (z1 >> 1) & kFraction, (z0 >> 1) & kFraction);
}

}  // namespace risc5::fp
