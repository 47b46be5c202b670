// Byte streams through TCPNet's task and files: echo against socat, 32 clients at once, a refused
// connect and a peer reset, all with the real guest.
#include <boost/test/unit_test.hpp>

#include "guest.h"

using namespace guest;

BOOST_AUTO_TEST_SUITE(stream)

BOOST_AUTO_TEST_CASE(echo_one_mib_with_socat) {
  World& w = world();
  std::string data = randomBytes(1 << 20, 1), in = workDir() + "/echo.in", out = workDir() + "/echo.out";
  writeFile(in, data);
  // socat half-closes after the file; the guest echoes everything, then closes (NetEcho: disconn
  // -> Close = rest of the out-file, then FIN), and socat ends.
  Process socat({"socat", "-t", "20", "-", "TCP:127.0.0.1:" + std::to_string(w.echoPort)}, in, out);
  BOOST_REQUIRE_EQUAL(socat.wait(milliseconds(30000)), 0);
  std::string back = readFile(out);
  BOOST_TEST(back.size() == data.size());
  BOOST_TEST((back == data));
}

BOOST_AUTO_TEST_CASE(thirty_two_clients_and_a_queued_one) {
  // A guest of its own: the echo server takes all 32 slots of the device.
  int port = freePort();
  Guest g({"NetEcho.Start " + std::to_string(port) + " 32"});
  auto deadline = Clock::now() + milliseconds(60000);
  std::vector<Socket> clients;
  // The first client also tells when the server is up (connect retries until the port listens).
  for (int i = 0; i < 32; ++i) {
    clients.push_back(Socket::connect(port, deadline));
    BOOST_REQUIRE(clients.back().valid());
    if (i == 0) {
      BOOST_REQUIRE(clients[0].sendAll("ready?", deadline));
      BOOST_REQUIRE_EQUAL(clients[0].recv(6, deadline), "ready?");
    }
  }
  for (int i = 0; i < 32; ++i) BOOST_REQUIRE(clients[i].sendAll("client " + std::to_string(100 + i), deadline));
  for (int i = 0; i < 32; ++i) BOOST_TEST(clients[i].recv(10, deadline) == "client " + std::to_string(100 + i));
  // The 33rd: accepted by the host and queued (docs/tcpnet-device.md), no echo while all 32
  // slots are busy ...
  Socket extra = Socket::connect(port, deadline);
  BOOST_REQUIRE(extra.valid());
  BOOST_REQUIRE(extra.sendAll("queued", deadline));
  BOOST_TEST(extra.recv(6, Clock::now() + milliseconds(500)).empty());
  // ... and served as soon as one client leaves and NetEcho listens again.
  clients[5].shutdownSend();
  BOOST_TEST(clients[5].eof(deadline));
  BOOST_TEST(extra.recv(6, deadline) == "queued");
  for (int i = 0; i < 32; ++i)
    if (i != 5) clients[i].shutdownSend();
  for (int i = 0; i < 32; ++i)
    if (i != 5) BOOST_TEST(clients[i].eof(deadline));
}

BOOST_AUTO_TEST_CASE(connect_to_closed_port_is_refused) {
  World& w = world();
  int closed = freePort();
  std::string tag = "NetProbe 127.0.0.1:" + std::to_string(closed);
  BOOST_TEST(shell(w.shellPort, "NetProbe.Connect 127.0.0.1 " + std::to_string(closed)).find(tag + " opened") !=
             std::string::npos);
  std::string log = waitLog(w.shellPort, tag + " closed", milliseconds(20000));
  // wconn + error with reason refused (ECONNREFUSED), then NetProbe closes.
  BOOST_TEST(log.find(tag + " {error wconn} in 0 reason refused") != std::string::npos, log);
}

BOOST_AUTO_TEST_CASE(peer_reset_keeps_data_received_before) {
  World& w = world();
  int port = 0;
  Socket server = Socket::listen(port);
  std::string tag = "NetProbe 127.0.0.1:" + std::to_string(port);
  BOOST_TEST(shell(w.shellPort, "NetProbe.Connect 127.0.0.1 " + std::to_string(port) + " Reset.bin")
                 .find(tag + " opened") != std::string::npos);
  auto deadline = Clock::now() + milliseconds(20000);
  Socket peer = server.accept(deadline);
  BOOST_REQUIRE(peer.valid());
  std::string data = randomBytes(10000, 2);
  BOOST_REQUIRE(peer.sendAll(data, deadline));
  peer.reset();
  std::string log = waitLog(w.shellPort, tag + " closed", milliseconds(20000));
  // The last handler call has disconn and error (reason: connection lost) and all 10000 bytes
  // are in the in-file (the call may also carry hostc and newrx if the reset came that fast).
  auto end = log.find(" reason connection lost\n");
  BOOST_REQUIRE(end != std::string::npos);
  std::string line = log.substr(log.rfind('\n', end) + 1, end - log.rfind('\n', end) - 1);
  BOOST_TEST(line.find(tag + " {") == 0, line);
  BOOST_TEST(line.find("disconn error} in 10000") != std::string::npos, line);
  BOOST_TEST(log.find(tag + " closed, 10000 bytes -> Reset.bin") != std::string::npos, log);
  // The in-file, registered as Reset.bin, read back through the guest's HTTP server.
  RunResult r = run({"curl", "-s", "--max-time", "10", "http://127.0.0.1:" + std::to_string(w.httpPort) + "/Reset.bin"},
                    milliseconds(15000));
  BOOST_TEST(r.status == 0);
  BOOST_TEST((r.out == data));
}

BOOST_AUTO_TEST_SUITE_END()
