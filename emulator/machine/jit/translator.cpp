// The RISC5-to-x86-64 translator; see translator.h and docs/architecture.md.
//
// Host registers while translated code runs (these callee-saved, so calls into C++ keep them):
//   rbx  the guest State (with the PC -> code lookup table), and after it the code map
//        (Translator::codeMap: a store into a word with a bit set takes the slow path:
//        translated code, words the interpreter decoded, the framebuffer)
//   r12  RAM (guest address 0)    r14  instructions left
//   r15d guest R13 (SB, the static base)    ebp  guest R14 (SP): in State only outside
// R0..R5 live in r8d..r11d, esi, edi (their homes); those and r13d cache other guest
// registers within a block (see RegisterCache); the rest is in State. rax, rcx, rdx are
// scratch.
//
// Semantics follow cpu.cpp line for line (the lockstep mode checks it): N and Z from every
// register write (nv, zv), C and V from ADD/SUB as RISC5.v's cx and vv, which for x86's add,
// adc, sub and sbb are exactly CF and OF (true carry/borrow and signed overflow, also with a
// carry in); shifts take the count modulo 32 as x86 does; MUL as Multiplier.v (signed: imul,
// edx:eax giving H; an unsigned x times a signed y: a 64-bit imul); DIV and the FPU through the
// very functions the interpreter calls (muldiv.h, fp.h).
#include "translator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <stdexcept>

#define XBYAK_NO_OP_NAMES
#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>

#include "emulator/base/isa.h"
#include "emulator/machine/fp.h"
#include "emulator/machine/muldiv.h"
#include "tools/asm/encoding.h"

namespace risc5::jit {

namespace {

constexpr uint32_t kEmptyPc = 0xFFFFFFFF;
constexpr uint32_t kRunOn = 0xFFFFFFFF;  // "cold": no block length, the interpreter runs on
// Room a block of kMaxBlock instructions may need, stubs included (the longest instruction, a
// store in lockstep, is under 300 bytes with its out-of-line paths; blocks average ~600 bytes).
// Should one not fit, Xbyak throws rather than write past the region.
constexpr size_t kBlockReserve = 24 << 10;
// Translated at once, the pages made writable once (see translate()).
constexpr size_t kRegionBytes = 2 << 20;
constexpr size_t kRegionBlocks = 256;
constexpr size_t kPopulateBytes = 32 << 10;
constexpr size_t kStubBytes = 48;
// The smallest cache holds the trampoline (its first pages) and one batch's region after them.
static_assert(kBlockReserve + (64 << 10) + kRegionBytes <= Cpu::kJitCacheMinBytes);  // a jump's stub at the end of a batch (34 bytes)

static_assert(sizeof(Decoded) == 12 && offsetof(Decoded, op) == 0, "decode cache layout");

size_t pageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// The pages of [p, p + n) become `prot` (RW while written, RX afterwards: never both).
void protect(uint8_t* base, size_t from, size_t to, int prot) {
  const size_t page = pageSize();
  size_t a = from / page * page, b = (to + page - 1) / page * page;
  if (mprotect(base + a, b - a, prot) != 0) throw std::bad_alloc();
}

// Instruction classes for the C/V liveness pass (N/Z need none: see RegisterCache).
struct Shape {
  bool writesCV = false, readsCV = false, memory = false;
};

bool isSpecial(uint32_t ir) {
  return isa::p(ir) && isa::q(ir) && !isa::u(ir) && !isa::v(ir) && (ir & 0x30);
}
bool isBranch(uint32_t ir) { return isa::p(ir) && isa::q(ir) && isa::a(ir) != isa::F; }
// A branch a block runs on past (its side exits): conditional, PC-relative, forward, without
// link. On the path not taken the block goes on with its registers where they are, taken it
// pays their write-back out of line. Oberon's IF and WHILE compile to such branches over the
// code that follows, so a loop body becomes one block; a backward one (REPEAT, FOR) is mostly
// taken and ends the block.
bool isSideExit(uint32_t ir) {
  return isBranch(ir) && isa::a(ir) != isa::T && isa::u(ir) && !isa::v(ir) && isa::branchOffset(ir) >= 0;
}

Shape shapeOf(uint32_t ir) {
  Shape s;
  if (!isa::p(ir)) {
    isa::Op op = isa::op(ir);
    if (op == isa::Op::ADD || op == isa::Op::SUB) {
      s.writesCV = true;
      s.readsCV = isa::u(ir);
    }
    if (op == isa::Op::MOV && !isa::q(ir) && isa::u(ir) && isa::v(ir)) s.readsCV = true;
  } else if (!isa::q(ir)) {
    s.memory = true;
  } else if (isBranch(ir)) {
    s.readsCV = true;  // the block's end: everything is live there anyway
  }
  return s;
}

// BMI2's RORX, SARX and SHLX (Haswell and later): shifts that leave their source alone.
const bool kBmi2 = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tBMI2);
// LAHF in 64-bit mode (CPUID 80000001H ECX bit 0; all but the first x86-64 processors): C and V
// leave an ADD or SUB in one store (see storeCV).
const bool kLahf = [] {
  uint32_t r[4] = {};
  Xbyak::util::Cpu::getCpuid(0x80000001u, r);
  return (r[2] & 1u) != 0;
}();

using Xbyak::util::eax;
using Xbyak::util::ecx;
using Xbyak::util::edx;
using Xbyak::util::esi;
using Xbyak::util::edi;
using Xbyak::util::al;
using Xbyak::util::cl;
using Xbyak::util::rax;
using Xbyak::util::rcx;
using Xbyak::util::rdx;
using Xbyak::util::rsi;
using Xbyak::util::rdi;
using Xbyak::util::rbx;
using Xbyak::util::rbp;
using Xbyak::util::rsp;
using Xbyak::util::r12;
using Xbyak::util::r13;
using Xbyak::util::r14;
using Xbyak::util::r15;
using Xbyak::util::dword;
using Xbyak::util::byte;
using Xbyak::util::qword;
using Xbyak::util::ptr;

constexpr int kR = offsetof(State, r);
constexpr int kNv = offsetof(State, nv);
constexpr int kZv = offsetof(State, zv);
constexpr int kH = offsetof(State, h);
constexpr int kPc = offsetof(State, pc);
constexpr int kC = offsetof(State, c);
constexpr int kV = offsetof(State, v);
static_assert(kC == kV + 1, "storeCV writes V and C with one 16-bit store");
constexpr int kLeft = offsetof(State, left);
constexpr int kFast = offsetof(State, fast);
static_assert(sizeof(FastEntry) == 16);

// Guest registers held in host registers for the whole time translated code runs: the base
// registers of Oberon's loads and stores (ORG: SB = R13 globals, SP = R14 locals).
const Xbyak::Reg32* pinned(uint32_t g) {
  static const Xbyak::Reg32 sb = Xbyak::util::r15d, sp = Xbyak::util::ebp;
  return g == 13 ? &sb : g == 14 ? &sp : nullptr;
}

// Guest registers a block keeps in host registers (see emitBlock): caller-saved, so that the
// out-of-line paths save them around calls and main-path calls (DIV, FPU) write them back first.
// The first kHomeCount are caller-saved (the stubs save them around their calls); r13d, the
// last, is callee-saved and no home: a seventh register for the others within a block.
constexpr int kCacheCount = 7;
constexpr int kHomeCount = 6;
// Between blocks guest register kHomeOf[k] lives in cache register k (kHomeIndex: the inverse).
constexpr int8_t kHomeOf[kHomeCount] = {0, 1, 2, 3, 4, 5};
constexpr auto kHomeIndex = [] {
  std::array<int8_t, 16> index{};
  index.fill(-1);
  for (int k = 0; k < kHomeCount; ++k) index[kHomeOf[k]] = static_cast<int8_t>(k);
  return index;
}();
const Xbyak::Reg32& cacheReg(int k) {
  static const Xbyak::Reg32 regs[kCacheCount] = {Xbyak::util::r8d,  Xbyak::util::r9d,
                                                 Xbyak::util::r10d, Xbyak::util::r11d,
                                                 Xbyak::util::esi,  Xbyak::util::edi,
                                                 Xbyak::util::r13d};
  return regs[k];
}

int regAt(int i) { return kR + 4 * i; }  // R[i]'s offset in State
Xbyak::Address reg(uint32_t i) { return dword[rbx + regAt(static_cast<int>(i))]; }

}  // namespace

// One per batch of blocks (an Xbyak CodeGenerator is costly to make: it holds every register).
// Xbyak encodes the instructions; forward jumps are patched here rather than through Xbyak's
// labels, whose bookkeeping (hash maps, reference counts) cost more than the encoding itself
// when most blocks are a few instructions long.
class Emitter : public Xbyak::CodeGenerator {
 public:
  Emitter(size_t size, void* at) : Xbyak::CodeGenerator(size, at) {}

  // x86 condition codes (the low nibble of Jcc).
  enum Cc : int { O = 0, NO, B, AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G, Always = -1 };
  // A jump (Jcc, or JMP for Always) with a 32-bit displacement to a place not emitted yet:
  // returns where its displacement is, for bind().
  size_t jumpForward(int cc) {
    if (cc == Always) {
      db(0xE9);
    } else {
      db(0x0F);
      db(0x80 | cc);
    }
    const size_t at = getSize();
    dd(0);
    ++unbound_;
    return at;
  }
  // mov r32, dword [rbx + disp] and back, and a constant into State: most of what a block emits
  // are these State accesses, encoded here directly (Xbyak builds an Address object for each).
  void loadState(const Xbyak::Reg32& r, int disp) { rbxRelative(0x8B, r.getIdx(), disp); }
  void storeState(int disp, const Xbyak::Reg32& r) { rbxRelative(0x89, r.getIdx(), disp); }
  void storeState(int disp, uint32_t imm) {
    rbxRelative(0xC7, 0, disp);
    dd(imm);
  }
  // The forward jump whose displacement is at `at` goes to position `to` (default: here).
  void bind(size_t at) { bind(at, getSize()); }
  void bind(size_t at, size_t to) {
    rewrite(at, static_cast<uint32_t>(static_cast<int32_t>(to - (at + 4))), 4);
    --unbound_;
  }
  // The forward jump whose displacement is at `at` goes to code emitted before (another batch).
  void bindTo(size_t at, const uint8_t* to) {
    rewrite(at, static_cast<uint32_t>(static_cast<int32_t>(to - (getCode() + at + 4))), 4);
    --unbound_;
  }
  // Forward jumps not bound yet: 0 when a batch is complete (a jump left unbound would fall
  // through to the next instruction, where Xbyak's labels would have thrown).
  long unbound() const { return unbound_; }

