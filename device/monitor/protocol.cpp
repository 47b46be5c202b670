#include "protocol.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <span>

namespace tcpnet::monitor {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// ---- The members and their rules (docs/tcpnet-lsof.md, "Whom it believes": every member).

constexpr std::string_view kStates[] = {"free", "connecting", "listening", "connected", "failed"};
constexpr std::string_view kReasons[] = {"none",      "refused",     "unreachable", "timeout",  "lookup",
                                         "portbusy",  "noresources", "reset",       "closed",   "untrusted",
                                         "badname",   "expired",     "handshake",   "protocol", "forbidden"};
constexpr std::string_view kTls[] = {"", "TLS", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};

enum class Text { Any, Address, FileName, Time };  // what a string member holds
struct Within {                                   // an integer member's range
  long lo, hi;
};
struct OneOf {  // a name from a fixed set
  std::span<const std::string_view> names;
};
constexpr bool kRequired = true;  // the member must be there (the others have defaults)

// The members in the document's order, each with its JSON name and rule: the one list that both
// to_json and from_json walk. A bool is true or false, a uint64_t a count (an integer >= 0) and a
// double seconds (0..1e9): they need no rule of their own.
template <class H, class Visit>
void headerMembers(H& h, Visit&& v) {
  v("pid", h.pid, Within{2, kMaxPid}, kRequired);  // Linux pids; 1 is init, never an emulator
  v("image", h.image, Text::Any);
  v("started", h.started, Text::Time);
  v("uptime", h.uptimeSeconds);
  v("bind", h.bind, Text::Address);
}

template <class S, class Visit>
void slotMembers(S& s, Visit&& v) {
  v("slot", s.slot, Within{-1, 31});
  v("state", s.state, OneOf{kStates}, kRequired);
  v("listener", s.listener);
  v("reason", s.reason, OneOf{kReasons});
  v("local_address", s.localAddress, Text::Address);
  v("local_port", s.localPort, Within{0, 65535});
  v("remote_address", s.remoteAddress, Text::Address);
  v("remote_port", s.remotePort, Within{0, 65535});
  v("bytes_received", s.bytesReceived);
  v("bytes_sent", s.bytesSent);
  v("rx_queued", s.rxQueued);
  v("tx_queued", s.txQueued);
  v("service_request", s.serviceRequest);
  v("in_file", s.inFile, Text::FileName);
  v("out_file", s.outFile, Text::FileName);
  v("age", s.ageSeconds);
  v("peer_closed", s.peerClosed);
  v("fin_sent", s.finSent);
  v("tls", s.tls, OneOf{kTls});
}

// Seconds to the millisecond, as the document has always given them (e.g. 2.704); never negative
// (a clock may step back).
double milliseconds(double seconds) { return seconds < 0 ? 0.0 : std::round(seconds * 1000) / 1000; }

// to_json's visitor: every member, whatever its value.
struct Writer {
  ordered_json& j;
  template <class T, class... Rule>
  void operator()(const char* key, const T& value, Rule...) {
    j[key] = value;
  }
  void operator()(const char* key, double seconds) { j[key] = milliseconds(seconds); }
};

// from_json's visitor. A member that is there must have its type and range; an absent one keeps
// the struct's default unless it is required; unknown members are ignored (a newer emulator may
// add some). The first member that breaks a rule ends the reading: such a document is not from
// our emulator. The message names the member (after `where`, e.g. "slots[3]"), never its value.
class Reader {
 public:
  Reader(const json& o, std::string where) : o_(o), where_(std::move(where)) {
    if (!o.is_object()) fail(nullptr, "is not an object");
  }

  const json* member(const char* key) const {
    auto it = o_.find(key);
    return it == o_.end() ? nullptr : &*it;
  }

  [[noreturn]] void fail(const char* key, const std::string& why) const {
    std::string what = where_;
    if (key) what += (what.empty() ? "" : " ") + std::string(key);
    throw BadDocument("bad answer: " + (what.empty() ? why : what + " " + why));
  }

  void operator()(const char* key, bool& out) const {
    const json* v = member(key);
    if (!v) return;
    if (!v->is_boolean()) fail(key, "is not true or false");
    out = v->get<bool>();
  }

