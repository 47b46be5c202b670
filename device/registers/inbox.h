// The network -> CPU hand-off: a mutex-protected list of events with an atomic "non-empty" flag.
// The network thread pushes; the CPU thread checks pending() (one atomic load, no lock on the
// empty path) and takes the whole list only when something is there. The empty -> non-empty
// transition wakes an idle-sleeping CPU through the machine's WakeSignal.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/base/wake.h"
#include "registers.h"

namespace tcpnet {

struct NetEvent {
  enum class Kind : uint8_t {
    Bound,       // listening socket of the slot's port exists; localPort valid
    Connected,   // established; endpoints valid
    Received,    // data
    Sent,        // count bytes of the transmit queue were written
    PeerClosed,  // FIN (reason None) or reset (reason Reset...): ordered after all data
    Failed,      // connect/listen/write failure with reason
  };
  explicit NetEvent(Kind k) : kind(k) {}
  Kind kind;
  uint8_t slot = 0;
  uint32_t generation = 0;
  Reason reason = Reason::None;
  uint32_t count = 0;
  uint16_t localPort = 0, remotePort = 0;
  std::string localAddress, remoteAddress;
  std::string tls;  // Connected over TLS: "TLSv1.3 TLS_AES_256_GCM_SHA384" (TLSINFO's text)
  std::vector<uint8_t> data;
};

class Inbox {
 public:
  explicit Inbox(risc5::WakeSignal& waker) : waker_(waker) {}
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Network thread.
  void push(NetEvent event);
  // CPU thread: true if events are waiting (acquire load, no lock).
  bool pending() const { return pending_.load(std::memory_order_acquire); }
  // CPU thread: moves all waiting events into `out` (which is cleared first).
  void take(std::vector<NetEvent>& out);

  // CPU -> inspection mirror: the last computed SRQ word (read by the network thread).
  void publishServiceRequests(uint32_t srq) { srq_.store(srq, std::memory_order_relaxed); }
  uint32_t publishedServiceRequests() const { return srq_.load(std::memory_order_relaxed); }

 private:
  risc5::WakeSignal& waker_;
  std::mutex mutex_;
  std::vector<NetEvent> events_;
  std::atomic<bool> pending_{false};
  std::atomic<uint32_t> srq_{0};
};

}  // namespace tcpnet
