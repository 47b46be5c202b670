// Where the guest may connect (OPEN, OPENTLS), decided on the network thread for every address a
// connection actually tries, after resolution: a name that resolves to a forbidden address is
// refused however it was spelt (no DNS-rebinding gap). docs/tcpnet-device.md, "Outbound policy".
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpnet {

// A rule or scope that is wrong as written (the front end reports it as a usage error); other
// failures (a hosts file that cannot be read, a name that does not resolve) are
// std::invalid_argument.
class PolicyUsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Names the guest may use that the host resolves from a file first (--tcpnet-hosts), in the
// format of /etc/hosts: "ADDRESS NAME [NAME...]", '#' starts a comment.
class HostsFile {
 public:
  HostsFile() = default;
  // Throws std::invalid_argument naming the file and line of the first bad entry.
  explicit HostsFile(const std::string& path);
  // The addresses for `name` (compared without regard to case); empty if the file lacks it.
  std::vector<boost::asio::ip::address> find(const std::string& name) const;

 private:
  std::map<std::string, std::vector<boost::asio::ip::address>> names_;
};

class ConnectPolicy {
 public:
  // scope: "loopback", "private" or "any"; rules: "allow X" / "deny X" in the order given, X =
  // HOST_OR_CIDR[:PORT] (an IPv6 address with a port in brackets: [::1]:80). A host name in a
  // rule is resolved once, here (hosts first, then the system's resolver). Throws
  // std::invalid_argument with one line naming the bad value.
  ConnectPolicy(const std::string& scope, const std::vector<std::string>& rules, const HostsFile& hosts);
  ConnectPolicy() = default;  // any destination

  bool allows(const boost::asio::ip::tcp::endpoint& target) const;

  // Whether `address` is loopback (127/8, ::1, and the unspecified addresses, which reach this
  // host) or private (those, RFC 1918, link-local, shared 100.64/10, fc00::/7, fe80::/10).
  static bool isLoopback(const boost::asio::ip::address& address);
  static bool isPrivate(const boost::asio::ip::address& address);

 private:
  enum class Scope { Loopback, Private, Any };
  struct Rule {
    bool allow = false;
    boost::asio::ip::address network;
    unsigned prefix = 0;  // bits of network that must match
    uint16_t port = 0;    // 0: every port
  };
  static void parse(const std::string& rule, const HostsFile& hosts, std::vector<Rule>& out);

  Scope scope_ = Scope::Any;
  std::vector<Rule> rules_;
};

}  // namespace tcpnet
