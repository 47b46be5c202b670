// The outbound policy (--tcpnet-connect, --tcpnet-allow, --tcpnet-deny, --tcpnet-hosts) and IPv6
// listening, exercised with loopback addresses only: 127.0.0.0/8 has many, and a listener on
// 127.0.0.3 shows that a forbidden OPEN never even sends a SYN there.
#include <boost/test/unit_test.hpp>

#include "device/net/policy.h"
#include "guest.h"
#include "tests/support/files.h"

using namespace tcpnet;
using namespace tcpnet::test;
namespace ip = boost::asio::ip;

namespace {

ip::tcp::endpoint at(const char* address, uint16_t port) { return {ip::make_address(address), port}; }

Options rules(std::vector<std::string> r, std::string scope = "any") {
  Options o;
  o.connectScope = std::move(scope);
  o.connectRules = std::move(r);
  return o;
}

// OPEN to address:port; the end: hostc (None) or the error's reason.
Reason openTo(Guest& g, const std::string& host, int port) {
  int s = g.open(host, static_cast<uint32_t>(port));
  BOOST_REQUIRE(s >= 0);
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc | flag::error));
  Reason r = (g.seen(s) & flag::error) ? g.reason(s) : Reason::None;
  g.simple(s, Command::Abort);
  return r;
}

