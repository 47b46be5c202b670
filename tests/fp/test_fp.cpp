// Wirth's FP units against vectors worked out by hand from the word format (sign, exponent bias
// 127, 23-bit fraction with hidden 1) and the rules of FPAdder.v / FPMultiplier.v / FPDivider.v.
//
// Notation in the derivations:
//  adder:  m = 25-bit mantissa {1, fraction, 0}; X, Y = signed operands after aligning to the
//          larger exponent e0 (arithmetic shift right, i.e. floor); S = X + Y; s = |S| + 1;
//          sc = leading zeros of s over bits 25..2; e1 = e0 - sc + 1; fraction = bits 23..1 of
//          (s >> 1) << sc.
//  mul:    P = 24-bit mantissa product; e1 = xe + ye - 127 + P[47];
//          z0 = (P >> (P[47] ? 23 : 22)) + 1 in 25 bits; fraction = z0[23:1].
//  div:    Q = floor(xm * 2^25 / ym) (26 bits); e1 = xe - ye + 126 + Q[25];
//          z1 = (Q[25] ? Q >> 1 : Q) + 1; fraction = z1[23:1].
#define BOOST_TEST_MODULE fp
#include <boost/test/unit_test.hpp>

#include <cstdint>

#include "emulator/machine/fp.h"

namespace {

using risc5::fp::add;

constexpr uint32_t kSignBit = 0x80000000;
constexpr uint32_t kOrgScale = 0x4B000000;  // the y that ORG.Floor/Float load: 2^23, exponent 150

uint32_t fad(uint32_t x, uint32_t y) { return add(x, y, false, false); }
uint32_t fsb(uint32_t x, uint32_t y) { return add(x, y ^ kSignBit, false, false); }  // as RISC5.v
uint32_t flt(uint32_t i) { return add(i, kOrgScale, true, false); }
uint32_t floorOf(uint32_t x) { return add(x, kOrgScale, false, true); }
uint32_t fml(uint32_t x, uint32_t y) { return risc5::fp::mul(x, y); }
uint32_t fdv(uint32_t x, uint32_t y) { return risc5::fp::div(x, y); }
uint32_t word(int32_t i) { return static_cast<uint32_t>(i); }

}  // namespace

BOOST_AUTO_TEST_SUITE(FAD)

BOOST_AUTO_TEST_CASE(simple_sums) {
  // 1+1: X = Y = 2^24, S = 2^25, sc = 0, e1 = 128, fraction 0 -> 2.0
  BOOST_TEST(fad(0x3F800000, 0x3F800000) == 0x40000000u);
  // 1.5 (e127, m 1800000) + 2.25 (e128, m 1200000): X = C00000, S = 1E00000, sc 1, e1 128, f 700000 -> 3.75
  BOOST_TEST(fad(0x3FC00000, 0x40100000) == 0x40700000u);
  // the same with the operands swapped: alignment picks the larger exponent either way
  BOOST_TEST(fad(0x40100000, 0x3FC00000) == 0x40700000u);
  // FSB 3 - 1: X = 1800000 (e128), Y = -1000000 >> 1 = -800000, S = 1000000, sc 1, e1 128 -> 2.0
  BOOST_TEST(fsb(0x40400000, 0x3F800000) == 0x40000000u);
  // (1+2^-23) + (1+2^-23): X = Y = 1000002, S = 2000004, sc 0, e1 128, (s>>1) = 1000002, f = 1 -> 2+2^-22
  BOOST_TEST(fad(0x3F800001, 0x3F800001) == 0x40000001u);
}

BOOST_AUTO_TEST_CASE(opposite_values_cancel_to_plus_zero) {
  // 1 + (-1): S = 0, s = 1, (s >> 1) = 0 -> 0
  BOOST_TEST(fad(0x3F800000, 0xBF800000) == 0u);
  // -2.25 - (-2.25) via FSB: y's sign flipped to +, S = 0 -> +0, never -0
  BOOST_TEST(fsb(0xC0100000, 0xC0100000) == 0u);
}

