// Third-party peers: socat (echo server with EXEC:cat; a client that half-closes) and a python3
// server. Their output is what we check; each child is bounded with timeout(1).
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <thread>

#include "guest.h"
#include "tests/support/files.h"
#include "tests/support/process.h"

using namespace tcpnet;
using namespace tcpnet::test;

namespace {

// A child running `command` under /bin/sh (its own process group) with stdout+stderr on a pipe;
// killed at the end. Every read is bounded (30 s).
class Child {
 public:
  explicit Child(const std::string& command)
      : c_({"/bin/sh", "-c", "exec " + command},
           {.out = support::Stream::pipe(), .err = support::Stream::stdout_(), .ownGroup = true}) {}
  // Next output line with its '\n' ("" at EOF or after 30 s).
  std::string line() {
    auto l = c_.readLine(support::Clock::now() + 30s);
    return l ? *l + "\n" : std::string();
  }
  // Everything it prints until it ends (at most 30 s).
  std::string rest() {
    c_.finish(support::Clock::now() + 30s);
    return c_.out();
  }

 private:
  support::Child c_;
};

uint32_t adler32(const std::string& data) {  // RFC 1950
  uint32_t a = 1, b = 0;
  for (unsigned char c : data) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return b << 16 | a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(thirdparty)

BOOST_AUTO_TEST_CASE(socat_echo_server) {
  Child socat("timeout 30 socat -d -d TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork EXEC:cat");
  std::string l = socat.line();
  auto colon = l.rfind(':');
  BOOST_REQUIRE_MESSAGE(l.find("listening on") != std::string::npos && colon != std::string::npos,
                        "socat said: " << l);
  uint32_t port = static_cast<uint32_t>(std::stoul(l.substr(colon + 1)));
  Guest g;
  int s = g.open("localhost", port);
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  std::string message;
  for (int i = 0; i < 2000; ++i) message += "line " + std::to_string(i) + "\n";
  BOOST_REQUIRE(g.sendAll(s, message));
  BOOST_TEST(g.receive(s, message.size()) == message);
  BOOST_TEST(g.simple(s, Command::Shutdown) == kOk);  // cat sees EOF, exits, socat closes
  BOOST_TEST(g.waitFlag(s, flag::disconn));
  BOOST_TEST(g.simple(s, Command::Close) == kOk);
}

BOOST_AUTO_TEST_CASE(socat_client_half_closes) {
  Guest g;
  int s = g.listen(0);
  BOOST_REQUIRE(g.waitFlag(s, flag::bound));
  uint32_t port = g.slotRegister(s, reg::LPORT);
  std::string answer;
  std::thread client([&] {
    Child socat("sh -c \"printf 'hello socat' | timeout 20 socat -t 10 - TCP:127.0.0.1:" +
                std::to_string(port) + "\"");
    answer = socat.rest();
  });
  BOOST_TEST(g.waitFlag(s, flag::hostc));
  BOOST_TEST(g.receive(s, 11) == "hello socat");
  BOOST_TEST(g.waitFlag(s, flag::disconn));  // socat's stdin ended: FIN
  std::string upper = "HELLO SOCAT";
  BOOST_TEST(g.send(s, upper) == 11);        // sending still works after the peer's FIN
  BOOST_TEST(g.simple(s, Command::Close) == kOk);
  client.join();
  BOOST_TEST(answer == upper);
}

BOOST_AUTO_TEST_CASE(python_server_checksums_what_we_send) {
  const char* script =
      "import socket,zlib\n"
      "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1)\n"
      "print(s.getsockname()[1], flush=True)\n"
      "c,_=s.accept(); d=b''\n"
      "while True:\n"
      "  b=c.recv(65536)\n"
      "  if not b: break\n"
      "  d+=b\n"
      "c.sendall(('%d %08x' % (len(d), zlib.adler32(d))).encode()); c.close()\n";
  support::TempDir dir("tcpnet-thirdparty");
  Child python("timeout 30 python3 " + dir.write("server.py", script));
  std::string l = python.line();
  BOOST_REQUIRE_MESSAGE(!l.empty() && std::isdigit(static_cast<unsigned char>(l[0])), "python said: " << l);
  uint32_t port = static_cast<uint32_t>(std::stoul(l));
  std::string data(300000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(patternByte(i, 3));
  Guest g;
  int s = g.open("127.0.0.1", port);
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  BOOST_REQUIRE(g.sendAll(s, data));
  BOOST_TEST(g.simple(s, Command::Shutdown) == kOk);
  char expected[32];
  std::snprintf(expected, sizeof expected, "%zu %08x", data.size(), adler32(data));
  std::string got;
  BOOST_TEST(g.waitUntil([&] {
    g.recv(s, got);
    return (g.status(s) | g.seen(s)) & flag::disconn;
  }));
  BOOST_TEST(got == expected);
}

BOOST_AUTO_TEST_SUITE_END()
