// Finding emulators and asking them: directory scan, one connection per monitor socket with a
// deadline, and the document.
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
#include <cmath>
#include <nlohmann/json.hpp>

#include "device/monitor/monitor_dir.h"
#include "lsof.h"

namespace lsof {

namespace {

constexpr size_t kMaxDocument = 1 << 20;
constexpr const char* kPrefix = "oberon-emu-";
constexpr const char* kSuffix = ".tcpnet";
constexpr const char* kPrivate = "; a monitor directory must be yours alone, mode 0700";

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

std::string defaultDir() { return tcpnet::monitordir::defaultDir(); }

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

std::vector<Candidate> scan(const std::string& dir, std::string& error, bool* missing) {
  std::vector<Candidate> found;
  if (missing) *missing = false;
  // Opened without following a symbolic link, then checked on the descriptor: what is read is
  // what was checked.
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (missing) *missing = err == ENOENT;
    struct stat st {};
    if ((err == ELOOP || err == ENOTDIR) && ::lstat(dir.c_str(), &st) == 0) {
      error = "not reading " + dir + ": it " + tcpnet::monitordir::problem(st) + kPrivate;
    } else {
      error = "cannot read directory " + dir + ": " + std::strerror(err);
    }
    return found;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = "cannot read directory " + dir + ": " + std::strerror(errno);
    ::close(fd);
    return found;
  }
  if (std::string why = tcpnet::monitordir::problem(st); !why.empty()) {
    error = "not reading " + dir + ": it " + why + kPrivate;
    ::close(fd);
    return found;
  }
  DIR* d = ::fdopendir(fd);
  if (!d) {
    error = "cannot read directory " + dir + ": " + std::strerror(errno);
    ::close(fd);
    return found;
  }
  while (dirent* e = ::readdir(d)) {
    auto pid = pidFromSocketName(e->d_name);
    if (!pid) continue;
    std::string path = dir + "/" + e->d_name;
    struct stat sst {};
    if (::fstatat(::dirfd(d), e->d_name, &sst, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(sst.st_mode)) continue;
    std::string problem;
    if (sst.st_uid != ::geteuid())
      problem = path + ": the socket belongs to uid " + std::to_string(sst.st_uid) + ", not to you";
    else if (sst.st_mode & 077)
      problem = path + ": the socket is open to group or others (an emulator makes it mode 0600)";
    found.push_back({path, *pid, problem});
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
    if (err == EACCES) return failed(Failure::Permission, path, "permission denied (run as the emulator's user)");
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
  // Who serves the socket (the process that called listen()): the kernel's word, not the answer's.
  ucred cred{};
  socklen_t credLength = sizeof cred;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &credLength) != 0)
    return failed(Failure::Other, path, std::string("SO_PEERCRED: ") + std::strerror(errno));
  const Peer peer{static_cast<long>(cred.pid), static_cast<unsigned long>(cred.uid)};
  if (peer.uid != ::geteuid())  // another user's answer is not read at all
    return failed(Failure::OtherUser, path, peerProblem(peer, 0, ::geteuid()));
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
  QueryResult r = parseDocument(text, path);
  if (r.failure != Failure::None) return r;
  if (std::string why = peerProblem(peer, r.emulator.pid, ::geteuid()); !why.empty())
    return failed(Failure::BadDocument, path, why);
  return r;
}

namespace {

using json = nlohmann::json;

// A document that breaks a rule below is not from our emulator: the reader stops at the first
// such member and the whole answer is skipped. what names the member, never its value (a value
// could carry escape sequences to the terminal).
struct Bad {
  std::string what;
};

const char* const kDeviceStates[] = {"free", "connecting", "listening", "connected", "failed"};
const char* const kReasons[] = {"none",     "refused",     "unreachable", "timeout", "lookup",
                                "portbusy", "noresources", "reset",       "closed"};

// Members are optional (an older emulator lacks the later ones: absent means the default), but a
// member that is there must have its type and range. Unknown members are ignored.
class Reader {
 public:
  Reader(const json& o, std::string where) : o_(o), where_(std::move(where)) {
    if (!o.is_object()) fail("is not an object");
  }
  const json* member(const char* key) const {
    auto it = o_.find(key);
    return it == o_.end() ? nullptr : &*it;
  }
  [[noreturn]] void fail(const std::string& why, const char* key = nullptr) const {
    std::string what = where_;
    if (key) what += (what.empty() ? "" : " ") + std::string(key);
    throw Bad{what + " " + why};
  }
  long integer(const char* key, long lo, long hi, long fallback) const {
    const json* v = member(key);
    if (!v) return fallback;
    if (!v->is_number_integer()) fail("is not an integer", key);
    // An unsigned one above hi (>= 0) is out of range before any cast.
    bool inRange = v->is_number_unsigned() ? v->get<uint64_t>() <= static_cast<uint64_t>(hi) &&
                                                 static_cast<int64_t>(v->get<uint64_t>()) >= lo
                                           : v->get<int64_t>() >= lo && v->get<int64_t>() <= hi;
    if (!inRange)
      fail("is outside " + std::to_string(lo) + ".." + std::to_string(hi), key);
    return static_cast<long>(v->get<int64_t>());
  }
  uint64_t count(const char* key) const {
    const json* v = member(key);
    if (!v) return 0;
    if (!v->is_number_unsigned()) fail("is not a count (an integer >= 0)", key);  // negatives are signed
    return v->get<uint64_t>();
  }
  double seconds(const char* key) const {
    const json* v = member(key);
    if (!v) return 0;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < 0 || v->get<double>() > 1e9)
      fail("is not a number of seconds (0..1e9)", key);
    return v->get<double>();
  }
  bool flag(const char* key) const {
    const json* v = member(key);
    if (!v) return false;
    if (!v->is_boolean()) fail("is not true or false", key);
    return v->get<bool>();
  }
  std::string text(const char* key) const {
    const json* v = member(key);
    if (!v) return {};
    if (!v->is_string()) fail("is not a string", key);
    return v->get<std::string>();
  }
  template <size_t N>
  std::string oneOf(const char* key, const char* const (&names)[N], const char* fallback) const {
    const json* v = member(key);
    if (!v) return fallback;
    std::string t = text(key);
    if (std::find(std::begin(names), std::end(names), t) == std::end(names)) fail("is not a known name", key);
    return t;
  }
  // Empty, or an IPv4/IPv6 address as Asio writes it (an IPv6 one may end in %scope).
  std::string address(const char* key) const {
    std::string t = text(key);
    if (t.empty()) return t;
    unsigned char buffer[sizeof(in6_addr)];
    std::string ip = t, scope;
    if (auto pct = t.find('%'); pct != std::string::npos) {
      ip = t.substr(0, pct);
      scope = t.substr(pct + 1);
      if (scope.empty() || scope.size() > 15 ||
          scope.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
              std::string::npos)
        fail("is not an IP address", key);
    }
    if (inet_pton(AF_INET6, ip.c_str(), buffer) != 1 && (!scope.empty() || inet_pton(AF_INET, ip.c_str(), buffer) != 1))
      fail("is not an IP address", key);
    return t;
  }
  // A file name as the device accepts it from NAMES: 0..32 characters 21H..7EH.
  std::string fileName(const char* key) const {
    std::string t = text(key);
    if (t.size() > 32 || std::any_of(t.begin(), t.end(), [](char c) { return c < 0x21 || c > 0x7E; }))
      fail("is not a file name the device accepts (0..32 characters 21H..7EH)", key);
    return t;
  }
  // Empty or YYYY-MM-DDTHH:MM:SSZ.
  std::string timestamp(const char* key) const {
    std::string t = text(key);
    const std::string shape = "dddd-dd-ddTdd:dd:ddZ";
    bool ok = t.empty() || t.size() == shape.size();
    for (size_t i = 0; ok && i < t.size(); ++i)
      ok = shape[i] == 'd' ? t[i] >= '0' && t[i] <= '9' : t[i] == shape[i];
    if (!ok) fail("is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)", key);
    return t;
  }