BOOST_AUTO_TEST_CASE(zero_operands_pass_the_other_through) {
  BOOST_TEST(fad(0x3F800000, 0x00000000) == 0x3F800000u);  // yn: z = x unchanged
  BOOST_TEST(fad(0x00000000, 0xC0200000) == 0xC0200000u);  // xn: z = y unchanged (-2.5)
  BOOST_TEST(fad(0x3F800001, 0x80000000) == 0x3F800001u);  // -0 is null too (x[30:0] = 0)
  BOOST_TEST(fad(0x00000000, 0x00000000) == 0u);           // xn and yn: 0
  BOOST_TEST(fad(0x80000000, 0x80000000) == 0u);           // -0 + -0 = +0
  // Oberon's real negation 0 - x (ORG.Neg) of 5.0: xn, z = y with flipped sign
  BOOST_TEST(fsb(0x00000000, 0x40A00000) == 0xC0A00000u);
}

BOOST_AUTO_TEST_CASE(large_exponent_difference_drops_the_smaller_operand) {
  // 1 + 2^-30 (e97): Y = 2^24 >> 30 = 0, S = 2^24, s = 2^24+1, sc 1, e1 127 -> 1.0
  BOOST_TEST(fad(0x3F800000, 0x30800000) == 0x3F800000u);
  // 2^30 (e157) + 1: Y = 2^24 >> 30 = 0 -> 2^30
  BOOST_TEST(fad(0x4E800000, 0x3F800000) == 0x4E800000u);
  // 1 - 2^-24: Y = floor(-2^24 / 2^24) = -1, S = FFFFFF, s = 1000000, sc 1, e1 127, f 0 -> 1.0
  // (IEEE gives the representable 1-2^-24 = 3F7FFFFF: the "+1" hides the borrow)
  BOOST_TEST(fsb(0x3F800000, 0x33800000) == 0x3F800000u);
  // 1 + 2^-24 (half an ulp): Y = 1, S = 1000001, s = 1000002, (s>>1)<<1 = 1000002, f = 1
  // (round half up; IEEE ties-to-even would keep 1.0)
  BOOST_TEST(fad(0x3F800000, 0x33800000) == 0x3F800001u);
}

BOOST_AUTO_TEST_CASE(carry_into_bit_25_truncates_below_three_quarter_ulp) {
  // 1.75 (m 1C00000) + 0.375+5*2^-25 (e125, m 180000A >> 2 = 600002): S = 2200002, s = 2200003,
  // sc 0, e1 128, s >> 1 = 1100001, f = 080000 -> 2.125 (IEEE rounds the 5/8 ulp up to 40080001)
  BOOST_TEST(fad(0x3FE00000, 0x3EC00005) == 0x40080000u);
  // 1.5 + 0.75+3*2^-24 (e126, m 1800006 >> 1 = C00003): S = 2400003, s = 2400004, f = 100001
  BOOST_TEST(fad(0x3FC00000, 0x3F400003) == 0x40100001u);
}

BOOST_AUTO_TEST_CASE(cancellation_renormalises) {
  // 1.5 - 1.25: S = 1800000 - 1400000 = 400000, s = 400001, sc 3, e1 125, (s>>1)<<3 = 1000000 -> 0.25
  BOOST_TEST(fsb(0x3FC00000, 0x3FA00000) == 0x3E800000u);
  // 1.25 - 1.5: S = -400000, sign from S, same magnitude -> -0.25
  BOOST_TEST(fsb(0x3FA00000, 0x3FC00000) == 0xBE800000u);
  // 1 - 2^-23 (e104): Y = -2^24 >> 23 = -2, S = FFFFFE, s = FFFFFF, sc 2, e1 126,
  // 7FFFFF << 2 = 1FFFFFC, f = 7FFFFE -> 1-2^-23 exactly
  BOOST_TEST(fsb(0x3F800000, 0x34000000) == 0x3F7FFFFEu);
  // 1 - (1-2^-24): X = 2^24, Y = -(1FFFFFE >> 1) = -FFFFFF, S = 1, s = 2, sc 24, e1 = 104,
  // (s>>1)<<24 = 2^24, f 0 -> 2^-23 (the guard unit rounds up; IEEE gives the exact 2^-24)
  BOOST_TEST(fsb(0x3F800000, 0x3F7FFFFF) == 0x34000000u);
}

