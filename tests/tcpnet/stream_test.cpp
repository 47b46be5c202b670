// Data paths: echo against a Boost.Asio peer, 8 MiB each way under backpressure, half-close in
// both directions, the receive limit, IPv6.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/test/unit_test.hpp>
#include <thread>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;
namespace asio = boost::asio;
using asio::ip::tcp;

BOOST_AUTO_TEST_SUITE(stream)

BOOST_AUTO_TEST_CASE(echo_round_trip_with_asio_peer) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  uint16_t port = acceptor.local_endpoint().port();
  std::thread peer([&] {  // echoes until EOF, then closes
    tcp::socket s = acceptor.accept();
    char buf[4096];
    boost::system::error_code ec;
    for (;;) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) break;
      asio::write(s, asio::buffer(buf, n), ec);
    }
  });
  Guest g;
  int s = g.open("localhost", port);
  BOOST_REQUIRE(s == 0);
  BOOST_TEST((g.slotRegister(s, reg::STATUS) & flag::wconn) != 0u);
  if (!g.waitFlag(s, flag::hostc)) {
    // Seen twice in full runs (2026-12-02, -03), never alone: say where the slot stood, and let
    // the peer thread end (the slot closed, should its connection have come late; a connection
    // of our own wakes its accept otherwise) so that the failure is reported rather than ending
    // in std::terminate.
    const uint32_t status = g.status(s);
    const Reason why = g.reason(s);
    g.simple(s, Command::Close);
    boost::system::error_code ec;
    tcp::socket wake(io);
    wake.connect(acceptor.local_endpoint(), ec);
    wake.close(ec);
    peer.join();
    BOOST_FAIL("no connection to the peer within 10 s: status " << std::hex << status << ", reason " << why);
  }
  BOOST_TEST((g.status(s) & (flag::wconn | flag::hostc)) == 0u);  // hostc only once
  BOOST_TEST(g.slotRegister(s, reg::RPORT) == port);
  BOOST_TEST(g.slotRegister(s, reg::LPORT) != 0u);
  BOOST_TEST(g.addressText(s, Command::Raddr) == "127.0.0.1");
  BOOST_TEST(g.addressText(s, Command::Laddr) == "127.0.0.1");
  BOOST_TEST(g.send(s, "Hello, Oberon!") == 14);
  BOOST_TEST(g.receive(s, 14) == "Hello, Oberon!");
  BOOST_TEST(g.waitFlag(s, flag::spacetx));
  BOOST_TEST((g.seen(s) & (flag::newrx | flag::newtx)) == (flag::newrx | flag::newtx));
  BOOST_TEST(g.slotRegister(s, reg::TXFREE) == 65536u);
  BOOST_TEST(g.simple(s, Command::Close) == kOk);  // FIN: the peer's loop ends
  peer.join();
}

// 8 MiB each way through one connection while the guest fetches in small pieces; at one point it
// stops fetching until the receive buffer is full. The device never holds more than 64 KiB.
BOOST_AUTO_TEST_CASE(eight_mib_each_way_with_backpressure) {
  constexpr size_t kTotal = 8u << 20;
  Socket listener = Socket::listen();
  uint16_t port = static_cast<uint16_t>(listener.localPort());
  std::string peerReceived;
  bool peerSentAll = false;
  std::thread peer([&] {
    Socket fd = listener.accept(soon());
    std::thread writer([&] {
      std::string chunk(65536, '\0');
      for (size_t off = 0; off < kTotal; off += chunk.size()) {
        for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(patternByte(off + i, 1));
        if (!fd.sendAll(chunk, soon(60s))) return;
      }
      peerSentAll = true;
    });
    peerReceived = fd.recv(kTotal, soon(60s));
    writer.join();
  });

  Guest g;
  int s = g.open("127.0.0.1", port, 16u << 20);  // above the 3,200,000 default limit
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  // Stop fetching: the buffer fills to exactly 64 KiB and stays there.
  BOOST_TEST(g.waitUntil([&] { return g.slotRegister(s, reg::RXAVAIL) == 65536u; }));
  auto rows = g.net().snapshot();
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].rxQueued == 65536u);
  BOOST_TEST(rows[0].serviceRequest);

  size_t received = 0, sent = 0, mismatches = 0, iterations = 0;
  uint32_t maxRx = 0, maxTx = 0;
  std::string out(8192, '\0');
  bool done = g.waitUntil([&] {
    for (int burst = 0; burst < 64; ++burst) {
      // Fetch slowly: at most 3000 bytes per round.
      std::string got;
      if (g.recv(s, got, 3000) < 0) return true;
      for (size_t i = 0; i < got.size(); ++i)
        mismatches += static_cast<uint8_t>(got[i]) != patternByte(received + i, 1);
      received += got.size();
      if (sent < kTotal) {
        size_t n = std::min(out.size(), kTotal - sent);
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>(patternByte(sent + i, 2));
        int32_t k = g.send(s, out.substr(0, n));
        if (k > 0) sent += static_cast<size_t>(k);
      }
      maxRx = std::max(maxRx, g.slotRegister(s, reg::RXAVAIL));
      maxTx = std::max(maxTx, 65536u - g.slotRegister(s, reg::TXFREE));
      if (++iterations % 512 == 0) {
        for (const SlotInfo& r : g.net().snapshot()) {
          maxRx = std::max(maxRx, r.rxQueued);
          maxTx = std::max(maxTx, r.txQueued);
        }
      }
      if (got.empty()) break;
    }
    return received == kTotal && sent == kTotal;
  }, 40s);
  BOOST_TEST(done);
  BOOST_TEST(received == kTotal);
  BOOST_TEST(sent == kTotal);
  BOOST_TEST(mismatches == 0u);
  BOOST_TEST(maxRx <= 65536u);
  BOOST_TEST(maxTx <= 65536u);
  g.simple(s, Command::Close);
  peer.join();
  BOOST_TEST(peerSentAll);
  BOOST_REQUIRE(peerReceived.size() == kTotal);
  size_t peerMismatches = 0;
  for (size_t i = 0; i < kTotal; ++i) peerMismatches += static_cast<uint8_t>(peerReceived[i]) != patternByte(i, 2);
  BOOST_TEST(peerMismatches == 0u);
}

