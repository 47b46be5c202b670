// The script language: a tokenizer (words and "quoted strings"), and a parser that checks every
// command and expands it into steps (script.h). Nothing here touches a machine.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "emulator/devices/ps2.h"
#include "log_geometry.h"
#include "ps2_keymap.h"
#include "script.h"

namespace risc5 {

namespace {

constexpr double kInputSeconds = ScriptRunner::kInputSeconds;
constexpr double kDefaultWaitIdle = 10;
constexpr double kDefaultRun = 30;

struct Word {
  std::string text;
  bool quoted = false;
};

// Splits a line into words and "quoted strings" (escapes \n \t \" \\); '#' starts a comment.
// Returns an empty string, or why the line cannot be split.
std::string tokenize(const std::string& s, std::vector<Word>& words) {
  size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) { ++i; continue; }
    if (s[i] == '#') break;
    Word w;
    if (s[i] == '"') {
      w.quoted = true;
      ++i;
      for (;; ++i) {
        if (i >= s.size()) return "unterminated string";
        char c = s[i];
        if (c == '"') { ++i; break; }
        if (c == '\\') {
          if (++i >= s.size()) return "unterminated string";
          switch (s[i]) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            default: return std::string("unknown escape \\") + s[i] + " (use \\n \\t \\\" \\\\)";
          }
        }
        w.text += c;
      }
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) w.text += s[i++];
    }
    words.push_back(std::move(w));
  }
  return {};
}

class Parser {
 public:
  Parser(uint32_t width, uint32_t height) : width_(width), height_(height) {}

  // Parses one line; false (error() set) on the first problem.
  bool line(const std::string& text) {
    ++line_;
    std::vector<Word> words;
    if (std::string why = tokenize(text, words); !why.empty()) return fail(why);
    if (words.empty()) return true;
    if (words[0].quoted) return fail("a line must start with a command");
    return command(words);
  }
  const std::string& error() const { return error_; }
  std::vector<ScriptStep>& steps() { return steps_; }

 private:
  bool fail(const std::string& why) {
    if (error_.empty()) error_ = "script line " + std::to_string(line_) + ": " + why;
    return false;
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
  bool seconds(const std::vector<Word>& a, size_t at, double def, double& out) {
    out = def;
    if (a.size() <= at) return true;
    if (!number(a[at].text, out, "the timeout")) return false;
    if (out <= 0 || out > 3600) return fail("the timeout must be 0 to 3600 seconds");
    return true;
  }
  bool point(const std::string& xs, const std::string& ys, int& x, int& y) {
    if (!integer(xs, x, "X") || !integer(ys, y, "Y")) return false;
    if (x < 0 || y < 0 || x >= static_cast<int>(width_) || y >= static_cast<int>(height_))
      return fail("coordinates " + xs + "," + ys + " are off the " + screen() + " screen");
    return true;
  }
  bool region(const std::vector<Word>& a, size_t at, ScreenRegion& r) {
    if (!point(a[at].text, a[at + 1].text, r.x, r.y) || !integer(a[at + 2].text, r.w, "W") ||
        !integer(a[at + 3].text, r.h, "H"))
      return false;
    if (r.w <= 0 || r.h <= 0 || r.x + r.w > static_cast<int>(width_) || r.y + r.h > static_cast<int>(height_))
      return fail("region " + a[at].text + "," + a[at + 1].text + " " + a[at + 2].text + "x" + a[at + 3].text +
                  " does not fit on the " + screen() + " screen");
    return true;
  }
  std::string screen() const { return std::to_string(width_) + "x" + std::to_string(height_); }

  void add(StepAction action) { steps_.push_back(ScriptStep{std::move(action), line_, {}}); }
  // Waits for `what`; the message if it does not come in time is written here, once.
  void settle(double secs, const std::string& what) {
    char s[32];
    std::snprintf(s, sizeof s, "%g", secs);
    add(step::Settle{secs, "timed out after " + std::string(s) + " s waiting for " + what, held_ != 0});
  }
  void settleIdle(double secs) {
    char s[32];
    std::snprintf(s, sizeof s, "%g", secs);
    add(step::Settle{secs, "Oberon did not become idle within " + std::string(s) + " s", held_ != 0});
  }
  void mouse(int x, int row) {  // script rows (top = 0) to Oberon's y (bottom = 0)
    add(step::MouseMove{x, static_cast<int>(height_) - 1 - row});
    settle(kInputSeconds, "the mouse move");
  }
  void button(uint32_t mask, bool down) {
    add(step::Button{mask, down});
    held_ = down ? (held_ | mask) : (held_ & ~mask);
    settle(kInputSeconds, "the mouse button");
  }
  void keys(std::vector<uint8_t> bytes) {
    add(step::Keys{std::move(bytes)});
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
      appendStroke(out, *k, false);
    }
    return true;
  }

