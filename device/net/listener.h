// A listening port (one of 4) on the network thread: the acceptor bound to the configured
// address with SO_REUSEADDR, the serving slots waiting for a client (oldest first), and clients
// that arrived while no slot was waiting (accepted by the host, queued up to `backlog`). A TLS
// port does the server handshake before a client counts as arrived: a client that fails it (or
// takes longer than tlsHandshakeTimeout) never reaches a slot.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>

#include "connection.h"

namespace tcpnet {

class Listener {
 public:
  using tcp = boost::asio::ip::tcp;
  Listener(boost::asio::io_context& io, const boost::asio::ip::address& bindAddress, const Options& options);

  bool isOpen() const { return acceptor_.is_open(); }
  // Reason::None on success; tls: the server context of a LISTENTLS port, else null.
  Reason open(uint16_t port, boost::asio::ssl::context* tls);
  tcp::endpoint localEndpoint() const;
  void addWaiting(const std::shared_ptr<Connection>& slot);  // takes a queued client if any
  void removeWaiting(const Connection* slot);
  void close();  // acceptor and queued clients; the port refuses from now on
  size_t queued() const { return queued_.size(); }
  uint64_t failedHandshakes() const { return failedHandshakes_; }

 private:
  struct Client {  // an arrived client: a plain socket, or a TLS stream whose handshake is done
    tcp::socket socket;
    std::shared_ptr<TlsStream> tls;
  };
  void startAccept();
  void handshake(tcp::socket client);
  void arrived(Client client);
  static void hand(Connection& slot, Client client);

  boost::asio::io_context& io_;
  boost::asio::ip::address bindAddress_;
  const Options& options_;
  boost::asio::ssl::context* tls_ = nullptr;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after accept errors such as EMFILE
  std::deque<Client> queued_;
  std::vector<std::weak_ptr<TlsStream>> handshaking_;  // count against the backlog too
  uint64_t failedHandshakes_ = 0;
  std::deque<std::weak_ptr<Connection>> waiting_;
  bool accepting_ = false;
  uint32_t generation_ = 0;  // handlers of a closed acceptor must not touch a reopened one
};

}  // namespace tcpnet
