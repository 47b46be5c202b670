// RISC5 instruction encodings for the assembler and disassembler: the instruction word itself
// is defined once, in emulator/base/isa.h (shared with the CPU); this adds the names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/base/isa.h"

namespace risc5::assembler {

using namespace risc5::isa;  // Op, Cond, field masks and encoders, as the assembler names them

std::string_view opName(Op op);
std::string_view condName(uint32_t cond);  // "" for T (always)

// One word as assembler text that re-assembles to the same word. `address` is the byte address
// of the word (for PC-relative branch targets). Words the syntax cannot express (unused fields
// non-zero, e.g. Oberon trap calls) come out as `.word 0x...` with the decoded form in a comment.
std::string disassemble(uint32_t word, uint32_t address);

}  // namespace risc5::assembler
