// Listening: slot and port limits, a server of 3 slots serving 10 queued clients, the port going
// away with its last slot and coming back at once, port 0.
#include <boost/test/unit_test.hpp>
#include <thread>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

BOOST_AUTO_TEST_SUITE(server)

BOOST_AUTO_TEST_CASE(thirty_two_connections_and_the_33rd_refused) {
  Guest g;
  // 16 serving slots on one port and 16 clients connecting to it: 32 slots, all connected.
  BOOST_REQUIRE(g.listen(0) == 0);
  BOOST_REQUIRE(g.waitFlag(0, flag::bound));
  uint32_t port = g.slotRegister(0, reg::LPORT);
  for (int i = 1; i < 16; ++i) BOOST_REQUIRE(g.listen(port) == i);
  for (int i = 16; i < 32; ++i) BOOST_REQUIRE(g.open("127.0.0.1", port) == i);
  BOOST_TEST(g.get(reg::INUSE) == 0xFFFFFFFFu);
  BOOST_TEST(g.open("127.0.0.1", port) == kNoSlot);
  BOOST_TEST(g.listen(port) == kNoSlot);
  BOOST_TEST(g.waitUntil([&] {
    for (int i = 0; i < 32; ++i)
      if (!((g.status(i) | g.seen(i)) & flag::hostc)) return false;
    return true;
  }));
  for (int i = 0; i < 32; ++i) BOOST_TEST(g.state(i) == State::Connected);
  // Each client's local port is some server slot's remote port: the pairs really are connected.
  BOOST_TEST(g.send(20, "to the server") == 13);
  bool delivered = g.waitUntil([&] {
    for (int i = 0; i < 16; ++i)
      if (g.slotRegister(i, reg::RXAVAIL) == 13u)
        return g.slotRegister(i, reg::RPORT) == g.slotRegister(20, reg::LPORT);
    return false;
  });
  BOOST_TEST(delivered);
  // One slot freed: the next OPEN gets exactly that slot.
  BOOST_TEST(g.simple(7, Command::Abort) == kOk);
  BOOST_TEST(g.open("127.0.0.1", port) == 7);
}

BOOST_AUTO_TEST_CASE(fifth_listening_port_refused) {
  Guest g;
  uint32_t ports[4];
  for (int i = 0; i < 4; ++i) {
    BOOST_REQUIRE(g.listen(0) == i);
    BOOST_REQUIRE(g.waitFlag(i, flag::bound));
    ports[i] = g.slotRegister(i, reg::LPORT);
    BOOST_TEST(ports[i] != 0u);
  }
  BOOST_TEST(g.listen(0) == kNoPort);
  int other = support::freePort();  // a fifth, distinct number
  BOOST_TEST(g.listen(static_cast<uint32_t>(other)) == kNoPort);
  BOOST_TEST(g.listen(ports[2]) == 4);  // a further slot on a listening port is fine
  // Freeing all slots of one port frees the port for a new one.
  BOOST_TEST(g.simple(1, Command::Close) == kOk);
  BOOST_TEST(g.listen(0) == 1);
}

BOOST_AUTO_TEST_CASE(three_slots_serve_ten_queued_clients_in_turn) {
  Guest g;
  BOOST_REQUIRE(g.listen(0) == 0);
  BOOST_REQUIRE(g.waitFlag(0, flag::bound));
  uint16_t port = static_cast<uint16_t>(g.slotRegister(0, reg::LPORT));
  BOOST_REQUIRE(g.listen(port) == 1);
  BOOST_REQUIRE(g.listen(port) == 2);
  constexpr int kClients = 10;
  std::string replies[kClients];
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([c, port, &replies] {
      Socket fd = Socket::connect(port, soon());
      if (!fd) return;
      fd.sendAll("client " + std::to_string(c) + "\n", soon());
      replies[c] = fd.readAll(soon(30s));  // until the server closes
    });
  // The server: each slot reads one line, answers, then a fresh slot replaces it (refreshing
  // scheme, LISTEN before CLOSE so the port never loses its last slot).
  int served = 0;
  std::string request[kSlots];
  bool ok = g.waitUntil([&] {
    for (int s = 0; s < kSlots; ++s) {
      if (!(g.get(reg::INUSE) >> s & 1) || g.state(s) != State::Connected) continue;
      g.recv(s, request[s]);
      if (request[s].empty() || request[s].back() != '\n') continue;
      std::string name = request[s].substr(7, request[s].size() - 8);
      g.send(s, "served " + name);
      request[s].clear();
      BOOST_REQUIRE(g.listen(port) >= 0);
      g.simple(s, Command::Close);
      ++served;
    }
    return served == kClients;
  }, 20s);
  BOOST_TEST(ok);
  for (auto& t : clients) t.join();
  for (int c = 0; c < kClients; ++c) BOOST_TEST(replies[c] == "served " + std::to_string(c));
  // Three slots remain, all idle; the queue is empty.
  BOOST_TEST(__builtin_popcount(g.get(reg::INUSE)) == 3);
}

BOOST_AUTO_TEST_CASE(port_closes_with_its_last_slot_and_reopens_at_once) {
  Guest g;
  BOOST_REQUIRE(g.listen(0) == 0);
  BOOST_REQUIRE(g.waitFlag(0, flag::bound));
  uint16_t port = static_cast<uint16_t>(g.slotRegister(0, reg::LPORT));
  BOOST_REQUIRE(g.listen(port) == 1);
  Socket fd = Socket::connect(port, soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitUntil([&] { return (g.status(0) | g.seen(0)) & flag::hostc; }));
  BOOST_TEST(g.send(0, "bye") == 3);
  BOOST_TEST(g.simple(1, Command::Close) == kOk);  // idle slot gone, port still listens
  BOOST_TEST(g.simple(0, Command::Close) == kOk);  // last slot: the port goes
  BOOST_TEST(fd.readAll(soon()) == "bye");
  fd.close();
  // New clients are refused (bounded wait for the network thread to close the acceptor).
  BOOST_TEST(g.waitUntil([&] {
    Socket c = Socket::connect(port, soon());
    return !c.valid() && errno == ECONNREFUSED;
  }));
  // Same port number again at once: SO_REUSEADDR despite TIME_WAIT from the closed connection.
  BOOST_REQUIRE(g.listen(port) == 0);
  BOOST_REQUIRE(g.waitFlag(0, flag::bound | flag::error));
  BOOST_TEST((g.seen(0) & flag::error) == 0u);
  BOOST_TEST(g.slotRegister(0, reg::LPORT) == port);
  Socket again = Socket::connect(port, soon());
  BOOST_TEST(again.valid());
  BOOST_TEST(g.waitFlag(0, flag::hostc));
}

BOOST_AUTO_TEST_CASE(port_zero_chooses_a_port_the_guest_can_read) {
  Guest g;
  int s = g.listen(0);
  BOOST_REQUIRE(s == 0);
  BOOST_REQUIRE(g.waitFlag(s, flag::bound));
  uint32_t port = g.slotRegister(s, reg::LPORT);
  BOOST_TEST(port > 0u);
  BOOST_TEST(port <= 65535u);
  Socket fd = Socket::connect(static_cast<int>(port), soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  BOOST_TEST(g.slotRegister(s, reg::RPORT) == static_cast<uint32_t>(fd.localPort()));
  BOOST_TEST(g.slotRegister(s, reg::LPORT) == port);
}

BOOST_AUTO_TEST_SUITE_END()
