#include "policy.h"

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tcpnet {

namespace asio = boost::asio;
using asio::ip::address;
using boost::system::error_code;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports) is its IPv4
// address, so that one rule covers both spellings.
address plain(const address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

std::array<unsigned char, 16> bytesOf(const address& a) {
  std::array<unsigned char, 16> out{};
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), out.begin());
  } else {
    out = a.to_v6().to_bytes();
  }
  return out;
}

bool inNetwork(const address& a, const address& network, unsigned prefix) {
  if (a.is_v4() != network.is_v4()) return false;
  auto x = bytesOf(a), n = bytesOf(network);
  for (unsigned i = 0; i < prefix / 8; ++i)
    if (x[i] != n[i]) return false;
  if (unsigned rest = prefix % 8; rest != 0) {
    unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
    if ((x[prefix / 8] & mask) != (n[prefix / 8] & mask)) return false;
  }
  return true;
}

bool inAny(const address& a, std::initializer_list<std::pair<const char*, unsigned>> networks) {
  for (const auto& [net, prefix] : networks)
    if (inNetwork(a, asio::ip::make_address(net), prefix)) return true;
  return false;
}

}  // namespace

// ---- Hosts file

HostsFile::HostsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("--tcpnet-hosts " + path + ": cannot read it");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string first, name;
    if (!(words >> first)) continue;
    error_code ec;
    address a = asio::ip::make_address(first, ec);
    if (ec) throw std::invalid_argument("--tcpnet-hosts " + path + " line " + std::to_string(number) +
                                        ": '" + first + "' is not an IP address");
    bool any = false;
    while (words >> name) {
      names_[lower(name)].push_back(a);
      any = true;
    }
    if (!any) throw std::invalid_argument("--tcpnet-hosts " + path + " line " + std::to_string(number) +
                                          ": an address without a name");
  }
}

std::vector<address> HostsFile::find(const std::string& name) const {
  auto it = names_.find(lower(name));
  return it == names_.end() ? std::vector<address>{} : it->second;
}

// ---- Policy

bool ConnectPolicy::isLoopback(const address& a0) {
  address a = plain(a0);
  return a.is_loopback() || a.is_unspecified();
}

bool ConnectPolicy::isPrivate(const address& a0) {
  address a = plain(a0);
  if (isLoopback(a)) return true;
  if (a.is_v4())
    return inAny(a, {{"10.0.0.0", 8}, {"172.16.0.0", 12}, {"192.168.0.0", 16}, {"169.254.0.0", 16},
                     {"100.64.0.0", 10}});
  return inAny(a, {{"fc00::", 7}, {"fe80::", 10}});
}

ConnectPolicy::ConnectPolicy(const std::string& scope, const std::vector<std::string>& rules, const HostsFile& hosts) {
  if (scope == "loopback") scope_ = Scope::Loopback;
  else if (scope == "private") scope_ = Scope::Private;
  else if (scope == "any") scope_ = Scope::Any;
  else throw PolicyUsageError("--tcpnet-connect wants loopback, private or any, not '" + scope + "'");
  for (const std::string& r : rules) parse(r, hosts, rules_);
}

// "allow X" or "deny X"; X = HOST_OR_CIDR[:PORT].
void ConnectPolicy::parse(const std::string& text, const HostsFile& hosts, std::vector<Rule>& out) {
  const bool allow = text.rfind("allow ", 0) == 0;
  const std::string option = allow ? "--tcpnet-allow" : "--tcpnet-deny";
  std::string what = text.substr(text.find(' ') + 1);
  auto bad = [&](const std::string& why) { return PolicyUsageError(option + " '" + what + "': " + why); };
  std::string host = what, portText;
  if (!host.empty() && host.front() == '[') {  // [v6] or [v6/len], maybe :PORT after it
    auto close = host.find(']');
    if (close == std::string::npos) throw bad("a '[' without ']'");
    std::string rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw bad("only :PORT may follow ']'");
      portText = rest.substr(1);
    }
  } else if (std::count(host.begin(), host.end(), ':') == 1) {  // name, v4 or v4/len with :PORT
    portText = host.substr(host.find(':') + 1);
    host.resize(host.find(':'));
  }
  Rule rule;
  rule.allow = allow;
  if (!portText.empty() || (!what.empty() && what.back() == ':')) {
    if (portText.empty() || portText.size() > 5 || portText.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(portText) < 1 || std::stoul(portText) > 65535)
      throw bad("the port must be 1..65535");
    rule.port = static_cast<uint16_t>(std::stoul(portText));
  }
  if (host.empty()) throw bad("no host or network");
  std::string prefixText;
  if (auto slash = host.find('/'); slash != std::string::npos) {
    prefixText = host.substr(slash + 1);
    host.resize(slash);
  }
  error_code ec;
  address a = asio::ip::make_address(host, ec);
  if (!ec) {
    rule.network = plain(a);
    unsigned bits = rule.network.is_v4() ? 32 : 128;
    rule.prefix = bits;
    if (!prefixText.empty()) {
      if (prefixText.size() > 3 || prefixText.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(prefixText) > bits)
        throw bad("the prefix length must be 0.." + std::to_string(bits));
      rule.prefix = static_cast<unsigned>(std::stoul(prefixText));
    }
    out.push_back(rule);
    return;
  }
  if (!prefixText.empty()) throw bad("a prefix length needs an address, not a name");
  // A name: its addresses now, from the hosts file or the system's resolver.
  std::vector<address> found = hosts.find(host);
  if (found.empty()) {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    auto results = resolver.resolve(host, "", ec);
    if (ec || results.empty()) throw std::invalid_argument(option + " '" + what + "': cannot resolve '" + host + "'");
    for (const auto& e : results) found.push_back(e.endpoint().address());
  }
  for (const address& f : found) {
    rule.network = plain(f);
    rule.prefix = rule.network.is_v4() ? 32 : 128;
    out.push_back(rule);
  }
}

bool ConnectPolicy::allows(const asio::ip::tcp::endpoint& target) const {
  const address a = plain(target.address());
  for (const Rule& r : rules_)
    if ((r.port == 0 || r.port == target.port()) && inNetwork(a, r.network, r.prefix)) return r.allow;
  switch (scope_) {
    case Scope::Loopback: return isLoopback(a);
    case Scope::Private: return isPrivate(a);
    case Scope::Any: return true;
  }
  return false;
}

}  // namespace tcpnet
