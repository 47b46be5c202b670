// Host-side settings of the TCPNet device; the defaults are the documented limits.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tcpnet {

struct Options {
  std::string bindAddress = "127.0.0.1";  // listening sockets bind here (--tcpnet-bind)
  uint32_t backlog = 64;                   // host-queued clients per port, and listen(2) backlog
  uint32_t rxLimit = 3'200'000;            // default receive limit (LIMIT = 0); < 3,210,912
  uint32_t bufferBytes = 64 * 1024;        // receive buffer and transmit queue per slot
  std::chrono::milliseconds connectTimeout{15'000};  // resolve + connect
  std::chrono::milliseconds closeLinger{10'000};     // after CLOSE and our FIN: wait for the peer's
  std::chrono::milliseconds closeSendTimeout{60'000};  // after CLOSE: reset a peer that takes no byte
};

}  // namespace tcpnet
