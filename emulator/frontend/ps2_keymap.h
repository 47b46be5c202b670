// Host keys to PS/2 scancode set 2, as the board's keyboard sends them (US layout).
// Keys are named by USB HID usage IDs, which are also SDL's scancode numbers.
#pragma once

#include <cstdint>
#include <vector>

namespace risc5 {

struct Ps2Key {
  uint8_t code = 0;       // 0: the key has no PS/2 code we send
  bool extended = false;  // sent with an E0 prefix
};

Ps2Key ps2KeyForUsage(int usbUsage);

// The bytes for a key going down (make: [E0] code) or up (break: [E0] F0 code).
std::vector<uint8_t> ps2Bytes(Ps2Key key, bool down);

}  // namespace risc5
