#include "asio_backend.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <future>
#include <stdexcept>

namespace tcpnet {

namespace asio = boost::asio;

namespace {
asio::ip::address parseBindAddress(const std::string& text) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(text, ec);
  if (ec) throw std::invalid_argument("tcpnet: bind address '" + text + "' is not an IP address");
  return address;
}
}  // namespace

AsioBackend::AsioBackend(Inbox& inbox, const Options& options)
    : inbox_(inbox),
      options_(options),
      bindAddress_(parseBindAddress(options.bindAddress)),
      tls_(options_),
      hosts_(options_.hostsFile.empty() ? HostsFile() : HostsFile(options_.hostsFile)),
      policy_(options_.connectScope, options_.connectRules, hosts_),
      guard_(io_.get_executor()) {
  for (auto& l : listeners_) l = std::make_unique<Listener>(io_, bindAddress_, options_);
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {  // no exception may cross the thread: log, go on
        std::fprintf(stderr, "tcpnet: network thread: %s\n", e.what());
      }
    }
  });
}

AsioBackend::~AsioBackend() {
  asio::post(io_, [this] { stopAll(); });
  guard_.reset();
  thread_.join();
}

void AsioBackend::stopAll() {
  for (auto& c : slots_)
    if (c) c->stop();
  for (auto& w : closing_)
    if (auto c = w.lock()) c->stop();
  for (auto& l : listeners_) l->close();
}

std::shared_ptr<Connection> AsioBackend::find(int slot, uint32_t generation) const {
  if (slot < 0 || slot >= kSlots) return nullptr;
  const auto& c = slots_[slot];
  return c && c->generation() == generation ? c : nullptr;
}

void AsioBackend::open(int slot, uint32_t generation, std::string host, uint16_t port, uint64_t rxLimit,
                       bool tls) {
  asio::post(io_, [=, this, host = std::move(host)]() mutable {
    auto c = std::make_shared<Connection>(io_, inbox_, settings_, slot, generation, rxLimit, -1, tls);
    slots_[slot] = c;
    c->connect(std::move(host), port);
  });
}

void AsioBackend::listen(int slot, uint32_t generation, int entry, uint16_t port, uint64_t rxLimit, bool tls) {
  asio::post(io_, [=, this] {
    auto c = std::make_shared<Connection>(io_, inbox_, settings_, slot, generation, rxLimit, entry, tls);
    slots_[slot] = c;
    Listener& l = *listeners_[entry];
    if (!l.isOpen()) {
      // The device gives LISTENTLS only with a certificate, so tls implies a server context.
      if (Reason r = l.open(port, tls ? tls_.server() : nullptr); r != Reason::None) return c->failed(r);
    }
    c->bound(l.localEndpoint());
    l.addWaiting(c);
  });
}

void AsioBackend::send(int slot, uint32_t generation, std::vector<uint8_t> bytes) {
  asio::post(io_, [=, this, bytes = std::move(bytes)]() mutable {
    if (auto c = find(slot, generation)) c->send(std::move(bytes));
  });
}

void AsioBackend::consumed(int slot, uint32_t generation, uint32_t n) {
  asio::post(io_, [=, this] {
    if (auto c = find(slot, generation)) c->consumed(n);
  });
}

void AsioBackend::shutdown(int slot, uint32_t generation) {
  asio::post(io_, [=, this] {
    if (auto c = find(slot, generation)) c->shutdown();
  });
}

void AsioBackend::close(int slot, uint32_t generation) {
  asio::post(io_, [=, this] {
    auto c = find(slot, generation);
    if (!c) return;
    slots_[slot].reset();
    if (c->portEntry() >= 0) listeners_[c->portEntry()]->removeWaiting(c.get());
    c->close();
    std::erase_if(closing_, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
    closing_.push_back(c);
  });
}

void AsioBackend::abort(int slot, uint32_t generation) {
  asio::post(io_, [=, this] {
    auto c = find(slot, generation);
    if (!c) return;
    slots_[slot].reset();
    if (c->portEntry() >= 0) listeners_[c->portEntry()]->removeWaiting(c.get());
    c->abort();
  });
}

void AsioBackend::closePort(int entry) {
  asio::post(io_, [=, this] {
    if (entry >= 0 && entry < kListenPorts) listeners_[entry]->close();
  });
}

void AsioBackend::names(int slot, uint32_t generation, std::string inFile, std::string outFile) {
  asio::post(io_, [=, this, inFile = std::move(inFile), outFile = std::move(outFile)]() mutable {
    if (auto c = find(slot, generation)) c->names(std::move(inFile), std::move(outFile));
  });
}

std::vector<SlotInfo> AsioBackend::collect() {
  uint32_t srq = inbox_.publishedServiceRequests();
  std::vector<SlotInfo> rows;
  for (int i = 0; i < kSlots; ++i)
    if (slots_[i]) rows.push_back(slots_[i]->info((srq >> i) & 1));
  std::erase_if(closing_, [](const std::weak_ptr<Connection>& w) { return w.expired(); });
  for (auto& w : closing_)
    if (auto c = w.lock()) rows.push_back(c->info(false));
  return rows;
}

std::vector<SlotInfo> AsioBackend::snapshot() {
  if (io_.get_executor().running_in_this_thread()) return collect();
  auto promise = std::make_shared<std::promise<std::vector<SlotInfo>>>();
  auto future = promise->get_future();
  asio::post(io_, [this, promise] { promise->set_value(collect()); });
  if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return {};
  return future.get();
}

}  // namespace tcpnet
