// A guest that writes nonsense: thousands of random register writes and commands (seeded, so a
// failure repeats). The device must answer every command with a documented result code, keep
// its identification, never hold more than 32 slots, never touch memory outside the ranges the
// guest named, and still work normally afterwards. Run under ASan/UBSan this is also a memory
// safety check.
#include <boost/test/unit_test.hpp>

#include <random>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

BOOST_AUTO_TEST_SUITE(fuzz)

BOOST_AUTO_TEST_CASE(random_register_traffic_gives_result_codes_and_no_harm) {
  Guest g;
  std::mt19937 rng(20261122);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  // Guest memory the device may write (RECV, LADDR, RADDR land in [ADR, ADR+LEN)); a canary
  // region that no chosen range overlaps must stay as it was.
  constexpr uint32_t kCanary = 0xC0000, kCanaryBytes = 0x1000;
  g.poke(kCanary, std::string(kCanaryBytes, '\xA5'));
  auto randomAddress = [&]() -> uint32_t {
    switch (pick(4)) {
      case 0: return rng();                          // anywhere, mostly outside RAM
      case 1: return kRam - pick(64);                // straddling the end of RAM
      default: return kTxArea + pick(0x20000);       // inside, away from the canary
    }
  };
  auto randomLength = [&]() -> uint32_t {
    switch (pick(4)) {
      case 0: return rng();
      case 1: return pick(70);
      default: return pick(0x10000);
    }
  };
  const uint32_t registers[] = {reg::ID,  reg::VERSION, reg::SRQ,   reg::SLOT,    reg::CMD,    reg::ADR,
                                reg::LEN, reg::PORT,    reg::LIMIT, reg::STATUS,  reg::RXAVAIL, reg::TXFREE,
                                reg::LPORT, reg::RPORT, reg::STATE, reg::INUSE};
  int commands = 0;
  for (int step = 0; step < 20000; ++step) {
    switch (pick(6)) {
      case 0:  // a write to any register, with any value
        g.put(registers[pick(16)], rng());
        break;
      case 1:  // a read of any register
        g.get(registers[pick(16)]);
        break;
      default: {  // a command with plausible-to-absurd parameters
        g.put(reg::SLOT, pick(3) == 0 ? rng() : pick(34));
        uint32_t adr = randomAddress(), len = randomLength();
        if (adr < kCanary + kCanaryBytes && uint64_t{adr} + len > kCanary) adr = kTxArea;  // spare the canary
        g.put(reg::ADR, adr);
        g.put(reg::LEN, len);
        g.put(reg::PORT, pick(3) == 0 ? rng() : 0);  // OS-chosen ports, or nonsense
        g.put(reg::LIMIT, pick(4) == 0 ? rng() : 0);
        uint32_t cmd = pick(5) == 0 ? rng() : 1 + pick(kLastCommand + 1);
        if (cmd == static_cast<uint32_t>(Command::Open) || cmd == static_cast<uint32_t>(Command::OpenTls)) {
          // Only names that fail validation or loopback literals: no real lookups in a test.
          g.poke(kNameArea, pick(2) ? std::string("127.0.0.1\0", 10) : std::string("bad name\x01", 9));
          g.put(reg::ADR, kNameArea);
          g.put(reg::LEN, 10);
        }
        g.put(reg::CMD, cmd);
        auto result = static_cast<int32_t>(g.get(reg::CMD));
        ++commands;
        BOOST_TEST_REQUIRE((result >= kNoTls), "command " << cmd << " gave " << result << " at step " << step);
        break;
      }
    }
    BOOST_TEST_REQUIRE(g.get(reg::ID) == 0x5443504Eu);
    BOOST_TEST_REQUIRE(__builtin_popcount(g.get(reg::INUSE)) <= 32);
  }
  BOOST_TEST(commands > 10000);
  BOOST_TEST((g.peek(kCanary, kCanaryBytes) == std::string(kCanaryBytes, '\xA5')),
             "memory outside every named range changed");

  // Afterwards a reset leaves a device that works: listen, a real client connects and is echoed.
  g.put(reg::CMD, 0);
  g.device().reset();
  BOOST_TEST(g.get(reg::INUSE) == 0u);
  int slot = g.listen(0);
  BOOST_REQUIRE(slot >= 0);
  BOOST_REQUIRE(g.waitFlag(slot, 1u << 9));  // bound: the OS-chosen port is known
  uint16_t port = static_cast<uint16_t>(g.slotRegister(slot, reg::LPORT));
  Socket fd = Socket::connect(port, soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_REQUIRE(g.waitFlag(slot, 1u << 0));  // hostc
  BOOST_TEST(g.sendAll(slot, "still alive"));
  BOOST_TEST(fd.recv(11, soon()) == "still alive");
}

BOOST_AUTO_TEST_SUITE_END()
