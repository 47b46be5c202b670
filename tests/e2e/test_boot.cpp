// End-to-end: the oberon-emu binary boots the real Project Oberon image headless, boots small
// programs over the serial line, and refuses bad input with one-line errors and exit codes.
#define BOOST_TEST_MODULE e2e_boot
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/png_read.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using support::buildDir;
using support::emulator;
using support::image;
using support::readFile;

namespace {

// The desktop of the stock image: System.Log at the top of the right track (x >= 640) and
// System.Tool below it at y = 256; each viewer's title bar is inverted (white) and the left
// track is empty (black).
void checkDesktop(const support::Picture& pic, int width, int height) {
  BOOST_TEST(pic.bitDepth == 1);  // the emulator's screenshots are 1-bit grey
  BOOST_TEST(pic.width == width);
  BOOST_TEST(pic.height == height);
  const int track = width * 5 / 8;  // Oberon's default user track: 5/8 of the width
  // Empty left track (the mouse arrow sits in the bottom-left corner).
  BOOST_TEST(pic.whiteShare(0, 0, track - 4, height - 20) == 0.0);
  BOOST_TEST(pic.whiteShare(track + 4, 2, width - 4, 10) > 0.5);       // System.Log title bar
  BOOST_TEST(pic.whiteShare(track + 20, 40, width - 20, 200) < 0.05);  // the almost empty log
  // Somewhere below the log a second title bar (System.Tool) spans the track.
  int bars = 0;
  for (int y = 12; y < height; ++y)
    if (pic.whiteShare(track + 4, y, width - 4, y + 1) > 0.6) ++bars;
  BOOST_TEST(bars >= 3);
}

}  // namespace

BOOST_AUTO_TEST_CASE(boots_the_stock_image_until_idle) {
  support::TempDir tmp("e2e");
  fs::path copy = tmp.path() / "oberon.dsk";
  fs::copy_file(image(), copy);
  std::string before = readFile(copy);
  fs::path shot = tmp.path() / "desktop.png";
  auto r = support::run({emulator(), "--snapshot", "--until-idle", "--timeout", "20", "--screenshot",
                     shot.string(), "--leds", copy.string()},
                    60s);
  BOOST_TEST_MESSAGE("boot to idle took " << r.seconds << " s");
  BOOST_REQUIRE_MESSAGE(r.status == 0, "exit status " << r.status << ": " << r.err);
  BOOST_TEST(r.seconds < 10.0);
  // The ROM's LEDs: 80H cold start, 82H disk boot, 84H handing over to Oberon.
  BOOST_TEST(r.err.find("(80H)") != std::string::npos);
  BOOST_TEST(r.err.find("(82H)") != std::string::npos);
  BOOST_TEST(r.err.find("(84H)") != std::string::npos);
  checkDesktop(support::loadPng(shot), 1024, 768);
  BOOST_TEST((readFile(copy) == before), "--snapshot must leave the image byte-identical");
}

BOOST_AUTO_TEST_CASE(boots_at_another_size_with_more_memory) {
  support::TempDir tmp("e2e");
  fs::path shot = tmp.path() / "big.png";
  auto r = support::run({emulator(), "--snapshot", "--until-idle", "--timeout", "20", "--mem", "4", "--size",
                     "1280x1024", "--screenshot", shot.string(), image()},
                    60s);
  BOOST_REQUIRE_MESSAGE(r.status == 0, "exit status " << r.status << ": " << r.err);
  checkDesktop(support::loadPng(shot), 1280, 1024);
}

BOOST_AUTO_TEST_CASE(boots_a_program_over_the_serial_line) {
  auto r = support::run({emulator(), "--boot-from-serial", "--serial-in", buildDir() + "/firmware/test/hello.serial",
                     "--serial-out", "-", "--until-idle", "--timeout", "10", "--leds"},
                    30s);
  BOOST_REQUIRE_MESSAGE(r.status == 0, "exit status " << r.status << ": " << r.err);
  BOOST_TEST(r.out == "Hello from RISC5\n");
  BOOST_TEST(r.err.find("(81H)") != std::string::npos);  // serial boot
  BOOST_TEST(r.err.find("(55H)") != std::string::npos);  // the program's own LEDs
}

