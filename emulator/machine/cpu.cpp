// RISC5 interpreter. The hardware reference is Wirth's RISC5.v of 31.8.2018; comments name its
// signals where the emulation follows them literally.
//
// Each RAM word is decoded once into a Decoded entry {handler, a, b, imm}; execution jumps from
// handler to handler (threaded dispatch, see run()). Branch targets of PC-relative branches and
// the 32-bit value of immediates are precomputed. Stores clear the entry of the word they change
// (Oberon loads code at run time). The ROM has a decode cache of its own; both end in a sentinel.
//
// Deviations from the FPGA, all invisible to Oberon:
// - The PC and addresses are 32 bits wide (the board decodes 24); the ROM sits at 0FFFFF800H.
// - A fetch from outside RAM and ROM stops the CPU with CpuFault::pcOutsideMemory instead of
//   executing whatever the bus returns.
// - A millisecond tick is noticed at the start of a run() slice or right after STI/RTI, not at
//   the very next instruction. The Machine runs slices of at most 50,000 instructions: 2 ms on
//   the 25 MHz board, well under 0.1 ms of host time at this interpreter's speed.
#include "cpu.h"

#include <algorithm>
#include <array>

#include "bus.h"
#include "emulator/base/isa.h"
#include "fp.h"
#include "muldiv.h"
#ifdef OBERON_JIT
#include "emulator/machine/jit/translator.h"
#endif

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
  // PC-relative conditional branches, one kind per condition (tested without the table).
  kBmi, kBeq, kBcs, kBvs, kBls, kBlt, kBle,
  kBpl, kBne, kBcc, kBvc, kBhi, kBge, kBgt,
  kBcondR,                 // conditional branch to register c (cond in a)
  kBlcond, kBlcondR,       // conditional branch and link (cond in a)
  kSpecial,                // u = 0, v = 0 with IR[4] (RTI) or IR[5] (STI/CLI)
  kEnd,                    // sentinel after the last RAM or ROM word: fetch again by pc
};

// cond of RISC5.v: IR[27] negates MI EQ CS VS LS LT LE T. Evaluated through a table: bit f of
// kConditionTable[cond] is the outcome for flags f = N<<3 | Z<<2 | C<<1 | V (no branches).
constexpr uint16_t conditionMask(uint32_t cond) {
  uint16_t mask = 0;
  for (uint32_t f = 0; f < 16; ++f) {
    bool N = f & 8, Z = f & 4, C = f & 2, V = f & 1, t = true;
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
    if (t != ((cond & 8) != 0)) mask |= static_cast<uint16_t>(1u << f);
  }
  return mask;
}
constexpr auto kConditionTable = [] {
  std::array<uint16_t, 16> t{};
  for (uint32_t c = 0; c < 16; ++c) t[c] = conditionMask(c);
  return t;
}();
inline bool condition(uint32_t cond, uint32_t N, uint32_t Z, uint32_t C, uint32_t V) {
  return (kConditionTable[cond] >> ((N << 3) | (Z << 2) | (C << 1) | V)) & 1;
}

// Carry and overflow as RISC5.v's cx and vv: functions of the sign bits of the operands B and C1
// and of the result (sa, sb, sc), written as bit operations on whole words (bit 31 is the
// answer). cx is the true carry (for SUB, the borrow), also with a carry in.
//   ADD: cx = (~sb & sc & ~sa) | (sb & sc & sa) | (sb & ~sa) = (sb & sc) | ((sb | sc) & ~sa)
//        vv = (sa & ~sb & ~sc) | (~sa & sb & sc)           = (sb ^ sa) & (sc ^ sa)
//   SUB: cx = (~sb & sc & ~sa) | (sb & sc & sa) | (~sb & sa) = (~sb & sc) | ((~sb | sc) & sa)
//        vv = (sa & ~sb & sc) | (~sa & sb & ~sc)           = (sb ^ sc) & (sb ^ sa)
inline void addFlags(uint32_t b, uint32_t c, uint32_t s, uint32_t& C, uint32_t& V) {
  C = ((b & c) | ((b | c) & ~s)) >> 31;
  V = ((b ^ s) & (c ^ s)) >> 31;
}
inline void subFlags(uint32_t b, uint32_t c, uint32_t s, uint32_t& C, uint32_t& V) {
  C = ((~b & c) | ((~b | c) & s)) >> 31;
  V = ((b ^ c) & (b ^ s)) >> 31;
}

