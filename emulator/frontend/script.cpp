#include "script.h"

#include <png.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "png.h"
#include "runner.h"
#include "emulator/machine/machine.h"

namespace risc5 {

namespace {

using Steps = std::vector<ScriptStep>;

// Oberon must stay in its idle loop this long before a wait counts as finished: the Runner's
// one definition of settled.
constexpr auto kSettle = Runner::kSettled;
// While a mouse button is held, Oberon tracks the mouse in a busy loop (TextFrames.TrackCaret,
// MenuViewers.Change, ...) that does not look idle; there a step waits until the guest has run
// this many instructions instead, enough for hundreds of passes through such a loop.
constexpr uint64_t kTrackInstructions = 2'000'000;
// Bounds of the waits inside type/key/move/click (Oberon reacts within milliseconds).
constexpr double kInputSeconds = 10;
constexpr double kDefaultWaitIdle = 10;
constexpr double kDefaultRun = 30;

// ---- PS/2 set 2 (US layout), as Input.Mod's table translates it ----
constexpr uint8_t kBreak = 0xF0, kExt = 0xE0, kLShift = 0x12, kLCtrl = 0x14;

struct KeyCode {
  uint8_t code = 0;
  bool shift = false;
  bool extended = false;
};

// Make codes of the printable ASCII characters: unshifted, then the shifted ones.
std::optional<KeyCode> keyForChar(char c) {
  static const char* const kPlain = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./ ";
  static const char* const kShifted = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>? ";
  static const uint8_t kCodes[] = {
      0x0E, 0x16, 0x1E, 0x26, 0x25, 0x2E, 0x36, 0x3D, 0x3E, 0x46, 0x45, 0x4E, 0x55,  // ` .. =
      0x15, 0x1D, 0x24, 0x2D, 0x2C, 0x35, 0x3C, 0x43, 0x44, 0x4D, 0x54, 0x5B, 0x5D,  // q .. '\'
      0x1C, 0x1B, 0x23, 0x2B, 0x34, 0x33, 0x3B, 0x42, 0x4B, 0x4C, 0x52,              // a .. '
      0x1A, 0x22, 0x21, 0x2A, 0x32, 0x31, 0x3A, 0x41, 0x49, 0x4A, 0x29};             // z .. space
  for (int i = 0; kPlain[i]; ++i) {
    if (kPlain[i] == c) return KeyCode{kCodes[i], false, false};
    if (kShifted[i] == c) return KeyCode{kCodes[i], true, false};
  }
  if (c == '\n') return KeyCode{0x5A};
  if (c == '\t') return KeyCode{0x0D};
  return std::nullopt;
}

std::optional<KeyCode> keyForName(const std::string& name) {
  struct Named { const char* name; uint8_t code; bool extended; };
  static const Named kNamed[] = {
      {"Enter", 0x5A, false}, {"Esc", 0x76, false}, {"Tab", 0x0D, false},
      {"Backspace", 0x66, false}, {"Space", 0x29, false}, {"Delete", 0x71, true},
      {"Insert", 0x70, true}, {"Up", 0x75, true}, {"Down", 0x72, true}, {"Left", 0x6B, true},
      {"Right", 0x74, true}, {"Home", 0x6C, true}, {"End", 0x69, true}, {"PageUp", 0x7D, true},
      {"PageDown", 0x7A, true}, {"F1", 0x05, false}, {"F2", 0x06, false}, {"F3", 0x04, false},
      {"F4", 0x0C, false}, {"F5", 0x03, false}, {"F6", 0x0B, false}, {"F7", 0x83, false},
      {"F8", 0x0A, false}, {"F9", 0x01, false}, {"F10", 0x09, false}, {"F11", 0x78, false},
      {"F12", 0x07, false}};
  for (const auto& n : kNamed)
    if (name == n.name) return KeyCode{n.code, false, n.extended};
  if (name.size() == 1 && name[0] != ' ') return keyForChar(name[0]);
  return std::nullopt;
}

// make [E0] code, break [E0] F0 code, wrapped in the modifiers' make and break codes.
void appendKey(std::vector<uint8_t>& out, KeyCode k, bool ctrl) {
  if (ctrl) out.push_back(kLCtrl);
  if (k.shift) out.push_back(kLShift);
  if (k.extended) out.push_back(kExt);
  out.push_back(k.code);
  if (k.extended) out.push_back(kExt);
  out.push_back(kBreak);
  out.push_back(k.code);
  if (k.shift) out.insert(out.end(), {kBreak, kLShift});
  if (ctrl) out.insert(out.end(), {kBreak, kLCtrl});
}

// ---- Where `run` types: the first text line of System.Log ----
// Oberon opens System.Log at the top of the system track (x = width DIV 8 * 5) and never moves
// that top edge. With the stock font Oberon10.Scn.Fnt (line spacing lsp = 12, ascent 9,
// descent 3), TextFrames gives: menu bar 14 rows, text starting 6 rows below it, scroll bar
// 14 columns wide, text 20 columns from the frame's left edge. Rows are counted from the top.
constexpr int kLsp = 12;
constexpr int kLogLine0Row = 14 + 6 + 9 - 4;  // middle of line 0's band (baseline at row 28)
constexpr int kLogClickDx = 1 + 17;             // right of the scroll bar, left of the 1st char
constexpr int kLogTextDx = 1 + 20;

struct Parser {
  uint32_t width, height;
  int line = 0;
  std::string error;
  Steps steps;
  uint32_t held = 0;  // mouse buttons down at this point of the script

