#include "tests/support/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace support {

namespace {

int msLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : left > 1 << 30 ? 1 << 30 : static_cast<int>(left);
}

// Waits for `events` on fd until the deadline; true if they came (or an error/hang-up).
bool await(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, msLeft(deadline));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};

Address loopback(int port, Family family) {
  Address a;
  if (family == Family::v6) {
    auto* s = reinterpret_cast<sockaddr_in6*>(&a.storage);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(static_cast<uint16_t>(port));
    s->sin6_addr = in6addr_loopback;
    a.length = sizeof *s;
  } else {
    auto* s = reinterpret_cast<sockaddr_in*>(&a.storage);
    s->sin_family = AF_INET;
    s->sin_port = htons(static_cast<uint16_t>(port));
    s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.length = sizeof *s;
  }
  return a;
}

// A non-blocking connect finished by the deadline; the socket or an invalid one (errno set).
Socket connectTo(int domain, Address a, Clock::time_point deadline) {
  int fd = ::socket(domain, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Socket();
  auto fail = [fd](int err) {
    ::close(fd);
    errno = err;
    return Socket();
  };
  if (::connect(fd, a.get(), a.length) != 0) {
    if (errno != EINPROGRESS) return fail(errno);
    if (!await(fd, POLLOUT, deadline)) return fail(ETIMEDOUT);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return fail(err);
  }
  Socket s(fd);
  if (domain != AF_UNIX) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return s;
}

}  // namespace

Socket::Socket(int fd) : fd_(fd) {
  if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

Socket::~Socket() { close(); }

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    close();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void Socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Socket Socket::listen(int port, Family family, bool reuse) {
  Socket s(::socket(family == Family::v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  Address a = loopback(port, family);
  int one = 1;
  if (reuse && s.valid()) ::setsockopt(s.fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!s.valid() || ::bind(s.fd_, a.get(), a.length) != 0 || ::listen(s.fd_, 64) != 0)
    throw std::runtime_error(std::string("cannot listen on the loopback: ") + std::strerror(errno));
  return s;
}

Socket Socket::connect(int port, Clock::time_point deadline, Family family) {
  return connectTo(family == Family::v6 ? AF_INET6 : AF_INET, loopback(port, family), deadline);
}

Socket Socket::connectRetrying(int port, Clock::time_point deadline) {
  for (;;) {
    Socket s = connect(port, deadline);
    if (s.valid() || Clock::now() >= deadline) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the listener is not there yet
  }
}

Socket Socket::connectUnix(const std::string& path, Clock::time_point deadline) {
  Address a;
  auto* s = reinterpret_cast<sockaddr_un*>(&a.storage);
  s->sun_family = AF_UNIX;
  if (path.size() >= sizeof s->sun_path) {
    errno = ENAMETOOLONG;
    return Socket();
  }
  std::strncpy(s->sun_path, path.c_str(), sizeof s->sun_path - 1);
  a.length = sizeof *s;
  for (;;) {
    Socket c = connectTo(AF_UNIX, a, deadline);
    // A Unix socket's full backlog answers EAGAIN at once: try again until the deadline.
    if (c.valid() || errno != EAGAIN || Clock::now() >= deadline) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Socket Socket::accept(Clock::time_point deadline) {
  for (;;) {
    if (!await(fd_, POLLIN, deadline)) return Socket();
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c >= 0) return Socket(c);
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) return Socket();
  }
}

bool Socket::sendAll(const std::string& bytes, Clock::time_point deadline) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n > 0) off += static_cast<size_t>(n);
    else if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    else if (!await(fd_, POLLOUT, deadline)) return false;
  }
  return true;
}

std::string Socket::recv(size_t n, Clock::time_point deadline) {
  std::string out;
  char buf[65536];
  while (out.size() < n) {
    ssize_t k = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
    if (k > 0) out.append(buf, static_cast<size_t>(k));
    else if (k == 0 || (errno != EAGAIN && errno != EINTR)) break;
    else if (!await(fd_, POLLIN, deadline)) break;
  }
  return out;
}

std::string Socket::recvSome(Clock::time_point deadline) {
  char buf[65536];
  for (;;) {
    ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
    if (k > 0) return std::string(buf, static_cast<size_t>(k));
    if (k == 0 || (errno != EAGAIN && errno != EINTR)) return "";
    if (!await(fd_, POLLIN, deadline)) return "";
  }
}

std::string Socket::readAll(Clock::time_point deadline) { return recv(static_cast<size_t>(-1), deadline); }

int Socket::readAll(Clock::time_point deadline, std::string& into) { return readToEnd(deadline, &into); }

int Socket::readToEnd(Clock::time_point deadline, std::string* into) {
  char buf[65536];
  for (;;) {
    ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
    if (k > 0) {
      if (into) into->append(buf, static_cast<size_t>(k));
    }
    else if (k == 0) return 0;
    else if (errno != EAGAIN && errno != EINTR) return errno;
    else if (!await(fd_, POLLIN, deadline)) return -1;
  }
}

std::string Socket::readUntil(const std::string& text, Clock::time_point deadline) {
  std::string out;
  while (out.find(text) == std::string::npos) {
    std::string more = recvSome(deadline);
    if (more.empty()) break;
    out += more;
  }
  return out;
}

int Socket::drain(Clock::time_point deadline) { return readToEnd(deadline, nullptr); }

bool Socket::endsWithReset(Clock::time_point deadline) { return drain(deadline) == ECONNRESET; }

bool Socket::readable(Clock::time_point deadline) const { return await(fd_, POLLIN, deadline); }

void Socket::shutdownSend() { ::shutdown(fd_, SHUT_WR); }

void Socket::reset() {
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close();
}

int Socket::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

int Socket::localPort() const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
}

int freePort() { return Socket::listen().localPort(); }

bool haveIpv6Loopback() {
  try {
    Socket::listen(0, Family::v6);
    return true;
  } catch (const std::runtime_error&) {
    return false;
  }
}

}  // namespace support
