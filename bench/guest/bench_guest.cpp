// Echo benchmark through TCPNet.Mod (not a test; prints figures). The guest runs NetEcho on a
// copy of $OBERON_IMAGE prepared with disk-images/prepare: every byte goes device -> in-file ->
// device through the Oberon task loop (one file is the slot's in-file and out-file).
//   1. throughput: 3,000,000 bytes per connection (below the in-file limit), one thread sending
//      and one receiving at once; MB/s = 10^6 bytes of the echoed stream per second; 3 runs.
//   2. latency: 1-byte round trips on one connection, p50 / p99 / max.
// The same two figures for a plain loopback echo thread in this process (the host's floor).
//   OBERON_IMAGE=... bench_guest [--round-trips N]
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "guest.h"

using namespace guest;

namespace {

constexpr size_t kStream = 3000000;

struct Figures {
  std::vector<double> mbps;
  double p50 = 0, p99 = 0, max = 0;  // microseconds
};

double throughput(int port) {
  std::string data = randomBytes(kStream, 7);
  auto deadline = Clock::now() + std::chrono::seconds(60);
  Socket s = Socket::connect(port, deadline);
  if (!s.valid()) throw std::runtime_error("cannot connect to the echo server");
  auto t0 = Clock::now();
  bool sent = false;
  std::thread writer([&] {
    sent = s.sendAll(data, deadline);
    s.shutdownSend();
  });
  std::string back = s.recv(kStream, deadline);
  auto t1 = Clock::now();
  writer.join();
  if (!sent || back != data)
    throw std::runtime_error("echo on port " + std::to_string(port) + " differs or timed out (" + std::to_string(back.size()) + " bytes back)");
  return kStream / std::chrono::duration<double>(t1 - t0).count() / 1e6;
}

void latency(int port, int n, Figures& f) {
  auto deadline = Clock::now() + std::chrono::seconds(60);
  Socket s = Socket::connect(port, deadline);
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    if (!s.sendAll("x", deadline) || s.recv(1, deadline) != "x") throw std::runtime_error("round trip failed");
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  f.p50 = us[us.size() / 2];
  f.p99 = us[us.size() * 99 / 100];
  f.max = us.back();
}

// The plain loopback echo: one thread per connection, read and write back.
void plainEcho(Socket* server) {
  for (;;) {
    Socket c = server->accept(Clock::now() + std::chrono::seconds(120));
    if (!c.valid()) return;
    std::thread([c = std::move(c)]() mutable {
      for (;;) {
        std::string b = c.recvSome(Clock::now() + std::chrono::seconds(120));
        if (b.empty() || !c.sendAll(b, Clock::now() + std::chrono::seconds(60))) return;
      }
    }).detach();
  }
}

void print(const char* name, const Figures& f) {
  std::vector<double> m = f.mbps;
  std::sort(m.begin(), m.end());
  std::printf("%-28s %8.1f %8.1f %8.1f   %8.1f %8.1f %8.1f\n", name, m.front(), m[m.size() / 2], m.back(), f.p50,
              f.p99, f.max);
}

}  // namespace

int main(int argc, char** argv) {
  int trips = 2000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--round-trips") && i + 1 < argc) trips = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: OBERON_IMAGE=STOCK.dsk bench_guest [--round-trips N]\n");
      return 2;
    }
  }
  setenv("OBERON_BUILD_DIR", DEFAULT_BUILD_DIR, 0);
  setenv("OBERON_SOURCE_DIR", DEFAULT_SOURCE_DIR, 0);
  try {
    env("OBERON_IMAGE");
    Figures guestFig, plainFig;
    {
      int port = freePort();
      Guest g({"NetEcho.Start " + std::to_string(port) + " 4"});
      (void)Socket::connect(port, Clock::now() + std::chrono::seconds(60));  // up: connect works
      for (int r = 0; r < 3; ++r) guestFig.mbps.push_back(throughput(port));
      latency(port, trips, guestFig);
    }  // the emulator is stopped here
    int plainPort = 0;
    auto* server = new Socket(Socket::listen(plainPort));  // lives until exit, as its thread does
    std::thread(plainEcho, server).detach();
    for (int r = 0; r < 3; ++r) plainFig.mbps.push_back(throughput(plainPort));
    latency(plainPort, trips, plainFig);
    std::printf("echo of %zu bytes x3, %d one-byte round trips\n", kStream, trips);
    std::printf("%-28s %8s %8s %8s   %8s %8s %8s\n", "", "MB/s min", "median", "max", "p50 us", "p99 us", "max us");
    print("guest NetEcho (TCPNet.Mod)", guestFig);
    print("plain loopback echo", plainFig);
    std::fflush(stdout);
    std::exit(0);  // detached echo threads may still wait in poll
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_guest: %s\n", e.what());
    return 1;
  }
}
