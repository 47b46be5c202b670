// Test support for the window tests: a private Xvfb server, the emulator in a real SDL2 window on
// it, X input through xdotool, and screenshots of the window through ImageMagick's `import`.
// Processes and pictures come from tests/support.
#pragma once

#include <X11/Xlib.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/png_read.h"
#include "tests/support/process.h"

namespace window_test {

using namespace std::chrono_literals;
using Shot = support::Picture;  // an 8-bit grey screenshot of a window, y down

// Xvfb on a display number it picks itself (-displayfd 1: it writes the number on stdout once
// it is ready).
class Xvfb {
 public:
  Xvfb()
      : server_({"Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"},
                {.out = support::Stream::pipe()}) {
    auto number = server_.readLine(support::Clock::now() + 15s);
    if (!number || number->empty()) throw std::runtime_error("Xvfb did not start within 15 s");
    display_ = ":" + *number;
  }
  ~Xvfb() { server_.terminate(5s); }
  const std::string& display() const { return display_; }
  std::string env() const { return "DISPLAY=" + display_; }

 private:
  support::Child server_;
  std::string display_;
};

// A program on the test's display, ended with SIGTERM (SIGKILL after 3 s) when it goes.
class Child : public support::Child {
 public:
  Child(const std::vector<std::string>& argv, const Xvfb& xvfb, support::Options options = {})
      : support::Child(argv, withDisplay(xvfb, std::move(options))) {}
  ~Child() { terminate(3s); }

 private:
  static support::Options withDisplay(const Xvfb& xvfb, support::Options o) {
    o.env.push_back(xvfb.env());
    return o;
  }
};

// Runs a helper program (xdotool, import) on the test's display.
inline support::Result x(const Xvfb& xvfb, std::vector<std::string> argv, std::chrono::milliseconds bound = 15s) {
  return support::run(argv, bound, {.env = {xvfb.env()}});
}

inline Shot screenshot(const Xvfb& xvfb, const std::string& window, int width, int height) {
  auto r = x(xvfb, {"import", "-window", window, "-depth", "8", "gray:-"});
  if (r.status != 0) throw std::runtime_error("import failed: " + r.err);
  return support::fromGrey(width, height, r.out);
}

// Closes a window the way a window manager does: a WM_DELETE_WINDOW client message.
inline bool closeGracefully(const Xvfb& xvfb, unsigned long window) {
  Display* d = XOpenDisplay(xvfb.display().c_str());
  if (!d) return false;
  XEvent e{};
  e.xclient.type = ClientMessage;
  e.xclient.window = window;
  e.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
  e.xclient.format = 32;
  e.xclient.data.l[0] = static_cast<long>(XInternAtom(d, "WM_DELETE_WINDOW", False));
  e.xclient.data.l[1] = CurrentTime;
  Status ok = XSendEvent(d, window, False, NoEventMask, &e);
  XFlush(d);
  XCloseDisplay(d);
  return ok != 0;
}

}  // namespace window_test
