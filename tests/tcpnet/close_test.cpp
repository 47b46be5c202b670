// CLOSE in the background: a slow reader still gets every queued byte and a clean FIN; a reader
// that stops taking bytes for good is reset, and so is a peer whose bytes the guest never
// fetched: nobody is handed a clean end after a cut stream.
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <sys/socket.h>

#include <thread>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

namespace {

// Listener with a small receive buffer (accepted sockets inherit it), so that the device's queue
// cannot drain into the kernel while the peer does not read.
Socket smallBufferListener() {
  Socket l = Socket::listen();
  int small = 4096;
  ::setsockopt(l.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  return l;
}

// Sends pattern bytes until the device holds a full queue that does not drain for 200 ms (the
// kernel's buffers are full too); returns the number of bytes the device accepted.
size_t fillUntilStuck(Guest& g, int s) {
  size_t total = 0;
  std::string chunk(65536, '\0');
  auto quietSince = std::chrono::steady_clock::now();
  g.waitUntil([&] {
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(patternByte(total + i, 7));
    int32_t n = g.send(s, chunk);
    if (n > 0) {
      total += static_cast<size_t>(n);
      quietSince = std::chrono::steady_clock::now();
    }
    return std::chrono::steady_clock::now() - quietSince > 200ms;
  }, 20s);
  return total;
}

bool isPattern(const std::string& got, uint32_t seed) {
  for (size_t i = 0; i < got.size(); ++i)
    if (static_cast<uint8_t>(got[i]) != patternByte(i, seed)) return false;
  return true;
}

// A connected slot whose peer (fd) reads nothing yet, with the device's queue full and stuck.
struct StuckSender {
  explicit StuckSender(const Options& o) : g(o) {
    slot = g.open("127.0.0.1", static_cast<uint32_t>(listener.localPort()));
    fd = listener.accept(soon());
    BOOST_REQUIRE(fd.valid());
    BOOST_REQUIRE(g.waitFlag(slot, flag::hostc));
    queued = fillUntilStuck(g, slot);
    BOOST_TEST_MESSAGE("queued before CLOSE: " << queued);
    BOOST_REQUIRE(queued > 65536u);
  }
  Socket listener = smallBufferListener(), fd;
  int slot = -1;
  Guest g;
  size_t queued = 0;
};

Options closeOptions(std::chrono::milliseconds sendTimeout) {
  Options o;
  o.closeLinger = 200ms;  // shorter than the slow reader's pause: must not cut the stream
  o.closeSendTimeout = sendTimeout;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(background_close)

BOOST_AUTO_TEST_CASE(slow_reader_gets_every_byte_then_fin) {
  StuckSender s(closeOptions(5s));
  BOOST_TEST(s.g.simple(s.slot, Command::Close) == kOk);
  std::this_thread::sleep_for(800ms);  // the slow reader: longer than closeLinger, on purpose
  std::string got;
  int end = s.fd.readAll(soon(), got);  // 0: FIN, else the errno (-1: 10 s passed)
  BOOST_TEST(got.size() == s.queued, "received " << got.size() << " of " << s.queued << ", end " << end);
  BOOST_TEST(isPattern(got, 7));
}

BOOST_AUTO_TEST_CASE(reader_that_stops_for_good_is_reset) {
  StuckSender s(closeOptions(300ms));  // no byte taken for this long: reset
  BOOST_TEST(s.g.simple(s.slot, Command::Close) == kOk);
  std::this_thread::sleep_for(1500ms);  // far past closeSendTimeout
  std::string got;
  int end = s.fd.readAll(soon(), got);
  BOOST_TEST(end != 0, "the stream ended cleanly after " << got.size() << " of " << s.queued << " bytes");
  BOOST_TEST(end == ECONNRESET);
  BOOST_TEST(got.size() < s.queued);
  BOOST_TEST(isPattern(got, 7));
}

BOOST_AUTO_TEST_CASE(close_with_unread_bytes_resets) {
  Socket listener = Socket::listen();
  Guest g;
  int slot = g.open("127.0.0.1", static_cast<uint32_t>(listener.localPort()));
  Socket fd = listener.accept(soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitFlag(slot, flag::hostc));
  BOOST_REQUIRE(fd.sendAll("never fetched", soon()));
  BOOST_REQUIRE(g.waitFlag(slot, flag::newrx));  // in the device, not taken by RECV
  BOOST_TEST(g.simple(slot, Command::Close) == kOk);
  std::string got;
  int end = fd.readAll(soon(), got);
  BOOST_TEST((end != 0 && got.empty()), "the peer saw a clean end or bytes although its bytes were dropped");
  BOOST_TEST(end == ECONNRESET);
}

BOOST_AUTO_TEST_SUITE_END()
