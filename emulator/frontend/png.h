// The emulator's one PNG unit (libpng): screenshots of the framebuffer, and reference images
// that scripts compare the screen with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace risc5 {
class Machine;

// Writes the framebuffer the right way up (Oberon's line 0 is the bottom line), 1 bit per pixel.
// Returns an empty string on success, else a one-line reason.
std::string writeScreenshot(const Machine& machine, const std::string& path);

// Reads any PNG as 8-bit gray, rows from the top. Returns an empty string on success, else a
// one-line reason.
std::string readGrayPng(const std::string& path, uint32_t& width, uint32_t& height, std::vector<uint8_t>& gray);

}  // namespace risc5
