// The RISC5-to-x86-64 translator (issue #13): guest code from RAM and ROM becomes host code one
// block at a time, emitted with Xbyak into a bounded code cache, and runs with the interpreter
// (cpu.cpp) as its twin for everything a block does not do itself: cold code (blocks reached
// by fewer than kHotAfter branches), special instructions (RTI, STI, CLI), the tail of a budget
// shorter than the next block, and a PC outside memory.
//
// A block starts at any PC and follows one path through the code (Translator::Path): on past
// forward conditional branches (side exits) and into the targets of plain jumps (B), to the
// first other branch (included), at most kMaxBlock instructions, ending before a special
// instruction or the end of RAM/ROM. Its entry subtracts its length from the budget, or leaves
// to the dispatcher when the budget is short, so run(budget) executes exactly `budget`
// instructions. Exits before the end (a side exit taken; a load or store outside RAM after
// which a device asked to stop; a store into translated code) give the rest back and go on at
// the next instruction. docs/architecture.md has the design.
//
// Only built on x86-64 with Xbyak (CMake option OBERON_JIT); Cpu::setMode reports otherwise.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/machine/bus.h"
#include "emulator/machine/cpu.h"
#include "emulator/machine/memory.h"

namespace risc5::jit {

// One entry of the PC -> translated code lookup that chains blocks (direct-mapped by PC).
struct FastEntry {
  uint32_t pc;      // 0xFFFFFFFF: empty (no word address is that large)
  uint32_t length;  // the block's instructions (for the dispatcher)
  const void* code;
};
inline constexpr uint32_t kFastEntries = 1u << 14;

// Guest state as translated code sees it: rbx points here. N and Z are kept as the interpreter
// keeps them (nv: the sign gives N, zv: zero gives Z), V as a 0/1 byte, C as bit 0 of its byte. R13 (SB) and R14
// (SP) live in r15d and ebp while translated code runs, and here otherwise.
struct State {
  uint32_t r[16];
  uint32_t nv, zv;
  uint32_t h;
  uint32_t pc;   // word address
  uint8_t v, c;  // adjacent, in this order: translated code stores both at once (storeCV)
  uint8_t pad[6];
  int64_t left;  // instructions left in this run() (r14 while translated code runs)
  FastEntry fast[kFastEntries];  // addressed from rbx, so that no register holds its base
};
// Where the code map (Translator::codeMap) follows State in their common allocation.
inline constexpr size_t kCodeMapOffset = (sizeof(State) + 63) / 64 * 64;

struct Stats {
  uint64_t blocksTranslated = 0;
  uint64_t instructionsTranslated = 0;
  uint64_t batches = 0;             // translation batches (one mprotect RW -> RX each)
  uint64_t flushes = 0;             // the code cache filled up and was emptied
  uint64_t cacheUsed = 0;           // bytes of the code cache in use (since the last flush)
  uint64_t invalidations = 0;       // blocks dropped because their code was written
  std::chrono::nanoseconds translating{0};
  uint64_t interpretedInstructions = 0;  // run by the interpreter (cold blocks, specials, tails)
  uint64_t dispatches = 0;          // entries into translated code from the dispatcher
  // Lockstep: steps compared (a block, or an interpreter stretch) and their instructions.
  uint64_t lockstepSteps = 0, lockstepBlocks = 0, lockstepInstructions = 0;
  // "2.1 ms for 654 blocks (6168 instructions), 0 cache flushes, ...": one line, no newline.
  std::string summary() const;
};

// The first difference lockstep found (empty `what` while there is none).
struct LockstepDifference {
  std::string what;             // which state differed, with both values
  uint32_t blockPc = 0;         // word address the step started at
  bool translated = false;      // a translated block (else an interpreter stretch)
  std::vector<uint32_t> words;  // the block's instruction words
  std::vector<uint32_t> pcs;    // and their word addresses (a block's path may jump)
  std::string report() const;   // multi-line, with a disassembly of the block
};

class Emitter;
struct BatchLinks;

class Translator {
 public:
  static constexpr uint32_t kMaxBlock = 64;                 // instructions per block
  static constexpr uint32_t kMaxSegments = 4;               // runs of consecutive words in one
  // A block is translated once its start was reached kHotAfter times by a branch; before, the
  // interpreter runs it at full speed: translating costs ~3 us a block (Xbyak's encoding, and an
  // mprotect per batch), the gain per instruction ~1.5 ns, and much code (the boot, module
  // bodies) runs once. On one compile of ORP.Mod 64 beat 256 and 1024 (2.0 against 1.9 and 1.7
  // times the interpreter, when a block cost 6 us); 16 translated more for nothing.
  static constexpr uint32_t kHotAfter = 64;
  static constexpr uint32_t kHeatEntries = Cpu::kJitHeatEntries;  // run counts, by PC (shared
                                                                  // on collision)
  static constexpr size_t kBatch = 32;                       // hot blocks translated together
  static constexpr uint32_t kBatchWait = 256;                // or after this many cold blocks ran

  // cacheBytes: the code cache's bound (Cpu::kJitCacheMinBytes or more), flushed when full.
  Translator(Cpu& cpu, Memory& memory, Bus& bus, bool lockstep, size_t cacheBytes = Cpu::kJitCacheBytes);
  ~Translator();
  Translator(const Translator&) = delete;
  Translator& operator=(const Translator&) = delete;

  uint64_t run(uint64_t budget);

  // RAM words changed by someone else than the CPU (Cpu::forget) / everything (power-on).
  void forget(uint32_t firstWord, uint32_t endWord);
  void forgetAll();
  // A store into word `word` of RAM: drops every block made from it. True if one was dropped.
  bool invalidateWord(uint32_t word);