BOOST_AUTO_TEST_CASE(peer_half_close_leaves_local_sending_possible) {
  Socket listener = Socket::listen();
  Guest g;
  int s = g.open("127.0.0.1", static_cast<uint32_t>(listener.localPort()));
  Socket fd = listener.accept(soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  BOOST_REQUIRE(fd.sendAll("abc", soon()));
  fd.shutdownSend();  // FIN
  // disconn only after "abc" has been fetched: do not fetch yet.
  BOOST_REQUIRE(g.waitUntil([&] { return g.slotRegister(s, reg::RXAVAIL) == 3u; }));
  BOOST_TEST((g.status(s) & flag::disconn) == 0u);
  BOOST_TEST(g.receive(s, 3) == "abc");
  BOOST_TEST(g.waitFlag(s, flag::disconn));
  BOOST_TEST((g.seen(s) & flag::error) == 0u);
  BOOST_TEST(g.state(s) == State::Connected);
  SlotInfo r = g.row(s);  // for tcpnet-lsof: CLOSE_WAIT
  BOOST_TEST(r.state == State::Connected);
  BOOST_TEST(r.peerClosed);
  BOOST_TEST(!r.finSent);
  BOOST_TEST(g.send(s, "xyz") == 3);
  BOOST_TEST(g.simple(s, Command::Shutdown) == kOk);
  BOOST_TEST(fd.readAll(soon()) == "xyz");  // then EOF
  r = g.row(s);  // the FIN went out before the peer saw EOF: LAST_ACK-like
  BOOST_TEST(r.peerClosed);
  BOOST_TEST(r.finSent);
}

BOOST_AUTO_TEST_CASE(local_half_close_leaves_receiving_possible) {
  Guest g;
  int s = g.listen(0);
  BOOST_REQUIRE(g.waitFlag(s, flag::bound));
  Socket fd = Socket::connect(static_cast<int>(g.slotRegister(s, reg::LPORT)), soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  BOOST_TEST(g.send(s, "ping") == 4);
  BOOST_TEST(g.simple(s, Command::Shutdown) == kOk);
  BOOST_TEST(fd.readAll(soon()) == "ping");  // and EOF: the FIN came after the data
  SlotInfo r = g.row(s);  // for tcpnet-lsof: FIN_WAIT
  BOOST_TEST(r.finSent);
  BOOST_TEST(!r.peerClosed);
  BOOST_REQUIRE(fd.sendAll("pong", soon()));
  fd.close();
  BOOST_TEST(g.receive(s, 4) == "pong");
  BOOST_TEST(g.waitFlag(s, flag::disconn));
  BOOST_TEST(g.simple(s, Command::Close) == kOk);
}

BOOST_AUTO_TEST_CASE(receive_limit_raises_limrx_and_stops_reading) {
  Socket listener = Socket::listen();
  Guest g;
  int s = g.open("127.0.0.1", static_cast<uint32_t>(listener.localPort()), 1000);
  Socket fd = listener.accept(soon());
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  BOOST_REQUIRE(fd.sendAll(std::string(5000, 'x'), soon()));
  std::string got = g.receive(s, 1000);
  BOOST_TEST(got.size() == 1000u);
  BOOST_TEST(g.waitFlag(s, flag::limrx));
  got.clear();
  g.waitUntil([&] { g.recv(s, got); return false; }, 100ms);  // nothing more arrives
  BOOST_TEST(got.empty());
  BOOST_TEST(g.slotRegister(s, reg::RXAVAIL) == 0u);
  g.simple(s, Command::Abort);
}

// Skipped (and reported so by ctest) on a host without an IPv6 loopback.
boost::test_tools::assertion_result haveIpv6(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(support::haveIpv6Loopback());
  r.message() << "this host has no IPv6 loopback (::1)";
  return r;
}

BOOST_AUTO_TEST_CASE(ipv6_loopback, *boost::unit_test::precondition(haveIpv6)) {
  // Client to a v6 peer, with brackets.
  Socket listener = Socket::listen(0, Family::v6);
  Options v6;
  v6.bindAddress = "::1";
  Guest g(v6);
  int s = g.open("[::1]", static_cast<uint32_t>(listener.localPort()));
  Socket fd = listener.accept(soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  BOOST_TEST(g.addressText(s, Command::Raddr) == "::1");
  BOOST_TEST(g.send(s, "six") == 3);
  BOOST_TEST(fd.recv(3, soon()) == "six");
  fd.close();
  listener.close();
  // Server bound to ::1, and a client slot given the literal without brackets.
  int l = g.listen(0);
  BOOST_REQUIRE(g.waitFlag(l, flag::bound));
  BOOST_TEST(g.addressText(l, Command::Laddr) == "::1");
  int c = g.open("::1", g.slotRegister(l, reg::LPORT));
  BOOST_REQUIRE(g.waitFlag(l, flag::hostc));
  BOOST_REQUIRE(g.waitFlag(c, flag::hostc));
  BOOST_TEST(g.slotRegister(l, reg::RPORT) == g.slotRegister(c, reg::LPORT));
}

BOOST_AUTO_TEST_SUITE_END()
