#include "clipboard.h"

namespace risc5 {

// Paste: reading control fetches the host text (LF -> CR) and returns its length; data then
// yields it byte by byte. Copy: writing control announces a length; that many data writes
// follow, after which the text (CR -> LF) goes to the host.

uint32_t Clipboard::readControl() {
  buffer_ = getHostText ? getHostText() : std::string();
  for (char& ch : buffer_)
    if (ch == '\n') ch = '\r';
  position_ = 0;
  receiving_ = false;
  return static_cast<uint32_t>(buffer_.size());
}

uint32_t Clipboard::readData() {
  if (receiving_ || position_ >= buffer_.size()) return 0;
  return static_cast<uint8_t>(buffer_[position_++]);
}

void Clipboard::writeControl(uint32_t length) {
  constexpr uint32_t kMaxCopy = 1u << 20;  // bound what a guest can make us hold
  buffer_.clear();
  expected_ = length > kMaxCopy ? kMaxCopy : length;
  receiving_ = expected_ > 0;
  if (!receiving_ && setHostText) setHostText(std::string());
}

void Clipboard::writeData(uint32_t byte) {
  if (!receiving_) return;
  char ch = static_cast<char>(byte);
  buffer_.push_back(ch == '\r' ? '\n' : ch);
  if (buffer_.size() >= expected_) {
    receiving_ = false;
    if (setHostText) setHostText(buffer_);
  }
}

void Clipboard::reset() {
  buffer_.clear();
  position_ = expected_ = 0;
  receiving_ = false;
}

}  // namespace risc5
