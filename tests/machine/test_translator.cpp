// The x86-64 translator (emulator/machine/jit) against its twin, the interpreter: in lockstep
// (every block compared as it runs, --cpu lockstep) and as two machines run side by side on the
// same code, where blocks chain into each other as they do in --cpu jit. Where the translator is
// not built, the cases check that Cpu::setMode says so and are otherwise skipped.
#define BOOST_TEST_MODULE translator
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "emulator/base/isa.h"
#include "emulator/machine/machine.h"
#include "random_code.h"
#include "emulator/machine/jit/translator.h"
#include "firmware/boot_rom.h"

using namespace risc5;
namespace utf = boost::unit_test;

namespace {

// ctest reports the case Skipped where the translator is not built (not x86-64, no Xbyak).
struct Built {
  boost::test_tools::assertion_result operator()(utf::test_unit_id) {
    boost::test_tools::assertion_result r(Cpu::translatorAvailable());
    r.message() << "the translator is not built into this executable";
    return r;
  }
};

const std::vector<uint32_t> kEmptyRom(512, 0);

// Everything the interpreter and the translator must agree on after a run.
void requireSameState(Machine& a, Machine& b, const std::string& when) {
  Cpu &x = a.cpu(), &y = b.cpu();
  BOOST_TEST_INFO(when);
  for (int i = 0; i < 16; ++i) BOOST_REQUIRE_EQUAL(x.R[i], y.R[i]);
  BOOST_REQUIRE_EQUAL(x.PC, y.PC);
  BOOST_REQUIRE_EQUAL(x.H, y.H);
  BOOST_REQUIRE_EQUAL(x.N, y.N);
  BOOST_REQUIRE_EQUAL(x.Z, y.Z);
  BOOST_REQUIRE_EQUAL(x.C, y.C);
  BOOST_REQUIRE_EQUAL(x.V, y.V);
  BOOST_REQUIRE_EQUAL(x.intEnb, y.intEnb);
  BOOST_REQUIRE_EQUAL(x.intMd, y.intMd);
  BOOST_REQUIRE_EQUAL(x.SPC, y.SPC);
  BOOST_REQUIRE_EQUAL(x.trapEntries, y.trapEntries);
  BOOST_REQUIRE((x.fault == y.fault));
  BOOST_REQUIRE(std::memcmp(a.memory().words(), b.memory().words(), a.memory().ramBytes()) == 0);
}

void requireNoDifference(Machine& m) {
  BOOST_REQUIRE_MESSAGE(m.cpu().fault != CpuFault::lockstepDifference, m.cpu().lockstepReport());
}

// Registers worth trying every operation on: zero, one, the extremes, and FP words (1.0, -2.5,
// the smallest and largest exponents, an exponent-0 word the adder reads as 1.f * 2^-127).
constexpr uint32_t kCorners[] = {0,          1,          2,          31,         32,
                                 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFF,
                                 0x10000,    0x3F800000, 0xC0200000, 0x00800000, 0x7F7FFFFF,
                                 0x00000123, 0x4B000000, 0xFF800000, 0x00400000, 0xBF800000};

// A straight run of random register-format and memory instructions with operands from
// kCorners, ended by a random conditional branch back to its start or on: long blocks, every
// operation and flag combination, and branches that read whatever flags the block left.
void straightLineProgram(std::mt19937& rng, Machine& m, uint32_t at, uint32_t length) {
  for (uint32_t i = 0; i < length; ++i) {
    uint32_t ir;
    switch (rng() % 8) {
      case 0:  // memory, based on R13 (kept pointing into RAM below)
        ir = isa::encodeMemory(rng() & 1, rng() & 1, rng() % 12, 13, static_cast<int32_t>(rng() % 256) - 128);
        break;
      default: ir = rng() & 0x7FFFFFFF; break;  // p = 0: any register-format instruction
    }
    // Keep R12 (the count), R13 (the base) and R14 intact: a = 0..11.
    if (!isa::p(ir)) ir = (ir & ~(15u << 24)) | (rng() % 12) << 24;
    m.pokeWord(at + i, ir);
  }
  // SUB R12, R12, 1; B(cond) back to the start, else on to the next program.
  m.pokeWord(at + length, isa::encodeImmediate(isa::Op::SUB, 12, 12, 1));
  m.pokeWord(at + length + 1, isa::encodeBranchRelative(isa::NE, false, -static_cast<int32_t>(length + 2)));
  m.pokeWord(at + length + 2,
             isa::encodeBranchRelative(rng() % 15, rng() % 4 == 0, static_cast<int32_t>(rng() % 3)));
}

void setCorners(std::mt19937& rng, Cpu& cpu) {
  for (int i = 0; i < 12; ++i) cpu.R[i] = kCorners[rng() % std::size(kCorners)];
  cpu.R[12] = 3;         // loop count
  cpu.R[13] = 0x40000;   // memory base, inside the 1 MiB RAM and away from the code
  cpu.R[14] = 0x80000;
}

}  // namespace

