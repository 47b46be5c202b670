// The TCPNet device as the CPU sees it: 16 word registers in the extension window (-256..-196),
// up to 32 slots and up to 4 listening ports. Runs on the CPU (machine) thread only and never
// waits on the network: requests go to a NetBackend, results arrive through the Inbox and are
// applied when the guest next touches the device. Layout and semantics: docs/tcpnet-device.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "backend.h"
#include "byte_ring.h"
#include "emulator/base/guest_memory.h"
#include "emulator/base/mmio.h"
#include "inbox.h"
#include "options.h"
#include "registers.h"

namespace tcpnet {

class Device final : public risc5::MmioDevice {
 public:
  Device(risc5::GuestMemory& memory, NetBackend& backend, Inbox& inbox, const Options& options);

  uint32_t read(uint32_t offset) override;   // STATUS clears the slot's event flags
  void write(uint32_t offset, uint32_t value) override;
  void reset() override;                     // aborts every connection, clears all registers
  void flush() override;                     // hands batched SEND bytes to the backend
  uint32_t peek(uint32_t offset) const;      // like read, without side effects or inbox update

 private:
  struct Slot {
    State state = State::Free;
    bool listener = false;        // opened by LISTEN
    bool tls = false;             // opened by OPENTLS or LISTENTLS
    bool connected = false;       // has had a peer (hostc seen)
    bool shutdown = false;        // SHUTDOWN given: no more SEND
    bool peerClosed = false;      // FIN or reset seen; disconn waits until rx is empty
    bool disconnRaised = false;
    bool limitRaised = false;
    Reason peerReason = Reason::None;
    Reason reason = Reason::None;
    uint32_t events = 0;          // pending event flags (flag::events)
    uint32_t generation = 0;
    int portEntry = -1;
    uint64_t rxLimit = 0;
    uint64_t rxDelivered = 0;     // bytes fetched by RECV
    uint32_t txQueued = 0;        // accepted by SEND, not yet reported written
    std::vector<uint8_t> txBatch; // accepted by SEND, not yet handed to the backend
    ByteRing rx;
    uint16_t localPort = 0, remotePort = 0;
    std::string localAddress, remoteAddress;
    std::string tlsInfo;          // TLSINFO's text once the handshake is done
  };
  struct PortEntry {
    bool used = false;
    uint16_t requested = 0;  // 0: OS-chosen
    uint16_t actual = 0;     // 0 until bound
    int slots = 0;
    bool tls = false;        // LISTENTLS: every slot of the port serves TLS
  };

  void update() {
    if (inbox_.pending()) drainInbox();
  }
  void drainInbox();
  void apply(NetEvent& event);
  void checkEndOfStream(Slot& s);
  void publish();
  void flushSlot(int index);

  int32_t execute(uint32_t command);
  int32_t open(bool tls);
  int32_t listen(bool tls);
  int32_t send(int index, Slot& s);
  int32_t recv(int index, Slot& s);
  int32_t address(const std::string& text);
  int32_t names(int index, const Slot& s);
  int32_t limitParameter(uint64_t& limit) const;
  int freeSlot() const;
  void release(int index, bool abort);
  static void clear(Slot& s);
  bool inRam(uint32_t address, uint32_t length) const;

  Slot* selected();
  const Slot* selected() const;
  uint32_t status(const Slot& s) const;
  uint32_t serviceRequests() const;
  uint32_t txFree(const Slot& s) const;
  uint32_t inUse() const;

  risc5::GuestMemory& memory_;
  NetBackend& backend_;
  Inbox& inbox_;
  const uint32_t bufferBytes_;
  const uint32_t defaultRxLimit_;
  const bool tlsServer_;  // a certificate was given: LISTENTLS works
  std::array<Slot, kSlots> slots_;
  std::array<PortEntry, kListenPorts> ports_;
  std::vector<NetEvent> taken_;  // reused drain buffer
  uint32_t nextGeneration_ = 0;
  uint32_t batched_ = 0;  // bit i: slot i has bytes in txBatch
  // Registers.
  uint32_t slot_ = 0, adr_ = 0, len_ = 0, port_ = 0, limit_ = 0;
  int32_t result_ = 0;
};

}  // namespace tcpnet
