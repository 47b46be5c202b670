// The window's arithmetic and text conversion, without a display. Expected values are worked
// out by hand in the comments.
#include <boost/test/unit_test.hpp>

#include "emulator/frontend/window_geometry.h"
#include "emulator/frontend/window_text.h"

using namespace risc5;

BOOST_AUTO_TEST_SUITE(window_pure)

BOOST_AUTO_TEST_CASE(initial_size_takes_the_largest_integer_zoom_that_fits) {
  // 3840x2160 usable: (2160-48)/768 = 2.75, 3840/1024 = 3.75 -> zoom 2.
  Size s = initialWindowSize(1024, 768, 3840, 2160, 0);
  BOOST_TEST(s.w == 2048);
  BOOST_TEST(s.h == 1536);
  // Xvfb's 1280x1024: (1024-48)/768 = 1.27 -> zoom 1.
  s = initialWindowSize(1024, 768, 1280, 1024, 0);
  BOOST_TEST((s.w == 1024 && s.h == 768));
  // An explicit zoom wins, even if it does not fit.
  s = initialWindowSize(1024, 768, 1280, 1024, 3);
  BOOST_TEST((s.w == 3072 && s.h == 2304));
  // 800x600: zoom 1 does not fit in 800x552; height-limited: 552 high, 552*4/3 = 736 wide.
  s = initialWindowSize(1024, 768, 800, 600, 0);
  BOOST_TEST((s.w == 736 && s.h == 552));
}

BOOST_AUTO_TEST_CASE(the_screen_is_letterboxed_with_its_aspect_ratio) {
  // 2048x800 drawable: height-limited, 800*1024/768 = 1066 wide, (2048-1066)/2 = 491 left.
  Rect r = fitRect(1024, 768, 2048, 800);
  BOOST_TEST((r.x == 491 && r.y == 0 && r.w == 1066 && r.h == 800));
  // 1024x1000: width-limited, 768 high, (1000-768)/2 = 116 from the top.
  r = fitRect(1024, 768, 1024, 1000);
  BOOST_TEST((r.x == 0 && r.y == 116 && r.w == 1024 && r.h == 768));
  // Exactly twice the size: no bars.
  r = fitRect(1024, 768, 2048, 1536);
  BOOST_TEST((r.x == 0 && r.y == 0 && r.w == 2048 && r.h == 1536));
  // A degenerate drawable still gives a non-empty rectangle.
  r = fitRect(1024, 768, 0, 0);
  BOOST_TEST((r.w >= 1 && r.h >= 1));
}

BOOST_AUTO_TEST_CASE(mouse_positions_map_through_zoom_letterbox_and_flip) {
  // Zoom 1: top-left point is Oberon (0, 767); bottom-right is (1023, 0).
  Size win{1024, 768};
  Rect dest = fitRect(1024, 768, 1024, 768);
  Point p = toOberon(0, 0, win, win, dest, 1024, 768);
  BOOST_TEST((p.x == 0 && p.y == 767));
  p = toOberon(1023, 767, win, win, dest, 1024, 768);
  BOOST_TEST((p.x == 1023 && p.y == 0));
  // Zoom 2: point (201, 301) -> pixel (100, 150) -> Oberon y = 767 - 150 = 617.
  Size win2{2048, 1536};
  dest = fitRect(1024, 768, 2048, 1536);
  p = toOberon(201, 301, win2, win2, dest, 1024, 768);
  BOOST_TEST((p.x == 100 && p.y == 617));
  // HiDPI: a 1024x768-point window with a 2048x1536 drawable is zoom 1 in points.
  p = toOberon(100, 150, win, win2, dest, 1024, 768);
  BOOST_TEST((p.x == 100 && p.y == 617));
  // Letterbox 2048x800: the screen starts at x = 491, scale 800/768. Point (491 + 1066/2, 400)
  // is the middle: x = 533 * 1024 / 1066 = 512, row = 400 * 768 / 800 = 384 -> y = 383.
  Size wide{2048, 800};
  dest = fitRect(1024, 768, 2048, 800);
  p = toOberon(491 + 533, 400, wide, wide, dest, 1024, 768);
  BOOST_TEST((p.x == 512 && p.y == 383));
  // In the bars and outside the window (captured drags): clamped to the screen's edges.
  p = toOberon(10, 400, wide, wide, dest, 1024, 768);
  BOOST_TEST(p.x == 0);
  p = toOberon(2040, -50, wide, wide, dest, 1024, 768);
  BOOST_TEST((p.x == 1023 && p.y == 767));
  p = toOberon(-1, 5000, wide, wide, dest, 1024, 768);
  BOOST_TEST((p.x == 0 && p.y == 0));
}

BOOST_AUTO_TEST_CASE(clipboard_text_is_latin1_for_oberon_and_utf8_for_the_host) {
  // U+00E9 is C3 A9 in UTF-8 and E9 in Latin-1.
  BOOST_TEST(latin1FromUtf8("caf\xC3\xA9") == "caf\xE9");
  BOOST_TEST(utf8FromLatin1("caf\xE9") == "caf\xC3\xA9");
  // Beyond Latin-1 (the euro sign E2 82 AC) and malformed bytes become '?'.
  BOOST_TEST(latin1FromUtf8("5 \xE2\x82\xAC") == "5 ?");
  BOOST_TEST(latin1FromUtf8("a\xC3") == "a?");
  BOOST_TEST(latin1FromUtf8("\xA9x") == "?x");
  // CRLF from the host becomes LF (the device turns LF into Oberon's CR); lone CR stays.
  BOOST_TEST(latin1FromUtf8("a\r\nb\rc") == "a\nb\rc");
  // NUL cannot go into a C string for SDL.
  BOOST_TEST(utf8FromLatin1(std::string("a\0b", 3)) == "ab");
}

BOOST_AUTO_TEST_SUITE_END()
