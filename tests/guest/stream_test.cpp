// Byte streams through TCPNet's task and files: echo against socat, 32 clients at once, a refused
// connect and a peer reset, all with the real guest.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>
#include <thread>

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

// tcpnet-lsof --json rows of the world's emulator (asked on its --monitor socket).
static nlohmann::json lsofRows(const World& w) {
  RunResult r = run({env("OBERON_BUILD_DIR") + "/tools/tcpnet-lsof/tcpnet-lsof", "--json", "-n", "-P", "--socket",
                     w.monitor}, milliseconds(10000));
  auto doc = nlohmann::json::parse(r.out, nullptr, false);
  if (r.status != 0 || !doc.is_object() || !doc["emulators"].is_array() || doc["emulators"].size() != 1)
    return nlohmann::json::array();
  return doc["emulators"][0]["slots"];
}

BOOST_AUTO_TEST_CASE(lsof_shows_the_guests_file_names) {
  World& w = world();
  auto deadline = Clock::now() + milliseconds(20000);
  // NetEcho names its one anonymous file with TCPNet.SetNames.
  Socket echo = Socket::connect(w.echoPort, deadline);
  BOOST_REQUIRE(echo.sendAll("names?", deadline));
  BOOST_REQUIRE_EQUAL(echo.recv(6, deadline), "names?");
  // NetProbe's in-file is Files.New("Names.bin"): TCPNet reports the file's own name; the
  // anonymous out-file stays unnamed.
  int port = 0;
  Socket server = Socket::listen(port);
  BOOST_REQUIRE(shell(w.shellPort, "NetProbe.Connect 127.0.0.1 " + std::to_string(port) + " Names.bin")
                    .find("opened") != std::string::npos);
  Socket peer = server.accept(deadline);
  BOOST_REQUIRE(peer.valid());

  nlohmann::json rows;
  const nlohmann::json *echoRow = nullptr, *probeRow = nullptr;
  for (;;) {  // the probe's slot may still be connecting at the first look
    rows = lsofRows(w);
    echoRow = probeRow = nullptr;
    for (const auto& r : rows) {
      if (r.value("local_port", 0) == w.echoPort && r.value("state", "") == "ESTABLISHED") echoRow = &r;
      if (r.value("remote_port", 0) == port && r.value("state", "") == "ESTABLISHED") probeRow = &r;
    }
    if ((echoRow && probeRow) || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(50));  // polling the emulator's monitor
  }
  BOOST_REQUIRE_MESSAGE(echoRow && probeRow, rows.dump());
  BOOST_TEST(echoRow->value("in_file", "?") == "(NetEcho)");
  BOOST_TEST(echoRow->value("out_file", "?") == "(NetEcho)");
  BOOST_TEST(probeRow->value("in_file", "?") == "Names.bin");
  BOOST_TEST(probeRow->value("out_file", "?") == "");
  for (const auto& r : rows)  // the shell's listening slots are labelled too
    if (r.value("local_port", 0) == w.shellPort && r.value("state", "") == "LISTEN")
      BOOST_TEST(r.value("out_file", "?") == "(NetShell.Output)");

  // The peer closes; NetProbe closes on disconn.
  peer.shutdownSend();
  BOOST_TEST(waitLog(w.shellPort, "NetProbe 127.0.0.1:" + std::to_string(port) + " closed", milliseconds(20000)) != "");
}

BOOST_AUTO_TEST_SUITE_END()
