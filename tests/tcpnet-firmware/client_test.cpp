// firmware/tcpnet/client.s in oberon-emu: the port comes over the serial line, the greeting
// goes to the peer, the peer's bytes come out on the serial line, then one status line.
#include <boost/test/unit_test.hpp>

#include "harness.h"

using namespace fwtest;
using namespace std::chrono_literals;

namespace {
const std::string kGreeting = "HELLO FROM RISC5 TCP\n";  // GREETING in client.s

// A python3 server on an OS-chosen port: prints the port, accepts one client, reads until the
// client's EOF (the greeting ends with SHUTDOWN), replies with what it got and a fixed line,
// then closes.
const char* kPeer = R"(
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
s.settimeout(15)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
c.settimeout(15)
got = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    got += b
c.sendall(b"GOT " + got + b"REPLY FROM PYTHON\n")
c.close()
)";
}  // namespace

BOOST_AUTO_TEST_SUITE(client)

BOOST_AUTO_TEST_CASE(prints_the_peers_reply_then_closed) {
  BOOST_TEST_REQUIRE(support::haveProgram("python3"));
  Child peer({"python3", "-c", kPeer}, {.out = support::Stream::pipe()});
  auto port = peer.readLine(Clock::now() + 10s);
  BOOST_TEST_REQUIRE(port.has_value());
  auto client = startClient(*port + "\n");
  std::string transcript = clientTranscript(*client, 10s);
  BOOST_TEST(transcript == "GOT " + kGreeting + "REPLY FROM PYTHON\nCLOSED\n");
  BOOST_TEST(peer.finish(Clock::now() + 5s) == 0);
}

BOOST_AUTO_TEST_CASE(closed_port_gives_error_refused) {
  auto client = startClient(std::to_string(support::freePort()) + "\n");
  BOOST_TEST(clientTranscript(*client, 10s) == "ERROR refused\n");
}

BOOST_AUTO_TEST_CASE(port_zero_is_rejected_by_open) {
  auto client = startClient("0\n");
  BOOST_TEST(clientTranscript(*client, 10s) == "ERROR open\n");
}

BOOST_AUTO_TEST_CASE(carriage_return_and_spaces_around_the_port_are_ignored) {
  std::string line = " ";
  line += std::to_string(support::freePort()) + "\r\n";
  auto client = startClient(line);
  BOOST_TEST(clientTranscript(*client, 10s) == "ERROR refused\n");
}

// Two emulators: the client's greeting goes through the echo server and back.
BOOST_AUTO_TEST_CASE(client_against_the_echo_server) {
  EchoServer server;
  auto client = startClient(std::to_string(server.port()) + "\n");
  BOOST_TEST(clientTranscript(*client, 10s) == kGreeting + "CLOSED\n");
}

BOOST_AUTO_TEST_SUITE_END()
