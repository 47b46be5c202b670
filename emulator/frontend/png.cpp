#include "png.h"

#include <png.h>

#include <cstdio>
#include <vector>

#include "emulator/machine/machine.h"

namespace risc5 {

std::string writeScreenshot(const Machine& m, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return "cannot write screenshot " + path;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    return "PNG encoding failed for " + path;
  }
  png_init_io(png, f);
  const uint32_t w = m.width(), h = m.height();
  png_set_IHDR(png, info, w, h, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  // Oberon: bit 0 of a word is the leftmost pixel, 1 = white. PNG 1-bit gray: MSB first.
  std::vector<png_byte> row(w / 8);
  const uint32_t* fb = m.framebuffer();
  const uint32_t wordsPerLine = m.spanBytes() / 4;
  for (uint32_t y = 0; y < h; ++y) {
    const uint32_t* line = fb + (h - 1 - y) * wordsPerLine;
    for (uint32_t x = 0; x < w / 8; ++x) {
      uint8_t bits = static_cast<uint8_t>(line[x / 4] >> ((x % 4) * 8));
      uint8_t out = 0;
      for (int i = 0; i < 8; ++i)
        if (bits & (1u << i)) out |= static_cast<uint8_t>(0x80u >> i);
      row[x] = out;
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fclose(f) != 0) return "cannot write screenshot " + path;
  return {};
}

std::string readGrayPng(const std::string& path, uint32_t& w, uint32_t& h, std::vector<uint8_t>& px) {
  png_image img{};  // libpng's simplified API
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str())) return "cannot read reference image " + path;
  img.format = PNG_FORMAT_GRAY;
  px.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, px.data(), 0, nullptr)) {
    png_image_free(&img);
    return "cannot decode reference image " + path;
  }
  w = img.width;
  h = img.height;
  return {};
}

}  // namespace risc5
