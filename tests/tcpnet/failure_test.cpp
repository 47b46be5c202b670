// Failures become status: refused, lookup failure, busy port, and a peer reset in the middle of
// a transfer (disconn + error only after every byte received before it).
#include <boost/test/unit_test.hpp>
#include <thread>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

BOOST_AUTO_TEST_SUITE(failure)

BOOST_AUTO_TEST_CASE(connect_to_closed_port_is_refused) {
  int port = support::freePort();  // a port that nobody listens on now
  Guest g;
  int s = g.open("127.0.0.1", static_cast<uint32_t>(port));
  BOOST_REQUIRE(s == 0);
  BOOST_REQUIRE(g.waitFlag(s, flag::error));
  BOOST_TEST((g.seen(s) & (flag::wconn | flag::hostc)) == flag::wconn);
  BOOST_TEST(((g.seen(s) >> flag::reasonShift) & 0xFF) == static_cast<uint32_t>(Reason::Refused));
  BOOST_TEST(g.reason(s) == Reason::Refused);
  BOOST_TEST(g.state(s) == State::Failed);
  BOOST_TEST(g.send(s, "x") == kBadState);
  // error was reported once; the state keeps the reason until CLOSE.
  BOOST_TEST((g.slotRegister(s, reg::STATUS) & flag::error) == 0u);
  BOOST_TEST(g.get(reg::SRQ) == 0u);
  BOOST_TEST(g.simple(s, Command::Close) == kOk);
  BOOST_TEST(g.get(reg::INUSE) == 0u);
}

BOOST_AUTO_TEST_CASE(unknown_name_is_a_lookup_failure) {
  Guest g;
  int s = g.open("no-such-host.invalid", 80);
  BOOST_REQUIRE(s == 0);
  BOOST_REQUIRE(g.waitFlag(s, flag::error, std::chrono::seconds(20)));
  BOOST_TEST(g.reason(s) == Reason::Lookup);
  BOOST_TEST((g.seen(s) & flag::wconn) != 0u);
}

BOOST_AUTO_TEST_CASE(busy_port_gives_idle_and_error) {
  Socket holder = Socket::listen(0, Family::v4, true);  // listening: even SO_REUSEADDR cannot bind it
  Guest g;
  int s = g.listen(static_cast<uint32_t>(holder.localPort()));
  BOOST_REQUIRE(s == 0);
  BOOST_REQUIRE(g.waitFlag(s, flag::error | flag::bound));
  BOOST_TEST((g.seen(s) & (flag::idle | flag::error | flag::bound)) == (flag::idle | flag::error));
  BOOST_TEST(g.reason(s) == Reason::PortBusy);
}

BOOST_AUTO_TEST_CASE(peer_reset_mid_transfer_after_all_earlier_data) {
  constexpr size_t kBytes = 40000;
  Socket listener = Socket::listen();
  Guest g;
  int s = g.open("127.0.0.1", static_cast<uint32_t>(listener.localPort()));
  Socket fd = listener.accept(soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  std::string data(kBytes, '\0');
  for (size_t i = 0; i < kBytes; ++i) data[i] = static_cast<char>(patternByte(i, 7));
  BOOST_REQUIRE(fd.sendAll(data, soon()));
  // Wait until every byte is in the device (so the reset cannot discard unsent bytes), then reset.
  BOOST_REQUIRE(g.waitUntil([&] { return g.slotRegister(s, reg::RXAVAIL) == kBytes; }));
  fd.reset();
  // Fetch slowly; disconn and error may only show once the last byte is fetched.
  std::string got;
  bool early = false;
  bool done = g.waitUntil([&] {
    g.recv(s, got, 1000);
    uint32_t st = g.status(s);
    if (got.size() < kBytes && (st & (flag::disconn | flag::error))) early = true;
    return (g.seen(s) & flag::disconn) != 0;
  });
  BOOST_TEST(done);
  BOOST_TEST(!early);
  BOOST_TEST(got == data);
  BOOST_TEST((g.seen(s) & flag::error) != 0u);
  BOOST_TEST(g.reason(s) == Reason::Reset);
  BOOST_TEST(g.state(s) == State::Failed);
}

BOOST_AUTO_TEST_SUITE_END()
