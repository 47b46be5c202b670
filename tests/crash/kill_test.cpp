// SIGKILL at random moments while Oberon writes files: a NetGet download from a real HTTP server
// (Python's http.server), ORP.Compile, System.CopyFiles and DeleteFiles, all at once, 20 times on
// one image. After every kill `oberon-disk check` must find the file system consistent (notes
// about underfull directory pages are what Oberon's own FileDir leaves and reads), and at the end
// the image boots and Oberon lists and reads its files.
//
// Why it holds: the SD card writes each 512-byte block with pwrite at once (nothing is held in
// the emulator), and a signal cannot cut a write system call in half, so what a killed emulator
// leaves is exactly the blocks the guest had written. Oberon's Files writes a file's sectors
// before Register puts it in the directory, and the sector map is rebuilt from the directory at
// every boot, so a file cut short is simply not there (or the old one still is).
#define BOOST_TEST_MODULE crash
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>

#include "tests/guest/guest.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(kill_9_while_oberon_writes_leaves_a_consistent_image) {
  const std::string build = guest::env("OBERON_BUILD_DIR");
  const std::string emu = build + "/emulator/oberon-emu", disk = build + "/tools/oberon-disk/oberon-disk";
  const fs::path dir = guest::workDir();
  const fs::path image = dir / "crash.dsk";
  fs::copy_file(guest::preparedImage(), image, fs::copy_options::overwrite_existing);

  // The file NetGet downloads, from a real HTTP server nobody here wrote.
  fs::create_directories(dir / "www");
  guest::writeFile((dir / "www/big.bin").string(), guest::randomBytes(1500000, 99));
  const int port = guest::freePort();
  guest::Process http({"python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1", "--directory",
                       (dir / "www").string()},
                      "", "/dev/null", "/dev/null");
  guest::Socket::connect(port, guest::Clock::now() + 10s);  // it serves once this connects

  std::string script = "wait-idle 20\n";
  for (int round = 0; round < 4; ++round) {
    script += "run \"NetGet.Fetch http://127.0.0.1:" + std::to_string(port) + "/big.bin Big" +
              std::to_string(round) + ".Bin ~\"\n";
    script += "run \"System.CopyFiles System.Tool => Copy.Tool  TCPNet.Mod => Copy2.Mod ~\"\n";
    script += "run \"ORP.Compile NetProbe.Mod ~\"\n";
    script += "run \"System.CopyFiles Big0.Bin => Copy.Bin ~\"\n";
    script += "run \"System.DeleteFiles Copy.Tool Copy.Bin ~\"\n";
  }
  script += "wait 30\n";
  guest::writeFile((dir / "work.txt").string(), script);

  std::mt19937 rng(20261202);
  for (int kill = 0; kill < 20; ++kill) {
    guest::Process run({emu, "--script", (dir / "work.txt").string(), "--timeout", "60", image.string()}, "",
                       "/dev/null", (dir / "emu.err").string());
    auto after = std::chrono::milliseconds(200 + rng() % 2800);
    BOOST_TEST_REQUIRE(run.wait(after) == -1, "the emulator ended before the kill: " << guest::readFile(
                                                  (dir / "emu.err").string()));
    ::kill(run.pid(), SIGKILL);
    run.wait(10s);
    auto check = guest::run({disk, "check", image.string()}, 30s);
    BOOST_TEST_REQUIRE(check.status == 0, "kill " << kill + 1 << " after " << after.count() << " ms:\n" << check.out);
  }

  // The image boots, and Oberon reads what it wrote: a file list and a copy of a downloaded file.
  guest::writeFile((dir / "after.txt").string(),
                   "wait-idle 20\nrun \"System.Directory *.Bin\"\nrun \"System.CopyFiles System.Tool => Last.Tool ~\"\n");
  auto boot = guest::run({emu, "--script", (dir / "after.txt").string(), "--timeout", "60", image.string()}, 90s);
  BOOST_TEST(boot.status == 0);
  auto check = guest::run({disk, "check", image.string()}, 30s);
  BOOST_TEST(check.status == 0, check.out);
  auto list = guest::run({disk, "list", image.string()}, 30s);
  BOOST_TEST(list.out.find("Last.Tool") != std::string::npos, list.out);
  // The work did happen between the kills: copies and at least one whole download are there.
  BOOST_TEST(list.out.find("Copy2.Mod") != std::string::npos, list.out);
  bool downloaded = false;
  std::istringstream lines(list.out);
  for (std::string line; std::getline(lines, line);)
    downloaded = downloaded || (line.rfind("Big", 0) == 0 && line.find(" 1500000 ") != std::string::npos);
  BOOST_TEST(downloaded, list.out);
}
