// Tokens of one source line and a small expression evaluator (internal to the assembler).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace risc5::assembler::detail {

// Thrown while handling one line; the assembler turns it into a file:line diagnostic.
struct LineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Tok { Ident, Number, String, Punct };

struct Token {
  Tok kind;
  std::string text;   // identifier/punctuation as written; string contents after escapes
  int64_t value = 0;  // numbers
};

using Tokens = std::vector<Token>;

// Splits a line (comment after ';' dropped). Numbers: 123, 0x7B, 7BH (Oberon style).
Tokens tokenize(std::string_view line);

std::string upper(std::string_view s);
std::string spell(const Tokens& tokens);  // for messages

using Lookup = std::function<std::optional<int64_t>(const std::string&)>;

// Integer expression over numbers and symbols: + - * / ( ), unary - and +.
int64_t evaluate(const Tokens& tokens, const Lookup& lookup);

}  // namespace risc5::assembler::detail
