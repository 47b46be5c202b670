// TLS in the device (OPENTLS, LISTENTLS, TLSINFO) against real TLS peers on loopback that nobody
// here wrote: `openssl s_server` and Python's ssl module (tls_peer.py is only the glue), with a
// throwaway CA made by the test (tests/support/pki). Only loopback addresses, ever.
#include <boost/test/unit_test.hpp>

#include "guest.h"
#include "tests/support/files.h"
#include "tests/support/pki.h"
#include "tests/support/process.h"

using namespace tcpnet;
using namespace tcpnet::test;

namespace {

// A peer program with stdout on a pipe (stderr to ours), killed at the end; bounded reads.
class Peer {
 public:
  explicit Peer(const std::vector<std::string>& argv)
      : c_(argv, {.out = support::Stream::pipe(), .err = support::Stream::stdout_(), .ownGroup = true}) {}
  // The port from the first line that has "PORT n" or "ACCEPT addr:n" (s_server); 0 if none in 20 s.
  uint32_t port() {
    auto deadline = support::Clock::now() + 20s;
    while (auto line = c_.readLine(deadline)) {
      if (line->rfind("PORT ", 0) == 0) return static_cast<uint32_t>(std::stoul(line->substr(5)));
      if (line->rfind("ACCEPT ", 0) == 0) return static_cast<uint32_t>(std::stoul(line->substr(line->rfind(':') + 1)));
    }
    return 0;
  }
  std::string rest() {
    c_.finish(support::Clock::now() + 30s);
    return c_.out();
  }

