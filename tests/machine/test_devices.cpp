// Standard I/O registers as the Oberon modules read them (Input.Mod, RS232.Mod, Clipboard.Mod).
#define BOOST_TEST_MODULE devices
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "emulator/machine/machine.h"

using namespace risc5;

namespace {
constexpr uint32_t io(int32_t negative) { return static_cast<uint32_t>(negative); }
struct Fixture {
  std::vector<uint32_t> rom = std::vector<uint32_t>(512, 0);
  Machine m{MachineConfig{}, rom};
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(keyboard_fifo_and_ready_bit, Fixture) {
  BOOST_TEST((m.bus().read(io(-40)) & (1u << 28)) == 0u);
  const uint8_t codes[] = {0x1C, 0xF0, 0x1C};  // 'a' make and break
  BOOST_TEST(m.keyboard().push(codes));
  BOOST_TEST((m.bus().read(io(-40)) & (1u << 28)) != 0u);
  BOOST_TEST(m.bus().read(io(-36)) == 0x1Cu);
  BOOST_TEST(m.bus().read(io(-36)) == 0xF0u);
  BOOST_TEST(m.bus().read(io(-36)) == 0x1Cu);
  BOOST_TEST((m.bus().read(io(-40)) & (1u << 28)) == 0u);
}

BOOST_FIXTURE_TEST_CASE(keyboard_refuses_what_does_not_fit, Fixture) {
  std::vector<uint8_t> many(Keyboard::kCapacity + 1, 0x1C);
  BOOST_TEST(!m.keyboard().push(many));
  BOOST_TEST(!m.keyboard().available());
}

BOOST_FIXTURE_TEST_CASE(mouse_register_layout, Fixture) {
  m.mouse().moveTo(100, 700);
  m.mouse().setButton(Mouse::left, true);
  m.mouse().setButton(Mouse::right, true);
  uint32_t w = m.bus().read(io(-40));
  BOOST_TEST((w & 0xFFF) == 100u);               // x: bits 0-11
  BOOST_TEST(((w >> 12) & 0xFFF) == 700u);       // y: bits 12-23
  BOOST_TEST(((w >> 24) & 7) == 0b101u);         // 26 left, 24 right
  m.mouse().moveTo(-5, 9999);
  w = m.bus().read(io(-40));
  BOOST_TEST((w & 0xFFF) == 0u);
  BOOST_TEST(((w >> 12) & 0xFFF) == 4095u);
}

BOOST_FIXTURE_TEST_CASE(switches_buttons_and_leds, Fixture) {
  m.board().switches = 0x81;
  m.board().buttons = 0x3;
  BOOST_TEST(m.bus().read(io(-60)) == 0x381u);
  std::vector<uint8_t> seen;
  m.board().onLeds = [&](uint8_t v) { seen.push_back(v); };
  m.bus().write(io(-60), 0x84);
  m.bus().write(io(-60), 0x84);  // unchanged: no report
  m.bus().write(io(-60), 0x1FF);  // only 8 LEDs
  BOOST_TEST(seen == (std::vector<uint8_t>{0x84, 0xFF}));
}

BOOST_FIXTURE_TEST_CASE(serial_receive_and_transmit, Fixture) {
  BOOST_TEST((m.bus().read(io(-52)) & 1) == 0u);  // nothing received
  BOOST_TEST((m.bus().read(io(-52)) & 2) == 2u);  // transmitter ready
  m.serial().feed("ok");
  BOOST_TEST((m.bus().read(io(-52)) & 1) == 1u);
  BOOST_TEST(m.bus().read(io(-56)) == uint32_t{'o'});
  BOOST_TEST(m.bus().read(io(-56)) == uint32_t{'k'});
  BOOST_TEST((m.bus().read(io(-52)) & 1) == 0u);
  std::string sent;
  m.serial().onTransmit = [&](uint8_t b) { sent.push_back(static_cast<char>(b)); };
  m.bus().write(io(-56), 'H');
  m.bus().write(io(-56), 0x100 + 'i');  // only the low byte goes out
  BOOST_TEST(sent == "Hi");
}

BOOST_FIXTURE_TEST_CASE(serial_reads_a_pipe_without_blocking, Fixture) {
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  m.serial().setInput(p[0], true);
  BOOST_TEST((m.bus().read(io(-52)) & 1) == 0u);  // empty pipe: not ready, no wait
  BOOST_REQUIRE(::write(p[1], "x", 1) == 1);
  BOOST_TEST((m.bus().read(io(-52)) & 1) == 1u);
  BOOST_TEST(m.bus().read(io(-56)) == uint32_t{'x'});
  ::close(p[1]);
  m.bus().read(io(-52));
  BOOST_TEST(m.serial().waitFd() == -1);  // end of input: nothing to wait on
}

// A byte-oriented protocol on the line (PCLink1, a prompt) must not wait for a line end: what the
// guest sent is written out when Machine::run returns, before the front end can sleep.
BOOST_FIXTURE_TEST_CASE(serial_output_leaves_at_the_end_of_a_run, Fixture) {
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  m.serial().setOutput(p[1], true);
  m.bus().write(io(-56), 'A');  // no line end
  m.run(1000);
  char buf[8];
  BOOST_REQUIRE(::fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
  ssize_t n = ::read(p[0], buf, sizeof buf);
  BOOST_TEST(n == 1);
  BOOST_TEST((n == 1 && buf[0] == 'A'));
  ::close(p[0]);
}

BOOST_FIXTURE_TEST_CASE(clipboard_copy_and_paste_convert_line_ends, Fixture) {
  std::string host;
  m.clipboard().setHostText = [&](const std::string& s) { host = s; };
  m.clipboard().getHostText = [] { return std::string("a\nb"); };
  // Guest copy (Clipboard.CopySelection): length, then the bytes.
  m.bus().write(io(-24), 3);
  for (char c : std::string("x\ry")) m.bus().write(io(-20), static_cast<uint8_t>(c));
  BOOST_TEST(host == "x\ny");
  // Guest paste (Clipboard.Paste): length, then the bytes, CR for LF.
  BOOST_TEST(m.bus().read(io(-24)) == 3u);
  BOOST_TEST(m.bus().read(io(-20)) == uint32_t{'a'});
  BOOST_TEST(m.bus().read(io(-20)) == uint32_t{'\r'});
  BOOST_TEST(m.bus().read(io(-20)) == uint32_t{'b'});
}

BOOST_FIXTURE_TEST_CASE(timer_counts_milliseconds, Fixture) {
  uint32_t t0 = m.bus().read(io(-64));
  // Bounded busy wait on the host clock (the device under test is the clock).
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  while (std::chrono::steady_clock::now() < until) {
  }
  uint32_t t1 = m.bus().read(io(-64));
  BOOST_TEST(t1 - t0 >= 19u);
  BOOST_TEST(t1 - t0 < 1000u);
}

BOOST_FIXTURE_TEST_CASE(unmapped_io_reads_zero_and_is_counted, Fixture) {
  BOOST_TEST(m.bus().read(io(-100)) == 0u);  // -100 is in the free extension-less range
  m.bus().write(0x00200000, 1);              // beyond 1 MiB of RAM
  BOOST_TEST(m.bus().unmappedAccesses() == 2u);
  BOOST_TEST(m.bus().read(io(-256)) == 0u);  // extension window without a device
}

BOOST_AUTO_TEST_CASE(bad_configurations_are_refused) {
  MachineConfig c;
  c.width = 1000;  // not a multiple of 32
  BOOST_TEST(validate(c).find("multiple of 32") != std::string::npos);
  c.width = 1920;
  c.height = 1080;
  BOOST_TEST(validate(c).find("larger --mem") != std::string::npos);
  c.memoryMiB = 4;
  BOOST_TEST(validate(c).empty());
  c.memoryMiB = 0;
  BOOST_TEST(!validate(c).empty());
}

BOOST_AUTO_TEST_CASE(larger_screens_are_announced_with_sizg) {
  MachineConfig c;
  c.memoryMiB = 4;
  c.width = 1920;
  c.height = 1088;
  std::vector<uint32_t> rom(512, 0);
  Machine m(c, rom);
  // Display.Mod reads 'Sizg', width, height and the base at 0E7F00H.
  BOOST_TEST(m.memory().peekWord(0x0E7F00 / 4) == 0x53697A67u);
  BOOST_TEST(m.memory().peekWord(0x0E7F00 / 4 + 1) == 1920u);
  BOOST_TEST(m.memory().peekWord(0x0E7F00 / 4 + 2) == 1088u);
  uint32_t base = m.memory().peekWord(0x0E7F00 / 4 + 3);
  BOOST_TEST(base + 1920 / 8 * 1088 <= (4u << 20));
  BOOST_TEST(m.memLim() == base - 16);
  BOOST_TEST(m.stackOrg() < m.memLim());
}