  void operator()(const char* key, uint64_t& out) const {
    const json* v = member(key);
    if (!v) return;
    if (!v->is_number_unsigned()) fail(key, "is not a count (an integer >= 0)");  // negatives are signed
    out = v->get<uint64_t>();
  }

  void operator()(const char* key, double& out) const {
    const json* v = member(key);
    if (!v) return;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0 || v->get<double>() > 1e9)
      fail(key, "is not a number of seconds (0..1e9)");
    out = v->get<double>();
  }

  template <class Int>
  void operator()(const char* key, Int& out, Within range, bool required = false) const {
    const json* v = present(key, required);
    if (!v) return;
    if (!v->is_number_integer()) fail(key, "is not an integer");
    // An unsigned one above hi (>= 0) is out of range before any cast.
    bool inRange = v->is_number_unsigned() ? v->get<uint64_t>() <= static_cast<uint64_t>(range.hi) &&
                                                 static_cast<int64_t>(v->get<uint64_t>()) >= range.lo
                                           : v->get<int64_t>() >= range.lo && v->get<int64_t>() <= range.hi;
    if (!inRange) fail(key, "is outside " + std::to_string(range.lo) + ".." + std::to_string(range.hi));
    out = static_cast<Int>(v->get<int64_t>());
  }

  void operator()(const char* key, std::string& out, OneOf names, bool required = false) const {
    const json* v = present(key, required);
    if (!v) return;
    std::string t = text(key, *v);
    if (std::find(names.names.begin(), names.names.end(), t) == names.names.end()) fail(key, "is not a known name");
    out = std::move(t);
  }