// A listener on another loopback address (127.0.0.x), port chosen by the OS.
struct LoopbackListener {
  explicit LoopbackListener(const char* address) : fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = ip::make_address_v4(address).to_uint() == 0 ? 0 : htonl(ip::make_address_v4(address).to_uint());
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_REQUIRE(::listen(fd, 8) == 0);
    socklen_t n = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
    port = ntohs(a.sin_port);
    socket = Socket(fd);
  }
  int fd;
  int port = 0;
  Socket socket;
  bool accepted() { return socket.accept(support::Clock::now() + 200ms).valid(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(policy)

BOOST_AUTO_TEST_CASE(scopes_classify_addresses) {
  BOOST_TEST(ConnectPolicy::isLoopback(ip::make_address("127.0.0.3")));
  BOOST_TEST(ConnectPolicy::isLoopback(ip::make_address("::1")));
  BOOST_TEST(ConnectPolicy::isLoopback(ip::make_address("::ffff:127.0.0.1")));
  BOOST_TEST(ConnectPolicy::isLoopback(ip::make_address("0.0.0.0")));  // reaches this host
  BOOST_TEST(!ConnectPolicy::isLoopback(ip::make_address("10.0.0.1")));
  for (const char* a : {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.1.1", "100.64.0.1",
                        "fd00::1", "fe80::1", "::ffff:192.168.0.1", "127.0.0.1"})
    BOOST_TEST(ConnectPolicy::isPrivate(ip::make_address(a)), a);
  for (const char* a : {"172.32.0.1", "8.8.8.8", "192.0.2.1", "2001:db8::1", "100.128.0.1"})
    BOOST_TEST(!ConnectPolicy::isPrivate(ip::make_address(a)), a);
  // Decisions only: nothing is sent anywhere.
  ConnectPolicy loopback("loopback", {}, HostsFile());
  BOOST_TEST(loopback.allows(at("127.0.0.1", 80)));
  BOOST_TEST(!loopback.allows(at("192.168.1.1", 80)));
  ConnectPolicy priv("private", {}, HostsFile());
  BOOST_TEST(priv.allows(at("192.168.1.1", 80)));
  BOOST_TEST(!priv.allows(at("192.0.2.1", 80)));
  ConnectPolicy exceptions("loopback", {"allow 192.0.2.0/24:443"}, HostsFile());
  BOOST_TEST(exceptions.allows(at("192.0.2.7", 443)));
  BOOST_TEST(!exceptions.allows(at("192.0.2.7", 80)));
  ConnectPolicy v6("any", {"deny [::1]:22", "deny fd00::/8"}, HostsFile());
  BOOST_TEST(!v6.allows(at("::1", 22)));
  BOOST_TEST(v6.allows(at("::1", 23)));
  BOOST_TEST(!v6.allows(at("fd12::5", 1)));
}

BOOST_AUTO_TEST_CASE(bad_rules_are_usage_errors) {
  for (const char* bad : {"deny 127.0.0.1:0", "deny 127.0.0.1:70000", "deny 127.0.0.1/33", "deny [::1",
                          "allow ", "deny ::1/129", "deny [::1]x", "deny name.test/8", "deny 1.2.3.4:x"})
    BOOST_CHECK_THROW(ConnectPolicy("any", {bad}, HostsFile()), PolicyUsageError);
  BOOST_CHECK_THROW(ConnectPolicy("everywhere", {}, HostsFile()), PolicyUsageError);
  support::TempDir d{"tcpnet-policy"};
  BOOST_CHECK_THROW(HostsFile(d.write("hosts", "127.0.0.2\n")), std::invalid_argument);
  BOOST_CHECK_THROW(HostsFile(d.write("hosts2", "300.1.1.1 x\n")), std::invalid_argument);
  BOOST_CHECK_THROW(HostsFile(d.file("missing")), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(first_matching_rule_decides_on_loopback_addresses) {
  LoopbackListener two("127.0.0.2"), three("127.0.0.3");
  Guest g(rules({"allow 127.0.0.2", "deny 127.0.0.0/8"}));
  BOOST_TEST(openTo(g, "127.0.0.2", two.port) == Reason::None);
  BOOST_TEST(two.accepted());
  BOOST_TEST(openTo(g, "127.0.0.3", three.port) == Reason::Forbidden);
  BOOST_TEST(!three.accepted());  // not one SYN went there
}

BOOST_AUTO_TEST_CASE(deny_one_address_and_one_port) {
  LoopbackListener three("127.0.0.3"), one("127.0.0.1"), other("127.0.0.1");
  Guest g(rules({"deny 127.0.0.3", "deny 127.0.0.1:" + std::to_string(one.port)}));
  BOOST_TEST(openTo(g, "127.0.0.3", three.port) == Reason::Forbidden);
  BOOST_TEST(openTo(g, "127.0.0.1", one.port) == Reason::Forbidden);
  BOOST_TEST(!one.accepted());
  BOOST_TEST(openTo(g, "127.0.0.1", other.port) == Reason::None);
}

BOOST_AUTO_TEST_CASE(a_name_that_resolves_to_a_denied_address_is_forbidden) {
  LoopbackListener three("127.0.0.3"), two("127.0.0.2");
  support::TempDir d{"tcpnet-hosts"};
  Options o = rules({"deny 127.0.0.3"});
  o.hostsFile = d.write("hosts", "# test names\n127.0.0.3 evil.test\n127.0.0.2 fine.test  # fine\n");
  Guest g(o);
  BOOST_TEST(openTo(g, "evil.test", three.port) == Reason::Forbidden);
  BOOST_TEST(!three.accepted());
  BOOST_TEST(openTo(g, "EVIL.test", three.port) == Reason::Forbidden);
  BOOST_TEST(openTo(g, "fine.test", two.port) == Reason::None);
  // The snapshot (tcpnet-lsof) shows the reason while the slot is held.
  int s = g.open("evil.test", static_cast<uint32_t>(three.port));
  BOOST_REQUIRE(g.waitFlag(s, flag::error));
  BOOST_TEST(g.row(s).reason == Reason::Forbidden);
  BOOST_TEST(g.row(s).state == State::Failed);
}

BOOST_AUTO_TEST_CASE(a_rule_naming_a_host_covers_its_addresses) {
  LoopbackListener two("127.0.0.2");
  support::TempDir d{"tcpnet-hosts"};
  Options o = rules({"deny blocked.test"});
  o.hostsFile = d.write("hosts", "127.0.0.2 blocked.test\n");
  Guest g(o);
  BOOST_TEST(openTo(g, "127.0.0.2", two.port) == Reason::Forbidden);  // however it is spelt
}

BOOST_AUTO_TEST_CASE(loopback_scope_allows_loopback) {
  LoopbackListener one("127.0.0.1");
  Guest g(rules({}, "loopback"));
  BOOST_TEST(openTo(g, "127.0.0.1", one.port) == Reason::None);
  BOOST_TEST(openTo(g, "localhost", one.port) != Reason::Forbidden);  // ::1 may refuse; not forbidden
}

// Skipped (and reported so by ctest) on a host without an IPv6 loopback.
boost::test_tools::assertion_result haveIpv6(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(support::haveIpv6Loopback());
  r.message() << "this host has no IPv6 loopback (::1)";
  return r;
}

BOOST_AUTO_TEST_CASE(listening_on_ipv6_loopback, *boost::unit_test::precondition(haveIpv6)) {
  Options o;
  o.bindAddress = "::1";
  Guest g(o);
  int s = g.listen(0);
  BOOST_REQUIRE(g.waitFlag(s, flag::bound));
  int port = static_cast<int>(g.slotRegister(s, reg::LPORT));
  Socket c = Socket::connect(port, soon(), Family::v6);
  BOOST_REQUIRE(c.valid());
  BOOST_REQUIRE(g.waitFlag(s, flag::hostc));
  BOOST_TEST(g.addressText(s, Command::Raddr) == "::1");
  BOOST_TEST(!Socket::connect(port, soon(1s), Family::v4).valid());  // not on 127.0.0.1
}

BOOST_AUTO_TEST_SUITE_END()
