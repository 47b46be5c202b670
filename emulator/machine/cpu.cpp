// RISC5 interpreter. The hardware reference is Wirth's RISC5.v of 31.8.2018; comments name its
// signals where the emulation follows them literally.
//
// Each RAM word is decoded once into a Decoded entry {kind, a, b, c, imm} and then executed by
// one switch. Branch targets of PC-relative branches and the 32-bit value of immediates are
// precomputed. Stores clear the entry of the word they change (Oberon loads code at run time).
// ROM words are decoded on every fetch: the ROM only runs during boot.
//
// Deviations from the FPGA, all invisible to Oberon:
// - The PC and addresses are 32 bits wide (the board decodes 24); the ROM sits at 0FFFFF800H.
// - A fetch from outside RAM and ROM stops the CPU with CpuFault::pcOutsideMemory instead of
//   executing whatever the bus returns.
// - A pending millisecond interrupt is taken at the start of a run() slice, not after the very
//   next instruction (the Machine runs slices of at most 0.1 ms of guest time).
#include "cpu.h"

#include "bus.h"
#include "fp.h"

namespace risc5 {

namespace {

// Decoded kinds. Register-format operations have a register (R) and an immediate (I) form.
enum Kind : uint8_t {
  kUndecoded = 0,
  kMovI, kMovR, kMovH, kMovFlags,
  kLslR, kLslI, kAsrR, kAsrI, kRorR, kRorI,
  kAndR, kAndI, kAnnR, kAnnI, kIorR, kIorI, kXorR, kXorI,
  kAddR, kAddI, kAddcR, kAddcI, kSubR, kSubI, kSubcR, kSubcI,
  kMulR, kMulI, kMuluR, kMuluI, kDivR, kDivI, kDivuR, kDivuI,
  kFad, kFsb, kFml, kFdv,  // operands always registers b and c (RISC5.v feeds C0 to the FPU)
  kLdw, kLdb, kStw, kStb,
  kNop,                    // branch with condition "never" and no side effect
  kJmp, kJmpR,             // unconditional branches (PC-relative, register)
  kCall, kCallR,           // unconditional branch and link
  kBcc, kBccR,             // conditional branches (cond in a)
  kBlcc, kBlccR,           // conditional branch and link
  kSpecial,                // u = 0, v = 0 with IR[4] (RTI) or IR[5] (STI/CLI)
};

constexpr uint32_t kOpMov = 0, kOpLsl = 1, kOpAsr = 2, kOpRor = 3, kOpAnd = 4, kOpAnn = 5,
                   kOpIor = 6, kOpXor = 7, kOpAdd = 8, kOpSub = 9, kOpMul = 10, kOpDiv = 11,
                   kOpFad = 12, kOpFsb = 13, kOpFml = 14, kOpFdv = 15;

// cond of RISC5.v: IR[27] negates MI EQ CS VS LS LT LE T.
inline bool condition(uint32_t cond, bool N, bool Z, bool C, bool V) {
  bool t;
  switch (cond & 7) {
    case 0: t = N; break;
    case 1: t = Z; break;
    case 2: t = C; break;
    case 3: t = V; break;
    case 4: t = C || Z; break;
    case 5: t = N != V; break;
    case 6: t = (N != V) || Z; break;
    default: t = true; break;
  }
  return t != ((cond & 8) != 0);
}

// Carry and overflow exactly as RISC5.v's cx and vv: from the sign bits of the operands B and
// C1 and of the result (sa, sb, sc); this is the true carry, also with a carry in.
inline void addFlags(uint32_t b, uint32_t c, uint32_t s, bool& C, bool& V) {
  bool sa = s >> 31, sb = b >> 31, sc = c >> 31;
  C = (!sb && sc && !sa) || (sb && sc && sa) || (sb && !sa);
  V = (sa && !sb && !sc) || (!sa && sb && sc);
}
inline void subFlags(uint32_t b, uint32_t c, uint32_t s, bool& C, bool& V) {
  bool sa = s >> 31, sb = b >> 31, sc = c >> 31;
  C = (!sb && sc && !sa) || (sb && sc && sa) || (!sb && sa);
  V = (sa && !sb && sc) || (!sa && sb && !sc);
}

// Divider.v: signed mode handles a negative dividend only (quotient floored, remainder >= 0);
// the divisor is taken as unsigned. A zero divisor makes the restoring divider subtract at
// every step: quotient all ones, remainder = the (absolute) dividend. No host exception.
inline void divide(uint32_t x, uint32_t y, bool isSigned, uint32_t& quot, uint32_t& rem) {
  bool negative = isSigned && (x >> 31);
  uint32_t x0 = negative ? 0u - x : x;
  uint32_t q, r;
  if (y == 0) {
    q = 0xFFFFFFFFu;
    r = x0;
  } else {
    q = x0 / y;
    r = x0 % y;
  }
  if (negative) {
    if (r != 0) {
      q = ~q;  // -q - 1
      r = y - r;
    } else {
      q = 0u - q;
    }
  }
  quot = q;
  rem = r;
}

inline uint32_t shiftRightArith(uint32_t x, uint32_t n) {
  return static_cast<uint32_t>(static_cast<int32_t>(x) >> (n & 31));
}
inline uint32_t rotateRight(uint32_t x, uint32_t n) {
  n &= 31;
  return n == 0 ? x : (x >> n) | (x << (32 - n));
}

}  // namespace

Cpu::Cpu(Memory& memory, Bus& bus) : memory_(memory), bus_(bus) {}

void Cpu::reset() {
  PC = kRomStart / 4;
  N = Z = C = V = false;
  intEnb = intPnd = intMd = false;
  fault = CpuFault::none;
}

Decoded Cpu::decode(uint32_t ir, uint32_t pc) const {
  Decoded d;
  const uint32_t a = (ir >> 24) & 15, b = (ir >> 20) & 15, op = (ir >> 16) & 15, c = ir & 15;
  const bool p = ir >> 31, q = (ir >> 30) & 1, u = (ir >> 29) & 1, v = (ir >> 28) & 1;
  d.a = static_cast<uint8_t>(a);
  d.b = static_cast<uint8_t>(b);
  d.c = static_cast<uint8_t>(c);
  if (!p) {
    // C1 = q ? {16{v}, imm} : C0
    const uint32_t imm = (ir & 0xFFFF) | (v ? 0xFFFF0000u : 0);
    d.imm = imm;
    auto pick = [&](Kind reg, Kind immediate) { d.kind = q ? immediate : reg; };
    switch (op) {
      case kOpMov:
        if (q) {
          d.kind = kMovI;
          d.imm = u ? (ir & 0xFFFF) << 16 : imm;
        } else {
          d.kind = !u ? kMovR : (v ? kMovFlags : kMovH);
        }
        break;
      case kOpLsl: pick(kLslR, kLslI); break;
      case kOpAsr: pick(kAsrR, kAsrI); break;
      case kOpRor: pick(kRorR, kRorI); break;
      case kOpAnd: pick(kAndR, kAndI); break;
      case kOpAnn: pick(kAnnR, kAnnI); break;
      case kOpIor: pick(kIorR, kIorI); break;
      case kOpXor: pick(kXorR, kXorI); break;
      case kOpAdd: u ? pick(kAddcR, kAddcI) : pick(kAddR, kAddI); break;
      case kOpSub: u ? pick(kSubcR, kSubcI) : pick(kSubR, kSubI); break;
      case kOpMul: u ? pick(kMuluR, kMuluI) : pick(kMulR, kMulI); break;
      case kOpDiv: u ? pick(kDivuR, kDivuI) : pick(kDivR, kDivI); break;
      case kOpFad: d.kind = kFad; d.imm = (u ? 1u : 0u) | (v ? 2u : 0u); break;
      case kOpFsb: d.kind = kFsb; d.imm = (u ? 1u : 0u) | (v ? 2u : 0u); break;
      case kOpFml: d.kind = kFml; break;
      case kOpFdv: d.kind = kFdv; break;
    }
  } else if (!q) {
    // Memory: adr = B + sign-extended 20-bit offset.
    uint32_t off = ir & 0xFFFFF;
    d.imm = (off & 0x80000) ? (off | 0xFFF00000u) : off;
    d.kind = u ? (v ? kStb : kStw) : (v ? kLdb : kLdw);
  } else {
    // Branch: u = PC-relative 24-bit word offset from PC+1, else register c; v = link.
    const uint32_t cond = a;
    if (u) {
      uint32_t off = ir & 0xFFFFFF;
      if (off & 0x800000) off |= 0xFF000000u;
      d.imm = pc + 1 + off;
    } else {
      d.imm = (ir >> 4) & 15;  // Oberon's trap number (0 is NEW, not an error)
    }
    if (!u && !v && (ir & 0x30)) {
      d.kind = kSpecial;
      d.imm = ir;
    } else if (cond == 15) {
      d.kind = kNop;  // "never": no jump, and no link either (regwr needs cond)
    } else if (cond == 7) {
      d.kind = v ? (u ? kCall : kCallR) : (u ? kJmp : kJmpR);
    } else {
      d.kind = v ? (u ? kBlcc : kBlccR) : (u ? kBcc : kBccR);
    }
  }
  return d;
}

bool Cpu::fetchSlow(uint32_t pc, Decoded& out) {
  const uint32_t romFirst = kRomStart / 4;
  if (pc - romFirst < kRomWords) {
    out = decode(memory_.rom()[pc - romFirst], pc);
    return true;
  }
  return false;
}

uint32_t Cpu::loadSlow(uint32_t address, bool byte) {
  uint32_t word = bus_.read(address & ~3u);
  return byte ? (word >> ((address & 3) * 8)) & 0xFF : word;
}

void Cpu::storeSlow(uint32_t address, uint32_t value, bool byte) {
  // Byte stores put the byte in its lane (RISC5.v outbus); I/O registers see the whole word.
  if (byte) value = (value & 0xFF) << ((address & 3) * 8);
  bus_.write(address & ~3u, value);
}

void Cpu::takeInterrupt(uint32_t& pc, bool& n, bool& z, bool& c, bool& v) {
  // intAck: SPC := {N, Z, C, OV, next PC}; PC := 1 (byte address 4); intMd := 1.
  SPC = pc;
  savedN = n; savedZ = z; savedC = c; savedV = v;
  intPnd = false;
  intMd = true;
  pc = 1;
}

uint64_t Cpu::run(uint64_t budget) {
  stopRequested_ = false;
  uint32_t* const ram = memory_.words();
  uint8_t* const ramBytes = reinterpret_cast<uint8_t*>(ram);  // little-endian host
  Decoded* const cache = memory_.decodeCache();
  const uint32_t ramWords = memory_.ramWords();
  const uint32_t ramSize = ramWords * 4;

  // Hot state in locals; written back on exit.
  uint32_t r[16];
  for (int i = 0; i < 16; ++i) r[i] = R[i];
  uint32_t pc = PC, h = H;
  bool n = N, z = Z, c = C, v = V;

  if (intPnd && intEnb && !intMd) takeInterrupt(pc, n, z, c, v);

  auto set = [&](uint32_t reg, uint32_t value) {
    r[reg] = value;
    n = static_cast<int32_t>(value) < 0;
    z = value == 0;
  };

  uint64_t done = 0;
  while (done < budget) {
    Decoded d;
    if (pc < ramWords) [[likely]] {
      d = cache[pc];
      if (d.kind == kUndecoded) [[unlikely]] {
        d = decode(ram[pc], pc);
        cache[pc] = d;
      }
    } else if (!fetchSlow(pc, d)) {
      fault = CpuFault::pcOutsideMemory;
      faultAddress = pc * 4;
      break;
    }
    ++done;
    uint32_t next = pc + 1;
    switch (d.kind) {
      case kMovI: set(d.a, d.imm); break;
      case kMovR: set(d.a, r[d.c]); break;
      case kMovH: set(d.a, h); break;
      case kMovFlags:
        set(d.a, (uint32_t{n} << 31) | (uint32_t{z} << 30) | (uint32_t{c} << 29) |
                     (uint32_t{v} << 28) | kVersion);
        break;
      case kLslR: set(d.a, r[d.b] << (r[d.c] & 31)); break;
      case kLslI: set(d.a, r[d.b] << (d.imm & 31)); break;
      case kAsrR: set(d.a, shiftRightArith(r[d.b], r[d.c])); break;
      case kAsrI: set(d.a, shiftRightArith(r[d.b], d.imm)); break;
      case kRorR: set(d.a, rotateRight(r[d.b], r[d.c])); break;
      case kRorI: set(d.a, rotateRight(r[d.b], d.imm)); break;
      case kAndR: set(d.a, r[d.b] & r[d.c]); break;
      case kAndI: set(d.a, r[d.b] & d.imm); break;
      case kAnnR: set(d.a, r[d.b] & ~r[d.c]); break;
      case kAnnI: set(d.a, r[d.b] & ~d.imm); break;
      case kIorR: set(d.a, r[d.b] | r[d.c]); break;
      case kIorI: set(d.a, r[d.b] | d.imm); break;
      case kXorR: set(d.a, r[d.b] ^ r[d.c]); break;
      case kXorI: set(d.a, r[d.b] ^ d.imm); break;
      case kAddR: case kAddI: case kAddcR: case kAddcI: {
        uint32_t x = r[d.b];
        uint32_t y = (d.kind == kAddR || d.kind == kAddcR) ? r[d.c] : d.imm;
        uint32_t s = x + y + ((d.kind == kAddcR || d.kind == kAddcI) ? uint32_t{c} : 0u);
        addFlags(x, y, s, c, v);
        set(d.a, s);
        break;
      }
      case kSubR: case kSubI: case kSubcR: case kSubcI: {
        uint32_t x = r[d.b];
        uint32_t y = (d.kind == kSubR || d.kind == kSubcR) ? r[d.c] : d.imm;
        uint32_t s = x - y - ((d.kind == kSubcR || d.kind == kSubcI) ? uint32_t{c} : 0u);
        subFlags(x, y, s, c, v);
        set(d.a, s);
        break;
      }
      case kMulR: case kMulI: {
        int64_t p = int64_t{static_cast<int32_t>(r[d.b])} *
                    static_cast<int32_t>(d.kind == kMulR ? r[d.c] : d.imm);
        h = static_cast<uint32_t>(static_cast<uint64_t>(p) >> 32);
        set(d.a, static_cast<uint32_t>(p));
        break;
      }
      case kMuluR: case kMuluI: {
        uint64_t p = uint64_t{r[d.b]} * (d.kind == kMuluR ? r[d.c] : d.imm);
        h = static_cast<uint32_t>(p >> 32);
        set(d.a, static_cast<uint32_t>(p));
        break;
      }
      case kDivR: case kDivI: case kDivuR: case kDivuI: {
        uint32_t y = (d.kind == kDivR || d.kind == kDivuR) ? r[d.c] : d.imm;
        uint32_t quot, rem;
        divide(r[d.b], y, d.kind == kDivR || d.kind == kDivI, quot, rem);
        h = rem;
        set(d.a, quot);
        break;
      }
      case kFad: set(d.a, fp::add(r[d.b], r[d.c], d.imm & 1, d.imm & 2)); break;
      case kFsb: set(d.a, fp::add(r[d.b], r[d.c] ^ 0x80000000u, d.imm & 1, d.imm & 2)); break;
      case kFml: set(d.a, fp::mul(r[d.b], r[d.c])); break;
      case kFdv: set(d.a, fp::div(r[d.b], r[d.c])); break;
      case kLdw: {
        uint32_t address = r[d.b] + d.imm;
        uint32_t value;
        if (address < ramSize) [[likely]] {
          value = ram[address >> 2];
        } else {
          value = loadSlow(address, false);
          if (stopRequested_) budget = done;
        }
        set(d.a, value);
        break;
      }
      case kLdb: {
        uint32_t address = r[d.b] + d.imm;
        uint32_t value;
        if (address < ramSize) [[likely]] {
          value = ramBytes[address];
        } else {
          value = loadSlow(address, true);
          if (stopRequested_) budget = done;
        }
        set(d.a, value);
        break;
      }
      case kStw: {
        uint32_t address = r[d.b] + d.imm;
        if (address < ramSize) [[likely]] {
          ram[address >> 2] = r[d.a];
          cache[address >> 2].kind = kUndecoded;
          memory_.noteDisplayStore(address);
        } else {
          storeSlow(address, r[d.a], false);
          if (stopRequested_) budget = done;
        }
        break;
      }
      case kStb: {
        uint32_t address = r[d.b] + d.imm;
        if (address < ramSize) [[likely]] {
          ramBytes[address] = static_cast<uint8_t>(r[d.a]);
          cache[address >> 2].kind = kUndecoded;
          memory_.noteDisplayStore(address);
        } else {
          storeSlow(address, r[d.a], true);
          if (stopRequested_) budget = done;
        }
        break;
      }
      case kNop: break;
      case kJmp: next = d.imm; break;
      case kJmpR: next = r[d.c] >> 2; break;
      case kCall: set(15, next * 4); next = d.imm; break;
      case kCallR: {
        uint32_t target = r[d.c] >> 2;
        if (target == 8 && d.imm != 0) ++trapEntries;  // Oberon's trap: BLR through MT = 20H
        set(15, next * 4);
        next = target;
        break;
      }
      case kBcc:
        if (condition(d.a, n, z, c, v)) next = d.imm;
        break;
      case kBccR:
        if (condition(d.a, n, z, c, v)) next = r[d.c] >> 2;
        break;
      case kBlcc:
        if (condition(d.a, n, z, c, v)) {
          set(15, next * 4);
          next = d.imm;
        }
        break;
      case kBlccR:
        if (condition(d.a, n, z, c, v)) {
          uint32_t target = r[d.c] >> 2;
          if (target == 8 && d.imm != 0) ++trapEntries;
          set(15, next * 4);
          next = target;
        }
        break;
      case kSpecial: {
        const uint32_t ir = d.imm;
        // intEnb <= (BR & ~u & ~v & IR[5]) ? IR[0] : intEnb
        if (ir & 0x20) intEnb = ir & 1;
        if (ir & 0x10) {
          // RTI: PC := SPC and flags restored, whatever the condition.
          next = SPC;
          n = savedN; z = savedZ; c = savedC; v = savedV;
          intMd = false;
        } else if (condition(d.a, n, z, c, v)) {
          next = r[d.c] >> 2;  // the branch itself is taken per cond (pcmux0)
        }
        break;
      }
      default: break;
    }
    pc = next;
  }

  for (int i = 0; i < 16; ++i) R[i] = r[i];
  PC = pc;
  H = h;
  N = n; Z = z; C = c; V = v;
  return done;
}

}  // namespace risc5
