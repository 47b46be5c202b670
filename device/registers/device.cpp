#include "device.h"

#include <algorithm>
#include <bit>


namespace tcpnet {

const char* reasonName(Reason r) {
  static const char* const names[] = {"none",      "refused",     "unreachable", "timeout",  "lookup",
                                      "portbusy",  "noresources", "reset",       "closed",   "untrusted",
                                      "badname",   "expired",     "handshake",   "protocol", "forbidden"};
  auto i = static_cast<size_t>(r);
  return i < std::size(names) ? names[i] : "?";
}

const char* stateName(State s) {
  static const char* const names[] = {"free", "connecting", "listening", "connected", "failed"};
  auto i = static_cast<size_t>(s);
  return i < std::size(names) ? names[i] : "?";
}

Device::Device(risc5::GuestMemory& memory, NetBackend& backend, Inbox& inbox, const Options& options)
    : memory_(memory),
      backend_(backend),
      inbox_(inbox),
      bufferBytes_(options.bufferBytes),
      defaultRxLimit_(options.rxLimit),
      tlsServer_(!options.tlsCert.empty()) {
  for (Slot& s : slots_) s.rx = ByteRing(bufferBytes_);
}

// ---- Registers

uint32_t Device::read(uint32_t offset) {
  update();
  if (offset == reg::SRQ) flush();  // the guest's task loop reads SRQ between its SEND rounds
  if (offset == reg::STATUS) {
    Slot* s = selected();
    if (s == nullptr) return 0;
    uint32_t value = status(*s);
    s->events = 0;
    publish();
    return value;
  }
  return peek(offset);
}

uint32_t Device::peek(uint32_t offset) const {
  const Slot* s = selected();
  switch (offset) {
    case reg::ID: return kMagic;
    case reg::VERSION: return kVersion | uint32_t{kSlots} << 16 | uint32_t{kListenPorts} << 24;
    case reg::SRQ: return serviceRequests();
    case reg::SLOT: return slot_;
    case reg::CMD: return static_cast<uint32_t>(result_);
    case reg::ADR: return adr_;
    case reg::LEN: return len_;
    case reg::PORT: return port_;
    case reg::LIMIT: return limit_;
    case reg::STATUS: return s ? status(*s) : 0;
    case reg::RXAVAIL: return s ? s->rx.size() : 0;
    case reg::TXFREE: return s ? txFree(*s) : 0;
    case reg::LPORT: return s ? s->localPort : 0;
    case reg::RPORT: return s ? s->remotePort : 0;
    case reg::STATE:
      return s ? static_cast<uint32_t>(s->state) | static_cast<uint32_t>(s->reason) << 8 : 0;
    case reg::INUSE: return inUse();
    default: return 0;
  }
}

void Device::write(uint32_t offset, uint32_t value) {
  switch (offset) {
    case reg::SLOT: slot_ = value; break;
    case reg::ADR: adr_ = value; break;
    case reg::LEN: len_ = value; break;
    case reg::PORT: port_ = value; break;
    case reg::LIMIT: limit_ = value; break;
    case reg::CMD:
      update();
      if (value != static_cast<uint32_t>(Command::Send)) flush();  // requests stay in order
      result_ = execute(value);
      publish();
      break;
    default: break;  // read-only registers
  }
}

void Device::reset() {
  for (int i = 0; i < kSlots; ++i)
    if (slots_[i].state != State::Free) backend_.abort(i, slots_[i].generation);
  for (int e = 0; e < kListenPorts; ++e)
    if (ports_[e].used) backend_.closePort(e);
  for (Slot& s : slots_) clear(s);
  batched_ = 0;
  ports_ = {};
  inbox_.take(taken_);  // stale events; the generations would drop them anyway
  taken_.clear();
  slot_ = adr_ = len_ = port_ = limit_ = 0;
  result_ = 0;
  publish();
}

// ---- Events from the network thread

void Device::drainInbox() {
  inbox_.take(taken_);
  for (NetEvent& e : taken_) apply(e);
  taken_.clear();
  publish();
}

void Device::apply(NetEvent& e) {
  if (e.slot >= kSlots) return;
  Slot& s = slots_[e.slot];
  if (s.state == State::Free || s.generation != e.generation) return;  // closed meanwhile
  switch (e.kind) {
    case NetEvent::Kind::Bound:
      s.localPort = e.localPort;
      s.localAddress = std::move(e.localAddress);
      if (s.portEntry >= 0 && ports_[s.portEntry].actual == 0) ports_[s.portEntry].actual = e.localPort;
      s.events |= flag::bound;
      break;
    case NetEvent::Kind::Connected:
      if (s.state != State::Connecting && s.state != State::Listening) break;
      s.state = State::Connected;
      s.connected = true;
      s.localPort = e.localPort;
      s.remotePort = e.remotePort;
      s.localAddress = std::move(e.localAddress);
      s.remoteAddress = std::move(e.remoteAddress);
      s.tlsInfo = std::move(e.tls);
      s.events |= flag::hostc;
      break;
    case NetEvent::Kind::Received:
      // The backend's credit keeps rx within its capacity; push() cannot overflow it.
      s.rx.push(e.data);
      if (!e.data.empty()) s.events |= flag::newrx;
      break;
    case NetEvent::Kind::Sent:
      s.txQueued -= std::min(s.txQueued, e.count);
      s.events |= flag::newtx;
      if (s.txQueued == 0) s.events |= flag::spacetx;
      break;
    case NetEvent::Kind::PeerClosed:
      s.peerClosed = true;
      s.peerReason = e.reason;
      checkEndOfStream(s);
      break;
    case NetEvent::Kind::Failed:
      if (s.state == State::Failed) break;
      s.state = State::Failed;
      s.reason = e.reason;
      s.events |= flag::error;
      break;
  }
}

// disconn (and a reset's error) only once every byte received before it has been fetched.
void Device::checkEndOfStream(Slot& s) {
  if (s.peerClosed && !s.disconnRaised && s.rx.size() == 0) {
    s.disconnRaised = true;
    s.events |= flag::disconn;
    if (s.peerReason != Reason::None && s.state != State::Failed) {
      s.state = State::Failed;
      s.reason = s.peerReason;
      s.events |= flag::error;
    }
  }
  if (!s.limitRaised && s.rxDelivered >= s.rxLimit) {
    s.limitRaised = true;
    s.events |= flag::limrx;
  }
}

void Device::publish() { inbox_.publishServiceRequests(serviceRequests()); }

// ---- Commands

int32_t Device::execute(uint32_t command) {
  switch (static_cast<Command>(command)) {
    case Command::Open: return open(false);
    case Command::Listen: return listen(false);
    case Command::OpenTls: return open(true);
    case Command::ListenTls: return tlsServer_ ? listen(true) : kNoTls;
    default: break;
  }
  if (command < 1 || command > kLastCommand) return kBadCommand;
  Slot* s = selected();
  if (s == nullptr) return kBadSlot;
  int index = static_cast<int>(slot_);
  bool sending = (s->state == State::Connecting || s->state == State::Listening ||
                  s->state == State::Connected) && !s->shutdown;
  switch (static_cast<Command>(command)) {
    case Command::Send: return sending ? send(index, *s) : kBadState;
    case Command::Recv: return recv(index, *s);
    case Command::Shutdown:
      if (!sending) return kBadState;
      s->shutdown = true;
      backend_.shutdown(index, s->generation);
      return kOk;
    case Command::Close: release(index, false); return kOk;
    case Command::Abort: release(index, true); return kOk;
    case Command::Laddr: return address(s->localAddress);
    case Command::Raddr: return address(s->remoteAddress);
    case Command::Names: return names(index, *s);
    case Command::TlsInfo: return address(s->tlsInfo);
    default: return kBadCommand;
  }
}

int32_t Device::limitParameter(uint64_t& limit) const {
  if (limit_ > kMaxLength) return kBadLength;
  limit = limit_ == 0 ? defaultRxLimit_ : limit_ == kNoLimit ? UINT64_MAX : limit_;
  return kOk;
}

int32_t Device::open(bool tls) {
  if (port_ == 0 || port_ > 0xFFFF) return kBadPort;
  if (len_ < 1 || len_ > kMaxName + 1) return kBadLength;
  if (!inRam(adr_, len_)) return kBadMemory;
  uint8_t raw[kMaxName + 1];
  memory_.readBytes(adr_, std::span<uint8_t>(raw, len_));
  std::string host;
  for (uint32_t i = 0; i < len_ && raw[i] != 0; ++i) host.push_back(static_cast<char>(raw[i]));
  if (host.empty() || host.size() > kMaxName) return kBadName;
  for (char c : host)
    if (c < 0x21 || c > 0x7E) return kBadName;
  uint64_t limit;
  if (int32_t r = limitParameter(limit); r < 0) return r;
  int index = freeSlot();
  if (index < 0) return kNoSlot;
  Slot& s = slots_[index];
  s.state = State::Connecting;
  s.tls = tls;
  s.generation = ++nextGeneration_;
  s.rxLimit = limit;
  backend_.open(index, s.generation, std::move(host), static_cast<uint16_t>(port_), limit, tls);
  slot_ = static_cast<uint32_t>(index);
  return index;
}

int32_t Device::listen(bool tls) {
  if (port_ > 0xFFFF) return kBadPort;
  uint64_t limit;
  if (int32_t r = limitParameter(limit); r < 0) return r;
  int entry = -1;
  if (port_ != 0) {
    for (int e = 0; e < kListenPorts && entry < 0; ++e)
      if (ports_[e].used && (ports_[e].actual == port_ || ports_[e].requested == port_)) entry = e;
  }
  bool newEntry = entry < 0;
  if (!newEntry && ports_[entry].tls != tls) return kBadPort;  // a port serves TLS or plain, not both
  if (newEntry) {
    for (int e = 0; e < kListenPorts && entry < 0; ++e)
      if (!ports_[e].used) entry = e;
    if (entry < 0) return kNoPort;
  }
  int index = freeSlot();
  if (index < 0) return kNoSlot;
  PortEntry& p = ports_[entry];
  if (newEntry) p = PortEntry{true, static_cast<uint16_t>(port_), static_cast<uint16_t>(port_), 0, tls};
  p.slots += 1;
  Slot& s = slots_[index];
  s.state = State::Listening;
  s.listener = true;
  s.tls = tls;
  s.portEntry = entry;
  s.generation = ++nextGeneration_;
  s.rxLimit = limit;
  backend_.listen(index, s.generation, entry, static_cast<uint16_t>(port_), limit, tls);
  slot_ = static_cast<uint32_t>(index);
  return index;
}

// SEND batches: a guest that sends a file sector by sector would otherwise cost a posted request,
// a socket write and a Sent event per KiB. The batch goes to the backend once it holds
// bufferBytes/4, at the next SRQ read or non-SEND command (the task loop's next round), or when
// the CPU stops running (flush() at the end of Machine::run), whichever comes first.
int32_t Device::send(int index, Slot& s) {
  if (len_ > kMaxLength) return kBadLength;
  if (!inRam(adr_, len_)) return kBadMemory;
  uint32_t n = std::min(len_, txFree(s));
  if (n == 0) return 0;
  size_t at = s.txBatch.size();
  s.txBatch.resize(at + n);
  memory_.readBytes(adr_, std::span<uint8_t>(s.txBatch.data() + at, n));
  s.txQueued += n;
  batched_ |= 1u << index;
  if (s.txBatch.size() >= bufferBytes_ / 4) flushSlot(index);
  return static_cast<int32_t>(n);
}

void Device::flushSlot(int index) {
  Slot& s = slots_[index];
  batched_ &= ~(1u << index);
  if (s.txBatch.empty()) return;
  std::vector<uint8_t> bytes;
  bytes.swap(s.txBatch);
  backend_.send(index, s.generation, std::move(bytes));
}

void Device::flush() {
  for (uint32_t pending = batched_; pending != 0; pending &= pending - 1)
    flushSlot(std::countr_zero(pending));
}

int32_t Device::recv(int index, Slot& s) {
  if (len_ > kMaxLength) return kBadLength;
  if (!inRam(adr_, len_)) return kBadMemory;
  uint32_t n = std::min(len_, s.rx.size());
  if (n > 0) {
    uint8_t chunk[4096];
    uint32_t done = 0;
    while (done < n) {
      uint32_t k = s.rx.pop(std::span<uint8_t>(chunk, std::min<uint32_t>(n - done, sizeof chunk)));
      memory_.writeBytes(adr_ + done, std::span<const uint8_t>(chunk, k));
      done += k;
    }
    s.rxDelivered += n;
    backend_.consumed(index, s.generation, n);
  }
  checkEndOfStream(s);
  return static_cast<int32_t>(n);
}

int32_t Device::address(const std::string& text) {
  if (len_ > kMaxLength) return kBadLength;
  if (!inRam(adr_, len_)) return kBadMemory;
  if (len_ < text.size() + 1) return kBadLength;
  memory_.writeBytes(adr_, std::span<const uint8_t>(
                               reinterpret_cast<const uint8_t*>(text.c_str()), text.size() + 1));
  return static_cast<int32_t>(text.size());
}

// NAMES: [ADR, ADR+LEN) holds "in" 0X "out" 0X. The names only travel to the network thread
// (posted like every request) for tcpnet-lsof; the device itself never uses them. They end up
// on a user's terminal, so a name with any byte outside 21H..7EH (controls, blank, DEL, 80H..FFH)
// is refused as a whole, never repaired: the guest learns it (-5) and no altered name is shown.
int32_t Device::names(int index, const Slot& s) {
  constexpr uint32_t kMaxText = 2 * (kMaxFileName + 1);
  if (len_ < 2 || len_ > kMaxText) return kBadLength;
  if (!inRam(adr_, len_)) return kBadMemory;
  uint8_t raw[kMaxText];
  memory_.readBytes(adr_, std::span<uint8_t>(raw, len_));
  std::string name[2];
  uint32_t i = 0;
  for (std::string& n : name) {
    for (; i < len_ && raw[i] != 0; ++i) {
      if (raw[i] < 0x21 || raw[i] > 0x7E || n.size() == kMaxFileName) return kBadName;
      n.push_back(static_cast<char>(raw[i]));
    }
    if (i == len_) return kBadName;  // no terminating 0X
    ++i;
  }
  backend_.names(index, s.generation, std::move(name[0]), std::move(name[1]));
  return kOk;
}

// CLOSE with received bytes the guest never fetched resets, as a socket closed with unread data
// does: the peer must not take a clean end for delivery.
void Device::release(int index, bool abort) {
  Slot& s = slots_[index];
  if (abort || s.rx.size() > 0) {
    backend_.abort(index, s.generation);
  } else {
    backend_.close(index, s.generation);
  }
  if (s.portEntry >= 0) {
    PortEntry& p = ports_[s.portEntry];
    if (--p.slots == 0) {
      p = PortEntry{};
      backend_.closePort(s.portEntry);
    }
  }
  clear(s);
}

// Back to a free slot: the receive ring keeps its storage (no allocation on the next OPEN) and
// the generation stays, so late events of the old connection are still recognised and dropped.
void Device::clear(Slot& s) {
  uint32_t generation = s.generation;
  ByteRing rx = std::move(s.rx);
  rx.clear();
  s = Slot{};
  s.rx = std::move(rx);
  s.generation = generation;
}

int Device::freeSlot() const {
  for (int i = 0; i < kSlots; ++i)
    if (slots_[i].state == State::Free) return i;
  return -1;
}

bool Device::inRam(uint32_t address, uint32_t length) const {
  return uint64_t{address} + length <= memory_.ramBytes();
}

// ---- Derived values

Device::Slot* Device::selected() {
  return slot_ < kSlots && slots_[slot_].state != State::Free ? &slots_[slot_] : nullptr;
}

const Device::Slot* Device::selected() const {
  return slot_ < kSlots && slots_[slot_].state != State::Free ? &slots_[slot_] : nullptr;
}

uint32_t Device::status(const Slot& s) const {
  uint32_t value = s.events;
  if (!s.connected) value |= s.listener ? flag::idle : flag::wconn;
  value |= static_cast<uint32_t>(s.reason) << flag::reasonShift;
  value |= static_cast<uint32_t>(s.state) << flag::stateShift;
  return value;
}

uint32_t Device::serviceRequests() const {
  uint32_t srq = 0;
  for (int i = 0; i < kSlots; ++i) {
    const Slot& s = slots_[i];
    if (s.state != State::Free && (s.events != 0 || s.rx.size() > 0)) srq |= 1u << i;
  }
  return srq;
}

uint32_t Device::txFree(const Slot& s) const {
  bool sending = (s.state == State::Connecting || s.state == State::Listening ||
                  s.state == State::Connected) && !s.shutdown;
  return sending ? bufferBytes_ - std::min(bufferBytes_, s.txQueued) : 0;
}

uint32_t Device::inUse() const {
  uint32_t bits = 0;
  for (int i = 0; i < kSlots; ++i)
    if (slots_[i].state != State::Free) bits |= 1u << i;
  return bits;
}

}  // namespace tcpnet
