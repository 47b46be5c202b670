// Encodings checked against words computed by hand from ORG.Mod's Put0..Put3 formulas, e.g.
// Put1(Mov, 1, 0, 5) = (((1+40H)*10H + 0)*10H + 0)*10000H + 5 = 41000005H.
#define BOOST_TEST_MODULE asm
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>
#include <vector>

#include "tools/asm/assembler.h"
#include "tools/asm/encoding.h"

using namespace risc5::assembler;

namespace {

uint32_t one(const std::string& line) {
  Result r = assemble(line + "\n", "t.s");
  BOOST_TEST_INFO(line << ": " << r.errorText());
  BOOST_REQUIRE(r.ok());
  BOOST_REQUIRE_EQUAL(r.image.words.size(), 1u);
  return r.image.words[0];
}

// Each source line, the word ORG would emit for it, and the canonical disassembly at address 0.
struct Case {
  const char* source;
  uint32_t word;
  const char* listing;
};

const std::vector<Case> kCases = {
    {"MOV R1, 5", 0x41000005, "MOV R1, 5"},
    {"MOV R1, -1", 0x5100FFFF, "MOV R1, -1"},           // Put1: im < 0 adds V
    {"MOV R0, -60", 0x5000FFC4, "MOV R0, -60"},
    {"MOV R2, 0FFFFH", 0x4200FFFF, "MOV R2, 0xFFFF"},
    {"MOV' R2, 1234H", 0x62001234, "MOV' R2, 0x1234"},  // Mov+U
    {"MOVH R2, 1234H", 0x62001234, "MOV' R2, 0x1234"},
    {"MOV' R1, -1", 0x7100FFFF, "MOV' R1, -1"},         // Put1a: im DIV 10000H < 0
    {"MOV R3, R7", 0x03000007, "MOV R3, R7"},
    {"MOV R3, H", 0x23000000, "MOV R3, H"},             // Put0(Mov+U, 3, 0, 0)
    {"MOV R3, FLAGS", 0x33000000, "MOV R3, FLAGS"},
    {"LSL R1, R2, 3", 0x41210003, "LSL R1, R2, 3"},
    {"ASR R1, R2, R3", 0x01220003, "ASR R1, R2, R3"},
    {"ROR R1, R2, 3", 0x41230003, "ROR R1, R2, 3"},
    {"AND R1, R2, 3", 0x41240003, "AND R1, R2, 3"},
    {"ANN R1, R2, R3", 0x01250003, "ANN R1, R2, R3"},
    {"IOR R1, R2, 3", 0x41260003, "IOR R1, R2, 3"},
    {"XOR R1, R2, R3", 0x01270003, "XOR R1, R2, R3"},
    {"ADD R1, R2, R3", 0x01280003, "ADD R1, R2, R3"},
    {"ADD R1, R2, -5", 0x5128FFFB, "ADD R1, R2, -5"},
    {"SUB SP, SP, 4", 0x4EE90004, "SUB R14, R14, 4"},
    {"MUL R5, R1, R6", 0x051A0006, "MUL R5, R1, R6"},
    {"DIV R1, R2, 10", 0x412B000A, "DIV R1, R2, 10"},
    {"FAD R1, R2, R3", 0x012C0003, "FAD R1, R2, R3"},
    {"FSB R1, R2, R3", 0x012D0003, "FSB R1, R2, R3"},
    {"FML R1, R2, R3", 0x012E0003, "FML R1, R2, R3"},
    {"FDV R1, R2, R3", 0x012F0003, "FDV R1, R2, R3"},
    {"ADDC R1, R2, R3", 0x21280003, "ADDC R1, R2, R3"},  // u = 1: with carry
    {"ADD' R1, R2, 1", 0x61280001, "ADDC R1, R2, 1"},
    {"SUBC R1, R2, R3", 0x21290003, "SUBC R1, R2, R3"},
    {"MULU R1, R2, R3", 0x212A0003, "MULU R1, R2, R3"},
    {"DIVU R1, R2, R3", 0x212B0003, "DIVU R1, R2, R3"},
    {"FLT R1, R1, R2", 0x211C0002, "FLT R1, R1, R2"},      // ORG.Float: Fad+U
    {"FLOOR R1, R1, R2", 0x111C0002, "FLOOR R1, R1, R2"},  // ORG.Floor: Fad+V
    {"LDW R1, R2, 8", 0x81200008, "LDW R1, R2, 8"},      // Put2(Ldr, 1, 2, 8)
    {"LDB R1, R2, 8", 0x91200008, "LDB R1, R2, 8"},
    {"STW R1, R2, 8", 0xA1200008, "STW R1, R2, 8"},
    {"STB R1, R2, 8", 0xB1200008, "STB R1, R2, 8"},
    {"LDW R0, R13, -60", 0x80DFFFC4, "LDW R0, R13, -60"},
    {"STW LNK, SP, 0", 0xAFE00000, "STW R15, R14, 0"},
    {"LDW R1, R2", 0x81200000, "LDW R1, R2, 0"},
    {"B R15", 0xC700000F, "B R15"},                      // Put3(BR, 7, LNK)
    {"BR LNK", 0xC700000F, "B R15"},
    {"BLR R3", 0xD7000003, "BL R3"},
    {"BNE R3", 0xC9000003, "BNE R3"},
    {"BLNE R3", 0xD9000003, "BLNE R3"},
    {"RTI", 0xC7000010, "RTI"},                          // Put3(BR, 7, 10H)
    {"STI", 0xCF000021, "STI"},                          // LDPSR(1): Put3(0, 15, 21H)
    {"CLI", 0xCF000020, "CLI"},
    {"B 0", 0xE7FFFFFF, "B 0x0"},                        // to itself: offset -1 from PC+1
    {"BEQ 16", 0xE1000003, "BEQ 0x10"},                  // Put3(BC, EQ, 3)
    {"BL 8", 0xF7000001, "BL 0x8"},                      // Put3(BL, 7, 1)
};

}  // namespace

