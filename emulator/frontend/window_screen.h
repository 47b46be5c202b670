// The Oberon framebuffer in an SDL window: a streaming ARGB texture updated line range by line
// range from the machine's damage, drawn letterboxed into the window's drawable (HiDPI pixels).
#pragma once

#include <SDL.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "window_geometry.h"

namespace risc5 {

class Machine;

class Screen {
 public:
  // Opens the window. Returns "" or a one-line reason.
  std::string open(const Machine& m, const std::string& title, int zoom, bool fullscreen);

  // Copies framebuffer lines [first, last) (line 0 = bottom) into the texture.
  void update(const Machine& m, int first, int last);
  // Draws the texture into the window and shows it.
  void present();
  void toggleFullscreen();
  // Window size or drawable changed: recompute the letterbox.
  void relayout();

  // A mouse position in window points to Oberon coordinates (y = 0 at the bottom).
  Point toOberon(int x, int y) const;
  // The display's refresh interval (16.7 ms if the display does not say).
  std::chrono::nanoseconds frameInterval() const;
  uint32_t windowId() const { return SDL_GetWindowID(window_.get()); }

 private:
  struct Destroy {
    void operator()(SDL_Window* w) const { SDL_DestroyWindow(w); }
    void operator()(SDL_Renderer* r) const { SDL_DestroyRenderer(r); }
    void operator()(SDL_Texture* t) const { SDL_DestroyTexture(t); }
  };
  // Destroyed in reverse order: texture, renderer, window.
  std::unique_ptr<SDL_Window, Destroy> window_;
  std::unique_ptr<SDL_Renderer, Destroy> renderer_;
  std::unique_ptr<SDL_Texture, Destroy> texture_;
  int fbW_ = 0, fbH_ = 0;
  Size windowSize_, drawable_;
  Rect dest_;
  float scaledFor_ = 0;  // the scale the texture's filter was chosen for
};

}  // namespace risc5
