// The RISC5 processor of Project Oberon (2018 core: floating point and the millisecond interrupt).
//
// Instructions are decoded once into the CPU's decode cache (one entry per RAM word and per ROM
// word) and run by threaded dispatch (cpu.cpp); a store clears the entry of the word it changes,
// and writes by anyone else come through forget() (Oberon loads code at run time). No virtual
// call and no lock on the instruction path: only loads and stores outside RAM go through the Bus
// (I/O page, extension window).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "memory.h"

namespace risc5 {

class Bus;
namespace jit {
class Translator;
}

// Which engine runs the instructions (--cpu): the interpreter below, the RISC5-to-x86-64
// translator (jit/translator.h; x86-64 builds with OBERON_JIT only), or both in lockstep, the
// translator's every block checked against the interpreter (jit/lockstep).
enum class CpuMode : uint8_t { interp, jit, lockstep };

// Loads and stores that leave RAM, recorded by one engine and replayed to its twin in lockstep
// mode, so that both see the same device answers and the devices see each access once.
struct IoLog {
  struct Access {
    uint32_t address, value;
    bool store, byte;
  };
  std::vector<Access> accesses;
  size_t next = 0;       // replay position
  bool replaying = false;
  bool mismatch = false;  // the replaying engine made an access the recording one did not
};

// One decoded instruction (see cpu.cpp). op == 0 means "not decoded yet".
struct Decoded {
  int32_t op = 0;        // the handler, as an offset into run()'s code: 32 bits, so that any
                         // build, sanitizers included, fits
  uint8_t a = 0, b = 0;  // register fields
  uint32_t imm = 0;      // immediate, branch target, or register c
};

// Why the CPU stopped on its own (the front end decides what to do: report, reset).
enum class CpuFault : uint8_t {
  none,
  pcOutsideMemory,  // fetch from an address that is neither RAM nor ROM
  lockstepDifference,  // --cpu lockstep: translator and interpreter disagreed (jit/translator.h)
};

class Cpu {
 public:
  Cpu(Memory& memory, Bus& bus);
  ~Cpu();

  // Chooses the engine. Returns false (and keeps the interpreter) when the translator is not
  // built into this executable (translatorAvailable()). jitCacheBytes bounds the translator's
  // code cache (jit, lockstep), which is flushed when full: kJitCacheMinBytes to
  // kJitCacheMaxBytes, clamped.
  static constexpr size_t kJitCacheBytes = size_t{64} << 20;
  static constexpr size_t kJitCacheMinBytes = size_t{3} << 20;  // a batch's region (2 MiB) and more
  static constexpr size_t kJitCacheMaxBytes = size_t{1} << 30;
  bool setMode(CpuMode mode, size_t jitCacheBytes = kJitCacheBytes);
  CpuMode mode() const { return mode_; }
  static bool translatorAvailable();
  jit::Translator* translator() { return jit_.get(); }
  // --jit-stats: one line on the translator's work (blocks, time, cache flushes, ...).
  std::string translatorSummary() const;
  // --cpu lockstep: the first difference, with a disassembly of its block ("" if none).
  std::string lockstepReport() const;

  // Lockstep's twin: loads and stores outside RAM are recorded into / replayed from `log`.
  void setIoLog(IoLog* log) { ioLog_ = log; }

  // Hardware reset: PC := ROM start, flags and interrupt state cleared. Registers keep their
  // values, as on the board: the boot ROM tells a cold start (R15 = 0) from a warm one.
  void reset();

  // Executes at most `budget` instructions; returns how many ran. Stops early after
  // requestStop() (called by devices on this thread, e.g. when the guest idles) or on a fault.
  uint64_t run(uint64_t budget);
  void requestStop() { stopRequested_ = true; }

  // RAM words [first, end) were changed by someone other than the CPU: decode them again.
  void forget(uint32_t firstWord, uint32_t endWord);
  void forgetAll();

  // The millisecond tick (irq edge). Taken between instructions when enabled and not in a handler.
  void requestInterrupt() { intPnd = true; }

  // Architectural state, public for the front ends, the debugger and the tests.
  uint32_t R[16] = {};
  uint32_t PC = 0;  // word address
  uint32_t H = 0;
  bool N = false, Z = false, C = false, V = false;
  bool intEnb = false, intPnd = false, intMd = false;
  // Millisecond edges that came while one was pending and interrupts were enabled (a slice or an
  // idle sleep spans several; Machine::run counts them). Each RTI turns one into intPnd, so the
  // handler runs once per millisecond of guest time, back to back after a stall.
  uint32_t owedTicks = 0;
  uint32_t SPC = 0;  // saved PC (word address) of the interrupted instruction stream
  bool savedN = false, savedZ = false, savedC = false, savedV = false;

  CpuFault fault = CpuFault::none;
  uint32_t faultAddress = 0;
  // Oberon traps taken: branch-and-link to byte address 20H with a trap number other than 0
  // (trap 0 is NEW, Kernel's allocator).
  uint64_t trapEntries = 0;

  // Version byte read by MOV' with v = 1 (53H: the 2018 core).
  static constexpr uint32_t kVersion = 0x53;

 private:
  friend class jit::Translator;
  uint64_t interpret(uint64_t budget);  // run() with the interpreter, stop request untouched
  template <bool kCountBranches>
  uint64_t interpretWith(uint64_t budget);
  void enterInterrupt();                // takeInterrupt on the architectural state
  void translatedCodeStored(uint32_t word);  // the interpreter stored into translated code
  Decoded decode(uint32_t ir, uint32_t pc) const;
  void takeInterrupt(uint32_t& pc, uint32_t nv, uint32_t zv, uint32_t c, uint32_t v);
  uint32_t loadSlow(uint32_t address, bool byte);
  void storeSlow(uint32_t address, uint32_t value, bool byte);
  void forgetRom();

  Memory& memory_;
  std::vector<Decoded> ramCode_;    // the RAM's decode cache, and a sentinel after the last word
  Decoded romCode_[kRomWords + 1];  // the ROM's, and a sentinel
  Bus& bus_;
  bool stopRequested_ = false;
  CpuMode mode_ = CpuMode::interp;
  // Deleted in cpu.cpp, so that builds without the translator need none of its code.
  struct TranslatorDeleter {
    void operator()(jit::Translator* translator) const;
  };
  std::unique_ptr<jit::Translator, TranslatorDeleter> jit_;
  // The translator's code map (Translator::codeMap: blocks made from each RAM word, and whether
  // the interpreter decoded it); null without the translator. The interpreter's stores check
  // it, and its decoder marks the words it decodes (the translator's stores then clear them).
  uint16_t* codeWatch_ = nullptr;
  // The translator's run counts of branch targets (null without it) and its threshold.
  static constexpr uint32_t kJitHeatEntries = 1u << 16;
  uint16_t* jitHeat_ = nullptr;
  uint32_t jitHot_ = 0;
  IoLog* ioLog_ = nullptr;
};

}  // namespace risc5
