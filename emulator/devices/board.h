// Switches, push buttons and LEDs at -60 (RISC5Top.v: read {buttons[3:0], switches[7:0]},
// write the 8 LEDs).
#pragma once

#include <cstdint>
#include <functional>

namespace risc5 {

class Board {
 public:
  // Switch 0 set: the boot ROM loads the system over the serial line instead of the SD card.
  uint8_t switches = 0;
  uint8_t buttons = 0;  // 4 push buttons

  uint32_t read() const { return (static_cast<uint32_t>(buttons & 0xF) << 8) | switches; }
  void write(uint32_t value) {
    uint8_t v = static_cast<uint8_t>(value);
    if (v != leds_) {
      leds_ = v;
      if (onLeds) onLeds(v);
    }
  }
  uint8_t leds() const { return leds_; }
  void reset() { leds_ = 0; }

  std::function<void(uint8_t)> onLeds;  // called on the machine thread when the LEDs change

 private:
  uint8_t leds_ = 0;
};

}  // namespace risc5
