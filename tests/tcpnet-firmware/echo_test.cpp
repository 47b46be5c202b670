// firmware/tcpnet/echo_server.s in oberon-emu, checked by real peers: socat, nc -N (half-close)
// and our own sockets. The expected output of an echo is its input, byte for byte.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <thread>

#include "harness.h"

using namespace fwtest;
using namespace std::chrono_literals;

namespace {
constexpr int kSlots = 4;  // SLOTS in echo_server.s

void requireTools() {
  BOOST_TEST_REQUIRE(haveTool("socat"), "socat is not installed (apt-get install socat)");
  BOOST_TEST_REQUIRE(haveTool("nc.openbsd"), "nc.openbsd is not installed (apt-get install netcat-openbsd)");
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
  std::string payload = randomBytes(256 * 1024, 1);
  RunResult r = run(socatClient(server.port()), payload, 20s);
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.output.size() == payload.size());
  BOOST_TEST((r.output == payload), "echo differs from the payload");
}

BOOST_AUTO_TEST_CASE(nc_half_close_gets_every_byte_then_eof) {
  requireTools();
  EchoServer server;
  // (nc.openbsd by name: `nc` may be ncat, which has no -N.) nc -N shuts down its sending side at end of input; nc exits once the server's FIN arrives,
  // which the server sends only after echoing everything.
  std::string text = "first line\nsecond line\n" + std::string(3000, 'x') + "\nlast";
  RunResult r = run({"nc.openbsd", "-N", "127.0.0.1", std::to_string(server.port())}, text, 10s);
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.output == text);
}

BOOST_AUTO_TEST_CASE(eight_concurrent_socat_clients_share_four_slots) {
  requireTools();
  EchoServer server;
  constexpr int kClients = 2 * kSlots;  // half of them wait for a slot to be re-listened
  std::vector<std::string> payloads;
  for (int i = 0; i < kClients; ++i) payloads.push_back(randomBytes(64 * 1024 + 17 * i, 100 + i));
  std::vector<RunResult> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] { results[i] = run(socatClient(server.port()), payloads[i], 30s); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kClients; ++i) {
    BOOST_TEST_CONTEXT("client " << i) {
      BOOST_TEST(results[i].status == 0);
      BOOST_TEST(results[i].output.size() == payloads[i].size());
      BOOST_TEST((results[i].output == payloads[i]), "echo differs from the payload");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_fifth_client_is_served_once_a_slot_is_free) {
  EchoServer server;
  std::vector<std::unique_ptr<Socket>> held;
  for (int i = 0; i < kSlots; ++i) {
    held.push_back(std::make_unique<Socket>(server.port()));
    std::string ping = "slot";
    ping += std::to_string(i);
    held.back()->send(ping);
    BOOST_TEST(held.back()->receive(ping.size(), Clock::now() + 5s) == ping);
  }
  Socket fifth(server.port());  // accepted by the host, queued: all slots are busy
  fifth.send("waiting");
  BOOST_TEST(fifth.receive(1, Clock::now() + 200ms).empty());
  // Half-close the first client: the server sends its FIN and gives the slot to the fifth.
  held[0]->shutdownSend();
  BOOST_TEST(held[0]->waitEof(Clock::now() + 5s));
  BOOST_TEST(fifth.receive(7, Clock::now() + 5s) == "waiting");
  // The others are still served.
  for (int i = 1; i < kSlots; ++i) {
    held[i]->send("again");
    BOOST_TEST(held[i]->receive(5, Clock::now() + 5s) == "again");
  }
}

BOOST_AUTO_TEST_CASE(reset_clients_free_their_slots) {
  EchoServer server;
  // More resets than slots: each failed slot must be closed and listened anew.
  for (int i = 0; i < kSlots + 2; ++i) {
    Socket s(server.port());
    s.send("abc");
    BOOST_TEST(s.receive(3, Clock::now() + 5s) == "abc");
    s.reset();
  }
  std::vector<std::unique_ptr<Socket>> all;
  for (int i = 0; i < kSlots; ++i) all.push_back(std::make_unique<Socket>(server.port()));
  for (int i = 0; i < kSlots; ++i) {
    std::string ping = "p";
    ping += std::to_string(i);
    all[i]->send(ping);
    BOOST_TEST(all[i]->receive(ping.size(), Clock::now() + 5s) == ping);
  }
}

// `.equ PORT` chosen at assembly time: the server listens there and says so.
BOOST_AUTO_TEST_CASE(fixed_port_variant_listens_on_its_port) {
  int port = closedPort();
  std::string serial = assembleEchoServerForPort(port);
  EchoServer server(serial);
  std::filesystem::remove_all(std::filesystem::path(serial).parent_path());
  BOOST_TEST(server.port() == port);
  Socket s(port);
  s.send("fixed");
  BOOST_TEST(s.receive(5, Clock::now() + 5s) == "fixed");
}

// A port that another socket listens on cannot be bound: the device reports portbusy (5).
BOOST_AUTO_TEST_CASE(busy_port_variant_reports_portbusy) {
  int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  BOOST_TEST_REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_TEST_REQUIRE(::listen(holder, 1) == 0);
  BOOST_TEST_REQUIRE(::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  std::string serial = assembleEchoServerForPort(ntohs(a.sin_port));
  auto emu = startEmulator(serial);
  auto line = emu->readLine(Clock::now() + 10s);
  std::filesystem::remove_all(std::filesystem::path(serial).parent_path());
  ::close(holder);
  BOOST_TEST_REQUIRE(line.has_value());
  BOOST_TEST(*line == "ERROR cannot listen, reason 5");
}

BOOST_AUTO_TEST_SUITE_END()
