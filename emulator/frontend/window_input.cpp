#include "window_input.h"

#include "ps2_keymap.h"
#include "emulator/machine/machine.h"

namespace risc5 {

void WindowInput::sendKey(SDL_Scancode key, bool down) {
  std::vector<uint8_t> bytes = ps2Bytes(ps2KeyForUsage(static_cast<int>(key)), down);
  if (bytes.empty()) return;
  // A full FIFO drops the key, as the board's keyboard controller would; Oberon reads it
  // within milliseconds, so this needs a stuck guest.
  if (m_.keyboard().push(bytes)) held_[key] = down;
}

bool WindowInput::key(SDL_Scancode key, bool down, bool repeat) {
  if (key == SDL_SCANCODE_LALT) return repeat ? false : setMiddle(kAltKey, down);
  if (key == middleKey_) return repeat ? false : setMiddle(kMiddleKey, down);
  if (!down && !held_[key]) return false;  // a release whose press went elsewhere
  sendKey(key, down);
  return false;
}

bool WindowInput::setMiddle(unsigned source, bool down) {
  const bool was = middle_ != 0;
  middle_ = down ? (middle_ | source) : (middle_ & ~source);
  const bool now = middle_ != 0;
  if (was == now) return false;
  m_.mouse().setButton(Mouse::middle, now);
  return true;
}

bool WindowInput::button(uint8_t sdlButton, bool down) {
  switch (sdlButton) {
    case SDL_BUTTON_LEFT:
      if (left_ == down) return false;
      left_ = down;
      m_.mouse().setButton(Mouse::left, down);
      return true;
    case SDL_BUTTON_MIDDLE: return setMiddle(kMiddleButton, down);
    case SDL_BUTTON_RIGHT:
      if (right_ == down) return false;
      right_ = down;
      m_.mouse().setButton(Mouse::right, down);
      return true;
    default: return false;  // extra buttons: Oberon has three
  }
}

void WindowInput::moveTo(Point p) { m_.mouse().moveTo(p.x, p.y); }

bool WindowInput::releaseAll() {
  for (int k = 0; k < SDL_NUM_SCANCODES; ++k)
    if (held_[k]) sendKey(static_cast<SDL_Scancode>(k), false);
  held_.reset();
  bool changed = button(SDL_BUTTON_LEFT, false);
  changed |= button(SDL_BUTTON_RIGHT, false);
  changed |= setMiddle(kMiddleButton | kAltKey | kMiddleKey, false);
  return changed;
}

void WindowInput::forget() {
  held_.reset();
  middle_ = 0;
  left_ = right_ = false;
}

}  // namespace risc5
