// The RISC5 instruction word, as drawn in Wirth's RISC5 description and decoded by RISC5.v (field
// names p q u v, a b op c from there) and emitted by ORG.Mod (Put0..Put3), plus the interrupt
// extensions of the 2018 core. One definition for the CPU, the assembler and the disassembler.
//
//   register   p=0  [31]=0 [30]=q [29]=u [28]=v [27:24]=a [23:20]=b [19:16]=op
//                   q=1: [15:0]=imm (upper half of the operand filled with v)   q=0: [3:0]=c
//   memory     p=1 q=0  [29]=u (1 store) [28]=v (1 byte) a b [19:0]=off (signed)
//   branch     p=1 q=1  [29]=u (1: [23:0] signed word offset from PC+1; 0: register c in [3:0])
//                       [28]=v (link: R15 := PC+1 as byte address) [27:24]=cond
//   RTI        branch u=0 v=0 cond=T with IR[4]=1   (ORG: Put3(BR, 7, 10H))
//   STI/CLI    branch u=0 v=0 cond=F with IR[5]=1, IR[0] = new interrupt enable (ORG LDPSR)
#pragma once

#include <cstdint>

namespace risc5::isa {

// Register-format operations, numbered as in RISC5.v and ORG.Mod.
enum class Op : uint32_t {
  MOV, LSL, ASR, ROR, AND, ANN, IOR, XOR, ADD, SUB, MUL, DIV, FAD, FSB, FML, FDV
};

inline constexpr uint32_t kP = 1u << 31;
inline constexpr uint32_t kQ = 1u << 30;
inline constexpr uint32_t kU = 1u << 29;
inline constexpr uint32_t kV = 1u << 28;

// Branch conditions [27:24]; bit 3 negates.
enum Cond : uint32_t {
  MI = 0, EQ = 1, CS = 2, VS = 3, LS = 4, LT = 5, LE = 6, T = 7,
  PL = 8, NE = 9, CC = 10, VC = 11, HI = 12, GE = 13, GT = 14, F = 15
};

inline constexpr uint32_t kRti = 0xC7000010;  // B(T) with IR[4]
inline constexpr uint32_t kSti = 0xCF000021;  // B(F) with IR[5], IR[0]=1
inline constexpr uint32_t kCli = 0xCF000020;  // B(F) with IR[5], IR[0]=0

// Fields of an instruction word.
constexpr bool p(uint32_t ir) { return ir & kP; }
constexpr bool q(uint32_t ir) { return ir & kQ; }
constexpr bool u(uint32_t ir) { return ir & kU; }
constexpr bool v(uint32_t ir) { return ir & kV; }
constexpr uint32_t a(uint32_t ir) { return ir >> 24 & 15; }  // also a branch's cond
constexpr uint32_t b(uint32_t ir) { return ir >> 20 & 15; }
constexpr Op op(uint32_t ir) { return static_cast<Op>(ir >> 16 & 15); }
constexpr uint32_t c(uint32_t ir) { return ir & 15; }
constexpr uint32_t imm16(uint32_t ir) { return ir & 0xFFFF; }
// Memory offset, sign-extended from 20 bits (bytes).
constexpr int32_t memoryOffset(uint32_t ir) {
  return static_cast<int32_t>((ir & 0xFFFFF) ^ 0x80000) - 0x80000;
}
// PC-relative branch offset, sign-extended from 24 bits (words from PC+1).
constexpr int32_t branchOffset(uint32_t ir) {
  return static_cast<int32_t>((ir & 0xFFFFFF) ^ 0x800000) - 0x800000;
}

constexpr uint32_t encodeRegister(Op op, uint32_t a, uint32_t b, uint32_t c, bool u = false,
                                  bool v = false) {
  return (u ? kU : 0) | (v ? kV : 0) | (a & 15) << 24 | (b & 15) << 20 |
         static_cast<uint32_t>(op) << 16 | (c & 15);
}

// imm16 is the raw [15:0] field; v fills the operand's upper half.
constexpr uint32_t encodeImmediate(Op op, uint32_t a, uint32_t b, uint32_t imm16, bool u = false,
                                   bool v = false) {
  return kQ | (u ? kU : 0) | (v ? kV : 0) | (a & 15) << 24 | (b & 15) << 20 |
         static_cast<uint32_t>(op) << 16 | (imm16 & 0xFFFF);
}

// off is a signed 20-bit byte offset.
constexpr uint32_t encodeMemory(bool store, bool byte, uint32_t a, uint32_t b, int32_t off) {
  return kP | (store ? kU : 0) | (byte ? kV : 0) | (a & 15) << 24 | (b & 15) << 20 |
         (static_cast<uint32_t>(off) & 0xFFFFF);
}

// off is a signed 24-bit word offset relative to PC+1.
constexpr uint32_t encodeBranchRelative(uint32_t cond, bool link, int32_t off) {
  return kP | kQ | kU | (link ? kV : 0) | (cond & 15) << 24 |
         (static_cast<uint32_t>(off) & 0xFFFFFF);
}

constexpr uint32_t encodeBranchRegister(uint32_t cond, bool link, uint32_t c) {
  return kP | kQ | (link ? kV : 0) | (cond & 15) << 24 | (c & 15);
}

static_assert(memoryOffset(encodeMemory(false, false, 0, 0, -4)) == -4);
static_assert(branchOffset(encodeBranchRelative(T, false, -1)) == -1);

}  // namespace risc5::isa
