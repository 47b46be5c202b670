// Finding emulators and asking them: directory scan, one connection per monitor socket with a
// deadline, and the document (device/monitor/protocol.h reads it).
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
#include <cstring>

#include "device/monitor/protocol.h"
#include "lsof.h"

namespace lsof {

namespace {

constexpr size_t kMaxDocument = 1 << 20;
constexpr const char* kPrivate = "; a monitor directory must be yours alone, mode 0700";

QueryResult failed(Failure f, const std::string& path, const std::string& why) {
  QueryResult r;
  r.failure = f;
  r.message = path + ": " + why;
  return r;
}

std::string staleWhy(const std::string& path) {
  auto slash = path.rfind('/');
  auto pid = monitor::pidFromSocketName(slash == std::string::npos ? path : path.substr(slash + 1));
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
      error = "not reading " + dir + ": it " + monitor::directoryProblem(st) + kPrivate;
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
  if (std::string why = monitor::directoryProblem(st); !why.empty()) {
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
    auto pid = monitor::pidFromSocketName(e->d_name);
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

QueryResult parseDocument(const std::string& text, const std::string& path) {
  monitor::Document doc;
  try {
    doc = monitor::parse(text);
  } catch (const monitor::BadDocument& bad) {
    return failed(Failure::BadDocument, path, bad.what());
  }
  QueryResult r;
  Emulator& e = r.emulator;
  static_cast<monitor::Header&>(e) = doc;
  e.socket = path;
  e.omitted = doc.omitted;
  for (monitor::Slot& slot : doc.slots) e.rows.push_back({std::move(slot), e.pid});
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
