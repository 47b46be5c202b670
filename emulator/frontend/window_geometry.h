// Where the Oberon screen goes in the window, and where a host mouse position lands on it.
// Pure arithmetic, kept apart from SDL so it can be tested.
//
// Three coordinate systems: window points (mouse events, window size), drawable pixels (what
// the renderer draws into; larger than points on HiDPI displays) and Oberon pixels (x to the
// right, y = 0 at the BOTTOM line, as Input.Mouse reports them).
#pragma once

namespace risc5 {

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

struct Size {
  int w = 0, h = 0;
};

// Room kept free for the window manager's title bar and borders when choosing a zoom.
constexpr int kDecorationAllowance = 48;

// The initial window size in points for a fbW x fbH screen on a display whose usable area is
// usableW x usableH. zoom > 0: that integer zoom. zoom = 0 (automatic): the largest integer
// zoom that fits (at least 1); if even zoom 1 does not fit, the largest size that fits with
// the aspect ratio kept.
Size initialWindowSize(int fbW, int fbH, int usableW, int usableH, int zoom);

// The largest rectangle with the screen's aspect ratio centred in a dw x dh drawable: the rest
// is the letterbox (black bars). Never empty.
Rect fitRect(int fbW, int fbH, int dw, int dh);

struct Point {
  int x = 0, y = 0;
};

// A mouse position in window points to Oberon coordinates: through the points-to-pixels ratio
// (window wW x wH, drawable dw x dh), the letterbox `dest` and the scale, clamped to the
// screen, y flipped.
Point toOberon(int px, int py, Size window, Size drawable, Rect dest, int fbW, int fbH);

}  // namespace risc5
