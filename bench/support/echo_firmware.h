// oberon-emu booting a firmware echo server over the serial line (firmware/tcpnet/echo_server.s
// or its TLS build), which prints its port first: the device side of bench_tcpnet and bench_tls.
// The child is tests/support's (killed at the end).
#pragma once

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "echo_load.h"
#include "tests/support/process.h"

namespace bench {

class FirmwareEcho {
 public:
  // `extra`: more options for oberon-emu (e.g. --tls-cert FILE --tls-key FILE).
  FirmwareEcho(const std::string& emulator, const std::string& firmware, const std::vector<std::string>& extra = {})
      : emu_(command(emulator, firmware, extra), {.out = support::Stream::pipe(), .err = support::Stream::inherit()}) {
    auto line = emu_.readLine(Clock::now() + std::chrono::seconds(10));
    if (!line) fail("the echo server printed no port within 10 s (" + emulator + ", " + firmware + ")");
    port_ = std::atoi(line->c_str());
    if (port_ <= 0) fail("the echo server printed '" + *line + "' instead of a port");
  }
  int port() const { return port_; }
  // user + system CPU seconds of the emulator process so far.
  double cpuSeconds() const { return emu_.cpuSeconds(); }

 private:
  static std::vector<std::string> command(const std::string& emulator, const std::string& firmware,
                                          const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {emulator, "--boot-from-serial", "--serial-in", firmware, "--serial-out", "-",
                                     "--headless", "--timeout", "600"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  support::Child emu_;
  int port_ = 0;
};

}  // namespace bench
