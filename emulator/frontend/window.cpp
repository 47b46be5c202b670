// SDL2 window front end, a client of the Runner (runner.h), which owns the run policy. One
// thread runs the machine, the window and the input, in a loop: apply the queued host events,
// run a slice, show the damaged framebuffer lines at most once per display refresh, and when
// the guest idles, block in SDL_WaitEventTimeout until the next event, the Runner's wake-up time
// or a pending frame. The network thread's wake-ups reach that wait as SDL user events: the
// Waker's hook pushes one (at most one queued at a time). Input and drawing count as activity,
// which keeps the Runner from thinning the wake-ups out; a serial input descriptor keeps the
// millisecond wake-ups (SDL cannot wait on it).
#include "window.h"

#include <SDL.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "options.h"
#include "runner.h"
#include "window_input.h"
#include "window_screen.h"
#include "window_text.h"
#include "emulator/machine/machine.h"

namespace risc5 {

namespace {

using Clock = std::chrono::steady_clock;

// The SDL user event that ends the idle wait when the network thread calls Waker::notify().
// Owned by runWindow; the Waker's hook gets its address.
struct WakeEvent {
  uint32_t type = SDL_RegisterEvents(1);
  std::atomic<bool> pending{false};  // one queued wake event is enough

  static void push(void* arg) {  // any thread
    auto* self = static_cast<WakeEvent*>(arg);
    if (self->pending.exchange(true, std::memory_order_acq_rel)) return;
    SDL_Event e{};
    e.type = self->type;
    SDL_PushEvent(&e);  // thread-safe
  }
};

// --frame-stats: frame figures on stderr at exit (for bench/window).
struct FrameStats {
  bool enabled = false;
  uint64_t frames = 0, busyFrames = 0;
  Clock::duration drawTotal{}, drawMax{}, intervalTotal{};
  Clock::time_point last{};

  void frame(Clock::time_point start, Clock::time_point end) {
    ++frames;
    drawTotal += end - start;
    drawMax = std::max(drawMax, end - start);
    // Intervals within an animation (frames less than 100 ms apart) give the frame rate.
    if (frames > 1 && start - last < std::chrono::milliseconds(100)) {
      ++busyFrames;
      intervalTotal += start - last;
    }
    last = start;
  }
  void print() const {
    if (!enabled) return;
    using Ms = std::chrono::duration<double, std::milli>;
    std::fprintf(stderr, "frames: %llu presented; drawing %.3f ms average, %.3f ms longest; "
                 "%.2f ms between frames while animating (%llu frames)\n",
                 static_cast<unsigned long long>(frames),
                 frames ? Ms(drawTotal).count() / frames : 0.0, Ms(drawMax).count(),
                 busyFrames ? Ms(intervalTotal).count() / busyFrames : 0.0,
                 static_cast<unsigned long long>(busyFrames));
  }
};

class WindowLoop {
 public:
  WindowLoop(Machine& m, const Options& o, Screen& screen, WindowInput& input, WakeEvent& wake)
      : m_(m), screen_(screen), input_(input), wake_(wake),
        runner_(m, o, Runner::OnInputFailure::report) {
    stats_.enabled = o.frameStats;
  }

  int run(const std::atomic<bool>& stop);

 private:
  enum class Next { go_on, let_guest_see, quit };
  Next handle(const SDL_Event& e);
  void show(Clock::time_point now);
  void wait(Clock::time_point now);