BOOST_AUTO_TEST_CASE(exponent_overflow_and_underflow) {
  // max + max (e254, m 1FFFFFE): S = 3FFFFFC, s = 3FFFFFD, sc 0, e1 255, f 7FFFFF: exponent 255,
  // no infinity
  BOOST_TEST(fad(0x7F7FFFFF, 0x7F7FFFFF) == 0x7FFFFFFFu);
  // e255 + e255: S = 2^25, sc 0, e1 = 256, bit 8 set -> 0
  BOOST_TEST(fad(0x7F800000, 0x7F800000) == 0u);
  // 1.5*2^-126 - 1.25*2^-126 (e1): S = 400000, sc 3, e1 = 1-3+1 = -1 -> 0
  BOOST_TEST(fsb(0x00C00000, 0x00A00000) == 0u);
  // 1.5*2^-126 - 1.0*2^-126: S = 800000, sc 2, e1 = 0 (allowed), (s>>1)<<2 = 1000000, f 0 -> word 0
  BOOST_TEST(fsb(0x00C00000, 0x00800000) == 0u);
  // 1.75*2^-126 - 1.0*2^-126: S = C00000, s = C00001, sc 2, e1 0, 600000<<2 = 1800000, f = 400000:
  // an exponent-0 word that is not zero
  BOOST_TEST(fsb(0x00E00000, 0x00800000) == 0x00400000u);
}

