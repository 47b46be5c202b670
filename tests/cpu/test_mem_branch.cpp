// Memory-format and branch-format instructions, derived by hand from RISC5.v (NW 31.8.2018):
// adr = R.b + sign-extended off; byte lanes little-endian (adr[1:0] = 0 is bits 7:0), byte loads
// zero-extended (inbus1); cond = IR[27] ^ f(cc); link writes {nxpc, 2'b0} to R15 through regmux,
// so N and Z follow that value.
#include <boost/test/unit_test.hpp>

#include "rig.h"

using namespace rig;

BOOST_AUTO_TEST_SUITE(memory)

// STW R1,[R2+4] with R2 = 100H writes word 41H; LDW R3,[R2+4] reads it back; N from bit 31.
BOOST_AUTO_TEST_CASE(word_store_and_load) {
  Rig r;
  r.cpu.R[1] = 0xDEADBEEFu;
  r.cpu.R[2] = 0x100;
  r.put(0, {stw(1, 2, 4), ldw(3, 2, 4)});
  r.cpu.PC = 0;
  BOOST_TEST(r.cpu.run(2) == 2u);
  BOOST_TEST(r.word(0x41) == 0xDEADBEEFu);
  BOOST_TEST(r.cpu.R[3] == 0xDEADBEEFu);
  BOOST_TEST(r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
  BOOST_TEST(r.cpu.PC == 2u);
}

// Negative offsets: R2 = 108H, off -8 -> 100H (word 40H); off -4 -> 104H (word 41H).
BOOST_AUTO_TEST_CASE(negative_offsets) {
  Rig r;
  r.put(0x40, {0x11111111u});
  r.cpu.R[2] = 0x108;
  r.cpu.R[4] = 0x22222222u;
  r.put(0, {ldw(1, 2, -8), stw(4, 2, -4)});
  r.cpu.PC = 0;
  r.cpu.run(2);
  BOOST_TEST(r.cpu.R[1] == 0x11111111u);
  BOOST_TEST(r.word(0x41) == 0x22222222u);
  BOOST_TEST(r.word(0x42) == 0u);
}

// STB stores A[7:0] into lane adr[1:0] and leaves the other lanes: 5555_5555 becomes
// 5555_55A1, 5555_B2A1, 55C3_B2A1, D4C3_B2A1 (upper source bits ignored).
BOOST_AUTO_TEST_CASE(byte_store_every_lane) {
  Rig r;
  r.put(0x40, {0x55555555u});
  r.cpu.R[2] = 0x100;
  r.cpu.R[1] = 0xFFFFFFA1u;
  r.cpu.R[3] = 0x123456B2u;
  r.cpu.R[4] = 0x000000C3u;
  r.cpu.R[5] = 0x800000D4u;
  r.put(0, {stb(1, 2, 0), stb(3, 2, 1), stb(4, 2, 2), stb(5, 2, 3)});
  r.cpu.PC = 0;
  r.cpu.run(1);
  BOOST_TEST(r.word(0x40) == 0x555555A1u);
  r.cpu.run(1);
  BOOST_TEST(r.word(0x40) == 0x5555B2A1u);
  r.cpu.run(1);
  BOOST_TEST(r.word(0x40) == 0x55C3B2A1u);
  r.cpu.run(1);
  BOOST_TEST(r.word(0x40) == 0xD4C3B2A1u);
  BOOST_TEST(r.word(0x3F) == 0u);
  BOOST_TEST(r.word(0x41) == 0u);
}

// LDB zero-extends: word 80FF_7F01 -> bytes 01, 7F, FF, 80 at +0..+3; 80 gives N=0 (bit 31 clear).
BOOST_AUTO_TEST_CASE(byte_load_zero_extends) {
  Rig r;
  r.put(0x40, {0x80FF7F01u});
  r.cpu.R[2] = 0x100;
  r.put(0, {ldb(1, 2, 0), ldb(3, 2, 1), ldb(4, 2, 2), ldb(5, 2, 3)});
  r.cpu.PC = 0;
  r.setFlags(true, true, false, false);
  r.cpu.run(4);
  BOOST_TEST(r.cpu.R[1] == 0x01u);
  BOOST_TEST(r.cpu.R[3] == 0x7Fu);
  BOOST_TEST(r.cpu.R[4] == 0xFFu);
  BOOST_TEST(r.cpu.R[5] == 0x80u);
  BOOST_TEST(!r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
}

// Loads write a register, so N/Z follow the loaded value (regwr for LDR); C and V stay.
BOOST_AUTO_TEST_CASE(loads_set_n_and_z) {
  Rig r;
  r.put(0x40, {0u, 0x80000000u, 0x00000100u});
  r.cpu.R[2] = 0x100;
  r.cpu.R[1] = 5;
  r.setFlags(true, false, true, true);
  r.exec1(ldw(1, 2, 0));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST((r.cpu.Z && !r.cpu.N && r.cpu.C && r.cpu.V));
  r.exec1(ldw(1, 2, 4));
  BOOST_TEST((r.cpu.N && !r.cpu.Z && r.cpu.C && r.cpu.V));
  r.exec1(ldb(1, 2, 8));  // byte 0 of 0000_0100 is 0
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST((r.cpu.Z && !r.cpu.N));
}

// Stores write no register: flags and registers unchanged (regwr = 0 for STR).
BOOST_AUTO_TEST_CASE(stores_leave_flags) {
  Rig r;
  r.cpu.R[1] = 0;
  r.cpu.R[2] = 0x100;
  r.setFlags(true, false, true, false);
  r.exec1(stw(1, 2, 0));
  BOOST_TEST((r.cpu.N && !r.cpu.Z && r.cpu.C && !r.cpu.V));
  r.setFlags(false, true, false, true);
  r.exec1(stb(1, 2, 1));
  BOOST_TEST((!r.cpu.N && r.cpu.Z && !r.cpu.C && r.cpu.V));
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST(r.cpu.R[2] == 0x100u);
}

// Self-modifying code: word 0 (MOV R1,5) runs, is overwritten by STW with MOV R1,7, and the loop
// branches back to it: the second execution must see the new word (decode cache invalidated).
BOOST_AUTO_TEST_CASE(store_then_execute_word) {
  Rig r;
  r.cpu.R[0] = 0;
  r.cpu.R[4] = imm(MOV, 1, 0, 7);
  r.put(0, {imm(MOV, 1, 0, 5), stw(4, 0, 0), bra(T, -3)});
  r.cpu.PC = 0;
  BOOST_TEST(r.cpu.run(1) == 1u);
  BOOST_TEST(r.cpu.R[1] == 5u);
  BOOST_TEST(r.cpu.run(3) == 3u);  // STW, B 0, new MOV
  BOOST_TEST(r.word(0) == imm(MOV, 1, 0, 7));
  BOOST_TEST(r.cpu.R[1] == 7u);
  BOOST_TEST(r.cpu.PC == 1u);
}

// Same with a byte store into the immediate's low byte (lane 0 of word 0): MOV R1,5 -> MOV R1,9.
BOOST_AUTO_TEST_CASE(store_byte_then_execute) {
  Rig r;
  r.cpu.R[0] = 0;
  r.cpu.R[5] = 9;
  r.put(0, {imm(MOV, 1, 0, 5), stb(5, 0, 0), bra(T, -3)});
  r.cpu.PC = 0;
  r.cpu.run(4);
  BOOST_TEST(r.word(0) == imm(MOV, 1, 0, 9));
  BOOST_TEST(r.cpu.R[1] == 9u);
}

// A store to the very next word: STW at word 0 rewrites word 1 before it executes.
BOOST_AUTO_TEST_CASE(store_to_next_word_then_execute) {
  Rig r;
  r.cpu.R[0] = 0;
  r.cpu.R[4] = imm(MOV, 1, 0, 7);
  r.put(0, {stw(4, 0, 4), imm(MOV, 1, 0, 5)});
  r.cpu.PC = 0;
  r.cpu.run(2);
  BOOST_TEST(r.cpu.R[1] == 7u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(branch)

struct CondCase {
  uint32_t cond;
  bool n, z, c, v;
  bool taken;
};

// Every condition true and false, flags chosen by hand: MI N; EQ Z; CS C; VS V; LS C|Z;
// LT N^V; LE (N^V)|Z; T always; 8+x negates x.
const CondCase kCondCases[] = {
    {MI, 1, 0, 0, 0, true},  {MI, 0, 0, 0, 0, false}, {PL, 0, 1, 1, 1, true},  {PL, 1, 0, 0, 0, false},
    {EQ, 0, 1, 0, 0, true},  {EQ, 1, 0, 1, 1, false}, {NE, 1, 0, 1, 1, true},  {NE, 0, 1, 0, 0, false},
    {CS, 0, 0, 1, 0, true},  {CS, 1, 1, 0, 1, false}, {CC, 1, 1, 0, 1, true},  {CC, 0, 0, 1, 0, false},
    {VS, 0, 0, 0, 1, true},  {VS, 1, 1, 1, 0, false}, {VC, 1, 1, 1, 0, true},  {VC, 0, 0, 0, 1, false},
    {LS, 0, 0, 1, 0, true},  {LS, 0, 1, 0, 0, true},  {LS, 1, 0, 0, 1, false}, {HI, 1, 0, 0, 1, true},
    {HI, 0, 0, 1, 0, false}, {HI, 0, 1, 0, 0, false}, {LT, 1, 0, 0, 0, true},  {LT, 0, 0, 0, 1, true},
    {LT, 1, 0, 0, 1, false}, {LT, 0, 1, 1, 0, false}, {GE, 1, 0, 0, 1, true},  {GE, 0, 0, 0, 0, true},
    {GE, 1, 0, 0, 0, false}, {GE, 0, 0, 0, 1, false}, {LE, 0, 1, 0, 0, true},  {LE, 1, 0, 0, 0, true},
    {LE, 0, 0, 0, 1, true},  {LE, 1, 1, 0, 1, true},  {LE, 0, 0, 1, 0, false}, {LE, 1, 0, 1, 1, false},
    {GT, 0, 0, 1, 0, true},  {GT, 1, 0, 0, 1, true},  {GT, 0, 1, 0, 0, false}, {GT, 1, 0, 0, 0, false},
    {GT, 0, 0, 0, 1, false}, {T, 0, 0, 0, 0, true},   {T, 1, 1, 1, 1, true},   {F, 0, 0, 0, 0, false},
    {F, 1, 1, 1, 1, false},
};

// B cond +5 at word 0: taken -> PC = 0+1+5 = 6, else 1; flags and R15 untouched (v = 0).
BOOST_AUTO_TEST_CASE(every_condition) {
  for (const CondCase& k : kCondCases) {
    Rig r;
    r.cpu.R[15] = 0x1234;
    r.setFlags(k.n, k.z, k.c, k.v);
    r.exec1(bra(k.cond, 5));
    BOOST_TEST_CONTEXT("cond " << k.cond << " NZCV " << k.n << k.z << k.c << k.v) {
      BOOST_TEST(r.cpu.PC == (k.taken ? 6u : 1u));
      BOOST_TEST(r.cpu.R[15] == 0x1234u);
      BOOST_TEST((r.cpu.N == k.n && r.cpu.Z == k.z && r.cpu.C == k.c && r.cpu.V == k.v));
    }
  }
}

// Register branches use the same conditions: BR EQ R3 with R3 = 400H -> word 100H when Z, else PC+1.
BOOST_AUTO_TEST_CASE(every_condition_register_form) {
  for (const CondCase& k : kCondCases) {
    Rig r;
    r.cpu.R[3] = 0x400;
    r.setFlags(k.n, k.z, k.c, k.v);
    r.exec1(br(k.cond, 3), 8);
    BOOST_TEST_CONTEXT("cond " << k.cond << " NZCV " << k.n << k.z << k.c << k.v) {
      BOOST_TEST(r.cpu.PC == (k.taken ? 0x100u : 9u));
    }
  }
}

// PC-relative: at word 10, off -4 -> 10+1-4 = 7; off -1 -> 10 (self loop); off 0 -> 11;
// large: at 0, +1000H -> 1001H; at 20000H, -10000H -> 10001H.
BOOST_AUTO_TEST_CASE(relative_forward_and_backward) {
  Rig r;
  r.exec1(bra(T, -4), 10);
  BOOST_TEST(r.cpu.PC == 7u);
  r.exec1(bra(T, -1), 10);
  BOOST_TEST(r.cpu.PC == 10u);
  r.exec1(bra(T, 0), 10);
  BOOST_TEST(r.cpu.PC == 11u);
  r.exec1(bra(T, 0x1000), 0);
  BOOST_TEST(r.cpu.PC == 0x1001u);
  r.exec1(bra(T, -0x10000), 0x20000);
  BOOST_TEST(r.cpu.PC == 0x10001u);
}

// A branch-back loop counts: R1 := 3; L: SUB R1,R1,1; BNE L -> 3 SUBs, 3 BNEs, ends at word 3.
BOOST_AUTO_TEST_CASE(countdown_loop) {
  Rig r;
  r.put(0, {imm(MOV, 1, 0, 3), imm(SUB, 1, 1, 1), bra(NE, -2), imm(MOV, 2, 0, 1)});
  r.cpu.PC = 0;
  BOOST_TEST(r.cpu.run(7) == 7u);
  BOOST_TEST(r.cpu.R[1] == 0u);
  BOOST_TEST(r.cpu.PC == 3u);
  BOOST_TEST(r.cpu.Z);
}

// BL at word 10, off 20 -> PC = 31, R15 = (10+1)*4 = 44; N,Z from 44 (both 0); C,V unchanged.
BOOST_AUTO_TEST_CASE(branch_and_link_relative) {
  Rig r;
  r.setFlags(true, true, true, true);
  r.exec1(bl(T, 20), 10);
  BOOST_TEST(r.cpu.PC == 31u);
  BOOST_TEST(r.cpu.R[15] == 44u);
  BOOST_TEST(!r.cpu.N);
  BOOST_TEST(!r.cpu.Z);
  BOOST_TEST(r.cpu.C);
  BOOST_TEST(r.cpu.V);
}

// BLR R3 at word 10, R3 = 200H -> PC = 80H, R15 = 44, N=Z=0.
BOOST_AUTO_TEST_CASE(branch_and_link_register) {
  Rig r;
  r.cpu.R[3] = 0x200;
  r.setFlags(true, true, false, false);
  r.exec1(blr(T, 3), 10);
  BOOST_TEST(r.cpu.PC == 0x80u);
  BOOST_TEST(r.cpu.R[15] == 44u);
  BOOST_TEST((!r.cpu.N && !r.cpu.Z));
}

// BLR R15: the target is the old R15 (read before the link is written): R15 = 100H at word 10
// -> PC = 40H, R15 = 44.
BOOST_AUTO_TEST_CASE(branch_and_link_through_r15) {
  Rig r;
  r.cpu.R[15] = 0x100;
  r.exec1(blr(T, 15), 10);
  BOOST_TEST(r.cpu.PC == 0x40u);
  BOOST_TEST(r.cpu.R[15] == 44u);
}

// A not-taken BL writes nothing: regwr needs BR & cond & v. R15 and N Z stay.
BOOST_AUTO_TEST_CASE(branch_and_link_not_taken) {
  Rig r;
  r.cpu.R[15] = 0x5678;
  r.setFlags(true, false, false, false);
  r.exec1(bl(EQ, 20), 10);
  BOOST_TEST(r.cpu.PC == 11u);
  BOOST_TEST(r.cpu.R[15] == 0x5678u);
  BOOST_TEST((r.cpu.N && !r.cpu.Z));
  r.cpu.R[3] = 0x200;
  r.exec1(blr(F, 3), 10);
  BOOST_TEST(r.cpu.PC == 11u);
  BOOST_TEST(r.cpu.R[15] == 0x5678u);
}

// A call and return: BL +2 at 0 (R15 = 4), callee MOV R1,1; BR R15 -> back at word 1.
BOOST_AUTO_TEST_CASE(call_and_return) {
  Rig r;
  r.put(0, {bl(T, 2), imm(MOV, 2, 0, 2), bra(T, -1), imm(MOV, 1, 0, 1), br(T, 15)});
  r.cpu.PC = 0;
  BOOST_TEST(r.cpu.run(4) == 4u);  // BL, MOV R1, BR R15, MOV R2
  BOOST_TEST(r.cpu.R[15] == 4u);
  BOOST_TEST(r.cpu.R[1] == 1u);
  BOOST_TEST(r.cpu.R[2] == 2u);
  BOOST_TEST(r.cpu.PC == 2u);
}

// ORG's trap call BLR cond, pos*100H + num*10H + MT: IR[23:4] carry the trap data and are ignored
// by the register branch (target from c = 12 only): R12 = 80H -> PC = 20H, R15 = (5+1)*4.
// num = 3 sets IR[5:4], but v = 1, so this is neither RTI nor STI (both need u = v = 0).
BOOST_AUTO_TEST_CASE(trap_style_branch_ignores_upper_fields) {
  Rig r;
  r.cpu.R[12] = 0x80;
  r.exec1(blr(T, 12) | 0x123400u | 0x30u, 5);
  BOOST_TEST(r.cpu.PC == 0x20u);
  BOOST_TEST(r.cpu.R[15] == 24u);
  BOOST_TEST(!r.cpu.intEnb);
  BOOST_TEST(!r.cpu.intMd);
}

BOOST_AUTO_TEST_SUITE_END()
