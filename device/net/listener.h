// A listening port (one of 4) on the network thread: the acceptor bound to the configured
// address with SO_REUSEADDR, the serving slots waiting for a client (oldest first), and clients
// that arrived while no slot was waiting (accepted by the host, queued up to `backlog`).
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
  Listener(boost::asio::io_context& io, const boost::asio::ip::address& bindAddress, uint32_t backlog);

  bool isOpen() const { return acceptor_.is_open(); }
  Reason open(uint16_t port);  // Reason::None on success
  tcp::endpoint localEndpoint() const;
  void addWaiting(const std::shared_ptr<Connection>& slot);  // takes a queued client if any
  void removeWaiting(const Connection* slot);
  void close();  // acceptor and queued clients; the port refuses from now on
  size_t queued() const { return queued_.size(); }

 private:
  void startAccept();

  boost::asio::ip::address bindAddress_;
  uint32_t backlog_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after accept errors such as EMFILE
  std::deque<tcp::socket> queued_;
  std::deque<std::weak_ptr<Connection>> waiting_;
  bool accepting_ = false;
  uint32_t generation_ = 0;  // handlers of a closed acceptor must not touch a reopened one
};

}  // namespace tcpnet