 private:
  long unbound_ = 0;
  // opcode with ModRM [rbx + disp8/disp32] (no SIB: rbx is not rsp or r12); REX.R for r8..r15.
  void rbxRelative(uint8_t opcode, int reg, int disp) {
    if (reg >= 8) db(0x44);
    db(opcode);
    if (disp >= -128 && disp < 128) {
      db(0x43 | (reg & 7) << 3);
      db(disp & 0xFF);
    } else {
      db(0x83 | (reg & 7) << 3);
      dd(static_cast<uint32_t>(disp));
    }
  }
};

// Direct jumps between the blocks of one batch: a jump to a block not yet emitted is patched to
// the block's entry when it is emitted, or at the batch's end to a stub that goes through the
// lookup table (the block was not translated after all).
struct BatchLinks {
  struct Jump {
    size_t at;        // its displacement (Emitter::jumpForward)
    uint32_t fromPc;  // the block it is in
  };
  std::unordered_map<uint32_t, std::vector<Jump>> waiting;  // target PC -> jumps not yet bound
};

Translator::Translator(Cpu& cpu, Memory& memory, Bus& bus, bool lockstep, size_t cacheBytes)
    : cpu_(cpu), memory_(memory), lockstep_(lockstep),
      cacheBytes_(std::clamp(cacheBytes, Cpu::kJitCacheMinBytes, Cpu::kJitCacheMaxBytes)),
      area_(static_cast<uint8_t*>(std::aligned_alloc(64, (kCodeMapOffset + memory.ramWords() * 2 + 63) / 64 * 64)),
            &std::free),
      state_(*new (area_ ? area_.get() : throw std::bad_alloc()) State{}),
      codeMap_(reinterpret_cast<uint16_t*>(area_.get() + kCodeMapOffset), memory.ramWords()),
      hotAfter_(lockstep ? 1 : kHotAfter) {
  cpu_.jitHeat_ = heat_.data();
  cpu_.jitHot_ = hotAfter_;
  for (FastEntry& f : state_.fast) f = FastEntry{kEmptyPc, 0, nullptr};
  std::fill(codeMap_.begin(), codeMap_.end(), uint16_t{0});
  // Framebuffer stores keep marking damage (Memory::noteDisplayStore), through the slow path.
  const uint32_t display = memory.displayStart() / 4;
  for (uint32_t w = display; w < (memory.displayStart() + memory.displayBytes() + 3) / 4 && w < codeMap_.size(); ++w)
    codeMap_[w] |= kDisplay;
  void* p = mmap(nullptr, cacheBytes_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  cache_ = static_cast<uint8_t*>(p);
  emitTrampoline();
  if (lockstep_) {
    shadowMemory_ = std::make_unique<Memory>(memory.ramBytes(), memory.displayStart(),
                                             memory.displayBytes(), memory.spanBytes());
    std::vector<uint32_t> rom(memory.rom().begin(), memory.rom().end());
    shadowMemory_->loadRom(rom);
    shadowCpu_ = std::make_unique<Cpu>(*shadowMemory_, bus);  // never reaches the bus: replays
    shadowCpu_->setIoLog(&ioLog_);
  }
}

Translator::~Translator() {
  cpu_.jitHeat_ = nullptr;
  munmap(cache_, cacheBytes_);
}

// enter(state, code): saves the callee-saved registers, loads the pinned ones and jumps to a
// block; the exit label stores the budget back and returns to the dispatcher.
void Translator::emitTrampoline() {
  protect(cache_, 0, kBlockReserve, PROT_READ | PROT_WRITE);
  Emitter e(kBlockReserve, cache_);
  e.push(rbx);
  e.push(rbp);
  e.push(r12);
  e.push(r13);
  e.push(r14);
  e.push(r15);
  e.sub(rsp, 8);  // calls from blocks see a 16-byte aligned stack
  e.mov(rbx, rdi);
  e.mov(rax, rsi);  // the block: rsi and rdi become guest registers below
  e.mov(r12, reinterpret_cast<uint64_t>(memory_.words()));
  e.mov(*pinned(13), reg(13));
  e.mov(*pinned(14), reg(14));
  for (int k = 0; k < kHomeCount; ++k) e.mov(cacheReg(k), reg(kHomeOf[k]));
  e.mov(r14, qword[rbx + kLeft]);
  e.jmp(rax);
  e.align(16);
  exit_ = e.getCurr();
  e.mov(qword[rbx + kLeft], r14);
  e.mov(reg(13), *pinned(13));
  e.mov(reg(14), *pinned(14));
  for (int k = 0; k < kHomeCount; ++k) e.mov(reg(kHomeOf[k]), cacheReg(k));
  e.add(rsp, 8);
  e.pop(r15);
  e.pop(r14);
  e.pop(r13);
  e.pop(r12);
  e.pop(rbp);
  e.pop(rbx);
  e.ret();
  e.align(16);
  // The slow sides of loads and stores, shared by every block: called with the guest address
  // in eax (and, for helperLoad, the byte flag in edx; for helperStore the value in edx and the
  // byte flag in ecx); they keep the cache registers (caller-saved in the C++ ABI) and return
  // with the host flags NE when the block must leave after the access (a device asked the CPU
  // to stop, or translated code was written), a load's value in eax.
  auto stub = [&](const void* fn, bool returnsLeave) {
    e.align(16);
    const uint8_t* at = e.getCurr();
    for (int k = 0; k < kHomeCount; ++k) e.push(cacheReg(k).cvt64());  // r13 is callee-saved
    e.sub(rsp, 8);  // called with rsp 16-byte aligned: 8 + 48 + 8 keeps the helper's aligned
    e.mov(esi, eax);
    e.mov(rdi, reinterpret_cast<uint64_t>(this));
    e.mov(rax, reinterpret_cast<uint64_t>(fn));
    e.call(rax);
    e.add(rsp, 8);
    for (int k = kHomeCount; k-- > 0;) e.pop(cacheReg(k).cvt64());
    if (returnsLeave) {
      e.mov(rcx, reinterpret_cast<uint64_t>(&leave_));
      e.cmp(byte[rcx], 0);
    } else {
      e.test(eax, eax);  // helperAttention's answer
    }
    e.ret();
    return at;
  };
  loadStub_ = stub(reinterpret_cast<const void*>(&helperLoad), true);
  storeStub_ = stub(reinterpret_cast<const void*>(&helperStore), true);
  attentionStub_ = stub(reinterpret_cast<const void*>(&helperAttention), false);
  e.align(16);
  enter_ = reinterpret_cast<void (*)(State*, const void*)>(const_cast<uint8_t*>(e.getCode()));
  // Blocks start on the next page, so that a flush can take every page after this one away.
  trampolineEnd_ = used_ = (e.getSize() + pageSize() - 1) / pageSize() * pageSize();
  protect(cache_, 0, kBlockReserve, PROT_READ | PROT_EXEC);
}

const uint32_t* Translator::wordsAt(uint32_t pc, uint32_t& available) const {
  if (pc < memory_.ramWords()) {
    available = memory_.ramWords() - pc;
    return memory_.words() + pc;
  }
  if (pc - kRomStart / 4 < kRomWords) {
    available = kRomWords - (pc - kRomStart / 4);
    return memory_.rom().data() + (pc - kRomStart / 4);
  }
  available = 0;
  return nullptr;
}

// The lookup table first (the dispatcher asks on every return from translated code or the
// interpreter), then the blocks, refilling the table's entry.
const FastEntry* Translator::find(uint32_t pc) {
  FastEntry& f = state_.fast[pc & (kFastEntries - 1)];
  if (f.pc == pc) return &f;
  if (!mayStart(pc)) return nullptr;
  auto it = blocks_.find(pc);
  if (it == blocks_.end()) return nullptr;
  f = FastEntry{pc, it->second.length, it->second.code};
  return &f;
}

void Translator::flush() {
  blocks_.clear();
  segmentOwners_.clear();
  for (uint16_t& m : codeMap_) m &= static_cast<uint16_t>(~(kBlocksMask | kStart | kSegment));
  for (FastEntry& f : state_.fast) f = FastEntry{kEmptyPc, 0, nullptr};
  protect(cache_, trampolineEnd_, cacheBytes_, PROT_NONE);
  used_ = trampolineEnd_;
  stats_.cacheUsed = used_;
  ++stats_.flushes;
}

// A block jumps straight into another's code (no lookup): it must go when that one goes.
void Translator::link(Block& to, uint32_t fromPc) {
  if (std::find(to.linkedFrom.begin(), to.linkedFrom.end(), fromPc) == to.linkedFrom.end())
    to.linkedFrom.push_back(fromPc);
}

// Removes a block and every block that jumps straight into it, and so on (their code stays in
// the cache, unreachable, until the next flush: nothing is ever rewritten). A worklist, not
// recursion: calls between modules are direct jumps, so the chain can be thousands long.
void Translator::removeBlock(std::unordered_map<uint32_t, Block>::iterator it) {
  std::vector<uint32_t> work;
  for (;;) {
    const uint32_t pc = it->first;
    const Block& b = it->second;
    for (uint32_t k = 0; k < b.segments; ++k) {
      const Segment& g = b.segment[k];
      if (g.start >= memory_.ramWords()) continue;  // ROM: never written, not in the code map
      for (uint32_t w = g.start; w < g.start + g.count; ++w) --codeMap_[w];
      if (k == 0) continue;
      auto [from, to] = segmentOwners_.equal_range(g.start);
      bool others = false;
      for (auto o = from; o != to;) {
        if (o->second == pc) o = segmentOwners_.erase(o);
        else others = true, ++o;
      }
      if (!others) codeMap_[g.start] &= static_cast<uint16_t>(~kSegment);
    }
    if (pc < memory_.ramWords()) codeMap_[pc] &= static_cast<uint16_t>(~kStart);
    FastEntry& f = state_.fast[pc & (kFastEntries - 1)];
    if (f.pc == pc) f = FastEntry{kEmptyPc, 0, nullptr};
    work.insert(work.end(), it->second.linkedFrom.begin(), it->second.linkedFrom.end());
    blocks_.erase(it);
    ++stats_.invalidations;
    do {
      if (work.empty()) return;
      it = blocks_.find(work.back());
      work.pop_back();
    } while (it == blocks_.end());
  }
}

bool Translator::invalidateWord(uint32_t word) {
  if (word >= codeMap_.size() || (codeMap_[word] & kBlocksMask) == 0) return false;
  bool dropped = false;
  // A run of a block's path covering `word` starts at most kMaxBlock - 1 words before it: at
  // the block's PC (kStart), or for a later run where segmentOwners_ says (kSegment).
  const uint32_t first = word >= kMaxBlock - 1 ? word - (kMaxBlock - 1) : 0;
  std::vector<uint32_t> owners;
  for (uint32_t s = first; s <= word && (codeMap_[word] & kBlocksMask) != 0; ++s) {
    if (codeMap_[s] & kStart) {
      auto it = blocks_.find(s);
      if (it != blocks_.end() && it->second.covers(word)) {
        removeBlock(it);
        dropped = true;
      }
    }
    if (codeMap_[s] & kSegment) {
      owners.clear();
      auto [from, to] = segmentOwners_.equal_range(s);
      for (auto o = from; o != to; ++o) owners.push_back(o->second);
      for (uint32_t owner : owners) {
        auto it = blocks_.find(owner);
        if (it != blocks_.end() && it->second.covers(word)) {
          removeBlock(it);
          dropped = true;
        }
      }
    }
  }
  return dropped;
}

void Translator::forget(uint32_t firstWord, uint32_t endWord) {
  for (uint32_t w = firstWord; w < endWord && w < codeMap_.size(); ++w) invalidateWord(w);
  if (lockstep_ && !shadowStale_) {
    endWord = std::min(endWord, memory_.ramWords());
    for (uint32_t w = firstWord; w < endWord; ++w) shadowMemory_->words()[w] = memory_.words()[w];
    shadowCpu_->forget(firstWord, endWord);
  }
}

void Translator::forgetAll() {
  flush();
  shadowStale_ = true;  // the machine may write RAM directly next (power-on): copy at run()
}

std::string Stats::summary() const {
  char s[320];
  std::snprintf(s, sizeof s,
                "%.1f ms for %llu blocks (%llu instructions), %llu KiB of code cache in use, %llu cache flushes, "
                "%llu blocks invalidated, "
                "%llu instructions interpreted, %llu entries from the dispatcher",
                translating.count() / 1e6, static_cast<unsigned long long>(blocksTranslated),
                static_cast<unsigned long long>(instructionsTranslated),
                static_cast<unsigned long long>(cacheUsed >> 10), static_cast<unsigned long long>(flushes),
                static_cast<unsigned long long>(invalidations),
                static_cast<unsigned long long>(interpretedInstructions), static_cast<unsigned long long>(dispatches));
  std::string r = s;
  if (lockstepSteps != 0)
    r += "; lockstep: " + std::to_string(lockstepSteps) + " steps compared (" + std::to_string(lockstepBlocks) +
         " translated blocks, " + std::to_string(lockstepInstructions) + " instructions)";
  return r;
}

// ---- Translation ---------------------------------------------------------------------------

// Translates the block at pc and, while the pages are writable anyway, the blocks it leads to
// directly (branch targets, the other side of a conditional branch, the return point of a
// call): making code pages writable and executable again costs two mprotect calls and their
// TLB flushes, which dominated translation when paid per block (20 us a block on the boot).
const FastEntry* Translator::translate(uint32_t pc) {
  std::vector<uint32_t> work{pc};
  translateBatch(work);
  return find(pc);
}

// Translates the blocks at `work` (each translatable: blockLength() > 0) and those they lead to.
void Translator::translateBatch(std::vector<uint32_t>& work) {
  const size_t requested = work.size();
  const auto t0 = std::chrono::steady_clock::now();
  // Each batch starts on a fresh page: pages that were executable are never made writable
  // again, and the pages after a batch stay writable (not executable) for the next one, so a
  // batch costs one mprotect with a TLB flush (its pages RW -> RX), not two.
  const size_t page = pageSize();
  used_ = (used_ + page - 1) / page * page;
  if (used_ + kRegionBytes > cacheBytes_) flush();
  const size_t from = used_;
  protect(cache_, from, from + kRegionBytes, PROT_READ | PROT_WRITE);
  // Fault the first pages in with one call rather than one page fault each as code reaches them.
#ifdef MADV_POPULATE_WRITE
  madvise(cache_ + from, kPopulateBytes, MADV_POPULATE_WRITE);  // a hint: failure costs faults
#endif
  Emitter e(kRegionBytes, cache_ + from);
  BatchLinks links;
  if (!lockstep_) links_ = &links;
  struct Unset {  // also when Xbyak throws
    BatchLinks*& p;
    ~Unset() { p = nullptr; }
  } unset{links_};
  for (size_t next = 0; next < work.size() && next < requested + kRegionBlocks; ++next) {
    // Room for the block and for the stubs of the jumps still waiting for their block.
    if (used_ + kBlockReserve + kStubBytes * links.waiting.size() > from + kRegionBytes) break;
    if (mayStart(work[next]) && blocks_.count(work[next])) continue;
    // Beyond the blocks asked for, only blocks that have run (in lockstep: all of them).
    if (next >= requested && hotAfter_ > 1 && heat_[work[next] & (kHeatEntries - 1)] == 0) continue;
    // A block asked for that cannot be made (its first word is in kMaxCover blocks already)
    // counts as cold again rather than being asked for at every dispatch.
    if (!emitBlock(e, work[next], work) && next < requested) heat_[work[next] & (kHeatEntries - 1)] = 0;
  }
  links_ = nullptr;
  // Jumps to blocks not translated in this batch: through the lookup table, or the dispatcher.
  for (auto& [target, jumps] : links.waiting) {
    for (const BatchLinks::Jump& j : jumps) e.bind(j.at);
    const int slot = kFast + static_cast<int>((target & (kFastEntries - 1)) * sizeof(FastEntry));
    e.cmp(dword[rbx + slot], target);
    const size_t miss = e.jumpForward(Emitter::NE);
    e.jmp(qword[rbx + slot + 8]);
    e.bind(miss);
    e.mov(dword[rbx + kPc], target);
    e.jmp(exit_, Xbyak::CodeGenerator::T_NEAR);
  }
  used_ = static_cast<size_t>(e.getCurr() - cache_);
  if (e.unbound() != 0) throw std::logic_error("translator: a forward jump was left unbound");
  e.ready();  // (no Xbyak labels: forward jumps are bound by Emitter::bind)
  protect(cache_, from, used_, PROT_READ | PROT_EXEC);
  stats_.cacheUsed = used_;
  ++stats_.batches;
  stats_.translating += std::chrono::steady_clock::now() - t0;
}

void Translator::pathAt(uint32_t pc, Path& path) const {
  // A word already in this many blocks ends the path before it: the code map counts to 255,
  // and one path holds a word at most twice (a run that reaches an earlier one ends at the
  // jump to it, whose target is on the path), its blocks being counted one at a time.
  constexpr uint32_t kMaxCover = 255 - 2;
  path.n = 0;
  path.segments = 0;
  uint32_t at = pc;
  while (path.n < kMaxBlock) {
    uint32_t available = 0;
    const uint32_t* words = wordsAt(at, available);
    if (!words || isSpecial(words[0])) break;
    if (at < codeMap_.size() && (codeMap_[at] & kBlocksMask) >= kMaxCover) break;
    const uint32_t ir = words[0];
    if (path.n == 0 || path.pc[path.n - 1] + 1 != at) path.segment[path.segments++] = Segment{at, 0};
    ++path.segment[path.segments - 1].count;
    path.pc[path.n] = at;
    path.word[path.n++] = ir;
    if (!isBranch(ir) || isSideExit(ir)) {
      ++at;
      continue;
    }
    // A plain jump: its target becomes the next run, unless the path already has that code
    // (a loop: the jump goes to its block), or there is no run left.
    if (isa::a(ir) != isa::T || !isa::u(ir) || isa::v(ir) || path.segments == kMaxSegments) break;
    const uint32_t target = at + 1 + static_cast<uint32_t>(isa::branchOffset(ir));
    bool onPath = false;
    for (uint32_t k = 0; k < path.segments; ++k)
      onPath = onPath || target - path.segment[k].start < path.segment[k].count;
    if (onPath) break;
    at = target;
  }
}

uint32_t Translator::blockLength(uint32_t pc) const {
  uint32_t available = 0;
  const uint32_t* words = wordsAt(pc, available);
  uint32_t n = 0;
  while (words && n < kMaxBlock && n < available && !isSpecial(words[n])) {
    const uint32_t ir = words[n++];
    if (isBranch(ir) && !isSideExit(ir)) break;
  }
  return n;
}

namespace {

// Where a block's guest registers are at one point of its code: which cache register holds
// which guest register, whether State is behind (dirty), and which register's value gives N and
// Z. Between blocks (and while translated code runs at all) the cache registers are the homes
// of R0..R5 (kHomeOf: the registers ORG allocates first): entered, chained to and left with
// R0..R5 in them, so that values carried from block to block, around a loop, stay in registers.
// Every RISC5 instruction that writes a register sets N and Z from the value written (and no
// other writes them), so N/Z are those of the last register written: nv and zv are stored only
// when the block leaves or something reads them from State.
struct RegisterCache {
  int8_t cached[16];
  int8_t holder[kCacheCount];
  bool dirty[kCacheCount];
  int nzGuest;                 // N/Z are R[nzGuest]'s; -1: those in State (from before the block)
  bool nzStored;               // State's nv and zv are up to date
  void clear() {
    std::fill(std::begin(cached), std::end(cached), -1);
    std::fill(std::begin(holder), std::end(holder), -1);
    std::fill(std::begin(dirty), std::end(dirty), false);
  }
  // As between blocks: each home in its cache register, State behind for them, nv/zv stored
  // (N/Z those of R[nz], or of State when -1).
  void atHomes(int nz) {
    clear();
    for (int k = 0; k < kHomeCount; ++k) {
      cached[kHomeOf[k]] = static_cast<int8_t>(k);
      holder[k] = kHomeOf[k];
      dirty[k] = true;
    }
    nzGuest = nz;
    nzStored = true;
  }
};

}  // namespace

Translator::Block* Translator::emitBlock(Emitter& e, uint32_t pc, std::vector<uint32_t>& successors) {
  Path path;
  pathAt(pc, path);
  const uint32_t n = path.n;
  if (n == 0) return nullptr;
  const uint32_t* const words = path.word.data();
  const bool endsInBranch = isBranch(words[n - 1]);
  // A plain jump inside the path (pathAt went on at its target): no code at all.
  auto followed = [&](uint32_t i) { return i + 1 < n && isBranch(words[i]) && !isSideExit(words[i]); };

  // C/V liveness, backwards: storeCV is emitted only if something may read C or V before the
  // next write: a later instruction, or the state at an exit (the block's end, or the early exit
  // a load or store may take).
  std::array<bool, kMaxBlock> needCV{};
  // A side exit right after the ADD or SUB that set the flags stores C and V on its way out
  // (the host flags are still that instruction's there): on the path that goes on they are
  // often written again before anything reads them.
  std::array<bool, kMaxBlock> cvOnExit{};
  bool cvLive = true;
  for (uint32_t i = n; i-- > 0;) {
    if (followed(i)) continue;
    Shape s = shapeOf(words[i]);
    if (i + 1 < n && i > 0 && isSideExit(words[i]) && shapeOf(words[i - 1]).writesCV) {
      cvOnExit[i] = true;
      s.readsCV = false;
    }
    needCV[i] = s.writesCV && cvLive;
    if (s.writesCV) cvLive = false;
    if (s.readsCV || s.memory) cvLive = true;
  }

  const size_t at = static_cast<size_t>(e.getCurr() - cache_);
  // Out-of-line paths, emitted after the block: the slow side of a load or store (outside RAM,
  // or a store into a word the code map marks), the lookup table's miss of an indirect branch,
  // a side exit taken.
  struct Cold {
    enum Kind { load, store, miss, side } kind;
    size_t slow = 0, attention = 0;  // forward jumps into the path (Emitter::jumpForward)
    const uint8_t* done = nullptr;   // where the main path goes on
    Xbyak::Reg32 reg;                // a load's destination, a store's value
    bool isByte = false;
    uint32_t i = 0;                  // the instruction
    uint32_t target = 0;             // a side exit's branch target
  };
  std::array<Cold, kMaxBlock + 1> cold;
  size_t coldCount = 0;
  const uint8_t* const entry = e.getCurr();
  const size_t entryAt = e.getSize();
  bool selfLink = false;
  const uint32_t ramBytes = memory_.ramBytes();
  constexpr auto near = Xbyak::CodeGenerator::T_NEAR;

  // ---- Guest registers in host registers ----
  // Within a block, guest registers live in six cache registers, loaded on first use and
  // written back to State only when evicted or when the block leaves (every exit writes back
  // what is dirty there), so a value passes from one instruction to the next in a register,
  // never through a store and its forwarding. SB and SP stay pinned in r15d and ebp throughout.
  // At entry R0..R5 are in their homes, and State is behind for them (dirty).
  RegisterCache rc;
  rc.atHomes(-1);
  // Distance to the next instruction of this block (from the current one on) naming R[g] in
  // any field; past the block: kMaxBlock + 1.
  uint32_t current = 0;
  auto nextUse = [&](uint32_t g) -> uint32_t {
    for (uint32_t j = current; j < n; ++j) {
      const uint32_t w = words[j];
      if (isa::a(w) == g || isa::b(w) == g || isa::c(w) == g) return j - current;
    }
    return kMaxBlock + 1;
  };
  // Whether an instruction after the current one names R[g].
  auto usedAfter = [&](uint32_t g) {
    for (uint32_t j = current + 1; j < n; ++j) {
      const uint32_t w = words[j];
      if (isa::a(w) == g || isa::b(w) == g || isa::c(w) == g) return true;
    }
    return false;
  };
  // A cache register for R[g]: R0..R5 go to their homes; others to a free one, else to the one
  // whose register is needed latest (Belady's choice: a value not needed again in the block
  // first, then a home not needed again, which costs a reload when the block leaves).
  auto evict = [&](uint32_t g) -> int {
    int k = 0;
    if (kHomeIndex[g] >= 0) {
      k = kHomeIndex[g];
    } else {
      uint32_t best = 0;
      for (int j = 0; j < kCacheCount; ++j) {
        if (rc.holder[j] < 0) return j;
        const uint32_t h = static_cast<uint32_t>(rc.holder[j]);
        uint32_t score = nextUse(h) * 4;  // sooner needed: a worse victim
        if (score > kMaxBlock * 4) score = kHomeIndex[h] < 0 ? ~0u : ~0u - 1;
        if (score > best) {
          best = score;
          k = j;
        }
      }
    }
    if (rc.holder[k] < 0) return k;
    if (rc.dirty[k]) e.storeState(regAt(rc.holder[k]), cacheReg(k));
    rc.cached[rc.holder[k]] = -1;
    rc.holder[k] = -1;
    rc.dirty[k] = false;
    return k;
  };
  // A host register holding R[g] (emits its load when not yet in one). Only plain movs are
  // emitted (here and in dst), so the host flags survive: see the branch below.
  auto src = [&](uint32_t g) -> Xbyak::Reg32 {
    if (const Xbyak::Reg32* p = pinned(g)) return *p;
    int k = rc.cached[g];
    if (k < 0) {
      k = evict(g);
      e.loadState(cacheReg(k), regAt(g));
      rc.cached[g] = static_cast<int8_t>(k);
      rc.holder[k] = static_cast<int8_t>(g);
    }
    return cacheReg(k);
  };
  // The host register the new value of R[g] goes into; N and Z become that value's.
  auto dst = [&](uint32_t g) -> Xbyak::Reg32 {
    rc.nzGuest = static_cast<int>(g);
    rc.nzStored = false;
    if (const Xbyak::Reg32* p = pinned(g)) return *p;
    int k = rc.cached[g];
    if (k < 0) {
      k = evict(g);
      rc.cached[g] = static_cast<int8_t>(k);
      rc.holder[k] = static_cast<int8_t>(g);
    }
    rc.dirty[k] = true;
    return cacheReg(k);
  };
  // A register read once and not again in the block, and in State (not cached): read there as
  // the instruction's memory operand rather than loaded into a cache register, which would
  // have to evict another (a store, and for a home a reload when the block leaves).
  auto fromMemory = [&](uint32_t g) { return !pinned(g) && rc.cached[g] < 0 && !usedAfter(g); };
  // Likewise a value written and not read again in the block, when every cache register is
  // taken: computed in eax and stored to State at once (`through`). N and Z are R[g]'s.
  auto through = [&](uint32_t g) {
    if (pinned(g) || rc.cached[g] >= 0 || usedAfter(g)) return false;
    for (int k = 0; k < kCacheCount; ++k)
      if (rc.holder[k] < 0) return false;
    rc.nzGuest = static_cast<int>(g);
    rc.nzStored = false;
    return true;
  };
  // Brings State up to date as of `s` (movs only; edx is the one scratch register it uses).
  auto writeBack = [&](const RegisterCache& s) {
    for (int k = 0; k < kCacheCount; ++k)
      if (s.holder[k] >= 0 && s.dirty[k]) e.storeState(regAt(s.holder[k]), cacheReg(k));
    if (!s.nzStored && s.nzGuest >= 0) {
      Xbyak::Reg32 v = edx;
      if (const Xbyak::Reg32* p = pinned(s.nzGuest)) v = *p;
      else if (s.cached[s.nzGuest] >= 0) v = cacheReg(s.cached[s.nzGuest]);
      else e.loadState(edx, regAt(s.nzGuest));
      e.storeState(kNv, v);
      e.storeState(kZv, v);
    }
  };
  auto flush = [&]() {  // on the main path: State up to date, the registers still cached
    writeBack(rc);
    std::fill(std::begin(rc.dirty), std::end(rc.dirty), false);
    rc.nzStored = true;
  };
  // Back to the state between blocks, as of `s`: others' values written back, R0..R5 in their
  // homes (reloaded where another register took one), N/Z in State. Movs only.
  auto canonical = [&](const RegisterCache& s) {
    RegisterCache t = s;
    for (int k = 0; k < kCacheCount; ++k)
      if (k >= kHomeCount || t.holder[k] != kHomeOf[k]) t.dirty[k] = t.dirty[k] && t.holder[k] >= 0;
      else t.dirty[k] = false;  // stays in its home
    writeBack(t);
    for (int k = 0; k < kHomeCount; ++k)
      if (s.holder[k] != kHomeOf[k]) e.loadState(cacheReg(k), regAt(kHomeOf[k]));
  };
  auto toCanonical = [&]() {  // on the main path
    canonical(rc);
    rc.atHomes(rc.nzGuest);
  };
  auto storeNZ = [&]() {  // N/Z into State (before code that reads them there)
    RegisterCache s = rc;
    std::fill(std::begin(s.dirty), std::end(s.dirty), false);
    writeBack(s);
    rc.nzStored = true;
  };
  auto callOnMainPath = [&](const void* fn) {  // after flush(): the call clobbers the cache
    e.mov(rax, reinterpret_cast<uint64_t>(fn));
    e.call(rax);
    const int nzGuest = rc.nzGuest;
    rc.clear();
    rc.nzGuest = nzGuest;
  };
  // Leaves after instruction i (it completed): its registers written back, the rest of the
  // block's count given back. exitState[i]: the cache as the main path has it after i. The
  // out-of-line paths jump there (forward: the exits are emitted last).
  std::array<RegisterCache, kMaxBlock> exitState;
  struct ExitJump {
    uint32_t i;
    size_t at;
  };
  std::array<ExitJump, 2 * kMaxBlock> exitJumps;
  size_t exitJumpCount = 0;
  auto exitAfterIf = [&](uint32_t i, int cc) { exitJumps[exitJumpCount++] = ExitJump{i, e.jumpForward(cc)}; };
  // Continues at the block that starts at `target` (a constant, or kEmptyPc for eax): a direct
  // jump to its entry, or through the lookup table, or the dispatcher. Registers must be
  // canonical.
  // The PC is stored only when leaving to the dispatcher: a block entered by chaining knows its
  // own PC (its entry stores it when the budget is short).
  auto gotoNext = [&](uint32_t target) {
    if (lockstep_) {  // lockstep compares after every block: no chaining
      if (target != kEmptyPc) e.mov(dword[rbx + kPc], target);
      else e.mov(dword[rbx + kPc], eax);
      e.jmp(exit_, near);
      return;
    }
    // A direct jump to a block translated before or in this batch (Translator::link; links_ is
    // set for every batch outside lockstep).
    if (target != kEmptyPc) {
      if (auto it = mayStart(target) ? blocks_.find(target) : blocks_.end(); it != blocks_.end()) {
        e.jmp(it->second.code, near);
        link(it->second, pc);
        return;
      }
      if (target == pc) {  // a loop onto itself
        e.jmp(entry, near);
        selfLink = true;
        return;
      }
      links_->waiting[target].push_back(BatchLinks::Jump{e.jumpForward(Emitter::Always), pc});
      return;
    }
    // An indirect branch (eax): through the lookup table.
    e.mov(edx, eax);
    e.and_(edx, kFastEntries - 1);
    e.shl(edx, 4);
    e.cmp(dword[rbx + rdx + kFast], eax);
    Cold& miss = cold[coldCount++];
    miss.kind = Cold::miss;
    miss.slow = e.jumpForward(Emitter::NE);
    e.jmp(qword[rbx + rdx + kFast + 8]);
  };
  // eax := the branch condition (0/1) of RISC5.v's cond, from State (N/Z stored first).
  auto condition = [&](uint32_t cond) {
    auto zflag = [&](const Xbyak::Reg32& r) {
      e.xor_(r, r);
      e.cmp(dword[rbx + kZv], 0);
      e.sete(r.cvt8());
    };
    switch (cond & 7) {
      case 0: e.mov(eax, dword[rbx + kNv]); e.shr(eax, 31); break;
      case 1: zflag(eax); break;
      case 2: e.movzx(eax, byte[rbx + kC]); e.and_(eax, 1); break;
      case 3: e.movzx(eax, byte[rbx + kV]); break;
      case 4:
        zflag(eax);
        e.movzx(ecx, byte[rbx + kC]);
        e.and_(ecx, 1);
        e.or_(eax, ecx);
        break;
      case 5: e.mov(eax, dword[rbx + kNv]); e.shr(eax, 31); e.xor_(al, byte[rbx + kV]); break;
      case 6:
        e.mov(eax, dword[rbx + kNv]);
        e.shr(eax, 31);
        e.xor_(al, byte[rbx + kV]);
        zflag(ecx);
        e.or_(eax, ecx);
        break;
      default: e.mov(eax, 1); break;
    }
    if (cond & 8) e.xor_(eax, 1);
  };
  // Jumps to `to` when RISC5's condition `cond` holds, the host flags being those of the ADD or
  // SUB that set N, Z, C and V: x86's SF, ZF, CF (a borrow for SUB, as RISC5's C) and OF are
  // exactly N, Z, C and V, so LS is jbe, LT jl, LE jle.
  // Returns the jump (Emitter::jumpForward); cond is neither T nor F (those have no jump).
  auto jumpIfHost = [&](uint32_t cond) -> size_t {
    static constexpr Emitter::Cc kHost[16] = {
        Emitter::S,  Emitter::E,  Emitter::B,  Emitter::O,  Emitter::BE, Emitter::L,  Emitter::LE, Emitter::Always,
        Emitter::NS, Emitter::NE, Emitter::AE, Emitter::NO, Emitter::A,  Emitter::GE, Emitter::G,  Emitter::Always};
    return e.jumpForward(kHost[cond & 15]);
  };
  // Jumps when RISC5's condition `cond` (neither T nor F) holds: from the host flags when the
  // instruction before was the ADD/SUB that set them all (Oberon's compare-and-branch), MI and
  // EQ from the register holding N/Z's value, CS and VS from their bytes, the others computed
  // from State. Returns the jump (Emitter::jumpForward).
  auto jumpIf = [&](uint32_t cond, bool fromHost) -> size_t {
    if (fromHost) return jumpIfHost(cond);
    const bool negated = cond & 8;
    switch (cond & 7) {
      case 0:
      case 1: {
        const int g = rc.nzGuest;
        if (g >= 0 && pinned(g)) e.test(*pinned(g), *pinned(g));
        else if (g >= 0 && rc.cached[g] >= 0) e.test(cacheReg(rc.cached[g]), cacheReg(rc.cached[g]));
        else if (g >= 0) e.cmp(reg(g), 0);
        else e.cmp(dword[rbx + ((cond & 7) == 0 ? kNv : kZv)], 0);
        if ((cond & 7) == 0) return e.jumpForward(negated ? Emitter::NS : Emitter::S);
        return e.jumpForward(negated ? Emitter::NE : Emitter::E);
      }
      case 2:
      case 3:
        if ((cond & 7) == 2) e.test(byte[rbx + kC], 1);  // C is bit 0 of its byte
        else e.cmp(byte[rbx + kV], 0);
        return e.jumpForward(negated ? Emitter::E : Emitter::NE);
      default:
        storeNZ();  // condition() reads N and Z from State
        condition(cond);
        e.test(eax, eax);
        return e.jumpForward(Emitter::NE);
    }
  };

  // R.a := R.b op (R.c, or the immediate when c < 0), computed in R.a's own register where that
  // cannot overwrite an operand first (x86's two-operand form), else in eax. op(w, s) emits the
  // operation on w with s the operand (a register, or State for fromMemory), or null for the
  // immediate.
  // `commutative` (op(x, y) = op(y, x), flags included): R.c from State may go into R.a's
  // register first, so that the path from R.b (often just computed) is the operation alone.
  auto binary = [&](uint32_t a, uint32_t b, int c, auto&& op, bool commutative = false) {
    const bool bMem = fromMemory(b), cMem = c >= 0 && fromMemory(static_cast<uint32_t>(c));
    Xbyak::Reg32 sb = bMem ? eax : src(b);
    Xbyak::Reg32 sc = sb;
    const Xbyak::Address cState = reg(c >= 0 ? static_cast<uint32_t>(c) : 0);
    if (c >= 0 && !cMem) {
      sc = src(static_cast<uint32_t>(c));
      // Loading R.c into its home may have taken the register R.b was in (written back first).
      if (!bMem && !pinned(b) && (rc.cached[b] < 0 || cacheReg(rc.cached[b]).getIdx() != sb.getIdx())) {
        e.loadState(eax, regAt(b));
        sb = eax;
      }
    }
    const bool toState = through(a);
    const Xbyak::Reg32 d = toState ? eax : dst(a);  // dst may write a register back, never changes one
    const Xbyak::Operand* operand = c < 0 ? nullptr : cMem ? static_cast<const Xbyak::Operand*>(&cState) : &sc;
    const bool dIsC = c >= 0 && !cMem && d.getIdx() == sc.getIdx();
    if (bMem) {
      const Xbyak::Reg32 w = dIsC ? eax : d;
      e.loadState(w, regAt(b));
      op(w, operand);
      if (w.getIdx() != d.getIdx()) e.mov(d, w);
    } else if (commutative && cMem && d.getIdx() != sb.getIdx()) {
      e.loadState(d, regAt(static_cast<uint32_t>(c)));
      op(d, &sb);
    } else if (d.getIdx() == sb.getIdx()) {
      op(d, operand);
    } else if (dIsC) {
      if (sb.getIdx() != eax.getIdx()) e.mov(eax, sb);
      op(eax, operand);
      e.mov(d, eax);
    } else {
      e.mov(d, sb);
      op(d, operand);
    }
    if (toState) e.storeState(regAt(a), eax);
  };
  // R.a := f(R.b) by an instruction that leaves its source alone (LEA, RORX, SARX, SHLX, IMUL
  // with an immediate), so that no copy of R.b comes first: one instruction less on the path
  // from R.b to its users (hosts without move elimination pay a cycle for every mov). emit(d, s):
  // s is R.b's register, or for `anyOperand` State's word where fromMemory.
  auto nonDestructive = [&](uint32_t a, uint32_t b, bool anyOperand, auto&& emit) {
    const Xbyak::Address bState = reg(b);
    const bool bMem = anyOperand && fromMemory(b);
    const Xbyak::Reg32 sb = bMem ? eax : src(b);
    const bool toState = through(a);
    const Xbyak::Reg32 d = toState ? eax : dst(a);  // may take sb's register: its value stays
    if (bMem) emit(d, bState);
    else emit(d, sb);
    if (toState) e.storeState(regAt(a), eax);
  };
  // R.a := R.b + R.c by LEA (no flags).
  auto leaSum = [&](uint32_t a, uint32_t b, uint32_t c) {
    Xbyak::Reg32 sb = src(b);
    const Xbyak::Reg32 sc = src(c);
    if (!pinned(b) && (rc.cached[b] < 0 || cacheReg(rc.cached[b]).getIdx() != sb.getIdx())) {
      e.loadState(eax, regAt(b));  // as in binary: loading R.c took R.b's register
      sb = eax;
    }
    const bool toState = through(a);
    const Xbyak::Reg32 d = toState ? eax : dst(a);
    e.lea(d, ptr[sb.cvt64() + sc.cvt64()]);
    if (toState) e.storeState(regAt(a), eax);
  };
  // C and V from the host's CF and OF, after an ADD or SUB (and only movs since): with LAHF in
  // one store of ax, V's byte from al and C's from ah (CF is bit 0 of LAHF's image: readers mask
  // it), where two SETcc to memory took two stores; stores are what a block has most of.
  auto storeCV = [&]() {
    if (kLahf) {
      e.lahf();
      e.seto(al);
      e.mov(Xbyak::util::word[rbx + kV], Xbyak::util::ax);
    } else {
      e.setc(byte[rbx + kC]);
      e.seto(byte[rbx + kV]);
    }
  };
  // R[g] used where it is, without changing the cache: its register, or State.
  auto withValue = [&](uint32_t g, auto&& use) {
    if (const Xbyak::Reg32* p = pinned(g)) use(*p);
    else if (rc.cached[g] >= 0) use(cacheReg(rc.cached[g]));
    else use(reg(g));
  };

  // Entry: the whole block's count, or back to the dispatcher (which runs the tail exactly).
  e.sub(r14, static_cast<int>(n));
  const size_t noBudget = e.jumpForward(Emitter::L);

  int flagsFrom = -1;  // the instruction whose ADD/SUB left its flags in the host's, or -1
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t ir = words[i], ipc = path.pc[i];
    const uint32_t a = isa::a(ir), b = isa::b(ir), c = isa::c(ir);
    const bool q = isa::q(ir), u = isa::u(ir), v = isa::v(ir);
    const bool hostFlags = flagsFrom >= 0 && static_cast<uint32_t>(flagsFrom) + 1 == i;
    current = i;
    flagsFrom = -1;
    if (!isa::p(ir)) {
      const uint32_t imm = isa::imm16(ir) | (v ? 0xFFFF0000u : 0u);
      switch (isa::op(ir)) {
        case isa::Op::MOV:
          if (q) {
            const uint32_t value = u ? isa::imm16(ir) << 16 : imm;
            if (through(a)) e.storeState(regAt(a), value);
            else e.mov(dst(a), value);
          } else if (!u) {
            if (fromMemory(c)) {
              e.loadState(eax, regAt(c));
              if (through(a)) e.storeState(regAt(a), eax);
              else e.mov(dst(a), eax);
            } else {
              const Xbyak::Reg32 s = src(c);
              if (through(a)) {
                e.storeState(regAt(a), s);
              } else {
                const Xbyak::Reg32 d = dst(a);
                if (s.getIdx() != d.getIdx()) e.mov(d, s);
              }
            }
          } else if (!v) {
            e.mov(dst(a), dword[rbx + kH]);
          } else {  // MOV' with v: the flags and the core's version
            storeNZ();
            e.mov(eax, dword[rbx + kNv]);
            e.and_(eax, 0x80000000u);
            e.xor_(ecx, ecx);
            e.cmp(dword[rbx + kZv], 0);
            e.sete(cl);
            e.shl(ecx, 30);
            e.or_(eax, ecx);
            e.movzx(ecx, byte[rbx + kC]);
            e.and_(ecx, 1);
            e.shl(ecx, 29);
            e.or_(eax, ecx);
            e.movzx(ecx, byte[rbx + kV]);
            e.shl(ecx, 28);
            e.or_(eax, ecx);
            e.or_(eax, Cpu::kVersion);
            e.mov(dst(a), eax);
          }
          break;
        case isa::Op::LSL:
        case isa::Op::ASR:
        case isa::Op::ROR: {
          const isa::Op op = isa::op(ir);
          if (kBmi2 && (q || op != isa::Op::ROR)) {
            // Non-destructive forms; x86 takes a count in ecx modulo 32, as RISC5.v's shifter.
            const uint8_t n5 = imm & 31;
            if (!q) {
              if (fromMemory(c)) e.loadState(ecx, regAt(c));
              else e.mov(ecx, src(c));
            } else if (op != isa::Op::ROR && !(op == isa::Op::LSL && n5 <= 3)) {
              e.mov(ecx, n5);
            }
            const bool leaForm = q && op == isa::Op::LSL && n5 <= 3;
            nonDestructive(a, b, !leaForm, [&](const Xbyak::Reg32& d, const Xbyak::Operand& s) {
              if (leaForm) {
                const Xbyak::Reg64 sb = static_cast<const Xbyak::Reg32&>(s).cvt64();
                if (n5 == 0) {
                  if (d.getIdx() != sb.getIdx()) e.mov(d, sb.cvt32());
                } else {
                  e.lea(d, ptr[sb * (1 << n5)]);
                }
              } else if (op == isa::Op::ROR) {
                e.rorx(d, s, n5);
              } else if (op == isa::Op::LSL) {
                e.shlx(d, s, ecx);
              } else {
                e.sarx(d, s, ecx);
              }
            });
            break;
          }
          binary(a, b, q ? -1 : static_cast<int>(c), [&](const Xbyak::Reg32& w, const Xbyak::Operand* s) {
            if (!s) {
              const uint8_t n5 = imm & 31;
              if (op == isa::Op::LSL) e.shl(w, n5);  // by 0: flags unchanged, as they must be
              else if (op == isa::Op::ASR) e.sar(w, n5);
              else e.ror(w, n5);
            } else {  // x86 takes the count modulo 32, as RISC5.v's 5-bit shifter does
              e.mov(ecx, *s);
              if (op == isa::Op::LSL) e.shl(w, cl);
              else if (op == isa::Op::ASR) e.sar(w, cl);
              else e.ror(w, cl);
            }
          });
          break;
        }
        case isa::Op::AND:
        case isa::Op::ANN:
        case isa::Op::IOR:
        case isa::Op::XOR: {
          const isa::Op op = isa::op(ir);
          binary(a, b, q ? -1 : static_cast<int>(c), [&](const Xbyak::Reg32& w, const Xbyak::Operand* s) {
            if (!s) {
              if (op == isa::Op::AND) e.and_(w, imm);
              else if (op == isa::Op::ANN) e.and_(w, ~imm);
              else if (op == isa::Op::IOR) e.or_(w, imm);
              else e.xor_(w, imm);
            } else {
              if (op == isa::Op::AND) e.and_(w, *s);
              else if (op == isa::Op::ANN) { e.mov(ecx, *s); e.not_(ecx); e.and_(w, ecx); }
              else if (op == isa::Op::IOR) e.or_(w, *s);
              else e.xor_(w, *s);
            }
          }, op != isa::Op::ANN);
          break;
        }
        case isa::Op::ADD:
        case isa::Op::SUB: {
          const bool add = isa::op(ir) == isa::Op::ADD;
          // Flags read: C/V (needCV), or all of them by the branch after (hostFlags there).
          const bool flagsRead = needCV[i] || (i + 1 < n && isBranch(words[i + 1]));
          if (!u && !fromMemory(b) && (q ? !flagsRead || !add : add && !flagsRead && !fromMemory(c))) {
            // The sum by LEA when no flag is read; a SUB of a constant whose flags are read by
            // LEA and a CMP of R.b (x86 sets the flags of sub for cmp): the branch then waits
            // for R.b alone, not for a copy of it.
            if (!q) {
              leaSum(a, b, c);
              flagsFrom = -1;
              break;
            }
            const int32_t k = static_cast<int32_t>(add ? imm : 0u - imm);
            nonDestructive(a, b, false, [&](const Xbyak::Reg32& d, const Xbyak::Operand& s) {
              const Xbyak::Reg32& sb = static_cast<const Xbyak::Reg32&>(s);
              if (d.getIdx() == sb.getIdx()) {
                add ? e.add(d, imm) : e.sub(d, imm);
              } else {
                e.lea(d, ptr[sb.cvt64() + k]);
                if (flagsRead) e.cmp(sb, imm);
              }
            });
            if (needCV[i]) storeCV();
            flagsFrom = flagsRead ? static_cast<int>(i) : -1;
            break;
          }
          binary(a, b, q ? -1 : static_cast<int>(c), [&](const Xbyak::Reg32& w, const Xbyak::Operand* s) {
            if (u) e.bt(Xbyak::util::word[rbx + kC], 0);  // carry in: CF := C
            if (!s) {
              if (u) add ? e.adc(w, imm) : e.sbb(w, imm);
              else add ? e.add(w, imm) : e.sub(w, imm);
            } else {
              if (u) add ? e.adc(w, *s) : e.sbb(w, *s);
              else add ? e.add(w, *s) : e.sub(w, *s);
            }
          }, add && !u);
          if (needCV[i]) storeCV();  // after binary's movs, which keep the host flags
          flagsFrom = static_cast<int>(i);  // movs only from here to the next instruction
          break;
        }
        case isa::Op::MUL: {
          if (!u) {
            // Signed: H from edx:eax, the low word by a second IMUL into R.a's register (3
            // cycles from the operands, where edx:eax and a copy out of eax take 5).
            withValue(b, [&](const Xbyak::Operand& x) { e.mov(eax, x); });
            if (q) {
              e.mov(ecx, imm);
              e.imul(ecx);
            } else {
              withValue(c, [&](const Xbyak::Operand& y) { e.imul(y); });
            }
            e.mov(dword[rbx + kH], edx);
            if (q) {
              nonDestructive(a, b, true, [&](const Xbyak::Reg32& d, const Xbyak::Operand& s) {
                e.imul(d, s, static_cast<int>(imm));
              });
            } else {
              binary(a, b, static_cast<int>(c), [&](const Xbyak::Reg32& w, const Xbyak::Operand* s) {
                e.imul(w, *s);
              }, true);
            }
            break;
          }
          // Unsigned x times signed y (Multiplier.v), 64-bit. Operands read only here come
          // straight from State (fromMemory).
          if (fromMemory(b)) e.loadState(eax, regAt(b));
          else e.mov(eax, src(b));
          if (q) e.mov(rcx, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(imm))));
          else if (fromMemory(c)) e.movsxd(rcx, reg(c));
          else e.movsxd(rcx, src(c));  // y is signed in both modes
          e.imul(rax, rcx);
          e.mov(rdx, rax);
          e.shr(rdx, 32);
          e.mov(dword[rbx + kH], edx);
          if (through(a)) e.storeState(regAt(a), eax);
          else e.mov(dst(a), eax);
          break;
        }
        case isa::Op::DIV:
          e.mov(eax, src(b));
          if (q) e.mov(ecx, imm);
          else e.mov(ecx, src(c));
          flush();
          e.mov(edi, eax);
          e.mov(esi, ecx);
          e.mov(edx, u ? 0 : 1);
          callOnMainPath(reinterpret_cast<const void*>(&helperDivide));
          e.mov(rdx, rax);
          e.shr(rdx, 32);
          e.mov(dword[rbx + kH], edx);
          e.mov(dst(a), eax);
          break;
        case isa::Op::FAD:
        case isa::Op::FSB:  // register c even with q set (RISC5.v feeds the FPU C0)
        case isa::Op::FML:
        case isa::Op::FDV: {
          const isa::Op op = isa::op(ir);
          e.mov(eax, src(b));
          e.mov(ecx, src(c));
          flush();
          e.mov(edi, eax);
          e.mov(esi, ecx);
          if (op == isa::Op::FAD || op == isa::Op::FSB) {
            if (op == isa::Op::FSB) e.xor_(esi, 0x80000000u);
            e.mov(edx, u ? 1 : 0);
            e.mov(ecx, v ? 1 : 0);
            callOnMainPath(reinterpret_cast<const void*>(&fp::add));
          } else {
            callOnMainPath(op == isa::Op::FML ? reinterpret_cast<const void*>(&fp::mul)
                                              : reinterpret_cast<const void*>(&fp::div));
          }
          e.mov(dst(a), eax);
          break;
        }
      }
    } else if (!q) {
      // Memory: adr = R.b + off. RAM inline; outside RAM the Bus through the CPU's slow path,
      // after which a device may have asked to stop: then leave after this instruction.
      const int32_t off = isa::memoryOffset(ir);
      const bool isByte = v;
      const Xbyak::Reg32 base = src(b);
      if (off) e.lea(eax, ptr[base.cvt64() + off]);
      else e.mov(eax, base);
      if (lockstep_ && u) {
        flush();
        e.mov(esi, eax);
        e.mov(rdi, reinterpret_cast<uint64_t>(this));
        e.push(rax);  // the address, kept across the call (with rax: 16 bytes, aligned)
        e.push(rax);
        callOnMainPath(reinterpret_cast<const void*>(&helperNoteStore));
        e.pop(rax);
        e.pop(rax);
      }
      Cold& path = cold[coldCount++];
      path.isByte = isByte;
      path.i = i;
      if (!u) {
        const Xbyak::Reg32 d = dst(a);
        e.cmp(eax, ramBytes);
        path.kind = Cold::load;
        path.slow = e.jumpForward(Emitter::AE);
        path.reg = d;
        if (isByte) {
          e.movzx(d, byte[r12 + rax]);
        } else {
          e.and_(eax, ~3u);
          e.mov(d, dword[r12 + rax]);
        }
        path.done = e.getCurr();
        exitState[i] = rc;
      } else {
        const Xbyak::Reg32 value = src(a);
        e.cmp(eax, ramBytes);
        path.kind = Cold::store;
        path.slow = e.jumpForward(Emitter::AE);
        path.reg = value;
        // As the interpreter's stored(), for a word marked in the code map: its decode entry,
        // the framebuffer's damage, any block made from it (then leave: the next instruction
        // may be the one written). Unmarked words (data) need nothing more. edx: the word.
        if (isByte) {
          e.mov(byte[r12 + rax], value.cvt8());
          e.mov(edx, eax);
          e.shr(edx, 2);
        } else {
          e.and_(eax, ~3u);
          e.mov(dword[r12 + rax], value);
          e.mov(edx, eax);
          e.shr(edx, 2);
        }
        e.cmp(Xbyak::util::word[rbx + rdx * 2 + static_cast<int>(kCodeMapOffset)], 0);
        path.attention = e.jumpForward(Emitter::NE);
        path.done = e.getCurr();
        exitState[i] = rc;
      }
    } else if (isa::a(ir) == isa::F) {
      // "Never": no jump and no link (the interpreter's nop).
    } else if (followed(i)) {
      // Nothing: the path goes on at the jump's target.
    } else if (i + 1 < n) {
      // A side exit (isSideExit): taken, the registers go back to their homes out of line and
      // the rest of the block's count is given back; not taken, the block runs on.
      const uint32_t target = ipc + 1 + static_cast<uint32_t>(isa::branchOffset(ir));
      Cold& side = cold[coldCount++];
      side.kind = Cold::side;
      if (cvOnExit[i] && !hostFlags) throw std::logic_error("translator: a side exit lost its flags");
      side.slow = jumpIf(isa::a(ir), hostFlags);
      side.i = i;
      side.target = target;
      exitState[i] = rc;
    } else {
      // The branch that ends the block. Link: R15 := PC+1 as a byte address, N/Z from it.
      const uint32_t cond = isa::a(ir), next = ipc + 1;
      const uint32_t trap = (ir >> 4) & 15;  // Oberon's trap number in a BLR
      const uint32_t target = next + static_cast<uint32_t>(isa::branchOffset(ir));
      toCanonical();  // movs only: the host flags survive it
      if (u && !v && cond != isa::T && !lockstep_) {
        // A conditional jump (a loop's back edge): taken, straight into the target's entry.
        const size_t taken = jumpIf(cond, hostFlags);
        auto it = mayStart(target) ? blocks_.find(target) : blocks_.end();
        if (it != blocks_.end()) {
          e.bindTo(taken, it->second.code);
          link(it->second, pc);
        } else if (target == pc) {
          e.bind(taken, entryAt);
          selfLink = true;
        } else {
          links_->waiting[target].push_back(BatchLinks::Jump{taken, pc});
        }
        gotoNext(next);
        continue;
      }
      const RegisterCache clean = rc;
      size_t notTaken = 0;
      if (cond != isa::T) notTaken = jumpIf(cond ^ 8, hostFlags);
      // Link: R15 and N/Z straight into State (positive and non-zero: nv = zv = the address).
      auto link = [&]() {
        e.storeState(regAt(15), next * 4);
        e.storeState(kNv, next * 4);
        e.storeState(kZv, next * 4);
      };
      if (u) {
        if (v) link();
        gotoNext(target);
      } else {
        if (kHomeIndex[c] >= 0) e.mov(ecx, cacheReg(kHomeIndex[c]));  // canonical: no src()
        else if (const Xbyak::Reg32* p = pinned(c)) e.mov(ecx, *p);
        else e.loadState(ecx, regAt(c));
        e.shr(ecx, 2);
        if (v && trap != 0) {  // counting Oberon's traps (BLR to 20H with a trap number)
          e.cmp(ecx, 8);
          const size_t noTrap = e.jumpForward(Emitter::NE);
          e.mov(rax, reinterpret_cast<uint64_t>(&cpu_.trapEntries));
          e.inc(qword[rax]);
          e.bind(noTrap);
        }
        if (v) link();  // after reading R.c: BLR R15 jumps to the old R15
        e.mov(eax, ecx);
        gotoNext(kEmptyPc);
      }
      if (cond != isa::T) {
        rc = clean;
        e.bind(notTaken);
        gotoNext(next);
      }
    }
  }
  if (!endsInBranch) {
    toCanonical();
    gotoNext(path.pc[n - 1] + 1);
  }

  e.bind(noBudget);
  e.add(r14, static_cast<int>(n));
  e.mov(dword[rbx + kPc], pc);
  e.jmp(exit_, near);
  // The out-of-line paths: the stubs (emitTrampoline) keep the cache registers and set the host
  // flags: NE when the block must leave after the access.
  for (size_t k = 0; k < coldCount; ++k) {
    const Cold& path = cold[k];
    switch (path.kind) {
      case Cold::load:
        e.bind(path.slow);
        e.mov(edx, path.isByte ? 1 : 0);
        e.call(loadStub_);
        e.mov(path.reg, eax);
        exitAfterIf(path.i, Emitter::NE);
        e.jmp(path.done, near);
        break;
      case Cold::store:
        e.bind(path.attention);
        e.call(attentionStub_);
        exitAfterIf(path.i, Emitter::NE);
        e.jmp(path.done, near);
        e.bind(path.slow);
        e.mov(edx, path.reg);
        e.mov(ecx, path.isByte ? 1 : 0);
        e.call(storeStub_);
        exitAfterIf(path.i, Emitter::NE);
        e.jmp(path.done, near);
        break;
      case Cold::miss:
        e.bind(path.slow);
        e.mov(dword[rbx + kPc], eax);
        e.jmp(exit_, near);
        break;
      case Cold::side:
        e.bind(path.slow);
        if (cvOnExit[path.i]) storeCV();  // the jump kept the host flags
        canonical(exitState[path.i]);
        e.add(r14, static_cast<int>(n - (path.i + 1)));
        gotoNext(path.target);
        break;
    }
  }
  for (uint32_t i = 0; i < n; ++i) {
    bool used = false;
    for (size_t k = 0; k < exitJumpCount; ++k)
      if (exitJumps[k].i == i) {
        e.bind(exitJumps[k].at);
        used = true;
      }
    if (!used) continue;
    canonical(exitState[i]);
    if (n - (i + 1) > 0) e.add(r14, static_cast<int>(n - (i + 1)));
    e.mov(dword[rbx + kPc], path.pc[i] + 1);
    e.jmp(exit_, near);
  }
  e.align(16);
  used_ = static_cast<size_t>(e.getCurr() - cache_);

  for (uint32_t k = 0; k < path.segments; ++k) {
    const Segment& g = path.segment[k];
    if (g.start >= memory_.ramWords()) continue;  // ROM
    for (uint32_t w = g.start; w < g.start + g.count; ++w) ++codeMap_[w];
    if (k > 0) {
      codeMap_[g.start] |= kSegment;
      segmentOwners_.emplace(g.start, pc);
    }
  }
  if (pc < memory_.ramWords()) codeMap_[pc] |= kStart;
  Block& blk = blocks_[pc];
  blk = Block{cache_ + at, n, path.segments, path.segment, {}};
  if (selfLink) link(blk, pc);
  if (links_) {
    if (auto it = links_->waiting.find(pc); it != links_->waiting.end()) {
      for (const BatchLinks::Jump& j : it->second) {
        e.bind(j.at, entryAt);
        link(blk, j.fromPc);
      }
      links_->waiting.erase(it);
    }
  }
  state_.fast[pc & (kFastEntries - 1)] = FastEntry{pc, n, blk.code};
  ++stats_.blocksTranslated;
  stats_.instructionsTranslated += n;
  // Likely code next: where a branch leads, both sides of a conditional one, the return point
  // of a call, the continuation of a block cut at kMaxBlock (not what follows a jump or return:
  // often data, and translated data makes stores into it slow).
  const uint32_t last = words[n - 1];
  const uint32_t after = path.pc[n - 1] + 1;
  for (uint32_t i = 0; i + 1 < n; ++i)
    if (isSideExit(words[i]))
      successors.push_back(path.pc[i] + 1 + static_cast<uint32_t>(isa::branchOffset(words[i])));
  if (endsInBranch) {
    if (isa::u(last)) successors.push_back(after + static_cast<uint32_t>(isa::branchOffset(last)));
    if (isa::a(last) != isa::T || isa::v(last)) successors.push_back(after);
  } else if (n == kMaxBlock) {
    successors.push_back(after);
  }
  return &blk;
}


