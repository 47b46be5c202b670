#include "listener.h"

#include "errors.h"

namespace tcpnet {

namespace asio = boost::asio;
using boost::system::error_code;

Listener::Listener(asio::io_context& io, const asio::ip::address& bindAddress, const Options& options)
    : io_(io), bindAddress_(bindAddress), options_(options), acceptor_(io), retry_(io) {}

Reason Listener::open(uint16_t port, asio::ssl::context* tls) {
  tls_ = tls;
  tcp::endpoint endpoint(bindAddress_, port);
  error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(static_cast<int>(options_.backlog), ec);
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
  std::erase_if(handshaking_, [](const std::weak_ptr<TlsStream>& w) { return w.expired(); });
  if (accepting_ || !acceptor_.is_open() || queued_.size() + handshaking_.size() >= options_.backlog) return;
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
    if (tls_) handshake(std::move(client));
    else arrived(Client{std::move(client), nullptr});
    startAccept();
  });
}

// The server side of a TLS handshake, bounded by tlsHandshakeTimeout (a client that connects and
// says nothing must not hold a place in the backlog for ever).
void Listener::handshake(tcp::socket client) {
  auto stream = std::make_shared<TlsStream>(std::move(client), *tls_);
  auto timer = std::make_shared<asio::steady_timer>(io_);
  handshaking_.push_back(stream);
  timer->expires_after(options_.tlsHandshakeTimeout);
  timer->async_wait([weak = std::weak_ptr<TlsStream>(stream)](const error_code& ec) {
    if (auto s = weak.lock(); s && !ec) {
      error_code ignored;
      s->next_layer().close(ignored);
    }
  });
  stream->async_handshake(asio::ssl::stream_base::server,
                          [this, generation = generation_, stream, timer](const error_code& ec) {
    timer->cancel();
    if (generation != generation_) return;  // the port was closed meanwhile
    std::erase_if(handshaking_, [&](const std::weak_ptr<TlsStream>& w) { return w.lock() == stream; });
    if (ec) {
      ++failedHandshakes_;
      error_code ignored;
      stream->next_layer().close(ignored);
    } else {
      arrived(Client{tcp::socket(io_), stream});
    }
    startAccept();  // a place in the backlog is free again
  });
}

void Listener::hand(Connection& slot, Client client) {
  if (client.tls) slot.attach(std::move(client.tls));
  else slot.attach(std::move(client.socket));
}

void Listener::arrived(Client client) {
  while (!waiting_.empty()) {
    std::shared_ptr<Connection> slot = waiting_.front().lock();
    waiting_.pop_front();
    if (slot && slot->waiting()) return hand(*slot, std::move(client));
  }
  queued_.push_back(std::move(client));
}

void Listener::addWaiting(const std::shared_ptr<Connection>& slot) {
  if (!queued_.empty()) {
    Client client = std::move(queued_.front());
    queued_.pop_front();
    hand(*slot, std::move(client));
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
  for (Client& client : queued_) (client.tls ? client.tls->next_layer() : client.socket).close(ec);
  queued_.clear();
  for (auto& w : handshaking_)
    if (auto s = w.lock()) s->next_layer().close(ec);
  handshaking_.clear();
  waiting_.clear();
}

}  // namespace tcpnet
