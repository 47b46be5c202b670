#include "window_geometry.h"

#include <algorithm>
#include <cstdint>

namespace risc5 {

Size initialWindowSize(int fbW, int fbH, int usableW, int usableH, int zoom) {
  if (zoom > 0) return {fbW * zoom, fbH * zoom};
  const int roomW = std::max(1, usableW);
  const int roomH = std::max(1, usableH - kDecorationAllowance);
  int z = std::min(roomW / fbW, roomH / fbH);
  if (z >= 1) return {fbW * z, fbH * z};
  Rect r = fitRect(fbW, fbH, roomW, roomH);
  return {r.w, r.h};
}

Rect fitRect(int fbW, int fbH, int dw, int dh) {
  dw = std::max(dw, 1);
  dh = std::max(dh, 1);
  Rect r;
  // Compare dw/dh with fbW/fbH in integers: the limiting side gets the full extent.
  if (int64_t{dw} * fbH <= int64_t{dh} * fbW) {
    r.w = dw;
    r.h = static_cast<int>(int64_t{dw} * fbH / fbW);
  } else {
    r.h = dh;
    r.w = static_cast<int>(int64_t{dh} * fbW / fbH);
  }
  r.w = std::max(r.w, 1);
  r.h = std::max(r.h, 1);
  r.x = (dw - r.w) / 2;
  r.y = (dh - r.h) / 2;
  return r;
}

Point toOberon(int px, int py, Size window, Size drawable, Rect dest, int fbW, int fbH) {
  // Points to drawable pixels (HiDPI), then into the screen rectangle, then to Oberon pixels.
  // 64-bit products: 4096-pixel screens at high zoom overflow nothing.
  const int64_t ww = std::max(window.w, 1), wh = std::max(window.h, 1);
  const int64_t dx = int64_t{px} * drawable.w / ww - dest.x;
  const int64_t dy = int64_t{py} * drawable.h / wh - dest.y;
  // floor division, so that positions left of or above the screen clamp to 0, not round up
  auto floorDiv = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  int64_t x = floorDiv(dx * fbW, std::max(dest.w, 1));
  int64_t row = floorDiv(dy * fbH, std::max(dest.h, 1));
  x = std::clamp<int64_t>(x, 0, fbW - 1);
  row = std::clamp<int64_t>(row, 0, fbH - 1);
  return {static_cast<int>(x), static_cast<int>(fbH - 1 - row)};
}

}  // namespace risc5
