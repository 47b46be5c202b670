// The real binaries: oberon-emu --script on a copy of the stock image, disk-images/prepare, and
// their handling of bad input. Needs $OBERON_BUILD_DIR (set by ctest) and $OBERON_IMAGE.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/support/files.h"
#include "tests/support/png_read.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;

namespace {

using namespace std::chrono_literals;
using support::image;
using support::readFile;

std::string envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
std::string build() { return envOr("OBERON_BUILD_DIR", SCRIPT_TEST_BUILD_DIR); }
std::string source() { return envOr("OBERON_SOURCE_DIR", SCRIPT_TEST_SOURCE_DIR); }
std::string emu() { return build() + "/emulator/oberon-emu"; }
std::string disk() { return build() + "/tools/oberon-disk/oberon-disk"; }
std::string quote(const std::string& s);
// The prepare command with this build's tools (it would also search $OBERON_BUILD_DIR and PATH).
std::string prepare() {
  return "OBERON_EMU=" + quote(emu()) + " OBERON_DISK=" + quote(disk()) + " " + source() + "/disk-images/prepare";
}

struct TempDir : support::TempDir {
  TempDir() : support::TempDir("oberon-script-test") {}
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct Result {
  int status = -1;  // -1: still running after 110 s (then killed)
  std::string out;  // stdout and stderr
};
Result sh(const std::string& cmd) {
  auto r = support::run({"/bin/sh", "-c", cmd}, 110s, {.err = support::Stream::stdout_()});
  return {r.status, r.out};
}

uint64_t fnv1a(const std::string& path) {  // FNV-1a 64 of the file's bytes
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : readFile(path)) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// Fraction of white pixels (gray >= 128) in columns x0..x1-1, rows y0..y1-1 (row 0 = top).
double whiteFraction(const std::string& png, int x0, int y0, int x1, int y1) {
  support::Picture pic = support::loadPng(png);
  BOOST_TEST_REQUIRE(pic.width == 1024);
  BOOST_TEST_REQUIRE(pic.height == 768);
  return pic.whiteShare(x0, y0, x1, y1);
}

const char* kHello =
    "MODULE Hello;\n  IMPORT Texts, Oberon;\n  VAR W: Texts.Writer;\n"
    "  PROCEDURE Run*;\n  BEGIN Texts.WriteString(W, \"Hello from the guest\"); Texts.WriteLn(W);\n"
    "    Texts.Append(Oberon.Log, W.buf)\n  END Run;\nBEGIN Texts.OpenWriter(W)\nEND Hello.\n";

// Echo.Line text: writes "[text]" to the Log (the rest of the command's line).
const char* kEcho =
    "MODULE Echo;\n  IMPORT Texts, Oberon;\n  VAR W: Texts.Writer;\n"
    "  PROCEDURE Line*;\n    VAR R: Texts.Reader; ch: CHAR;\n"
    "  BEGIN Texts.OpenReader(R, Oberon.Par.text, Oberon.Par.pos); Texts.Read(R, ch);\n"
    "    IF ch = \" \" THEN Texts.Read(R, ch) END ;\n    Texts.Write(W, \"[\");\n"
    "    WHILE ~R.eot & (ch # 0DX) DO Texts.Write(W, ch); Texts.Read(R, ch) END ;\n"
    "    Texts.Write(W, \"]\"); Texts.WriteLn(W); Texts.Append(Oberon.Log, W.buf)\n  END Line;\n"
    "BEGIN Texts.OpenWriter(W)\nEND Echo.\n";

}  // namespace

BOOST_AUTO_TEST_CASE(directory_listing_shows_on_screen) {
  TempDir t;
  const std::string stock = image();
  const uint64_t before = fnv1a(stock);
  fs::copy_file(stock, t.file("a.dsk"));
  std::string script = t.write("s.txt",
      "wait-idle\n"
      "screenshot " + t.file("boot.png") + "\n"
      "run \"System.Directory *.Mod\"\n"
      "screenshot " + t.file("dir.png") + "\n");
  Result r = sh(emu() + " --script " + quote(script) + " --timeout 30 " + quote(t.file("a.dsk")));
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  // At boot the lower part of the system track is black below System.Tool's last line (about
  // row 560); System.Directory opens a viewer there whose lines of file names are text.
  double atBoot = whiteFraction(t.file("boot.png"), 660, 580, 1000, 760);
  double listed = whiteFraction(t.file("dir.png"), 660, 580, 1000, 760);
  BOOST_TEST(atBoot < 0.001);
  BOOST_TEST(listed > 0.03, "white fraction " << listed);
  BOOST_TEST(fnv1a(stock) == before);
}

BOOST_AUTO_TEST_CASE(prepare_compiles_and_runs) {
  TempDir t;
  const std::string stock = image();
  const uint64_t before = fnv1a(stock);
  std::string mod = t.write("Hello.Mod", kHello);
  Result r = sh("OBERON_IMAGE=" + quote(stock) + " " + prepare() + " --out " + quote(t.file("p.dsk")) + " " +
                quote(mod) + " --run Hello.Run --log " + quote(t.file("log.txt")));
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  BOOST_TEST(r.out.find("  compiling Hello new symbol file") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("Hello from the guest") != std::string::npos, r.out);
  BOOST_TEST(readFile(t.file("log.txt")).find("Hello from the guest\n") != std::string::npos);
  Result list = sh(disk() + " list " + quote(t.file("p.dsk")));
  BOOST_TEST_REQUIRE(list.status == 0, list.out);
  BOOST_TEST(list.out.find("\nHello.rsc ") != std::string::npos, list.out);
  BOOST_TEST(list.out.find("\nHello.Mod ") != std::string::npos, list.out);
  BOOST_TEST(sh(disk() + " check " + quote(t.file("p.dsk"))).status == 0);
  BOOST_TEST(fnv1a(stock) == before);
}

BOOST_AUTO_TEST_CASE(prepare_fails_with_the_compilers_message) {
  TempDir t;
  const std::string stock = image();
  const uint64_t before = fnv1a(stock);
  std::string bad = t.write("Bad.Mod", "MODULE Bad;\nBEGIN x :=\nEND Bad.\n");
  Result r = sh(prepare() + " --image " + quote(stock) + " --out " + quote(t.file("p.dsk")) + " " + quote(bad));
  BOOST_TEST(r.status == 1, r.out);
  BOOST_TEST(r.out.find("  compiling Bad") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("  pos ") != std::string::npos, r.out);         // ORS.Mark
  BOOST_TEST(r.out.find(" undef") != std::string::npos, r.out);         // x is not declared
  BOOST_TEST(r.out.find("compilation FAILED") != std::string::npos, r.out);
  BOOST_TEST(!fs::exists(t.file("p.dsk")));
  BOOST_TEST(fnv1a(stock) == before);
}

BOOST_AUTO_TEST_CASE(every_printable_character_reaches_oberon) {
  TempDir t;
  std::string mod = t.write("Echo.Mod", kEcho);
  Result r = sh(prepare() + " --image " + quote(image()) + " --out " + quote(t.file("e.dsk")) + " " + quote(mod));
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  std::string all, escaped;
  for (char c = ' '; c <= '~'; ++c) {
    all += c;
    escaped += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  }
  std::string script = t.write("s.txt", "wait-idle\nrun \"HostLog.Start\"\nrun \"Echo.Line " + escaped + "\"\n");
  r = sh(emu() + " --script " + quote(script) + " --serial-out " + quote(t.file("serial")) + " --timeout 30 " +
         quote(t.file("e.dsk")));
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  BOOST_TEST(readFile(t.file("serial")).find("[" + all + "]\r") != std::string::npos, readFile(t.file("serial")));
}

BOOST_AUTO_TEST_CASE(bad_scripts_fail_before_running) {
  TempDir t;
  fs::copy_file(image(), t.file("a.dsk"));
  const uint64_t before = fnv1a(t.file("a.dsk"));
  auto emuWith = [&](const std::string& text) {
    return sh(emu() + " --script " + quote(t.write("s.txt", text)) + " --timeout 20 " + quote(t.file("a.dsk")));
  };
  Result r = emuWith("wait-idle\nfrobnicate 3\n");
  BOOST_TEST(r.status == 5);
  BOOST_TEST(r.out == "oberon-emu: script line 2: unknown command 'frobnicate'\n");
  r = emuWith("# far right\nclick left 2000 10\n");
  BOOST_TEST(r.status == 5);
  BOOST_TEST(r.out == "oberon-emu: script line 2: coordinates 2000,10 are off the 1024x768 screen\n");
  r = sh(emu() + " --script " + quote(t.file("missing.txt")) + " " + quote(t.file("a.dsk")));
  BOOST_TEST(r.status == 5);
  BOOST_TEST(r.out == "oberon-emu: cannot read script " + t.file("missing.txt") + "\n");
  r = emuWith("wait-idle\nexpect-white 640 0 384 14 0 10\n");  // the Log's menu bar is inverted
  BOOST_TEST(r.status == 5);
  BOOST_TEST(r.out.rfind("oberon-emu: script line 2: expect-white: ", 0) == 0, r.out);
  BOOST_TEST(fnv1a(t.file("a.dsk")) == before);
  r = sh(emu() + " --script " + quote(t.write("ok.txt", "wait-idle\n")) + " " + quote(t.file("none.dsk")));
  BOOST_TEST(r.status == 1, r.out);
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1, r.out);
}

