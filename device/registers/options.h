// Host-side settings of the TCPNet device; the defaults are the documented limits.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace tcpnet {

struct Options {
  std::string bindAddress = "127.0.0.1";  // listening sockets bind here (--tcpnet-bind)
  uint32_t backlog = 64;                   // host-queued clients per port, and listen(2) backlog
  uint32_t rxLimit = 3'200'000;            // default receive limit (LIMIT = 0); < 3,210,912
  uint32_t bufferBytes = 64 * 1024;        // receive buffer and transmit queue per slot
  std::chrono::milliseconds connectTimeout{15'000};  // resolve + connect
  std::chrono::milliseconds closeLinger{10'000};     // after CLOSE and our FIN: wait for the peer's
  std::chrono::milliseconds closeSendTimeout{60'000};  // after CLOSE: reset a peer that takes no byte
  std::chrono::milliseconds tlsHandshakeTimeout{15'000};  // a TLS client arriving at a TLS port

  // TLS (docs/tcpnet-device.md, "TLS"). Clients verify against the host's CA store plus tlsCa.
  std::string tlsCa;                 // --tls-ca: an extra trusted CA (PEM)
  bool tlsInsecure = false;          // --tls-insecure: no certificate verification at all
  std::string tlsCert, tlsKey;       // --tls-cert, --tls-key: what TLS ports serve (PEM)

  // Where OPEN may connect (docs/tcpnet-device.md, "Outbound policy"): rules in the order given,
  // each "allow ..." or "deny ..." with HOST_OR_CIDR[:PORT]; the first that matches a resolved
  // address decides, else connectScope does.
  std::string connectScope = "any";  // --tcpnet-connect: loopback, private or any
  std::vector<std::string> connectRules;
  std::string hostsFile;             // --tcpnet-hosts: names resolved from this file first
};

}  // namespace tcpnet