// ---- Helpers called from translated code -----------------------------------------------------

// After a device access the block leaves when a device asked the CPU to stop, or when the
// access changed translated code (TCPNet writes received data into RAM from a register store).
uint32_t Translator::helperLoad(Translator* t, uint32_t address, uint32_t byte) {
  const uint64_t before = t->stats_.invalidations;
  uint32_t value = t->cpu_.loadSlow(address, byte != 0);
  t->leave_ = t->cpu_.stopRequested_ || t->stats_.invalidations != before;
  return value;
}

void Translator::helperStore(Translator* t, uint32_t address, uint32_t value, uint32_t byte) {
  const uint64_t before = t->stats_.invalidations;
  t->cpu_.storeSlow(address, value, byte != 0);
  t->leave_ = t->cpu_.stopRequested_ || t->stats_.invalidations != before;
}

// A translated store into a word marked in the code map. True if translated code was dropped.
uint32_t Translator::helperAttention(Translator* t, uint32_t address) {
  const uint32_t word = address >> 2;
  uint16_t& mark = t->codeMap_[word];
  if (mark & kDecoded) {
    t->cpu_.ramCode_[word].op = 0;  // decoded again if the interpreter runs it
    mark &= static_cast<uint16_t>(~kDecoded);
  }
  if (mark & kDisplay) t->memory_.noteDisplayStore(address);
  return t->invalidateWord(word) ? 1 : 0;
}