BOOST_AUTO_TEST_CASE(prepare_rejects_bad_input) {
  TempDir t;
  std::string mod = t.write("Hello.Mod", kHello);
  std::string junk = t.write("junk.dsk", std::string(4096, 'x'));
  const uint64_t junkHash = fnv1a(junk);
  Result r = sh(prepare() + " --image " + quote(junk) + " --out " + quote(t.file("p.dsk")) + " " + quote(mod));
  BOOST_TEST(r.status == 3, r.out);
  BOOST_TEST(r.out.find("not an Oberon image") != std::string::npos, r.out);
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1, r.out);
  BOOST_TEST(fnv1a(junk) == junkHash);
  BOOST_TEST(!fs::exists(t.file("p.dsk")));

  r = sh("env -u OBERON_IMAGE " + prepare() + " " + quote(mod));
  BOOST_TEST(r.status == 64, r.out);
  BOOST_TEST(r.out == "prepare: no stock image: pass --image STOCK or set OBERON_IMAGE\n");

  r = sh(prepare() + " --image " + quote(image()) + " --out " + quote(t.file("p.dsk")) + " " +
         quote(t.file("Missing.Mod")));
  BOOST_TEST(r.status == 3, r.out);
  BOOST_TEST(r.out == "prepare: source file " + t.file("Missing.Mod") + " does not exist\n");

  r = sh(prepare() + " --image " + quote(image()) + " --out " + quote(image()) + " " + quote(mod));
  BOOST_TEST(r.status == 64, r.out);
  BOOST_TEST(r.out.find("is the stock image itself") != std::string::npos, r.out);
}