  bool fail(const std::string& why) {
    if (error.empty()) error = "script line " + std::to_string(line) + ": " + why;
    return false;
  }

  // Splits a line into words and "quoted strings" (escapes \n \t \" \\).
  bool tokenize(const std::string& s, std::vector<std::string>& words, std::vector<bool>& quoted) {
    size_t i = 0;
    while (i < s.size()) {
      if (std::isspace(static_cast<unsigned char>(s[i]))) { ++i; continue; }
      if (s[i] == '#') break;
      std::string w;
      if (s[i] == '"') {
        ++i;
        for (;; ++i) {
          if (i >= s.size()) return fail("unterminated string");
          char c = s[i];
          if (c == '"') { ++i; break; }
          if (c == '\\') {
            if (++i >= s.size()) return fail("unterminated string");
            switch (s[i]) {
              case 'n': c = '\n'; break;
              case 't': c = '\t'; break;
              case '"': c = '"'; break;
              case '\\': c = '\\'; break;
              default: return fail(std::string("unknown escape \\") + s[i] + " (use \\n \\t \\\" \\\\)");
            }
          }
          w += c;
        }
        quoted.push_back(true);
      } else {
        while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) w += s[i++];
        quoted.push_back(false);
      }
      words.push_back(w);
    }
    return true;
  }

  bool number(const std::string& s, double& v, const char* what) {
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || !std::isfinite(v)) return fail(std::string(what) + " must be a number, not '" + s + "'");
    return true;
  }
  bool integer(const std::string& s, int& v, const char* what) {
    double d;
    if (!number(s, d, what)) return false;
    if (d != std::floor(d) || std::fabs(d) > 1e6) return fail(std::string(what) + " must be an integer, not '" + s + "'");
    v = static_cast<int>(d);
    return true;
  }
  bool seconds(const std::vector<std::string>& a, size_t at, double def, double& out) {
    out = def;
    if (a.size() <= at) return true;
    if (!number(a[at], out, "the timeout")) return false;
    if (out <= 0 || out > 3600) return fail("the timeout must be 0 to 3600 seconds");
    return true;
  }
  bool point(const std::string& xs, const std::string& ys, int& x, int& y) {
    if (!integer(xs, x, "X") || !integer(ys, y, "Y")) return false;
    if (x < 0 || y < 0 || x >= static_cast<int>(width) || y >= static_cast<int>(height))
      return fail("coordinates " + xs + "," + ys + " are off the " + std::to_string(width) + "x" +
                  std::to_string(height) + " screen");
    return true;
  }
  bool region(const std::vector<std::string>& a, size_t at, ScriptStep& s) {
    if (!point(a[at], a[at + 1], s.x, s.y) || !integer(a[at + 2], s.w, "W") || !integer(a[at + 3], s.h, "H"))
      return false;
    if (s.w <= 0 || s.h <= 0 || s.x + s.w > static_cast<int>(width) || s.y + s.h > static_cast<int>(height))
      return fail("region " + a[at] + "," + a[at + 1] + " " + a[at + 2] + "x" + a[at + 3] +
                  " does not fit on the " + std::to_string(width) + "x" + std::to_string(height) + " screen");
    return true;
  }

