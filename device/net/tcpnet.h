// The TCPNet device with its Boost.Asio backend, ready to map into the extension window:
//
//   tcpnet::TcpNet net(machine.memory(), machine.waker(), options);  // starts the network thread
//   machine.bus().attachExtension(&net.device());
//
// Members are declared in dependency order: the inbox outlives the backend's thread, which
// is joined before the inbox goes. docs/tcpnet-device.md describes registers and threads.
#pragma once

#include <vector>

#include "asio_backend.h"
#include "device/device.h"
#include "device/inbox.h"
#include "device/options.h"
#include "device/snapshot.h"

namespace risc5 {
class Memory;
class Waker;
}  // namespace risc5

namespace tcpnet {

class TcpNet {
 public:
  // Throws std::invalid_argument (one-line message) if options.bindAddress is not an IP address.
  TcpNet(risc5::Memory& memory, risc5::Waker& waker, const Options& options = {});
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
