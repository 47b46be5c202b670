// Test support for the window tests: a private Xvfb server, the emulator in a real SDL2 window on
// it, X input through xdotool, and screenshots of the window through ImageMagick's `import`.
#pragma once

#include <X11/Xlib.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace window_test {

using namespace std::chrono_literals;

// A child process killed (SIGTERM, then SIGKILL) when the object goes.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& extraEnv, int keepFd = -1) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    for (const auto& e : extraEnv) env.push_back(e);
    pid_ = fork();
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      if (keepFd < 0) ::dup2(devnull, 2);
      std::vector<char*> a, en;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      for (const auto& s : env) en.push_back(const_cast<char*>(s.c_str()));
      en.push_back(nullptr);
      execvpe(a[0], a.data(), en.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGTERM);
      if (!waitFor(3s)) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
  }
  pid_t pid() const { return pid_; }
  // Waits (bounded) for the child to end; true if it did. exitStatus() then tells how.
  bool waitFor(std::chrono::milliseconds bound) {
    auto end = std::chrono::steady_clock::now() + bound;
    while (!reaped_) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      if (std::chrono::steady_clock::now() >= end) return false;
      ::usleep(20000);  // no event to wait on for another process's exit here
    }
    return true;
  }
  int exitStatus() const { return status_; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;
};

// Xvfb on a display number it picks itself (-displayfd): ready when it writes the number.
class Xvfb {
 public:
  Xvfb() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      int devnull = ::open("/dev/null", O_RDWR);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      std::string fd = std::to_string(fds[1]);
      execlp("Xvfb", "Xvfb", "-displayfd", fd.c_str(), "-screen", "0", "1280x1024x24", "-nolisten",
             "tcp", static_cast<char*>(nullptr));
      _exit(127);
    }
    ::close(fds[1]);
    pollfd p{fds[0], POLLIN, 0};
    std::string number;
    auto end = std::chrono::steady_clock::now() + 15s;
    while (number.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[16];
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      number.append(buf, static_cast<size_t>(n));
    }
    ::close(fds[0]);
    if (number.find('\n') == std::string::npos) throw std::runtime_error("Xvfb did not start within 15 s");
    display_ = ":" + number.substr(0, number.find('\n'));
  }
  ~Xvfb() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& display() const { return display_; }
  std::string env() const { return "DISPLAY=" + display_; }

 private:
  pid_t pid_ = -1;
  std::string display_;
};

// Runs a helper program (xdotool, import) on the test's display; throws if it fails.
inline e2e::Result x(const Xvfb& xvfb, std::vector<std::string> argv, std::chrono::milliseconds bound = 15s) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("DISPLAY=", 0) != 0) env.emplace_back(*e);
  env.push_back(xvfb.env());
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  return e2e::run(argv, bound, envp.data());
}

// An 8-bit grey screenshot of a window: (x, y) with y down, 255 = white.
struct Shot {
  int width = 0, height = 0;
  std::string pixels;
  bool white(int px, int py) const { return static_cast<unsigned char>(pixels[py * width + px]) > 127; }
  double whiteShare(int x0, int y0, int x1, int y1) const {
    int n = 0;
    for (int py = y0; py < y1; ++py)
      for (int px = x0; px < x1; ++px) n += white(px, py);
    return double(n) / ((x1 - x0) * (y1 - y0));
  }
};

inline Shot screenshot(const Xvfb& xvfb, const std::string& window, int width, int height) {
  auto r = x(xvfb, {"import", "-window", window, "-depth", "8", "gray:-"});
  if (r.status != 0) throw std::runtime_error("import failed: " + r.err);
  Shot s{width, height, r.out};
  if (static_cast<int>(s.pixels.size()) != width * height)
    throw std::runtime_error("screenshot has " + std::to_string(s.pixels.size()) + " bytes, not " +
                             std::to_string(width * height));
  return s;
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