 private:
  const json& o_;
  std::string where_;
};

}  // namespace

QueryResult parseDocument(const std::string& text, const std::string& path) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    // Not only parse_error: a number too large for a double is out_of_range 406 (found by the
    // fuzz target lsof; it ended the tool with std::terminate). what() is
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; keep
    // the part after the tag: the position and the reason.
    std::string why = e.what();
    if (auto tag = why.find("] "); why.rfind("[json.exception.", 0) == 0 && tag != std::string::npos)
      why.erase(0, tag + 2);
    return failed(Failure::BadDocument, path, "bad answer: " + why);
  }
  {
    auto version = doc.is_object() ? doc.find("tcpnet_monitor") : doc.end();
    if (!doc.is_object() || version == doc.end() || !version->is_number_integer() || *version != 1)
      return failed(Failure::BadDocument, path, "not a tcpnet monitor (version 1)");
  }
  QueryResult r;
  Emulator& e = r.emulator;
  e.socket = path;
  try {
    Reader top(doc, "");
    if (!top.member("pid")) top.fail("is missing", "pid");
    e.pid = top.integer("pid", 2, kMaxPid, 0);  // Linux pids; 1 is init, never an emulator
    e.image = top.text("image");
    e.started = top.timestamp("started");
    e.bind = top.address("bind");
    e.uptimeSeconds = top.seconds("uptime");
    e.omitted = top.count("omitted");
    if (const json* slots = top.member("slots")) {
      if (!slots->is_array()) top.fail("is not an array", "slots");
      if (slots->size() > kMaxRows) top.fail("has more than " + std::to_string(kMaxRows) + " rows", "slots");
      for (size_t i = 0; i < slots->size(); ++i) {
        Reader s((*slots)[i], "slots[" + std::to_string(i) + "]");
        Row row;
        row.pid = e.pid;
        row.slot = static_cast<int>(s.integer("slot", -1, 31, -1));
        if (!s.member("state")) s.fail("is missing", "state");
        row.deviceState = s.oneOf("state", kDeviceStates, "");
        row.reason = s.oneOf("reason", kReasons, "none");
        row.listener = s.flag("listener");
        row.localAddress = s.address("local_address");
        row.remoteAddress = s.address("remote_address");
        row.localPort = static_cast<unsigned>(s.integer("local_port", 0, 65535, 0));
        row.remotePort = static_cast<unsigned>(s.integer("remote_port", 0, 65535, 0));
        row.bytesReceived = s.count("bytes_received");
        row.bytesSent = s.count("bytes_sent");
        row.rxQueued = s.count("rx_queued");
        row.txQueued = s.count("tx_queued");
        row.serviceRequest = s.flag("service_request");
        row.inFile = s.fileName("in_file");
        row.outFile = s.fileName("out_file");
        row.ageSeconds = s.seconds("age");
        row.peerClosed = s.flag("peer_closed");
        row.finSent = s.flag("fin_sent");
        e.rows.push_back(std::move(row));
      }
    }
  } catch (const Bad& bad) {
    return failed(Failure::BadDocument, path, "bad answer: " + bad.what);
  }
  return r;
}

std::string peerProblem(const Peer& peer, long documentPid, unsigned long me) {
  if (peer.uid != me)
    return "served by uid " + std::to_string(peer.uid) + ", not by you (uid " + std::to_string(me) + ")";
  if (!processAlive(documentPid)) return "bad answer: pid " + std::to_string(documentPid) + " is not a running process";
  if (peer.pid != documentPid)
    return "bad answer: it says pid " + std::to_string(documentPid) + ", but pid " + std::to_string(peer.pid) +
           " serves the socket";
  return {};
}

}  // namespace lsof