 private:
  support::Child c_;
};

std::string peerScript() { return support::sourceDir() + "/tests/tcpnet/tls_peer.py"; }

// The folder, a trusted CA with its certificates, and a CA nobody trusts.
struct Pki {
  support::TempDir dir{"tcpnet-tls"};
  support::TestPki ca{dir.str(), "trusted"};
  support::TestPki stranger{dir.str(), "stranger"};
  support::CertFiles good = ca.leaf("good", {"localhost"}, {"127.0.0.1", "::1"});
  support::CertFiles otherName = ca.leaf("other", {"otherhost.test"}, {});
  support::CertFiles expired = ca.leaf("expired", {"localhost"}, {"127.0.0.1"}, -30, -1);
  support::CertFiles untrusted = stranger.leaf("untrusted", {"localhost"}, {"127.0.0.1"});
};

Options tlsOptions(const Pki& pki, bool trustCa = true) {
  Options o;
  if (trustCa) o.tlsCa = pki.ca.caFile();
  return o;
}

int32_t openTls(Guest& g, const std::string& host, uint32_t port) {
  g.poke(kNameArea, host + '\0');
  g.put(reg::ADR, kNameArea);
  g.put(reg::LEN, static_cast<uint32_t>(host.size() + 1));
  g.put(reg::PORT, port);
  g.put(reg::LIMIT, kNoLimit);
  int32_t s = g.command(Command::OpenTls);
  g.forget(s >= 0 ? s : 0);
  return s;
}

// Receives until the end of the stream (disconn) or an error; returns the bytes.
std::string receiveAll(Guest& g, int s, std::chrono::milliseconds timeout = 20s) {
  std::string got;
  g.waitUntil([&] {
    g.recv(s, got);
    return (g.status(s) & (flag::disconn | flag::error)) != 0 && g.slotRegister(s, reg::RXAVAIL) == 0;
  }, timeout);
  g.recv(s, got);
  return got;
}

// A TLS peer that serves `cert` with `mode` (send, truncate) and `file`; returns the slot's end.
Reason fetchFrom(const support::CertFiles& cert, const Options& options, const std::string& host,
                 std::string* body = nullptr, const std::string& mode = "send") {
  support::TempDir d{"tcpnet-tls-file"};
  std::string file = d.write("data.bin", support::randomBytes(1000, 7));
  Peer peer({"python3", peerScript(), mode, cert.cert, cert.key, file});
  uint32_t port = peer.port();
  BOOST_REQUIRE(port != 0);
  Guest g(options);
  int s = openTls(g, host, port);
  BOOST_REQUIRE(s >= 0);
  std::string got = receiveAll(g, s);
  if (body) *body = got;
  return (g.seen(s) & flag::error) ? g.reason(s) : Reason::None;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(trusted_fetch_from_openssl_s_server_is_byte_exact) {
  Pki pki;
  support::TempDir www{"tcpnet-www"};
  const std::string body = support::randomBytes(300'000, 42);
  www.write("blob.bin", body);
  Peer server({"/bin/sh", "-c", "cd '" + www.str() + "' && exec timeout 60 openssl s_server -accept 127.0.0.1:0 -cert '" +
                                    pki.good.cert + "' -key '" + pki.good.key + "' -WWW -naccept 1"});
  uint32_t port = server.port();
  BOOST_REQUIRE_MESSAGE(port != 0, "openssl s_server did not say its port");
  Guest g(tlsOptions(pki));
  int s = openTls(g, "localhost", port);
  BOOST_REQUIRE(s >= 0);
  BOOST_TEST((g.status(s) & flag::wconn) != 0u);
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc | flag::error, 20s));
  BOOST_REQUIRE_MESSAGE((g.seen(s) & flag::error) == 0u, "handshake failed: " << g.reason(s));
  BOOST_TEST(g.addressText(s, Command::TlsInfo).rfind("TLSv1.3 ", 0) == 0u);
  BOOST_TEST(g.row(s).tls == "TLSv1.3");
  BOOST_REQUIRE(g.sendAll(s, "GET /blob.bin HTTP/1.0\r\n\r\n"));
  std::string got = receiveAll(g, s, 30s);
  auto headerEnd = got.find("\r\n\r\n");
  BOOST_REQUIRE(headerEnd != std::string::npos);
  BOOST_TEST(got.substr(0, got.find("\r\n")).find("200") != std::string::npos);
  BOOST_TEST((got.substr(headerEnd + 4) == body), "body differs: " << got.size() - headerEnd - 4 << " bytes");
  BOOST_TEST((g.seen(s) & flag::error) == 0u);  // s_server ends with close_notify: a clean end
}

BOOST_AUTO_TEST_CASE(untrusted_certificate_fails_with_untrusted) {
  Pki pki;
  BOOST_TEST(fetchFrom(pki.untrusted, tlsOptions(pki), "localhost") == Reason::Untrusted);
  // The host's own CA store alone does not know the test CA either.
  BOOST_TEST(fetchFrom(pki.good, tlsOptions(pki, false), "localhost") == Reason::Untrusted);
}

BOOST_AUTO_TEST_CASE(wrong_name_fails_with_badname) {
  Pki pki;
  BOOST_TEST(fetchFrom(pki.otherName, tlsOptions(pki), "localhost") == Reason::BadName);
  BOOST_TEST(fetchFrom(pki.otherName, tlsOptions(pki), "127.0.0.1") == Reason::BadName);  // no IP in it
}

BOOST_AUTO_TEST_CASE(expired_certificate_fails_with_expired) {
  Pki pki;
  BOOST_TEST(fetchFrom(pki.expired, tlsOptions(pki), "localhost") == Reason::Expired);
}

BOOST_AUTO_TEST_CASE(ip_literal_is_checked_against_the_certificate_addresses) {
  Pki pki;
  std::string body;
  BOOST_TEST(fetchFrom(pki.good, tlsOptions(pki), "127.0.0.1", &body) == Reason::None);
  BOOST_TEST(body.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(insecure_lets_the_untrusted_one_through) {
  Pki pki;
  Options o;
  o.tlsInsecure = true;
  std::string body;
  BOOST_TEST(fetchFrom(pki.untrusted, o, "localhost", &body) == Reason::None);
  BOOST_TEST((body == support::randomBytes(1000, 7)));
}

BOOST_AUTO_TEST_CASE(cut_stream_without_close_notify_is_protocol_after_the_data) {
  Pki pki;
  std::string body;
  BOOST_TEST(fetchFrom(pki.good, tlsOptions(pki), "localhost", &body, "truncate") == Reason::Protocol);
  BOOST_TEST((body == support::randomBytes(1000, 7)));  // every byte first, then the error
}

BOOST_AUTO_TEST_CASE(backpressure_holds_a_fast_sender_and_loses_nothing) {
  Pki pki;
  support::TempDir d{"tcpnet-tls-big"};
  const std::string big = support::randomBytes(4 << 20, 11);
  std::string file = d.write("big.bin", big);
  Peer peer({"python3", peerScript(), "send", pki.good.cert, pki.good.key, file});
  uint32_t port = peer.port();
  BOOST_REQUIRE(port != 0);
  Options o = tlsOptions(pki);
  Guest g(o);
  int s = openTls(g, "localhost", port);
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc, 20s));
  // The guest takes nothing: the device fills its receive buffer and then reads no more.
  BOOST_REQUIRE(g.waitUntil([&] { return g.slotRegister(s, reg::RXAVAIL) == o.bufferBytes; }, 20s));
  BOOST_TEST(g.row(s).bytesReceived == uint64_t{o.bufferBytes});  // read from TLS = what the guest holds
  std::string got = receiveAll(g, s, 60s);
  BOOST_TEST((got == big), "got " << got.size() << " of " << big.size() << " bytes");
  BOOST_TEST((g.seen(s) & flag::error) == 0u);
}

BOOST_AUTO_TEST_CASE(plain_server_is_protocol) {
  Socket server = Socket::listen(0);
  Guest g(Options{});
  int s = openTls(g, "127.0.0.1", static_cast<uint32_t>(server.localPort()));
  Socket peer = server.accept(soon());
  BOOST_REQUIRE(peer.valid());
  peer.sendAll("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n", soon());
  BOOST_REQUIRE(g.waitFlag(s, flag::error, 20s));
  BOOST_TEST(g.reason(s) == Reason::Protocol);
  BOOST_TEST(g.slotRegister(s, reg::RXAVAIL) == 0u);  // never a silent plain connection
}

BOOST_AUTO_TEST_CASE(half_close_sends_close_notify_and_still_receives) {
  Pki pki;
  Peer peer({"python3", peerScript(), "reply", pki.good.cert, pki.good.key});
  uint32_t port = peer.port();
  BOOST_REQUIRE(port != 0);
  Guest g(tlsOptions(pki));
  int s = openTls(g, "localhost", port);
  BOOST_REQUIRE(s >= 0);
  const std::string request = support::randomBytes(200'000, 9);  // more than the send queue
  BOOST_REQUIRE(g.sendAll(s, request, 20s));
  BOOST_TEST(g.simple(s, Command::Shutdown) == kOk);
  std::string got = receiveAll(g, s, 30s);
  std::string reversed(request.rbegin(), request.rend());
  BOOST_TEST((got == "got 200000 bytes\n" + reversed), "got " << got.size() << " bytes");
  BOOST_TEST((g.seen(s) & flag::error) == 0u);
  BOOST_TEST((g.seen(s) & flag::disconn) != 0u);
}

BOOST_AUTO_TEST_CASE(listentls_serves_a_python_client_and_skips_a_plain_one) {
  Pki pki;
  Options o;
  o.tlsCert = pki.good.cert;
  o.tlsKey = pki.good.key;
  Guest g(o);
  g.put(reg::PORT, 0);
  g.put(reg::LIMIT, 0);
  int s = g.command(Command::ListenTls);
  BOOST_REQUIRE(s >= 0);
  BOOST_REQUIRE(g.waitFlag(s, flag::bound));
  int port = static_cast<int>(g.slotRegister(s, reg::LPORT));
  // A plain slot cannot join a TLS port.
  g.put(reg::PORT, static_cast<uint32_t>(port));
  BOOST_TEST(g.command(Command::Listen) == kBadPort);
  // A client that does not speak TLS never reaches the slot.
  {
    Socket plain = Socket::connect(port, soon());
    BOOST_REQUIRE(plain.valid());
    plain.sendAll("GET / HTTP/1.0\r\n\r\n", soon());
    BOOST_TEST(plain.eof(soon(20s)));  // the handshake fails and the host closes it
  }
  BOOST_TEST((g.status(s) & flag::hostc) == 0u);
  Peer client({"python3", peerScript(), "client", std::to_string(port), pki.ca.caFile(), "hello, Oberon"});
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc, 20s));
  BOOST_TEST(g.addressText(s, Command::TlsInfo).rfind("TLSv1.", 0) == 0u);
  std::string got = g.receive(s, 13);
  BOOST_TEST(got == "hello, Oberon");
  BOOST_REQUIRE(g.sendAll(s, "echo: " + got));
  BOOST_TEST(g.simple(s, Command::Close) == kOk);
  std::string out = client.rest();
  BOOST_TEST(out.find("TLSv1.3 echo: hello, Oberon") != std::string::npos, "client said: " << out);
  BOOST_TEST(out.find("[cut]") == std::string::npos);  // the CLOSE ended with close_notify
}

BOOST_AUTO_TEST_CASE(listentls_without_certificate_is_notls) {
  Guest g;
  g.put(reg::PORT, 0);
  BOOST_TEST(g.command(Command::ListenTls) == kNoTls);
  BOOST_TEST(g.get(reg::INUSE) == 0u);
}

BOOST_AUTO_TEST_CASE(bad_tls_files_are_one_line_errors) {
  support::TempDir d{"tcpnet-tls-bad"};
  Options o;
  o.tlsCa = d.write("junk.pem", "not a certificate\n");
  support::GuestRam ram(kRam);
  risc5::Waker waker;
  try {
    TcpNet net(ram, waker, o);
    BOOST_FAIL("a junk CA file was accepted");
  } catch (const std::invalid_argument& e) {
    BOOST_TEST(std::string(e.what()).find("--tls-ca") != std::string::npos);
    BOOST_TEST(std::string(e.what()).find('\n') == std::string::npos);
  }
  Pki pki;
  Options mismatch;
  mismatch.tlsCert = pki.good.cert;
  mismatch.tlsKey = pki.expired.key;
  BOOST_CHECK_THROW(TcpNet(ram, waker, mismatch), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
