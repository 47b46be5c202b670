// Fuzz target: the TCPNet device driven by a guest that writes anything to its registers while
// real loopback peers connect, send, half-close and reset. Each input is a program of small
// operations (below); the device must answer each command with a result code, keep at most 32
// slots, write guest memory only inside ranges the guest named, and shut down cleanly.
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tests/tcpnet/guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

namespace {

struct Input {
  const uint8_t* p;
  size_t n;
  bool more() const { return n > 0; }
  uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  uint32_t word() {
    uint32_t w = 0;
    for (int i = 0; i < 4; ++i) w = w << 8 | byte();
    return w;
  }
};

constexpr uint32_t kRegisters[] = {reg::ID,    reg::VERSION, reg::SRQ,     reg::SLOT,   reg::CMD,   reg::ADR,
                                   reg::LEN,   reg::PORT,    reg::LIMIT,   reg::STATUS, reg::RXAVAIL,
                                   reg::TXFREE, reg::LPORT,  reg::RPORT,   reg::STATE,  reg::INUSE};
// Guest memory the fuzzer may name as buffers stays below the canary.
constexpr uint32_t kCanary = 0xC0000, kCanaryBytes = 0x1000;

void nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in{data, size};
  std::vector<int> peers;          // host-side sockets connected to the device's listeners
  std::vector<uint16_t> ports;     // ports the device listens on (LPORT after LISTEN)
  {
    Guest g;
    const uint32_t id = g.get(reg::ID);
    g.poke(kCanary, std::string(kCanaryBytes, '\xA5'));
    const std::string text = "127.0.0.1";
    int steps = 0;
    while (in.more() && ++steps < 400) {
      switch (in.byte() % 10) {
        case 0: g.put(kRegisters[in.byte() % 16], in.word()); break;
        case 1: g.get(kRegisters[in.byte() % 16]); break;
        case 2: {  // a command with fuzzed parameters; buffers anywhere but the canary
          g.put(reg::SLOT, in.byte() % 36);
          uint32_t adr = in.word(), len = in.word() % 0x20000;
          if (adr < kCanary + kCanaryBytes && uint64_t{adr} + len > kCanary) adr = kTxArea;
          g.put(reg::ADR, adr);
          g.put(reg::LEN, len);
          g.put(reg::PORT, in.word());
          g.put(reg::LIMIT, in.word());
          g.put(reg::CMD, 1 + in.byte() % (kLastCommand + 2));
          g.get(reg::CMD);
          break;
        }
        case 3: {  // LISTEN on a port the OS chooses; remember it for peers
          int32_t slot = g.listen(0, in.byte() % 2 ? 0 : in.word());
          if (slot >= 0) ports.push_back(static_cast<uint16_t>(g.slotRegister(slot, reg::LPORT)));
          break;
        }
        case 4:  // a peer connects to one of the device's ports
          if (!ports.empty() && peers.size() < 40) {
            int fd = Socket::connect(ports[in.byte() % ports.size()], soon()).release();
            if (fd >= 0) {
              nonblocking(fd);
              peers.push_back(fd);
            }
          }
          break;
        case 5:  // a peer sends
          if (!peers.empty()) {
            std::string bytes(in.byte() * 37u, 'x');
            (void)!::send(peers[in.byte() % peers.size()], bytes.data(), bytes.size(), MSG_NOSIGNAL);
          }
          break;
        case 6:  // a peer half-closes, or resets (linger 0)
          if (!peers.empty()) {
            size_t i = in.byte() % peers.size();
            if (in.byte() % 2) {
              ::shutdown(peers[i], SHUT_WR);
            } else {
              linger l{1, 0};
              ::setsockopt(peers[i], SOL_SOCKET, SO_LINGER, &l, sizeof l);
              ::close(peers[i]);
              peers.erase(peers.begin() + static_cast<long>(i));
            }
          }
          break;
        case 7: {  // SEND and RECV on a slot, as a driver would
          int slot = in.byte() % 32;
          g.send(slot, std::string(in.byte(), 'y'));
          std::string got;
          g.recv(slot, got, in.byte() * 16u);
          break;
        }
        case 8:  // OPEN to a peer: the device's own listening port
          if (!ports.empty()) g.open(text, ports[in.byte() % ports.size()]);
          break;
        case 9:  // let the network thread work (bounded)
          g.waitUntil([] { return false; }, std::chrono::milliseconds(in.byte() % 3));
          break;
      }
    }
    if (g.get(reg::ID) != id) __builtin_trap();
    if (g.get(reg::INUSE) > 32) __builtin_trap();
    if (g.peek(kCanary, kCanaryBytes) != std::string(kCanaryBytes, '\xA5')) __builtin_trap();
  }  // the device and its network thread go away here, with peers still connected
  for (int fd : peers) ::close(fd);
  return 0;
}
