// Prints the window's figures under Xvfb (not a test):
//   1. host CPU of the emulator over 10 s while Oberon idles in the SDL window;
//   2. frame times while a viewer is dragged with the mouse (the emulator's --frame-stats).
// Needs OBERON_IMAGE, Xvfb, xdotool.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "tests/window/x11_session.h"

using namespace window_test;
using namespace std::chrono_literals;

namespace {

// utime + stime of a process in seconds (/proc/PID/stat fields 14 and 15).
double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat{std::istreambuf_iterator<char>(in), {}};
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return double(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace

int main() {
  const char* image = std::getenv("OBERON_IMAGE");
  if (!image) {
    std::printf("window: skipped (set OBERON_IMAGE to a Project Oberon disk image)\n");
    return 0;
  }
  Xvfb xvfb;
  std::string stats = "/tmp/bench-window-" + std::to_string(::getpid()) + ".txt";
  std::string command = std::string("exec ") + EMULATOR + " --snapshot --zoom 1 --frame-stats '" + image +
                        "' 2>" + stats;
  Child emu({"sh", "-c", command}, {xvfb.env()});
  auto found = x(xvfb, {"xdotool", "search", "--sync", "--name", "Project Oberon"});
  if (found.status != 0) {
    std::printf("window: the emulator's window did not appear\n");
    return 1;
  }
  std::string win = found.out.substr(0, found.out.find('\n'));
  x(xvfb, {"xdotool", "mousemove", "--window", win, "300", "400"});
  std::this_thread::sleep_for(2s);  // boot and settle before measuring

  double c0 = cpuSeconds(emu.pid());
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(10s);
  double idle = (cpuSeconds(emu.pid()) - c0) /
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
  emu.waitFor(10s);
  std::ifstream in(stats);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("frames:", 0) == 0) std::printf("drag: %s\n", line.c_str());
  std::remove(stats.c_str());
  return 0;
}
