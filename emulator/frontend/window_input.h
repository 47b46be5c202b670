// Host keyboard and mouse to the Oberon board's PS/2 registers.
//
// Keys go to the keyboard FIFO as set-2 scancodes (ps2_keymap.h); SDL's key repeat sends the make
// code again, as a PS/2 keyboard's typematic repeat does. Left Alt does not reach Oberon: it is
// the middle mouse button (pressed while held), as in the reference emulator, for two-button
// mice and trackpads; a second key can be configured for the same (--middle-button-key).
// Losing the focus releases everything that is held, so no key or button sticks.
#pragma once

#include <SDL.h>

#include <bitset>

#include "window_geometry.h"

namespace risc5 {

class Machine;

class WindowInput {
 public:
  // middleKey: the extra middle-button key, SDL_SCANCODE_UNKNOWN for none.
  WindowInput(Machine& m, SDL_Scancode middleKey) : m_(m), middleKey_(middleKey) {}

  // Each returns true if a mouse button changed: the guest should run (and see the change)
  // before the next event is applied, or a quick click would come and go unseen.
  bool key(SDL_Scancode key, bool down, bool repeat);
  bool button(uint8_t sdlButton, bool down);
  void moveTo(Point p);
  // Releases held keys (break codes) and buttons: on focus loss.
  bool releaseAll();
  // After a reset of the machine: it forgot keys and buttons, and so do we.
  void forget();

 private:
  enum MiddleSource : unsigned { kMiddleButton = 1, kAltKey = 2, kMiddleKey = 4 };
  bool setMiddle(unsigned source, bool down);
  void sendKey(SDL_Scancode key, bool down);

  Machine& m_;
  SDL_Scancode middleKey_;
  std::bitset<SDL_NUM_SCANCODES> held_;
  unsigned middle_ = 0;  // MiddleSource bits that hold the middle button down
  bool left_ = false, right_ = false;
};

}  // namespace risc5