uint64_t Translator::helperDivide(uint32_t x, uint32_t y, uint32_t isSigned) {
  uint32_t quot, rem;
  divide(x, y, isSigned != 0, quot, rem);
  return uint64_t{rem} << 32 | quot;
}

void Translator::helperNoteStore(Translator* t, uint32_t address) {
  if (address < t->memory_.ramBytes()) t->storedAddresses_.push_back(address);
}

// ---- The dispatcher --------------------------------------------------------------------------

void Translator::loadState() {
  for (int i = 0; i < 16; ++i) state_.r[i] = cpu_.R[i];
  state_.pc = cpu_.PC;
  state_.h = cpu_.H;
  state_.nv = cpu_.N ? 0x80000000u : 0u;
  state_.zv = cpu_.Z ? 0u : 1u;
  state_.c = cpu_.C;
  state_.v = cpu_.V;
}

void Translator::storeState() {
  for (int i = 0; i < 16; ++i) cpu_.R[i] = state_.r[i];
  cpu_.PC = state_.pc;
  cpu_.H = state_.h;
  cpu_.N = state_.nv >> 31;
  cpu_.Z = state_.zv == 0;
  cpu_.C = (state_.c & 1) != 0;  // translated code keeps LAHF's image there (storeCV)
  cpu_.V = state_.v != 0;
}