inline uint32_t shiftRightArith(uint32_t x, uint32_t n) {
  return static_cast<uint32_t>(static_cast<int32_t>(x) >> (n & 31));
}
inline uint32_t rotateRight(uint32_t x, uint32_t n) {
  n &= 31;
  return n == 0 ? x : (x >> n) | (x << (32 - n));
}

}  // namespace

Cpu::Cpu(Memory& memory, Bus& bus)
    : memory_(memory), ramCode_(memory.ramWords() + 1), bus_(bus) {}

Cpu::~Cpu() = default;

void Cpu::TranslatorDeleter::operator()(jit::Translator* translator) const {
#ifdef OBERON_JIT
  delete translator;
#else
  (void)translator;  // never made without the translator
#endif
}

bool Cpu::translatorAvailable() {
#ifdef OBERON_JIT
  return true;
#else
  return false;
#endif
}

bool Cpu::setMode(CpuMode mode, size_t jitCacheBytes) {
#ifdef OBERON_JIT
  jitCacheBytes = std::clamp(jitCacheBytes, kJitCacheMinBytes, kJitCacheMaxBytes);
  if (mode == mode_ && (mode == CpuMode::interp || jit_->cacheBytes() == jitCacheBytes)) return true;
  // The interpreter instance changes (interpret()): its decode entries would point into the other.
  std::fill(ramCode_.begin(), ramCode_.end(), Decoded{});
  forgetRom();
  if (mode == CpuMode::interp) {
    jit_.reset();
    codeWatch_ = nullptr;
  } else {
    jit_.reset();
    jit_.reset(new jit::Translator(*this, memory_, bus_, mode == CpuMode::lockstep, jitCacheBytes));
    codeWatch_ = jit_->codeMap();
  }
  mode_ = mode;
  return true;
#else
  (void)jitCacheBytes;
  return mode == CpuMode::interp;
#endif
}

void Cpu::forget(uint32_t firstWord, uint32_t endWord) {
  endWord = std::min(endWord, memory_.ramWords());
  for (uint32_t w = firstWord; w < endWord; ++w) ramCode_[w].op = 0;
#ifdef OBERON_JIT
  if (jit_) jit_->forget(firstWord, endWord);
#endif
}

void Cpu::forgetAll() {
  std::fill(ramCode_.begin(), ramCode_.end(), Decoded{});
#ifdef OBERON_JIT
  if (jit_) jit_->forgetAll();
#endif
}

std::string Cpu::translatorSummary() const {
#ifdef OBERON_JIT
  if (jit_)
    return "translator (" + std::to_string(jit_->cacheBytes() >> 20) + " MiB code cache): " + jit_->stats().summary();
#endif
  return "interpreter only: no translator statistics";
}

std::string Cpu::lockstepReport() const {
#ifdef OBERON_JIT
  if (jit_ && !jit_->difference().what.empty()) return jit_->difference().report();
#endif
  return {};
}

void Cpu::translatedCodeStored(uint32_t word) {
#ifdef OBERON_JIT
  jit_->invalidateWord(word);
#else
  (void)word;
#endif
}

void Cpu::enterInterrupt() {
  // takeInterrupt() on the architectural state (the translator's slice start).
  SPC = PC;
  savedN = N;
  savedZ = Z;
  savedC = C;
  savedV = V;
  intPnd = false;
  intMd = true;
  PC = 1;
}

void Cpu::reset() {
  forgetRom();
  PC = kRomStart / 4;
  N = Z = C = V = false;
  intEnb = intPnd = intMd = false;
  owedTicks = 0;
  fault = CpuFault::none;
}

