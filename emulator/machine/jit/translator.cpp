// The RISC5-to-x86-64 translator; see translator.h and docs/architecture.md.
//
// Host registers while translated code runs (all callee-saved, so calls into C++ keep them):
//   rbx  the guest State (with the PC -> code lookup table)    r12  RAM (guest address 0)
//   r13  the code map (Translator::codeMap: a store into a word with a bit set takes the slow
//        path: translated code, words the interpreter decoded, the framebuffer)
//   r14  instructions left
//   r15d guest R13 (SB, the static base)    ebp  guest R14 (SP): in State only outside
// Other guest registers and the flags live in State; r8d..r11d cache them within a block;
// rax, rcx, rdx, rsi, rdi are scratch.
//
// Semantics follow cpu.cpp line for line (the lockstep mode checks it): N and Z from every
// register write (nv, zv), C and V from ADD/SUB as RISC5.v's cx and vv, which for x86's add,
// adc, sub and sbb are exactly CF and OF (true carry/borrow and signed overflow, also with a
// carry in); shifts take the count modulo 32 as x86 does; MUL as Multiplier.v (signed, or an
// unsigned x times a signed y) with a 64-bit imul; DIV and the FPU through the very functions
// the interpreter calls (muldiv.h, fp.h).
#include "translator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <new>
#include <sstream>
#include <stdexcept>

#define XBYAK_NO_OP_NAMES
#include <xbyak/xbyak.h>

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
constexpr size_t kPopulateBytes = 256 << 10;

static_assert(sizeof(Decoded) == 12 && offsetof(Decoded, op) == 0, "decode cache layout");

size_t pageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// The pages of [p, p + n) become `prot` (RW while written, RX afterwards: never both).
void protect(uint8_t* base, size_t from, size_t to, int prot) {
  const size_t page = pageSize();
  size_t a = from / page * page, b = (to + page - 1) / page * page;
  if (mprotect(base + a, b - a, prot) != 0) throw std::bad_alloc();
}

// Instruction classes for the flag liveness pass.
struct Shape {
  bool writesNZ = false, readsNZ = false, writesCV = false, readsCV = false;
  bool memory = false, store = false;
};

bool isSpecial(uint32_t ir) {
  return isa::p(ir) && isa::q(ir) && !isa::u(ir) && !isa::v(ir) && (ir & 0x30);
}
bool isBranch(uint32_t ir) { return isa::p(ir) && isa::q(ir) && isa::a(ir) != isa::F; }

Shape shapeOf(uint32_t ir) {
  Shape s;
  if (!isa::p(ir)) {
    s.writesNZ = true;
    isa::Op op = isa::op(ir);
    if (op == isa::Op::ADD || op == isa::Op::SUB) {
      s.writesCV = true;
      s.readsCV = isa::u(ir);
    }
    if (op == isa::Op::MOV && !isa::q(ir) && isa::u(ir) && isa::v(ir)) s.readsNZ = s.readsCV = true;
  } else if (!isa::q(ir)) {
    s.memory = true;
    s.store = isa::u(ir);
    s.writesNZ = !s.store;
  } else if (isBranch(ir)) {
    s.readsNZ = s.readsCV = true;  // the block's end: everything is live there anyway
    s.writesNZ = isa::v(ir);
  }
  return s;
}

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
constexpr int kLeft = offsetof(State, left);
constexpr int kFast = offsetof(State, fast);
static_assert(sizeof(FastEntry) == 16);

// Guest registers held in host registers for the whole time translated code runs: the base
// registers of Oberon's loads and stores (ORG: SB = R13 globals, SP = R14 locals).
const Xbyak::Reg32* pinned(uint32_t g) {
  static const Xbyak::Reg32 sb = Xbyak::util::r15d, sp = Xbyak::util::ebp;
  return g == 13 ? &sb : g == 14 ? &sp : nullptr;
}

Xbyak::Address reg(uint32_t i) { return dword[rbx + kR + 4 * static_cast<int>(i)]; }

}  // namespace

// One per batch of blocks (an Xbyak CodeGenerator is costly to make: it holds every register).
class Emitter : public Xbyak::CodeGenerator {
 public:
  Emitter(size_t size, void* at) : Xbyak::CodeGenerator(size, at) {}
};

