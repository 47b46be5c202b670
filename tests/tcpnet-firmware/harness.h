// The firmware under test: oberon-emu booting firmware/tcpnet/*.serial (a support::Child with its
// serial line on pipes), for tests that act as TCP peers themselves (support::Socket) or run
// socat, nc and python3 as peers.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "tests/support/files.h"
#include "tests/support/process.h"
#include "tests/support/socket.h"

namespace fwtest {

using support::Child;
using support::Clock;
using support::Socket;

std::string firmwarePath(const std::string& name);  // $OBERON_BUILD_DIR/firmware/tcpnet/NAME

// oberon-emu booting `firmware` (a serial stream), serial output on the stdout pipe.
std::unique_ptr<Child> startEmulator(const std::string& firmware);

// echo_server.s assembled with `.equ PORT` set to `port` (risc5-as from the build) into `dir`;
// returns the serial stream's path.
std::string assembleEchoServerForPort(int port, const support::TempDir& dir);

// oberon-emu with the echo server; the constructor waits for the port line (bounded).
class EchoServer {
 public:
  explicit EchoServer(const std::string& firmware = firmwarePath("echo_server.serial"));
  int port() const { return port_; }
  Child& emulator() { return *emu_; }

 private:
  std::unique_ptr<Child> emu_;
  int port_ = 0;
};

// oberon-emu with the client; the boot stream and then `portLine` go to its serial input.
std::unique_ptr<Child> startClient(const std::string& portLine);

// Reads serial lines until one of the client's status lines ("CLOSED", "ERROR ...") and
// returns everything printed up to and including it ("" and a partial text at the deadline).
std::string clientTranscript(Child& client, std::chrono::milliseconds limit);

// A connected loopback TCP socket; throws if the connection fails within 5 s.
Socket connect(int port);

}  // namespace fwtest
