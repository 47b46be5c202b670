// The SDL2 window under Xvfb, driven by real X input events (xdotool), checked on screenshots of
// the real window (ImageMagick's import) against the headless framebuffer. Not SDL's dummy driver.
#define BOOST_TEST_MODULE window
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <thread>

#include "emulator/frontend/ps2_keymap.h"
#include "tests/support/files.h"
#include "tests/support/png_read.h"
#include "x11_session.h"

namespace fs = std::filesystem;
using namespace window_test;
using namespace std::chrono_literals;

namespace {

using support::emulator;
using support::image;

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

// The desktop is up: both menu bars of the right track are drawn (inverted: mostly white).
bool desktopShown(const Shot& s) {
  return s.whiteShare(645, 0, 1015, 12) > 0.6 && s.whiteShare(645, 256, 1015, 269) > 0.6;
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
  support::TempDir dir("window-ref");
  fs::path ref = dir.path() / "ref.png";
  auto headless = support::run({emulator(), "--snapshot", "--until-idle", "--timeout", "20", "--screenshot",
                            ref.string(), "--no-tcpnet", image()},
                           60s);
  BOOST_REQUIRE_MESSAGE(headless.status == 0, headless.err);
  support::Picture expected = support::loadPng(ref);

  Xvfb xvfb;
  Child emu({emulator(), "--snapshot", "--zoom", "1", "--no-tcpnet", image()}, xvfb);
  std::string win = findWindow(xvfb);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "windowfocus", "--sync", win}).status == 0);
  // The pointer goes to the empty left track, where Oberon draws its arrow out of the way.
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "100", "700"}).status == 0);

  // 1. The right track (System.Log and System.Tool) is pixel for pixel the headless screen.
  auto sameAsHeadless = [&](const Shot& s) {
    for (int py = 0; py < 600; ++py)
      for (int px = 640; px < kW; ++px)
        if (s.white(px, py) != expected.white(px, py)) return false;
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

BOOST_AUTO_TEST_CASE(left_alt_is_the_middle_button_through_a_letterboxed_window) {
  Xvfb xvfb;
  Child emu({emulator(), "--snapshot", "--zoom", "1", "--no-tcpnet", image()}, xvfb);
  std::string win = findWindow(xvfb);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "windowfocus", "--sync", win}).status == 0);
  Shot desktop = waitForScreen(xvfb, win, desktopShown, 15s);
  BOOST_REQUIRE(desktopShown(desktop));
  BOOST_TEST(desktop.whiteShare(655, 31, 800, 44) == 0.0);  // System.Log's second line: empty

  // 1280x480: scale min(1280/1024, 480/768) = 0.625, the screen is 640x480 at x = 320.
  // System.Watch sits at screen pixel (848, 281): window point (320 + 848 * 0.625, 281 * 0.625)
  // = (850, 175.6). Left Alt pressed and released there is a middle click: the command runs.
  BOOST_REQUIRE(x(xvfb, {"xdotool", "windowsize", "--sync", win, "1280", "480"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "850", "176"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "keydown", "Alt_L"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "keyup", "Alt_L"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "windowsize", "--sync", win, "1024", "768"}).status == 0);
  // System.Watch writes its report into System.Log from the second line on.
  Shot watched = waitForScreen(xvfb, win, [](const Shot& s) { return s.whiteShare(655, 31, 800, 44) > 0.05; }, 10s);
  BOOST_TEST(watched.whiteShare(655, 31, 800, 44) > 0.05, "System.Watch did not run on the Alt click");
}

BOOST_AUTO_TEST_CASE(clipboard_paste_and_copy_selection_reach_the_host_clipboard,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       return boost::unit_test::assertion_result(support::haveProgram("xclip"));
                     })) {
  Xvfb xvfb;
  Child emu({emulator(), "--snapshot", "--zoom", "1", "--no-tcpnet", image()}, xvfb);
  std::string win = findWindow(xvfb);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "windowfocus", "--sync", win}).status == 0);
  BOOST_REQUIRE(desktopShown(waitForScreen(xvfb, win, desktopShown, 15s)));
  // The host clipboard holds "Pasted" and U+00E9 (UTF-8 C3 A9), owned by a background xclip
  // (it ends with the X server).
  BOOST_REQUIRE(x(xvfb, {"sh", "-c", "printf 'Pasted\\303\\251' | xclip -selection clipboard >/dev/null 2>&1 &"}).status == 0);
  auto clip = [&] { return x(xvfb, {"xclip", "-selection", "clipboard", "-o"}, 5s).out; };
  auto until = std::chrono::steady_clock::now() + 10s;
  while (clip() != "Pasted\xC3\xA9" && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
  BOOST_REQUIRE(clip() == "Pasted\xC3\xA9");

  // Caret at the end of System.Log; the two commands on lines 2 and 3; the caret on line 4.
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "700", "150", "click", "1"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "type", "--delay", "20", "Clipboard.Paste\rClipboard.CopySelection\r"}).status == 0);
  waitForScreen(xvfb, win, [](const Shot& s) { return s.whiteShare(655, 43, 800, 56) > 0.05; }, 10s);
  BOOST_TEST(screenshot(xvfb, win, kW, kH).whiteShare(672, 55, 800, 68) < 0.005);  // descenders of line 3 only
  // Middle click on Clipboard.Paste: the host text goes in at the caret, on line 4.
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "690", "37", "click", "2"}).status == 0);
  Shot pasted = waitForScreen(xvfb, win, [](const Shot& s) { return s.whiteShare(672, 55, 800, 68) > 0.02; }, 10s);
  BOOST_TEST(pasted.whiteShare(672, 55, 800, 68) > 0.02, "Clipboard.Paste inserted nothing");

  // Select line 4 with the right button, then Clipboard.CopySelection: the host clipboard gets
  // the pasted text back, Latin-1 E9 turned into UTF-8 again.
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "658", "61", "mousedown", "3"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "760", "61"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mouseup", "3"}).status == 0);
  BOOST_REQUIRE(x(xvfb, {"xdotool", "mousemove", "--window", win, "700", "49", "click", "2"}).status == 0);
  std::string copied;
  until = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < until) {
    copied = clip();
    if (copied.rfind("Pasted\xC3\xA9", 0) == 0) break;
    std::this_thread::sleep_for(50ms);
  }
  // The selection may take the line end with it.
  BOOST_TEST((copied == "Pasted\xC3\xA9" || copied == "Pasted\xC3\xA9\n"), "host clipboard: '" + copied + "'");
}

BOOST_AUTO_TEST_CASE(closing_the_window_exits_cleanly) {
  Xvfb xvfb;
  Child emu({emulator(), "--snapshot", "--no-tcpnet", image()}, xvfb);
  std::string win = findWindow(xvfb);
  BOOST_REQUIRE(closeGracefully(xvfb, std::stoul(win)));
  BOOST_REQUIRE_MESSAGE(emu.wait(10s) >= 0, "the emulator did not exit after the window was closed");
  BOOST_TEST(emu.status() == 0);
}

BOOST_AUTO_TEST_CASE(without_a_display_it_says_so_and_runs_headless) {
  // DISPLAY and WAYLAND_DISPLAY removed: one line, then the headless run (--timeout ends it).
  // (--until-idle would ask for headless itself, so the run ends by --timeout: status 2.)
  auto r = support::run({emulator(), "--snapshot", "--no-tcpnet", "--timeout", "1", image()}, 60s,
                        {.env = {"-DISPLAY", "-WAYLAND_DISPLAY"}});
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("no display") != std::string::npos);
  BOOST_TEST(r.err.find("headless") != std::string::npos);
}
