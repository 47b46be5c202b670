// The oberon-disk command line: round trips, --text, the flock protocol and bad input (always a
// one-line error and a non-zero exit status, never a crash).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <ctime>

#include "disk_test_support.h"
#include "tests/support/process.h"
#include "underfull_support.h"

using namespace disktest;

namespace {

struct Run {
  int status = -1;  // exit status; -1 if the tool did not exit normally (crash, timeout)
  std::string out, err;
};

// Runs the tool (bounded: 60 s) in `cwd` and collects its exit status and output.
Run tool(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {OBERON_DISK_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  support::Result r = support::run(argv, std::chrono::seconds(60), {.cwd = dir.str()});
  Run out;
  if (!r.timedOut && !r.signaled) out.status = r.status;
  out.out = r.out;
  out.err = r.err;
  return out;
}

bool oneLine(const std::string& s) { return !s.empty() && s.back() == '\n' && s.find('\n') == s.size() - 1; }

// A failure: non-zero exit, nothing on stdout, exactly one line on stderr containing `text`.
void expectFailure(const Run& r, const std::string& text) {
  BOOST_TEST(r.status > 0);
  BOOST_TEST(oneLine(r.err), "stderr: " << r.err);
  BOOST_TEST(r.err.find(text) != std::string::npos, "stderr: " << r.err);
}

std::vector<uint8_t> bytesOf(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(list_and_extract_text) {
  TempDir dir;
  std::string image = copyShared(dir);
  Run list = tool(dir, {"list", image});
  BOOST_TEST(list.status == 0);
  BOOST_TEST(list.out.find("\nSystem.Mod ") != std::string::npos);
  BOOST_TEST(list.out.find("\nORP.Mod ") != std::string::npos);
  BOOST_TEST(list.out.find("Blink.Mod") < list.out.find("ORP.Mod"));  // directory order

  BOOST_TEST(tool(dir, {"extract", image, "System.Mod", "--text"}).status == 0);  // host file = NAME
  auto text = readBytes(dir.file("System.Mod"));
  BOOST_TEST(std::string(text.begin(), text.begin() + 13) == "MODULE System");
  BOOST_TEST(std::count(text.begin(), text.end(), '\r') == 0);
  BOOST_TEST(std::count(text.begin(), text.end(), '\n') > 100);
  BOOST_TEST(tool(dir, {"extract", image, "System.Mod", "raw.Mod"}).status == 0);
  auto raw = readBytes(dir.file("raw.Mod"));
  BOOST_TEST(raw.size() == text.size());
  BOOST_TEST(std::count(raw.begin(), raw.end(), '\n') == 0);  // Oberon texts end lines with CR
}

BOOST_AUTO_TEST_CASE(add_text_converts_line_ends) {
  TempDir dir;
  std::string image = copyShared(dir);
  writeBytes(dir.file("Hello.Mod"), bytesOf("MODULE Hello;\nEND Hello.\r\n"));
  BOOST_TEST(tool(dir, {"add", image, dir.file("Hello.Mod"), "--text"}).status == 0);  // NAME = basename
  BOOST_TEST(tool(dir, {"extract", image, "Hello.Mod", "raw"}).status == 0);
  BOOST_TEST(readBytes(dir.file("raw")) == bytesOf("MODULE Hello;\rEND Hello.\r"));
  BOOST_TEST(tool(dir, {"extract", image, "Hello.Mod", "back", "--text"}).status == 0);
  BOOST_TEST(readBytes(dir.file("back")) == bytesOf("MODULE Hello;\nEND Hello.\n"));
  BOOST_TEST(tool(dir, {"check", image}).status == 0);
}

BOOST_AUTO_TEST_CASE(round_trip_on_mkfs_image) {
  TempDir dir;
  std::string image = dir.file("new.dsk");
  BOOST_TEST(tool(dir, {"mkfs", image, "--size", "2"}).status == 0);
  BOOST_TEST(fs::file_size(image) == 2u << 20);
  Run empty = tool(dir, {"list", image});
  BOOST_TEST(empty.status == 0);
  BOOST_TEST(empty.out.empty());
  for (size_t n : {size_t(0), size_t(1), size_t(351), size_t(352), size_t(1023), size_t(1024),
                   size_t(65 * 1024), size_t(3 << 20)}) {
    BOOST_TEST_CONTEXT("size " << n) {
      std::string name = "S" + std::to_string(n) + ".Bin";
      writeBytes(dir.file("in"), randomBytes(n, uint32_t(n)));
      BOOST_TEST(tool(dir, {"add", image, dir.file("in"), name}).status == 0);
      BOOST_TEST(tool(dir, {"extract", image, name, dir.file("out")}).status == 0);
      BOOST_TEST(readBytes(dir.file("out")) == randomBytes(n, uint32_t(n)));
    }
  }
  Run list = tool(dir, {"list", image});
  // New files carry the host's local time, year first.
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::string year = std::to_string(local.tm_year + 1900);
  BOOST_TEST(list.out.find("S3145728.Bin                      3145728  " + year + "-") != std::string::npos, list.out);
  BOOST_TEST(tool(dir, {"check", image}).status == 0);
  BOOST_TEST(fs::file_size(image) > 3u << 20);  // grew to hold the 3 MiB file
  BOOST_TEST(tool(dir, {"delete", image, "S3145728.Bin"}).status == 0);
  BOOST_TEST(tool(dir, {"list", image}).out.find("S3145728.Bin") == std::string::npos);
  expectFailure(tool(dir, {"mkfs", image}), "exists");
  BOOST_TEST(tool(dir, {"mkfs", image, "--force", "--size", "1"}).status == 0);
  BOOST_TEST(tool(dir, {"list", image}).out.empty());
}

BOOST_AUTO_TEST_CASE(lock_is_honoured) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto before = readBytes(image);
  writeBytes(dir.file("f"), bytesOf("data"));
  int fd = ::open(image.c_str(), O_RDONLY | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);

  BOOST_REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);  // a running emulator
  for (auto args : std::vector<std::vector<std::string>>{
           {"add", image, dir.file("f"), "F.Txt"}, {"delete", image, "System.Mod"}, {"list", image},
           {"extract", image, "System.Mod", dir.file("x")}, {"check", image}})
    expectFailure(tool(dir, args), "image is in use by a running emulator or oberon-disk");
  BOOST_TEST(readBytes(image) == before);

  BOOST_REQUIRE(::flock(fd, LOCK_SH | LOCK_NB) == 0);  // an emulator in snapshot mode
  BOOST_TEST(tool(dir, {"list", image}).status == 0);
  BOOST_TEST(tool(dir, {"check", image}).status == 0);
  expectFailure(tool(dir, {"add", image, dir.file("f"), "F.Txt"}), "image is in use by a running emulator or oberon-disk");
  expectFailure(tool(dir, {"mkfs", image, "--force"}), "image is in use by a running emulator or oberon-disk");
  BOOST_TEST(readBytes(image) == before);

  ::close(fd);
  BOOST_TEST(tool(dir, {"add", image, dir.file("f"), "F.Txt"}).status == 0);
}

BOOST_AUTO_TEST_CASE(check_reports_and_exits_1) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto bytes = readBytes(image);
  uint32_t page = word(bytes, 8) / 29;
  putWord(bytes, sectorOffset(page), 0);
  writeBytes(image, bytes);
  Run r = tool(dir, {"check", image});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.out.find("directory page at sector " + std::to_string(page) + ": bad mark 00000000H") != std::string::npos, r.out);
  expectFailure(tool(dir, {"add", image, image, "X"}), "consistency problem");
  BOOST_TEST(readBytes(image) == bytes);
}

