// The SDL2 window: the framebuffer in a resizable, letterboxed window, PS/2 keyboard and a
// three-button mouse, the host clipboard, F11 fullscreen, F12 reset.
//
// Pacing: the machine runs until Oberon idles or the frame (the display's refresh period, 60 Hz
// if it does not say) is used up; changed lines go
// to a streaming texture and the frame is presented. While Oberon idles the thread sleeps in
// SDL_WaitEventTimeout until the next frame, an input event, or a network event: the machine's
// Waker hook pushes an SDL user event from the network thread. So an idle Oberon costs a
// wake-up per frame and nothing else.
#include "window.h"

#include <SDL.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "headless.h"
#include "options.h"
#include "ps2_keymap.h"
#include "emulator/machine/machine.h"

namespace risc5 {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDefaultFrame = std::chrono::microseconds(16667);  // 60 Hz, if the display won't say
constexpr uint64_t kRunBudget = 500'000;                    // instructions between event checks
constexpr uint64_t kTrapLoopPerSecond = 1000;
constexpr uint32_t kBlack = 0xFF000000, kWhite = 0xFFFFFFFF;

// Pushed by the network thread (through Waker::notify) to end SDL_WaitEventTimeout.
Uint32 gWakeEvent = 0;
void pushWakeEvent(void*) {
  SDL_Event e{};
  e.type = gWakeEvent;
  SDL_PushEvent(&e);  // thread-safe
}

// The largest integer zoom at which the screen fits the display's usable area.
int automaticZoom(int width, int height) {
  SDL_Rect usable{};
  if (SDL_GetDisplayUsableBounds(0, &usable) != 0) return 1;
  int zoom = std::min((usable.w - 16) / width, (usable.h - 48) / height);
  return std::max(zoom, 1);
}

class Window {
 public:
  Window(Machine& m, const Options& o) : m_(m), o_(o), width_(m.width()), height_(m.height()) {}
  ~Window();
  std::string open();
  int run(const std::atomic<bool>& stop);

 private:
  void handle(const SDL_Event& e, bool& quit);
  void key(const SDL_KeyboardEvent& k);
  void mouseTo(int x, int y);
  void updateTexture(Damage damage);
  void toggleFullscreen();

  Machine& m_;
  const Options& o_;
  const int width_, height_;
  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  SDL_Texture* texture_ = nullptr;
  std::vector<uint32_t> line_;
  std::chrono::microseconds frame_ = kDefaultFrame;  // the display's refresh period
  SDL_Scancode middleKey_ = SDL_SCANCODE_UNKNOWN;
  bool middleByKey_ = false;
  bool trapWarned_ = false;
  // Frame statistics for --frame-stats (bench/window).
  uint64_t frames_ = 0;
  double frameSum_ = 0, frameMax_ = 0;
};

Window::~Window() {
  m_.waker().setHook(nullptr, nullptr);
  if (texture_) SDL_DestroyTexture(texture_);
  if (renderer_) SDL_DestroyRenderer(renderer_);
  if (window_) SDL_DestroyWindow(window_);
  SDL_Quit();
}

std::string Window::open() {
  if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_EVENTS) != 0)
    return std::string("cannot open a window (") + SDL_GetError() + "); use --headless";
  int zoom = o_.zoom > 0 ? o_.zoom : automaticZoom(width_, height_);
  Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
  if (o_.fullscreen) flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
  window_ = SDL_CreateWindow("Project Oberon", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                             width_ * zoom, height_ * zoom, flags);
  if (!window_) return std::string("cannot create the window: ") + SDL_GetError();
  // Pacing is ours (see the top of this file); vsync would add a frame of input latency.
  renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_ACCELERATED);
  if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
  if (!renderer_) return std::string("cannot create a renderer: ") + SDL_GetError();
  // Letterboxing with the aspect ratio kept; SDL also maps mouse events to logical pixels,
  // which makes the mapping right at any zoom and on HiDPI displays.
  SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
  SDL_RenderSetLogicalSize(renderer_, width_, height_);
  texture_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING,
                               width_, height_);
  if (!texture_) return std::string("cannot create the screen texture: ") + SDL_GetError();
  line_.resize(static_cast<size_t>(width_));
  SDL_DisplayMode mode{};
  if (SDL_GetWindowDisplayMode(window_, &mode) == 0 && mode.refresh_rate >= 24)
    frame_ = std::chrono::microseconds(1000000 / mode.refresh_rate);
  SDL_ShowCursor(SDL_DISABLE);  // Oberon draws its own
  if (!o_.middleModifier.empty()) {
    middleKey_ = SDL_GetScancodeFromName(o_.middleModifier.c_str());
    if (middleKey_ == SDL_SCANCODE_UNKNOWN)
      return "unknown key name for --middle-button-key: '" + o_.middleModifier + "'";
  }
  gWakeEvent = SDL_RegisterEvents(1);
  m_.waker().setHook(pushWakeEvent, nullptr);
  m_.clipboard().getHostText = [] {
    std::string text;
    if (char* t = SDL_GetClipboardText()) {
      text = t;
      SDL_free(t);
    }
    return text;
  };
  m_.clipboard().setHostText = [](const std::string& text) { SDL_SetClipboardText(text.c_str()); };
  m_.memory().markAllDamaged();
  return {};
}

