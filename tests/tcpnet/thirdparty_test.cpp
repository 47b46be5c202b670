// Third-party peers: socat (echo server with EXEC:cat; a client that half-closes) and a python3
// server. Their output is what we check; each child is bounded with timeout(1).
#include <signal.h>
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <thread>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

namespace {

// A child running `command` under /bin/sh with stdout+stderr on a pipe; killed by pid at the end.
class Child {
 public:
  explicit Child(const std::string& command) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_) ::fclose(out_);
  }
  // Next output line ("" at EOF); the child's timeout(1) bounds the wait.
  std::string line() {
    char buf[512];
    return out_ && std::fgets(buf, sizeof buf, out_) ? std::string(buf) : std::string();
  }
  std::string rest() {
    std::string s, l;
    while (!(l = line()).empty()) s += l;
    return s;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
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
  std::FILE* f = std::fopen("/tmp/tcpnet_test_server.py", "w");
  BOOST_REQUIRE(f);
  std::fputs(script, f);
  std::fclose(f);
  Child python("timeout 30 python3 /tmp/tcpnet_test_server.py");
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
