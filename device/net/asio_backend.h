// The network thread: one io_context (kept alive by a work guard) that owns every socket,
// acceptor, resolver and timer of the TCPNet device. NetBackend calls come from the CPU thread
// and are posted here as copies; results go back through the Inbox. Nothing else is shared.
#pragma once

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "connection.h"
#include "device/registers/backend.h"
#include "device/registers/inbox.h"
#include "device/registers/options.h"
#include "device/registers/registers.h"
#include "device/registers/snapshot.h"
#include "listener.h"

namespace tcpnet {

class AsioBackend final : public NetBackend {
 public:
  // Throws std::invalid_argument (one line) if options.bindAddress is not an IP address, a TLS
  // file cannot be used, or a policy rule or the hosts file is bad.
  AsioBackend(Inbox& inbox, const Options& options);
  ~AsioBackend() override;  // closes everything and joins the network thread
  AsioBackend(const AsioBackend&) = delete;
  AsioBackend& operator=(const AsioBackend&) = delete;

  void open(int slot, uint32_t generation, std::string host, uint16_t port, uint64_t rxLimit, bool tls) override;
  void listen(int slot, uint32_t generation, int entry, uint16_t port, uint64_t rxLimit, bool tls) override;
  void send(int slot, uint32_t generation, std::vector<uint8_t> bytes) override;
  void consumed(int slot, uint32_t generation, uint32_t n) override;
  void shutdown(int slot, uint32_t generation) override;
  void close(int slot, uint32_t generation) override;
  void abort(int slot, uint32_t generation) override;
  void closePort(int entry) override;
  void names(int slot, uint32_t generation, std::string inFile, std::string outFile) override;

  // Slots and background-closing connections. Runs directly on the network thread; from any
  // other thread except the CPU thread it posts and waits up to 2 s (empty on timeout).
  std::vector<SlotInfo> snapshot();
  boost::asio::io_context& ioContext() { return io_; }

 private:
  std::shared_ptr<Connection> find(int slot, uint32_t generation) const;  // network thread
  std::vector<SlotInfo> collect();                                        // network thread
  void stopAll();                                                         // network thread

  Inbox& inbox_;
  const Options options_;
  const boost::asio::ip::address bindAddress_;
  TlsContexts tls_;
  const HostsFile hosts_;
  const ConnectPolicy policy_;
  const NetSettings settings_{options_, tls_, policy_, hosts_};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  // Network-thread state.
  std::array<std::shared_ptr<Connection>, kSlots> slots_;
  std::vector<std::weak_ptr<Connection>> closing_;
  std::array<std::unique_ptr<Listener>, kListenPorts> listeners_;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace tcpnet