uint64_t Translator::run(uint64_t budget) {
  int64_t left = static_cast<int64_t>(budget > (1ull << 62) ? (1ull << 62) : budget);
  const int64_t start = left;
  if (lockstep_) {
    if (!difference_.what.empty()) return 0;  // stopped at the first difference
    shadowSync();
  }
  // A tick waiting at the start of a slice is taken first, as the interpreter does (the other
  // moments it is taken, RTI and STI, are special instructions, run by the interpreter).
  if (cpu_.intPnd && cpu_.intEnb && !cpu_.intMd) cpu_.enterInterrupt();
  loadState();
  while (left > 0 && !cpu_.stopRequested_ && cpu_.fault == CpuFault::none) {
    const uint32_t pc = state_.pc;
    const FastEntry* b = find(pc);
    uint32_t coldLength = 0;  // a block not (yet) worth translating: the interpreter runs it
    if (!b) {
      uint16_t& heat = heat_[pc & (kHeatEntries - 1)];
      coldLength = blockLength(pc);
      if (coldLength && heat + 1u >= hotAfter_) {
        if (lockstep_) {
          b = translate(pc);
        } else {
          // Hot: queued, and translated with others once kBatch are waiting or kBatchWait cold
          // blocks have run since the first: every batch costs an mprotect and its TLB flush.
          if (std::find(pending_.begin(), pending_.end(), pc) == pending_.end()) pending_.push_back(pc);
          if (pending_.size() >= kBatch || ++pendingWait_ >= kBatchWait) {
            translateBatch(pending_);
            pending_.clear();
            pendingWait_ = 0;
            b = find(pc);
          }
        }
      }
      if (b) {
        coldLength = 0;
      } else if (coldLength && heat + 1u < hotAfter_) {
        ++heat;
        coldLength = kRunOn;  // cold: the interpreter runs on to the next hot branch target
      }
    }
    int64_t ran;
    bool translated = false;
    uint32_t length = 0;
    if (lockstep_) {
      ioLog_.accesses.clear();
      ioLog_.replaying = false;
      storedAddresses_.clear();
      cpu_.setIoLog(&ioLog_);
    }
    if (b && b->length <= left) {
      // Read before entering: a store into the block's own words removes it while it runs.
      length = b->length;
      state_.left = left;
      ++stats_.dispatches;
      enter_(&state_, b->code);
      ran = left - state_.left;
      left = state_.left;
      translated = true;
    } else {
      // Cold code (the interpreter runs until a branch reaches a hot target), a hot block
      // waiting for its batch (that block alone), the tail of the budget, or else a special
      // instruction or a PC outside memory (one instruction: the interpreter takes the
      // interrupt or reports the fault).
      const uint64_t count = b || coldLength == kRunOn ? static_cast<uint64_t>(left)
                             : coldLength ? std::min<uint64_t>(coldLength, static_cast<uint64_t>(left)) : 1u;
      storeState();
      ran = static_cast<int64_t>(cpu_.interpret(count));
      loadState();
      left -= ran;
      stats_.interpretedInstructions += static_cast<uint64_t>(ran);
    }
    if (lockstep_) {
      cpu_.setIoLog(nullptr);
      storeState();
      if (!shadowCompare(pc, static_cast<uint64_t>(ran), translated, std::min<uint64_t>(length, ran))) break;
    }
    if (ran == 0 && !translated) break;  // a fault
  }
  storeState();
  if (lockstep_ && difference_.what.empty()) {
    std::string what;
    if (!compareRam(0, memory_.ramWords(), what)) {
      difference_.what = "after the slice: " + what;
      difference_.blockPc = cpu_.PC;
      cpu_.fault = CpuFault::lockstepDifference;
    }
  }
  return static_cast<uint64_t>(start - left);
}

