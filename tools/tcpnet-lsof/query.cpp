// Finding emulators and asking them: directory scan, one connection per monitor socket with a
// deadline, the document, and (for older emulators) the kernel's view of each connection from /proc.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lsof.h"

namespace lsof {

namespace {

constexpr size_t kMaxDocument = 1 << 20;
constexpr const char* kPrefix = "oberon-emu-";
constexpr const char* kSuffix = ".tcpnet";

QueryResult failed(Failure f, const std::string& path, const std::string& why) {
  QueryResult r;
  r.failure = f;
  r.message = path + ": " + why;
  return r;
}

std::string staleWhy(const std::string& path) {
  auto slash = path.rfind('/');
  auto pid = pidFromSocketName(slash == std::string::npos ? path : path.substr(slash + 1));
  if (pid && !processAlive(*pid))
    return "no emulator answers: stale socket, process " + std::to_string(*pid) + " is gone";
  return "no emulator answers: stale socket (was its emulator killed?)";
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string defaultDir() {
  const char* dir = std::getenv("XDG_RUNTIME_DIR");
  return dir && *dir ? dir : "/tmp";
}

std::optional<long> pidFromSocketName(const std::string& name) {
  const size_t p = std::strlen(kPrefix), s = std::strlen(kSuffix);
  if (name.size() <= p + s || name.compare(0, p, kPrefix) != 0 || name.compare(name.size() - s, s, kSuffix) != 0)
    return std::nullopt;
  std::string digits = name.substr(p, name.size() - p - s);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stol(digits);
}

bool processAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH); }

std::vector<Candidate> scan(const std::string& dir, std::string& error) {
  std::vector<Candidate> found;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    error = "cannot read directory " + dir + ": " + std::strerror(errno);
    return found;
  }
  while (dirent* e = ::readdir(d)) {
    auto pid = pidFromSocketName(e->d_name);
    if (!pid) continue;
    std::string path = dir + "/" + e->d_name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) found.push_back({path, *pid});
  }
  ::closedir(d);
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) { return a.pid < b.pid; });
  return found;
}

QueryResult query(const std::string& path, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return failed(Failure::NotFound, path, "no such socket");
    if (err == EACCES) return failed(Failure::Permission, path, "permission denied");
    return failed(Failure::Other, path, std::strerror(err));
  }
  if (!S_ISSOCK(st.st_mode)) return failed(Failure::NotSocket, path, "not a socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return failed(Failure::Other, path, "path too long for a socket");
  std::memcpy(addr.sun_path, path.data(), path.size());

  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return failed(Failure::Other, path, std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    if (err == EACCES || err == EPERM)
      return failed(Failure::Permission, path, "permission denied (the socket is mode 0600: run as the emulator's user)");
    if (err == ECONNREFUSED) return failed(Failure::Stale, path, staleWhy(path));
    if (err == ENOENT) return failed(Failure::NotFound, path, "no such socket");
    if (err == EAGAIN) return failed(Failure::Timeout, path, "the emulator does not accept connections (busy)");
    return failed(Failure::Other, path, std::strerror(err));
  }
  ::shutdown(fd.get(), SHUT_WR);  // no request: the monitor answers an empty one

  std::string text;
  char buffer[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return failed(Failure::Timeout, path, "no answer within " + std::to_string(timeout.count()) + " ms");
    pollfd p{fd.get(), POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failed(Failure::Other, path, std::strerror(errno));
    if (n == 0) continue;
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) return failed(Failure::Other, path, std::string("read: ") + std::strerror(errno));
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > kMaxDocument) return failed(Failure::BadDocument, path, "answer longer than 1 MiB");
  }
  return parseDocument(text, path);
}

namespace {

using json = nlohmann::json;

// Typed member access: absent or mistyped members (an older or broken monitor) give the fallback
// instead of a type_error.
const json* member(const json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}
std::string str(const json& o, const char* key, std::string fallback = {}) {
  const json* v = member(o, key);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}
double num(const json& o, const char* key, double fallback = 0) {
  const json* v = member(o, key);
  return v && v->is_number() && std::isfinite(v->get<double>()) ? v->get<double>() : fallback;
}
// An integer member within [lo, hi]; anything else (a socket that is not our emulator) gives the
// fallback, never an out-of-range cast.
long bounded(const json& o, const char* key, long lo, long hi, long fallback) {
  double d = num(o, key, static_cast<double>(fallback));
  return d >= static_cast<double>(lo) && d <= static_cast<double>(hi) ? static_cast<long>(d) : fallback;
}
// Byte counts: exact over the whole 64-bit range; negative or mistyped gives 0.
uint64_t count(const json& o, const char* key) {
  const json* v = member(o, key);
  if (v && v->is_number_unsigned()) return v->get<uint64_t>();
  return v && v->is_number() && v->get<double>() > 0 ? static_cast<uint64_t>(v->get<double>()) : 0;
}
bool flag(const json& o, const char* key) {
  const json* v = member(o, key);
  return v && v->is_boolean() && v->get<bool>();
}

}  // namespace

