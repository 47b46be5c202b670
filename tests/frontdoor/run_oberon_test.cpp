// run-oberon.sh as a new user meets it: paths relative to where it is run, which stock image
// each working copy came from, --fresh, an offline download, usage errors, and a headless start
// that says how to use it. Each case works in a scratch copy of the source tree (symlinks to the
// sources, its own work/ and disk-images/) with $OBERON_BUILD_DIR pointing at this build.
#define BOOST_TEST_MODULE frontdoor
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/support/files.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

using support::need;

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct Scratch {
  support::TempDir dir{"oberon-frontdoor"};
  fs::path root = dir.path(), tree, cwd;
  Scratch() {
    tree = root / "oberon-net";
    cwd = root / "elsewhere";
    fs::path src = need("OBERON_SOURCE_DIR");
    fs::create_directories(tree / "disk-images");
    fs::create_directories(cwd);
    fs::copy_file(src / "run-oberon.sh", tree / "run-oberon.sh");
    for (const char* d : {"scripts", "CMakeLists.txt"}) fs::create_symlink(src / d, tree / d);
    fs::copy(src / "oberon", tree / "oberon");  // a copy: a test changes a program
    for (const char* f : {"prepare", "prepare-net", "README.md"})
      fs::create_symlink(src / "disk-images" / f, tree / "disk-images" / f);
    std::string stock = need("OBERON_IMAGE");
    if (!fs::exists(stock)) throw std::runtime_error("OBERON_IMAGE=" + stock + " does not exist");
    fs::copy_file(stock, cwd / "stock.dsk");
  }
  // Runs `command` with bash in the folder `elsewhere` (not the tree), the build reused.
  support::Result sh(const std::string& command, std::chrono::milliseconds deadline = 120s) const {
    std::string line = "cd " + quote(cwd.string()) + " && export OBERON_BUILD_DIR=" + quote(need("OBERON_BUILD_DIR")) +
                       " && unset OBERON_IMAGE DISPLAY WAYLAND_DISPLAY && " + command;
    return support::run({"bash", "-c", line}, deadline);
  }
  std::string script() const { return "../oberon-net/run-oberon.sh"; }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(paths_are_the_users_and_each_stock_image_has_its_own_copy) {
  Scratch s;
  // A relative image path and a relative screenshot path, both from where the user stands.
  auto r = s.sh(s.script() + " stock.dsk -- --until-idle --timeout 60 --screenshot boot.png");
  BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
  BOOST_TEST(fs::exists(s.cwd / "boot.png"));
  BOOST_TEST(!fs::exists(s.tree / "boot.png"));
  BOOST_TEST(has(r.out, "Making the working copy work/stock-"), r.out);
  BOOST_TEST(has(r.out, "the working copy of " + (s.cwd / "stock.dsk").string()), r.out);
  BOOST_TEST(fs::read_symlink(s.tree / "work/oberon.dsk").string().rfind("stock-", 0) == 0);

  // Another image (the stock one with a file added): its own working copy, and it says so.
  fs::copy_file(s.cwd / "stock.dsk", s.cwd / "other.dsk");
  auto add = support::run({need("OBERON_BUILD_DIR") + "/tools/oberon-disk/oberon-disk", "add", (s.cwd / "other.dsk").string(),
                  need("OBERON_SOURCE_DIR") + "/oberon/Net.Tool", "Extra.Tool", "--text"}, 30s);
  BOOST_TEST_REQUIRE(add.status == 0, add.err);
  r = s.sh(s.script() + " other.dsk -- --until-idle --timeout 60");
  BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
  BOOST_TEST(has(r.out, "Making the working copy work/other-"), r.out);
  BOOST_TEST(has(r.out, "the working copy of " + (s.cwd / "other.dsk").string()), r.out);
  BOOST_TEST(fs::read_symlink(s.tree / "work/oberon.dsk").string().rfind("other-", 0) == 0);

  // The first image again: its copy is reused (not remade), and named.
  r = s.sh(s.script() + " stock.dsk -- --until-idle --timeout 60");
  BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
  BOOST_TEST(!has(r.out, "Making the working copy"), r.out);
  BOOST_TEST(has(r.out, "Booting work/stock-"), r.out);

  BOOST_TEST(!has(r.out, "older network programs"), r.out);

  // The network programs change (a new version of the sources): the copy is still booted, with
  // a note; --fresh makes it again with them.
  std::ofstream(s.tree / "oberon/NetEcho.Mod", std::ios::app) << "\n";
  r = s.sh(s.script() + " stock.dsk -- --until-idle --timeout 60");
  BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
  BOOST_TEST(has(r.out, "has older network programs than oberon/; --fresh makes it again"), r.out);
  r = s.sh(s.script() + " --fresh stock.dsk -- --until-idle --timeout 60");
  BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
  BOOST_TEST(has(r.out, "Making the working copy work/stock-"), r.out);
  BOOST_TEST(!has(r.out, "older network programs"), r.out);
}

BOOST_AUTO_TEST_CASE(an_offline_download_leaves_nothing_and_says_what_to_do) {
  Scratch s;
  // Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
  auto r = s.sh("OBERON_IMAGE_URL=http://127.0.0.1:9/Oberon.dsk " + s.script() + " --download");
  BOOST_TEST(r.status == 1, r.out << r.err);
  BOOST_TEST(r.err.rfind("run-oberon.sh: cannot download the image (", 0) == 0, r.err);
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  BOOST_TEST(has(r.err, "pass its path"), r.err);
  int entries = 0;
  for (auto& e : fs::directory_iterator(s.tree / "disk-images")) entries += !e.is_symlink();
  BOOST_TEST(entries == 0, "disk-images/ holds a leftover download");

  // Without a terminal and without --download nothing is fetched; one line says what to do.
  r = s.sh(s.script() + " </dev/null");
  BOOST_TEST(r.status == 1, r.out << r.err);
  BOOST_TEST(r.err == "run-oberon.sh: no disk image: pass one (./run-oberon.sh FILE.dsk), set OBERON_IMAGE, "
                      "or add --download\n");
}

BOOST_AUTO_TEST_CASE(usage_errors_and_help) {
  Scratch s;
  auto r = s.sh(s.script() + " --headless stock.dsk");
  BOOST_TEST(r.status == 64, r.out << r.err);
  BOOST_TEST(has(r.err, "emulator options go after --"), r.err);
  r = s.sh(s.script() + " --help");
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out.rfind("Usage: ./run-oberon.sh", 0) == 0, r.out);
  BOOST_TEST(r.err.empty());
  r = s.sh(s.script() + " missing.dsk");
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.err == "run-oberon.sh: disk image not found: missing.dsk\n");
}

BOOST_AUTO_TEST_CASE(a_headless_start_says_how_to_use_it) {
  Scratch s;
  // No display at all: the emulator runs headless until the timeout and says how to reach Oberon.
  auto r = s.sh(s.script() + " stock.dsk -- --timeout 3");
  BOOST_TEST(r.status == 2, r.out << r.err);
  BOOST_TEST(has(r.err, "running headless"), r.err);
  BOOST_TEST(has(r.err, "--run \"NetShell.Start 2323 ~\""), r.err);
  BOOST_TEST(has(r.err, "nc -N 127.0.0.1 2323"), r.err);
}
