// The SDL2 window under Xvfb, driven by real X input events (xdotool), checked on screenshots of
// the real window (ImageMagick's import) against the headless framebuffer. Not SDL's dummy driver.
#define BOOST_TEST_MODULE window
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "emulator/frontend/ps2_keymap.h"
#include "tests/support/png_read.h"
#include "x11_session.h"

namespace fs = std::filesystem;
using namespace window_test;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name, const char* what) {
  const char* v = std::getenv(name);
  BOOST_REQUIRE_MESSAGE(v && *v, std::string(name) + " is not set: " + what);
  return v;
}
std::string emulator() { return env("OBERON_BUILD_DIR", "run through ctest") + "/emulator/oberon-emu"; }
std::string image() {
  std::string p = env("OBERON_IMAGE", "point it at a Project Oberon disk image");
  BOOST_REQUIRE_MESSAGE(fs::exists(p), "OBERON_IMAGE does not exist: " + p);
  return p;
}

constexpr int kW = 1024, kH = 768;

// Polls screenshots until `ok` holds (bounded); returns the last one.
template <typename Pred>
Shot waitForScreen(const Xvfb& xvfb, const std::string& window, Pred ok, std::chrono::seconds bound) {
  auto end = std::chrono::steady_clock::now() + bound;
  Shot s = screenshot(xvfb, window, kW, kH);
  while (!ok(s) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(50ms);  // the next frame; there is no event to wait on from here
    s = screenshot(xvfb, window, kW, kH);
  }
  return s;
}

std::string findWindow(const Xvfb& xvfb) {
  auto r = x(xvfb, {"xdotool", "search", "--sync", "--name", "Project Oberon"}, 15s);
  BOOST_REQUIRE_MESSAGE(r.status == 0 && !r.out.empty(), "the emulator's window did not appear: " + r.err);
  return r.out.substr(0, r.out.find('\n'));
}

}  // namespace

BOOST_AUTO_TEST_CASE(keymap_follows_the_ps2_set2_table) {
  using risc5::ps2Bytes;
  using risc5::ps2KeyForUsage;
  // USB usage 04H is A: set-2 make 1CH, break F0 1CH.
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x04), true) == (std::vector<uint8_t>{0x1C}));
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x04), false) == (std::vector<uint8_t>{0xF0, 0x1C}));
  // Arrows, Home, End, Delete and keypad Enter are extended: E0 prefix, E0 F0 on release.
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x52), true) == (std::vector<uint8_t>{0xE0, 0x75}));   // Up
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x50), false) == (std::vector<uint8_t>{0xE0, 0xF0, 0x6B}));  // Left
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x4A), true) == (std::vector<uint8_t>{0xE0, 0x6C}));   // Home
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x4D), true) == (std::vector<uint8_t>{0xE0, 0x69}));   // End
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x4C), true) == (std::vector<uint8_t>{0xE0, 0x71}));   // Delete
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x58), true) == (std::vector<uint8_t>{0xE0, 0x5A}));   // keypad Enter
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x28), true) == (std::vector<uint8_t>{0x5A}));         // Return
  // Shift and Ctrl as Input.Mod expects them: 12H/59H and 14H (right Ctrl E0 14H).
  BOOST_TEST(ps2KeyForUsage(0xE1).code == 0x12);
  BOOST_TEST(ps2KeyForUsage(0xE5).code == 0x59);
  BOOST_TEST(ps2KeyForUsage(0xE0).code == 0x14);
  BOOST_TEST((ps2KeyForUsage(0xE4).code == 0x14 && ps2KeyForUsage(0xE4).extended));
  BOOST_TEST(ps2KeyForUsage(0x1E).code == 0x16);  // 1
  BOOST_TEST(ps2KeyForUsage(0x2C).code == 0x29);  // space
  BOOST_TEST(ps2KeyForUsage(0x46).code == 0);     // Print Screen: not sent
  BOOST_TEST(ps2Bytes(ps2KeyForUsage(0x46), true).empty());
  BOOST_TEST(ps2KeyForUsage(-1).code == 0);
  BOOST_TEST(ps2KeyForUsage(999).code == 0);
}