// ---- Lockstep --------------------------------------------------------------------------------

void Translator::shadowSync() {
  Cpu& s = *shadowCpu_;
  if (shadowStale_) {
    std::copy_n(memory_.words(), memory_.ramWords(), shadowMemory_->words());
    s.forgetAll();
    shadowStale_ = false;
  }
  // The state the front end, the tests or the Machine may have set between slices.
  std::copy_n(cpu_.R, 16, s.R);
  s.PC = cpu_.PC;
  s.H = cpu_.H;
  s.N = cpu_.N; s.Z = cpu_.Z; s.C = cpu_.C; s.V = cpu_.V;
  s.intEnb = cpu_.intEnb; s.intPnd = cpu_.intPnd; s.intMd = cpu_.intMd;
  s.owedTicks = cpu_.owedTicks;
  s.SPC = cpu_.SPC;
  s.savedN = cpu_.savedN; s.savedZ = cpu_.savedZ; s.savedC = cpu_.savedC; s.savedV = cpu_.savedV;
  s.fault = cpu_.fault;
  s.faultAddress = cpu_.faultAddress;
  s.trapEntries = cpu_.trapEntries;
}

bool Translator::compareRam(uint32_t firstWord, uint32_t endWord, std::string& what) {
  const uint32_t* a = memory_.words();
  const uint32_t* b = shadowMemory_->words();
  for (uint32_t w = firstWord; w < endWord; ++w) {
    if (a[w] != b[w]) {
      std::ostringstream o;
      o << std::hex << std::uppercase << "RAM word at " << w * 4 << "H: translator " << a[w]
        << "H, interpreter " << b[w] << "H";
      what = o.str();
      return false;
    }
  }
  return true;
}

