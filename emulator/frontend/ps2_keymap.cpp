#include "ps2_keymap.h"

#include <array>
#include <cstddef>
#include <string>

namespace risc5 {

namespace {

constexpr uint8_t kExtendedPrefix = 0xE0, kBreakPrefix = 0xF0;

struct Entry {
  uint8_t usage, code;
  bool extended;
};

// USB HID usage -> set-2 make code (from the PS/2 set-2 table; E0 = extended).
constexpr Entry kTable[] = {
    {0x04, 0x1C, false}, {0x05, 0x32, false}, {0x06, 0x21, false}, {0x07, 0x23, false},  // A-D
    {0x08, 0x24, false}, {0x09, 0x2B, false}, {0x0A, 0x34, false}, {0x0B, 0x33, false},  // E-H
    {0x0C, 0x43, false}, {0x0D, 0x3B, false}, {0x0E, 0x42, false}, {0x0F, 0x4B, false},  // I-L
    {0x10, 0x3A, false}, {0x11, 0x31, false}, {0x12, 0x44, false}, {0x13, 0x4D, false},  // M-P
    {0x14, 0x15, false}, {0x15, 0x2D, false}, {0x16, 0x1B, false}, {0x17, 0x2C, false},  // Q-T
    {0x18, 0x3C, false}, {0x19, 0x2A, false}, {0x1A, 0x1D, false}, {0x1B, 0x22, false},  // U-X
    {0x1C, 0x35, false}, {0x1D, 0x1A, false},                                            // Y Z
    {0x1E, 0x16, false}, {0x1F, 0x1E, false}, {0x20, 0x26, false}, {0x21, 0x25, false},  // 1-4
    {0x22, 0x2E, false}, {0x23, 0x36, false}, {0x24, 0x3D, false}, {0x25, 0x3E, false},  // 5-8
    {0x26, 0x46, false}, {0x27, 0x45, false},                                            // 9 0
    {0x28, 0x5A, false}, {0x29, 0x76, false}, {0x2A, 0x66, false}, {0x2B, 0x0D, false},  // Enter Esc BS Tab
    {0x2C, 0x29, false}, {0x2D, 0x4E, false}, {0x2E, 0x55, false}, {0x2F, 0x54, false},  // Space - = [
    {0x30, 0x5B, false}, {0x31, 0x5D, false}, {0x32, 0x5D, false}, {0x33, 0x4C, false},  // ] \ # ;
    {0x34, 0x52, false}, {0x35, 0x0E, false}, {0x36, 0x41, false}, {0x37, 0x49, false},  // ' ` , .
    {0x38, 0x4A, false}, {0x39, 0x58, false},                                            // / Caps
    {0x3A, 0x05, false}, {0x3B, 0x06, false}, {0x3C, 0x04, false}, {0x3D, 0x0C, false},  // F1-F4
    {0x3E, 0x03, false}, {0x3F, 0x0B, false}, {0x40, 0x83, false}, {0x41, 0x0A, false},  // F5-F8
    {0x42, 0x01, false}, {0x43, 0x09, false}, {0x44, 0x78, false}, {0x45, 0x07, false},  // F9-F12
    {0x47, 0x7E, false},                                                                 // Scroll
    {0x49, 0x70, true},  {0x4A, 0x6C, true},  {0x4B, 0x7D, true},  {0x4C, 0x71, true},   // Ins Home PgUp Del
    {0x4D, 0x69, true},  {0x4E, 0x7A, true},  {0x4F, 0x74, true},  {0x50, 0x6B, true},   // End PgDn Right Left
    {0x51, 0x72, true},  {0x52, 0x75, true},                                             // Down Up
    {0x53, 0x77, false}, {0x54, 0x4A, true},  {0x55, 0x7C, false}, {0x56, 0x7B, false},  // Num / * -
    {0x57, 0x79, false}, {0x58, 0x5A, true},                                             // + Enter
    {0x59, 0x69, false}, {0x5A, 0x72, false}, {0x5B, 0x7A, false}, {0x5C, 0x6B, false},  // keypad 1-4
    {0x5D, 0x73, false}, {0x5E, 0x74, false}, {0x5F, 0x6C, false}, {0x60, 0x75, false},  // keypad 5-8
    {0x61, 0x7D, false}, {0x62, 0x70, false}, {0x63, 0x71, false},                       // keypad 9 0 .
    {0x64, 0x61, false},                                                                 // non-US \ |
    {0xE0, 0x14, false}, {0xE1, 0x12, false}, {0xE2, 0x11, false}, {0xE3, 0x1F, true},   // LCtrl LShift LAlt LGUI
    {0xE4, 0x14, true},  {0xE5, 0x59, false}, {0xE6, 0x11, true},  {0xE7, 0x27, true},   // RCtrl RShift RAlt RGUI
};

constexpr auto kByUsage = [] {
  std::array<Ps2Key, 256> map{};
  for (const Entry& e : kTable) map[e.usage] = Ps2Key{e.code, e.extended};
  return map;
}();

}  // namespace

Ps2Key ps2KeyForUsage(int usage) {
  if (usage < 0 || usage >= static_cast<int>(kByUsage.size())) return {};
  return kByUsage[static_cast<size_t>(usage)];
}

std::optional<TypedKey> keyForChar(char c) {
  // US layout, one character per usage from 04H (A) to 38H (/): unshifted, then shifted; NUL
  // where a key types nothing (Esc, Backspace, the non-US key 32H).
  static constexpr char kPlain[] = "abcdefghijklmnopqrstuvwxyz1234567890\n\0\0\t -=[]\\\0;'`,./";
  static constexpr char kShifted[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()\0\0\0\0\0_+{}|\0:\"~<>?";
  static_assert(sizeof kPlain - 1 == 0x38 - 0x04 + 1 && sizeof kShifted == sizeof kPlain);
  if (c == '\0') return std::nullopt;
  for (size_t i = 0; i + 1 < sizeof kPlain; ++i) {
    if (kPlain[i] == c) return TypedKey{static_cast<int>(0x04 + i), false};
    if (kShifted[i] == c) return TypedKey{static_cast<int>(0x04 + i), true};
  }
  return std::nullopt;
}

std::optional<TypedKey> keyForName(std::string_view name) {
  struct Named { std::string_view name; int usage; };
  static constexpr Named kNamed[] = {
      {"Enter", 0x28}, {"Esc", 0x29}, {"Backspace", 0x2A}, {"Tab", 0x2B}, {"Space", 0x2C},
      {"Insert", 0x49}, {"Home", 0x4A}, {"PageUp", 0x4B}, {"Delete", 0x4C}, {"End", 0x4D},
      {"PageDown", 0x4E}, {"Right", 0x4F}, {"Left", 0x50}, {"Down", 0x51}, {"Up", 0x52}};
  for (const auto& n : kNamed)
    if (name == n.name) return TypedKey{n.usage, false};
  if (name.size() >= 2 && name.size() <= 3 && name[0] == 'F') {  // F1..F12: usages 3AH..45H
    int f = 0;
    for (char d : name.substr(1)) f = d >= '0' && d <= '9' ? f * 10 + (d - '0') : 99;
    if (f >= 1 && f <= 12 && name[1] != '0') return TypedKey{0x3A + f - 1, false};
  }
  if (name.size() == 1 && name[0] != ' ') return keyForChar(name[0]);
  return std::nullopt;
}

void appendStroke(std::vector<uint8_t>& out, TypedKey key, bool ctrl) {
  auto add = [&](int usage, bool down) {
    auto bytes = ps2Bytes(ps2KeyForUsage(usage), down);
    out.insert(out.end(), bytes.begin(), bytes.end());
  };
  if (ctrl) add(kUsageLeftCtrl, true);
  if (key.shift) add(kUsageLeftShift, true);
  add(key.usage, true);
  add(key.usage, false);
  if (key.shift) add(kUsageLeftShift, false);
  if (ctrl) add(kUsageLeftCtrl, false);
}

std::vector<uint8_t> ps2Bytes(Ps2Key key, bool down) {
  std::vector<uint8_t> bytes;
  if (key.code == 0) return bytes;
  if (key.extended) bytes.push_back(kExtendedPrefix);
  if (!down) bytes.push_back(kBreakPrefix);
  bytes.push_back(key.code);
  return bytes;
}

}  // namespace risc5