  // run: type the command as the first line of System.Log, middle-click it, then delete it again
  // with a right-drag selection and a left interclick (TextFrames.Edit), unless the Log's first
  // line changed meanwhile (e.g. the command cleared the Log).
  bool run(const std::string& command, double secs) {
    namespace lg = log_geometry;
    if (command.find_first_of("\n\t") != std::string::npos) return fail("run: the command must be one line");
    if (command.empty()) return fail("run: empty command");
    std::vector<uint8_t> bytes;
    if (!typed(command + "\n\n", bytes)) return false;
    const int track = lg::systemTrackX(static_cast<int>(width_));
    const int cx = track + lg::kClickDx;
    mouse(cx, lg::kLine0Row);
    button(Mouse::left, true);
    button(Mouse::left, false);     // caret before the first character of the Log
    keys(bytes);                    // "command CR CR": line 0 is the command, line 1 empty
    const ScreenRegion line0{track + lg::kTextDx, lg::kLine0Row - lg::kLineSpacing / 2,
                             static_cast<int>(width_) - 1 - (track + lg::kTextDx), lg::kLineSpacing};
    add(step::SnapLine{line0});
    button(Mouse::middle, true);
    add(step::Button{Mouse::middle, false});
    held_ = 0;
    settle(secs, "the command to finish");
    const size_t before = steps_.size();
    button(Mouse::right, true);                    // select from line 0 ...
    mouse(cx, lg::kLine0Row + lg::kLineSpacing);   // ... to the end of the empty line 1
    button(Mouse::left, true);                     // interclick: delete the selection
    add(step::Button{Mouse::left | Mouse::right, false});
    held_ = 0;
    settle(kInputSeconds, "the command line to be removed from System.Log");
    ScriptStep check{step::SkipIfChanged{line0, steps_.size() - before}, line_, {}};
    steps_.insert(steps_.begin() + static_cast<long>(before), std::move(check));
    return true;
  }