Translator::Translator(Cpu& cpu, Memory& memory, Bus& bus, bool lockstep)
    : cpu_(cpu), memory_(memory), lockstep_(lockstep),
      codeMap_(memory.ramWords(), 0),
      hotAfter_(lockstep ? 1 : kHotAfter) {
  cpu_.jitHeat_ = heat_.data();
  cpu_.jitHot_ = hotAfter_;
  for (FastEntry& f : state_.fast) f = FastEntry{kEmptyPc, 0, nullptr};
  // Framebuffer stores keep marking damage (Memory::noteDisplayStore), through the slow path.
  const uint32_t display = memory.displayStart() / 4;
  for (uint32_t w = display; w < (memory.displayStart() + memory.displayBytes() + 3) / 4 && w < codeMap_.size(); ++w)
    codeMap_[w] |= kDisplay;
  void* p = mmap(nullptr, kCacheBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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
  munmap(cache_, kCacheBytes);
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
  e.mov(r12, reinterpret_cast<uint64_t>(memory_.words()));
  e.mov(r13, reinterpret_cast<uint64_t>(codeMap_.data()));
  e.mov(*pinned(13), dword[rbx + kR + 13 * 4]);
  e.mov(*pinned(14), dword[rbx + kR + 14 * 4]);
  e.mov(r14, qword[rbx + kLeft]);
  e.jmp(rsi);
  e.align(16);
  exit_ = e.getCurr();
  e.mov(qword[rbx + kLeft], r14);
  e.mov(dword[rbx + kR + 13 * 4], *pinned(13));
  e.mov(dword[rbx + kR + 14 * 4], *pinned(14));
  e.add(rsp, 8);
  e.pop(r15);
  e.pop(r14);
  e.pop(r13);
  e.pop(r12);
  e.pop(rbp);
  e.pop(rbx);
  e.ret();
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

Translator::Block* Translator::find(uint32_t pc) {
  FastEntry& f = state_.fast[pc & (kFastEntries - 1)];
  auto it = blocks_.find(pc);
  if (it == blocks_.end()) return nullptr;
  f = FastEntry{pc, 0, it->second.code};
  return &it->second;
}

void Translator::flush() {
  blocks_.clear();
  for (uint16_t& m : codeMap_) m &= static_cast<uint16_t>(~kBlocksMask);
  for (FastEntry& f : state_.fast) f = FastEntry{kEmptyPc, 0, nullptr};
  protect(cache_, trampolineEnd_, kCacheBytes, PROT_NONE);
  used_ = trampolineEnd_;
  ++stats_.flushes;
}

void Translator::removeBlock(std::unordered_map<uint32_t, Block>::iterator it) {
  const uint32_t pc = it->first;
  if (pc < memory_.ramWords())
    for (uint32_t w = pc; w < pc + it->second.length; ++w) --codeMap_[w];
  FastEntry& f = state_.fast[pc & (kFastEntries - 1)];
  if (f.pc == pc) f = FastEntry{kEmptyPc, 0, nullptr};
  blocks_.erase(it);
  ++stats_.invalidations;
}

bool Translator::invalidateWord(uint32_t word) {
  if (word >= codeMap_.size() || (codeMap_[word] & kBlocksMask) == 0) return false;
  bool dropped = false;
  // A block covering `word` starts at most kMaxBlock - 1 words before it.
  const uint32_t first = word >= kMaxBlock - 1 ? word - (kMaxBlock - 1) : 0;
  for (uint32_t s = first; s <= word && (codeMap_[word] & kBlocksMask) != 0; ++s) {
    auto it = blocks_.find(s);
    if (it != blocks_.end() && s + it->second.length > word) {
      removeBlock(it);
      dropped = true;
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

// ---- Translation ---------------------------------------------------------------------------

// Translates the block at pc and, while the pages are writable anyway, the blocks it leads to
// directly (branch targets, the other side of a conditional branch, the return point of a
// call): making code pages writable and executable again costs two mprotect calls and their
// TLB flushes, which dominated translation when paid per block (20 us a block on the boot).
Translator::Block* Translator::translate(uint32_t pc) {
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
  if (used_ + kRegionBytes > kCacheBytes) flush();
  const size_t from = used_;
  protect(cache_, from, from + kRegionBytes, PROT_READ | PROT_WRITE);
  // Fault the first pages in with one call rather than one page fault each as code reaches them.
#ifdef MADV_POPULATE_WRITE
  madvise(cache_ + from, kPopulateBytes, MADV_POPULATE_WRITE);  // a hint: failure costs faults
#endif
  Emitter e(kRegionBytes, cache_ + from);
  for (size_t next = 0; next < work.size() && next < requested + kRegionBlocks; ++next) {
    if (used_ + kBlockReserve > from + kRegionBytes) break;
    if (blocks_.count(work[next])) continue;
    // Beyond the blocks asked for, only blocks that have run (in lockstep: all of them).
    if (next >= requested && hotAfter_ > 1 && heat_[work[next] & (kHeatEntries - 1)] == 0) continue;
    emitBlock(e, work[next], work);
  }
  e.ready();  // every label bound
  protect(cache_, from, used_, PROT_READ | PROT_EXEC);
  ++stats_.batches;
  stats_.translating += std::chrono::steady_clock::now() - t0;
}

uint32_t Translator::blockLength(uint32_t pc) const {
  uint32_t available = 0;
  const uint32_t* words = wordsAt(pc, available);
  uint32_t n = 0;
  while (words && n < kMaxBlock && n < available && !isSpecial(words[n]))
    if (isBranch(words[n++])) break;
  return n;
}

Translator::Block* Translator::emitBlock(Emitter& e, uint32_t pc, std::vector<uint32_t>& successors) {
  uint32_t available = 0;
  const uint32_t* words = wordsAt(pc, available);
  if (!words || isSpecial(words[0])) return nullptr;

  // The block: up to its first branch, before a special instruction, within RAM or ROM.
  uint32_t n = 0;
  while (n < kMaxBlock && n < available) {
    uint32_t ir = words[n];
    if (isSpecial(ir)) break;
    ++n;
    if (isBranch(ir)) break;
  }
  const bool endsInBranch = isBranch(words[n - 1]);

  // Flag liveness, backwards: a write of N/Z or C/V is emitted only if something may read it
  // before the next write: a later instruction, or the state at an exit (the block's end, or
  // the early exit a load or store may take).
  std::vector<uint8_t> needNZ(n), needCV(n);
  bool nzLive = true, cvLive = true;
  for (uint32_t i = n; i-- > 0;) {
    Shape s = shapeOf(words[i]);
    needNZ[i] = s.writesNZ && (nzLive || s.store);  // a load's slow path writes N/Z itself
    needCV[i] = s.writesCV && cvLive;
    if (s.writesNZ) nzLive = false;
    if (s.readsNZ || s.store) nzLive = true;
    if (s.writesCV) cvLive = false;
    if (s.readsCV || s.memory) cvLive = true;
  }

  const size_t at = static_cast<size_t>(e.getCurr() - cache_);
  std::vector<std::function<void()>> cold;  // out-of-line paths, emitted after the block

  const uint32_t ramBytes = memory_.ramBytes();
  // Guest registers stay in State (written through at once, so every exit finds them there),
  // and their latest values also in r8d..r11d, so that a read of a register just written does
  // not wait for the store to be forwarded (which put ~5 cycles on every dependency chain).
  // Calls clobber r8..r11: a call on the main path forgets them; out-of-line paths save them.
  static const Xbyak::Reg32 kCacheRegs[4] = {Xbyak::util::r8d, Xbyak::util::r9d, Xbyak::util::r10d,
                                             Xbyak::util::r11d};
  int cached[16];       // guest register -> index in kCacheRegs, or -1
  int holder[4];        // index -> guest register, or -1
  int victim = 0;
  // Where the last N/Z value written in this block is, if still in its cache register (nv and
  // zv are then that value); -1: read them from State.
  int nzGuest = -1, nzCache = -1;
  auto forgetCache = [&]() {
    std::fill(std::begin(cached), std::end(cached), -1);
    std::fill(std::begin(holder), std::end(holder), -1);
    nzGuest = nzCache = -1;
  };
  forgetCache();
  auto load = [&](const Xbyak::Reg32& dst, uint32_t g) {  // dst := R[g]
    if (const Xbyak::Reg32* p = pinned(g)) e.mov(dst, *p);
    else if (cached[g] >= 0) e.mov(dst, kCacheRegs[cached[g]]);
    else e.mov(dst, reg(g));
  };
  auto loadSigned = [&](const Xbyak::Reg64& dst, uint32_t g) {  // dst := sign-extended R[g]
    if (const Xbyak::Reg32* p = pinned(g)) e.movsxd(dst, *p);
    else if (cached[g] >= 0) e.movsxd(dst, kCacheRegs[cached[g]]);
    else e.movsxd(dst, reg(g));
  };
  // R[g] := eax, outside the cache (out-of-line paths).
  auto storeReg = [&](uint32_t g) {
    if (const Xbyak::Reg32* p = pinned(g)) e.mov(*p, eax);
    else e.mov(reg(g), eax);
  };
  auto callHelper = [&](const void* fn) {
    e.mov(rax, reinterpret_cast<uint64_t>(fn));
    e.call(rax);
  };
  auto callOnMainPath = [&](const void* fn) {
    callHelper(fn);
    forgetCache();
  };
  auto saveCache = [&]() {  // around calls out of line: 32 bytes keep the stack aligned
    for (auto& r : kCacheRegs) e.push(r.cvt64());
  };
  auto restoreCache = [&]() {
    for (int k = 3; k >= 0; --k) e.pop(kCacheRegs[k].cvt64());
  };
  // eax -> R[a] (and its cache register, returned; -1: pinned), and N/Z if live.
  auto setReg = [&](uint32_t a, bool nz) -> int {
    if (nz) {
      e.mov(dword[rbx + kNv], eax);
      e.mov(dword[rbx + kZv], eax);
    }
    if (const Xbyak::Reg32* p = pinned(a)) {
      e.mov(*p, eax);
      if (nz) {
        nzGuest = static_cast<int>(a);
        nzCache = -1;
      }
      return -1;
    }
    e.mov(reg(a), eax);
    int k = cached[a];
    if (k < 0) {
      k = victim;
      victim = (victim + 1) & 3;
      if (holder[k] >= 0) cached[holder[k]] = -1;
      holder[k] = static_cast<int>(a);
      cached[a] = k;
    }
    e.mov(kCacheRegs[k], eax);
    if (nz) {
      nzGuest = static_cast<int>(a);
      nzCache = k;
    }
    return k;
  };
  // The cache register holding N/Z's value, or null.
  auto nzRegister = [&]() -> const Xbyak::Reg32* {
    if (nzGuest >= 0 && pinned(nzGuest)) return pinned(nzGuest);
    if (nzGuest >= 0 && nzCache >= 0 && cached[nzGuest] == nzCache) return &kCacheRegs[nzCache];
    return nullptr;
  };
  // Leaves after instruction i (it completed): the rest of the block's count goes back.
  std::vector<Xbyak::Label> earlyExit(n);
  std::vector<bool> earlyExitUsed(n, false);
  auto exitAfter = [&](uint32_t i) -> Xbyak::Label& {
    earlyExitUsed[i] = true;
    return earlyExit[i];
  };
  // Continues at the block that starts at the PC in [rbx + pc]: the next block's entry through
  // the lookup table (chaining), or the dispatcher. target: a constant, or kEmptyPc for eax.
  // The PC is stored only when leaving to the dispatcher: a block entered by chaining knows
  // its own PC (its entry stores it when the budget is short).
  auto gotoNext = [&](uint32_t target) {
    Xbyak::Label miss;
    if (lockstep_) {  // lockstep compares after every block: no chaining
      if (target != kEmptyPc) e.mov(dword[rbx + kPc], target);
      else e.mov(dword[rbx + kPc], eax);
      e.jmp(exit_, Xbyak::CodeGenerator::T_NEAR);
      return;
    }
    if (target != kEmptyPc) {
      const int slot = kFast + static_cast<int>((target & (kFastEntries - 1)) * sizeof(FastEntry));
      e.cmp(dword[rbx + slot], target);
      e.jne(miss, Xbyak::CodeGenerator::T_NEAR);
      e.jmp(qword[rbx + slot + 8]);
      cold.push_back([&, miss, target]() mutable {
        e.L(miss);
        e.mov(dword[rbx + kPc], target);
        e.jmp(exit_, Xbyak::CodeGenerator::T_NEAR);
      });
    } else {
      e.mov(edx, eax);
      e.and_(edx, kFastEntries - 1);
      e.shl(edx, 4);
      e.cmp(dword[rbx + rdx + kFast], eax);
      e.jne(miss, Xbyak::CodeGenerator::T_NEAR);
      e.jmp(qword[rbx + rdx + kFast + 8]);
      cold.push_back([&, miss]() mutable {
        e.L(miss);
        e.mov(dword[rbx + kPc], eax);
        e.jmp(exit_, Xbyak::CodeGenerator::T_NEAR);
      });
    }
  };
  // eax := the branch condition (0/1) of RISC5.v's cond.
  auto condition = [&](uint32_t cond) {
    auto zflag = [&](const Xbyak::Reg32& r) {
      e.xor_(r, r);
      e.cmp(dword[rbx + kZv], 0);
      e.sete(r.cvt8());
    };
    switch (cond & 7) {
      case 0: e.mov(eax, dword[rbx + kNv]); e.shr(eax, 31); break;
      case 1: zflag(eax); break;
      case 2: e.movzx(eax, byte[rbx + kC]); break;
      case 3: e.movzx(eax, byte[rbx + kV]); break;
      case 4: zflag(eax); e.or_(al, byte[rbx + kC]); break;
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

  // Entry: the whole block's count, or back to the dispatcher (which runs the tail exactly).
  Xbyak::Label noBudget;
  e.sub(r14, static_cast<int>(n));
  e.jl(noBudget, Xbyak::CodeGenerator::T_NEAR);

  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t ir = words[i], ipc = pc + i;
    const uint32_t a = isa::a(ir), b = isa::b(ir), c = isa::c(ir);
    const bool q = isa::q(ir), u = isa::u(ir), v = isa::v(ir);
    const bool nz = needNZ[i], cv = needCV[i];
    if (!isa::p(ir)) {
      const uint32_t imm = isa::imm16(ir) | (v ? 0xFFFF0000u : 0u);
      auto operand = [&](const Xbyak::Reg32& dst) {  // C1 = q ? imm : R.c
        if (q) e.mov(dst, imm);
        else load(dst, c);
      };
      switch (isa::op(ir)) {
        case isa::Op::MOV:
          if (q) {
            e.mov(eax, u ? isa::imm16(ir) << 16 : imm);
          } else if (!u) {
            load(eax, c);
          } else if (!v) {
            e.mov(eax, dword[rbx + kH]);
          } else {  // MOV' with v: the flags and the core's version
            e.mov(eax, dword[rbx + kNv]);
            e.and_(eax, 0x80000000u);
            e.xor_(ecx, ecx);
            e.cmp(dword[rbx + kZv], 0);
            e.sete(cl);
            e.shl(ecx, 30);
            e.or_(eax, ecx);
            e.movzx(ecx, byte[rbx + kC]);
            e.shl(ecx, 29);
            e.or_(eax, ecx);
            e.movzx(ecx, byte[rbx + kV]);
            e.shl(ecx, 28);
            e.or_(eax, ecx);
            e.or_(eax, Cpu::kVersion);
          }
          setReg(a, nz);
          break;
        case isa::Op::LSL:
        case isa::Op::ASR:
        case isa::Op::ROR: {
          load(eax, b);
          const isa::Op op = isa::op(ir);
          if (q) {
            const uint8_t n5 = imm & 31;
            if (n5) {
              if (op == isa::Op::LSL) e.shl(eax, n5);
              else if (op == isa::Op::ASR) e.sar(eax, n5);
              else e.ror(eax, n5);
            }
          } else {  // x86 takes the count modulo 32, as RISC5.v's 5-bit shifter does
            load(ecx, c);
            if (op == isa::Op::LSL) e.shl(eax, cl);
            else if (op == isa::Op::ASR) e.sar(eax, cl);
            else e.ror(eax, cl);
          }
          setReg(a, nz);
          break;
        }
        case isa::Op::AND:
        case isa::Op::ANN:
        case isa::Op::IOR:
        case isa::Op::XOR: {
          load(eax, b);
          const isa::Op op = isa::op(ir);
          if (q) {
            if (op == isa::Op::AND) e.and_(eax, imm);
            else if (op == isa::Op::ANN) e.and_(eax, ~imm);
            else if (op == isa::Op::IOR) e.or_(eax, imm);
            else e.xor_(eax, imm);
          } else {
            load(ecx, c);
            if (op == isa::Op::AND) e.and_(eax, ecx);
            else if (op == isa::Op::ANN) { e.not_(ecx); e.and_(eax, ecx); }
            else if (op == isa::Op::IOR) e.or_(eax, ecx);
            else e.xor_(eax, ecx);
          }
          setReg(a, nz);
          break;
        }
        case isa::Op::ADD:
        case isa::Op::SUB: {
          load(eax, b);
          if (!q) load(ecx, c);
          const bool add = isa::op(ir) == isa::Op::ADD;
          if (u) {  // carry in: CF := C (neg sets CF for a non-zero operand)
            e.movzx(edx, byte[rbx + kC]);
            e.neg(edx);
          }
          if (q) {
            if (u) add ? e.adc(eax, imm) : e.sbb(eax, imm);
            else add ? e.add(eax, imm) : e.sub(eax, imm);
          } else {
            if (u) add ? e.adc(eax, ecx) : e.sbb(eax, ecx);
            else add ? e.add(eax, ecx) : e.sub(eax, ecx);
          }
          if (cv) {
            e.setc(byte[rbx + kC]);
            e.seto(byte[rbx + kV]);
          }
          setReg(a, nz);
          break;
        }
        case isa::Op::MUL:
          if (u) load(eax, b);  // zero-extended: unsigned x
          else loadSigned(rax, b);
          if (q) e.mov(rcx, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(imm))));
          else loadSigned(rcx, c);  // y is signed in both modes (Multiplier.v)
          e.imul(rax, rcx);
          e.mov(rdx, rax);
          e.shr(rdx, 32);
          e.mov(dword[rbx + kH], edx);
          setReg(a, nz);
          break;
        case isa::Op::DIV:
          load(edi, b);
          operand(esi);
          e.mov(edx, u ? 0 : 1);
          callOnMainPath(reinterpret_cast<const void*>(&helperDivide));
          e.mov(rdx, rax);
          e.shr(rdx, 32);
          e.mov(dword[rbx + kH], edx);
          setReg(a, nz);
          break;
        case isa::Op::FAD:
        case isa::Op::FSB:  // register c even with q set (RISC5.v feeds the FPU C0)
          load(edi, b);
          load(esi, c);
          if (isa::op(ir) == isa::Op::FSB) e.xor_(esi, 0x80000000u);
          e.mov(edx, u ? 1 : 0);
          e.mov(ecx, v ? 1 : 0);
          callOnMainPath(reinterpret_cast<const void*>(&fp::add));
          setReg(a, nz);
          break;
        case isa::Op::FML:
        case isa::Op::FDV:
          load(edi, b);
          load(esi, c);
          callOnMainPath(isa::op(ir) == isa::Op::FML ? reinterpret_cast<const void*>(&fp::mul)
                                                 : reinterpret_cast<const void*>(&fp::div));
          setReg(a, nz);
          break;
      }
    } else if (!q) {
      // Memory: adr = R.b + off. RAM inline; outside RAM the Bus through the CPU's slow path,
      // after which a device may have asked to stop: then leave after this instruction.
      const int32_t off = isa::memoryOffset(ir);
      const bool isByte = v;
      if (lockstep_ && u) {
        load(esi, b);
        e.add(esi, off);
        e.mov(rdi, reinterpret_cast<uint64_t>(this));
        callOnMainPath(reinterpret_cast<const void*>(&helperNoteStore));
      }
      load(eax, b);
      if (off) e.add(eax, off);
      Xbyak::Label slow, done;
      e.cmp(eax, ramBytes);
      e.jae(slow, Xbyak::CodeGenerator::T_NEAR);
      if (!u) {
        if (isByte) {
          e.movzx(eax, byte[r12 + rax]);
        } else {
          e.and_(eax, ~3u);
          e.mov(eax, dword[r12 + rax]);
        }
        const int k = setReg(a, nz);
        e.L(done);
        cold.push_back([&, slow, done, a, isByte, i, k]() mutable {
          e.L(slow);
          saveCache();
          e.mov(esi, eax);
          e.mov(rdi, reinterpret_cast<uint64_t>(this));
          e.mov(edx, isByte ? 1 : 0);
          callHelper(reinterpret_cast<const void*>(&helperLoad));
          restoreCache();
          storeReg(a);
          e.mov(dword[rbx + kNv], eax);
          e.mov(dword[rbx + kZv], eax);
          if (k >= 0) e.mov(kCacheRegs[k], eax);
          e.mov(rax, reinterpret_cast<uint64_t>(&leave_));
          e.cmp(byte[rax], 0);
          e.jne(exitAfter(i), Xbyak::CodeGenerator::T_NEAR);
          e.jmp(done, Xbyak::CodeGenerator::T_NEAR);
        });
      } else {
        load(ecx, a);
        if (isByte) {
          e.mov(byte[r12 + rax], cl);
        } else {
          e.mov(edx, eax);
          e.and_(edx, ~3u);
          e.mov(dword[r12 + rdx], ecx);
        }
        // As the interpreter's stored(), for a word marked in the code map: its decode entry,
        // the framebuffer's damage, any block made from it (then leave: the next instruction
        // may be the one written). Unmarked words (data) need nothing more.
        e.mov(edx, eax);
        e.shr(edx, 2);
        Xbyak::Label attention;
        e.cmp(Xbyak::util::word[r13 + rdx * 2], 0);
        e.jne(attention, Xbyak::CodeGenerator::T_NEAR);
        e.L(done);
        cold.push_back([&, attention, done, slow, a, isByte, i]() mutable {
          e.L(attention);
          saveCache();
          e.mov(esi, eax);
          e.mov(rdi, reinterpret_cast<uint64_t>(this));
          callHelper(reinterpret_cast<const void*>(&helperAttention));
          restoreCache();
          e.test(eax, eax);
          e.jnz(exitAfter(i), Xbyak::CodeGenerator::T_NEAR);
          e.jmp(done, Xbyak::CodeGenerator::T_NEAR);
          e.L(slow);
          saveCache();
          e.mov(esi, eax);
          if (const Xbyak::Reg32* p = pinned(a)) e.mov(edx, *p);
          else e.mov(edx, reg(a));
          e.mov(ecx, isByte ? 1 : 0);
          e.mov(rdi, reinterpret_cast<uint64_t>(this));
          callHelper(reinterpret_cast<const void*>(&helperStore));
          restoreCache();
          e.mov(rax, reinterpret_cast<uint64_t>(&leave_));
          e.cmp(byte[rax], 0);
          e.jne(exitAfter(i), Xbyak::CodeGenerator::T_NEAR);
          e.jmp(done, Xbyak::CodeGenerator::T_NEAR);
        });
      }
    } else if (isa::a(ir) == isa::F) {
      // "Never": no jump and no link (the interpreter's nop).
    } else {
      // The branch that ends the block. Link: R15 := PC+1 as a byte address, N/Z from it.
      const uint32_t cond = isa::a(ir), next = ipc + 1;
      const uint32_t trap = (ir >> 4) & 15;  // Oberon's trap number in a BLR
      auto link = [&]() {
        e.mov(eax, next * 4);
        setReg(15, true);
      };
      // ecx := R.c >> 2, counting Oberon's traps (BLR to 20H with a trap number).
      auto registerTarget = [&]() {
        load(ecx, c);
        e.shr(ecx, 2);
        if (v && trap != 0) {
          Xbyak::Label noTrap;
          e.cmp(ecx, 8);
          e.jne(noTrap);
          e.mov(rax, reinterpret_cast<uint64_t>(&cpu_.trapEntries));
          e.inc(qword[rax]);
          e.L(noTrap);
        }
      };
      const uint32_t target = next + static_cast<uint32_t>(isa::branchOffset(ir));
      Xbyak::Label notTaken;
      if (cond != isa::T) {
        // Jump to notTaken unless cond holds: MI, EQ, CS, VS (and negations) straight from the
        // flag's word or byte, or from the register holding N/Z's value; the others computed.
        const bool negated = cond & 8;
        const Xbyak::Reg32* nzReg = nzRegister();
        constexpr auto near = Xbyak::CodeGenerator::T_NEAR;
        switch (cond & 7) {
          case 0:
            if (nzReg) e.test(*nzReg, *nzReg);
            else e.cmp(dword[rbx + kNv], 0);
            negated ? e.js(notTaken, near) : e.jns(notTaken, near);
            break;
          case 1:
            if (nzReg) e.test(*nzReg, *nzReg);
            else e.cmp(dword[rbx + kZv], 0);
            negated ? e.je(notTaken, near) : e.jne(notTaken, near);
            break;
          case 2:
          case 3:
            e.cmp(byte[rbx + ((cond & 7) == 2 ? kC : kV)], 0);
            negated ? e.jne(notTaken, near) : e.je(notTaken, near);
            break;
          default:
            condition(cond);
            e.test(eax, eax);
            e.jz(notTaken, near);
            break;
        }
      }
      if (u) {
        if (v) link();
        gotoNext(target);
      } else {
        registerTarget();
        if (v) link();  // after reading R.c: BLR R15 jumps to the old R15
        e.mov(eax, ecx);
        gotoNext(kEmptyPc);
      }
      if (cond != isa::T) {
        e.L(notTaken);
        gotoNext(next);
      }
    }
  }
  if (!endsInBranch) gotoNext(pc + n);

  e.L(noBudget);
  e.add(r14, static_cast<int>(n));
  e.mov(dword[rbx + kPc], pc);
  e.jmp(exit_, Xbyak::CodeGenerator::T_NEAR);
  for (auto& f : cold) f();
  for (uint32_t i = 0; i < n; ++i) {
    if (!earlyExitUsed[i]) continue;
    e.L(earlyExit[i]);
    if (n - (i + 1) > 0) e.add(r14, static_cast<int>(n - (i + 1)));
    e.mov(dword[rbx + kPc], pc + i + 1);
    e.jmp(exit_, Xbyak::CodeGenerator::T_NEAR);
  }
  e.align(16);
  used_ = static_cast<size_t>(e.getCurr() - cache_);

  if (pc < memory_.ramWords())
    for (uint32_t w = pc; w < pc + n; ++w) ++codeMap_[w];
  Block& blk = blocks_[pc];
  blk = Block{cache_ + at, n};
  state_.fast[pc & (kFastEntries - 1)] = FastEntry{pc, 0, blk.code};
  ++stats_.blocksTranslated;
  stats_.instructionsTranslated += n;
  // Likely code next: where a branch leads, both sides of a conditional one, the return point
  // of a call, the continuation of a block cut at kMaxBlock (not what follows a jump or return:
  // often data, and translated data makes stores into it slow).
  const uint32_t last = words[n - 1];
  if (endsInBranch) {
    if (isa::u(last)) successors.push_back(pc + n + static_cast<uint32_t>(isa::branchOffset(last)));
    if (isa::a(last) != isa::T || isa::v(last)) successors.push_back(pc + n);
  } else if (n == kMaxBlock) {
    successors.push_back(pc + n);
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
  cpu_.C = state_.c != 0;
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
    Block* b = find(pc);
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
      if (!shadowCompare(pc, static_cast<uint64_t>(ran), translated, length)) break;
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
  uint32_t available = 0;
  const uint32_t* words = wordsAt(startPc, available);
  const uint32_t count = std::min(translated ? blockLength : 1u, available);
  if (words) difference_.words.assign(words, words + count);
  cpu_.fault = CpuFault::lockstepDifference;
  return false;
}

std::string LockstepDifference::report() const {
  std::ostringstream o;
  o << "lockstep: first difference after the " << (translated ? "translated block" : "interpreted step")
    << " at " << std::hex << std::uppercase << blockPc * 4 << "H: " << what << "\n";
  for (size_t i = 0; i < words.size(); ++i) {
    const uint32_t address = (blockPc + static_cast<uint32_t>(i)) * 4;
    char line[32];
    std::snprintf(line, sizeof line, "  %08X  %08X  ", address, words[i]);
    o << line << assembler::disassemble(words[i], address) << "\n";
  }
  return o.str();
}

}  // namespace risc5::jit