BOOST_AUTO_TEST_CASE(set_mode_reports_whether_the_translator_is_built) {
  Machine m(MachineConfig{}, kEmptyRom);
  BOOST_TEST(m.cpu().setMode(CpuMode::jit) == Cpu::translatorAvailable());
  BOOST_TEST(m.cpu().setMode(CpuMode::interp));
  BOOST_TEST((m.cpu().mode() == CpuMode::interp));
}

// The fuzz test's random words (tests/machine/test_fuzz.cpp), in lockstep: every block the
// translator runs is compared with the interpreter running the same instructions.
BOOST_AUTO_TEST_CASE(random_code_in_lockstep, *utf::precondition(Built())) {
  Machine m(MachineConfig{}, kEmptyRom);
  BOOST_REQUIRE(m.cpu().setMode(CpuMode::lockstep));
  std::mt19937 rng(1122);
  uint64_t executed = 0;
  for (int round = 0; round < 200; ++round) {
    risc5::test::scramble(m, rng);
    executed += m.cpu().run(50000);
    requireNoDifference(m);
  }
  const jit::Stats& s = m.cpu().translator()->stats();
  BOOST_TEST_MESSAGE("lockstep: " << s.lockstepBlocks << " blocks, " << s.lockstepInstructions
                                  << " instructions compared");
  BOOST_TEST(executed > 100000u);
  BOOST_TEST(s.lockstepBlocks > 10000u);  // the translator ran, not only the interpreter
}

// Long straight blocks of every register and memory operation on corner operands, looping, in
// lockstep: flags left for later readers, carries in, FP corners, H after MUL and DIV.
BOOST_AUTO_TEST_CASE(every_operation_on_corner_values_in_lockstep, *utf::precondition(Built())) {
  Machine m(MachineConfig{}, kEmptyRom);
  BOOST_REQUIRE(m.cpu().setMode(CpuMode::lockstep));
  std::mt19937 rng(2024);
  uint64_t executed = 0;
  for (int round = 0; round < 400; ++round) {
    const uint32_t length = 1 + rng() % 80;  // also longer than a block (64)
    straightLineProgram(rng, m, 0x100, length);
    m.pokeWord(0x100 + length + 3, isa::encodeBranchRelative(isa::T, false, -1));  // park
    m.pokeWord(0x100 + length + 4, isa::encodeBranchRelative(isa::T, false, -2));
    m.pokeWord(0x100 + length + 5, isa::encodeBranchRelative(isa::T, false, -3));
    setCorners(rng, m.cpu());
    m.cpu().PC = 0x100;
    m.cpu().fault = CpuFault::none;
    executed += m.cpu().run(2000);
    requireNoDifference(m);
  }
  BOOST_TEST(executed > 200000u);
}