BOOST_AUTO_TEST_CASE(a_jump_outside_memory_stops_with_a_reason) {
  auto r = support::run({emulator(), "--boot-from-serial", "--serial-in", buildDir() + "/tests/e2e/fault.serial",
                     "--timeout", "10"},
                    30s);
  BOOST_TEST(r.status == 3);
  BOOST_TEST(r.err.find("outside memory") != std::string::npos);
  BOOST_TEST(r.err.find("10000000H") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_trap_loop_is_detected) {
  auto r = support::run({emulator(), "--boot-from-serial", "--serial-in", buildDir() + "/tests/e2e/traploop.serial",
                     "--timeout", "20"},
                    40s);
  BOOST_TEST(r.status == 4);
  BOOST_TEST(r.err.find("trap loop") != std::string::npos);
}

// tests/e2e/interrupts.s with the real millisecond timer: flags restored by RTI across 200
// interrupts, no nesting when the handler enables interrupts, CLI in the handler outlives RTI,
// STI lets ticks in again. The program prints R0 if every check held.
BOOST_AUTO_TEST_CASE(interrupts_with_the_real_timer) {
  auto r = support::run({emulator(), "--boot-from-serial", "--serial-in", buildDir() + "/tests/e2e/interrupts.serial",
                     "--serial-out", "-", "--until-idle", "--timeout", "20"},
                    40s);
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(r.out == "R0\n");
}

BOOST_AUTO_TEST_CASE(until_idle_gives_up_at_the_timeout) {
  auto r = support::run({emulator(), "--boot-from-serial", "--serial-in", buildDir() + "/tests/e2e/spin.serial",
                     "--until-idle", "--timeout", "1"},
                    30s);
  BOOST_TEST(r.status == 2);
  BOOST_TEST(r.err.find("timeout") != std::string::npos);
  BOOST_TEST(r.seconds < 5.0);
}

BOOST_AUTO_TEST_CASE(bad_images_and_options_give_one_line_errors) {
  support::TempDir tmp("e2e");
  auto oneLine = [](const support::Result& r) {
    return r.status == 1 && !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
  };
  auto missing = support::run({emulator(), "--headless", (tmp.path() / "none.dsk").string()}, 10s);
  BOOST_TEST(oneLine(missing), missing.err);
  BOOST_TEST(missing.err.find("cannot open") != std::string::npos);

  fs::path empty = tmp.path() / "empty.dsk";
  std::ofstream(empty).close();
  auto e = support::run({emulator(), "--headless", empty.string()}, 10s);
  BOOST_TEST(oneLine(e), e.err);
  BOOST_TEST(e.err.find("empty") != std::string::npos);

  fs::path junk = tmp.path() / "junk.dsk";
  std::ofstream(junk) << std::string(100000, 'x');
  auto j = support::run({emulator(), "--headless", junk.string()}, 10s);
  BOOST_TEST(oneLine(j), j.err);
  BOOST_TEST(j.err.find("not an Oberon image") != std::string::npos);

  fs::path truncated = tmp.path() / "truncated.dsk";
  {
    std::string head = readFile(image()).substr(0, 1024);  // the root directory sector only
    std::ofstream(truncated, std::ios::binary) << head;
  }
  auto t = support::run({emulator(), "--headless", truncated.string()}, 10s);
  BOOST_TEST(oneLine(t), t.err);
  BOOST_TEST(t.err.find("truncated") != std::string::npos);

  // Cut where the file system still goes on: refused before the CPU runs (it used to boot to a
  // black screen until the timeout), naming the problem and the disk tool.
  fs::path cut = tmp.path() / "cut.dsk";
  std::ofstream(cut, std::ios::binary) << readFile(image()).substr(0, 500000);
  auto c = support::run({emulator(), "--headless", "--until-idle", "--timeout", "20", cut.string()}, 30s);
  BOOST_TEST(oneLine(c), c.err);
  BOOST_TEST(c.err.find("cannot boot (truncated or damaged)") != std::string::npos, c.err);
  BOOST_TEST(c.err.find("outside the image") != std::string::npos, c.err);
  BOOST_TEST(c.err.find("'oberon-disk check " + cut.string() + "'") != std::string::npos, c.err);
  BOOST_TEST(c.seconds < 5.0);

  // Usage errors: one line too, with the status every tool gives them (64).
  auto usage = [](const support::Result& r) {
    return r.status == 64 && !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
  };
  // A directory that loops (the root's first child pointer back to the root): FileDir.Init
  // would walk it for ever at boot. Refused before the CPU runs.
  fs::path loop = tmp.path() / "loop.dsk";
  {
    std::string bytes = readFile(image());
    const uint32_t rootAdr = 29;  // sector 1 * 29, at image byte 0; p0 is the page's third word
    for (int i = 0; i < 4; ++i) bytes[8 + i] = static_cast<char>(rootAdr >> (8 * i));
    std::ofstream(loop, std::ios::binary) << bytes;
  }
  auto l = support::run({emulator(), "--headless", "--until-idle", "--timeout", "20", loop.string()}, 30s);
  BOOST_TEST(oneLine(l), l.err);
  BOOST_TEST(l.err.find("used twice") != std::string::npos, l.err);

  auto size = support::run({emulator(), "--size", "1000x700", image()}, 10s);
  BOOST_TEST(usage(size), size.status << " " << size.err);
  auto flag = support::run({emulator(), "--no-such-flag", image()}, 10s);
  BOOST_TEST(usage(flag), flag.status << " " << flag.err);
  auto mem = support::run({emulator(), "--mem", "999", image()}, 10s);
  BOOST_TEST(usage(mem), mem.status << " " << mem.err);
}

BOOST_AUTO_TEST_CASE(a_running_emulator_locks_its_image) {
  support::TempDir tmp("e2e");
  fs::path copy = tmp.path() / "locked.dsk";
  fs::copy_file(image(), copy);
  // The first emulator holds the image (not in snapshot mode) while the second tries it.
  std::vector<std::string> first = {emulator(), "--headless", "--timeout", "3", copy.string()};
  support::Child holder(first);
  // Wait (bounded) until the first emulator holds the lock: our own probe then fails.
  bool locked = false;
  for (int i = 0; i < 200 && !locked; ++i) {
    int fd = ::open(copy.c_str(), O_RDONLY);
    locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
    ::close(fd);
    if (!locked) ::usleep(10000);  // polling a lock: there is no event to wait for
  }
  BOOST_TEST(locked);
  auto second = support::run({emulator(), "--headless", "--until-idle", copy.string()}, 10s);
  BOOST_TEST(second.status == 1);
  BOOST_TEST(second.err.find("in use") != std::string::npos);
  holder.signal(SIGTERM);
  BOOST_TEST(holder.wait(30s) == 0, "SIGTERM ends the emulator cleanly");
  BOOST_TEST(!holder.signaled());
}