  void operator()(const char* key, std::string& out, Text kind) const {
    const json* v = member(key);
    if (!v) return;
    std::string t = text(key, *v);
    if (kind == Text::Address && !address(t)) fail(key, "is not an IP address");
    if (kind == Text::FileName && !fileName(t))
      fail(key, "is not a file name the device accepts (0..32 characters 21H..7EH)");
    if (kind == Text::Time && !timestamp(t)) fail(key, "is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
    out = std::move(t);
  }

 private:
  const json* present(const char* key, bool required) const {
    const json* v = member(key);
    if (!v && required) fail(key, "is missing");
    return v;
  }

  std::string text(const char* key, const json& v) const {
    if (!v.is_string()) fail(key, "is not a string");
    return v.get<std::string>();
  }

  // Empty, or an IPv4/IPv6 address as Asio writes it (an IPv6 one may end in %scope).
  static bool address(const std::string& t) {
    if (t.empty()) return true;
    unsigned char buffer[sizeof(in6_addr)];
    std::string ip = t, scope;
    if (auto pct = t.find('%'); pct != std::string::npos) {
      ip = t.substr(0, pct);
      scope = t.substr(pct + 1);
      if (scope.empty() || scope.size() > 15 ||
          scope.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
              std::string::npos)
        return false;
    }
    return inet_pton(AF_INET6, ip.c_str(), buffer) == 1 || (scope.empty() && inet_pton(AF_INET, ip.c_str(), buffer) == 1);
  }

  // A file name as the device accepts it from NAMES: 0..32 characters 21H..7EH.
  static bool fileName(const std::string& t) {
    return t.size() <= kMaxFileName && std::all_of(t.begin(), t.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
  }

  // Empty or YYYY-MM-DDTHH:MM:SSZ.
  static bool timestamp(const std::string& t) {
    const std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
    bool ok = t.empty() || t.size() == shape.size();
    for (size_t i = 0; ok && i < t.size(); ++i) ok = shape[i] == 'd' ? t[i] >= '0' && t[i] <= '9' : t[i] == shape[i];
    return ok;
  }

  const json& o_;
  std::string where_;
};

void readSlot(const json& j, Slot& s, std::string where) { slotMembers(s, Reader(j, std::move(where))); }

constexpr std::string_view kSocketPrefix = "oberon-emu-", kSocketSuffix = ".tcpnet";

}  // namespace

// ---- The document

void to_json(ordered_json& j, const Slot& s) {
  j = ordered_json::object();
  slotMembers(s, Writer{j});
}

void to_json(ordered_json& j, const Header& h) {
  j = ordered_json::object();
  headerMembers(h, Writer{j});
}

void to_json(ordered_json& j, const Document& d) {
  j = ordered_json::object();
  j["tcpnet_monitor"] = kVersion;
  headerMembers(d, Writer{j});
  j["slots"] = d.slots;
  j["omitted"] = d.omitted;
}

void from_json(const json& j, Slot& s) { readSlot(j, s, "row"); }

void from_json(const json& j, Header& h) { headerMembers(h, Reader(j, "")); }

void from_json(const json& j, Document& d) {
  auto version = j.is_object() ? j.find("tcpnet_monitor") : j.end();
  if (!j.is_object() || version == j.end() || !version->is_number_integer() || *version != kVersion)
    throw BadDocument("not a tcpnet monitor (version " + std::to_string(kVersion) + ")");
  Reader top(j, "");
  headerMembers(d, top);
  if (const json* slots = top.member("slots")) {
    if (!slots->is_array()) top.fail("slots", "is not an array");
    if (slots->size() > kMaxRows) top.fail("slots", "has more than " + std::to_string(kMaxRows) + " rows");
    d.slots.assign(slots->size(), Slot{});
    for (size_t i = 0; i < slots->size(); ++i) readSlot((*slots)[i], d.slots[i], "slots[" + std::to_string(i) + "]");
  }
  top("omitted", d.omitted);
}

std::string line(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + '\n';
}

std::string serialize(const Document& d) { return line(ordered_json(d)); }

Document parse(std::string_view text) {
  try {
    return json::parse(text).get<Document>();
  } catch (const json::exception& e) {
    // Not only parse_error: a number too large for a double is out_of_range 406 (found by the
    // fuzz target lsof; it once ended tcpnet-lsof with std::terminate). what() is
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; keep the part
    // after the tag: the position and the reason.
    std::string why = e.what();
    if (auto tag = why.find("] "); why.rfind("[json.exception.", 0) == 0 && tag != std::string::npos)
      why.erase(0, tag + 2);
    throw BadDocument("bad answer: " + why);
  }
}

// ---- Where the sockets are

std::string socketName(long pid) {
  return std::string(kSocketPrefix) + std::to_string(pid) + std::string(kSocketSuffix);
}

std::optional<long> pidFromSocketName(std::string_view name) {
  if (name.size() <= kSocketPrefix.size() + kSocketSuffix.size() || !name.starts_with(kSocketPrefix) ||
      !name.ends_with(kSocketSuffix))
    return std::nullopt;
  std::string_view digits = name.substr(kSocketPrefix.size(), name.size() - kSocketPrefix.size() - kSocketSuffix.size());
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::stol(std::string(digits));
}

std::string defaultDir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg == '/' && checkDirectory(xdg).ok()) return std::string(xdg) + "/oberon-emu";
  return "/tmp/oberon-emu-" + std::to_string(::geteuid());
}

std::string defaultPath(long pid) { return defaultDir() + "/" + socketName(pid); }

std::string directoryProblem(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "is a symbolic link";
  if (!S_ISDIR(st.st_mode)) return "is not a directory";
  if (st.st_uid != ::geteuid())
    return "belongs to uid " + std::to_string(st.st_uid) + ", not to uid " + std::to_string(::geteuid());
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("has mode ") + mode + " (group or others have access)";
  }
  return {};
}

DirCheck checkDirectory(const std::string& path) {
  DirCheck c;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    c.missing = errno == ENOENT;
    c.why = c.missing ? "does not exist" : std::string("cannot be examined: ") + std::strerror(errno);
    return c;
  }
  c.why = directoryProblem(st);
  return c;
}

DirCheck makeDirectory(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) {
    ::chmod(path.c_str(), 0700);  // the umask may have taken the owner's own bits
  } else if (errno != EEXIST) {
    DirCheck c;
    c.why = std::string("cannot be created: ") + std::strerror(errno);
    return c;
  }
  return checkDirectory(path);
}

}  // namespace tcpnet::monitor
