// PS/2 keyboard (-36, with "byte available" in bit 28 of -40) and mouse (-40), as Input.Mod reads
// them: the keyboard is a FIFO of set-2 scancodes (F0 = break, E0 = extended prefix); the mouse
// register holds x in bits 0-11, y in bits 12-23 (0 = bottom) and buttons in bits 24-26
// (26 left, 25 middle, 24 right).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>

namespace risc5 {

class Keyboard {
 public:
  static constexpr size_t kCapacity = 256;  // bytes; the board's FIFO is 16, we buffer host bursts

  bool available() const { return !fifo_.empty(); }
  uint8_t pop() {
    if (fifo_.empty()) return 0;
    uint8_t b = fifo_.front();
    fifo_.pop_front();
    return b;
  }
  // Queues scancodes; returns false (and queues nothing) if they do not all fit.
  bool push(std::span<const uint8_t> codes) {
    if (fifo_.size() + codes.size() > kCapacity) return false;
    fifo_.insert(fifo_.end(), codes.begin(), codes.end());
    return true;
  }
  size_t space() const { return kCapacity - fifo_.size(); }
  void reset() { fifo_.clear(); }

 private:
  std::deque<uint8_t> fifo_;
};

class Mouse {
 public:
  enum Button : uint32_t { right = 1u << 24, middle = 1u << 25, left = 1u << 26 };

  void moveTo(int x, int y) {
    x_ = x < 0 ? 0 : (x > 4095 ? 4095 : x);
    y_ = y < 0 ? 0 : (y > 4095 ? 4095 : y);
  }
  void setButton(Button b, bool down) { buttons_ = down ? (buttons_ | b) : (buttons_ & ~b); }
  uint32_t read(bool keyboardAvailable) const {
    return static_cast<uint32_t>(x_) | (static_cast<uint32_t>(y_) << 12) | buttons_ |
           (keyboardAvailable ? (1u << 28) : 0);
  }
  int x() const { return x_; }
  int y() const { return y_; }
  uint32_t buttons() const { return buttons_; }
  void reset() { buttons_ = 0; }

 private:
  int x_ = 0, y_ = 0;
  uint32_t buttons_ = 0;
};

}  // namespace risc5
