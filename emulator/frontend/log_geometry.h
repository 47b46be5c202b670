// Where System.Log's first text line is on the screen: the one place that knows Oberon's layout,
// used by scripts' `run` (and so --run) to type a command there and click it.
//
// Assumes the stock Oberon of Project Oberon 2013: System.Log opened at the top of the system
// track (x = width DIV 8 * 5), whose top edge Oberon never moves, and the default font
// Oberon10.Scn.Fnt (line spacing 12, ascent 9, descent 3). TextFrames then draws a menu bar 14
// rows high, starts the text 6 rows below it, and puts a scroll bar of 14 columns at the left,
// with the text 20 columns in. Rows are counted from the top of the screen.
#pragma once

namespace risc5::log_geometry {

inline constexpr int kLineSpacing = 12;
inline constexpr int kLine0Row = 14 + 6 + 9 - 4;  // middle of line 0's band (baseline at row 28)
inline constexpr int kClickDx = 1 + 17;           // right of the scroll bar, left of the 1st char
inline constexpr int kTextDx = 1 + 20;            // the first character

// The left edge of the system track, where System.Log sits.
constexpr int systemTrackX(int screenWidth) { return screenWidth / 8 * 5; }

}  // namespace risc5::log_geometry