void Window::updateTexture(Damage damage) {
  if (damage.empty()) return;
  const uint32_t* fb = m_.framebuffer();
  const uint32_t wordsPerLine = m_.spanBytes() / 4;
  // Memory line y is screen line height-1-y (line 0 is the bottom).
  for (int y = damage.first; y < damage.last; ++y) {
    const uint32_t* words = fb + static_cast<size_t>(y) * wordsPerLine;
    for (int x = 0; x < width_; ++x) line_[x] = (words[x / 32] >> (x % 32)) & 1 ? kWhite : kBlack;
    SDL_Rect row{0, height_ - 1 - y, width_, 1};
    SDL_UpdateTexture(texture_, &row, line_.data(), width_ * 4);
  }
}

void Window::mouseTo(int x, int y) {
  // Logical (screen) pixels, y down; Oberon's y = 0 is the bottom line.
  x = std::clamp(x, 0, width_ - 1);
  y = std::clamp(y, 0, height_ - 1);
  m_.mouse().moveTo(x, height_ - 1 - y);
}

void Window::toggleFullscreen() {
  bool full = SDL_GetWindowFlags(window_) & SDL_WINDOW_FULLSCREEN_DESKTOP;
  SDL_SetWindowFullscreen(window_, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
}

void Window::key(const SDL_KeyboardEvent& k) {
  const bool down = k.type == SDL_KEYDOWN;
  const SDL_Scancode sc = k.keysym.scancode;
  // Middle button from the keyboard, for two-button mice and trackpads: left Alt, or the key
  // named by --middle-button-key. These keys are not passed to Oberon.
  if (sc == SDL_SCANCODE_LALT || (middleKey_ != SDL_SCANCODE_UNKNOWN && sc == middleKey_)) {
    if (!k.repeat) m_.mouse().setButton(Mouse::middle, down);
    return;
  }
  if (down && sc == SDL_SCANCODE_F11) {
    if (!k.repeat) toggleFullscreen();
    return;
  }
  if (down && sc == SDL_SCANCODE_F12) {
    if (!k.repeat) m_.reset();
    return;
  }
  if (sc == SDL_SCANCODE_F11 || sc == SDL_SCANCODE_F12) return;
  std::vector<uint8_t> bytes = ps2Bytes(ps2KeyForUsage(static_cast<int>(sc)), down);
  // Typematic repeat sends the make code again, as a PS/2 keyboard does.
  if (!bytes.empty() && !m_.keyboard().push(bytes))
    std::fprintf(stderr, "oberon-emu: keyboard buffer full, key dropped\n");
}

void Window::handle(const SDL_Event& e, bool& quit) {
  switch (e.type) {
    case SDL_QUIT: quit = true; break;
    case SDL_KEYDOWN:
    case SDL_KEYUP: key(e.key); break;
    case SDL_MOUSEMOTION: mouseTo(e.motion.x, e.motion.y); break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP: {
      mouseTo(e.button.x, e.button.y);
      bool down = e.type == SDL_MOUSEBUTTONDOWN;
      if (e.button.button == SDL_BUTTON_LEFT) m_.mouse().setButton(Mouse::left, down);
      if (e.button.button == SDL_BUTTON_MIDDLE) m_.mouse().setButton(Mouse::middle, down);
      if (e.button.button == SDL_BUTTON_RIGHT) m_.mouse().setButton(Mouse::right, down);
      break;
    }
    case SDL_WINDOWEVENT:
      if (e.window.event == SDL_WINDOWEVENT_EXPOSED || e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
        m_.memory().markAllDamaged();
      break;
    default: break;  // the wake event only ends the wait
  }
}

int Window::run(const std::atomic<bool>& stop) {
  auto trapWindow = Clock::now();
  uint64_t trapsAtWindow = m_.cpu().trapEntries;
  auto nextFrame = Clock::now();
  bool quit = false;
  while (!quit && !stop.load(std::memory_order_relaxed)) {
    // Oberon polls the mouse: a press and its release in one batch would be a click it never
    // sees (xdotool clicks take no time at all). So a button event ends the batch, and the
    // machine runs (until Oberon idles) before the next event is looked at.
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
      handle(e, quit);
      if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEBUTTONUP) break;
    }
    if (quit) break;

    // Run the machine until Oberon idles or this frame's time is used up.
    const auto frameStart = Clock::now();
    do {
      m_.run(kRunBudget);
    } while (!m_.idle() && m_.cpu().fault == CpuFault::none && Clock::now() < nextFrame + frame_);
    if (m_.cpu().fault != CpuFault::none) {
      std::fprintf(stderr, "oberon-emu: guest jumped outside memory (PC = %08XH); stopped\n",
                   m_.cpu().faultAddress);
      return kExitFault;
    }
    auto now = Clock::now();
    if (now - trapWindow >= std::chrono::seconds(1)) {
      if (m_.cpu().trapEntries - trapsAtWindow > kTrapLoopPerSecond && !trapWarned_) {
        std::fprintf(stderr, "oberon-emu: the guest is stuck in a trap loop; F12 resets it\n");
        trapWarned_ = true;
      }
      trapWindow = now;
      trapsAtWindow = m_.cpu().trapEntries;
    }

    if (now >= nextFrame) {
      Damage damage = m_.takeDamage();
      if (!damage.empty()) {
        updateTexture(damage);
        SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
        SDL_RenderClear(renderer_);
        SDL_RenderCopy(renderer_, texture_, nullptr, nullptr);
        SDL_RenderPresent(renderer_);
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - frameStart).count();
        ++frames_;
        frameSum_ += ms;
        frameMax_ = std::max(frameMax_, ms);
      }
      nextFrame = std::max(nextFrame + frame_, now);
    }
    if (m_.idle()) {
      // Sleep until the next frame, an input event or a network wake-up.
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(nextFrame - Clock::now());
      // The event that ends the wait stays queued for the next round.
      if (SDL_WaitEventTimeout(nullptr, static_cast<int>(std::max<int64_t>(wait.count(), 1)))) {
      }
    }
  }
  if (o_.frameStats && frames_ > 0)
    std::fprintf(stderr, "frames: %llu presented, %.2f ms average, %.2f ms longest\n",
                 static_cast<unsigned long long>(frames_), frameSum_ / frames_, frameMax_);
  return kExitOk;
}

}  // namespace

bool windowAvailable() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x11 && *x11) || (wayland && *wayland);
}

int runWindow(Machine& machine, const Options& options, const std::atomic<bool>& stop) {
  Window window(machine, options);
  if (std::string why = window.open(); !why.empty()) {
    std::fprintf(stderr, "oberon-emu: %s\n", why.c_str());
    return kExitSetup;
  }
  return window.run(stop);
}

}  // namespace risc5