Decoded Cpu::decode(uint32_t ir, uint32_t pc) const {
  Decoded d;
  const uint32_t a = isa::a(ir), b = isa::b(ir), c = isa::c(ir);
  const bool p = isa::p(ir), q = isa::q(ir), u = isa::u(ir), v = isa::v(ir);
  d.a = static_cast<uint8_t>(a);
  d.b = static_cast<uint8_t>(b);
  if (!p) {
    // C1 = q ? {16{v}, imm} : C0
    const uint32_t imm = isa::imm16(ir) | (v ? 0xFFFF0000u : 0);
    d.imm = q ? imm : c;  // register forms keep register c in imm
    auto pick = [&](Kind reg, Kind immediate) { d.op = q ? immediate : reg; };
    using isa::Op;
    switch (isa::op(ir)) {
      case Op::MOV:
        if (q) {
          d.op = kMovI;
          d.imm = u ? isa::imm16(ir) << 16 : imm;
        } else {
          d.op = !u ? kMovR : (v ? kMovFlags : kMovH);
        }
        break;
      case Op::LSL: pick(kLslR, kLslI); break;
      case Op::ASR: pick(kAsrR, kAsrI); break;
      case Op::ROR: pick(kRorR, kRorI); break;
      case Op::AND: pick(kAndR, kAndI); break;
      case Op::ANN: pick(kAnnR, kAnnI); break;
      case Op::IOR: pick(kIorR, kIorI); break;
      case Op::XOR: pick(kXorR, kXorI); break;
      case Op::ADD: u ? pick(kAddcR, kAddcI) : pick(kAddR, kAddI); break;
      case Op::SUB: u ? pick(kSubcR, kSubcI) : pick(kSubR, kSubI); break;
      case Op::MUL: u ? pick(kMuluR, kMuluI) : pick(kMulR, kMulI); break;
      case Op::DIV: u ? pick(kDivuR, kDivuI) : pick(kDivR, kDivI); break;
      // The FPU takes register c even with q set (RISC5.v feeds it C0); u and v at bits 8, 9.
      case Op::FAD: d.op = kFad; d.imm = c | (u ? 0x100u : 0u) | (v ? 0x200u : 0u); break;
      case Op::FSB: d.op = kFsb; d.imm = c | (u ? 0x100u : 0u) | (v ? 0x200u : 0u); break;
      case Op::FML: d.op = kFml; d.imm = c; break;
      case Op::FDV: d.op = kFdv; d.imm = c; break;
    }
  } else if (!q) {
    // Memory: adr = B + sign-extended 20-bit offset.
    d.imm = static_cast<uint32_t>(isa::memoryOffset(ir));
    d.op = u ? (v ? kStb : kStw) : (v ? kLdb : kLdw);
  } else {
    // Branch: u = PC-relative 24-bit word offset from PC+1, else register c; v = link.
    const uint32_t cond = a;
    if (u) {
      d.imm = pc + 1 + static_cast<uint32_t>(isa::branchOffset(ir));
    } else {
      d.imm = c;
      d.b = static_cast<uint8_t>((ir >> 4) & 15);  // Oberon's trap number (0 is NEW, not an error)
    }
    if (!u && !v && (ir & 0x30)) {
      d.op = kSpecial;
      d.imm = ir;
    } else if (cond == isa::F) {
      d.op = kNop;  // "never": no jump, and no link either (regwr needs cond)
    } else if (cond == isa::T) {
      d.op = v ? (u ? kCall : kCallR) : (u ? kJmp : kJmpR);
    } else if (u && !v) {
      // The common case, a PC-relative branch, gets a handler per condition.
      static constexpr Kind kByCondition[16] = {kBmi, kBeq, kBcs, kBvs, kBls, kBlt, kBle, kJmp,
                                                kBpl, kBne, kBcc, kBvc, kBhi, kBge, kBgt, kNop};
      d.op = kByCondition[cond];
    } else {
      d.op = v ? (u ? kBlcond : kBlcondR) : kBcondR;
    }
  }
  return d;
}

void Cpu::forgetRom() {
  for (auto& e : romCode_) e = Decoded{};  // decoded on first execution, like RAM
}

