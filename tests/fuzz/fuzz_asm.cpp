// Fuzz target: RISC5 assembly source. The assembler answers with words or `file:line: message`
// errors; no input may crash it or make it loop.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/asm/assembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  risc5::assembler::assemble(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.s");
  return 0;
}
