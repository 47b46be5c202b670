#include "monitor.h"

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <future>
#include <stdexcept>

#include "device/monitor/protocol.h"
#include "tcpnet.h"

namespace tcpnet {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;

namespace {

std::string isoNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw std::runtime_error("monitor socket " + path + ": " + why);
}

// Connects to the socket at path without blocking; the errno of connect (0 = someone answers).
int probe(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return ENAMETOOLONG;
  std::memcpy(addr.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int r = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  int err = r == 0 ? 0 : errno;
  ::close(fd);
  return err;
}

// Removes the monitor sockets that killed emulators (SIGKILL runs no destructor) left in dir:
// named as monitor::socketName() names them, ours, the pid gone, and connecting refused. Test
// harnesses kill emulators often; without this /tmp fills with dead sockets.
void sweepStale(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    auto named = monitor::pidFromSocketName(e->d_name);
    if (!named) continue;
    pid_t pid = static_cast<pid_t>(*named);
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::string path = dir + "/" + e->d_name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (probe(path) == ECONNREFUSED) ::unlink(path.c_str());
  }
  ::closedir(d);
}

// Creates, binds (mode 0600) and listens on a Unix stream socket at path; returns the fd.
// An existing socket is removed first only if connecting to it is refused (nobody listens).
int bindMonitorSocket(const std::string& path, dev_t& dev, ino_t& ino) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    fail(path, "path must be 1.." + std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.data(), path.size());
  const auto* sa = reinterpret_cast<const sockaddr*>(&addr);

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) fail(path, "exists and is not a socket");
    int err = probe(path);
    if (err == 0 || err == EAGAIN || err == EINPROGRESS)
      fail(path, "another emulator answers on it (choose another --monitor path)");
    if (err == ECONNREFUSED) {  // stale: left by a process that was killed
      if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        fail(path, std::string("cannot remove stale socket: ") + std::strerror(errno));
    } else if (err != ENOENT) {
      fail(path, std::strerror(err));
    }
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(path, std::strerror(errno));
  // Linux takes the new socket file's mode from the socket inode: 0600 from the start, so there
  // is no moment in which another user could connect. chmod afterwards for other systems.
  ::fchmod(fd, 0600);
  if (::bind(fd, sa, sizeof addr) != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 16) != 0 ||
      ::stat(path.c_str(), &st) != 0) {
    int err = errno;
    ::close(fd);
    fail(path, std::strerror(err));
  }
  dev = st.st_dev;
  ino = st.st_ino;
  return fd;
}

// One client: write the document, half-close, read and drop the request until the client
// closes, the request grows beyond kMaxRequest, or the timer ends the session.
class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(asio::io_context& io) : socket_(io), timer_(io) {}
  stream::socket& socket() { return socket_; }

  void start(std::string document) {
    document_ = std::move(document);
    auto self = shared_from_this();
    timer_.expires_after(Monitor::kClientTimeout);
    timer_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) self->finish();
    });
    asio::async_write(socket_, asio::buffer(document_), [self](const boost::system::error_code& ec, size_t) {
      if (ec) return self->finish();
      boost::system::error_code ignored;
      self->socket_.shutdown(stream::socket::shutdown_send, ignored);
      self->document_ = std::string();
      self->drain();
    });
  }

  void finish() {
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void drain() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(scratch_), [self](const boost::system::error_code& ec, size_t n) {
      self->requestBytes_ += n;
      if (ec || self->requestBytes_ > Monitor::kMaxRequest) return self->finish();
      self->drain();
    });
  }

  stream::socket socket_;
  asio::steady_timer timer_;
  std::string document_;
  std::array<char, 512> scratch_;
  size_t requestBytes_ = 0;
};

}  // namespace

