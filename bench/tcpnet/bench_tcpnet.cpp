// Echo benchmark of the TCPNet device (not a test; prints figures):
//   1. throughput: N MiB through an echo, one thread sending and one receiving at once, MB/s
//      (10^6 bytes per second of the echoed stream, i.e. each byte counted once);
//   2. latency: 1-byte round trips (send one byte, wait for it), p50 / p99 / max.
// Each figure is measured twice in the same run: through oberon-emu running
// firmware/tcpnet/echo_server.s (the guest moves every byte through the device), and through a
// plain loopback echo thread in this process (the host's floor for the same traffic).
//
//   bench_tcpnet [--mib N] [--round-trips N] [--emulator PATH] [--firmware PATH]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "bench_tcpnet: %s\n", why.c_str());
  std::exit(1);
}

int connectTo(int port) {
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

bool sendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

// ---- The host's own echo: one thread, blocking sockets, serves connections one after another.
class LoopbackEcho {
 public:
  LoopbackEcho() {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_ < 0 || ::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_, 4) != 0 || ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      fail("cannot open the loopback echo socket");
    port_ = ntohs(a.sin_port);
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
      int c = ::accept4(listen_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      int one = 1;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
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

// ---- oberon-emu with the echo server, killed by its pid at the end.
class Emulator {
 public:
  Emulator(const std::string& emulator, const std::string& firmware) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) fail("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) fail("fork failed");
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::execl(emulator.c_str(), emulator.c_str(), "--boot-from-serial", "--serial-in", firmware.c_str(),
              "--serial-out", "-", "--headless", "--timeout", "600", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos) {
      pollfd p{out[0], POLLIN, 0};
      int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      char c[64];
      ssize_t n;
      if (left <= 0 || ::poll(&p, 1, left) <= 0 || (n = ::read(out[0], c, sizeof c)) <= 0)
        fail("the echo server printed no port within 10 s (" + emulator + ", " + firmware + ")");
      line.append(c, static_cast<size_t>(n));
    }
    out_ = out[0];
    port_ = std::atoi(line.c_str());
    if (port_ <= 0) fail("the echo server printed '" + line + "' instead of a port");
  }
  ~Emulator() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    ::close(out_);
  }
  int port() const { return port_; }
  // user + system CPU seconds of the emulator process so far (/proc/PID/stat fields 14, 15).
  double cpuSeconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string s((std::istreambuf_iterator<char>(in)), {});
    size_t close = s.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(s.substr(close + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) utime = std::stoull(f);
      if (i == 15) stime = std::stoull(f);
    }
    return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

// ---- Measurements

struct Throughput {
  double mbPerSecond = 0;
  double seconds = 0;
  bool exact = false;
};

// Sends `total` bytes of a fixed pseudo-random pattern while another thread receives and
// compares the echo; the time runs from the first send to the last byte received.
Throughput throughput(int port, size_t total) {
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

Latency latency(int port, int roundTrips) {
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

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 64;
  int roundTrips = 2000;
  std::string emulator = EMULATOR, firmware = ECHO_SERIAL;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool more = i + 1 < argc;
    if (a == "--mib" && more) mib = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--round-trips" && more) roundTrips = std::atoi(argv[++i]);
    else if (a == "--emulator" && more) emulator = argv[++i];
    else if (a == "--firmware" && more) firmware = argv[++i];
    else fail("usage: bench_tcpnet [--mib N] [--round-trips N] [--emulator PATH] [--firmware PATH]");
  }
  if (mib == 0 || roundTrips < 10) fail("--mib must be > 0 and --round-trips >= 10");
  std::signal(SIGPIPE, SIG_IGN);

  LoopbackEcho plain;
  Emulator emu(emulator, firmware);
  size_t total = mib << 20;

  double cpu0 = emu.cpuSeconds();
  Throughput te = throughput(emu.port(), total);
  double emuCpu = emu.cpuSeconds() - cpu0;
  Throughput tp = throughput(plain.port(), total);
  std::printf("throughput %zu MiB: emulator %.1f MB/s (%.3f s, emulator CPU %.2f s)%s | "
              "loopback %.1f MB/s (%.3f s)%s\n",
              mib, te.mbPerSecond, te.seconds, emuCpu, te.exact ? "" : " [ECHO DIFFERS]",
              tp.mbPerSecond, tp.seconds, tp.exact ? "" : " [ECHO DIFFERS]");

  cpu0 = emu.cpuSeconds();
  auto l0 = Clock::now();
  Latency le = latency(emu.port(), roundTrips);
  double latencyWall = std::chrono::duration<double>(Clock::now() - l0).count();
  emuCpu = emu.cpuSeconds() - cpu0;
  Latency lp = latency(plain.port(), roundTrips);
  if (!le.ok || !lp.ok) fail("a 1-byte round trip failed");
  std::printf("latency %d round trips of 1 byte: emulator p50 %.1f us, p99 %.1f us, max %.1f us, "
              "%zu >= 500 us (emulator CPU %.0f%%) | loopback p50 %.1f us, p99 %.1f us, max %.1f us, "
              "%zu >= 500 us\n",
              roundTrips, le.p50, le.p99, le.max, le.slow, 100 * emuCpu / latencyWall, lp.p50, lp.p99,
              lp.max, lp.slow);
  return te.exact && tp.exact ? 0 : 1;
}