BOOST_AUTO_TEST_CASE(the_window_shows_oberon_and_takes_keys_and_clicks) {
  // The headless framebuffer of the same image, for comparison.
  fs::path ref = fs::temp_directory_path() / ("window-ref-" + std::to_string(::getpid()) + ".png");
  auto headless = e2e::run({emulator(), "--snapshot", "--until-idle", "--timeout", "20", "--screenshot",
                            ref.string(), "--no-tcpnet", image()},
                           60s);
  BOOST_REQUIRE_MESSAGE(headless.status == 0, headless.err);
  e2e::Picture expected = e2e::loadPng(ref);
  fs::remove(ref);

  Xvfb xvfb;
  Child emu({emulator(), "--snapshot", "--zoom", "1", "--no-tcpnet", image()}, {xvfb.env()});
  std::string win = findWindow(xvfb);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "windowfocus", "--sync", win}).status == 0);
  // The pointer goes to the empty left track, where Oberon draws its arrow out of the way.
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "100", "700"}).status == 0);

  // 1. The right track (System.Log and System.Tool) is pixel for pixel the headless screen.
  auto sameAsHeadless = [&](const Shot& s) {
    for (int py = 0; py < 600; ++py)
      for (int px = 640; px < kW; ++px)
        if (s.white(px, py) != expected.at(px, py)) return false;
    return true;
  };
  Shot desktop = waitForScreen(xvfb, win, sameAsHeadless, 15s);
  BOOST_TEST(sameAsHeadless(desktop), "the window's right track differs from the headless framebuffer");
  BOOST_TEST(desktop.whiteShare(655, 31, 800, 44) == 0.0);  // the second line of System.Log is empty

  // 2. A left click puts the caret into System.Log; typed text appears there.
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "700", "150", "click", "1"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "type", "--delay", "20", "Hello Oberon"}).status == 0);
  Shot typed = waitForScreen(xvfb, win, [](const Shot& s) { return s.whiteShare(655, 31, 800, 44) > 0.05; }, 10s);
  BOOST_TEST(typed.whiteShare(655, 31, 800, 44) > 0.05, "typed text did not appear in System.Log");

  // 3. A command typed on the next line and middle-clicked runs: System.Directory opens a
  //    viewer listing the modules in the lower part of the right track, which was black.
  BOOST_TEST(typed.whiteShare(660, 580, 1000, 760) < 0.001);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "key", "Return"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "type", "--delay", "20", "System.Directory *.Mod"}).status == 0);
  waitForScreen(xvfb, win, [](const Shot& s) { return s.whiteShare(655, 43, 820, 56) > 0.05; }, 10s);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "690", "49", "click", "2"}).status == 0);
  Shot listed = waitForScreen(xvfb, win, [](const Shot& s) { return s.whiteShare(660, 580, 1000, 760) > 0.02; }, 15s);
  BOOST_TEST(listed.whiteShare(660, 580, 1000, 760) > 0.02, "no directory listing after the middle click");
}

BOOST_AUTO_TEST_CASE(closing_the_window_exits_cleanly) {
  Xvfb xvfb;
  Child emu({emulator(), "--snapshot", "--no-tcpnet", image()}, {xvfb.env()});
  std::string win = findWindow(xvfb);
  BOOST_REQUIRE(closeGracefully(xvfb, std::stoul(win)));
  BOOST_REQUIRE_MESSAGE(emu.waitFor(10s), "the emulator did not exit after the window was closed");
  BOOST_TEST(emu.exitStatus() == 0);
}

BOOST_AUTO_TEST_CASE(without_a_display_it_says_so_and_runs_headless) {
  // DISPLAY and WAYLAND_DISPLAY removed: one line, then the headless run (--timeout ends it).
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string s(*e);
    if (s.rfind("DISPLAY=", 0) != 0 && s.rfind("WAYLAND_DISPLAY=", 0) != 0) env.push_back(s);
  }
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  // (--until-idle would ask for headless itself, so the run ends by --timeout: status 2.)
  auto r = e2e::run({emulator(), "--snapshot", "--no-tcpnet", "--timeout", "1", image()}, 60s, envp.data());
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("no display") != std::string::npos);
  BOOST_TEST(r.err.find("headless") != std::string::npos);
}
