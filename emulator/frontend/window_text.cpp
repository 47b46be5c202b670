#include "window_text.h"

#include <cstdint>

namespace risc5 {

std::string latin1FromUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      if (!(b == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    // Sequence length from the lead byte; continuation bytes are 10xxxxxx.
    int len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    uint32_t cp = len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const uint8_t c = static_cast<uint8_t>(s[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!ok) {
      out.push_back('?');
      ++i;  // resynchronise on the next byte
      continue;
    }
    out.push_back(cp <= 0xFF && cp >= 0x80 ? static_cast<char>(cp) : '?');
    i += len;
  }
  return out;
}

std::string utf8FromLatin1(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const uint8_t b = static_cast<uint8_t>(ch);
    if (b == 0) continue;
    if (b < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (b >> 6)));
      out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
    }
  }
  return out;
}

}  // namespace risc5