// Two machines, one per engine, on the same random code: here blocks chain (lockstep leaves
// after each block), and every run(budget) must stop at the same instruction.
BOOST_AUTO_TEST_CASE(chained_blocks_match_the_interpreter, *utf::precondition(Built())) {
  Machine a(MachineConfig{}, kEmptyRom), b(MachineConfig{}, kEmptyRom);
  BOOST_REQUIRE(b.cpu().setMode(CpuMode::jit));
  std::mt19937 rng(77);
  for (int round = 0; round < 300; ++round) {
    const uint32_t seed = rng();
    const bool structured = round % 2;
    const uint64_t budget = 1 + rng() % 60000;
    for (Machine* m : {&a, &b}) {
      std::mt19937 r(seed);
      if (structured) {
        straightLineProgram(r, *m, 0x100, 1 + r() % 80);
        setCorners(r, m->cpu());
        m->cpu().PC = 0x100;
      } else {
        for (uint32_t i = 0; i < 16384; ++i) m->pokeWord(i, r());
        for (auto& reg : m->cpu().R) reg = r();
        m->cpu().R[14] = 0x80000;
        m->cpu().PC = r() % 16384;
      }
      m->cpu().fault = CpuFault::none;
    }
    const uint64_t ranA = a.cpu().run(budget), ranB = b.cpu().run(budget);
    BOOST_REQUIRE_EQUAL(ranA, ranB);
    requireSameState(a, b, "round " + std::to_string(round));
  }
}

// run(budget) is exact: a loop of 3-instruction blocks stopped after every count 0..200 ends
// on the same instruction and state as the interpreter.
BOOST_AUTO_TEST_CASE(every_budget_stops_where_the_interpreter_does, *utf::precondition(Built())) {
  const uint32_t program[] = {
      isa::encodeImmediate(isa::Op::ADD, 1, 1, 1),               // 0: ADD R1, R1, 1
      isa::encodeImmediate(isa::Op::MUL, 2, 1, 3),               // 1: MUL R2, R1, 3
      isa::encodeBranchRelative(isa::T, false, -3),              // 2: B 0
  };
  for (uint64_t budget = 0; budget <= 200; ++budget) {
    Machine a(MachineConfig{}, kEmptyRom), b(MachineConfig{}, kEmptyRom);
    BOOST_REQUIRE(b.cpu().setMode(CpuMode::jit));
    for (Machine* m : {&a, &b}) {
      for (uint32_t i = 0; i < std::size(program); ++i) m->pokeWord(i, program[i]);
      m->cpu().PC = 0;
    }
    // Twice, so the second run starts in the middle of a block the first one translated.
    BOOST_REQUIRE_EQUAL(a.cpu().run(budget), budget);
    BOOST_REQUIRE_EQUAL(b.cpu().run(budget), budget);
    BOOST_REQUIRE_EQUAL(a.cpu().run(budget), budget);
    BOOST_REQUIRE_EQUAL(b.cpu().run(budget), budget);
    requireSameState(a, b, "budget " + std::to_string(budget));
  }
}

