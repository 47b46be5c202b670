// Selecting rows (-p, -i, -s), naming endpoints (-n, -P) and printing the table or JSON.
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "lsof.h"

namespace lsof {

namespace {

const char* const kStates[] = {"LISTEN",   "CONNECTING", "ESTABLISHED", "CLOSE_WAIT",
                               "FIN_WAIT", "LAST_ACK",   "CLOSED",      "ERROR"};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<unsigned> portNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 5) return std::nullopt;
    unsigned p = static_cast<unsigned>(std::stoul(text));
    return p <= 65535 ? std::optional<unsigned>(p) : std::nullopt;
  }
  if (const servent* s = ::getservbyname(text.c_str(), "tcp")) return ntohs(static_cast<uint16_t>(s->s_port));
  return std::nullopt;
}

std::string stateColumn(const Row& r) {
  std::string s = lsofState(r);
  if (s == "ERROR" && r.reason != "none" && !r.reason.empty()) s += "(" + r.reason + ")";
  return s;
}

}  // namespace

std::string lsofState(const Row& r) {
  if (r.slot < 0) return "CLOSED";  // released by the guest, the host still drains or lingers
  if (r.state == "failed") return "ERROR";
  if (r.state == "connecting") return "CONNECTING";
  if (r.state == "listening") return "LISTEN";
  if (r.state != "connected") return "CLOSED";
  // The device keeps the slot connected after either FIN; the guest still holds it.
  if (r.peerClosed) return r.finSent ? "LAST_ACK" : "CLOSE_WAIT";
  return r.finSent ? "FIN_WAIT" : "ESTABLISHED";
}

std::optional<Filter::Inet> parseInet(const std::string& text) {
  Filter::Inet inet;
  std::string s = text;
  if (upper(s.substr(0, 3)) == "TCP") s = s.substr(3);
  if (!s.empty() && s[0] == '@') {
    size_t end;
    if (s.size() > 1 && s[1] == '[') {  // @[::1]:port
      end = s.find(']');
      if (end == std::string::npos) return std::nullopt;
      inet.host = s.substr(2, end - 2);
      ++end;
    } else {
      end = s.find(':');
      if (end == std::string::npos) end = s.size();
      inet.host = s.substr(1, end - 1);
    }
    if (inet.host.empty()) return std::nullopt;
    s = s.substr(end);
  }
  if (!s.empty()) {
    if (s[0] != ':') return std::nullopt;
    inet.port = portNumber(s.substr(1));
    if (!inet.port) return std::nullopt;
  }
  return inet;
}

std::optional<std::set<std::string>> parseStates(const std::string& text, std::string& error) {
  std::set<std::string> states;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string s = upper(text.substr(start, comma - start));
    if (s.compare(0, 4, "TCP:") == 0) s = s.substr(4);
    if (std::find(std::begin(kStates), std::end(kStates), s) == std::end(kStates)) {
      error = "unknown state '" + text.substr(start, comma - start) +
              "' (LISTEN, CONNECTING, ESTABLISHED, CLOSE_WAIT, FIN_WAIT, LAST_ACK, CLOSED, ERROR)";
      return std::nullopt;
    }
    states.insert(s);
    start = comma + 1;
  }
  return states;
}

bool matches(const Filter& f, const Row& r, bool resolve) {
  if (!f.pids.empty() && !f.pids.count(r.pid)) return false;
  if (!f.states.empty() && !f.states.count(lsofState(r))) return false;
  if (f.inets.empty()) return true;
  Names names;
  names.hosts = resolve;
  auto endpointMatches = [&](const Filter::Inet& i, const std::string& address, unsigned port) {
    if (i.port && *i.port != port) return false;
    if (i.host.empty()) return true;
    return !address.empty() && (i.host == address || (resolve && i.host == names.host(address)));
  };
  for (const auto& i : f.inets)
    if (endpointMatches(i, r.localAddress, r.localPort) || endpointMatches(i, r.remoteAddress, r.remotePort))
      return true;
  return false;
}

std::string Names::host(const std::string& address) {
  if (address == "0.0.0.0" || address == "::") return "*";
  if (!hosts || address.empty()) return address;
  if (auto it = hostCache.find(address); it != hostCache.end()) return it->second;
  std::string name = address;
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    len = sizeof *v6;
  }
  char text[NI_MAXHOST];
  if (len && ::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, text, sizeof text, nullptr, 0, NI_NAMEREQD) == 0)
    name = text;
  hostCache[address] = name;
  return name;
}

std::string Names::port(unsigned p) {
  if (!ports) return std::to_string(p);
  if (auto it = portCache.find(p); it != portCache.end()) return it->second;
  const servent* s = ::getservbyport(htons(static_cast<uint16_t>(p)), "tcp");
  std::string name = s ? s->s_name : std::to_string(p);
  portCache[p] = name;
  return name;
}