bool Translator::shadowCompare(uint32_t startPc, uint64_t ran, bool translated,
                               uint32_t blockLength) {
  Cpu& s = *shadowCpu_;
  ioLog_.replaying = true;
  ioLog_.next = 0;
  ioLog_.mismatch = false;
  // A step that ran nothing faulted (PC outside memory): the twin must fault on its first too.
  const uint64_t shadowRan = s.run(ran ? ran : 1);
  ++stats_.lockstepSteps;
  if (translated) ++stats_.lockstepBlocks;
  stats_.lockstepInstructions += ran;

  std::ostringstream o;
  o << std::hex << std::uppercase;
  auto differ = [&](const char* name, uint64_t mine, uint64_t twin) {
    if (mine != twin && o.tellp() == 0)
      o << name << ": translator " << mine << "H, interpreter " << twin << "H";
  };
  differ("instructions run", ran, shadowRan);
  for (int i = 0; i < 16; ++i) {
    char name[4];  // not "R" + std::to_string(i): GCC 12 warns of a memcpy overlap (-Wrestrict)
    std::snprintf(name, sizeof name, "R%d", i);
    differ(name, cpu_.R[i], s.R[i]);
  }
  differ("PC (word address)", cpu_.PC, s.PC);
  differ("H", cpu_.H, s.H);
  differ("N", cpu_.N, s.N);
  differ("Z", cpu_.Z, s.Z);
  differ("C", cpu_.C, s.C);
  differ("V", cpu_.V, s.V);
  differ("intEnb", cpu_.intEnb, s.intEnb);
  differ("intPnd", cpu_.intPnd, s.intPnd);
  differ("intMd", cpu_.intMd, s.intMd);
  differ("SPC", cpu_.SPC, s.SPC);
  differ("saved flags", cpu_.savedN << 3 | cpu_.savedZ << 2 | cpu_.savedC << 1 | cpu_.savedV,
         s.savedN << 3 | s.savedZ << 2 | s.savedC << 1 | s.savedV);
  differ("trap entries", cpu_.trapEntries, s.trapEntries);
  differ("fault", static_cast<unsigned>(cpu_.fault), static_cast<unsigned>(s.fault));
  differ("I/O accesses replayed", ioLog_.accesses.size(), ioLog_.mismatch ? ~0ull : ioLog_.next);
  std::string what = o.str();
  if (what.empty())
    for (uint32_t address : storedAddresses_)
      if (!compareRam(address / 4, address / 4 + 1, what)) break;
  if (what.empty()) return true;

  difference_.what = what;
  difference_.blockPc = startPc;
  difference_.translated = translated;
  difference_.words.clear();
  difference_.pcs.clear();
  if (translated) {
    Path path;
    pathAt(startPc, path);
    difference_.words.assign(path.word.begin(), path.word.begin() + std::min(path.n, blockLength));
    difference_.pcs.assign(path.pc.begin(), path.pc.begin() + std::min(path.n, blockLength));
  } else if (uint32_t available = 0; const uint32_t* words = wordsAt(startPc, available)) {
    difference_.words.assign(words, words + std::min(1u, available));
    difference_.pcs.push_back(startPc);
  }
  cpu_.fault = CpuFault::lockstepDifference;
  return false;
}

std::string LockstepDifference::report() const {
  std::ostringstream o;
  o << "lockstep: first difference after the " << (translated ? "translated block" : "interpreted step")
    << " at " << std::hex << std::uppercase << blockPc * 4 << "H: " << what << "\n";
  for (size_t i = 0; i < words.size(); ++i) {
    const uint32_t address = (i < pcs.size() ? pcs[i] : blockPc + static_cast<uint32_t>(i)) * 4;
    char line[32];
    std::snprintf(line, sizeof line, "  %08X  %08X  ", address, words[i]);
    o << line << assembler::disassemble(words[i], address) << "\n";
  }
  return o.str();
}

}  // namespace risc5::jit