uint32_t Cpu::loadSlow(uint32_t address, bool byte) {
  if (ioLog_) [[unlikely]] {
    if (ioLog_->replaying) {
      // The twin's turn: the device answered the other engine already.
      IoLog& log = *ioLog_;
      if (log.next < log.accesses.size()) {
        const IoLog::Access& a = log.accesses[log.next++];
        if (!a.store && a.address == address && a.byte == byte) return a.value;
      }
      log.mismatch = true;
      return 0;
    }
    uint32_t word = bus_.read(address & ~3u);
    uint32_t value = byte ? (word >> ((address & 3) * 8)) & 0xFF : word;
    ioLog_->accesses.push_back({address, value, false, byte});
    return value;
  }
  uint32_t word = bus_.read(address & ~3u);
  return byte ? (word >> ((address & 3) * 8)) & 0xFF : word;
}

void Cpu::storeSlow(uint32_t address, uint32_t value, bool byte) {
  if (ioLog_) [[unlikely]] {
    IoLog& log = *ioLog_;
    if (log.replaying) {
      if (log.next < log.accesses.size()) {
        const IoLog::Access& a = log.accesses[log.next++];
        if (a.store && a.address == address && a.byte == byte && a.value == value) return;
      }
      log.mismatch = true;
      return;
    }
    log.accesses.push_back({address, value, true, byte});
  }
  // Byte stores put the byte in its lane (RISC5.v outbus); I/O registers see the whole word->
  if (byte) value = (value & 0xFF) << ((address & 3) * 8);
  bus_.write(address & ~3u, value);
}

void Cpu::takeInterrupt(uint32_t& pc, uint32_t nv, uint32_t zv, uint32_t c, uint32_t v) {
  // intAck: SPC := {N, Z, C, OV, next PC}; PC := 1 (byte address 4); intMd := 1.
  SPC = pc;
  savedN = nv >> 31;
  savedZ = zv == 0;
  savedC = c;
  savedV = v;
  intPnd = false;
  intMd = true;
  pc = 1;
}

// The interpreter loop. Dispatch is threaded (GCC's labels as values): each handler ends in its
// own indirect jump, which the host predicts per guest instruction. On bench/machine a switch
// gave 290-380 MIPS and the first threaded version 410-430 on the same code otherwise; the later
// changes (branch-free flags, a handler per condition, offsets in the entries) gave the rest. Hot state lives in locals; N and Z are
// kept lazily as the last value written (nv: sign gives N, zv: zero gives Z).
uint64_t Cpu::run(uint64_t budget) {
  stopRequested_ = false;
#ifdef OBERON_JIT
  if (jit_) return jit_->run(budget);
#endif
  return interpret(budget);
}

// Two instances: without the translator exactly the interpreter it always was; with it, one
// that also counts arrivals at branch targets (checking for the translator in the plain one
// cost 20 % on bench/machine: 560 against 740 MIPS). Each fills the decode cache with offsets
// into its own code, so the cache is emptied whenever the CPU changes mode (setMode).
uint64_t Cpu::interpret(uint64_t budget) {
  return jitHeat_ ? interpretWith<true>(budget) : interpretWith<false>(budget);
}

