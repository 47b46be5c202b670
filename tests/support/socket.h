// Test support: loopback TCP sockets (127.0.0.1 or ::1) and Unix stream sockets whose every
// operation is bounded by a deadline (poll(2) on a non-blocking socket): a listener on port 0,
// connect, accept, send, receive until n bytes / a text / EOF, half-close and reset.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace support {

using Clock = std::chrono::steady_clock;

enum class Family { v4, v6 };

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd);  // takes the descriptor (made non-blocking)
  ~Socket();
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // A listening socket on the loopback (port 0: the OS chooses; see localPort()). Throws if it
  // cannot listen. reuse: SO_REUSEADDR.
  static Socket listen(int port = 0, Family family = Family::v4, bool reuse = false);
  // Connects to the loopback; an invalid Socket if refused or not done by the deadline (errno
  // tells why). TCP_NODELAY is set (not on accepted sockets).
  static Socket connect(int port, Clock::time_point deadline, Family family = Family::v4);
  // The same, trying again every 20 ms until the deadline: for a listener that is about to open.
  static Socket connectRetrying(int port, Clock::time_point deadline);
  static Socket connectUnix(const std::string& path, Clock::time_point deadline);

  Socket accept(Clock::time_point deadline);  // invalid at the deadline
  bool sendAll(const std::string& bytes, Clock::time_point deadline);
  std::string recv(size_t n, Clock::time_point deadline);  // until n bytes, EOF, an error or the deadline
  std::string recvSome(Clock::time_point deadline);        // what is there (>= 1 byte); "" at EOF or deadline
  std::string readAll(Clock::time_point deadline);         // until EOF (or an error, or the deadline)
  // The same, appending to `into`: 0 at a clean end (FIN), the errno of an error (a reset:
  // ECONNRESET), -1 if the deadline came first.
  int readAll(Clock::time_point deadline, std::string& into);
  // Reads until what came contains `text` (or EOF, an error, the deadline); returns all of it.
  std::string readUntil(const std::string& text, Clock::time_point deadline);
  // Reads and drops until the stream ends: 0 at a clean end (FIN), the errno of an error (a
  // reset: ECONNRESET), -1 if the deadline came first.
  int drain(Clock::time_point deadline);
  bool eof(Clock::time_point deadline) { return drain(deadline) >= 0; }  // FIN or reset
  bool endsWithReset(Clock::time_point deadline);  // drain() says ECONNRESET
  // Readable (data, EOF or an error) within the deadline.
  bool readable(Clock::time_point deadline) const;

  void shutdownSend();  // half-close: the peer sees EOF
  void reset();         // SO_LINGER 0 + close: the peer gets RST
  void close();
  int release();  // gives the descriptor up (the caller closes it)
  int localPort() const;
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

 private:
  int readToEnd(Clock::time_point deadline, std::string* into);  // into: nullptr drops
  int fd_ = -1;
};

// A loopback port that had no listener a moment ago (bound to port 0, then closed): connecting to
// it is refused until someone takes it.
int freePort();

// Can this host listen on ::1?
bool haveIpv6Loopback();

}  // namespace support
