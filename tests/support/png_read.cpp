#include "tests/support/png_read.h"

#include <png.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace support {

double Picture::whiteShare(int x0, int y0, int x1, int y1) const {
  size_t n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += white(x, y);
  return double(n) / (double(x1 - x0) * (y1 - y0));
}

Picture loadPng(const std::filesystem::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw std::runtime_error("picture missing: " + path.string());
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  Picture pic;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw std::runtime_error("bad PNG " + path.string());
  }
  png_init_io(png, f.get());
  png_read_info(png, info);
  pic.width = static_cast<int>(png_get_image_width(png, info));
  pic.height = static_cast<int>(png_get_image_height(png, info));
  pic.bitDepth = png_get_bit_depth(png, info);
  // Whatever it is, read it as 8-bit grey.
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_byte colour = png_get_color_type(png, info);
  if (colour == PNG_COLOR_TYPE_RGB || colour == PNG_COLOR_TYPE_RGB_ALPHA || colour == PNG_COLOR_TYPE_PALETTE)
    png_set_rgb_to_gray_fixed(png, 1, -1, -1);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != static_cast<size_t>(pic.width)) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw std::runtime_error("unexpected PNG layout " + path.string());
  }
  pic.grey.resize(static_cast<size_t>(pic.width) * pic.height);
  for (int y = 0; y < pic.height; ++y) png_read_row(png, pic.grey.data() + static_cast<size_t>(y) * pic.width, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return pic;
}

Picture fromGrey(int width, int height, const std::string& bytes) {
  if (bytes.size() != static_cast<size_t>(width) * height)
    throw std::runtime_error("a picture of " + std::to_string(bytes.size()) + " bytes, not " +
                             std::to_string(width * height));
  Picture p;
  p.width = width;
  p.height = height;
  p.bitDepth = 8;
  p.grey.assign(bytes.begin(), bytes.end());
  return p;
}

}  // namespace support
