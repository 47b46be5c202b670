// Writes the framebuffer as a PNG the right way up (Oberon's line 0 is the bottom line).
#pragma once

#include <string>

namespace risc5 {
class Machine;
// Returns an empty string on success, else a one-line reason.
std::string writeScreenshot(const Machine& machine, const std::string& path);
}  // namespace risc5
