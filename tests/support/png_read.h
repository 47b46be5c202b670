// Test support: pictures of the screen, as 8-bit grey (0 = black, 255 = white): the emulator's
// PNG screenshots (any PNG is read as grey) and raw grey dumps (ImageMagick's gray:-).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace support {

struct Picture {
  int width = 0, height = 0;
  int bitDepth = 0;            // of the PNG it came from (the emulator writes 1)
  std::vector<uint8_t> grey;   // width * height, row 0 at the top
  bool white(int x, int y) const { return grey[static_cast<size_t>(y) * width + x] >= 128; }
  // The share of white pixels in [x0,x1) x [y0,y1).
  double whiteShare(int x0, int y0, int x1, int y1) const;
};

// Reads a PNG; throws std::runtime_error (naming the file) if it is missing or not a PNG.
Picture loadPng(const std::filesystem::path& path);
// width * height grey bytes; throws if there are not exactly that many.
Picture fromGrey(int width, int height, const std::string& bytes);

}  // namespace support