  ScriptStep step(ScriptStep::Kind k) {
    ScriptStep s;
    s.kind = k;
    s.line = line;
    return s;
  }
  void settle(double secs, const std::string& what) {
    ScriptStep s = step(ScriptStep::settle);
    s.seconds = secs;
    s.what = what;
    s.count = held ? 1 : 0;  // 1: a button is down, wait for guest progress instead of idleness
    steps.push_back(s);
  }
  void mouse(int x, int row) {  // script rows (top = 0) to Oberon's y (bottom = 0)
    ScriptStep s = step(ScriptStep::mouseMove);
    s.x = x;
    s.y = static_cast<int>(height) - 1 - row;
    steps.push_back(s);
    settle(kInputSeconds, "the mouse move");
  }
  void button(uint32_t mask, bool down) {
    ScriptStep s = step(ScriptStep::button);
    s.x = static_cast<int>(mask);
    s.y = down ? 1 : 0;
    steps.push_back(s);
    held = down ? (held | mask) : (held & ~mask);
    settle(kInputSeconds, "the mouse button");
  }
  void keys(std::vector<uint8_t> bytes) {
    ScriptStep s = step(ScriptStep::keys);
    s.bytes = std::move(bytes);
    steps.push_back(s);
    settle(kInputSeconds, "the keyboard input to be read");
  }
  bool buttonName(const std::string& n, uint32_t& mask) {
    if (n == "left") mask = Mouse::left;
    else if (n == "middle") mask = Mouse::middle;
    else if (n == "right") mask = Mouse::right;
    else return fail("unknown mouse button '" + n + "' (left, middle or right)");
    return true;
  }
  bool typed(const std::string& text, std::vector<uint8_t>& out) {
    for (char c : text) {
      auto k = keyForChar(c);
      if (!k) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%02XH", static_cast<unsigned char>(c));
        return fail("cannot type character " + std::string(hex) + " (printable ASCII, \\n and \\t only)");
      }
      appendKey(out, *k, false);
    }
    return true;
  }

  // run: type the command as the first line of System.Log, middle-click it, then delete it again
  // with a right-drag selection and a left interclick (TextFrames.Edit), unless the Log's first
  // line changed meanwhile (e.g. the command cleared the Log).
  bool run(const std::string& command, double secs) {
    if (command.find_first_of("\n\t") != std::string::npos) return fail("run: the command must be one line");
    if (command.empty()) return fail("run: empty command");
    std::vector<uint8_t> bytes;
    if (!typed(command + "\n\n", bytes)) return false;
    const int track = static_cast<int>(width) / 8 * 5;
    const int cx = track + kLogClickDx;
    mouse(cx, kLogLine0Row);
    button(Mouse::left, true);
    button(Mouse::left, false);     // caret before the first character of the Log
    keys(bytes);                    // "command CR CR": line 0 is the command, line 1 empty
    ScriptStep snap = step(ScriptStep::snapLine);
    snap.x = track + kLogTextDx;
    snap.y = kLogLine0Row - kLsp / 2;
    snap.w = static_cast<int>(width) - 1 - snap.x;
    snap.h = kLsp;
    steps.push_back(snap);
    button(Mouse::middle, true);
    steps.push_back(step(ScriptStep::button));
    steps.back().x = Mouse::middle;
    steps.back().y = 0;
    held = 0;
    settle(secs, "the command to finish");
    ScriptStep check = snap;
    check.kind = ScriptStep::skipIfChanged;
    const size_t before = steps.size();
    button(Mouse::right, true);     // select from line 0 ...
    mouse(cx, kLogLine0Row + kLsp); // ... to the end of the empty line 1
    button(Mouse::left, true);      // interclick: delete the selection
    ScriptStep up = step(ScriptStep::button);
    up.x = Mouse::left | Mouse::right;
    up.y = 0;
    steps.push_back(up);
    held = 0;
    settle(kInputSeconds, "the command line to be removed from System.Log");
    check.count = static_cast<int>(steps.size() - before);
    steps.insert(steps.begin() + static_cast<long>(before), check);
    return true;
  }

  bool command(const std::vector<std::string>& a, const std::vector<bool>& q) {
    const std::string& c = a[0];
    auto want = [&](size_t lo, size_t hi, const char* usage) {
      if (a.size() - 1 < lo || a.size() - 1 > hi) return fail(std::string("usage: ") + usage);
      return true;
    };
    auto quotedArg = [&](const char* usage) {
      if (a.size() < 2 || !q[1]) return fail(std::string("usage: ") + usage + " (the text in double quotes)");
      return true;
    };
    if (c == "wait-idle") {
      double secs;
      if (!want(0, 1, "wait-idle [TIMEOUT_S]") || !seconds(a, 1, kDefaultWaitIdle, secs)) return false;
      settle(secs, "Oberon to become idle");
    } else if (c == "wait") {
      double secs;
      if (!want(1, 1, "wait SECONDS") || !seconds(a, 1, 0, secs)) return false;
      ScriptStep s = step(ScriptStep::pause);
      s.seconds = secs;
      steps.push_back(s);
    } else if (c == "type") {
      std::vector<uint8_t> bytes;
      if (!quotedArg("type \"text\"") || !want(1, 1, "type \"text\"") || !typed(a[1], bytes)) return false;
      if (!bytes.empty()) keys(std::move(bytes));
    } else if (c == "key") {
      if (!want(1, 3, "key NAME [ctrl] [shift]")) return false;
      auto k = keyForName(a[1]);
      if (!k) return fail("unknown key '" + a[1] + "' (Enter Esc Tab Backspace Delete Insert Up Down Left Right "
                          "Home End PageUp PageDown Space F1..F12, or one character)");
      bool ctrl = false;
      for (size_t i = 2; i < a.size(); ++i) {
        if (a[i] == "ctrl") ctrl = true;
        else if (a[i] == "shift") k->shift = true;
        else return fail("unknown modifier '" + a[i] + "' (ctrl or shift)");
      }
      std::vector<uint8_t> bytes;
      appendKey(bytes, *k, ctrl);
      keys(std::move(bytes));
    } else if (c == "move") {
      int x, y;
      if (!want(2, 2, "move X Y") || !point(a[1], a[2], x, y)) return false;
      mouse(x, y);
    } else if (c == "click" || c == "press" || c == "release") {
      const char* usage = c == "click" ? "click left|middle|right [X Y]" : "press|release left|middle|right [X Y]";
      uint32_t mask = 0;
      int x, y;
      if (a.size() != 2 && a.size() != 4) return fail(std::string("usage: ") + usage);
      if (!buttonName(a[1], mask)) return false;
      if (a.size() == 4) {
        if (!point(a[2], a[3], x, y)) return false;
        mouse(x, y);
      }
      if (c != "release") button(mask, true);
      if (c != "press") button(mask, false);
    } else if (c == "screenshot") {
      if (!want(1, 1, "screenshot FILE.png")) return false;
      ScriptStep s = step(ScriptStep::screenshot);
      s.text = a[1];
      steps.push_back(s);
    } else if (c == "run") {
      double secs;
      if (!quotedArg("run \"Module.Command args ~\" [TIMEOUT_S]") || !want(1, 2, "run \"Module.Command args ~\" [TIMEOUT_S]") ||
          !seconds(a, 2, kDefaultRun, secs) || !run(a[1], secs))
        return false;
    } else if (c == "expect-white") {
      ScriptStep s = step(ScriptStep::expectWhite);
      if (!want(5, 6, "expect-white X Y W H MIN_PERCENT [MAX_PERCENT]") || !region(a, 1, s) ||
          !number(a[5], s.lo, "MIN_PERCENT"))
        return false;
      s.hi = 100;
      if (a.size() == 7 && !number(a[6], s.hi, "MAX_PERCENT")) return false;
      if (s.lo < 0 || s.hi > 100 || s.lo > s.hi) return fail("percentages must satisfy 0 <= MIN <= MAX <= 100");
      steps.push_back(s);
    } else if (c == "expect-screen") {
      ScriptStep s = step(ScriptStep::expectPng);
      if (!want(1, 6, "expect-screen FILE.png [X Y W H [MAX_DIFFERENT_PIXELS]]") || a.size() == 3 ||
          a.size() == 4 || a.size() == 5)
        return fail("usage: expect-screen FILE.png [X Y W H [MAX_DIFFERENT_PIXELS]]");
      s.text = a[1];
      if (a.size() >= 6) {
        if (!region(a, 2, s)) return false;
      } else {
        s.w = static_cast<int>(width);
        s.h = static_cast<int>(height);
      }
      int tolerance = 0;
      if (a.size() == 7 && (!integer(a[6], tolerance, "MAX_DIFFERENT_PIXELS") || tolerance < 0))
        return fail("MAX_DIFFERENT_PIXELS must be a non-negative integer");
      s.hi = tolerance;
      // The reference must exist now, or be written by an earlier screenshot of this script.
      bool earlier = false;
      for (const auto& t : steps) earlier |= t.kind == ScriptStep::screenshot && t.text == s.text;
      if (std::FILE* f = std::fopen(s.text.c_str(), "rb")) std::fclose(f);
      else if (!earlier) return fail("cannot read reference image " + s.text);
      steps.push_back(s);
    } else {
      return fail("unknown command '" + c + "'");
    }
    return true;
  }
};

