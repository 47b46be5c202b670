// One TCP connection of a slot, on the network thread only: resolve + connect (client) or an
// accepted socket handed over by its Listener (server), a bounded receive path driven by credit
// from the guest, a bounded transmit queue with one write in flight, half-close, and the
// background close after the guest released the slot. Handlers hold shared_from_this, so a
// connection lives on after CLOSE until its socket is done.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "device/registers/inbox.h"
#include "device/registers/options.h"
#include "device/registers/snapshot.h"
#include "policy.h"
#include "tls.h"

namespace tcpnet {

// What every connection consults, owned by the backend for its whole life.
struct NetSettings {
  const Options& options;
  TlsContexts& tls;
  const ConnectPolicy& policy;
  const HostsFile& hosts;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using tcp = boost::asio::ip::tcp;

  // tls: OPENTLS (the client handshakes after connecting) or a slot of a LISTENTLS port.
  Connection(boost::asio::io_context& io, Inbox& inbox, const NetSettings& settings, int slot,
             uint32_t generation, uint64_t rxLimit, int portEntry, bool tls);

  void connect(std::string host, uint16_t port);   // client slot
  void bound(const tcp::endpoint& local);          // server slot: its port listens
  void failed(Reason reason);                      // connect/listen failure
  void attach(tcp::socket socket);                 // server slot: a client arrived
  void attach(std::shared_ptr<TlsStream> stream);  // TLS server slot: its handshake is done
  void send(std::vector<uint8_t> bytes);
  void consumed(uint32_t n);
  void shutdown();
  void close();  // the guest released the slot: flush, FIN, drain until FIN or linger, close
  void abort();  // RST now
  void stop();   // backend shutdown: close everything now
  void names(std::string inFile, std::string outFile);  // for info() only

  bool waiting() const { return phase_ == Phase::Waiting; }
  int slot() const { return slot_; }
  uint32_t generation() const { return generation_; }
  int portEntry() const { return portEntry_; }
  SlotInfo info(bool serviceRequest) const;

 private:
  enum class Phase { Resolving, Connecting, Handshaking, Waiting, Open, Closed };

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : socket_; }
  void connectTo(std::vector<tcp::endpoint> endpoints);
  void handshake();
  void connectFailed(const boost::system::error_code& ec, const boost::asio::ip::tcp::endpoint& target);
  void established();
  void startRead();
  void startWrite();
  void finishClose();
  void armCloseTimer();
  void closeSocket();
  void push(NetEvent event);

  boost::asio::io_context& io_;
  Inbox& inbox_;
  const NetSettings& settings_;
  const Options& options_;
  const int slot_;
  const uint32_t generation_;
  const uint64_t rxLimit_;
  const int portEntry_;  // -1 for a client slot
  const std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();

  tcp::socket socket_;               // plain connections
  std::shared_ptr<TlsStream> tls_;   // TLS connections: the socket is its next layer
  const bool tlsWanted_;
  std::string host_;                 // as the guest gave it: the TLS name to verify
  std::string tlsText_;              // TLSINFO's text once the handshake is done
  bool closeNotifySent_ = false;
  bool forbidden_ = false;           // the policy refused an address of the destination
  tcp::resolver resolver_;
  boost::asio::steady_timer timer_;  // connect timeout; after CLOSE: write progress, then linger
  Phase phase_;
  Reason reason_ = Reason::None;
  bool timedOut_ = false;
  bool released_ = false;      // guest did CLOSE/ABORT: no more events
  bool reading_ = false, writing_ = false;
  bool peerEof_ = false, shutdownRequested_ = false, finSent_ = false;
  bool peerFin_ = false;  // peerEof_ by the peer's FIN (not a reset or another error)
  bool resetAtConnect_ = false;  // the peer reset before the connect's handler ran (see connectFailed)
  std::string inFile_, outFile_;

  std::vector<uint8_t> readBuffer_;
  uint32_t rxOutstanding_ = 0;  // read but not yet consumed by the guest
  uint64_t bytesReceived_ = 0, bytesSent_ = 0;
  std::deque<std::vector<uint8_t>> txQueue_;
  uint32_t txQueued_ = 0;

  tcp::endpoint local_, remote_;
};

std::string addressText(const boost::asio::ip::address& address);

}  // namespace tcpnet