// --run: commands typed once Oberon idles; alone they leave Oberon running, with --script they
// come first and the run ends with the script.
BOOST_AUTO_TEST_CASE(run_option_runs_commands_at_start) {
  TempDir t;
  fs::copy_file(image(), t.file("a.dsk"));
  // Alone (with --until-idle so that the run ends): the listing's viewer is on the screen.
  Result r = sh(emu() + " --headless --run \"System.Directory *.Mod\" --until-idle --timeout 30 --screenshot " +
                quote(t.file("run.png")) + " " + quote(t.file("a.dsk")));
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  BOOST_TEST(whiteFraction(t.file("run.png"), 660, 580, 1000, 760) > 0.03);
  // Without --until-idle the system goes on running after the commands: only the timeout ends it.
  r = sh(emu() + " --headless --run \"System.Directory *.Mod\" --timeout 3 " + quote(t.file("a.dsk")));
  BOOST_TEST(r.status == 2, r.out);
  // Before the script: the script's first screenshot already shows the listing.
  std::string script = t.write("s.txt", "screenshot " + t.file("s.png") + "\n");
  r = sh(emu() + " --run \"System.Directory *.Mod\" --script " + quote(script) + " --timeout 30 " +
         quote(t.file("a.dsk")));
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  BOOST_TEST(whiteFraction(t.file("s.png"), 660, 580, 1000, 760) > 0.03);
  // A command that cannot be typed is refused before the guest runs, naming the --run.
  r = sh(emu() + " --headless --run \"System.Directory \xe9\" --timeout 20 " + quote(t.file("a.dsk")));
  BOOST_TEST(r.status == 5, r.out);
  BOOST_TEST(r.out.rfind("oberon-emu: --run \"System.Directory ", 0) == 0, r.out);
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1, r.out);
}