// Underfull directory pages (written by other directory code) are notes: printed after the
// problems as "note: ...", counted in the summary, exit status 0; add and delete work.
BOOST_AUTO_TEST_CASE(check_notes_underfull_pages_and_exits_0) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto bytes = readBytes(image);
  relayoutDirectory(bytes, {6});  // 20 leaves of 6 (the last one 3) under the root
  writeBytes(image, bytes);
  auto under = underfullPages(bytes);
  BOOST_TEST_REQUIRE(under.size() == 20u);
  Run r = tool(dir, {"check", image});
  BOOST_TEST(r.status == 0, r.out);
  BOOST_TEST(r.err.empty(), r.err);
  std::string first = "note: directory page at sector " + std::to_string(under.front().sector) + ": 6 entries, fewer than 12:";
  BOOST_TEST(r.out.find(first) == 0, r.out);
  BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 21);  // 20 notes and the summary
  BOOST_TEST(r.out.find(": clean, 20 note(s)\n") != std::string::npos, r.out);

  writeBytes(dir.file("f"), bytesOf("data"));
  // The first leaf gets 7 entries; deleting one leaves 6, and it merges with its neighbour (6)
  // into one page of 13, which then loses one more: 12, no longer underfull. 18 notes remain.
  BOOST_TEST(tool(dir, {"add", image, dir.file("f"), "Blink.Txt"}).status == 0);
  BOOST_TEST(tool(dir, {"delete", image, "Blink.Mod"}).status == 0);
  BOOST_TEST(tool(dir, {"delete", image, "Blink.rsc"}).status == 0);
  r = tool(dir, {"check", image});
  BOOST_TEST(r.status == 0, r.out);
  BOOST_TEST(r.out.find(": clean, 18 note(s)\n") != std::string::npos, r.out);
  BOOST_TEST(tool(dir, {"extract", image, "Blink.Txt", dir.file("back")}).status == 0);
  BOOST_TEST(readBytes(dir.file("back")) == bytesOf("data"));
  BOOST_TEST(tool(dir, {"list", image}).out.find("Blink.Mod") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_input) {
  TempDir dir;
  std::string image = copyShared(dir);
  auto before = readBytes(image);
  writeBytes(dir.file("empty.dsk"), {});
  writeBytes(dir.file("short.dsk"), {0x8D, 0xA3, 0x1E});
  writeBytes(dir.file("junk.dsk"), randomBytes(4096, 9));
  writeBytes(dir.file("huge"), std::vector<uint8_t>(3210913));
  writeBytes(dir.file("max"), std::vector<uint8_t>(3210912, 'x'));

  expectFailure(tool(dir, {"list", dir.file("missing.dsk")}), "cannot open");
  expectFailure(tool(dir, {"list", dir.file("empty.dsk")}), "image is empty");
  expectFailure(tool(dir, {"check", dir.file("short.dsk")}), "truncated");
  expectFailure(tool(dir, {"list", dir.file("junk.dsk")}), "not an Oberon image");
  expectFailure(tool(dir, {"list", dir.file("")}), "");  // a directory
  BOOST_REQUIRE(::mkfifo(dir.file("fifo.dsk").c_str(), 0600) == 0);  // refused before open() could block
  expectFailure(tool(dir, {"list", dir.file("fifo.dsk")}), "not a regular file");
  expectFailure(tool(dir, {"check", dir.file("fifo.dsk")}), "not a regular file");
  expectFailure(tool(dir, {"add", image, dir.file("huge"), "Huge.Bin"}), "file too large");
  BOOST_TEST(tool(dir, {"add", image, dir.file("max"), "Max.Bin"}).status == 0);
  before = readBytes(image);
  expectFailure(tool(dir, {"add", image, dir.file("max"), "1st.Bin"}), "must begin with a letter");
  expectFailure(tool(dir, {"add", image, dir.file("max"), "a_b"}), "letters, digits and dots");
  expectFailure(tool(dir, {"add", image, dir.file("max"), std::string(32, 'a')}), "longer than 31");
  expectFailure(tool(dir, {"add", image, dir.file("nothere"), "X"}), "cannot open");
  expectFailure(tool(dir, {"extract", image, "NoSuch.Mod", dir.file("x")}), "no file NoSuch.Mod");
  expectFailure(tool(dir, {"delete", image, "NoSuch.Mod"}), "no file NoSuch.Mod");
  expectFailure(tool(dir, {"extract", image, "System.Mod", dir.file("nodir/x")}), "cannot create");
  BOOST_TEST(readBytes(image) == before);

  // Usage errors: exit status 64 (EX_USAGE), one line on stderr; the image is not touched.
  for (auto args : std::vector<std::vector<std::string>>{
           {"frobnicate", image}, {"list"}, {"list", image, "extra"}, {"mkfs", dir.file("n.dsk"), "--size", "0"},
           {"mkfs", dir.file("n.dsk"), "--size", "65"}, {"add", image, dir.file("max"), "--bogus"},
           {"delete", image, "Max.Bin", "--force"}, {}}) {
    Run usage = tool(dir, args);
    BOOST_TEST(usage.status == 64);
    expectFailure(usage, "(see --help)");
    BOOST_TEST(usage.out.empty());
  }
  BOOST_TEST(!fs::exists(dir.file("n.dsk")));
  BOOST_TEST(readBytes(image) == before);
}

BOOST_AUTO_TEST_CASE(ls_is_list) {
  TempDir dir;
  std::string image = copyShared(dir);
  Run list = tool(dir, {"list", image}), ls = tool(dir, {"ls", image});
  BOOST_TEST(ls.status == 0);
  BOOST_TEST(ls.out == list.out);
  BOOST_TEST(ls.out.find("\nSystem.Mod ") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