// Stores into translated code: the new instruction runs, not the translation of the old one.
// Program 1 patches a hot loop's body once, from a block that runs once (in --cpu jit the
// interpreter runs that one: the interpreter's store must drop the translation). Program 2
// stores into its own block on every pass, the next instruction but one (translated code
// storing into itself: the block must be left at once). Program 3 patches code that blocks
// reach by following a plain jump (a later run of their path, Translator::Path): the block the
// store is in and the one its side exit leads to both cover word 201 through the jump to 200,
// further from their starts than a block is long.
BOOST_AUTO_TEST_CASE(stores_into_translated_code_take_effect_at_once, *utf::precondition(Built())) {
  using isa::Op;
  const uint32_t movR5_2 = isa::encodeImmediate(Op::MOV, 5, 0, 2), movR5_7 = isa::encodeImmediate(Op::MOV, 5, 0, 7);
  const std::vector<uint32_t> patchOnce = {
      isa::encodeImmediate(Op::ADD, 3, 3, 1),            // 0: ADD R3, R3, 1
      isa::encodeImmediate(Op::SUB, 4, 3, 400),          // 1: SUB R4, R3, 400
      isa::encodeBranchRelative(isa::NE, false, 1),      // 2: BNE 4
      isa::encodeMemory(true, false, 2, 0, 5 * 4),       // 3: STW R2, R0, 20 (word 5), pass 400 only
      isa::encodeImmediate(Op::MOV, 1, 0, 1),            // 4: MOV R1, 1
      movR5_2,                                           // 5: MOV R5, 2 (MOV R5, 7 from pass 400)
      isa::encodeRegister(Op::ADD, 6, 6, 5),             // 6: ADD R6, R6, R5
      isa::encodeImmediate(Op::SUB, 7, 3, 600),          // 7: SUB R7, R3, 600
      isa::encodeBranchRelative(isa::NE, false, -9),     // 8: BNE 0
      isa::encodeBranchRelative(isa::T, false, -1),      // 9: B 9 (park)
  };
  const std::vector<uint32_t> patchEveryPass = {
      isa::encodeImmediate(Op::ADD, 3, 3, 1),            // 0: ADD R3, R3, 1
      isa::encodeImmediate(Op::SUB, 4, 3, 400),          // 1: SUB R4, R3, 400
      isa::encodeBranchRelative(isa::LT, false, 1),      // 2: BLT 4
      isa::encodeRegister(Op::MOV, 2, 0, 8),             // 3: MOV R2, R8 (MOV R5, 7) from pass 400
      isa::encodeMemory(true, false, 2, 0, 6 * 4),       // 4: STW R2, R0, 24 (word 6), every pass
      isa::encodeImmediate(Op::MOV, 1, 0, 1),            // 5: MOV R1, 1
      movR5_2,                                           // 6: MOV R5, 2 (MOV R5, 7 from pass 400)
      isa::encodeRegister(Op::ADD, 6, 6, 5),             // 7: ADD R6, R6, R5
      isa::encodeImmediate(Op::SUB, 7, 3, 600),          // 8: SUB R7, R3, 600
      isa::encodeBranchRelative(isa::NE, false, -10),    // 9: BNE 0
      isa::encodeBranchRelative(isa::T, false, -1),      // 10: B 10 (park)
  };
  std::vector<uint32_t> patchOnPath = {
      isa::encodeImmediate(Op::ADD, 3, 3, 1),            // 0: ADD R3, R3, 1
      isa::encodeImmediate(Op::SUB, 4, 3, 400),          // 1: SUB R4, R3, 400
      isa::encodeBranchRelative(isa::NE, false, 1),      // 2: BNE 4 (a side exit)
      isa::encodeMemory(true, false, 2, 0, 201 * 4),     // 3: STW R2, R0, 804 (word 201), pass 400 only
      isa::encodeBranchRelative(isa::T, false, 195),     // 4: B 200 (the path goes on there)
  };
  patchOnPath.resize(200, isa::encodeBranchRelative(isa::T, false, -1));  // never reached
  patchOnPath.insert(patchOnPath.end(), {
      isa::encodeImmediate(Op::MOV, 1, 0, 1),            // 200: MOV R1, 1
      movR5_2,                                           // 201: MOV R5, 2 (MOV R5, 7 from pass 400)
      isa::encodeRegister(Op::ADD, 6, 6, 5),             // 202: ADD R6, R6, R5
      isa::encodeImmediate(Op::SUB, 7, 3, 600),          // 203: SUB R7, R3, 600
      isa::encodeBranchRelative(isa::NE, false, -205),   // 204: BNE 0
      isa::encodeBranchRelative(isa::T, false, -1),      // 205: B 205 (park)
  });
  for (const std::vector<uint32_t>* program : {&patchOnce, &patchEveryPass, &std::as_const(patchOnPath)}) {
    for (CpuMode mode : {CpuMode::jit, CpuMode::lockstep}) {
      Machine a(MachineConfig{}, kEmptyRom), b(MachineConfig{}, kEmptyRom);
      BOOST_REQUIRE(b.cpu().setMode(mode));
      for (Machine* m : {&a, &b}) {
        for (uint32_t i = 0; i < program->size(); ++i) m->pokeWord(i, (*program)[i]);
        m->cpu().R[0] = 0;
        m->cpu().R[2] = program == &patchEveryPass ? movR5_2 : movR5_7;
        m->cpu().R[8] = movR5_7;
        m->cpu().PC = 0;
      }
      BOOST_REQUIRE_EQUAL(a.cpu().run(20000), 20000u);
      BOOST_REQUIRE_EQUAL(b.cpu().run(20000), 20000u);
      requireNoDifference(b);
      // 399 passes with R5 = 2, then 201 with R5 = 7 (the loop is translated long before).
      BOOST_TEST(a.cpu().R[6] == 399 * 2 + 201 * 7u);
      requireSameState(a, b, program == &patchOnce        ? "patched once"
                             : program == &patchEveryPass ? "patched every pass"
                                                          : "patched on a path");
      BOOST_TEST(b.cpu().translator()->stats().invalidations > 0u);
    }
  }
}

