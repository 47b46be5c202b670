// Oberon itself reads what we write: boot the emulator (snapshot mode, headless) on an image with
// a three-level directory, many deletions, a file with all 12 extension tables and a rewritten
// System.Tool. FileDir.Init asserts every page and header mark and reads every extension table;
// a failed assertion leaves the guest spinning, which the emulator reports as a timeout.
//
// Underfull directories: Oberon's own deletions (System.DeleteFiles in a script) give the pages
// ours give and never leave a page underfull; on a directory with underfull pages that we
// changed, Oberon boots, finds, copies and lists the files; and Oberon's own delete damages such
// a directory where ours does not, which is what check's note says.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "disk_test_support.h"
#include "emulator/disk/disk_image.h"
#include "emulator/disk/file_system.h"
#include "emulator/disk/fs_check.h"
#include "tests/support/process.h"
#include "underfull_support.h"

using namespace oberondisk;
using namespace disktest;

namespace {

#ifdef OBERON_EMU_EXE
const char* kEmulator = OBERON_EMU_EXE;
#else
const char* kEmulator = "";
#endif

boost::test_tools::assertion_result emulatorBuilt(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(*kEmulator && fs::exists(kEmulator));
  r.message() << "oberon-emu not built";
  return r;
}

std::string zName(int i) {
  std::string name = "Z";
  name += std::to_string(i);
  return name + ".Txt";
}

// The exit status, or -1 if it did not end in time (killed) or a signal ended it.
int exitStatus(const support::Result& r) { return r.timedOut || r.signaled ? -1 : r.status; }

int boot(const std::string& image, const std::string& png) {
  return exitStatus(support::run({kEmulator, "--headless", "--snapshot", "--quiet", "--until-idle", "--timeout", "20",
                                  "--screenshot", png, image},
                                 std::chrono::seconds(60)));
}

// Runs a script (docs/scripting.md) on the image, which the guest may change (no snapshot).
int runScript(const TempDir& dir, const std::string& image, const std::string& lines) {
  std::string script = dir.file("script.txt");
  std::ofstream(script, std::ios::binary | std::ios::trunc) << "wait-idle 30\n" << lines;
  return exitStatus(support::run({kEmulator, "--quiet", "--timeout", "120", "--script", script, image},
                                 std::chrono::seconds(150)));
}

std::vector<std::string> listed(const std::string& image) {
  std::vector<std::string> names;
  for (auto& f : FileSystem::open(image, false).list()) names.push_back(f.name);
  return names;
}

// What Oberon's System.Directory (FileDir.Enumerate) lists: the script opens the listing of all
// files, sets the star marker in its viewer (the bottom of the system track) and stores its text
// as Dir.Txt with Edit.Store. A stored text is the tag F1H, the header length as a word (counted
// from the tag, so the characters start there), then the characters: one name and CR a file.
std::vector<std::string> oberonDirectory(const TempDir& dir, const std::string& image, const std::string& before) {
  BOOST_TEST_REQUIRE(runScript(dir, image, before + "run \"System.Directory *\"\nmove 800 650\nkey F1\n"
                                                    "run \"Edit.Store Dir.Txt\"\n") == 0);
  auto text = FileSystem::open(image, false).readFile("Dir.Txt");
  BOOST_TEST_REQUIRE(text.size() > 5u);
  BOOST_TEST_REQUIRE(text[0] == 0xF1);
  size_t at = word(text, 1);
  std::vector<std::string> names;
  std::string name;
  for (size_t i = at; i < text.size(); ++i) {
    if (text[i] != '\r') name += char(text[i]);
    if (text[i] == '\r' || i + 1 == text.size()) {
      if (!name.empty()) names.push_back(name);
      name.clear();
    }
  }
  return names;
}

std::string nameList(const std::vector<std::string>& names, size_t from, size_t to) {
  std::string s;
  for (size_t i = from; i < to && i < names.size(); ++i) s += names[i] + " ";
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(guest)

// Oberon deletes 150 of 200 added files (System.DeleteFiles, in a scattered order), and so do we
// on another copy: every directory page is the same, byte for byte up to its entry count, and
// no page is left underfull (FileDir keeps 12..24 off the root; check's notes never come from
// Oberon's own deletions).
BOOST_AUTO_TEST_CASE(oberon_deletes_as_we_do_and_leaves_no_page_underfull, *boost::unit_test::precondition(emulatorBuilt)) {
  TempDir dir;
  std::string ours = copyShared(dir, "ours.dsk");
  std::vector<std::string> names;
  {
    auto fs = FileSystem::open(ours, true);
    for (int i = 0; i < 200; ++i) {
      names.push_back("Q");
      names.back() += std::to_string(i);
      names.back() += ".Txt";
      fs.writeFile(names.back(), randomBytes(size_t(i * 13), uint32_t(i)), 0);
    }
    fs.commit();
  }
  std::string oberons = dir.file("oberons.dsk");
  writeBytes(oberons, readBytes(ours));
  std::mt19937 rng(3);
  std::shuffle(names.begin(), names.end(), rng);
  names.resize(150);
  std::string script;
  for (size_t k = 0; k < names.size(); k += 50)
    script += "run \"System.DeleteFiles " + nameList(names, k, k + 50) + "~\" 60\n";
  BOOST_TEST_REQUIRE(runScript(dir, oberons, script) == 0);
  {
    auto fs = FileSystem::open(ours, true);
    for (auto& n : names) fs.deleteFile(n);
    fs.commit();
  }
  auto r = checkFileSystem(DiskImage::open(oberons, false));
  BOOST_TEST(r.problems.empty());
  BOOST_TEST(r.notes.empty());
  BOOST_TEST(r.files == 136 + 50);
  BOOST_TEST(listed(oberons) == listed(ours));
  auto a = readBytes(oberons), b = readBytes(ours);
  auto pa = rawPages(a), pb = rawPages(b);
  BOOST_TEST_REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    BOOST_TEST(pa[i].sector == pb[i].sector);
    size_t o = sectorOffset(pa[i].sector), n = 64 + 40 * size_t(pa[i].m);
    BOOST_TEST(std::equal(a.begin() + long(o), a.begin() + long(o + n), b.begin() + long(o)),
               "directory page at sector " << pa[i].sector);
  }
}

// A directory with underfull pages on every level (as other directory code writes it), changed
// by us: Oberon boots it, finds files on underfull pages and copies them (Search, Insert), and
// System.Directory lists exactly our files (Enumerate). The result still checks clean and boots.
BOOST_AUTO_TEST_CASE(oberon_reads_and_extends_an_underfull_directory_we_changed,
                     *boost::unit_test::precondition(emulatorBuilt)) {
  TempDir dir;
  std::string image = copyShared(dir);
  {
    auto fs = FileSystem::open(image, true);
    for (int i = 0; i < 200; ++i) fs.writeFile(zName(i), randomBytes(size_t(i * 37 % 3000), uint32_t(i)), 0);
    fs.commit();
  }
  auto raw = readBytes(image);
  relayoutDirectory(raw, {1, 3, 5, 7, 11, 2, 9}, {2, 5, 11});
  writeBytes(image, raw);
  BOOST_TEST_REQUIRE(checkFileSystem(DiskImage::open(image, false)).problems.empty());
  {
    auto fs = FileSystem::open(image, true);
    for (int i = 0; i < 200; i += 3) fs.deleteFile(zName(i));
    for (int i = 0; i < 20; ++i) {
      std::string name = zName(i);
      name[0] = 'W';
      fs.writeFile(name, randomBytes(size_t(i * 101), uint32_t(i)), 0);
    }
    fs.commit();
  }
  raw = readBytes(image);
  auto r = checkFileSystem(DiskImage::open(image, false));
  BOOST_TEST_REQUIRE(r.problems.empty(), firstProblem(r));
  BOOST_TEST_REQUIRE(r.notes.size() >= 10u);  // still underfull in many places
  int depth = 0;
  for (auto& pg : rawPages(raw)) depth = std::max(depth, pg.depth);
  BOOST_TEST(depth == 2);
  BOOST_TEST(boot(image, dir.file("boot1.png")) == 0);

  // Three files on underfull leaves (the first of three such leaves), copied by Oberon to
  // Cp.NAME.
  std::vector<std::string> sources;
  for (auto& pg : underfullPages(raw))
    if (pg.p0 == 0 && sources.size() < 3) sources.push_back(pg.e.at(0).str());
  BOOST_TEST_REQUIRE(sources.size() == 3u);
  auto copyName = [](const std::string& n) { return std::string("Cp.").append(n); };
  std::string copy;
  for (auto& n : sources) copy.append(n).append(" => ").append(copyName(n)).append(" ");
  auto before = listed(image);
  auto enumerated = oberonDirectory(dir, image, "run \"System.CopyFiles " + copy + "~\"\n");
  for (auto& n : sources) before.push_back(copyName(n));
  std::sort(before.begin(), before.end());
  BOOST_TEST(enumerated == before);  // our files and Oberon's copies, in Oberon's order

  r = checkFileSystem(DiskImage::open(image, false));
  BOOST_TEST(r.problems.empty(), firstProblem(r));
  auto fs = FileSystem::open(image, false);
  for (auto& n : sources) BOOST_TEST(fs.readFile(copyName(n)) == fs.readFile(n), n);
  BOOST_TEST(boot(image, dir.file("boot2.png")) == 0);
}

// What check's note warns of: on leaves of 6, Oberon's own System.DeleteFiles Blink.Mod makes
// FileDir.underflow merge with stale entries (the directory no longer checks, nor boots), while
// oberon-disk delete of the same file leaves a clean directory that boots.
BOOST_AUTO_TEST_CASE(oberons_own_delete_damages_underfull_pages_ours_does_not,
                     *boost::unit_test::precondition(emulatorBuilt)) {
  TempDir dir;
  std::string ours = copyShared(dir, "ours.dsk");
  auto raw = readBytes(ours);
  relayoutDirectory(raw, {6});
  writeBytes(ours, raw);
  std::string oberons = dir.file("oberons.dsk");
  writeBytes(oberons, raw);
  BOOST_TEST_REQUIRE(runScript(dir, oberons, "run \"System.DeleteFiles Blink.Mod ~\"\n") == 0);
  auto damaged = checkFileSystem(DiskImage::open(oberons, false));
  BOOST_TEST(!damaged.problems.empty());
  {
    auto fs = FileSystem::open(ours, true);
    fs.deleteFile("Blink.Mod");
    fs.commit();
  }
  auto r = checkFileSystem(DiskImage::open(ours, false));
  BOOST_TEST(r.problems.empty());
  BOOST_TEST(r.files == 135);
  BOOST_TEST(boot(ours, dir.file("ours.png")) == 0);
}

BOOST_AUTO_TEST_CASE(oberon_boots_an_image_we_rewrote, *boost::unit_test::precondition(emulatorBuilt)) {
  TempDir dir;
  std::string image = copyShared(dir);
  BOOST_TEST_REQUIRE(boot(image, dir.file("before.png")) == 0);
  {
    auto fs = FileSystem::open(image, true);
    for (int i = 0; i < 700; ++i) fs.writeFile(zName(i), randomBytes(size_t(i), uint32_t(i)), 0);
    for (int i = 0; i < 700; i += 2) fs.deleteFile(zName(i));
    fs.writeFile("Big.Bin", randomBytes(3 << 20, 5), clockNow());
    auto tool = fs.readFile("System.Tool");
    std::string banner = "WRITTEN BY oberon-disk\r";
    tool.insert(tool.begin(), banner.begin(), banner.end());
    fs.writeFile("System.Tool", tool, clockNow());
    BOOST_TEST_REQUIRE(checkFileSystem(fs.image()).problems.empty());
    fs.commit();
  }
  auto raw = readBytes(image);
  uint32_t child = word(raw, 8) / 29;
  BOOST_TEST_REQUIRE(child != 0u);
  BOOST_TEST_REQUIRE(word(raw, sectorOffset(child) + 8) != 0u);  // three levels
  BOOST_TEST(boot(image, dir.file("after.png")) == 0);
  // The System.Tool viewer shows the extra line, so the screen differs.
  BOOST_TEST(readBytes(dir.file("before.png")) != readBytes(dir.file("after.png")));
}

BOOST_AUTO_TEST_SUITE_END()
