// The CPU -> network hand-off: requests from the register logic to the network backend. Every
// call returns at once (the Asio backend posts a copy to its io thread); results come back as
// NetEvents through the Inbox. Calls arrive at the backend in the order they were made.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tcpnet {

class NetBackend {
 public:
  virtual ~NetBackend() = default;
  // Resolve `host` and connect (then, if tls, the TLS handshake); rxLimit bounds the bytes ever
  // read from the socket.
  virtual void open(int slot, uint32_t generation, std::string host, uint16_t port,
                    uint64_t rxLimit, bool tls) = 0;
  // Add a serving slot to listening port entry `entry` (0..3) for `port` (0 = OS chooses; only
  // when the entry is new); a TLS entry hands the slot only clients whose handshake completed.
  virtual void listen(int slot, uint32_t generation, int entry, uint16_t port, uint64_t rxLimit,
                      bool tls) = 0;
  virtual void send(int slot, uint32_t generation, std::vector<uint8_t> bytes) = 0;
  // The guest fetched n received bytes: the backend may read n more.
  virtual void consumed(int slot, uint32_t generation, uint32_t n) = 0;
  virtual void shutdown(int slot, uint32_t generation) = 0;  // FIN after queued bytes
  virtual void close(int slot, uint32_t generation) = 0;     // flush, FIN, linger, close
  virtual void abort(int slot, uint32_t generation) = 0;     // RST
  virtual void closePort(int entry) = 0;                     // last slot of the port is gone
  // The guest named the slot's in- and out-file (NAMES): for inspection only (tcpnet-lsof).
  virtual void names(int slot, uint32_t generation, std::string inFile, std::string outFile) = 0;
};

}  // namespace tcpnet
