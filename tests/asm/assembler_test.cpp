// Directives, labels, expressions, every diagnostic, the round trip through the disassembler
// and the serial boot stream layout.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "tools/asm/assembler.h"
#include "tools/asm/encoding.h"
#include "tools/asm/formats.h"

using namespace risc5::assembler;

namespace {

Image ok(const std::string& source) {
  Result r = assemble(source, "t.s");
  BOOST_TEST_INFO(r.errorText());
  BOOST_REQUIRE(r.ok());
  return r.image;
}

// The single diagnostic produced by `source`.
std::string error(const std::string& source) {
  Result r = assemble(source, "t.s");
  BOOST_TEST_INFO(source);
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  return r.errors[0].text();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Uses every mnemonic and operand form.
const char* const kEveryMnemonic = R"(
        .equ IO, -64
        .org 100H
start:  MOV R0, 5
        MOV R1, -60
        MOV R2, R3
        MOV R4, H
        MOV R5, FLAGS
        MOV' R6, 0FFFFH
        MOVH R7, -2
        LSL R1, R2, R3
        LSL R1, R2, 31
        ASR R1, R2, 1
        ROR R1, R2, R3
        AND R1, R2, 0FFH
        ANN R1, R2, R3
        IOR R1, R2, 1
        XOR R1, R2, -1
        ADD R1, R2, R3
        ADDC R1, R2, R3
        ADD' R1, R2, 7
        SUB R1, R2, -0x10000
        SUBC R1, R2, R3
        MUL R1, R2, R3
        MULU R1, R2, 10
        DIV R1, R2, R3
        DIVU R1, R2, 3
        FAD R1, R2, R3
        FSB R1, R2, R3
        FML R1, R2, R3
        FDV R1, R2, R3
        FLT R1, R2, R3
        FLOOR R1, R2, R3
        LDW R1, SP, 8
        LDB R1, R2, -1
        STW LNK, SP, 0
        STB R1, MT, 7FFFFH
        LDW R0, R0, IO
back:   B start
        BMI back
        BEQ back
        BCS fwd
        BVS fwd
        BLS fwd
        BLT fwd
        BLE fwd
        BF fwd
        BPL back
        BNE back
        BCC back
        BVC back
        BHI back
        BGE back
        BGT back
        BL back
        BLEQ fwd
        BLLT fwd
        B LNK
        BNE R3
        BL R4
        BLR R5
        BLGE R6
        RTI
        STI
        CLI
fwd:    .word 12345678H, -1, fwd
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(assembler)

BOOST_AUTO_TEST_CASE(round_trip_through_the_disassembler) {
  Image first = ok(kEveryMnemonic);
  BOOST_TEST(first.origin == 0x100u);
  std::string listing = ".org " + std::to_string(first.origin) + "\n";
  for (size_t i = 0; i < first.words.size(); ++i) {
    listing += disassemble(first.words[i], first.origin + 4 * static_cast<uint32_t>(i)) + "\n";
  }
  Image second = ok(listing);
  BOOST_TEST(second.origin == first.origin);
  BOOST_TEST(second.words == first.words, boost::test_tools::per_element());
  // No mnemonic of that program needs the `.word` fallback except the data at the end.
  for (size_t i = 0; i + 3 < first.words.size(); ++i) {
    BOOST_TEST_CONTEXT(i) { BOOST_TEST(!contains(disassemble(first.words[i], 0), ".word")); }
  }
}

BOOST_AUTO_TEST_CASE(numbers_and_expressions) {
  Image im = ok(
      ".equ A, 10\n"
      ".equ B, A*4 + (2-1)\n"
      ".word 0x1F, 1FH, 0ABCDH, 31, -1, B, A/3, -(A-12), 0FFFFFFFFH\n");
  std::vector<uint32_t> want = {0x1F, 0x1F, 0xABCD, 31, 0xFFFFFFFF, 41, 3, 2, 0xFFFFFFFF};
  BOOST_TEST(im.words == want, boost::test_tools::per_element());
  BOOST_TEST(im.constants.at("B") == 41);
}

BOOST_AUTO_TEST_CASE(labels_org_and_branch_offsets) {
  Image im = ok(
      "        .org 200H\n"
      "a:      B c          ; forward: (20CH - 204H)/4 = 2\n"
      "b:      .word 0\n"
      "        .org 20CH\n"
      "c:      BNE a        ; backward: (200H - 210H)/4 = -4\n"
      "d: e:   BL d\n");
  BOOST_TEST(im.origin == 0x200u);
  BOOST_TEST(im.labels.at("a") == 0x200u);
  BOOST_TEST(im.labels.at("b") == 0x204u);
  BOOST_TEST(im.labels.at("c") == 0x20Cu);
  BOOST_TEST(im.labels.at("d") == 0x210u);
  BOOST_TEST(im.labels.at("e") == 0x210u);
  BOOST_TEST(im.indexOf("c") == 3);
  BOOST_TEST(im.indexOf("nothing") == -1);
  std::vector<uint32_t> want = {0xE7000002, 0, 0 /* .org gap */, 0xE9FFFFFC, 0xF7FFFFFF};
  BOOST_TEST(im.words == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(label_as_immediate_and_offset) {
  Image im = ok(".org 40H\nMOV R1, msg\nLDW R2, R0, msg\nmsg: .ascii \"Hi\"\n");
  BOOST_TEST(im.words[0] == 0x41000048u);
  BOOST_TEST(im.words[1] == 0x82000048u);
}

BOOST_AUTO_TEST_CASE(strings_pack_little_endian) {
  Image im = ok(".ascii \"Hello\"\n.asciz \"abc\"\n.asciz \"abcd\"\n.ascii \"\\n\\t\\\\\\\"\\x41\\0\"\n");
  std::vector<uint32_t> want = {0x6C6C6548, 0x0000006F,  // "Hell" "o" padded
                                0x00636261,              // "abc\0"
                                0x64636261, 0x00000000,  // "abcd" "\0"
                                0x225C090A, 0x00000041};  // \n \t \\ \" A \0
  BOOST_TEST(im.words == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(comments_case_and_blank_lines) {
  Image im = ok("; only a comment\n\n  mov r1, 5 ; lower case mnemonic and register\r\nlabel:\n");
  BOOST_TEST(im.words.size() == 1u);
  BOOST_TEST(im.words[0] == 0x41000005u);
  BOOST_TEST(im.labels.at("label") == 4u);
}

BOOST_AUTO_TEST_CASE(every_error_message) {
  struct E {
    const char* source;
    const char* message;
  };
  const std::vector<E> cases = {
      {"FOO R1, R2", "t.s:1: unknown mnemonic 'FOO'"},
      {"MOV R16, 1", "t.s:1: bad register 'R16' (R0..R15, MT, SB, SP, LNK)"},
      {"ADD R1, 5, R2", "t.s:1: expected a register, got '5'"},
      {"B nowhere", "t.s:1: undefined symbol 'nowhere'"},
      {"a: MOV R1, 1\na: MOV R1, 2", "t.s:2: duplicate symbol 'a' (first defined at line 1)"},
      {".equ X, 1\n.equ X, 2", "t.s:2: duplicate symbol 'X' (first defined at line 1)"},
      {"B 4000000H", "t.s:1: branch target 0x4000000 out of range (offset 16777215 words does not fit 24 bits)"},
      {"B 2", "t.s:1: branch target 0x2 is not word aligned"},
      {"ADD R1, R1, 70000",
       "t.s:1: immediate 70000 does not fit 16 bits (range -65536..65535; load larger values with MOV' and IOR)"},
      {"MOV R1, -65537",
       "t.s:1: immediate -65537 does not fit 16 bits (range -65536..65535; load larger values with MOV' and IOR)"},
      {"LDW R1, R2, 80000H", "t.s:1: offset 524288 does not fit 20 bits (range -524288..524287)"},
      {"MOV R1", "t.s:1: MOV expects 2 operands, got 1"},
      {"ADD R1, R2", "t.s:1: ADD expects 3 operands, got 2"},
      {"RTI R1", "t.s:1: RTI expects 0 operands, got 1"},
      {"LDW R1", "t.s:1: LDW expects 2 or 3 operands (register, base register[, offset])"},
      {"ADD R1, , R2", "t.s:1: missing operand"},
      {"MOV R1, 12G", "t.s:1: bad number '12G'"},
      {"MOV R1, 100000000H", "t.s:1: number '100000000H' does not fit 32 bits"},
      {"MOV R1, #5", "t.s:1: unexpected character '#'"},
      {".ascii \"abc", "t.s:1: unterminated string"},
      {".ascii \"\\q\"", "t.s:1: unknown escape '\\q' in string"},
      {".ascii 5", "t.s:1: .ascii needs a string"},
      {".foo 1", "t.s:1: unknown directive '.foo'"},
      {".word 1\n.org 0", "t.s:2: .org address is below the current address 0x4"},
      {".org 2", "t.s:1: .org address must be a multiple of 4"},
      {".word 1\n.org 7FFFFFF0H", "t.s:2: .org address 0x7FFFFFF0 makes the image larger than 64 MiB"},
      {".equ 5, 5", "t.s:1: .equ needs a name as first operand"},
      {".equ Y, Z\n.equ Z, 1", "t.s:1: undefined symbol 'Z'"},
      {"SP: MOV R1, 1", "t.s:1: 'SP' is a register name and cannot be a symbol"},
      {"FLT R1, R2, 5", "t.s:1: FLT needs a register as third operand"},
      {"5", "t.s:1: expected a mnemonic, got '5'"},
      {"MOV R1, (2", "t.s:1: missing ')' in expression"},
      {"MOV R1, 2 3", "t.s:1: unexpected '3' in expression"},
      {"MOV R1, 4/0", "t.s:1: division by zero in expression"},
      {".word", "t.s:1: .word needs at least one value"},
  };
  for (const E& e : cases) {
    BOOST_TEST_CONTEXT(e.source) { BOOST_TEST(error(e.source) == e.message); }
  }
}

BOOST_AUTO_TEST_CASE(errors_are_collected_with_line_numbers) {
  Result r = assemble("MOV R1, 1\nBAD\nMOV R99, 1\nB missing\n", "prog.s");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 3u);
  BOOST_TEST(r.errors[0].text() == "prog.s:2: unknown mnemonic 'BAD'");
  BOOST_TEST(r.errors[1].line == 3);
  BOOST_TEST(r.errors[2].text() == "prog.s:4: undefined symbol 'missing'");
  BOOST_TEST(r.errorText() == r.errors[0].text() + "\n" + r.errors[1].text() + "\n" + r.errors[2].text() + "\n");
}

BOOST_AUTO_TEST_CASE(serial_stream_layout) {
  Image im = ok(".org 100H\n.word 1, 2\n");
  // {length in bytes, address, words...} then a zero length, each word least significant byte first.
  std::vector<uint8_t> want = {8, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(toSerial(im) == want, boost::test_tools::per_element());
  std::vector<SerialBlock> blocks;
  BOOST_REQUIRE(fromSerial(want, blocks));
  BOOST_REQUIRE_EQUAL(blocks.size(), 1u);
  BOOST_TEST(blocks[0].address == 0x100u);
  BOOST_TEST(blocks[0].words == std::vector<uint32_t>({1, 2}), boost::test_tools::per_element());
  // Truncated or odd-length streams are rejected.
  want.pop_back();
  BOOST_TEST(!fromSerial(want, blocks));
  BOOST_TEST(!fromSerial({3, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0}, blocks));
  // An empty program is just the terminating zero.
  BOOST_TEST(toSerial(Image{}) == std::vector<uint8_t>({0, 0, 0, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(binary_and_cpp_outputs) {
  Image im = ok(".org 8\nx: .word 11223344H\n");
  BOOST_TEST(toBinary(im) == std::vector<uint8_t>({0x44, 0x33, 0x22, 0x11}), boost::test_tools::per_element());
  std::string cpp = toCpp(im, "a::b::rom", "x.s");
  BOOST_TEST(contains(cpp, "namespace a::b {"));
  BOOST_TEST(contains(cpp, "const std::uint32_t rom_words[] = {\n    0x11223344U,"));
  BOOST_TEST(contains(cpp, "const std::size_t rom_size = 1;"));
  BOOST_TEST(contains(cpp, "const std::uint32_t rom_origin = 0x00000008U;"));
  BOOST_TEST(contains(cpp, "\"x\","));
  BOOST_TEST(contains(cpp, "const std::size_t rom_label_count = 1;"));
}

BOOST_AUTO_TEST_SUITE_END()
