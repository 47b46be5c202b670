// One row of the read-only inspection view (tcpnet-lsof): a guest slot or a closing connection.
#pragma once

#include <cstdint>
#include <string>

#include "registers.h"

namespace tcpnet {

struct SlotInfo {
  int slot = -1;              // 0..31; -1 = closing in the background after CLOSE
  State state = State::Free;
  bool listener = false;      // opened by LISTEN
  bool serviceRequest = false;
  Reason reason = Reason::None;
  std::string localAddress, remoteAddress;  // empty until known
  uint16_t localPort = 0, remotePort = 0;
  uint64_t bytesReceived = 0;  // read from the socket
  uint64_t bytesSent = 0;      // written to the socket
  uint32_t rxQueued = 0;       // read from the socket, not yet fetched by the guest (RECV)
  uint32_t txQueued = 0;       // accepted by SEND, not yet written
  double ageSeconds = 0;       // since OPEN/LISTEN
  bool peerClosed = false;     // the peer's FIN was received
  bool finSent = false;        // our FIN was sent (after SHUTDOWN or CLOSE)
  std::string inFile, outFile;  // as the guest named them (NAMES); empty if not named
  std::string tls;             // "" plain; "TLS" before the handshake ends, then e.g. "TLSv1.3"
};

}  // namespace tcpnet
