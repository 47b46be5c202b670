// firmware/tcpnet/echo_server.s in oberon-emu, checked by real peers: socat, nc -N (half-close)
// and our own sockets. The expected output of an echo is its input, byte for byte.
#include <boost/test/unit_test.hpp>

#include <thread>

#include "harness.h"

using namespace fwtest;
using namespace std::chrono_literals;

namespace {
constexpr int kSlots = 4;  // SLOTS in echo_server.s

void requireTools() {
  BOOST_TEST_REQUIRE(support::haveProgram("socat"), "socat is not installed (apt-get install socat)");
  BOOST_TEST_REQUIRE(support::haveProgram("nc.openbsd"), "nc.openbsd is not installed (apt-get install netcat-openbsd)");
}

std::vector<std::string> socatClient(int port) {
  // -t 5: after our EOF, wait up to 5 s for the echo's end; the server's FIN ends it sooner.
  return {"socat", "-t", "5", "-", "TCP:127.0.0.1:" + std::to_string(port)};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(echo_server)

BOOST_AUTO_TEST_CASE(socat_256k_random_payload_comes_back_byte_exact) {
  requireTools();
  EchoServer server;
  std::string payload = support::randomBytes(256 * 1024, 1);
  support::Result r = support::run(socatClient(server.port()), 20s, {}, payload);
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out.size() == payload.size());
  BOOST_TEST((r.out == payload), "echo differs from the payload");
}

BOOST_AUTO_TEST_CASE(nc_half_close_gets_every_byte_then_eof) {
  requireTools();
  EchoServer server;
  // (nc.openbsd by name: `nc` may be ncat, which has no -N.) nc -N shuts down its sending side at end of input; nc exits once the server's FIN arrives,
  // which the server sends only after echoing everything.
  std::string text = "first line\nsecond line\n" + std::string(3000, 'x') + "\nlast";
  support::Result r = support::run({"nc.openbsd", "-N", "127.0.0.1", std::to_string(server.port())}, 10s, {}, text);
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out == text);
}

BOOST_AUTO_TEST_CASE(eight_concurrent_socat_clients_share_four_slots) {
  requireTools();
  EchoServer server;
  constexpr int kClients = 2 * kSlots;  // half of them wait for a slot to be re-listened
  std::vector<std::string> payloads;
  for (int i = 0; i < kClients; ++i) payloads.push_back(support::randomBytes(64 * 1024 + 17 * i, 100 + i));
  std::vector<support::Result> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] { results[i] = support::run(socatClient(server.port()), 30s, {}, payloads[i]); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    BOOST_TEST_CONTEXT("client " << i) {
      BOOST_TEST(results[i].status == 0);
      BOOST_TEST(results[i].out.size() == payloads[i].size());
      BOOST_TEST((results[i].out == payloads[i]), "echo differs from the payload");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_fifth_client_is_served_once_a_slot_is_free) {
  EchoServer server;
  std::vector<Socket> held;
  for (int i = 0; i < kSlots; ++i) {
    held.push_back(connect(server.port()));
    std::string ping = "slot";
    ping += std::to_string(i);
    BOOST_TEST_REQUIRE(held.back().sendAll(ping, Clock::now() + 5s));
    BOOST_TEST(held.back().recv(ping.size(), Clock::now() + 5s) == ping);
  }
  Socket fifth = connect(server.port());  // accepted by the host, queued: all slots are busy
  BOOST_TEST_REQUIRE(fifth.sendAll("waiting", Clock::now() + 5s));
  BOOST_TEST(fifth.recv(1, Clock::now() + 200ms).empty());
  // Half-close the first client: the server sends its FIN and gives the slot to the fifth.
  held[0].shutdownSend();
  BOOST_TEST(held[0].drain(Clock::now() + 5s) == 0);  // a clean EOF
  BOOST_TEST(fifth.recv(7, Clock::now() + 5s) == "waiting");
  // The others are still served.
  for (int i = 1; i < kSlots; ++i) {
    BOOST_TEST_REQUIRE(held[i].sendAll("again", Clock::now() + 5s));
    BOOST_TEST(held[i].recv(5, Clock::now() + 5s) == "again");
  }
}

BOOST_AUTO_TEST_CASE(reset_clients_free_their_slots) {
  EchoServer server;
  // More resets than slots: each failed slot must be closed and listened anew.
  for (int i = 0; i < kSlots + 2; ++i) {
    Socket s = connect(server.port());
    BOOST_TEST_REQUIRE(s.sendAll("abc", Clock::now() + 5s));
    BOOST_TEST(s.recv(3, Clock::now() + 5s) == "abc");
    s.reset();
  }
  std::vector<Socket> all;
  for (int i = 0; i < kSlots; ++i) all.push_back(connect(server.port()));
  for (int i = 0; i < kSlots; ++i) {
    std::string ping = "p";
    ping += std::to_string(i);
    BOOST_TEST_REQUIRE(all[i].sendAll(ping, Clock::now() + 5s));
    BOOST_TEST(all[i].recv(ping.size(), Clock::now() + 5s) == ping);
  }
}

// `.equ PORT` chosen at assembly time: the server listens there and says so.
BOOST_AUTO_TEST_CASE(fixed_port_variant_listens_on_its_port) {
  int port = support::freePort();
  support::TempDir dir("tcpnet-fw");
  EchoServer server(assembleEchoServerForPort(port, dir));
  BOOST_TEST(server.port() == port);
  Socket s = connect(port);
  BOOST_TEST_REQUIRE(s.sendAll("fixed", Clock::now() + 5s));
  BOOST_TEST(s.recv(5, Clock::now() + 5s) == "fixed");
}

// A port that another socket listens on cannot be bound: the device reports portbusy (5).
BOOST_AUTO_TEST_CASE(busy_port_variant_reports_portbusy) {
  Socket holder = Socket::listen();
  support::TempDir dir("tcpnet-fw");
  auto emu = startEmulator(assembleEchoServerForPort(holder.localPort(), dir));
  auto line = emu->readLine(Clock::now() + 10s);
  holder.close();
  BOOST_TEST_REQUIRE(line.has_value());
  BOOST_TEST(*line == "ERROR cannot listen, reason 5");
}

BOOST_AUTO_TEST_SUITE_END()
