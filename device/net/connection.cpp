#include "connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>

#include "errors.h"

namespace tcpnet {

namespace asio = boost::asio;
using boost::system::error_code;

std::string addressText(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

Connection::Connection(asio::io_context& io, Inbox& inbox, const NetSettings& settings, int slot,
                       uint32_t generation, uint64_t rxLimit, int portEntry, bool tls)
    : io_(io),
      inbox_(inbox),
      settings_(settings),
      options_(settings.options),
      slot_(slot),
      generation_(generation),
      rxLimit_(rxLimit),
      portEntry_(portEntry),
      socket_(io),
      tlsWanted_(tls),
      resolver_(io),
      timer_(io),
      phase_(portEntry >= 0 ? Phase::Waiting : Phase::Resolving),
      readBuffer_(std::min<uint32_t>(settings.options.bufferBytes, 64 * 1024)) {}

void Connection::push(NetEvent event) {
  if (released_) return;
  event.slot = static_cast<uint8_t>(slot_);
  event.generation = generation_;
  inbox_.push(std::move(event));
}

// ---- Client: resolve, connect, (TLS) handshake, with one timeout over all

void Connection::connect(std::string host, uint16_t port) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  host_ = host;
  if (tlsWanted_) tls_ = clientStream(io_, settings_.tls, host, !options_.tlsInsecure);
  timer_.expires_after(options_.connectTimeout);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || (self->phase_ != Phase::Resolving && self->phase_ != Phase::Connecting &&
               self->phase_ != Phase::Handshaking))
      return;
    self->timedOut_ = true;
    self->resolver_.cancel();
    error_code ignored;
    self->socket().close(ignored);
  });
  error_code ec;
  asio::ip::address literal = asio::ip::make_address(host, ec);
  if (!ec) return connectTo({tcp::endpoint(literal, port)});
  if (auto named = settings_.hosts.find(host); !named.empty()) {  // --tcpnet-hosts
    std::vector<tcp::endpoint> endpoints;
    for (const auto& a : named) endpoints.emplace_back(a, port);
    return connectTo(std::move(endpoints));
  }
  resolver_.async_resolve(host, std::to_string(port), tcp::resolver::numeric_service,
                          [self = shared_from_this()](const error_code& ec,
                                                      const tcp::resolver::results_type& results) {
                            if (ec == asio::error::operation_aborted && !self->timedOut_) return;
                            if (ec || results.empty()) {
                              return self->failed(self->timedOut_ ? Reason::Timeout : Reason::Lookup);
                            }
                            std::vector<tcp::endpoint> endpoints;
                            for (const auto& r : results) endpoints.push_back(r.endpoint());
                            self->connectTo(std::move(endpoints));
                          });
}

// Tries the addresses in turn; the policy sees each one before it is tried, so that no packet
// goes to a forbidden address whatever name led there.
void Connection::connectTo(std::vector<tcp::endpoint> endpoints) {
  if (phase_ != Phase::Resolving) return;
  phase_ = Phase::Connecting;
  auto list = std::make_shared<std::vector<tcp::endpoint>>(std::move(endpoints));
  asio::async_connect(
      socket(), *list,
      [self = shared_from_this()](const error_code&, const tcp::endpoint& next) {
        bool allowed = self->settings_.policy.allows(next);
        if (!allowed) self->forbidden_ = true;
        return allowed;
      },
      [self = shared_from_this(), list](const error_code& ec, const tcp::endpoint& target) {
        if (ec == asio::error::not_found && self->forbidden_ && self->phase_ == Phase::Connecting)
          return self->failed(Reason::Forbidden);  // every address was refused by the policy
        if (ec) return self->connectFailed(ec, target);
        self->remote_ = target;
        self->handshake();
      });
}

void Connection::handshake() {
  if (!tls_) return established();
  if (phase_ != Phase::Connecting) return;
  phase_ = Phase::Handshaking;
  tls_->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](const error_code& ec) {
    if (self->phase_ != Phase::Handshaking) return;  // released or aborted meanwhile
    if (ec) return self->failed(self->timedOut_ ? Reason::Timeout : handshakeReason(*self->tls_, ec));
    self->established();
  });
}

void Connection::connectFailed(const error_code& ec, const tcp::endpoint& target) {
  if (phase_ != Phase::Connecting) return;  // released or aborted meanwhile
  if (ec == asio::error::operation_aborted && !timedOut_) return;
  // A reset as the connect's result means the handshake completed and the peer reset before this
  // handler ran (a refusal is ECONNREFUSED); the connect consumed the socket's error, but what
  // the peer sent before its reset is in the receive queue. Deliver it, then the reset, as for a
  // reset that comes later: a byte the peer sent is never dropped.
  if (ec == asio::error::connection_reset && !timedOut_) {
    resetAtConnect_ = true;
    remote_ = target;
    handshake();  // TLS: the handshake fails on the reset socket, and the guest learns "reset"
    return;
  }
  failed(timedOut_ ? Reason::Timeout : classify(ec, Stage::Connect));
}