std::string endpointName(const Row& r, Names& names) {
  auto one = [&](const std::string& address, unsigned port) {
    std::string h = names.host(address);
    if (h.find(':') != std::string::npos) h = "[" + h + "]";
    return h + ":" + names.port(port);
  };
  bool local = r.localPort != 0, remote = r.remotePort != 0;
  if (local && remote) return one(r.localAddress, r.localPort) + "->" + one(r.remoteAddress, r.remotePort);
  if (local) return one(r.localAddress, r.localPort);
  if (remote) return "->" + one(r.remoteAddress, r.remotePort);
  return "-";
}

std::string ageText(double seconds) {
  char text[32];
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e9) return "?";  // not from our emulator
  if (seconds < 1) {
    std::snprintf(text, sizeof text, "%dms", static_cast<int>(seconds * 1000));
    return text;
  }
  long s = static_cast<long>(seconds);
  if (s < 60) std::snprintf(text, sizeof text, "%lds", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  else if (s < 86400) std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s % 3600 / 60);
  else std::snprintf(text, sizeof text, "%ldd%02ldh", s / 86400, s % 86400 / 3600);
  return text;
}

// What a monitor socket says is printed on the user's terminal: every byte outside printable
// ASCII is shown as \xNN, so no escape sequence can reach the terminal.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  return out;
}

std::string table(const std::vector<Row>& rows, Names& names) {
  if (rows.empty()) return {};
  bool files = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return !r.inFile.empty() || !r.outFile.empty(); });
  bool tls = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return !r.tls.empty(); });
  std::vector<std::string> head = {"PID", "SLOT", "STATE", "RECV", "SENT", "RXQ", "TXQ", "SRQ", "AGE"};
  if (tls) head.push_back("TLS");
  if (files) head.push_back("FILES");
  head.push_back("NAME");
  const size_t numericFrom = 3, numericTo = 6;  // RECV..TXQ are right-aligned
  std::vector<std::vector<std::string>> cells = {head};
  for (const Row& r : rows) {
    std::vector<std::string> c = {std::to_string(r.pid), r.slot < 0 ? "-" : std::to_string(r.slot), stateColumn(r),
                                  std::to_string(r.bytesReceived), std::to_string(r.bytesSent),
                                  std::to_string(r.rxQueued), std::to_string(r.txQueued),
                                  r.serviceRequest ? "*" : "-", ageText(r.ageSeconds)};
    if (tls) c.push_back(r.tls.empty() ? "-" : r.tls);
    if (files) c.push_back((r.inFile.empty() ? "-" : r.inFile) + "/" + (r.outFile.empty() ? "-" : r.outFile));
    c.push_back(endpointName(r, names));
    for (std::string& cell : c) cell = printable(cell);
    cells.push_back(std::move(c));
  }
  std::vector<size_t> width(head.size(), 0);
  for (const auto& c : cells)
    for (size_t i = 0; i < c.size(); ++i) width[i] = std::max(width[i], c[i].size());
  std::string out;
  for (const auto& c : cells) {
    std::string line;
    for (size_t i = 0; i < c.size(); ++i) {
      if (i) line += "  ";
      size_t pad = width[i] - c[i].size();
      if (i + 1 == c.size()) line += c[i];  // NAME, last: no trailing blanks
      else if (i >= numericFrom && i <= numericTo) line += std::string(pad, ' ') + c[i];
      else line += c[i] + std::string(pad, ' ');
    }
    out += line + "\n";
  }
  return out;
}

namespace {

using ordered_json = nlohmann::ordered_json;

// A row in the report: the tool's view first (the state as in the table, the device's reason and
// its own state), then the monitor's members as the protocol writes them, with the endpoints'
// name after the ports.
ordered_json reportRow(const Row& r, Names& names) {
  const ordered_json slot = static_cast<const monitor::Slot&>(r);
  ordered_json out = {{"slot", slot.at("slot")},
                      {"state", lsofState(r)},
                      {"reason", slot.at("reason")},
                      {"device_state", slot.at("state")}};
  for (const auto& [key, value] : slot.items()) {
    if (out.contains(key)) continue;  // slot, reason; the monitor's "state" is device_state here
    out[key] = value;
    if (key == "remote_port") out["name"] = endpointName(r, names);
  }
  return out;
}

}  // namespace

std::string jsonReport(const std::vector<Emulator>& emulators, Names& names) {
  // ordered_json: members in the documented order (docs/tcpnet-lsof.md).
  ordered_json list = ordered_json::array();
  for (const Emulator& m : emulators) {
    ordered_json e = {{"socket", m.socket}};
    e.update(ordered_json(static_cast<const monitor::Header&>(m)));  // pid, image, started, uptime, bind
    e["omitted"] = m.omitted;
    e["slots"] = ordered_json::array();
    for (const Row& r : m.rows) e["slots"].push_back(reportRow(r, names));
    list.push_back(std::move(e));
  }
  // Paths and resolved names need not be UTF-8: monitor::line replaces bad bytes rather than throw.
  return monitor::line(ordered_json{{"emulators", std::move(list)}});
}

}  // namespace lsof
