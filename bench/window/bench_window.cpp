// Prints the window's figures under Xvfb (not a test):
//   1. host CPU of the emulator over 10 s while Oberon idles in the SDL window;
//   2. frame times while a viewer is dragged with the mouse (the emulator's --frame-stats).
// Needs OBERON_IMAGE, Xvfb, xdotool.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/support/files.h"
#include "tests/window/x11_session.h"

using namespace window_test;
using namespace std::chrono_literals;

int main() {
  const char* image = std::getenv("OBERON_IMAGE");
  if (!image) {
    std::printf("window: skipped (set OBERON_IMAGE to a Project Oberon disk image)\n");
    return 0;
  }
  Xvfb xvfb;
  support::TempDir dir("bench-window");
  std::string stats = dir.file("stats.txt");
  Child emu({EMULATOR, "--snapshot", "--zoom", "1", "--frame-stats", image}, xvfb,
            {.err = support::Stream::file(stats)});
  auto found = x(xvfb, {"xdotool", "search", "--sync", "--name", "Project Oberon"});
  if (found.status != 0) {
    std::printf("window: the emulator's window did not appear\n");
    return 1;
  }
  std::string win = found.out.substr(0, found.out.find('\n'));
  x(xvfb, {"xdotool", "mousemove", "--window", win, "300", "400"});
  std::this_thread::sleep_for(2s);  // boot and settle before measuring

  double c0 = emu.cpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(10s);
  double idle = (emu.cpuSeconds() - c0) /
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("idle: %.2f%% of one core over 10 s with the window open (target < 3%%)\n", 100 * idle);

  // Drag System.Tool's title bar up and down: Oberon moves the viewer boundary as the mouse goes.
  for (int round = 0; round < 3; ++round) {
    x(xvfb, {"xdotool", "mousemove", "--window", win, "700", "262", "mousedown", "1"});
    for (int y = 262; y <= 600; y += 8)
      x(xvfb, {"xdotool", "mousemove", "--window", win, "700", std::to_string(y)});
    for (int y = 600; y >= 262; y -= 8)
      x(xvfb, {"xdotool", "mousemove", "--window", win, "700", std::to_string(y)});
    x(xvfb, {"xdotool", "mouseup", "1"});
  }
  closeGracefully(xvfb, std::stoul(win));
  emu.wait(10s);
  std::ifstream in(stats);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("frames:", 0) == 0) std::printf("drag: %s\n", line.c_str());
  return 0;
}
