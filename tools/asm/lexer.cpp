#include "tools/asm/lexer.h"

#include <cctype>
#include <limits>

namespace risc5::assembler::detail {
namespace {

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool identPart(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int64_t parseNumber(const std::string& s) {
  auto bad = [&] { return LineError("bad number '" + s + "'"); };
  std::string digits = s;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    digits = s.substr(2);
    base = 16;
  } else if (s.size() > 1 && (s.back() == 'H' || s.back() == 'h')) {
    digits = s.substr(0, s.size() - 1);
    base = 16;
  }
  if (digits.empty()) throw bad();
  int64_t value = 0;
  for (char c : digits) {
    int d = hexDigit(c);
    if (d < 0 || d >= base) throw bad();
    value = value * base + d;
    if (value > 0xFFFFFFFFll) throw LineError("number '" + s + "' does not fit 32 bits");
  }
  return value;
}

class Parser {
 public:
  Parser(const Tokens& t, const Lookup& lookup) : t_(t), lookup_(lookup) {}

  int64_t parse() {
    if (t_.empty()) throw LineError("missing expression");
    int64_t v = sum();
    if (i_ != t_.size()) throw LineError("unexpected '" + t_[i_].text + "' in expression");
    return v;
  }

 private:
  bool accept(const char* p) {
    if (i_ < t_.size() && t_[i_].kind == Tok::Punct && t_[i_].text == p) {
      ++i_;
      return true;
    }
    return false;
  }

  static int64_t checked(int64_t v) {
    // Values are kept within 33 bits so that they wrap to 32 bits unambiguously.
    if (v < -0x100000000ll || v > 0xFFFFFFFFll) throw LineError("expression value out of range");
    return v;
  }

  int64_t sum() {
    int64_t v = product();
    for (;;) {
      if (accept("+")) v = checked(v + product());
      else if (accept("-")) v = checked(v - product());
      else return v;
    }
  }

  int64_t product() {
    int64_t v = unary();
    for (;;) {
      if (accept("*")) {
        v = checked(v * unary());
      } else if (accept("/")) {
        int64_t d = unary();
        if (d == 0) throw LineError("division by zero in expression");
        v = v / d;
      } else {
        return v;
      }
    }
  }

  int64_t unary() {
    if (accept("-")) return checked(-unary());
    if (accept("+")) return unary();
    if (accept("(")) {
      int64_t v = sum();
      if (!accept(")")) throw LineError("missing ')' in expression");
      return v;
    }
    if (i_ >= t_.size()) throw LineError("incomplete expression");
    const Token& tok = t_[i_++];
    if (tok.kind == Tok::Number) return tok.value;
    if (tok.kind == Tok::Ident) {
      if (auto v = lookup_(tok.text)) return *v;
      throw LineError("undefined symbol '" + tok.text + "'");
    }
    throw LineError("unexpected '" + tok.text + "' in expression");
  }

  const Tokens& t_;
  const Lookup& lookup_;
  size_t i_ = 0;
};

}  // namespace

std::string upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

std::string spell(const Tokens& tokens) {
  std::string r;
  for (const Token& t : tokens) {
    if (!r.empty() && t.kind != Tok::Punct && r.back() != '(' && r.back() != '-') r += ' ';
    r += t.kind == Tok::String ? "\"" + t.text + "\"" : t.text;
  }
  return r;
}

Tokens tokenize(std::string_view line) {
  Tokens out;
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == ';') break;
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (identStart(c)) {
      size_t j = i;
      while (j < line.size() && identPart(line[j])) ++j;
      if (j < line.size() && line[j] == '\'') ++j;  // MOV', ADD' (Wirth's u-bit mark)
      out.push_back({Tok::Ident, std::string(line.substr(i, j - i))});
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < line.size() && std::isalnum(static_cast<unsigned char>(line[j]))) ++j;
      std::string text(line.substr(i, j - i));
      out.push_back({Tok::Number, text, parseNumber(text)});
      i = j;
    } else if (c == '"') {
      std::string s;
      ++i;
      for (;;) {
        if (i >= line.size()) throw LineError("unterminated string");
        char ch = line[i++];
        if (ch == '"') break;
        if (ch != '\\') {
          s += ch;
          continue;
        }
        if (i >= line.size()) throw LineError("unterminated string");
        char e = line[i++];
        switch (e) {
          case 'n': s += '\n'; break;
          case 'r': s += '\r'; break;
          case 't': s += '\t'; break;
          case '0': s += '\0'; break;
          case '\\': s += '\\'; break;
          case '"': s += '"'; break;
          case 'x': {
            int hi = i < line.size() ? hexDigit(line[i]) : -1;
            int lo = i + 1 < line.size() ? hexDigit(line[i + 1]) : -1;
            if (hi < 0 || lo < 0) throw LineError("bad \\x escape in string");
            s += static_cast<char>(hi * 16 + lo);
            i += 2;
            break;
          }
          default: throw LineError(std::string("unknown escape '\\") + e + "' in string");
        }
      }
      out.push_back({Tok::String, s});
    } else if (std::string_view(",:()+-*/").find(c) != std::string_view::npos) {
      out.push_back({Tok::Punct, std::string(1, c)});
      ++i;
    } else {
      throw LineError(std::string("unexpected character '") + c + "'");
    }
  }
  return out;
}

int64_t evaluate(const Tokens& tokens, const Lookup& lookup) { return Parser(tokens, lookup).parse(); }

}  // namespace risc5::assembler::detail
