// The one host echo and load every network benchmark measures against, so that figures from
// bench_tcpnet (device + firmware echo) and bench_guest (TCPNet.Mod + NetEcho) stand beside the
// same baseline: a fast loopback echo thread (blocking sockets, 64 KiB reads, TCP_NODELAY), a
// throughput run (one thread sends a pattern, another checks the echo) and 1-byte round trips.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

[[noreturn]] inline void fail(const std::string& why) { throw std::runtime_error(why); }

inline int connectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    fail("cannot connect to 127.0.0.1:" + std::to_string(port));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

inline bool sendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

// A listening socket on 127.0.0.1 with a port the OS chooses (set in `port`).
inline int listenLoopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    fail("cannot open a loopback listening socket");
  port = ntohs(a.sin_port);
  return fd;
}

// The next client, with TCP_NODELAY; -1 once the listening socket has been shut down.
inline int acceptClient(int listenFd) {
  int c = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
  if (c >= 0) {
    int one = 1;
    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return c;
}

// ---- The host's own echo: one thread, blocking sockets, serves connections one after another.
class LoopbackEcho {
 public:
  LoopbackEcho() {
    listen_ = listenLoopback(port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackEcho() {
    ::shutdown(listen_, SHUT_RDWR);  // ends accept()
    thread_.join();
    ::close(listen_);
  }
  int port() const { return port_; }

 private:
  void serve() {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      int c = acceptClient(listen_);
      if (c < 0) return;
      for (;;) {
        ssize_t n = ::recv(c, buf.data(), buf.size(), 0);
        if (n <= 0 || !sendAll(c, buf.data(), static_cast<size_t>(n))) break;
      }
      ::close(c);
    }
  }
  int listen_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// ---- Measurements

struct Throughput {
  double mbPerSecond = 0;
  double seconds = 0;
  bool exact = false;
};

// Sends `total` bytes of a fixed pseudo-random pattern while another thread receives and
// compares the echo; the time runs from the first send to the last byte received.
inline Throughput throughput(int port, size_t total) {
  constexpr size_t kChunk = 64 * 1024;
  // Byte i of the stream is pattern[i % kPeriod]; a prime period, so that a lost or repeated
  // buffer (64 KiB in the guest) cannot line up with the pattern.
  constexpr size_t kPeriod = 65521;
  std::vector<char> pattern(kPeriod + kChunk);
  uint32_t x = 12345;
  for (size_t i = 0; i < pattern.size(); ++i)
    pattern[i] = i < kPeriod ? static_cast<char>((x = x * 1103515245 + 12345) >> 24) : pattern[i - kPeriod];
  int fd = connectTo(port);
  Throughput t;
  auto start = Clock::now();
  std::thread sender([&] {
    size_t sent = 0;
    while (sent < total) {
      size_t n = std::min(kChunk, total - sent);
      if (!sendAll(fd, pattern.data() + sent % kPeriod, n)) return;
      sent += n;
    }
    ::shutdown(fd, SHUT_WR);
  });
  std::vector<char> buf(kChunk);
  size_t got = 0;
  bool exact = true;
  while (got < total) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) break;
    for (ssize_t k = 0; k < n;) {
      size_t at = (got + static_cast<size_t>(k)) % kPeriod;
      size_t run = std::min(static_cast<size_t>(n - k), kPeriod - at);
      if (std::memcmp(buf.data() + k, pattern.data() + at, run) != 0) exact = false;
      k += static_cast<ssize_t>(run);
    }
    got += static_cast<size_t>(n);
  }
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sender.join();
  ::close(fd);
  t.exact = exact && got == total;
  t.mbPerSecond = double(got) / t.seconds / 1e6;
  return t;
}

struct Latency {
  double p50 = 0, p99 = 0, max = 0;  // microseconds
  size_t slow = 0;                    // round trips of 500 us or more
  bool ok = false;
};

inline Latency latency(int port, int roundTrips) {
  int fd = connectTo(port);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(roundTrips));
  Latency l;
  char c = 'x', back = 0;
  for (int i = 0; i < roundTrips + roundTrips / 10; ++i) {  // the first tenth warms up
    auto t0 = Clock::now();
    if (!sendAll(fd, &c, 1) || ::recv(fd, &back, 1, MSG_WAITALL) != 1 || back != c) {
      ::close(fd);
      return l;
    }
    if (i >= roundTrips / 10) us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    c = static_cast<char>('a' + i % 26);
  }
  ::close(fd);
  std::sort(us.begin(), us.end());
  l.p50 = us[us.size() / 2];
  l.p99 = us[us.size() * 99 / 100];
  l.max = us.back();
  l.slow = static_cast<size_t>(us.end() - std::lower_bound(us.begin(), us.end(), 500.0));
  l.ok = true;
  return l;
}


}  // namespace bench
