// Fuzz target: an input script (docs/scripting.md) and --run commands. Parsing must accept or
// refuse with "script line N: ..." and never crash, for any bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/frontend/script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto steps = risc5::parseScript(text, 1024, 768, error);
  // A refused script has no steps: nothing half-parsed reaches the machine.
  if (!error.empty() && !steps.empty()) __builtin_trap();
  error.clear();
  // The first line as a --run command (what the emulator quotes into a script line).
  risc5::commandSteps({text.substr(0, text.find('\n'))}, 1024, 768, error);
  return 0;
}