BOOST_AUTO_TEST_SUITE(encoding)

BOOST_AUTO_TEST_CASE(every_form_matches_ORG) {
  for (const Case& c : kCases) {
    BOOST_TEST_CONTEXT(c.source) {
      BOOST_TEST(one(c.source) == c.word);
      BOOST_TEST(disassemble(c.word, 0) == c.listing);
    }
  }
}

BOOST_AUTO_TEST_CASE(condition_codes) {
  // cond in [27:24]; bit 3 negates. B with u=1: E0H + cond in the top byte.
  const std::vector<std::pair<const char*, uint32_t>> conds = {
      {"BMI", 0}, {"BEQ", 1}, {"BCS", 2}, {"BVS", 3}, {"BLS", 4}, {"BLT", 5}, {"BLE", 6}, {"B", 7},
      {"BPL", 8}, {"BNE", 9}, {"BCC", 10}, {"BVC", 11}, {"BHI", 12}, {"BGE", 13}, {"BGT", 14}, {"BF", 15}};
  for (const auto& [m, cond] : conds) {
    BOOST_TEST_CONTEXT(m) {
      BOOST_TEST(one(std::string(m) + " 4") == (0xE0000000u | cond << 24));
      // With link: BL + the same condition (BLLT, BLLE: "BLT" is branch-if-less-than).
      std::string bl = std::string("BL") + (m + 1);
      BOOST_TEST(one(bl + " 4") == (0xF0000000u | cond << 24));
      BOOST_TEST(disassemble(0xE0000000u | cond << 24, 0) == std::string(m) + " 0x4");
    }
  }
}

BOOST_AUTO_TEST_CASE(encoder_helpers) {
  BOOST_TEST(encodeImmediate(Op::MOV, 1, 0, 5) == 0x41000005u);
  BOOST_TEST(encodeRegister(Op::ADD, 1, 2, 3) == 0x01280003u);
  BOOST_TEST(encodeMemory(false, false, 1, 2, 8) == 0x81200008u);
  BOOST_TEST(encodeMemory(true, true, 0, 13, -4) == 0xB0DFFFFCu);
  BOOST_TEST(encodeBranchRelative(EQ, false, -2) == 0xE1FFFFFEu);
  BOOST_TEST(encodeBranchRegister(T, true, 12) == 0xD700000Cu);
  BOOST_TEST(opName(Op::FDV) == "FDV");
  BOOST_TEST(condName(T) == "");
  BOOST_TEST(condName(NE) == "NE");
}

BOOST_AUTO_TEST_CASE(non_canonical_words_disassemble_as_word) {
  // Oberon trap: BLR cond MT with position and trap number in [23:4] (ORG.Trap).
  const uint32_t trap = 0xD9000000 | (123 << 8) | (4 << 4) | 12;
  BOOST_TEST(disassemble(trap, 0) == ".word 0xD9007B4C  ; BLNE R12 (trap 4, pos 123)");
  // MOV with a non-zero b field, register AND with junk in [15:4], u=1 on IOR.
  BOOST_TEST(disassemble(0x41500005, 0).rfind(".word 0x41500005", 0) == 0);
  BOOST_TEST(disassemble(0x01240013, 0).rfind(".word 0x01240013", 0) == 0);
  BOOST_TEST(disassemble(0x21260003, 0).rfind(".word 0x21260003", 0) == 0);
  // Every word re-assembles to itself.
  for (uint32_t w : {trap, 0x41500005u, 0x01240013u, 0x21260003u, 0x312C0003u, 0x0000006Fu}) {
    BOOST_TEST(one(disassemble(w, 0)) == w);
  }
}

BOOST_AUTO_TEST_CASE(any_word_survives_disassembly_and_reassembly) {
  // Pseudo-random words cover odd field combinations in all three formats.
  uint32_t x = 12345;
  std::string listing = ".org 1000H\n";
  std::vector<uint32_t> words;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1664525u + 1013904223u;
    words.push_back(x);
    listing += disassemble(x, 0x1000 + 4 * static_cast<uint32_t>(i)) + "\n";
  }
  Result r = assemble(listing, "random.s");
  BOOST_TEST_INFO(r.errorText().substr(0, 500));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.image.words == words, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(branch_targets_wrap_at_the_top_of_memory) {
  // The ROM at 0FFFFF800H: a branch there to its own start.
  BOOST_TEST(disassemble(0xE7FFFFFF, 0xFFFFF800) == "B 0xFFFFF800");
  Result r = assemble(".org 0FFFFF800H\nstart: B start\n", "t.s");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r.image.words.at(0) == 0xE7FFFFFFu);
}

BOOST_AUTO_TEST_SUITE_END()