bool pixel(const Machine& m, int x, int row) {
  const uint32_t* line = m.framebuffer() + (m.height() - 1 - row) * (m.spanBytes() / 4);
  return (line[x / 32] >> (x % 32)) & 1;
}

std::vector<uint8_t> grab(Machine& m, const ScriptStep& s) {
  std::vector<uint8_t> v;
  const int mx = m.mouse().x(), mrow = static_cast<int>(m.height()) - 1 - m.mouse().y();
  for (int r = s.y; r < s.y + s.h; ++r)
    for (int x = s.x; x < s.x + s.w; ++x)  // the mouse arrow (drawn in the frame) is left out
      v.push_back(std::abs(x - mx) <= 16 && std::abs(r - mrow) <= 16 ? 2 : pixel(m, x, r));
  return v;
}

}  // namespace

std::vector<ScriptStep> parseScript(const std::string& source, uint32_t width, uint32_t height,
                                    std::string& error) {
  Parser p{width, height, 0, {}, {}};
  std::istringstream in(source);
  std::string text;
  while (std::getline(in, text)) {
    ++p.line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    std::vector<std::string> words;
    std::vector<bool> quoted;
    if (!p.tokenize(text, words, quoted)) break;
    if (words.empty()) continue;
    if (quoted[0]) { p.fail("a line must start with a command"); break; }
    if (!p.command(words, quoted)) break;
  }
  error = p.error;
  if (!error.empty()) return {};
  return std::move(p.steps);
}