// DISPLAY naming an X server that is not there: SDL would fall back to an invisible offscreen
// window; the emulator says so, runs headless, and tells how to give Oberon commands.
BOOST_AUTO_TEST_CASE(a_display_that_does_not_answer_means_headless) {
  TempDir t;
  fs::copy_file(image(), t.file("a.dsk"));
  int n = 4093;
  while (fs::exists("/tmp/.X11-unix/X" + std::to_string(n))) --n;
  const std::string env = "env -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER DISPLAY=:" + std::to_string(n) + " ";
  Result r = sh(env + emu() + " --timeout 3 " + quote(t.file("a.dsk")));
  BOOST_TEST(r.status == 2, r.out);
  BOOST_TEST(r.out.find("no display found") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("running headless") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("--run \"NetShell.Start 2323 ~\"") != std::string::npos, r.out);
  // SDL's own drivers that show nothing count as no display as well.
  r = sh("SDL_VIDEODRIVER=offscreen DISPLAY=:" + std::to_string(n) + " " + emu() + " --timeout 2 " +
         quote(t.file("a.dsk")));
  BOOST_TEST(r.status == 2, r.out);
  BOOST_TEST(r.out.find("running headless") != std::string::npos, r.out);
}

// An image whose Display.Mod ignores the 'Sizg' words the emulator writes for --size/--mem draws
// at 0E7F00H, into RAM: a black screen for ever (and the heap overwritten). The emulator stops
// with one line instead. The image is made here: the stock Display.Mod with its resolution
// detection cut out, compiled inside Oberon.
BOOST_AUTO_TEST_CASE(a_display_module_that_ignores_the_size_is_named) {
  TempDir t;
  Result r = sh(disk() + " extract " + quote(image()) + " Display.Mod " + quote(t.file("Display.Mod")) + " --text");
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  std::string src = readFile(t.file("Display.Mod"));
  auto from = src.find("SYSTEM.GET(Base, magic);");
  auto to = src.find("END InitResolution;");
  BOOST_TEST_REQUIRE((from != std::string::npos && to != std::string::npos && from < to),
                     "this test needs the stock Display.Mod with its InitResolution");
  src = src.substr(0, from) + "Width := 1024; Height := 768; Span := 128\n  " + src.substr(to);
  t.write("Display.Mod", src);
  r = sh(prepare() + " --image " + quote(image()) + " --out " + quote(t.file("fixed.dsk")) + " " +
         quote(t.file("Display.Mod")));
  BOOST_TEST_REQUIRE(r.status == 0, r.out);
  // At the stock size it boots as ever; with --size it stops at once with the reason.
  r = sh(emu() + " --snapshot --until-idle --timeout 20 " + quote(t.file("fixed.dsk")));
  BOOST_TEST(r.status == 0, r.out);
  r = sh(emu() + " --snapshot --size 1280x1024 --mem 2 --timeout 20 --headless " + quote(t.file("fixed.dsk")));
  BOOST_TEST(r.status == 1, r.out);
  BOOST_TEST(r.out.find("drew nothing on the 1280x1024 screen") != std::string::npos, r.out);
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1, r.out);
  // The stock image reads the words: the same options boot it.
  r = sh(emu() + " --snapshot --size 1280x1024 --mem 2 --until-idle --timeout 20 " + quote(image()));
  BOOST_TEST(r.status == 0, r.out);
}
