// Echo benchmark through TCPNet.Mod (not a test; prints figures). The guest runs NetEcho on a
// copy of $OBERON_IMAGE prepared with disk-images/prepare: every byte goes device -> the ring
// file (in-file and out-file at once) -> device through the Oberon task loop.
//   1. throughput: MIB MiB (default 1024: a sustained stream, 330 times Oberon's largest file),
//      one thread sending and one checking the echo; MB/s = 10^6 bytes of the stream per second;
//      RUNS runs (default 3); the emulator's resident memory before and after each run;
//   2. latency: 1-byte round trips, p50 / p99 / max.
// The same figures for bench/support's loopback echo thread (the same baseline as bench_tcpnet).
//   OBERON_IMAGE=... bench_guest [--mib N] [--runs N] [--round-trips N]
#include <csignal>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "echo_load.h"
#include "guest.h"

namespace {

struct Figures {
  std::vector<double> mbps;
  bench::Latency lat;
};

long rssKiB(pid_t pid, const char* field) {  // VmRSS or VmHWM of /proc/PID/status
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field) + 1);
  return -1;
}

void print(const char* name, const Figures& f) {
  std::vector<double> m = f.mbps;
  std::sort(m.begin(), m.end());
  std::printf("%-28s %8.1f %8.1f %8.1f   %8.1f %8.1f %8.1f\n", name, m.front(), m[m.size() / 2], m.back(),
              f.lat.p50, f.lat.p99, f.lat.max);
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 1024;
  int runs = 3, trips = 2000;
  for (int i = 1; i < argc; ++i) {
    bool more = i + 1 < argc;
    if (!std::strcmp(argv[i], "--round-trips") && more) trips = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--mib") && more) mib = std::strtoul(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--runs") && more) runs = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: OBERON_IMAGE=STOCK.dsk bench_guest [--mib N] [--runs N] [--round-trips N]\n");
      return 2;
    }
  }
  if (mib == 0 || runs < 1 || trips < 10) {
    std::fprintf(stderr, "bench_guest: --mib and --runs must be > 0, --round-trips >= 10\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  setenv("OBERON_BUILD_DIR", DEFAULT_BUILD_DIR, 0);
  setenv("OBERON_SOURCE_DIR", DEFAULT_SOURCE_DIR, 0);
  try {
    guest::env("OBERON_IMAGE");
    Figures guestFig, plainFig;
    bench::LoopbackEcho plain;
    int port = guest::freePort();
    guest::Guest g({"NetEcho.Start " + std::to_string(port) + " 4"});
    (void)guest::Socket::connect(port, guest::Clock::now() + std::chrono::seconds(60));  // up: connect works
    bool exact = true;
    std::printf("emulator RSS at start %ld KiB\n", rssKiB(g.pid(), "VmRSS:"));
    for (int r = 0; r < runs; ++r) {
      bench::Throughput t = bench::throughput(port, mib << 20);
      exact = exact && t.exact;
      guestFig.mbps.push_back(t.mbPerSecond);
      std::printf("run %d: %zu MiB in %.1f s, %.1f MB/s%s, emulator RSS %ld KiB (peak %ld KiB)\n", r + 1, mib,
                  t.seconds, t.mbPerSecond, t.exact ? "" : " [ECHO DIFFERS]", rssKiB(g.pid(), "VmRSS:"),
                  rssKiB(g.pid(), "VmHWM:"));
      std::fflush(stdout);
      bench::Throughput p = bench::throughput(plain.port(), mib << 20);
      exact = exact && p.exact;
      plainFig.mbps.push_back(p.mbPerSecond);
    }
    guestFig.lat = bench::latency(port, trips);
    plainFig.lat = bench::latency(plain.port(), trips);
    if (!guestFig.lat.ok || !plainFig.lat.ok) throw std::runtime_error("a 1-byte round trip failed");
    std::printf("echo of %zu MiB x%d, %d one-byte round trips\n", mib, runs, trips);
    std::printf("%-28s %8s %8s %8s   %8s %8s %8s\n", "", "MB/s min", "median", "max", "p50 us", "p99 us", "max us");
    print("guest NetEcho (TCPNet.Mod)", guestFig);
    print("loopback echo (bench/support)", plainFig);
    return exact ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_guest: %s\n", e.what());
    return 1;
  }
}