BOOST_AUTO_TEST_CASE(denormal_inputs_count_as_one_point_f) {
  // exponent 0 with a fraction is not null: m = {1, f, 0}, i.e. 1.f * 2^-127
  // 00000001 + 00000001: X = Y = 1000002, S = 2000004, sc 0, e1 = 1, f = 1
  BOOST_TEST(fad(0x00000001, 0x00000001) == 0x00800001u);
  // 00400000 + 00400000: X = Y = 1800000, S = 3000000, sc 0, e1 1, f 400000 (twice 1.5*2^-127)
  BOOST_TEST(fad(0x00400000, 0x00400000) == 0x00C00000u);
  // 1 + 00000001: shifted by 127 to 0 -> 1.0
  BOOST_TEST(fad(0x3F800000, 0x00000001) == 0x3F800000u);
  // 00000001 - 00000001: S = 0 -> 0
  BOOST_TEST(fsb(0x00000001, 0x00000001) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(FLT)

BOOST_AUTO_TEST_CASE(small_integers_are_exact) {
  BOOST_TEST(flt(0) == 0u);  // xn -> 0
  // 1: X = {0, 1, 0} = 2, S = 2, s = 3, bits 25..2 empty so sc 24, e1 = 150-24+1 = 127, f 0
  BOOST_TEST(flt(1) == 0x3F800000u);
  // -1 = FFFFFFFF: X = -2^25 + {1, 7FFFFF, 0} = -2, s = 3, sign from S -> -1.0
  BOOST_TEST(flt(word(-1)) == 0xBF800000u);
  // -7: X = -14, s = 15, sc 22, e1 129, 7 << 22 = 1C00000, f 600000 -> -7.0
  BOOST_TEST(flt(word(-7)) == 0xC0E00000u);
  // 2^23+1: X = 1000002, s = 1000003, sc 1, e1 150, f 1 -> 8388609.0 exactly
  BOOST_TEST(flt(0x00800001) == 0x4B000001u);
}

BOOST_AUTO_TEST_CASE(only_sign_and_low_24_bits_enter) {
  // FLT reads x[31] and x[23:0]; x[30:24] is lost
  BOOST_TEST(flt(0x00FFFFFF) == 0x4B7FFFFFu);        // 2^24-1: X = 1FFFFFE, sc 1, e1 150, f 7FFFFF
  BOOST_TEST(flt(0x7FFFFFFF) == 0x4B7FFFFFu);        // max int reads as 2^24-1
  BOOST_TEST(flt(0x01000001) == 0x3F800000u);        // 2^24+1 reads as 1
  BOOST_TEST(flt(0x01000000) == 0u);                 // 2^24 reads as 0: S = 0
  BOOST_TEST(flt(word(-16777216)) == 0xCB800000u);   // FF000000: X = -2^25, s = 2^25+1, e1 151
  BOOST_TEST(flt(0x80000000) == 0u);                 // min int: x[30:0] = 0, null -> 0
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(FLOOR)

BOOST_AUTO_TEST_CASE(small_values) {
  // y = 4B000000 (m 0, e150) aligns x to 2*x; the result is S >> 1, i.e. floor(floor(2x)/2)
  BOOST_TEST(floorOf(0x00000000) == 0u);              // e0: shift 150 >= 32 -> X = 0
  BOOST_TEST(floorOf(0x40200000) == 2u);              // 2.5: m 1400000 >> 22 = 5, 5 >> 1 = 2
  BOOST_TEST(floorOf(0x3F400000) == 0u);              // 0.75: 1800000 >> 24 = 1, 1 >> 1 = 0
  BOOST_TEST(floorOf(0x4B7FFFFF) == 0x00FFFFFFu);     // 2^24-1 (e150): no shift, 1FFFFFE >> 1
  BOOST_TEST(floorOf(0x4A800001) == 4194304u);        // 2^22+0.5: 1000002 >> 1 = 800001, >> 1
}

BOOST_AUTO_TEST_CASE(negative_values_round_down) {
  BOOST_TEST(floorOf(0xC0200000) == word(-3));        // -2.5: floor(-1400000 / 2^22) = -5, >> 1 = -3
  BOOST_TEST(floorOf(0xC0000000) == word(-2));        // -2.0: -1000000 >> 22 = -4, >> 1 = -2
  BOOST_TEST(floorOf(0xBF000000) == word(-1));        // -0.5: -1000000 >> 24 = -1, >> 1 = -1
  BOOST_TEST(floorOf(0xCA800001) == word(-4194305));  // -(2^22+0.5): -(800001), >> 1 = -400001H
  BOOST_TEST(floorOf(0x80000001) == word(-1));        // -1.f*2^-127: shift >= 32 fills with sign
  BOOST_TEST(floorOf(0x80000000) == word(-1));        // -0: m is 1000000 as for any real -> -1
}

BOOST_AUTO_TEST_CASE(beyond_two_to_the_24_halves_instead_of_scaling) {
  // 1e9 = 4E6E6B28 (e156 > 150): x is not shifted and y is, so z = m >> 1 = 31250000 / 2
  BOOST_TEST(floorOf(0x4E6E6B28) == 15625000u);
  BOOST_TEST(floorOf(0xCE6E6B28) == word(-15625000));
  BOOST_TEST(floorOf(0x4B800000) == 8388608u);        // 2^24 (e151): 2^24 >> 1 = 2^23
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(FML)

BOOST_AUTO_TEST_CASE(simple_products) {
  // 2*3: P = 800000 * C00000 = 3*2^45, P[47] 0, z0 = 1800001, f 400000, e1 = 128+128-127 = 129
  BOOST_TEST(fml(0x40000000, 0x40400000) == 0x40C00000u);
  // -1.5*4: P = 3*2^45, e1 = 127+129-127 = 129, sign 1 -> -6.0
  BOOST_TEST(fml(0xBFC00000, 0x40800000) == 0xC0C00000u);
  // 1.5*1.5: P = 9*2^44 >= 2^47, z0 = 1200001, f 100000, e1 = 128 -> 2.25
  BOOST_TEST(fml(0x3FC00000, 0x3FC00000) == 0x40100000u);
  // (1+2^-23)^2: P = 2^46+2^24+1, P >> 22 = 1000004, z0 = 1000005, f 2 -> 1+2^-22
  BOOST_TEST(fml(0x3F800001, 0x3F800001) == 0x3F800002u);
}

BOOST_AUTO_TEST_CASE(rounding_carry_out_of_z0_is_lost) {
  // (2-2^-22) * (1+2^-23): P = (2^24-2)(2^23+1) = 2^47-2, P >> 22 = 1FFFFFF, z0 = 2000000 in
  // 25 bits = 0, e1 = 127 -> 1.0 where the true product is almost 2.0
  BOOST_TEST(fml(0x3FFFFFFE, 0x3F800001) == 0x3F800000u);
}

BOOST_AUTO_TEST_CASE(zero_and_denormal_operands) {
  BOOST_TEST(fml(0x00000000, 0x40A00000) == 0u);
  BOOST_TEST(fml(0x80000000, 0x40A00000) == 0u);  // -0 * 5 = +0
  BOOST_TEST(fml(0x00400000, 0x40000000) == 0u);  // exponent 0: treated as zero
}

BOOST_AUTO_TEST_CASE(overflow_and_underflow) {
  // 2^100 * 2^100 (e227): e1 = 327 = 101000111b: bit 8 set, bit 7 clear -> exponent 255, f 0
  BOOST_TEST(fml(0x71800000, 0x71800000) == 0x7F800000u);
  // 1.5*2^100 * -2^100: as above, fraction kept: z0 = 1800001 -> f 400000
  BOOST_TEST(fml(0x71C00000, 0xF1800000) == 0xFFC00000u);
  // 2^-100 * 2^-100 (e27): e1 = -73 = 439 = 110110111b, bits 8 and 7 set -> 0
  BOOST_TEST(fml(0x0D800000, 0x0D800000) == 0u);
  // 1.5*2^-63 (e64) * 2^-64 (e63): e1 = 0 is kept: exponent-0 word with fraction 400000
  BOOST_TEST(fml(0x20400000, 0x1F800000) == 0x00400000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(FDV)

BOOST_AUTO_TEST_CASE(simple_quotients) {
  // 6/3: Q = C00000 * 2^25 / C00000 = 2^25, Q[25] 1, e1 = 1+126+1 = 128, z1 = 1000001, f 0 -> 2.0
  BOOST_TEST(fdv(0x40C00000, 0x40400000) == 0x40000000u);
  // 1/2: Q = 2^25, e1 = -1+126+1 = 126 -> 0.5
  BOOST_TEST(fdv(0x3F800000, 0x40000000) == 0x3F000000u);
  // -6/4: Q = C00000 * 2^25 / 800000 = 3000000, e1 = 127, z0 = 1800000, z1 = 1800001, f 400000
  BOOST_TEST(fdv(0xC0C00000, 0x40800000) == 0xBFC00000u);
}

BOOST_AUTO_TEST_CASE(thirds_round_half_up) {
  // 1/3: Q = floor(2^48 / (3*2^22)) = floor(2^26/3) = 1555555, Q[25] 0, e1 = -1+126 = 125,
  // z1 = 1555556, f = 2AAAAB (rounded up)
  BOOST_TEST(fdv(0x3F800000, 0x40400000) == 0x3EAAAAABu);
  // 2/3: same Q, e1 = 0+126 = 126
  BOOST_TEST(fdv(0x40000000, 0x40400000) == 0x3F2AAAABu);
  // 1/(1+2^-23): Q = floor(2^48/(2^23+1)) = 2^25-4 = 1FFFFFC, z1 = 1FFFFFD, f 7FFFFE, e1 126
  BOOST_TEST(fdv(0x3F800000, 0x3F800001) == 0x3F7FFFFEu);
}

BOOST_AUTO_TEST_CASE(zero_and_division_by_zero) {
  BOOST_TEST(fdv(0x00000000, 0x40A00000) == 0u);           // xe = 0 -> 0
  BOOST_TEST(fdv(0x00000000, 0x00000000) == 0u);           // xe = 0 is tested first
  BOOST_TEST(fdv(0x3F800000, 0x00000000) == 0x7F800000u);  // ye = 0: {sign, FF, 0}
  BOOST_TEST(fdv(0xBF800000, 0x00000000) == 0xFF800000u);
  BOOST_TEST(fdv(0x3F800000, 0x80000000) == 0xFF800000u);  // 1 / -0: sign from y
  BOOST_TEST(fdv(0x00000001, 0x3F800000) == 0u);           // denormal dividend: exponent 0
  BOOST_TEST(fdv(0x3F800000, 0x00000001) == 0x7F800000u);  // denormal divisor: "div by 0"
}

BOOST_AUTO_TEST_CASE(overflow_and_underflow) {
  // 2^100 / 2^-100: Q = 2^25, e1 = 200+126+1 = 327: bit 8 set, bit 7 clear -> exponent 255,
  // fraction of z0 = Q >> 1 = 2^24 -> 0
  BOOST_TEST(fdv(0x71800000, 0x0D800000) == 0x7F800000u);
  // 2^-100 / 2^100: e1 = -200+127 = -73 -> bits 8 and 7 set -> 0
  BOOST_TEST(fdv(0x0D800000, 0x71800000) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