std::vector<ScriptStep> loadScript(const std::string& path, uint32_t width, uint32_t height,
                                   std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = "cannot read script " + path;
    return {};
  }
  std::ostringstream text;
  text << f.rdbuf();
  return parseScript(text.str(), width, height, error);
}

std::vector<ScriptStep> commandSteps(const std::vector<std::string>& commands, uint32_t width,
                                     uint32_t height, std::string& error) {
  Steps all;
  for (size_t i = 0; i < commands.size(); ++i) {
    const std::string& c = commands[i];
    // The command becomes a script string: quote what the script syntax would read as escapes.
    std::string quoted;
    for (char ch : c) {
      if (ch == '"' || ch == '\\') quoted += '\\';
      quoted += ch;
    }
    // The first command waits for the boot to finish (Oberon idle), as a person would.
    std::string source = (i == 0 ? "wait-idle 30\n" : "") + std::string("run \"") + quoted + "\"\n";
    std::string why;
    Steps steps = parseScript(source, width, height, why);
    if (!why.empty()) {
      // "script line N: run: ..." -> "--run "CMD": ..."
      auto colon = why.find(": ");
      error = "--run \"" + c + "\": " + (colon == std::string::npos ? why : why.substr(colon + 2));
      return {};
    }
    for (ScriptStep& s : steps) {
      s.origin = "--run \"" + c + "\"";
      all.push_back(std::move(s));
    }
  }
  return all;
}

void ScriptRunner::fail(const ScriptStep& s, const std::string& why) {
  error_ = (s.origin.empty() ? "script line " + std::to_string(s.line) : s.origin) + ": " + why;
}

// Reads a PNG as 8-bit gray (libpng's simplified API); white = gray >= 128.
static std::string readPng(const std::string& path, uint32_t& w, uint32_t& h, std::vector<uint8_t>& px) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path.c_str())) return "cannot read reference image " + path;
  img.format = PNG_FORMAT_GRAY;
  px.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, px.data(), 0, nullptr)) {
    png_image_free(&img);
    return "cannot decode reference image " + path;
  }
  w = img.width;
  h = img.height;
  return {};
}

