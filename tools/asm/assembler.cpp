// Two passes over the parsed lines: pass 1 assigns addresses and defines labels and .equ
// constants (so .org and .equ may only use symbols defined above them); pass 2 encodes.
#include "tools/asm/assembler.h"

#include <cstdio>
#include <optional>

#include "tools/asm/encoding.h"
#include "tools/asm/lexer.h"

namespace risc5::assembler {

using detail::LineError;
using detail::Tok;
using detail::Token;
using detail::Tokens;

namespace {

struct Statement {
  int line = 0;
  std::string mnemonic;            // as written
  std::vector<Tokens> operands;
  uint32_t address = 0;
  uint32_t words = 0;
};

struct RegisterOp {
  Op op;
  bool u, v;
  enum Kind { Alu, RegisterOnly } kind;
};

std::optional<RegisterOp> registerOp(const std::string& m) {
  static const std::map<std::string, RegisterOp> table = {
      {"LSL", {Op::LSL, false, false, RegisterOp::Alu}},
      {"ASR", {Op::ASR, false, false, RegisterOp::Alu}},
      {"ROR", {Op::ROR, false, false, RegisterOp::Alu}},
      {"AND", {Op::AND, false, false, RegisterOp::Alu}},
      {"ANN", {Op::ANN, false, false, RegisterOp::Alu}},
      {"IOR", {Op::IOR, false, false, RegisterOp::Alu}},
      {"XOR", {Op::XOR, false, false, RegisterOp::Alu}},
      {"ADD", {Op::ADD, false, false, RegisterOp::Alu}},
      {"SUB", {Op::SUB, false, false, RegisterOp::Alu}},
      {"MUL", {Op::MUL, false, false, RegisterOp::Alu}},
      {"DIV", {Op::DIV, false, false, RegisterOp::Alu}},
      {"FAD", {Op::FAD, false, false, RegisterOp::Alu}},
      {"FSB", {Op::FSB, false, false, RegisterOp::Alu}},
      {"FML", {Op::FML, false, false, RegisterOp::Alu}},
      {"FDV", {Op::FDV, false, false, RegisterOp::Alu}},
      {"ADDC", {Op::ADD, true, false, RegisterOp::Alu}},
      {"ADD'", {Op::ADD, true, false, RegisterOp::Alu}},
      {"SUBC", {Op::SUB, true, false, RegisterOp::Alu}},
      {"SUB'", {Op::SUB, true, false, RegisterOp::Alu}},
      {"MULU", {Op::MUL, true, false, RegisterOp::Alu}},
      {"MUL'", {Op::MUL, true, false, RegisterOp::Alu}},
      {"DIVU", {Op::DIV, true, false, RegisterOp::Alu}},
      {"DIV'", {Op::DIV, true, false, RegisterOp::Alu}},
      {"FLT", {Op::FAD, true, false, RegisterOp::RegisterOnly}},
      {"FLOOR", {Op::FAD, false, true, RegisterOp::RegisterOnly}},
  };
  auto it = table.find(m);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> condition(const std::string& s) {
  static const std::map<std::string, uint32_t> table = {
      {"MI", MI}, {"EQ", EQ}, {"CS", CS}, {"VS", VS}, {"LS", LS}, {"LT", LT}, {"LE", LE}, {"", T},
      {"PL", PL}, {"NE", NE}, {"CC", CC}, {"VC", VC}, {"HI", HI}, {"GE", GE}, {"GT", GT}, {"F", F}};
  auto it = table.find(s);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

struct Branch {
  uint32_t cond;
  bool link;
};

// B{cond} and BL{cond}; "BLT" is B+LT (always-link is plain BL). BR/BLR are aliases of B/BL.
std::optional<Branch> branch(const std::string& m) {
  if (m == "BR") return Branch{T, false};
  if (m == "BLR") return Branch{T, true};
  if (m.empty() || m[0] != 'B') return std::nullopt;
  if (auto c = condition(m.substr(1))) return Branch{*c, false};
  if (m.size() >= 2 && m[1] == 'L') {
    if (auto c = condition(m.substr(2))) return Branch{*c, true};
  }
  return std::nullopt;
}

std::optional<uint32_t> registerNumber(const std::string& name) {
  std::string n = detail::upper(name);
  if (n == "SP") return 14;
  if (n == "LNK") return 15;
  if (n == "MT") return 12;
  if (n == "SB") return 13;
  if (n.size() >= 2 && n.size() <= 3 && n[0] == 'R') {
    uint32_t v = 0;
    for (size_t i = 1; i < n.size(); ++i) {
      if (n[i] < '0' || n[i] > '9') return std::nullopt;
      v = v * 10 + (n[i] - '0');
    }
    if (v <= 15) return v;
  }
  return std::nullopt;
}

bool reservedName(const std::string& name) {
  std::string n = detail::upper(name);
  if (registerNumber(name) || n == "H" || n == "FLAGS") return true;
  if (n.size() >= 2 && n[0] == 'R') {
    return n.find_first_not_of("0123456789", 1) == std::string::npos;
  }
  return false;
}

// 32-bit values may be written signed or unsigned; fold them to the signed reading.
int64_t signed32(int64_t v) { return v >= 0x80000000ll ? v - 0x100000000ll : v; }

constexpr uint32_t kMaxImageBytes = 64u << 20;

class Assembler {
 public:
  Assembler(std::string_view source, std::string_view file) : source_(source), file_(file) {}

  Result run() {
    parse();
    pass1();
    pass2();
    return std::move(result_);
  }

 private:
  void error(int line, const std::string& message) {
    result_.errors.push_back({file_, line, message});
  }

  Image& image() { return result_.image; }

  std::optional<int64_t> lookup(const std::string& name) const {
    const Image& im = result_.image;
    if (auto it = im.labels.find(name); it != im.labels.end()) return it->second;
    if (auto it = im.constants.find(name); it != im.constants.end()) return it->second;
    return std::nullopt;
  }

  int64_t eval(const Tokens& t) {
    return detail::evaluate(t, [this](const std::string& n) { return lookup(n); });
  }

  void define(int line, const std::string& name, int64_t value, bool label) {
    if (reservedName(name)) throw LineError("'" + name + "' is a register name and cannot be a symbol");
    if (lookup(name)) {
      auto it = definedAt_.find(name);
      throw LineError("duplicate symbol '" + name + "' (first defined at line " +
                      std::to_string(it == definedAt_.end() ? 0 : it->second) + ")");
    }
    definedAt_[name] = line;
    if (label) image().labels[name] = static_cast<uint32_t>(value);
    else image().constants[name] = value;
  }

  // Splits lines into labels and statements. Labels are recorded with the statement that
  // follows them (possibly an empty one) so that pass 1 gives them the right address.
  void parse() {
    int lineNo = 0;
    size_t pos = 0;
    while (pos <= source_.size()) {
      size_t end = source_.find('\n', pos);
      if (end == std::string_view::npos) end = source_.size();
      std::string_view text = source_.substr(pos, end - pos);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      ++lineNo;
      try {
        parseLine(lineNo, detail::tokenize(text));
      } catch (const LineError& e) {
        error(lineNo, e.what());
      }
      pos = end + 1;
    }
  }

  void parseLine(int line, const Tokens& t) {
    size_t i = 0;
    Statement s;
    s.line = line;
    std::vector<std::string> labels;
    while (i + 1 < t.size() && t[i].kind == Tok::Ident && t[i + 1].kind == Tok::Punct &&
           t[i + 1].text == ":") {
      labels.push_back(t[i].text);
      i += 2;
    }
    if (i < t.size()) {
      if (t[i].kind != Tok::Ident) throw LineError("expected a mnemonic, got '" + t[i].text + "'");
      s.mnemonic = t[i++].text;
      if (i < t.size()) {
        s.operands.emplace_back();
        for (; i < t.size(); ++i) {
          if (t[i].kind == Tok::Punct && t[i].text == ",") s.operands.emplace_back();
          else s.operands.back().push_back(t[i]);
        }
        for (const Tokens& op : s.operands) {
          if (op.empty()) throw LineError("missing operand");
        }
      }
    }
    for (const std::string& l : labels) pendingLabels_.push_back({line, l, statements_.size()});
    if (!s.mnemonic.empty() || !labels.empty()) statements_.push_back(std::move(s));
  }

  void pass1() {
    uint32_t loc = 0;
    bool emitted = false;
    size_t nextLabel = 0;
    for (size_t k = 0; k < statements_.size(); ++k) {
      Statement& s = statements_[k];
      std::string m = detail::upper(s.mnemonic);
      try {
        if (m == ".ORG") {
          expectOperands(s, 1);
          int64_t v = eval(s.operands[0]);
          uint32_t target = static_cast<uint32_t>(v);
          if (target % 4 != 0) throw LineError(".org address must be a multiple of 4");
          if (!emitted) {
            image().origin = target;
          } else if (target < loc) {
            throw LineError(".org address is below the current address " + hex(loc));
          }
          // Bad input must not make us allocate gigabytes of zero padding.
          if (target - image().origin > kMaxImageBytes) {
            throw LineError(".org address " + hex(target) + " makes the image larger than 64 MiB");
          }
          loc = target;
        }
      } catch (const LineError& e) {
        error(s.line, e.what());
      }
      // Labels on this statement take the address after any .org on it.
      for (; nextLabel < pendingLabels_.size() && pendingLabels_[nextLabel].statement == k; ++nextLabel) {
        const auto& l = pendingLabels_[nextLabel];
        try {
          define(l.line, l.name, loc, true);
        } catch (const LineError& e) {
          error(l.line, e.what());
        }
      }
      s.address = loc;
      try {
        s.words = size(s, m);
      } catch (const LineError& e) {
        error(s.line, e.what());
        s.words = 0;
      }
      if (s.words > 0) emitted = true;
      loc += 4 * s.words;
    }
    end_ = loc;
  }

  uint32_t size(Statement& s, const std::string& m) {
    if (m.empty() || m == ".ORG") return 0;
    if (m == ".EQU") {
      expectOperands(s, 2);
      if (s.operands[0].size() != 1 || s.operands[0][0].kind != Tok::Ident) {
        throw LineError(".equ needs a name as first operand");
      }
      define(s.line, s.operands[0][0].text, eval(s.operands[1]), false);
      return 0;
    }
    if (m == ".WORD") {
      if (s.operands.empty()) throw LineError(".word needs at least one value");
      return static_cast<uint32_t>(s.operands.size());
    }
    if (m == ".ASCII" || m == ".ASCIZ") {
      expectOperands(s, 1);
      if (s.operands[0].size() != 1 || s.operands[0][0].kind != Tok::String) {
        throw LineError(m == ".ASCII" ? ".ascii needs a string" : ".asciz needs a string");
      }
      size_t bytes = s.operands[0][0].text.size() + (m == ".ASCIZ" ? 1 : 0);
      return static_cast<uint32_t>((bytes + 3) / 4);
    }
    if (m[0] == '.') throw LineError("unknown directive '" + s.mnemonic + "'");
    return 1;
  }

  void pass2() {
    image().words.assign((end_ - image().origin) / 4, 0);
    for (Statement& s : statements_) {
      if (s.words == 0) continue;
      try {
        encode(s, detail::upper(s.mnemonic));
      } catch (const LineError& e) {
        error(s.line, e.what());
      }
    }
  }

  void put(const Statement& s, size_t i, uint32_t w) {
    image().words[(s.address - image().origin) / 4 + i] = w;
  }

  static std::string hex(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%X", v);
    return buf;
  }

  static void expectOperands(const Statement& s, size_t n) {
    if (s.operands.size() != n) {
      throw LineError(s.mnemonic + " expects " + std::to_string(n) + " operand" + (n == 1 ? "" : "s") +
                      ", got " + std::to_string(s.operands.size()));
    }
  }

  static std::optional<uint32_t> asRegister(const Tokens& t) {
    if (t.size() != 1 || t[0].kind != Tok::Ident) return std::nullopt;
    return registerNumber(t[0].text);
  }

  static uint32_t reg(const Tokens& t) {
    if (auto r = asRegister(t)) return *r;
    if (t.size() == 1 && t[0].kind == Tok::Ident && reservedName(t[0].text)) {
      throw LineError("bad register '" + t[0].text + "' (R0..R15, MT, SB, SP, LNK)");
    }
    throw LineError("expected a register, got '" + detail::spell(t) + "'");
  }

  static bool keyword(const Tokens& t, const char* k) {
    return t.size() == 1 && t[0].kind == Tok::Ident && detail::upper(t[0].text) == k;
  }

  // 16-bit immediate as ORG's Put1 writes it: v = 1 for negative values, which fills the
  // operand's upper half with ones. Accepts -10000H..0FFFFH (or the same as 32-bit patterns).
  struct Imm {
    uint32_t imm16;
    bool v;
  };
  Imm immediate(const Tokens& t) {
    int64_t v = signed32(eval(t));
    if (v < -0x10000 || v > 0xFFFF) {
      throw LineError("immediate " + std::to_string(v) +
                      " does not fit 16 bits (range -65536..65535; load larger values with MOV' and IOR)");
    }
    return {static_cast<uint32_t>(v) & 0xFFFF, v < 0};
  }

  void encode(const Statement& s, const std::string& m) {
    if (m == ".WORD") {
      for (size_t i = 0; i < s.operands.size(); ++i) put(s, i, static_cast<uint32_t>(eval(s.operands[i])));
      return;
    }
    if (m == ".ASCII" || m == ".ASCIZ") {
      const std::string& str = s.operands[0][0].text;
      for (size_t i = 0; i < str.size(); ++i) {
        uint32_t& w = image().words[(s.address - image().origin) / 4 + i / 4];
        w |= static_cast<uint32_t>(static_cast<unsigned char>(str[i])) << (8 * (i % 4));
      }
      return;
    }
    if (m == "MOV") {
      expectOperands(s, 2);
      uint32_t a = reg(s.operands[0]);
      const Tokens& src = s.operands[1];
      if (auto c = asRegister(src)) return put(s, 0, encodeRegister(Op::MOV, a, 0, *c));
      if (keyword(src, "H")) return put(s, 0, encodeRegister(Op::MOV, a, 0, 0, true, false));
      if (keyword(src, "FLAGS")) return put(s, 0, encodeRegister(Op::MOV, a, 0, 0, true, true));
      Imm i = immediate(src);
      return put(s, 0, encodeImmediate(Op::MOV, a, 0, i.imm16, false, i.v));
    }
    if (m == "MOV'" || m == "MOVH") {
      expectOperands(s, 2);
      uint32_t a = reg(s.operands[0]);
      Imm i = immediate(s.operands[1]);
      return put(s, 0, encodeImmediate(Op::MOV, a, 0, i.imm16, true, i.v));
    }
    if (auto r = registerOp(m)) {
      expectOperands(s, 3);
      uint32_t a = reg(s.operands[0]), b = reg(s.operands[1]);
      if (auto c = asRegister(s.operands[2])) return put(s, 0, encodeRegister(r->op, a, b, *c, r->u, r->v));
      if (r->kind == RegisterOp::RegisterOnly) {
        throw LineError(s.mnemonic + " needs a register as third operand");
      }
      Imm i = immediate(s.operands[2]);
      return put(s, 0, encodeImmediate(r->op, a, b, i.imm16, r->u, i.v));
    }
    if (m == "LDW" || m == "LDB" || m == "STW" || m == "STB") {
      if (s.operands.size() != 2 && s.operands.size() != 3) {
        throw LineError(s.mnemonic + " expects 2 or 3 operands (register, base register[, offset])");
      }
      uint32_t a = reg(s.operands[0]), b = reg(s.operands[1]);
      int64_t off = s.operands.size() == 3 ? signed32(eval(s.operands[2])) : 0;
      if (off < -0x80000 || off > 0x7FFFF) {
        throw LineError("offset " + std::to_string(off) + " does not fit 20 bits (range -524288..524287)");
      }
      return put(s, 0, encodeMemory(m[0] == 'S', m[2] == 'B', a, b, static_cast<int32_t>(off)));
    }
    if (m == "RTI" || m == "STI" || m == "CLI") {
      expectOperands(s, 0);
      return put(s, 0, m == "RTI" ? kRti : m == "STI" ? kSti : kCli);
    }
    if (auto br = branch(m)) {
      expectOperands(s, 1);
      if (auto c = asRegister(s.operands[0])) return put(s, 0, encodeBranchRegister(br->cond, br->link, *c));
      uint32_t target = static_cast<uint32_t>(eval(s.operands[0]));
      if (target % 4 != 0) throw LineError("branch target " + hex(target) + " is not word aligned");
      int64_t off = static_cast<int32_t>(target - (s.address + 4)) / 4;
      if (off < -0x800000 || off > 0x7FFFFF) {
        throw LineError("branch target " + hex(target) + " out of range (offset " + std::to_string(off) +
                        " words does not fit 24 bits)");
      }
      return put(s, 0, encodeBranchRelative(br->cond, br->link, static_cast<int32_t>(off)));
    }
    throw LineError("unknown mnemonic '" + s.mnemonic + "'");
  }

  struct PendingLabel {
    int line;
    std::string name;
    size_t statement;
  };

  std::string_view source_;
  std::string file_;
  std::vector<Statement> statements_;
  std::vector<PendingLabel> pendingLabels_;
  std::map<std::string, int> definedAt_;
  uint32_t end_ = 0;
  Result result_;
};

}  // namespace

long Image::indexOf(const std::string& label) const {
  auto it = labels.find(label);
  if (it == labels.end()) return -1;
  return static_cast<long>((it->second - origin) / 4);
}

std::string Result::errorText() const {
  std::string r;
  for (const Diagnostic& d : errors) r += d.text() + "\n";
  return r;
}

Result assemble(std::string_view source, std::string_view fileName) {
  return Assembler(source, fileName).run();
}

}  // namespace risc5::assembler