QueryResult parseDocument(const std::string& text, const std::string& path) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; keep
    // the part after the tag: the position and the reason.
    std::string why = e.what();
    if (auto tag = why.find("] "); why.rfind("[json.exception.", 0) == 0 && tag != std::string::npos)
      why.erase(0, tag + 2);
    return failed(Failure::BadDocument, path, "bad answer: " + why);
  }
  if (num(doc, "tcpnet_monitor") != 1) return failed(Failure::BadDocument, path, "not a tcpnet monitor (version 1)");
  QueryResult r;
  Emulator& e = r.emulator;
  e.socket = path;
  e.pid = bounded(doc, "pid", 2, 4194304, 0);  // Linux pids; 1 is init, never an emulator
  if (e.pid == 0) return failed(Failure::BadDocument, path, "bad answer: no valid pid");
  e.image = str(doc, "image");
  e.started = str(doc, "started");
  e.bind = str(doc, "bind");
  e.uptimeSeconds = num(doc, "uptime");
  e.omitted = count(doc, "omitted");
  if (const json* slots = member(doc, "slots"); slots && slots->is_array()) {
    for (const json& s : *slots) {
      Row row;
      row.pid = e.pid;
      row.slot = static_cast<int>(bounded(s, "slot", -1, 31, -1));
      row.deviceState = str(s, "state");
      row.reason = str(s, "reason", "none");
      row.listener = flag(s, "listener");
      row.localAddress = str(s, "local_address");
      row.remoteAddress = str(s, "remote_address");
      row.localPort = static_cast<unsigned>(bounded(s, "local_port", 0, 65535, 0));
      row.remotePort = static_cast<unsigned>(bounded(s, "remote_port", 0, 65535, 0));
      row.bytesReceived = count(s, "bytes_received");
      row.bytesSent = count(s, "bytes_sent");
      row.rxQueued = count(s, "rx_queued");
      row.txQueued = count(s, "tx_queued");
      row.serviceRequest = flag(s, "service_request");
      row.inFile = str(s, "in_file");
      row.outFile = str(s, "out_file");
      row.ageSeconds = num(s, "age");
      const json* peer = member(s, "peer_closed");
      const json* fin = member(s, "fin_sent");
      row.closeKnown = peer && peer->is_boolean() && fin && fin->is_boolean();
      row.peerClosed = flag(s, "peer_closed");
      row.finSent = flag(s, "fin_sent");
      e.rows.push_back(std::move(row));
    }
  }
  return r;
}

namespace {

// /proc/net/tcp prints each address word as the raw 32-bit value in hex (host byte order).
std::string procAddress(const std::string& hex) {
  if (hex.size() == 8) {
    in_addr a{};
    a.s_addr = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
    char text[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, &a, text, sizeof text) ? text : "";
  }
  if (hex.size() == 32) {
    in6_addr a{};
    for (int i = 0; i < 4; ++i) {
      uint32_t w = static_cast<uint32_t>(std::stoul(hex.substr(8 * i, 8), nullptr, 16));
      std::memcpy(&a.s6_addr[4 * i], &w, 4);
    }
    char text[INET6_ADDRSTRLEN];
    if (IN6_IS_ADDR_V4MAPPED(&a)) return inet_ntop(AF_INET, &a.s6_addr[12], text, sizeof text) ? text : "";
    return inet_ntop(AF_INET6, &a, text, sizeof text) ? text : "";
  }
  return "";
}

const char* tcpStateName(unsigned st) {
  static const char* const names[] = {"",          "ESTABLISHED", "SYN_SENT",   "SYN_RECV",
                                      "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",  "CLOSE",
                                      "CLOSE_WAIT", "LAST_ACK",   "LISTEN",     "CLOSING"};
  return st < std::size(names) ? names[st] : "";
}

}  // namespace

void addKernelStates(Emulator& e) {
  if (std::all_of(e.rows.begin(), e.rows.end(), [](const Row& r) { return r.closeKnown || r.remotePort == 0; }))
    return;  // the device told us everything; /proc is not needed
  for (const char* file : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(e.pid) + "/net/" + file);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, state;
      if (!(fields >> sl >> local >> remote >> state)) continue;
      auto lc = local.find(':'), rc = remote.find(':');
      if (lc == std::string::npos || rc == std::string::npos) continue;
      try {
        unsigned lport = static_cast<unsigned>(std::stoul(local.substr(lc + 1), nullptr, 16));
        unsigned rport = static_cast<unsigned>(std::stoul(remote.substr(rc + 1), nullptr, 16));
        for (Row& r : e.rows) {
          if (r.closeKnown || r.localPort != lport || r.remotePort != rport || r.remotePort == 0) continue;
          if (procAddress(local.substr(0, lc)) != r.localAddress || procAddress(remote.substr(0, rc)) != r.remoteAddress)
            continue;
          r.kernelState = tcpStateName(static_cast<unsigned>(std::stoul(state, nullptr, 16)));
        }
      } catch (const std::exception&) {  // a malformed line: skip it
      }
    }
  }
}

}  // namespace lsof
