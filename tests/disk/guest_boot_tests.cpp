// Oberon itself reads what we write: boot the emulator (snapshot mode, headless) on an image with
// a three-level directory, many deletions, a file with all 12 extension tables and a rewritten
// System.Tool. FileDir.Init asserts every page and header mark and reads every extension table;
// a failed assertion leaves the guest spinning, which the emulator reports as a timeout.
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>

#include "disk_test_support.h"
#include "tools/oberon-disk/disk_image.h"
#include "tools/oberon-disk/file_system.h"
#include "tools/oberon-disk/fs_check.h"

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

int boot(const std::string& image, const std::string& png) {
  std::string cmd = "timeout 60 '";
  cmd += kEmulator;
  cmd += "' --headless --snapshot --quiet --until-idle --timeout 20 --screenshot '" + png + "' '" + image + "'";
  int rc = std::system(cmd.c_str());
  return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(guest)

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
