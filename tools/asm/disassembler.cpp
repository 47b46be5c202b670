// Word -> assembler text. The output re-assembles to the same word: every form the assembler
// knows is printed in that syntax, anything else as `.word` with a decoded comment.
#include "tools/asm/encoding.h"

#include <array>
#include <cstdio>

namespace risc5::assembler {
namespace {

constexpr std::array<std::string_view, 16> kOpNames = {
    "MOV", "LSL", "ASR", "ROR", "AND", "ANN", "IOR", "XOR",
    "ADD", "SUB", "MUL", "DIV", "FAD", "FSB", "FML", "FDV"};

constexpr std::array<std::string_view, 16> kCondNames = {
    "MI", "EQ", "CS", "VS", "LS", "LT", "LE", "",
    "PL", "NE", "CC", "VC", "HI", "GE", "GT", "F"};

std::string reg(uint32_t r) {
  std::string s = "R";  // appended, not "R" + ..., which trips GCC 12's -Wrestrict false positive
  s += std::to_string(r & 15);
  return s;
}

// Small values in decimal, large ones in hex (both forms are accepted by the assembler).
std::string number(int64_t v) {
  if (v > -4096 && v < 4096) return std::to_string(v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s0x%llX", v < 0 ? "-" : "",
                static_cast<unsigned long long>(v < 0 ? -v : v));
  return buf;
}

std::string hex32(uint32_t w) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", w);
  return buf;
}

std::string raw(uint32_t word, const std::string& decoded) {
  return ".word " + hex32(word) + "  ; " + decoded;
}

std::string registerFormat(uint32_t w) {
  const bool q = w & kQ, u = w & kU, v = w & kV;
  const uint32_t a = w >> 24 & 15, b = w >> 20 & 15, op = w >> 16 & 15, c = w & 15;
  const Op o = static_cast<Op>(op);
  // Immediate operand as ORG's Put1 writes it: negative literal <=> v = 1.
  const int64_t imm = v ? static_cast<int64_t>(w & 0xFFFF) - 0x10000 : (w & 0xFFFF);
  const std::string name(kOpNames[op]);

  if (o == Op::MOV) {
    std::string text;
    bool canonical = b == 0;
    if (q) {
      text = (u ? "MOV' " : "MOV ") + reg(a) + ", " + number(imm);
    } else {
      canonical = canonical && (w & 0xFFF0) == 0;
      if (!u) {
        text = "MOV " + reg(a) + ", " + reg(c);
        canonical = canonical && !v;
      } else {
        text = "MOV " + reg(a) + (v ? ", FLAGS" : ", H");
        canonical = canonical && c == 0;
      }
    }
    return canonical ? text : raw(w, text + " (unused fields set)");
  }

  std::string mnemonic = name;
  bool canonical = true;
  if (u) {
    switch (o) {
      case Op::ADD: mnemonic = "ADDC"; break;
      case Op::SUB: mnemonic = "SUBC"; break;
      case Op::MUL: mnemonic = "MULU"; break;
      case Op::DIV: mnemonic = "DIVU"; break;
      case Op::FAD: mnemonic = "FLT"; canonical = !q && !v; break;
      default: mnemonic = name + "'"; canonical = false; break;
    }
  } else if (o == Op::FAD && v && !q) {
    mnemonic = "FLOOR";
  }
  std::string text = mnemonic + " " + reg(a) + ", " + reg(b) + ", ";
  if (q) {
    text += number(imm);
  } else {
    text += reg(c);
    canonical = canonical && (w & 0xFFF0) == 0 && (!v || mnemonic == "FLOOR");
  }
  return canonical ? text : raw(w, text);
}

std::string memoryFormat(uint32_t w) {
  const bool store = w & kU, byte = w & kV;
  const uint32_t a = w >> 24 & 15, b = w >> 20 & 15;
  int64_t off = w & 0xFFFFF;
  if (off >= 0x80000) off -= 0x100000;
  std::string text = store ? (byte ? "STB " : "STW ") : (byte ? "LDB " : "LDW ");
  return text + reg(a) + ", " + reg(b) + ", " + number(off);
}

std::string branchFormat(uint32_t w, uint32_t address) {
  const bool u = w & kU, link = w & kV;
  const uint32_t cond = w >> 24 & 15;
  std::string mnemonic = std::string(link ? "BL" : "B") + std::string(kCondNames[cond]);
  if (u) {
    int32_t off = static_cast<int32_t>(w << 8) >> 8;
    uint32_t target = address + 4 + static_cast<uint32_t>(off) * 4;
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%X", target);
    return mnemonic + " " + buf;
  }
  if (w == kRti) return "RTI";
  if (w == kSti) return "STI";
  if (w == kCli) return "CLI";
  std::string text = mnemonic + " " + reg(w & 15);
  if ((w & 0xFFFFF0) == 0) return text;
  // Oberon traps: BLcc MT with the source position in [23:8] and the trap number in [7:4].
  if (link && (w & 15) == 12) {
    return raw(w, text + " (trap " + std::to_string(w >> 4 & 15) + ", pos " +
                      std::to_string(w >> 8 & 0xFFFF) + ")");
  }
  return raw(w, text + " (unused fields set)");
}

}  // namespace

std::string_view opName(Op op) { return kOpNames[static_cast<uint32_t>(op) & 15]; }
std::string_view condName(uint32_t cond) { return kCondNames[cond & 15]; }

std::string disassemble(uint32_t word, uint32_t address) {
  if (!(word & kP)) return registerFormat(word);
  if (!(word & kQ)) return memoryFormat(word);
  return branchFormat(word, address);
}

}  // namespace risc5::assembler
