// RISC5 assembler: source text -> words, with a symbol table and `file:line: message` errors.
// Syntax reference: docs/assembler.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace risc5::assembler {

struct Diagnostic {
  std::string file;
  int line = 0;
  std::string message;
  std::string text() const { return file + ":" + std::to_string(line) + ": " + message; }
};

// A contiguous image: words[i] lives at byte address origin + 4*i. Gaps left by `.org` are zero.
struct Image {
  uint32_t origin = 0;
  std::vector<uint32_t> words;
  std::map<std::string, uint32_t> labels;     // label -> byte address
  std::map<std::string, int64_t> constants;   // .equ name -> value

  // Word index of a label, or -1 if it does not exist.
  long indexOf(const std::string& label) const;
};

struct Result {
  Image image;
  std::vector<Diagnostic> errors;  // empty on success
  bool ok() const { return errors.empty(); }
  std::string errorText() const;   // all diagnostics, one per line
};

Result assemble(std::string_view source, std::string_view fileName = "<input>");

}  // namespace risc5::assembler
