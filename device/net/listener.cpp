#include "listener.h"

#include "errors.h"

namespace tcpnet {

namespace asio = boost::asio;
using boost::system::error_code;

Listener::Listener(asio::io_context& io, const asio::ip::address& bindAddress, uint32_t backlog)
    : bindAddress_(bindAddress), backlog_(backlog), acceptor_(io), retry_(io) {}

Reason Listener::open(uint16_t port) {
  tcp::endpoint endpoint(bindAddress_, port);
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(static_cast<int>(backlog_), ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return classify(ec, Stage::Listen);
  }
  ++generation_;
  accepting_ = false;
  startAccept();
  return Reason::None;
}

Listener::tcp::endpoint Listener::localEndpoint() const {
  error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::startAccept() {
  if (accepting_ || !acceptor_.is_open() || queued_.size() >= backlog_) return;
  accepting_ = true;
  acceptor_.async_accept([this, generation = generation_](const error_code& ec, tcp::socket client) {
    if (generation != generation_) return;  // closed (and maybe reopened) meanwhile
    accepting_ = false;
    if (ec == asio::error::operation_aborted) return;
    if (ec) {  // out of descriptors and the like: try again shortly
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this, generation](const error_code& ec) {
        if (!ec && generation == generation_) startAccept();
      });
      return;
    }
    while (!waiting_.empty()) {
      std::shared_ptr<Connection> slot = waiting_.front().lock();
      waiting_.pop_front();
      if (slot && slot->waiting()) {
        slot->attach(std::move(client));
        startAccept();
        return;
      }
    }
    queued_.push_back(std::move(client));
    startAccept();
  });
}

void Listener::addWaiting(const std::shared_ptr<Connection>& slot) {
  if (!queued_.empty()) {
    tcp::socket client = std::move(queued_.front());
    queued_.pop_front();
    slot->attach(std::move(client));
    startAccept();  // the queue had room again
    return;
  }
  waiting_.push_back(slot);
}

void Listener::removeWaiting(const Connection* slot) {
  std::erase_if(waiting_, [slot](const std::weak_ptr<Connection>& w) {
    auto p = w.lock();
    return !p || p.get() == slot;
  });
}

void Listener::close() {
  ++generation_;
  accepting_ = false;
  error_code ec;
  retry_.cancel();
  acceptor_.close(ec);
  for (tcp::socket& client : queued_) client.close(ec);
  queued_.clear();
  waiting_.clear();
}

}  // namespace tcpnet