  uint16_t* codeMap() { return codeMap_.data(); }
  // Bits of the code map: how many blocks were made from the word (low byte), whether the
  // interpreter has decoded it, whether it is framebuffer, whether a block starts there (so
  // that the dispatcher asks the hash map only then). Stores into a word with any bit set take
  // the slow path (helperAttention).
  // kSegment: a later run of some block's path starts there (segmentOwners_ says whose).
  static constexpr uint16_t kBlocksMask = 0xFF, kDecoded = 0x100, kDisplay = 0x200, kStart = 0x400,
                            kSegment = 0x800;
  const Stats& stats() const { return stats_; }
  bool lockstep() const { return lockstep_; }
  size_t cacheBytes() const { return cacheBytes_; }
  const LockstepDifference& difference() const { return difference_; }

 private:
  struct Segment {
    uint32_t start = 0, count = 0;  // words [start, start + count)
  };
  // A block's instructions in the order they run: the path from its PC, in at most
  // kMaxSegments runs of consecutive words (a plain jump B starts the next run at its target).
  struct Path {
    uint32_t n = 0;
    std::array<uint32_t, kMaxBlock> pc{}, word{};
    uint32_t segments = 0;
    std::array<Segment, kMaxSegments> segment{};
  };
  struct Block {
    const uint8_t* code;
    uint32_t length;                    // instructions (= words covered, some maybe twice)
    uint32_t segments;
    std::array<Segment, kMaxSegments> segment;
    std::vector<uint32_t> linkedFrom;   // blocks (by PC) whose code jumps straight into this one
    bool covers(uint32_t word) const {
      for (uint32_t k = 0; k < segments; ++k)
        if (word - segment[k].start < segment[k].count) return true;
      return false;
    }
  };

  const FastEntry* find(uint32_t pc);
  // False when no block starts at pc (RAM words say so in the code map; ROM always may).
  bool mayStart(uint32_t pc) const { return pc >= codeMap_.size() || (codeMap_[pc] & kStart); }
  const FastEntry* translate(uint32_t pc);
  void translateBatch(std::vector<uint32_t>& work);
  // The dispatcher's quick test: 0 where no block can start (a special instruction, outside
  // memory); else a count the interpreter may run for a block not translated yet.
  uint32_t blockLength(uint32_t pc) const;
  void pathAt(uint32_t pc, Path& path) const;  // the block translate() makes at pc
  Block* emitBlock(Emitter& e, uint32_t pc, std::vector<uint32_t>& successors);
  void flush();
  void removeBlock(std::unordered_map<uint32_t, Block>::iterator it);
  void link(Block& to, uint32_t fromPc);
  void loadState();
  void storeState();
  void emitTrampoline();
  const uint32_t* wordsAt(uint32_t pc, uint32_t& available) const;

  // Lockstep.
  void shadowSync();
  bool shadowCompare(uint32_t startPc, uint64_t ran, bool translated, uint32_t blockLength);
  bool compareRam(uint32_t firstWord, uint32_t endWord, std::string& what);

 public:  // called from translated code
  static uint32_t helperLoad(Translator* t, uint32_t address, uint32_t byte);
  static void helperStore(Translator* t, uint32_t address, uint32_t value, uint32_t byte);
  static uint32_t helperAttention(Translator* t, uint32_t address);
  static uint64_t helperDivide(uint32_t x, uint32_t y, uint32_t isSigned);
  static void helperNoteStore(Translator* t, uint32_t address);

 private:
  Cpu& cpu_;
  Memory& memory_;
  const bool lockstep_;
  const size_t cacheBytes_;
  // State, then the code map, in one allocation: translated code reaches both from rbx (the
  // map at kCodeMapOffset), which leaves r13 to hold a guest register.
  std::unique_ptr<uint8_t, void (*)(void*)> area_;
  State& state_;
  std::span<uint16_t> codeMap_;  // per RAM word: the bits above (kBlocksMask ... kSegment)
  uint8_t* cache_ = nullptr;  // cacheBytes_, mapped PROT_NONE, pages RW only while written
  size_t used_ = 0;
  size_t trampolineEnd_ = 0;
  void (*enter_)(State*, const void*) = nullptr;
  const uint8_t* exit_ = nullptr;
  const uint8_t* loadStub_ = nullptr;  // the slow sides of loads and stores (emitTrampoline)
  const uint8_t* storeStub_ = nullptr;
  const uint8_t* attentionStub_ = nullptr;
  BatchLinks* links_ = nullptr;  // while a batch is translated (not in lockstep)
  std::unordered_map<uint32_t, Block> blocks_;
  std::unordered_multimap<uint32_t, uint32_t> segmentOwners_;  // later runs' first word -> block
  std::vector<uint16_t> heat_ = std::vector<uint16_t>(kHeatEntries, 0);
  std::vector<uint32_t> pending_;  // hot blocks waiting for their batch
  uint32_t pendingWait_ = 0;
  uint32_t hotAfter_;  // kHotAfter; 1 in lockstep, so that every block is checked translated
  Stats stats_;

  // Lockstep's twin: the interpreter on a copy of RAM, fed the same device answers.
  std::unique_ptr<Memory> shadowMemory_;
  std::unique_ptr<Cpu> shadowCpu_;
  IoLog ioLog_;
  std::vector<uint32_t> storedAddresses_;  // RAM stores of the step being compared
  bool shadowStale_ = true;
  bool leave_ = false;  // set by the device-access helpers: leave the block after this access
  LockstepDifference difference_;
};

}  // namespace risc5::jit
