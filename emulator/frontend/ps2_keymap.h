// Host keys to PS/2 scancode set 2, as the board's keyboard sends them (US layout): the one
// keymap of the window (SDL scancodes) and of scripts (characters and key names). Keys are named
// by USB HID usage IDs, which are also SDL's scancode numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace risc5 {

struct Ps2Key {
  uint8_t code = 0;       // 0: the key has no PS/2 code we send
  bool extended = false;  // sent with an E0 prefix
};

Ps2Key ps2KeyForUsage(int usbUsage);

// The bytes for a key going down (make: [E0] code) or up (break: [E0] F0 code).
std::vector<uint8_t> ps2Bytes(Ps2Key key, bool down);

inline constexpr int kUsageLeftCtrl = 0xE0, kUsageLeftShift = 0xE1;

// The key that types a character on a US keyboard: printable ASCII, '\n' (Enter), '\t' (Tab).
struct TypedKey {
  int usage = 0;
  bool shift = false;
};
std::optional<TypedKey> keyForChar(char c);
// Keys by name: Enter Esc Tab Backspace Space Delete Insert Up Down Left Right Home End PageUp
// PageDown F1..F12, or one printable character.
std::optional<TypedKey> keyForName(std::string_view name);

// A whole key stroke: the key's make and break codes inside those of the modifiers.
void appendStroke(std::vector<uint8_t>& out, TypedKey key, bool ctrl);

}  // namespace risc5
