// The TCPNet device with its Boost.Asio backend, ready to map into the extension window:
//
//   tcpnet::TcpNet net(machine.guestMemory(), machine.waker(), options);  // starts the network thread
//   machine.bus().attachExtension(&net.device());
//
// Members are declared in dependency order: the inbox outlives the backend's thread, which
// is joined before the inbox goes. docs/tcpnet-device.md describes registers and threads.
#pragma once

#include <vector>

#include "asio_backend.h"
#include "emulator/base/guest_memory.h"
#include "emulator/base/wake.h"
#include "device/registers/device.h"
#include "device/registers/inbox.h"
#include "device/registers/options.h"
#include "device/registers/snapshot.h"


namespace tcpnet {

class TcpNet {
 public:
  // Throws std::invalid_argument (one-line message) if options.bindAddress is not an IP address.
  TcpNet(risc5::GuestMemory& memory, risc5::WakeSignal& waker, const Options& options = {});
  TcpNet(const TcpNet&) = delete;
  TcpNet& operator=(const TcpNet&) = delete;

  Device& device() { return device_; }  // the risc5::MmioDevice; CPU thread only
  // Inspection rows for tcpnet-lsof; not from the CPU thread (see AsioBackend::snapshot).
  std::vector<SlotInfo> snapshot() { return backend_.snapshot(); }
  boost::asio::io_context& ioContext() { return backend_.ioContext(); }
  const Options& options() const { return options_; }

 private:
  Options options_;
  Inbox inbox_;
  AsioBackend backend_;
  Device device_;
};

}  // namespace tcpnet
