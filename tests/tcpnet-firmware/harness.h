// The firmware under test: oberon-emu booting firmware/tcpnet/*.serial, and small blocking-free
// socket helpers for the tests that act as TCP peers themselves.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "subprocess.h"

namespace fwtest {

std::string emulatorPath();                      // $OBERON_BUILD_DIR/emulator/oberon-emu
std::string firmwarePath(const std::string& name);  // $OBERON_BUILD_DIR/firmware/tcpnet/NAME

// oberon-emu booting `firmware` (a serial stream), serial output on the pipe.
std::unique_ptr<Subprocess> startEmulator(const std::string& firmware);

// echo_server.s assembled with `.equ PORT` set to `port` (risc5-as from the build, into a
// fresh temporary folder); returns the serial stream's path.
std::string assembleEchoServerForPort(int port);

// oberon-emu with the echo server; the constructor waits for the port line (bounded).
class EchoServer {
 public:
  explicit EchoServer(const std::string& firmware = firmwarePath("echo_server.serial"));
  int port() const { return port_; }
  Subprocess& emulator() { return *emu_; }

 private:
  std::unique_ptr<Subprocess> emu_;
  int port_ = 0;
};

// oberon-emu with the client; the boot stream and then `portLine` go to its serial input.
std::unique_ptr<Subprocess> startClient(const std::string& portLine);

// Reads serial lines until one of the client's status lines ("CLOSED", "ERROR ...") and
// returns everything printed up to and including it ("" and a partial text at the deadline).
std::string clientTranscript(Subprocess& client, std::chrono::milliseconds limit);

// A connected loopback TCP socket, closed by the destructor.
class Socket {
 public:
  explicit Socket(int port);  // throws if the connection fails
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  void send(const std::string& bytes);  // blocking send of all bytes (small amounts only)
  // Reads until n bytes came, EOF or the deadline.
  std::string receive(size_t n, Clock::time_point deadline);
  // True if EOF arrives before the deadline (all data read and dropped).
  bool waitEof(Clock::time_point deadline);
  void shutdownSend();  // half-close: the peer sees EOF
  void reset();  // SO_LINGER 0, close: the peer sees RST
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

std::string randomBytes(size_t n, uint32_t seed);

}  // namespace fwtest