std::string monitorDocument(const monitor::Header& header, const std::vector<SlotInfo>& rows, size_t maxRows) {
  monitor::Document doc;
  static_cast<monitor::Header&>(doc) = header;
  const size_t shown = std::min(rows.size(), maxRows);
  for (size_t i = 0; i < shown; ++i) {
    const SlotInfo& r = rows[i];
    doc.slots.push_back({.slot = r.slot, .state = stateName(r.state), .listener = r.listener,
                         .reason = reasonName(r.reason),
                         .localAddress = r.localAddress, .localPort = r.localPort,
                         .remoteAddress = r.remoteAddress, .remotePort = r.remotePort,
                         .bytesReceived = r.bytesReceived, .bytesSent = r.bytesSent,
                         .rxQueued = r.rxQueued, .txQueued = r.txQueued, .serviceRequest = r.serviceRequest,
                         .inFile = r.inFile, .outFile = r.outFile, .ageSeconds = r.ageSeconds,
                         .peerClosed = r.peerClosed, .finSent = r.finSent, .tls = r.tls});
  }
  doc.omitted = rows.size() - shown;
  return monitor::serialize(doc);
}

struct Monitor::Server : std::enable_shared_from_this<Server> {
  Server(TcpNet& net, monitor::Header header, int fd)
      : net(net), io(net.ioContext()), acceptor(io), retry(io), header(std::move(header)) {
    acceptor.assign(stream(), fd);
  }

  void accept() {
    auto session = std::make_shared<Session>(io);
    acceptor.async_accept(session->socket(), [self = shared_from_this(), session](const boost::system::error_code& ec) {
      if (self->stopped || ec == asio::error::operation_aborted) return;
      if (ec) {  // e.g. out of file descriptors: try again a little later, do not spin
        self->retry.expires_after(std::chrono::milliseconds(100));
        self->retry.async_wait([self](const boost::system::error_code& e) {
          if (!e && !self->stopped) self->accept();
        });
        return;
      }
      std::erase_if(self->sessions, [](const std::weak_ptr<Session>& w) { return w.expired(); });
      if (self->sessions.size() < kMaxClients) {
        self->sessions.push_back(session);
        self->header.uptimeSeconds = std::chrono::duration<double>(Clock::now() - self->start).count();
        session->start(monitorDocument(self->header, self->net.snapshot(), kMaxRows));
      } else {
        session->finish();
      }
      self->accept();
    });
  }

  void stop() {
    stopped = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    retry.cancel();
    for (auto& w : sessions)
      if (auto s = w.lock()) s->finish();
  }

  TcpNet& net;
  asio::io_context& io;
  stream::acceptor acceptor;
  asio::steady_timer retry;
  monitor::Header header;
  const Clock::time_point start = Clock::now();
  std::vector<std::weak_ptr<Session>> sessions;
  bool stopped = false;
};

Monitor::Monitor(TcpNet& net, std::string path, std::string image) : path_(std::move(path)) {
  if (path_.empty()) {  // the default place: only in a directory no one else can write
    const std::string dir = monitor::defaultDir();
    if (auto c = monitor::makeDirectory(dir); !c.ok())
      throw std::runtime_error("monitor directory " + dir + " refused: it " + c.why +
                               "; it must be yours alone, mode 0700");
    sweepStale(dir);
    path_ = dir + "/" + monitor::socketName(::getpid());
  }
  monitor::Header header;
  header.pid = ::getpid();
  if (!image.empty()) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(image, ec);
    header.image = ec ? image : absolute.lexically_normal().string();
  }
  header.started = isoNow();
  header.bind = net.options().bindAddress;
  int fd = bindMonitorSocket(path_, dev_, ino_);
  server_ = std::make_shared<Server>(net, std::move(header), fd);
  asio::post(server_->io, [s = server_] { s->accept(); });
}

Monitor::~Monitor() {
  // Stop on the network thread and wait (bounded) so no client is served after the file is gone.
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  asio::post(server_->io, [s = server_, done] {
    s->stop();
    done->set_value();
  });
  future.wait_for(std::chrono::seconds(2));
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) ::unlink(path_.c_str());
}

}  // namespace tcpnet
