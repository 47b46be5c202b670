// PCLink1, the stock image's file transfer over RS232, driven from the host through the serial
// FIFOs of a running emulator. The host side is written here from PCLink1.Mod's protocol (read on
// the image): REQ 20H is answered with ACK 10H; REC 21H name 0X sends a file into Oberon in
// blocks of a length byte and at most 255 bytes, each acknowledged, the last one shorter than
// 255, then one more ACK once the file is registered; SND 22H name 0X asks for a file, answered
// with ACK and blocks (the host acknowledges each) or NAK 11H if there is no such file.
// Every byte waits for the one before it: this only works if each byte the guest writes leaves
// the emulator at once.
#define BOOST_TEST_MODULE serial
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "tests/support/files.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint8_t REQ = 0x20, REC = 0x21, SND = 0x22, ACK = 0x10, NAK = 0x11;

using support::need;

// The host end of the line: writes to the emulator's --serial-in FIFO, reads its --serial-out.
class Line {
 public:
  Line(const std::string& toGuest, const std::string& fromGuest) {
    // The emulator opens both FIFOs read-write, so these opens do not wait for it.
    out_ = ::open(toGuest.c_str(), O_WRONLY | O_CLOEXEC);
    in_ = ::open(fromGuest.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (out_ < 0 || in_ < 0) throw std::runtime_error("cannot open the serial FIFOs");
  }
  ~Line() {
    ::close(out_);
    ::close(in_);
  }
  void send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(out_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) throw std::runtime_error("serial write failed");
      done += static_cast<size_t>(n);
    }
  }
  void send(uint8_t b) { send(std::string(1, static_cast<char>(b))); }
  // One byte from the guest, within `limit`; -1 if none came.
  int receive(std::chrono::milliseconds limit = 10s) {
    auto end = Clock::now() + limit;
    for (;;) {
      uint8_t b;
      ssize_t n = ::read(in_, &b, 1);
      if (n == 1) return b;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
      if (left <= 0) return -1;
      pollfd p{in_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left));
    }
  }
 private:
  int out_ = -1, in_ = -1;
};

std::string name0(const std::string& name) { return name + std::string(1, '\0'); }

// REC: the host sends `data` into Oberon as file `name`.
void put(Line& line, const std::string& name, const std::string& data) {
  line.send(REC);
  line.send(name0(name));
  BOOST_REQUIRE_EQUAL(line.receive(), ACK);
  size_t at = 0;
  for (;;) {
    size_t len = std::min<size_t>(255, data.size() - at);
    line.send(static_cast<uint8_t>(len));
    line.send(data.substr(at, len));
    at += len;
    BOOST_REQUIRE_EQUAL(line.receive(), ACK);  // the block
    if (len < 255) break;
  }
  BOOST_REQUIRE_EQUAL(line.receive(), ACK);  // registered
}

// SND: the host asks Oberon for file `name`; nullopt-like empty + false if Oberon says NAK.
bool get(Line& line, const std::string& name, std::string& data) {
  line.send(SND);
  line.send(name0(name));
  int answer = line.receive();
  BOOST_REQUIRE(answer == ACK || answer == NAK);
  if (answer == NAK) return false;
  data.clear();
  for (;;) {
    int len = line.receive();
    BOOST_REQUIRE(len >= 0);
    for (int i = 0; i < len; ++i) {
      int b = line.receive();
      BOOST_REQUIRE_MESSAGE(b >= 0, "block cut short after " << data.size() << " bytes");
      data += static_cast<char>(b);
    }
    line.send(ACK);
    if (len < 255) return true;
  }
}

struct Rig {
  support::TempDir scratch{"oberon-serial"};
  fs::path dir = scratch.path();
  std::unique_ptr<support::Child> emu;
  std::unique_ptr<Line> line;
  Rig() {
    fs::copy_file(support::image(), dir / "a.dsk");
    ::mkfifo((dir / "to-guest").c_str(), 0600);
    ::mkfifo((dir / "from-guest").c_str(), 0600);
    emu = std::make_unique<support::Child>(std::vector<std::string>{
        support::emulator(), "--headless", "--no-tcpnet", "--serial-in",
        (dir / "to-guest").string(), "--serial-out", (dir / "from-guest").string(), "--run", "PCLink1.Run",
        "--timeout", "150", (dir / "a.dsk").string()});
    line = std::make_unique<Line>((dir / "to-guest").string(), (dir / "from-guest").string());
  }
  ~Rig() {
    line.reset();
    emu.reset();
  }
  // PCLink1 answers REQ once Oberon has booted and run PCLink1.Run.
  void waitForLink() {
    auto end = Clock::now() + 30s;
    while (Clock::now() < end) {
      line->send(REQ);
      if (line->receive(500ms) == ACK) {
        // REQs sent while Oberon was still booting wait in the line and are answered now too.
        while (line->receive(500ms) == ACK) {
        }
        return;
      }
    }
    BOOST_FAIL("PCLink1 did not answer REQ within 30 s");
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(pclink_round_trip_is_byte_exact) {
  Rig rig;
  rig.waitForLink();
  Line& line = *rig.line;
  // Every byte value, lengths around the block size.
  for (size_t n : {size_t(0), size_t(1), size_t(254), size_t(255), size_t(256), size_t(4000)}) {
    const std::string name = "Host" + std::to_string(n) + ".Bin";
    std::string data = support::randomBytes(n, static_cast<unsigned>(n + 7));
    auto start = Clock::now();
    put(line, name, data);
    std::string back;
    BOOST_REQUIRE(get(line, name, back));
    BOOST_TEST(back == data, name << ": " << back.size() << " bytes back of " << data.size());
    BOOST_TEST_MESSAGE(name << ": in and back in "
                            << std::chrono::duration<double>(Clock::now() - start).count() << " s");
  }
  // A file of the image itself, byte for byte what the disk tool extracts.
  std::string tool;
  BOOST_REQUIRE(get(line, "System.Tool", tool));
  fs::path extracted = rig.dir / "System.Tool";
  auto r = support::run({support::diskTool(), "extract",
                       need("OBERON_IMAGE"), "System.Tool", extracted.string()},
                      30s);
  BOOST_REQUIRE_EQUAL(r.status, 0);
  BOOST_TEST(tool == support::readFile(extracted.string()));
  // No such file: NAK, and the link goes on working.
  std::string none;
  BOOST_TEST(!get(line, "NoSuch.File", none));
  line.send(REQ);
  BOOST_TEST(line.receive() == ACK);
}
