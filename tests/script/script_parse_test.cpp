// Script parser: PS/2 codes and coordinates worked out by hand from the set-2 scancode table
// (the same codes Input.Mod's translation table is indexed with) and Oberon's bottom-up y axis.
#define BOOST_TEST_MODULE script_tests
#include <boost/test/unit_test.hpp>

#include "emulator/frontend/script.h"
#include "emulator/machine/machine.h"

using namespace risc5;

namespace {
std::vector<ScriptStep> parse(const std::string& text, std::string& error) {
  return parseScript(text, 1024, 768, error);
}
std::vector<ScriptStep> parseOk(const std::string& text) {
  std::string error;
  auto steps = parse(text, error);
  BOOST_TEST_REQUIRE(error.empty(), error);
  return steps;
}
std::string parseError(const std::string& text) {
  std::string error;
  auto steps = parse(text, error);
  BOOST_TEST(steps.empty());
  return error;
}
std::vector<uint8_t> keyBytes(const std::vector<ScriptStep>& steps) {
  std::vector<uint8_t> all;
  for (const auto& s : steps)
    if (auto* k = std::get_if<step::Keys>(&s.action)) all.insert(all.end(), k->bytes.begin(), k->bytes.end());
  return all;
}
}  // namespace

BOOST_AUTO_TEST_CASE(type_plain_shifted_and_enter) {
  // a = 1C; A = LShift 12 around 1C; ~ = shift + 0E (`); \n = Enter 5A; break = F0 code.
  auto bytes = keyBytes(parseOk("type \"aA~\\n\"\n"));
  std::vector<uint8_t> want = {0x1C, 0xF0, 0x1C,
                               0x12, 0x1C, 0xF0, 0x1C, 0xF0, 0x12,
                               0x12, 0x0E, 0xF0, 0x0E, 0xF0, 0x12,
                               0x5A, 0xF0, 0x5A};
  BOOST_TEST(bytes == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(type_escapes_digits_punctuation) {
  // " = shift 52; \ = 5D; 1 = 16; . = 49; * = shift 3E (8); tab = 0D.
  auto bytes = keyBytes(parseOk("type \"\\\"\\\\1.*\\t\""));
  std::vector<uint8_t> want = {0x12, 0x52, 0xF0, 0x52, 0xF0, 0x12, 0x5D, 0xF0, 0x5D, 0x16, 0xF0, 0x16,
                               0x49, 0xF0, 0x49, 0x12, 0x3E, 0xF0, 0x3E, 0xF0, 0x12, 0x0D, 0xF0, 0x0D};
  BOOST_TEST(bytes == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(named_keys_and_modifiers) {
  // Up = E0 75, break E0 F0 75; ctrl-c = 14 21 F0 21 F0 14; F1 = 05; Esc = 76.
  auto bytes = keyBytes(parseOk("key Up\nkey c ctrl\nkey F1\nkey Esc\n"));
  std::vector<uint8_t> want = {0xE0, 0x75, 0xE0, 0xF0, 0x75, 0x14, 0x21, 0xF0, 0x21, 0xF0, 0x14,
                               0x05, 0xF0, 0x05, 0x76, 0xF0, 0x76};
  BOOST_TEST(bytes == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(coordinates_are_flipped_to_oberons_y) {
  // Script row 0 is the top line, Oberon's y = 767 on a 768-line screen; row 767 is y = 0.
  auto steps = parseOk("move 0 0\nclick left 1023 767\n");
  std::vector<std::pair<int, int>> moves;
  for (const auto& s : steps)
    if (auto* m = std::get_if<step::MouseMove>(&s.action)) moves.emplace_back(m->x, m->y);
  BOOST_TEST_REQUIRE(moves.size() == 2u);
  BOOST_TEST(moves[0].first == 0);
  BOOST_TEST(moves[0].second == 767);
  BOOST_TEST(moves[1].first == 1023);
  BOOST_TEST(moves[1].second == 0);
  int downs = 0, ups = 0;
  for (const auto& s : steps)
    if (auto* b = std::get_if<step::Button>(&s.action)) (b->down ? downs : ups) += b->mask == Mouse::left;
  BOOST_TEST(downs == 1);
  BOOST_TEST(ups == 1);
}

BOOST_AUTO_TEST_CASE(comments_and_blank_lines) {
  BOOST_TEST(parseOk("# only a comment\n\n   \nwait-idle 2 # trailing\n").size() == 1u);
}

BOOST_AUTO_TEST_CASE(errors_name_the_line) {
  BOOST_TEST(parseError("wait-idle\nfrobnicate 3\n") == "script line 2: unknown command 'frobnicate'");
  BOOST_TEST(parseError("\n\nclick left 2000 10\n") ==
             "script line 3: coordinates 2000,10 are off the 1024x768 screen");
  BOOST_TEST(parseError("move 5 -1") == "script line 1: coordinates 5,-1 are off the 1024x768 screen");
  BOOST_TEST(parseError("type \"abc") == "script line 1: unterminated string");
  BOOST_TEST(parseError("type \"caf\xC3\xA9\"").rfind("script line 1: cannot type character C3H", 0) == 0);
  BOOST_TEST(parseError("key Hyper") .rfind("script line 1: unknown key 'Hyper'", 0) == 0);
  BOOST_TEST(parseError("key a alt").rfind("script line 1: unknown modifier 'alt'", 0) == 0);
  BOOST_TEST(parseError("click upper").rfind("script line 1: unknown mouse button 'upper'", 0) == 0);
  BOOST_TEST(parseError("wait-idle soon") == "script line 1: the timeout must be a number, not 'soon'");
  BOOST_TEST(parseError("wait-idle 0") == "script line 1: the timeout must be 0 to 3600 seconds");
  BOOST_TEST(parseError("run System.Directory").rfind("script line 1: usage: run", 0) == 0);
  BOOST_TEST(parseError("run \"A.B\nC\"").rfind("script line 1: unterminated string", 0) == 0);
  BOOST_TEST(parseError("run \"A.B\\nC\"") == "script line 1: run: the command must be one line");
  BOOST_TEST(parseError("expect-white 1000 700 100 10 5") ==
             "script line 1: region 1000,700 100x10 does not fit on the 1024x768 screen");
  BOOST_TEST(parseError("expect-screen /nonexistent/ref.png") ==
             "script line 1: cannot read reference image /nonexistent/ref.png");
  // A reference written by an earlier screenshot of the same script is fine.
  BOOST_TEST(parseOk("screenshot /nonexistent/a.png\nexpect-screen /nonexistent/a.png 0 0 8 8 3\n").size() == 2u);
  std::string error;
  BOOST_TEST(loadScript("/nonexistent/script.txt", 1024, 768, error).empty());
  BOOST_TEST(error == "cannot read script /nonexistent/script.txt");
}

BOOST_AUTO_TEST_CASE(run_uses_the_first_line_of_the_log) {
  // The system track starts at 1024 DIV 8 * 5 = 640; the Log's text frame at 641; the click
  // goes 17 columns into it (right of the 14-column scroll bar). Line 0: menu bar rows 0..13,
  // top margin 6, ascent 9: baseline at row 28, glyphs from row 19; the click is at row 25.
  auto steps = parseOk("run \"System.Directory\"");
  auto* move = std::get_if<step::MouseMove>(&steps[0].action);
  BOOST_TEST_REQUIRE(move);
  BOOST_TEST(move->x == 658);
  BOOST_TEST(move->y == 767 - 25);
  // "System.Directory" + CR + CR: 14 plain keys (make, F0, code), 2 shifted ones (S, D: 12
  // before, F0 12 after), 2 Enter keys.
  BOOST_TEST(keyBytes(steps).size() == 14u * 3 + 2 * 6 + 2 * 3);
}
