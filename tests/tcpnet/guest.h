// Test helpers: a "guest" that drives the TCPNet device through its registers exactly as RISC5
// code would (SYSTEM.PUT/GET on -256..-196, buffers in its own RAM), plus loopback peers
// (support::Socket) with bounded operations. Waiting is always on the Waker with a deadline, never a bare sleep.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "device/net/tcpnet.h"
#include "tests/support/guest_ram.h"
#include "tests/support/socket.h"
#include "emulator/machine/waker.h"

namespace tcpnet {
// For Boost.Test messages.
inline std::ostream& operator<<(std::ostream& os, State s) { return os << stateName(s); }
inline std::ostream& operator<<(std::ostream& os, Reason r) { return os << reasonName(r); }
}  // namespace tcpnet

namespace tcpnet::test {

using namespace std::chrono_literals;

inline constexpr uint32_t kRam = 1 << 20;
inline constexpr uint32_t kNameArea = 0x1000;  // guest buffers
inline constexpr uint32_t kTxArea = 0x10000;
inline constexpr uint32_t kRxArea = 0x40000;

class Guest {
 public:
  explicit Guest(const Options& options = {})
      : memory_(kRam), net_(memory_, waker_, options) {}

  Device& device() { return net_.device(); }
  uint32_t get(uint32_t offset) { return net_.device().read(offset); }
  void put(uint32_t offset, uint32_t value) { net_.device().write(offset, value); }
  int32_t command(Command c) {
    put(reg::CMD, static_cast<uint32_t>(c));
    return static_cast<int32_t>(get(reg::CMD));
  }
  void select(int slot) { put(reg::SLOT, static_cast<uint32_t>(slot)); }

  int32_t open(const std::string& host, uint32_t port, uint32_t limit = 0) {
    poke(kNameArea, host + '\0');
    put(reg::ADR, kNameArea);
    put(reg::LEN, static_cast<uint32_t>(host.size() + 1));
    put(reg::PORT, port);
    put(reg::LIMIT, limit);
    return fresh(command(Command::Open));
  }
  int32_t listen(uint32_t port, uint32_t limit = 0) {
    put(reg::PORT, port);
    put(reg::LIMIT, limit);
    return fresh(command(Command::Listen));
  }
  // SEND: as many bytes of `bytes` as the device takes now.
  int32_t send(int slot, const std::string& bytes) {
    poke(kTxArea, bytes);
    select(slot);
    put(reg::ADR, kTxArea);
    put(reg::LEN, static_cast<uint32_t>(bytes.size()));
    int32_t n = command(Command::Send);
    device().flush();  // this guest stops after each SEND, as the CPU does at the end of a run
    return n;
  }
  // RECV up to max bytes; appends them to `into`; returns the result code.
  int32_t recv(int slot, std::string& into, uint32_t max = 65536) {
    select(slot);
    put(reg::ADR, kRxArea);
    put(reg::LEN, max);
    int32_t n = command(Command::Recv);
    if (n > 0) into += peek(kRxArea, static_cast<uint32_t>(n));
    return n;
  }
  int32_t simple(int slot, Command c) {
    select(slot);
    return command(c);
  }
  std::string addressText(int slot, Command which) {
    select(slot);
    put(reg::ADR, kNameArea);
    put(reg::LEN, 64);
    int32_t n = command(which);
    return n >= 0 ? peek(kNameArea, static_cast<uint32_t>(n)) : "error " + std::to_string(n);
  }
  // NAMES with the raw text `text` (the guest's "in" 0X "out" 0X) at kNameArea.
  int32_t names(int slot, const std::string& text) {
    poke(kNameArea, text);
    select(slot);
    put(reg::ADR, kNameArea);
    put(reg::LEN, static_cast<uint32_t>(text.size()));
    return command(Command::Names);
  }
  // The snapshot row of `slot` (a default row with slot -1 if there is none).
  SlotInfo row(int slot) {
    for (const SlotInfo& r : net_.snapshot())
      if (r.slot == slot) return r;
    return SlotInfo{};
  }
  // Reads STATUS (clearing its events) and remembers every flag ever seen per slot.
  uint32_t status(int slot) {
    select(slot);
    uint32_t s = get(reg::STATUS);
    seen_[slot] |= s;
    return s;
  }
  uint32_t seen(int slot) const { return seen_[slot]; }
  void forget(int slot) { seen_[slot] = 0; }
  uint32_t slotRegister(int slot, uint32_t offset) {
    select(slot);
    return get(offset);
  }
  Reason reason(int slot) { return static_cast<Reason>((slotRegister(slot, reg::STATE) >> 8) & 0xFF); }
  State state(int slot) { return static_cast<State>(slotRegister(slot, reg::STATE) & 0xF); }

  // Polls `done` after every wake-up of the Waker, up to `timeout`.
  bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (done()) return true;
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
      waker_.wait(std::min<std::chrono::microseconds>(left, 20ms));
    }
  }
  bool waitFlag(int slot, uint32_t flags, std::chrono::milliseconds timeout = 10s) {
    return waitUntil([&] { return (status(slot) | seen_[slot]) & flags; }, timeout);
  }
  // Receives until `n` bytes arrived (or timeout); returns what arrived.
  std::string receive(int slot, size_t n, std::chrono::milliseconds timeout = 10s) {
    std::string got;
    waitUntil([&] { recv(slot, got); return got.size() >= n; }, timeout);
    return got;
  }
  // Sends all of `bytes`, waiting for room (newtx) as needed.
  bool sendAll(int slot, const std::string& bytes, std::chrono::milliseconds timeout = 10s) {
    size_t done = 0;
    return waitUntil([&] {
      int32_t n = send(slot, bytes.substr(done, 65536));
      if (n > 0) done += static_cast<size_t>(n);
      return done == bytes.size() || n < 0;
    }, timeout) && done == bytes.size();
  }

  void poke(uint32_t address, const std::string& bytes) {
    memory_.writeBytes(address, {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  }
  std::string peek(uint32_t address, uint32_t n) {
    std::string s(n, '\0');
    memory_.readBytes(address, {reinterpret_cast<uint8_t*>(s.data()), n});
    return s;
  }

  risc5::GuestMemory& memory() { return memory_; }
  risc5::Waker& waker() { return waker_; }
  TcpNet& net() { return net_; }

 private:
  int32_t fresh(int32_t slot) {  // a new slot starts with no remembered flags
    if (slot >= 0 && slot < kSlots) seen_[slot] = 0;
    return slot;
  }

  support::GuestRam memory_;
  risc5::Waker waker_;
  TcpNet net_;
  uint32_t seen_[kSlots] = {};
};

// ---- Peers: loopback sockets of tests/support, every operation bounded (10 s unless said).
using support::Family;
using support::Socket;
inline support::Clock::time_point soon(std::chrono::milliseconds limit = 10s) { return support::Clock::now() + limit; }

// Deterministic test bytes: byte i of stream `seed`.
inline uint8_t patternByte(uint64_t i, uint32_t seed) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
  x ^= x >> 29;
  return static_cast<uint8_t>(x * 0xBF58476D1CE4E5B9ull >> 56);
}

}  // namespace tcpnet::test