  bool command(const std::vector<Word>& a) {
    const std::string& c = a[0].text;
    auto want = [&](size_t lo, size_t hi, const char* usage) {
      if (a.size() - 1 < lo || a.size() - 1 > hi) return fail(std::string("usage: ") + usage);
      return true;
    };
    auto quotedArg = [&](const char* usage) {
      if (a.size() < 2 || !a[1].quoted) return fail(std::string("usage: ") + usage + " (the text in double quotes)");
      return true;
    };
    if (c == "wait-idle") {
      double secs;
      if (!want(0, 1, "wait-idle [TIMEOUT_S]") || !seconds(a, 1, kDefaultWaitIdle, secs)) return false;
      settleIdle(secs);
    } else if (c == "wait") {
      double secs;
      if (!want(1, 1, "wait SECONDS") || !seconds(a, 1, 0, secs)) return false;
      add(step::Pause{secs});
    } else if (c == "type") {
      std::vector<uint8_t> bytes;
      if (!quotedArg("type \"text\"") || !want(1, 1, "type \"text\"") || !typed(a[1].text, bytes)) return false;
      if (!bytes.empty()) keys(std::move(bytes));
    } else if (c == "key") {
      if (!want(1, 3, "key NAME [ctrl] [shift]")) return false;
      auto k = keyForName(a[1].text);
      if (!k) return fail("unknown key '" + a[1].text + "' (Enter Esc Tab Backspace Delete Insert Up Down Left "
                          "Right Home End PageUp PageDown Space F1..F12, or one character)");
      bool ctrl = false;
      for (size_t i = 2; i < a.size(); ++i) {
        if (a[i].text == "ctrl") ctrl = true;
        else if (a[i].text == "shift") k->shift = true;
        else return fail("unknown modifier '" + a[i].text + "' (ctrl or shift)");
      }
      std::vector<uint8_t> bytes;
      appendStroke(bytes, *k, ctrl);
      keys(std::move(bytes));
    } else if (c == "move") {
      int x, y;
      if (!want(2, 2, "move X Y") || !point(a[1].text, a[2].text, x, y)) return false;
      mouse(x, y);
    } else if (c == "click" || c == "press" || c == "release") {
      const char* usage = c == "click" ? "click left|middle|right [X Y]" : "press|release left|middle|right [X Y]";
      uint32_t mask = 0;
      int x, y;
      if (a.size() != 2 && a.size() != 4) return fail(std::string("usage: ") + usage);
      if (!buttonName(a[1].text, mask)) return false;
      if (a.size() == 4) {
        if (!point(a[2].text, a[3].text, x, y)) return false;
        mouse(x, y);
      }
      if (c != "release") button(mask, true);
      if (c != "press") button(mask, false);
    } else if (c == "screenshot") {
      if (!want(1, 1, "screenshot FILE.png")) return false;
      add(step::Screenshot{a[1].text});
    } else if (c == "run") {
      double secs;
      if (!quotedArg("run \"Module.Command args ~\" [TIMEOUT_S]") ||
          !want(1, 2, "run \"Module.Command args ~\" [TIMEOUT_S]") || !seconds(a, 2, kDefaultRun, secs) ||
          !run(a[1].text, secs))
        return false;
    } else if (c == "expect-white") {
      step::ExpectWhite s;
      if (!want(5, 6, "expect-white X Y W H MIN_PERCENT [MAX_PERCENT]") || !region(a, 1, s.region) ||
          !number(a[5].text, s.minPercent, "MIN_PERCENT"))
        return false;
      if (a.size() == 7 && !number(a[6].text, s.maxPercent, "MAX_PERCENT")) return false;
      if (s.minPercent < 0 || s.maxPercent > 100 || s.minPercent > s.maxPercent)
        return fail("percentages must satisfy 0 <= MIN <= MAX <= 100");
      add(std::move(s));
    } else if (c == "expect-screen") {
      step::ExpectScreen s;
      if (!want(1, 6, "expect-screen FILE.png [X Y W H [MAX_DIFFERENT_PIXELS]]") || a.size() == 3 ||
          a.size() == 4 || a.size() == 5)
        return fail("usage: expect-screen FILE.png [X Y W H [MAX_DIFFERENT_PIXELS]]");
      s.reference = a[1].text;
      if (a.size() >= 6) {
        if (!region(a, 2, s.region)) return false;
      } else {
        s.region = ScreenRegion{0, 0, static_cast<int>(width_), static_cast<int>(height_)};
      }
      int tolerance = 0;
      if (a.size() == 7 && (!integer(a[6].text, tolerance, "MAX_DIFFERENT_PIXELS") || tolerance < 0))
        return fail("MAX_DIFFERENT_PIXELS must be a non-negative integer");
      s.tolerance = static_cast<uint64_t>(tolerance);
      // The reference must exist now, or be written by an earlier screenshot of this script.
      bool earlier = false;
      for (const auto& t : steps_)
        if (auto* shot = std::get_if<step::Screenshot>(&t.action)) earlier |= shot->path == s.reference;
      if (std::FILE* f = std::fopen(s.reference.c_str(), "rb")) std::fclose(f);
      else if (!earlier) return fail("cannot read reference image " + s.reference);
      add(std::move(s));
    } else {
      return fail("unknown command '" + c + "'");
    }
    return true;
  }

  uint32_t width_, height_;
  int line_ = 0;
  std::string error_;
  std::vector<ScriptStep> steps_;
  uint32_t held_ = 0;  // mouse buttons down at this point of the script
};

}  // namespace

std::vector<ScriptStep> parseScript(const std::string& source, uint32_t width, uint32_t height,
                                    std::string& error) {
  Parser p(width, height);
  std::istringstream in(source);
  std::string text;
  while (std::getline(in, text)) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (!p.line(text)) break;
  }
  error = p.error();
  if (!error.empty()) return {};
  return std::move(p.steps());
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
  std::vector<ScriptStep> all;
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
    std::vector<ScriptStep> steps = parseScript(source, width, height, why);
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

}  // namespace risc5
