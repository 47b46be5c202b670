// Register-format instructions: MOV variants, flags, ADD/SUB with carry and overflow,
// shifts, logic and immediates (MUL, DIV, FP: test_muldiv_fp.cpp). Expected values are derived by
// hand from RISC5.v (NW 31.8.2018); each case carries its derivation in a comment.
#define BOOST_TEST_MODULE test_cpu
#include <boost/test/unit_test.hpp>

#include "rig.h"

using namespace rig;

BOOST_AUTO_TEST_SUITE(alu)

// ---- MOV ----------------------------------------------------------------------------------

// q=1,u=0,v=0: aluRes = {16{v}, imm} = 0000_8000: bit 15 is NOT sign-extended; N=0, Z=0.
BOOST_AUTO_TEST_CASE(mov_imm_v0_zero_fills_upper_half) {
  Rig r;
  r.setFlags(true, true, false, false);
  BOOST_TEST(r.exec1(imm(MOV, 1, 0, 0x8000)) == 1u);
  BOOST_TEST(r.cpu.R[1] == 0x00008000u);
  BOOST_TEST(!r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
  BOOST_TEST(r.cpu.PC == 1u);
}

// q=1,v=1: upper half := 1s even though imm bit 15 is 0: FFFF_1234, N=1.
BOOST_AUTO_TEST_CASE(mov_imm_v1_ones_fill_upper_half) {
  Rig r;
  r.exec1(imm(MOV, 1, 0, 0x1234, false, true));
  BOOST_TEST(r.cpu.R[1] == 0xFFFF1234u);
  BOOST_TEST(r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
}

// MOV R1, 0 (v=0): result 0 sets Z, clears N.
BOOST_AUTO_TEST_CASE(mov_imm_zero_sets_z) {
  Rig r;
  r.cpu.R[1] = 77;
  r.setFlags(true, false, false, false);
  r.exec1(imm(MOV, 1, 0, 0));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST(!r.cpu.N);
  BOOST_TEST(r.cpu.Z);
}

// MOV' (q=1,u=1): {imm, 16'b0} = 8001_0000 (N=1); with v=1 also just imm<<16 = 0001_0000.
BOOST_AUTO_TEST_CASE(mov_prime_shifts_imm_left_16) {
  Rig r;
  r.exec1(imm(MOV, 1, 0, 0x8001, true));
  BOOST_TEST(r.cpu.R[1] == 0x80010000u);
  BOOST_TEST(r.cpu.N);
  r.exec1(imm(MOV, 2, 0, 0x0001, true, true));
  BOOST_TEST(r.cpu.R[2] == 0x00010000u);
  BOOST_TEST(!r.cpu.N);
}

// q=0,u=0: aluRes = C0 = R.c; the b field is ignored. R2 = 8000_0000 -> N=1.
BOOST_AUTO_TEST_CASE(mov_register) {
  Rig r;
  r.cpu.R[2] = 0x80000000u;
  r.cpu.R[7] = 0x12345678u;
  r.exec1(reg(MOV, 1, 7, 2));
  BOOST_TEST(r.cpu.R[1] == 0x80000000u);
  BOOST_TEST(r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
}

// q=0,u=1,v=0: aluRes = H. H=0 -> R1=0, Z=1.
BOOST_AUTO_TEST_CASE(mov_from_h) {
  Rig r;
  r.cpu.H = 0xCAFEF00Du;
  r.exec1(reg(MOV, 1, 0, 0, true));
  BOOST_TEST(r.cpu.R[1] == 0xCAFEF00Du);
  BOOST_TEST(r.cpu.N);
  r.cpu.H = 0;
  r.exec1(reg(MOV, 3, 0, 0, true));
  BOOST_TEST(r.cpu.R[3] == 0u);
  BOOST_TEST(r.cpu.Z);
}

// q=0,u=1,v=1: {N,Z,C,OV, 20'b0, 8'h53}. N=1,Z=0,C=1,V=1 -> 1011b<<28 | 53H = B000_0053.
// All clear -> 0000_0053. C and V survive (MOV is not ADD/SUB).
BOOST_AUTO_TEST_CASE(mov_flags_and_version) {
  Rig r;
  r.setFlags(true, false, true, true);
  r.exec1(reg(MOV, 1, 0, 0, true, true));
  BOOST_TEST(r.cpu.R[1] == 0xB0000053u);
  BOOST_TEST(r.cpu.N);  // bit 31 of the value written
  BOOST_TEST(r.cpu.C);
  BOOST_TEST(r.cpu.V);
  r.setFlags(false, false, false, false);
  r.exec1(reg(MOV, 2, 0, 0, true, true));
  BOOST_TEST(r.cpu.R[2] == 0x00000053u);
  r.setFlags(false, true, false, false);
  r.exec1(reg(MOV, 2, 0, 0, true, true));
  BOOST_TEST(r.cpu.R[2] == 0x40000053u);
}

// ---- which instructions touch which flags -------------------------------------------------

// cx/vv keep C and OV unless ADD or SUB: MOV, LSL, AND, IOR, MUL, DIV leave C=V=1 alone,
// while N/Z follow each result (regwr for every ~p instruction).
BOOST_AUTO_TEST_CASE(c_and_v_only_change_on_add_sub) {
  Rig r;
  r.cpu.R[2] = 6;
  r.cpu.R[3] = 0;
  r.put(0, {imm(MOV, 1, 0, 0), imm(LSL, 4, 2, 1), reg(AND, 5, 2, 3), imm(IOR, 6, 3, 0x8000, false, true),
            reg(MUL, 7, 2, 2), imm(DIV, 8, 2, 4)});
  r.setFlags(false, false, true, true);
  r.cpu.PC = 0;
  BOOST_TEST(r.cpu.run(1) == 1u);  // MOV R1,0 -> Z
  BOOST_TEST(r.cpu.Z);
  BOOST_TEST((r.cpu.C && r.cpu.V));
  r.cpu.run(1);  // LSL R4,R2,1 = 12
  BOOST_TEST(r.cpu.R[4] == 12u);
  BOOST_TEST((!r.cpu.Z && !r.cpu.N && r.cpu.C && r.cpu.V));
  r.cpu.run(1);  // AND R5,R2,R3 = 0
  BOOST_TEST((r.cpu.Z && r.cpu.C && r.cpu.V));
  r.cpu.run(1);  // IOR R6,R3,FFFF_8000 -> N
  BOOST_TEST(r.cpu.R[6] == 0xFFFF8000u);
  BOOST_TEST((r.cpu.N && !r.cpu.Z && r.cpu.C && r.cpu.V));
  r.cpu.run(1);  // MUL R7 = 36
  BOOST_TEST(r.cpu.R[7] == 36u);
  BOOST_TEST((!r.cpu.N && r.cpu.C && r.cpu.V));
  r.cpu.run(1);  // DIV R8 = 6 DIV 4 = 1
  BOOST_TEST(r.cpu.R[8] == 1u);
  BOOST_TEST((r.cpu.C && r.cpu.V));
}

// ---- ADD / SUB: C and V from sb = B[31], sc = C1[31], sa = result[31] ------------------------

// 7FFFFFFF + 1 = 8000_0000: sb=0 sc=0 sa=1 -> C = 0, V = sa&~sb&~sc = 1; N=1.
BOOST_AUTO_TEST_CASE(add_signed_overflow) {
  Rig r;
  r.cpu.R[2] = 0x7FFFFFFFu;
  r.cpu.R[3] = 1;
  r.setFlags(false, true, true, false);
  r.exec1(reg(ADD, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x80000000u);
  BOOST_TEST(r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
  BOOST_TEST(!r.cpu.C);
  BOOST_TEST(r.cpu.V);
}

// FFFFFFFF + 1 = 0 (carry out): sb=1 sc=0 sa=0 -> C = sb&~sa = 1, V = 0; Z=1.
BOOST_AUTO_TEST_CASE(add_unsigned_carry) {
  Rig r;
  r.cpu.R[2] = 0xFFFFFFFFu;
  r.setFlags(true, false, false, true);
  r.exec1(imm(ADD, 1, 2, 1));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST(!r.cpu.N);
  BOOST_TEST(r.cpu.Z);
  BOOST_TEST(r.cpu.C);
  BOOST_TEST(!r.cpu.V);
}

// 8000_0000 + 8000_0000 = 0: sb=sc=1, sa=0 -> C = 1 (sb&~sa), V = ~sa&sb&sc = 1, Z=1.
BOOST_AUTO_TEST_CASE(add_both_negative_overflow_and_carry) {
  Rig r;
  r.cpu.R[2] = 0x80000000u;
  r.exec1(reg(ADD, 1, 2, 2));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST(r.cpu.Z);
  BOOST_TEST(r.cpu.C);
  BOOST_TEST(r.cpu.V);
}

// 0 - 1 = FFFF_FFFF: sb=0 sc=0 sa=1 -> C = ~sb&sa = 1 (borrow), V = 0; N=1.
BOOST_AUTO_TEST_CASE(sub_borrow) {
  Rig r;
  r.cpu.R[2] = 0;
  r.exec1(imm(SUB, 1, 2, 1));
  BOOST_TEST(r.cpu.R[1] == 0xFFFFFFFFu);
  BOOST_TEST(r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
  BOOST_TEST(r.cpu.C);
  BOOST_TEST(!r.cpu.V);
}

// 8000_0000 - 1 = 7FFF_FFFF: sb=1 sc=0 sa=0 -> C = 0, V = ~sa&sb&~sc = 1.
BOOST_AUTO_TEST_CASE(sub_signed_overflow) {
  Rig r;
  r.cpu.R[2] = 0x80000000u;
  r.cpu.R[3] = 1;
  r.setFlags(true, true, true, false);
  r.exec1(reg(SUB, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x7FFFFFFFu);
  BOOST_TEST(!r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
  BOOST_TEST(!r.cpu.C);
  BOOST_TEST(r.cpu.V);
}

// 7FFF_FFFF - FFFF_FFFF = 8000_0000: sb=0 sc=1 sa=1 -> C = ~sb&sa = 1, V = sa&~sb&sc = 1.
// 5 - 3 = 2: all signs 0 -> C = 0, V = 0. CMP R2,R2 -> Z=1, C=0.
BOOST_AUTO_TEST_CASE(sub_more_cases) {
  Rig r;
  r.cpu.R[2] = 0x7FFFFFFFu;
  r.cpu.R[3] = 0xFFFFFFFFu;
  r.exec1(reg(SUB, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x80000000u);
  BOOST_TEST(r.cpu.C);
  BOOST_TEST(r.cpu.V);
  r.cpu.R[2] = 5;
  r.exec1(imm(SUB, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 2u);
  BOOST_TEST((!r.cpu.C && !r.cpu.V && !r.cpu.N && !r.cpu.Z));
  r.exec1(reg(SUB, 1, 2, 2));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST((r.cpu.Z && !r.cpu.C && !r.cpu.V));
}

// ADD' (u=1) adds C: 5 + FFFF_FFFF + 1 = 1_0000_0005 -> 5, sb=0 sc=1 sa=0 -> C=1 (a "result < B"
// shortcut would say 0). With C=0: 5 + FFFF_FFFF = 4, C=1. 0 + FFFF_FFFF + 1 -> 0, C=1, Z=1.
// 0 + FFFF_FFFF + 0 -> FFFF_FFFF, C=0. 7FFF_FFFF + 0 + 1 -> 8000_0000, V=1, C=0.
BOOST_AUTO_TEST_CASE(addc_with_all_ones) {
  Rig r;
  r.cpu.R[3] = 0xFFFFFFFFu;
  r.cpu.R[4] = 0;
  r.cpu.R[2] = 5;
  r.setFlags(false, false, true, false);
  r.exec1(reg(ADD, 1, 2, 3, true));
  BOOST_TEST(r.cpu.R[1] == 5u);
  BOOST_TEST((r.cpu.C && !r.cpu.V && !r.cpu.Z && !r.cpu.N));

  r.setFlags(false, false, false, false);
  r.exec1(reg(ADD, 1, 2, 3, true));
  BOOST_TEST(r.cpu.R[1] == 4u);
  BOOST_TEST((r.cpu.C && !r.cpu.V));

  r.cpu.R[2] = 0;
  r.setFlags(false, false, true, false);
  r.exec1(reg(ADD, 1, 2, 3, true));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST((r.cpu.C && r.cpu.Z && !r.cpu.V));

  r.setFlags(false, false, false, false);
  r.exec1(reg(ADD, 1, 2, 3, true));
  BOOST_TEST(r.cpu.R[1] == 0xFFFFFFFFu);
  BOOST_TEST((!r.cpu.C && r.cpu.N && !r.cpu.V));

  r.cpu.R[2] = 0x7FFFFFFFu;
  r.setFlags(false, false, true, false);
  r.exec1(reg(ADD, 1, 2, 4, true));
  BOOST_TEST(r.cpu.R[1] == 0x80000000u);
  BOOST_TEST((!r.cpu.C && r.cpu.V && r.cpu.N));
}

// SUB' (u=1) subtracts C: 5 - FFFF_FFFF - 1 = 5, sb=0 sc=1 -> C=1. FFFF_FFFF - FFFF_FFFF - 1 =
// FFFF_FFFF, sb=sc=sa=1 -> C=1. Same with C=0 -> 0, C=0, Z=1. 0 - 0 - 1 -> FFFF_FFFF, C=1.
BOOST_AUTO_TEST_CASE(subc_with_all_ones) {
  Rig r;
  r.cpu.R[3] = 0xFFFFFFFFu;
  r.cpu.R[2] = 5;
  r.setFlags(false, false, true, false);
  r.exec1(reg(SUB, 1, 2, 3, true));
  BOOST_TEST(r.cpu.R[1] == 5u);
  BOOST_TEST((r.cpu.C && !r.cpu.V));

  r.cpu.R[2] = 0xFFFFFFFFu;
  r.setFlags(false, false, true, false);
  r.exec1(reg(SUB, 1, 2, 3, true));
  BOOST_TEST(r.cpu.R[1] == 0xFFFFFFFFu);
  BOOST_TEST((r.cpu.C && r.cpu.N && !r.cpu.V));

  r.setFlags(false, false, false, false);
  r.exec1(reg(SUB, 1, 2, 3, true));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST((!r.cpu.C && r.cpu.Z && !r.cpu.V));

  r.cpu.R[2] = 0;
  r.setFlags(false, false, true, false);
  r.exec1(imm(SUB, 1, 2, 0, true));
  BOOST_TEST(r.cpu.R[1] == 0xFFFFFFFFu);
  BOOST_TEST((r.cpu.C && r.cpu.N));
}

// 64-bit add 1_FFFF_FFFF + 1 = 2_0000_0000: ADD low (carry out), then ADD' high picks it up.
BOOST_AUTO_TEST_CASE(add_with_carry_chain) {
  Rig r;
  r.cpu.R[2] = 0xFFFFFFFFu;  // low a
  r.cpu.R[3] = 1;            // high a
  r.cpu.R[4] = 1;            // low b
  r.cpu.R[5] = 0;            // high b
  r.put(0, {reg(ADD, 6, 2, 4), reg(ADD, 7, 3, 5, true)});
  r.cpu.PC = 0;
  BOOST_TEST(r.cpu.run(2) == 2u);
  BOOST_TEST(r.cpu.R[6] == 0u);
  BOOST_TEST(r.cpu.R[7] == 2u);
  BOOST_TEST(!r.cpu.C);
}

// ---- immediates with v=1 in ALU ops ----------------------------------------------------------

// ADD R1,R2,-1 as ORG emits it: 5128_FFFF (q, v, a=1, b=2, op=8, imm FFFF) -> C1 = FFFF_FFFF.
// 10 + FFFF_FFFF = 9, sb=0 sc=1 sa=0 -> C=1, V=0.
BOOST_AUTO_TEST_CASE(add_negative_immediate) {
  Rig r;
  BOOST_TEST(imm(ADD, 1, 2, 0xFFFF, false, true) == 0x5128FFFFu);
  r.cpu.R[2] = 10;
  r.exec1(0x5128FFFFu);
  BOOST_TEST(r.cpu.R[1] == 9u);
  BOOST_TEST((r.cpu.C && !r.cpu.V && !r.cpu.N));
}

// SUB R1,R2,-1: 10 - FFFF_FFFF = 11, sb=0 sc=1 sa=0 -> C = ~sb&sc&~sa = 1 (unsigned borrow).
BOOST_AUTO_TEST_CASE(sub_negative_immediate) {
  Rig r;
  r.cpu.R[2] = 10;
  r.exec1(imm(SUB, 1, 2, 0xFFFF, false, true));
  BOOST_TEST(r.cpu.R[1] == 11u);
  BOOST_TEST((r.cpu.C && !r.cpu.V));
}

// AND with imm FF00: v=1 -> C1 = FFFF_FF00, v=0 -> 0000_FF00. IOR imm 8000, v=0 -> 0000_8000.
BOOST_AUTO_TEST_CASE(logic_immediates_follow_v) {
  Rig r;
  r.cpu.R[2] = 0x12345678u;
  r.exec1(imm(AND, 1, 2, 0xFF00, false, true));
  BOOST_TEST(r.cpu.R[1] == 0x12345600u);
  r.exec1(imm(AND, 1, 2, 0xFF00));
  BOOST_TEST(r.cpu.R[1] == 0x00005600u);
  r.cpu.R[2] = 0x10000u;
  r.exec1(imm(IOR, 1, 2, 0x8000));
  BOOST_TEST(r.cpu.R[1] == 0x18000u);
}

// ---- shifts (count = C1[4:0]) --------------------------------------------------------------

// LSL 8000_0001 by 0 -> same, 1 -> 2, 31 -> 8000_0000; register count 33 -> 33 & 31 = 1 -> 2.
BOOST_AUTO_TEST_CASE(lsl_0_1_31) {
  Rig r;
  r.cpu.R[2] = 0x80000001u;
  r.exec1(imm(LSL, 1, 2, 0));
  BOOST_TEST(r.cpu.R[1] == 0x80000001u);
  r.exec1(imm(LSL, 1, 2, 1));
  BOOST_TEST(r.cpu.R[1] == 0x00000002u);
  r.exec1(imm(LSL, 1, 2, 31));
  BOOST_TEST(r.cpu.R[1] == 0x80000000u);
  r.cpu.R[3] = 33;
  r.exec1(reg(LSL, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x00000002u);
  r.cpu.R[3] = 31;
  r.exec1(reg(LSL, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x80000000u);
  r.cpu.R[3] = 32;  // 32 & 31 = 0
  r.exec1(reg(LSL, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x80000001u);
}

// ASR (op 2, md = IR[16] = 0): 8000_0010 by 0 -> same, by 1 -> C000_0008, by 31 -> FFFF_FFFF;
// 4000_0000 by 31 -> 0 (Z).
BOOST_AUTO_TEST_CASE(asr_0_1_31) {
  Rig r;
  r.cpu.R[2] = 0x80000010u;
  r.exec1(imm(ASR, 1, 2, 0));
  BOOST_TEST(r.cpu.R[1] == 0x80000010u);
  r.exec1(imm(ASR, 1, 2, 1));
  BOOST_TEST(r.cpu.R[1] == 0xC0000008u);
  r.cpu.R[3] = 31;
  r.exec1(reg(ASR, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0xFFFFFFFFu);
  BOOST_TEST(r.cpu.N);
  r.cpu.R[2] = 0x40000000u;
  r.exec1(imm(ASR, 1, 2, 31));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST(r.cpu.Z);
}

// ROR (op 3, md = 1): 8000_0001 by 0 -> same, by 1 -> C000_0000, by 31 (= rotate left 1) -> 3.
BOOST_AUTO_TEST_CASE(ror_0_1_31) {
  Rig r;
  r.cpu.R[2] = 0x80000001u;
  r.cpu.R[3] = 0;
  r.exec1(reg(ROR, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x80000001u);
  r.exec1(imm(ROR, 1, 2, 1));
  BOOST_TEST(r.cpu.R[1] == 0xC0000000u);
  r.exec1(imm(ROR, 1, 2, 31));
  BOOST_TEST(r.cpu.R[1] == 0x00000003u);
  r.cpu.R[2] = 0x12345678u;
  r.exec1(imm(ROR, 1, 2, 8));
  BOOST_TEST(r.cpu.R[1] == 0x78123456u);
}

// ---- logic ---------------------------------------------------------------------------------------

// B = F0F0_F0F0, C = FF00_FF00: AND F000_F000, ANN (B & ~C) 00F0_00F0, IOR FFF0_FFF0, XOR 0FF0_0FF0.
BOOST_AUTO_TEST_CASE(and_ann_ior_xor) {
  Rig r;
  r.cpu.R[2] = 0xF0F0F0F0u;
  r.cpu.R[3] = 0xFF00FF00u;
  r.exec1(reg(AND, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0xF000F000u);
  r.exec1(reg(ANN, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x00F000F0u);
  r.exec1(reg(IOR, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0xFFF0FFF0u);
  r.exec1(reg(XOR, 1, 2, 3));
  BOOST_TEST(r.cpu.R[1] == 0x0FF00FF0u);
  r.exec1(reg(XOR, 1, 2, 2));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST(r.cpu.Z);
}

BOOST_AUTO_TEST_SUITE_END()
