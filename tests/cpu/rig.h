// Test rig for the per-instruction CPU tests: a 1 MiB machine with an empty boot ROM, and
// instruction encoders written from the formats in ORG.Mod / RISC5.v (31.8.2018), independent of
// the project's assembler.
//
//   register  p=0: q u v a[27:24] b[23:20] op[19:16], q=1: imm[15:0] (upper half := v), q=0: c[3:0]
//   memory    p=1 q=0: u = store, v = byte, a, b, off[19:0] (signed, bytes)
//   branch    p=1 q=1: u = PC-relative (off[23:0] words from PC+1) else register c, v = link,
//             cond[27:24] (bit 27 negates)
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "emulator/machine/machine.h"

namespace rig {

// Register-format opcodes (ORG.Mod names).
enum Op : uint32_t {
  MOV = 0, LSL = 1, ASR = 2, ROR = 3, AND = 4, ANN = 5, IOR = 6, XOR = 7,
  ADD = 8, SUB = 9, MUL = 10, DIV = 11, FAD = 12, FSB = 13, FML = 14, FDV = 15
};

// Branch conditions (cond field; 8 + x is the negation of x).
enum Cond : uint32_t {
  MI = 0, EQ = 1, CS = 2, VS = 3, LS = 4, LT = 5, LE = 6, T = 7,
  PL = 8, NE = 9, CC = 10, VC = 11, HI = 12, GE = 13, GT = 14, F = 15
};

constexpr uint32_t kU = 1u << 29;
constexpr uint32_t kV = 1u << 28;

// Register operand: R.a := R.b op R.c
constexpr uint32_t reg(uint32_t op, uint32_t a, uint32_t b, uint32_t c, bool u = false,
                       bool v = false) {
  return (u ? kU : 0) | (v ? kV : 0) | a << 24 | b << 20 | op << 16 | (c & 15);
}

// Immediate operand (q = 1): R.a := R.b op {16 x v, imm}. v is given explicitly, not derived.
constexpr uint32_t imm(uint32_t op, uint32_t a, uint32_t b, uint32_t im, bool u = false,
                       bool v = false) {
  return 1u << 30 | (u ? kU : 0) | (v ? kV : 0) | a << 24 | b << 20 | op << 16 | (im & 0xFFFF);
}

// Memory format: off is a signed byte offset (20 bits).
constexpr uint32_t mem(bool store, bool byte, uint32_t a, uint32_t b, int32_t off) {
  return 1u << 31 | (store ? kU : 0) | (byte ? kV : 0) | a << 24 | b << 20 |
         (static_cast<uint32_t>(off) & 0xFFFFF);
}
constexpr uint32_t ldw(uint32_t a, uint32_t b, int32_t off) { return mem(false, false, a, b, off); }
constexpr uint32_t ldb(uint32_t a, uint32_t b, int32_t off) { return mem(false, true, a, b, off); }
constexpr uint32_t stw(uint32_t a, uint32_t b, int32_t off) { return mem(true, false, a, b, off); }
constexpr uint32_t stb(uint32_t a, uint32_t b, int32_t off) { return mem(true, true, a, b, off); }

// Branch formats. off: words relative to PC+1.
constexpr uint32_t bra(uint32_t cond, int32_t off) {
  return 3u << 30 | kU | cond << 24 | (static_cast<uint32_t>(off) & 0xFFFFFF);
}
constexpr uint32_t bl(uint32_t cond, int32_t off) { return bra(cond, off) | kV; }
constexpr uint32_t br(uint32_t cond, uint32_t c) { return 3u << 30 | cond << 24 | (c & 15); }
constexpr uint32_t blr(uint32_t cond, uint32_t c) { return br(cond, c) | kV; }

// Interrupt control (2018 core): branch format with u = v = 0.
// IR[5] = 1: intEnb := IR[0] (ORG.LDPSR emits cond F so that nothing branches).
constexpr uint32_t kSTI = (3u << 30) | (F << 24) | 0x20 | 1;  // 0CF000021H
constexpr uint32_t kCLI = (3u << 30) | (F << 24) | 0x20;      // 0CF000020H
// IR[4] = 1: RTI (ORG.Return emits BR 7, 10H).
constexpr uint32_t kRTI = (3u << 30) | (T << 24) | 0x10;      // 0C7000010H

struct Rig {
  risc5::MachineConfig cfg;
  std::vector<uint32_t> rom = std::vector<uint32_t>(512, 0);
  risc5::Machine m{cfg, rom};
  risc5::Cpu& cpu = m.cpu();

  Rig() { clear(); }
  explicit Rig(std::vector<uint32_t> romWords) : rom(std::move(romWords)) { clear(); }

  void clear() {
    cpu.PC = 0;
    setFlags(false, false, false, false);
    cpu.intEnb = cpu.intPnd = cpu.intMd = false;
    cpu.fault = risc5::CpuFault::none;
  }

  // Places words at consecutive word addresses starting at `at`.
  void put(uint32_t at, std::initializer_list<uint32_t> words) {
    for (uint32_t w : words) m.pokeWord(at++, w);
  }
  uint32_t word(uint32_t wordIndex) { return m.memory().peekWord(wordIndex); }

  void setFlags(bool n, bool z, bool c, bool v) {
    cpu.N = n;
    cpu.Z = z;
    cpu.C = c;
    cpu.V = v;
  }

  // Runs one instruction at word address `at` with the given program.
  uint64_t exec1(uint32_t instr, uint32_t at = 0) {
    put(at, {instr});
    cpu.PC = at;
    return cpu.run(1);
  }
};

}  // namespace rig
