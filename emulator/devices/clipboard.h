// Host clipboard at -24 (control) and -20 (data): the de-facto emulator interface that the
// image's Clipboard.Mod uses. Guest copy: write the length to control, then that many bytes to
// data. Guest paste: read control (the length), then that many bytes from data.
// Line ends: Oberon uses CR, the host LF; converted here.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace risc5 {

class Clipboard {
 public:
  uint32_t readControl();
  uint32_t readData();
  void writeControl(uint32_t length);
  void writeData(uint32_t byte);
  void reset();

  // Front end hooks (machine thread): fetch the host clipboard text; publish guest text.
  std::function<std::string()> getHostText;
  std::function<void(const std::string&)> setHostText;

 private:
  std::string buffer_;
  size_t position_ = 0;
  size_t expected_ = 0;
  bool receiving_ = false;
};

}  // namespace risc5