// More code than the smallest code cache holds, run over and over: the cache fills, is emptied
// (flush) and fills again many times while the program runs, in jit (blocks chained to blocks
// of the emptied cache must never be entered) and in lockstep. Chunks of random straight code
// each loop three times (SUB R12; BNE back), then fall through into the next; the last jumps
// back to the first.
BOOST_AUTO_TEST_CASE(a_full_code_cache_is_emptied_and_filled_again, *utf::precondition(Built())) {
  using isa::Op;
  auto program = [](Machine& m) {
    std::mt19937 rng(4242);
    uint32_t at = 0, chunks = 0;
    m.pokeWord(at++, isa::encodeImmediate(Op::MOV, 12, 0, 3));  // 0: MOV R12, 3
    while (at < 0xF000) {  // words; the data R13 points at start at 10000H
      const uint32_t start = at, length = 8 + rng() % 33;
      for (uint32_t i = 0; i < length; ++i) {
        uint32_t ir = rng() % 8 == 0 ? isa::encodeMemory(rng() & 1, rng() & 1, rng() % 12, 13,
                                                          static_cast<int32_t>(rng() % 256) - 128)
                                     : ((rng() & 0x7FFFFFFF) & ~(15u << 24)) | (rng() % 12) << 24;
        m.pokeWord(at++, ir);  // register or memory format, a = R0..R11
      }
      m.pokeWord(at++, isa::encodeImmediate(Op::SUB, 12, 12, 1));
      m.pokeWord(at, isa::encodeBranchRelative(isa::NE, false, static_cast<int32_t>(start) - static_cast<int32_t>(at) - 1));
      ++at;
      m.pokeWord(at++, isa::encodeImmediate(Op::MOV, 12, 0, 3));
      ++chunks;
    }
    m.pokeWord(at, isa::encodeBranchRelative(isa::T, false, -static_cast<int32_t>(at) - 1));  // B 0
    std::mt19937 r(99);
    setCorners(r, m.cpu());
    m.cpu().PC = 0;
    return chunks;
  };
  for (CpuMode mode : {CpuMode::jit, CpuMode::lockstep}) {
    Machine a(MachineConfig{}, kEmptyRom), b(MachineConfig{}, kEmptyRom);
    BOOST_REQUIRE(b.cpu().setMode(mode, Cpu::kJitCacheMinBytes));
    BOOST_REQUIRE_EQUAL(b.cpu().translator()->cacheBytes(), Cpu::kJitCacheMinBytes);
    const uint32_t chunks = program(a);
    program(b);
    const int slices = mode == CpuMode::jit ? 12 : 8;
    for (int slice = 0; slice < slices; ++slice) {
      BOOST_REQUIRE_EQUAL(a.cpu().run(1'000'000), 1'000'000u);
      BOOST_REQUIRE_EQUAL(b.cpu().run(1'000'000), 1'000'000u);
      requireNoDifference(b);
      requireSameState(a, b, std::string(mode == CpuMode::jit ? "jit" : "lockstep") + ", slice " +
                                 std::to_string(slice));
    }
    const jit::Stats& s = b.cpu().translator()->stats();
    BOOST_TEST_MESSAGE((mode == CpuMode::jit ? "jit" : "lockstep") << ", " << chunks << " chunks: " << s.summary());
    BOOST_TEST(s.flushes >= 20u);
    // Every chunk was translated, again after flushes, and translated code ran.
    BOOST_TEST(s.blocksTranslated > 10u * chunks);
    BOOST_TEST(s.interpretedInstructions < slices * 1'000'000u * 9 / 10);  // a tenth translated at least
  }
}