template <bool kCountBranches>
uint64_t Cpu::interpretWith(uint64_t budget) {
  // Few locals on purpose: every one the host cannot keep in a register costs a reload in
  // every handler.
  uint32_t* const ram = memory_.words();
  Decoded* const cache = ramCode_.data();
  const uint32_t ramWords = memory_.ramWords();
  uint16_t* const watch = codeWatch_;
  // With the translator: run counts of branch targets; at a target that is hot (or translated)
  // the interpreter returns, so that the translator's dispatcher runs the block there.
  [[maybe_unused]] uint16_t* const heat = jitHeat_;
  [[maybe_unused]] const uint32_t hot = jitHot_;

  uint32_t r[16];
  for (int i = 0; i < 16; ++i) r[i] = R[i];
  uint32_t pc = PC, h = H;
  uint32_t nv = N ? 0x80000000u : 0u, zv = Z ? 0u : 1u;
  uint32_t c = C, v = V;  // 0 or 1

  if (intPnd && intEnb && !intMd) takeInterrupt(pc, nv, zv, c, v);

  // Writes register a and sets N and Z from the value (RISC5.v: regwr drives nn and zz).
  auto set = [&](uint32_t a, uint32_t value) {
    r[a] = value;
    nv = zv = value;
  };
  auto cond = [&](uint32_t cc) { return condition(cc, nv >> 31, zv == 0, c, v); };
  auto stored = [&](uint32_t address) {
    cache[address >> 2].op = 0;
    memory_.noteDisplayStore(address);
    if (watch && (watch[address >> 2] & 0xFF)) [[unlikely]] translatedCodeStored(address >> 2);
  };
  auto inRam = [&](uint32_t address) { return (address >> 2) < ramWords; };

  // Handlers as offsets from `undecoded`, which is offset 0: so an entry cleared to 0
  // dispatches to the decoder, and the dispatch needs no table lookup.
  const intptr_t origin = reinterpret_cast<intptr_t>(&&undecoded);
  static void* const kLabels[] = {
      &&undecoded, &&movI, &&movR, &&movH, &&movFlags, &&lslR, &&lslI, &&asrR, &&asrI, &&rorR,
      &&rorI, &&andR, &&andI, &&annR, &&annI, &&iorR, &&iorI, &&xorR, &&xorI, &&addR, &&addI,
      &&addcR, &&addcI, &&subR, &&subI, &&subcR, &&subcI, &&mulR, &&mulI, &&muluR, &&muluI,
      &&divR, &&divI, &&divuR, &&divuI, &&fad, &&fsb, &&fml, &&fdv, &&ldw, &&ldb, &&stw, &&stb,
      &&nop, &&jmp, &&jmpR, &&call, &&callR, &&bmi, &&beq, &&bcs, &&bvs, &&bls, &&blt, &&ble,
      &&bpl, &&bne, &&bcc, &&bvc, &&bhi, &&bge, &&bgt, &&bcondR, &&blcond, &&blcondR, &&special,
      &&end,
  };
  static_assert(sizeof kLabels / sizeof kLabels[0] == kEnd + 1);
  static const auto kHandlerOffsets = [&] {
    std::array<int32_t, kEnd + 1> offsets{};
    for (int k = 0; k <= kEnd; ++k) offsets[k] = static_cast<int32_t>(intptr_t(kLabels[k]) - origin);
    return offsets;
  }();

  const char* const base = static_cast<const char*>(&&undecoded);

  // Instructions left in this slice (exact: tests and the debugger single-step).
  int64_t left = static_cast<int64_t>(budget > (1ull << 62) ? (1ull << 62) : budget);
  int64_t start = left;  // start - left = instructions executed
  Decoded* d;  // the entry of pc, in the RAM decode cache or the ROM's
  // Sentinels after the last RAM word and the last ROM word.
  cache[ramWords].op = static_cast<int32_t>(kHandlerOffsets[kEnd]);
  romCode_[kRomWords].op = static_cast<int32_t>(kHandlerOffsets[kEnd]);

  // Two ways to the next instruction, written out at the end of every handler rather than
  // shared, so that each guest instruction ends in its own host indirect jump (GCC does not
  // duplicate a shared computed goto, and one jump site predicts badly: measured ~10% slower).
// In sequence, the next entry is simply the next one: RAM and ROM code end in a sentinel (kEnd)
// that looks pc up again.
#define DISPATCH_BRANCH()                                                  \
  do {                                                                     \
    if (--left < 0) [[unlikely]] goto exhausted;                           \
    if constexpr (kCountBranches) {                                        \
      uint16_t& runs = heat[pc & (kJitHeatEntries - 1)];                   \
      if (runs >= hot) goto exhausted;                                     \
      ++runs;                                                              \
    }                                                                      \
    if (pc >= ramWords) [[unlikely]] goto fetchOutsideRam;                 \
    d = &cache[pc];                                                        \
    goto *(base + d->op);                                              \
  } while (0)
#define DISPATCH_SEQUENTIAL()                                              \
  do {                                                                     \
    ++pc;                                                                  \
    ++d;                                                                   \
    if (--left < 0) [[unlikely]] goto exhausted;                           \
    goto *(base + d->op);                                              \
  } while (0)

  // The first instruction: as DISPATCH_BRANCH, without returning to the translator at once.
  if (--left < 0) [[unlikely]] goto exhausted;
  if (pc >= ramWords) [[unlikely]] goto fetchOutsideRam;
  d = &cache[pc];
  goto *(base + d->op);

end:  // ran off the end of RAM or ROM in sequence
  if (pc < ramWords) {
    d = &cache[pc];
    goto *(base + d->op);
  }
fetchOutsideRam:
  if (pc - kRomStart / 4 < kRomWords) {
    d = &romCode_[pc - kRomStart / 4];
    goto *(base + d->op);
  }
  ++left;
  fault = CpuFault::pcOutsideMemory;
  faultAddress = pc * 4;
  goto out;

undecoded: {
  if (watch && pc < ramWords) watch[pc] |= 0x100;  // Translator::kDecoded
  Decoded e = decode(pc < ramWords ? ram[pc] : memory_.rom()[pc - kRomStart / 4], pc);
  e.op = static_cast<int32_t>(kHandlerOffsets[e.op]);
  *d = e;
  goto *(base + d->op);
}

movI: set(d->a, d->imm); DISPATCH_SEQUENTIAL();
movR: set(d->a, r[d->imm]); DISPATCH_SEQUENTIAL();
movH: set(d->a, h); DISPATCH_SEQUENTIAL();
movFlags:
  set(d->a, (uint32_t{static_cast<int32_t>(nv) < 0} << 31) | (uint32_t{zv == 0} << 30) |
               (uint32_t{c} << 29) | (uint32_t{v} << 28) | kVersion);
  DISPATCH_SEQUENTIAL();
lslR: set(d->a, r[d->b] << (r[d->imm] & 31)); DISPATCH_SEQUENTIAL();
lslI: set(d->a, r[d->b] << (d->imm & 31)); DISPATCH_SEQUENTIAL();
asrR: set(d->a, shiftRightArith(r[d->b], r[d->imm])); DISPATCH_SEQUENTIAL();
asrI: set(d->a, shiftRightArith(r[d->b], d->imm)); DISPATCH_SEQUENTIAL();
rorR: set(d->a, rotateRight(r[d->b], r[d->imm])); DISPATCH_SEQUENTIAL();
rorI: set(d->a, rotateRight(r[d->b], d->imm)); DISPATCH_SEQUENTIAL();
andR: set(d->a, r[d->b] & r[d->imm]); DISPATCH_SEQUENTIAL();
andI: set(d->a, r[d->b] & d->imm); DISPATCH_SEQUENTIAL();
annR: set(d->a, r[d->b] & ~r[d->imm]); DISPATCH_SEQUENTIAL();
annI: set(d->a, r[d->b] & ~d->imm); DISPATCH_SEQUENTIAL();
iorR: set(d->a, r[d->b] | r[d->imm]); DISPATCH_SEQUENTIAL();
iorI: set(d->a, r[d->b] | d->imm); DISPATCH_SEQUENTIAL();
xorR: set(d->a, r[d->b] ^ r[d->imm]); DISPATCH_SEQUENTIAL();
xorI: set(d->a, r[d->b] ^ d->imm); DISPATCH_SEQUENTIAL();
addR: { uint32_t x = r[d->b], y = r[d->imm], s = x + y; addFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
addI: { uint32_t x = r[d->b], y = d->imm, s = x + y; addFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
addcR: { uint32_t x = r[d->b], y = r[d->imm], s = x + y + c; addFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
addcI: { uint32_t x = r[d->b], y = d->imm, s = x + y + c; addFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
subR: { uint32_t x = r[d->b], y = r[d->imm], s = x - y; subFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
subI: { uint32_t x = r[d->b], y = d->imm, s = x - y; subFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
subcR: { uint32_t x = r[d->b], y = r[d->imm], s = x - y - c; subFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
subcI: { uint32_t x = r[d->b], y = d->imm, s = x - y - c; subFlags(x, y, s, c, v); set(d->a, s); DISPATCH_SEQUENTIAL(); }
mulR: { int64_t p = int64_t{static_cast<int32_t>(r[d->b])} * static_cast<int32_t>(r[d->imm]);
        h = static_cast<uint32_t>(static_cast<uint64_t>(p) >> 32); set(d->a, static_cast<uint32_t>(p)); DISPATCH_SEQUENTIAL(); }
mulI: { int64_t p = int64_t{static_cast<int32_t>(r[d->b])} * static_cast<int32_t>(d->imm);
        h = static_cast<uint32_t>(static_cast<uint64_t>(p) >> 32); set(d->a, static_cast<uint32_t>(p)); DISPATCH_SEQUENTIAL(); }
muluR: { uint64_t p = multiplyUnsigned(r[d->b], r[d->imm]); h = static_cast<uint32_t>(p >> 32); set(d->a, static_cast<uint32_t>(p)); DISPATCH_SEQUENTIAL(); }
muluI: { uint64_t p = multiplyUnsigned(r[d->b], d->imm); h = static_cast<uint32_t>(p >> 32); set(d->a, static_cast<uint32_t>(p)); DISPATCH_SEQUENTIAL(); }
divR: { uint32_t q, rem; divide(r[d->b], r[d->imm], true, q, rem); h = rem; set(d->a, q); DISPATCH_SEQUENTIAL(); }
divI: { uint32_t q, rem; divide(r[d->b], d->imm, true, q, rem); h = rem; set(d->a, q); DISPATCH_SEQUENTIAL(); }
divuR: { uint32_t q, rem; divide(r[d->b], r[d->imm], false, q, rem); h = rem; set(d->a, q); DISPATCH_SEQUENTIAL(); }
divuI: { uint32_t q, rem; divide(r[d->b], d->imm, false, q, rem); h = rem; set(d->a, q); DISPATCH_SEQUENTIAL(); }
fad: set(d->a, fp::add(r[d->b], r[d->imm & 15], d->imm & 0x100, d->imm & 0x200)); DISPATCH_SEQUENTIAL();
fsb: set(d->a, fp::add(r[d->b], r[d->imm & 15] ^ 0x80000000u, d->imm & 0x100, d->imm & 0x200)); DISPATCH_SEQUENTIAL();
fml: set(d->a, fp::mul(r[d->b], r[d->imm])); DISPATCH_SEQUENTIAL();
fdv: set(d->a, fp::div(r[d->b], r[d->imm])); DISPATCH_SEQUENTIAL();

ldw: {
  uint32_t address = r[d->b] + d->imm;
  if (inRam(address)) [[likely]] {
    set(d->a, ram[address >> 2]);
  } else {
    set(d->a, loadSlow(address, false));
    if (stopRequested_) { start -= left; left = 0; }
  }
  DISPATCH_SEQUENTIAL();
}
ldb: {
  uint32_t address = r[d->b] + d->imm;
  if (inRam(address)) [[likely]] {
    set(d->a, reinterpret_cast<const uint8_t*>(ram)[address]);  // little-endian host
  } else {
    set(d->a, loadSlow(address, true));
    if (stopRequested_) { start -= left; left = 0; }
  }
  DISPATCH_SEQUENTIAL();
}
stw: {
  uint32_t address = r[d->b] + d->imm;
  if (inRam(address)) [[likely]] {
    ram[address >> 2] = r[d->a];
    stored(address);
  } else {
    storeSlow(address, r[d->a], false);
    if (stopRequested_) { start -= left; left = 0; }
  }
  DISPATCH_SEQUENTIAL();
}
stb: {
  uint32_t address = r[d->b] + d->imm;
  if (inRam(address)) [[likely]] {
    reinterpret_cast<uint8_t*>(ram)[address] = static_cast<uint8_t>(r[d->a]);
    stored(address);
  } else {
    storeSlow(address, r[d->a], true);
    if (stopRequested_) { start -= left; left = 0; }
  }
  DISPATCH_SEQUENTIAL();
}

nop: DISPATCH_SEQUENTIAL();
jmp: pc = d->imm; DISPATCH_BRANCH();
jmpR: pc = r[d->imm] >> 2; DISPATCH_BRANCH();
call: set(15, (pc + 1) * 4); pc = d->imm; DISPATCH_BRANCH();
callR: {
  uint32_t target = r[d->imm] >> 2;
  if (target == 8 && d->b != 0) ++trapEntries;  // Oberon's trap: BLR through MT = 20H
  set(15, (pc + 1) * 4);
  pc = target;
  DISPATCH_BRANCH();
}
bmi: pc = (nv >> 31) ? d->imm : pc + 1; DISPATCH_BRANCH();
bpl: pc = (nv >> 31) ? pc + 1 : d->imm; DISPATCH_BRANCH();
beq: pc = zv == 0 ? d->imm : pc + 1; DISPATCH_BRANCH();
bne: pc = zv != 0 ? d->imm : pc + 1; DISPATCH_BRANCH();
bcs: pc = c ? d->imm : pc + 1; DISPATCH_BRANCH();
bcc: pc = c ? pc + 1 : d->imm; DISPATCH_BRANCH();
bvs: pc = v ? d->imm : pc + 1; DISPATCH_BRANCH();
bvc: pc = v ? pc + 1 : d->imm; DISPATCH_BRANCH();
bls: pc = (c | (zv == 0)) ? d->imm : pc + 1; DISPATCH_BRANCH();
bhi: pc = (c | (zv == 0)) ? pc + 1 : d->imm; DISPATCH_BRANCH();
blt: pc = ((nv >> 31) != v) ? d->imm : pc + 1; DISPATCH_BRANCH();
bge: pc = ((nv >> 31) != v) ? pc + 1 : d->imm; DISPATCH_BRANCH();
ble: pc = (((nv >> 31) != v) | (zv == 0)) ? d->imm : pc + 1; DISPATCH_BRANCH();
bgt: pc = (((nv >> 31) != v) | (zv == 0)) ? pc + 1 : d->imm; DISPATCH_BRANCH();
bcondR: pc = cond(d->a) ? r[d->imm] >> 2 : pc + 1; DISPATCH_BRANCH();
blcond:
  if (cond(d->a)) { set(15, (pc + 1) * 4); pc = d->imm; } else { ++pc; }
  DISPATCH_BRANCH();
blcondR:
  if (cond(d->a)) {
    uint32_t target = r[d->imm] >> 2;
    if (target == 8 && d->b != 0) ++trapEntries;
    set(15, (pc + 1) * 4);
    pc = target;
  } else {
    ++pc;
  }
  DISPATCH_BRANCH();
special: {
  // u = 0, v = 0 with IR[4] (RTI) or IR[5] (interrupt enable := IR[0]); d->imm holds IR.
  const uint32_t ir = d->imm;
  if (ir & 0x20) intEnb = ir & 1;
  if (ir & 0x10) {
    // RTI: PC := SPC and the flags restored, whatever the condition (RISC5.v pcmux, nn..vv).
    pc = SPC;
    nv = savedN ? 0x80000000u : 0u;
    zv = savedZ ? 0u : 1u;
    c = savedC;
    v = savedV;
    intMd = false;
    if (owedTicks && !intPnd && intEnb) {
      intPnd = true;
      --owedTicks;
    }
  } else {
    pc = cond(d->a) ? r[d->imm & 15] >> 2 : pc + 1;  // the branch itself is taken per cond (pcmux0)
  }
  if (intPnd && intEnb && !intMd) takeInterrupt(pc, nv, zv, c, v);  // a tick waiting: at once
  DISPATCH_BRANCH();
}

#undef DISPATCH_BRANCH
#undef DISPATCH_SEQUENTIAL
exhausted:  // the instruction at pc was not executed
  ++left;
out:
  for (int i = 0; i < 16; ++i) R[i] = r[i];
  PC = pc;
  H = h;
  N = static_cast<int32_t>(nv) < 0;
  Z = zv == 0;
  C = c != 0;
  V = v != 0;
  return static_cast<uint64_t>(start - left);
}

}  // namespace risc5