  Machine& m_;
  Screen& screen_;
  WindowInput& input_;
  WakeEvent& wake_;
  Runner runner_;
  std::chrono::nanoseconds frameInterval_{};
  Damage pending_{1 << 30, 0};
  bool redraw_ = true;
  bool quit_ = false;
  Clock::time_point nextFrame_{};
  FrameStats stats_;
};

WindowLoop::Next WindowLoop::handle(const SDL_Event& e) {
  runner_.noteActivity();
  switch (e.type) {
    case SDL_QUIT: return Next::quit;
    case SDL_WINDOWEVENT:
      switch (e.window.event) {
        case SDL_WINDOWEVENT_SIZE_CHANGED:
        case SDL_WINDOWEVENT_DISPLAY_CHANGED:
          screen_.relayout();
          frameInterval_ = screen_.frameInterval();
          redraw_ = true;
          break;
        case SDL_WINDOWEVENT_EXPOSED: redraw_ = true; break;
        case SDL_WINDOWEVENT_FOCUS_LOST:
          return input_.releaseAll() ? Next::let_guest_see : Next::go_on;
        default: break;
      }
      return Next::go_on;
    case SDL_RENDER_TARGETS_RESET:
    case SDL_RENDER_DEVICE_RESET:  // the texture's contents are gone: redraw everything
      m_.memory().markAllDamaged();
      redraw_ = true;
      return Next::go_on;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
      const SDL_Scancode key = e.key.keysym.scancode;
      const bool down = e.type == SDL_KEYDOWN;
      if (key == SDL_SCANCODE_F11) {  // ours, not Oberon's
        if (down && !e.key.repeat) screen_.toggleFullscreen();
        return Next::go_on;
      }
      if (key == SDL_SCANCODE_F12) {
        if (down && !e.key.repeat) {
          m_.reset();  // soft reset: Oberon restarts with its modules in memory
          input_.forget();
        }
        return Next::go_on;
      }
      return input_.key(key, down, e.key.repeat) ? Next::let_guest_see : Next::go_on;
    }
    case SDL_MOUSEMOTION:
      input_.moveTo(screen_.toOberon(e.motion.x, e.motion.y));
      return Next::go_on;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
      input_.moveTo(screen_.toOberon(e.button.x, e.button.y));
      return input_.button(e.button.button, e.type == SDL_MOUSEBUTTONDOWN) ? Next::let_guest_see
                                                                           : Next::go_on;
    default:
      if (e.type == wake_.type) wake_.pending.store(false, std::memory_order_release);
      return Next::go_on;
  }
}

void WindowLoop::show(Clock::time_point now) {
  Damage d = m_.takeDamage();
  if (!d.empty()) {
    pending_.first = std::min(pending_.first, d.first);
    pending_.last = std::max(pending_.last, d.last);
    runner_.noteActivity();
  }
  if ((pending_.empty() && !redraw_) || now < nextFrame_) return;
  screen_.update(m_, pending_.first, pending_.last);
  screen_.present();
  const auto end = Clock::now();
  if (stats_.enabled) stats_.frame(now, end);
  pending_ = Damage{1 << 30, 0};
  redraw_ = false;
  nextFrame_ = now + frameInterval_;
}

void WindowLoop::wait(Clock::time_point now) {
  auto wakeAt = runner_.wakeAt();
  // A serial input descriptor cannot wake SDL's wait: keep the millisecond wake-ups for it.
  if (m_.serial().waitFd() >= 0) wakeAt = std::min(wakeAt, m_.timer().nextTick());
  if (!pending_.empty() || redraw_) wakeAt = std::min(wakeAt, nextFrame_);
  // SDL waits in whole milliseconds: round up, so that we do not spin until the tick.
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wakeAt - now).count();
  if (ms <= 0) return;
  // The event that ends the wait stays queued: the next round applies it, under the rule that
  // the guest sees each button change.
  SDL_WaitEventTimeout(nullptr, static_cast<int>(std::min<int64_t>(ms, 1000)));
}

int WindowLoop::run(const std::atomic<bool>& stop) {
  frameInterval_ = screen_.frameInterval();
  nextFrame_ = Clock::now();
  // --script runs go to the headless loop (options.cpp); here only --run commands.
  int status = runner_.start().value_or(kExitOk);
  while (status == kExitOk && !quit_ && !stop.load(std::memory_order_relaxed)) {
    // Apply queued events, but stop after a button change: the guest must see each state.
    bool guestMustSee = false;
    SDL_Event e;
    while (!guestMustSee && SDL_PollEvent(&e)) {
      Next next = handle(e);
      if (next == Next::quit) quit_ = true;
      guestMustSee = next == Next::let_guest_see;
    }
    if (quit_) break;
    if (auto s = runner_.step()) {
      status = *s;
      break;
    }
    show(Clock::now());
    if (runner_.idle() && !guestMustSee) wait(Clock::now());
  }
  stats_.print();
  return status;
}