bool ScriptRunner::stepDone(Machine& m, const ScriptStep& s, bool idle, Clock::time_point now) {
  switch (s.kind) {
    case ScriptStep::keys:
      // Whole PS/2 bytes go in as the FIFO frees; nothing is ever dropped.
      while (sent_ < s.bytes.size() && m.keyboard().space() > 0) {
        uint8_t b = s.bytes[sent_];
        m.keyboard().push(std::span<const uint8_t>(&b, 1));
        ++sent_;
      }
      if (sent_ < s.bytes.size() && now >= deadline_) {
        fail(s, "Oberon did not read the keyboard within " + std::to_string(int(kInputSeconds)) + " s");
      }
      return sent_ == s.bytes.size();
    case ScriptStep::mouseMove:
      m.mouse().moveTo(s.x, s.y);
      return true;
    case ScriptStep::button: {
      for (auto b : {Mouse::left, Mouse::middle, Mouse::right})
        if (static_cast<uint32_t>(s.x) & b) m.mouse().setButton(b, s.y != 0);
      return true;
    }
    case ScriptStep::settle: {
      // The first poll reports the slice that ran before this step's input: it does not count.
      // Then the FIFO must be drained and the guest idle for kSettle without a break.
      if (!sawIdle_) {
        sawIdle_ = true;
        startInstructions_ = m.instructions();
      } else if (s.count && m.instructions() - startInstructions_ >= kTrackInstructions) {
        return true;
      } else if (!idle || m.keyboard().available()) {
        idleSince_ = Clock::time_point::max();
      } else if (idleSince_ == Clock::time_point::max()) {
        idleSince_ = now;
      } else if (now - idleSince_ >= kSettle) {
        return true;
      }
      if (now >= deadline_) {
        char secs[32];
        std::snprintf(secs, sizeof secs, "%g", s.seconds);
        fail(s, s.what == "Oberon to become idle"
                    ? "Oberon did not become idle within " + std::string(secs) + " s"
                    : "timed out after " + std::string(secs) + " s waiting for " + s.what);
      }
      return false;
    }
    case ScriptStep::pause:
      return now >= deadline_;
    case ScriptStep::screenshot:
      if (std::string why = writeScreenshot(m, s.text); !why.empty()) fail(s, why);
      return true;
    case ScriptStep::expectWhite: {
      uint64_t white = 0;
      for (int r = s.y; r < s.y + s.h; ++r)
        for (int x = s.x; x < s.x + s.w; ++x) white += pixel(m, x, r);
      double pct = 100.0 * white / (double(s.w) * s.h);
      if (pct < s.lo || pct > s.hi) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "expect-white: %.1f%% of region %d,%d %dx%d is white, expected %g..%g%%",
                      pct, s.x, s.y, s.w, s.h, s.lo, s.hi);
        fail(s, msg);
      }
      return true;
    }
    case ScriptStep::expectPng: {
      uint32_t w = 0, h = 0;
      std::vector<uint8_t> px;
      if (std::string why = readPng(s.text, w, h, px); !why.empty()) {
        fail(s, why);
        return true;
      }
      if (w < static_cast<uint32_t>(s.x + s.w) || h < static_cast<uint32_t>(s.y + s.h)) {
        fail(s, "reference image " + s.text + " is smaller than the region");
        return true;
      }
      uint64_t differ = 0;
      for (int r = s.y; r < s.y + s.h; ++r)
        for (int x = s.x; x < s.x + s.w; ++x) differ += pixel(m, x, r) != (px[size_t(r) * w + x] >= 128);
      if (differ > static_cast<uint64_t>(s.hi))
        fail(s, "expect-screen: " + std::to_string(differ) + " pixels differ from " + s.text +
                    " (at most " + std::to_string(static_cast<uint64_t>(s.hi)) + " allowed)");
      return true;
    }
    case ScriptStep::snapLine:
      snapshot_ = grab(m, s);
      return true;
    case ScriptStep::skipIfChanged:
      if (grab(m, s) != snapshot_) {
        std::string where = s.origin.empty() ? "script line " + std::to_string(s.line) : s.origin;
        std::fprintf(stderr, "oberon-emu: %s: System.Log's first line changed while the command "
                             "ran; the command line stays in the Log\n", where.c_str());
        pc_ += static_cast<size_t>(s.count);
      }
      return true;
  }
  return true;
}

ScriptRunner::State ScriptRunner::poll(Machine& m, bool idle, Clock::time_point now) {
  while (pc_ < steps_.size()) {
    const ScriptStep& s = steps_[pc_];
    if (!started_) {
      started_ = true;
      sent_ = 0;
      sawIdle_ = false;
      idleSince_ = Clock::time_point::max();
      double secs = s.kind == ScriptStep::settle || s.kind == ScriptStep::pause ? s.seconds : kInputSeconds;
      deadline_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
    }
    bool done = stepDone(m, s, idle, now);
    if (!error_.empty()) return State::failed;
    if (!done) return State::running;
    ++pc_;
    started_ = false;
  }
  return State::done;
}

}  // namespace risc5