// Code written from outside the CPU (the module loader's copies, a device's DMA) is translated
// anew: Machine::pokeWord and the guest-memory adapter go through Cpu::forget.
BOOST_AUTO_TEST_CASE(code_written_from_outside_is_translated_anew, *utf::precondition(Built())) {
  Machine m(MachineConfig{}, kEmptyRom);
  BOOST_REQUIRE(m.cpu().setMode(CpuMode::jit));
  m.pokeWord(0, isa::encodeImmediate(isa::Op::ADD, 1, 1, 1));  // 0: ADD R1, R1, 1
  m.pokeWord(1, isa::encodeBranchRelative(isa::T, false, -2));  // 1: B 0
  m.cpu().PC = 0;
  BOOST_REQUIRE_EQUAL(m.cpu().run(10000), 10000u);  // hot: translated
  BOOST_TEST(m.cpu().R[1] == 5000u);
  BOOST_REQUIRE(m.cpu().translator()->stats().blocksTranslated > 0u);
  const uint8_t three[4] = {0x03, 0x00, 0x18, 0x41};  // ADD R1, R1, 3 (41180003H), little-endian
  BOOST_REQUIRE(m.guestMemory().writeBytes(0, three));
  m.cpu().PC = 0;
  BOOST_REQUIRE_EQUAL(m.cpu().run(10000), 10000u);
  BOOST_TEST(m.cpu().R[1] == 5000u + 5000 * 3);
  BOOST_TEST(m.cpu().translator()->stats().invalidations > 0u);
}

// A jump outside RAM and ROM stops the run as the interpreter does, counting nothing for it.
BOOST_AUTO_TEST_CASE(a_jump_outside_memory_faults_as_before, *utf::precondition(Built())) {
  Machine m(MachineConfig{}, kEmptyRom);
  BOOST_REQUIRE(m.cpu().setMode(CpuMode::jit));
  m.pokeWord(0, isa::encodeImmediate(isa::Op::MOV, 1, 0, 0x4000, true));  // MOV' R1, 40000000H
  m.pokeWord(1, isa::encodeBranchRegister(isa::T, false, 1));            // B R1
  m.cpu().PC = 0;
  BOOST_TEST(m.cpu().run(1000) == 2u);
  BOOST_TEST((m.cpu().fault == CpuFault::pcOutsideMemory));
  BOOST_TEST(m.cpu().faultAddress == 0x40000000u);
}

// The full boot of $OBERON_IMAGE from our boot ROM until Oberon idles, in lockstep.
BOOST_AUTO_TEST_CASE(boot_in_lockstep, *utf::precondition(Built())) {
  const char* image = std::getenv("OBERON_IMAGE");
  BOOST_REQUIRE_MESSAGE(image, "set OBERON_IMAGE to a Project Oberon disk image");
  auto p = firmware::bootRomPatches();
  Machine m(MachineConfig{}, BootRom{firmware::bootRom(), p.memLim, p.stackOrg});
  BOOST_REQUIRE(m.cpu().setMode(CpuMode::lockstep));
  auto why = m.sdcard().open(image, true);
  BOOST_REQUIRE_MESSAGE(why.empty(), why);
  int idleSlices = 0;
  for (int slice = 0; slice < 200 && idleSlices < 3; ++slice) {
    m.run(1'000'000);
    requireNoDifference(m);
    BOOST_REQUIRE((m.cpu().fault == CpuFault::none));
    idleSlices = m.idle() ? idleSlices + 1 : 0;
  }
  const jit::Stats& s = m.cpu().translator()->stats();
  BOOST_TEST_MESSAGE("boot in lockstep: " << m.instructions() << " instructions, " << s.lockstepBlocks
                                          << " blocks compared, " << s.blocksTranslated << " translated");
  BOOST_TEST(idleSlices == 3);
  BOOST_TEST(m.instructions() > 1'000'000u);
  BOOST_TEST(s.lockstepBlocks > 100'000u);
}