std::string windowTitle(const Options& o) {
  if (o.image.empty()) return "Project Oberon";
  return "Project Oberon - " + std::filesystem::path(o.image).filename().string();
}

}  // namespace

bool windowAvailable() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((!x11 || !*x11) && (!wayland || !*wayland)) return false;
  const char* driver = std::getenv("SDL_VIDEODRIVER");
  if (driver && std::string(driver) == "dummy") return false;  // no window a person could see
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  // Only the kind of display the environment names is tried (a dead X server would otherwise
  // lead SDL on to Wayland, whose library complains on stderr).
  if (!driver || !*driver) {
    if (x11 && *x11 && (!wayland || !*wayland)) SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
    if (wayland && *wayland && (!x11 || !*x11)) SDL_SetHint(SDL_HINT_VIDEODRIVER, "wayland");
  }
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) return false;
  // With DISPLAY naming an X server that does not answer, SDL falls back to a driver that draws
  // into memory: a window nobody can see. Only a driver that shows something counts.
  const char* used = SDL_GetCurrentVideoDriver();
  bool visible = used && std::string(used) != "offscreen" && std::string(used) != "dummy" &&
                 std::string(used) != "evdev";
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
  return visible;
}

int runWindow(Machine& m, const Options& o, const std::atomic<bool>& stop) {
  // Our SIGINT/SIGTERM handlers (main.cpp) set `stop`; SDL must not install its own.
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  // A click that focuses the window also reaches Oberon.
  SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
  SDL_SetHint(SDL_HINT_VIDEO_ALLOW_SCREENSAVER, "1");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    std::fprintf(stderr, "oberon-emu: cannot open a window (%s); use --headless\n", SDL_GetError());
    return kExitSetup;
  }
  struct SdlQuit {
    ~SdlQuit() { SDL_Quit(); }
  } sdlQuit;

  SDL_Scancode middleKey = SDL_SCANCODE_UNKNOWN;
  if (!o.middleModifier.empty()) {
    middleKey = SDL_GetScancodeFromName(o.middleModifier.c_str());
    if (middleKey == SDL_SCANCODE_UNKNOWN) {
      std::fprintf(stderr, "oberon-emu: unknown key '%s' for --middle-button-key (SDL key names, "
                   "e.g. 'Left GUI', 'Right Ctrl')\n", o.middleModifier.c_str());
      return kExitSetup;
    }
  }
  Screen screen;
  if (std::string why = screen.open(m, windowTitle(o), o.zoom, o.fullscreen); !why.empty()) {
    std::fprintf(stderr, "oberon-emu: %s; use --headless\n", why.c_str());
    return kExitSetup;
  }
  WakeEvent wake;
  m.waker().setHook(&WakeEvent::push, &wake);
  // Called on this thread (the machine's), which is also SDL's video thread, as X11 requires.
  m.clipboard().getHostText = [] {
    std::string text;
    if (char* t = SDL_GetClipboardText()) {
      text = latin1FromUtf8(t);
      SDL_free(t);
    }
    return text;
  };
  m.clipboard().setHostText = [](const std::string& text) {
    SDL_SetClipboardText(utf8FromLatin1(text).c_str());
  };
  WindowInput input(m, middleKey);
  int status = WindowLoop(m, o, screen, input, wake).run(stop);
  m.waker().setHook(nullptr, nullptr);
  m.clipboard().getHostText = nullptr;
  m.clipboard().setHostText = nullptr;
  return status;
}

}  // namespace risc5