void Connection::failed(Reason reason) {
  if (phase_ == Phase::Closed) return;
  reason_ = reason;
  closeSocket();
  NetEvent e{NetEvent::Kind::Failed};
  e.reason = reason;
  push(std::move(e));
}

// ---- Server slot

void Connection::bound(const tcp::endpoint& local) {
  local_ = local;
  NetEvent e{NetEvent::Kind::Bound};
  e.localPort = local.port();
  e.localAddress = addressText(local.address());
  push(std::move(e));
}

void Connection::attach(tcp::socket socket) {
  socket_ = std::move(socket);
  established();
}

void Connection::attach(std::shared_ptr<TlsStream> stream) {
  tls_ = std::move(stream);
  established();
}

// ---- Established connection

void Connection::established() {
  if (phase_ == Phase::Closed || released_) {
    closeSocket();
    return;
  }
  timer_.cancel();
  phase_ = Phase::Open;
  error_code ec;
  socket().set_option(tcp::no_delay(true), ec);  // the guest already decides what goes together
  local_ = socket().local_endpoint(ec);
  if (tcp::endpoint peer = socket().remote_endpoint(ec); !ec) remote_ = peer;  // gone after a reset
  if (tls_) tlsText_ = sessionText(*tls_);
  NetEvent e{NetEvent::Kind::Connected};
  e.tls = tlsText_;
  e.localPort = local_.port();
  e.remotePort = remote_.port();
  e.localAddress = addressText(local_.address());
  e.remoteAddress = addressText(remote_.address());
  push(std::move(e));
  startRead();
  startWrite();
}

// Reads only while the guest has room: (read - consumed) < bufferBytes, and never past rxLimit.
// After CLOSE the connection reads without limit and drops the bytes until the peer's FIN.
void Connection::startRead() {
  if (phase_ != Phase::Open || reading_ || peerEof_) return;
  size_t n = readBuffer_.size();
  if (!released_) {
    uint64_t left = rxLimit_ > bytesReceived_ ? rxLimit_ - bytesReceived_ : 0;
    uint32_t window = options_.bufferBytes - std::min(options_.bufferBytes, rxOutstanding_);
    n = static_cast<size_t>(std::min<uint64_t>({n, left, window}));
    if (n == 0) return;
  }
  reading_ = true;
  auto done = [self = shared_from_this()](const error_code& ec, size_t got) {
    self->reading_ = false;
    if (ec == asio::error::operation_aborted || self->phase_ != Phase::Open) return;
    if (ec) {
      self->peerEof_ = true;
      // After a reset at connect the queue's end reads as an end of file: it was the reset.
      const error_code why = ec == asio::error::eof && self->resetAtConnect_
                                 ? error_code(asio::error::connection_reset) : ec;
      // TLS: eof is the peer's close_notify; a TCP end without it is stream_truncated (protocol).
      self->peerFin_ = why == asio::error::eof;
      NetEvent e{NetEvent::Kind::PeerClosed};
      e.reason = self->peerFin_ ? Reason::None : self->tls_ ? streamReason(why) : classify(why, Stage::Stream);
      self->push(std::move(e));
      if (self->released_) ec == asio::error::eof ? self->finishClose() : self->closeSocket();
      return;
    }
    self->bytesReceived_ += got;
    if (!self->released_) {
      self->rxOutstanding_ += static_cast<uint32_t>(got);
      NetEvent e{NetEvent::Kind::Received};
      e.data.assign(self->readBuffer_.begin(), self->readBuffer_.begin() + static_cast<long>(got));
      self->push(std::move(e));
    }
    self->startRead();
  };
  if (tls_) tls_->async_read_some(asio::buffer(readBuffer_.data(), n), std::move(done));
  else socket_.async_read_some(asio::buffer(readBuffer_.data(), n), std::move(done));
}

void Connection::consumed(uint32_t n) {
  rxOutstanding_ -= std::min(rxOutstanding_, n);
  startRead();
}

void Connection::send(std::vector<uint8_t> bytes) {
  if (phase_ == Phase::Closed || bytes.empty()) return;
  txQueued_ += static_cast<uint32_t>(bytes.size());
  txQueue_.push_back(std::move(bytes));
  startWrite();
}

void Connection::shutdown() {
  shutdownRequested_ = true;
  startWrite();
}

