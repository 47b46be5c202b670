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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "echo_firmware.h"
#include "echo_load.h"

namespace {

using namespace bench;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_tcpnet: %s\n", why.c_str());
  std::exit(1);
}

}  // namespace

int run(int argc, char** argv);

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    die(e.what());
  }
}

int run(int argc, char** argv) {
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
    else die("usage: bench_tcpnet [--mib N] [--round-trips N] [--emulator PATH] [--firmware PATH]");
  }
  if (mib == 0 || roundTrips < 10) die("--mib must be > 0 and --round-trips >= 10");
  std::signal(SIGPIPE, SIG_IGN);

  LoopbackEcho plain;
  FirmwareEcho emu(emulator, firmware);
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
  if (!le.ok || !lp.ok) die("a 1-byte round trip failed");
  std::printf("latency %d round trips of 1 byte: emulator p50 %.1f us, p99 %.1f us, max %.1f us, "
              "%zu >= 500 us (emulator CPU %.0f%%) | loopback p50 %.1f us, p99 %.1f us, max %.1f us, "
              "%zu >= 500 us\n",
              roundTrips, le.p50, le.p99, le.max, le.slow, 100 * emuCpu / latencyWall, lp.p50, lp.p99,
              lp.max, lp.slow);
  return te.exact && tp.exact ? 0 : 1;
}
