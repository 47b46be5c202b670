#include "window_screen.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "emulator/machine/machine.h"

namespace risc5 {

namespace {

constexpr uint32_t kWhite = 0xFFFFFFFF, kBlack = 0xFF000000;  // ARGB8888; Oberon 1 = white

// Eight ARGB pixels per framebuffer byte, bit 0 = leftmost.
const std::array<std::array<uint32_t, 8>, 256> kExpand = [] {
  std::array<std::array<uint32_t, 8>, 256> t{};
  for (int b = 0; b < 256; ++b)
    for (int i = 0; i < 8; ++i) t[b][i] = (b >> i) & 1 ? kWhite : kBlack;
  return t;
}();

}  // namespace

std::string Screen::open(const Machine& m, const std::string& title, int zoom, bool fullscreen) {
  fbW_ = static_cast<int>(m.width());
  fbH_ = static_cast<int>(m.height());
  SDL_Rect usable{0, 0, fbW_, fbH_ + kDecorationAllowance};
  if (SDL_GetDisplayUsableBounds(0, &usable) != 0) usable = SDL_Rect{0, 0, 1920, 1080};
  Size size = initialWindowSize(fbW_, fbH_, usable.w, usable.h, zoom);
  uint32_t flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  if (fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  window_.reset(SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                 size.w, size.h, flags));
  if (!window_) return std::string("cannot open a window: ") + SDL_GetError();
  // No vsync: presenting must never block the machine thread; we pace frames ourselves.
  renderer_.reset(SDL_CreateRenderer(window_.get(), -1, 0));
  if (!renderer_) return std::string("cannot create a renderer: ") + SDL_GetError();
  texture_.reset(SDL_CreateTexture(renderer_.get(), SDL_PIXELFORMAT_ARGB8888,
                                   SDL_TEXTUREACCESS_STREAMING, fbW_, fbH_));
  if (!texture_) return std::string("cannot create a texture: ") + SDL_GetError();
  SDL_SetWindowMinimumSize(window_.get(), std::min(fbW_, 256), std::min(fbH_, 192));
  SDL_ShowCursor(SDL_DISABLE);  // Oberon draws its own arrow
  relayout();
  return {};
}

void Screen::relayout() {
  SDL_GetWindowSize(window_.get(), &windowSize_.w, &windowSize_.h);
  SDL_GetRendererOutputSize(renderer_.get(), &drawable_.w, &drawable_.h);
  dest_ = fitRect(fbW_, fbH_, drawable_.w, drawable_.h);
  // Nearest neighbour keeps 1-bit glyphs sharp when enlarging; when shrinking, linear filtering
  // keeps one-pixel lines from vanishing.
  float scale = static_cast<float>(dest_.w) / static_cast<float>(fbW_);
  if (scale != scaledFor_) {
    SDL_SetTextureScaleMode(texture_.get(), scale < 1 ? SDL_ScaleModeLinear : SDL_ScaleModeNearest);
    scaledFor_ = scale;
  }
}

void Screen::update(const Machine& m, int first, int last) {
  if (first >= last) return;
  // Memory line l is screen row fbH - 1 - l: the range flips.
  SDL_Rect rows{0, fbH_ - last, fbW_, last - first};
  void* pixels = nullptr;
  int pitch = 0;
  if (SDL_LockTexture(texture_.get(), &rows, &pixels, &pitch) != 0) return;
  const uint32_t* fb = m.framebuffer();
  const uint32_t wordsPerLine = m.spanBytes() / 4;
  const int bytesPerLine = fbW_ / 8;  // whole words: the width is a multiple of 32
  for (int r = 0; r < rows.h; ++r) {
    const int line = last - 1 - r;
    const uint32_t* src = fb + line * wordsPerLine;
    auto* dst = reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(pixels) + r * pitch);
    for (int b = 0; b < bytesPerLine; ++b) {
      const uint8_t bits = static_cast<uint8_t>(src[b / 4] >> (8 * (b % 4)));
      std::memcpy(dst + 8 * b, kExpand[bits].data(), sizeof kExpand[0]);
    }
  }
  SDL_UnlockTexture(texture_.get());
}

void Screen::present() {
  SDL_Renderer* r = renderer_.get();
  SDL_SetRenderDrawColor(r, 0, 0, 0, 255);
  SDL_RenderClear(r);  // the letterbox
  SDL_Rect d{dest_.x, dest_.y, dest_.w, dest_.h};
  SDL_RenderCopy(r, texture_.get(), nullptr, &d);
  SDL_RenderPresent(r);
}

void Screen::toggleFullscreen() {
  bool on = SDL_GetWindowFlags(window_.get()) & SDL_WINDOW_FULLSCREEN;
  SDL_SetWindowFullscreen(window_.get(), on ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
  relayout();
}

Point Screen::toOberon(int x, int y) const {
  return risc5::toOberon(x, y, windowSize_, drawable_, dest_, fbW_, fbH_);
}

std::chrono::nanoseconds Screen::frameInterval() const {
  SDL_DisplayMode mode{};
  int display = SDL_GetWindowDisplayIndex(window_.get());
  int hz = 60;
  if (display >= 0 && SDL_GetCurrentDisplayMode(display, &mode) == 0 && mode.refresh_rate >= 24)
    hz = mode.refresh_rate;
  return std::chrono::nanoseconds(1'000'000'000 / hz);
}

}  // namespace risc5