// One write in flight; FIN once the queue is empty after SHUTDOWN or CLOSE (TLS: close_notify
// first, so that the peer can tell the end of the stream from a cut).
void Connection::startWrite() {
  if (phase_ != Phase::Open || writing_) return;
  if (txQueue_.empty()) {
    if (shutdownRequested_ && !finSent_) {
      if (tls_ && !closeNotifySent_) {
        closeNotifySent_ = true;
        auto alert = std::make_shared<std::vector<uint8_t>>(closeNotify(*tls_));
        writing_ = true;
        asio::async_write(socket(), asio::buffer(*alert), [self = shared_from_this(), alert](const error_code& ec, size_t) {
          self->writing_ = false;
          if (ec == asio::error::operation_aborted || self->phase_ != Phase::Open) return;
          self->startWrite();  // the FIN; a write error shows up on the next read
        });
        return;
      }
      error_code ec;
      socket().shutdown(tcp::socket::shutdown_send, ec);
      finSent_ = true;
      if (released_) finishClose();
    }
    return;
  }
  writing_ = true;
  auto done = [self = shared_from_this()](const error_code& ec, size_t n) {
    self->writing_ = false;
    if (ec == asio::error::operation_aborted || self->phase_ != Phase::Open) return;
    if (ec) {
      // The stream is broken for sending; received bytes stay available to the guest.
      self->txQueue_.clear();
      self->txQueued_ = 0;
      NetEvent e{NetEvent::Kind::Failed};
      e.reason = self->tls_ ? streamReason(ec) : classify(ec, Stage::Stream);
      self->push(std::move(e));
      if (self->released_) self->closeSocket();
      return;
    }
    self->bytesSent_ += n;
    self->txQueued_ -= static_cast<uint32_t>(n);
    self->txQueue_.pop_front();
    if (self->released_) self->armCloseTimer();  // progress: the slow reader gets more time
    NetEvent e{NetEvent::Kind::Sent};
    e.count = static_cast<uint32_t>(n);
    self->push(std::move(e));
    self->startWrite();
  };
  if (tls_) asio::async_write(*tls_, asio::buffer(txQueue_.front()), std::move(done));
  else asio::async_write(socket_, asio::buffer(txQueue_.front()), std::move(done));
}

// ---- Ending

void Connection::close() {
  if (released_) return;
  released_ = true;
  if (phase_ != Phase::Open) {
    closeSocket();
    return;
  }
  shutdownRequested_ = true;
  armCloseTimer();
  startWrite();
  startRead();  // now unbounded: drain and drop until the peer's FIN
}

// After CLOSE one timer guards two waits. While bytes are still queued it runs closeSendTimeout
// from the last write progress: a slow reader gets every byte, and a reader that takes nothing
// for that long is reset, so it never mistakes a cut stream for a complete one. Once our FIN is
// out, closeLinger bounds the wait for the peer's FIN.
void Connection::armCloseTimer() {
  timer_.expires_after(finSent_ ? options_.closeLinger : options_.closeSendTimeout);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec || self->phase_ != Phase::Open) return;
    if (!self->finSent_) {
      error_code ignored;
      self->socket().set_option(asio::socket_base::linger(true, 0), ignored);  // RST
    }
    self->closeSocket();
  });
}

void Connection::finishClose() {
  if (finSent_ && peerEof_) closeSocket();
  else if (finSent_) armCloseTimer();  // the linger for the peer's FIN starts now
}

void Connection::abort() {
  released_ = true;
  if (socket().is_open()) {
    error_code ec;
    socket().set_option(asio::socket_base::linger(true, 0), ec);
  }
  closeSocket();
}

void Connection::stop() {
  released_ = true;
  closeSocket();
}

void Connection::names(std::string inFile, std::string outFile) {
  inFile_ = std::move(inFile);
  outFile_ = std::move(outFile);
}

void Connection::closeSocket() {
  phase_ = Phase::Closed;
  resolver_.cancel();
  timer_.cancel();
  error_code ec;
  socket().close(ec);
  txQueue_.clear();
  txQueued_ = 0;
}

SlotInfo Connection::info(bool serviceRequest) const {
  SlotInfo i;
  i.slot = released_ ? -1 : slot_;
  switch (phase_) {
    case Phase::Resolving:
    case Phase::Connecting:
    case Phase::Handshaking: i.state = State::Connecting; break;
    case Phase::Waiting: i.state = State::Listening; break;
    case Phase::Open: i.state = State::Connected; break;
    case Phase::Closed: i.state = reason_ != Reason::None ? State::Failed : State::Free; break;
  }
  i.listener = portEntry_ >= 0;
  i.serviceRequest = serviceRequest;
  i.reason = reason_;
  if (local_.port() != 0) {
    i.localAddress = addressText(local_.address());
    i.localPort = local_.port();
  }
  if (remote_.port() != 0) {
    i.remoteAddress = addressText(remote_.address());
    i.remotePort = remote_.port();
  }
  i.bytesReceived = bytesReceived_;
  i.bytesSent = bytesSent_;
  i.rxQueued = released_ ? 0 : rxOutstanding_;
  i.txQueued = txQueued_;
  i.ageSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - created_).count();
  i.peerClosed = peerFin_;
  i.finSent = finSent_;
  i.inFile = inFile_;
  i.outFile = outFile_;
  if (tlsWanted_) i.tls = tlsText_.empty() ? "TLS" : versionText(tlsText_);
  return i;
}

}  // namespace tcpnet
