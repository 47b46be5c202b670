// Test support: reads the emulator's 1-bit screenshots (PNG) into booleans (true = white).
#pragma once

#include <png.h>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <vector>

namespace e2e {

// A 1-bit grey PNG as rows of booleans (true = white).
struct Picture {
  int width = 0, height = 0;
  std::vector<std::vector<bool>> pixels;
  bool at(int x, int y) const { return pixels[y][x]; }
  double whiteShare(int x0, int y0, int x1, int y1) const {  // [x0,x1) x [y0,y1)
    int white = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) white += at(x, y);
    return double(white) / ((x1 - x0) * (y1 - y0));
  }
};

inline Picture loadPng(const std::filesystem::path& path) {
  Picture pic;
  FILE* f = std::fopen(path.c_str(), "rb");
  BOOST_REQUIRE_MESSAGE(f, "screenshot missing: " + path.string());
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(f);
    BOOST_FAIL("bad PNG " + path.string());
  }
  png_init_io(png, f);
  png_read_info(png, info);
  pic.width = png_get_image_width(png, info);
  pic.height = png_get_image_height(png, info);
  BOOST_REQUIRE(png_get_bit_depth(png, info) == 1);
  std::vector<png_byte> row(png_get_rowbytes(png, info));
  for (int y = 0; y < pic.height; ++y) {
    png_read_row(png, row.data(), nullptr);
    std::vector<bool> line(pic.width);
    for (int x = 0; x < pic.width; ++x) line[x] = (row[x / 8] >> (7 - x % 8)) & 1;
    pic.pixels.push_back(std::move(line));
  }
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(f);
  return pic;
}

}  // namespace e2e
