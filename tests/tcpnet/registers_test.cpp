// Register window and guest-misbehaviour checks: expected values come from
// docs/tcpnet-device.md (ID, VERSION layout, result codes), not from running the device.
#include <boost/test/unit_test.hpp>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

BOOST_AUTO_TEST_SUITE(registers)

BOOST_AUTO_TEST_CASE(identification_and_idle_registers) {
  Guest g;
  BOOST_TEST(g.get(reg::ID) == 0x5443504Eu);            // 'TCPN'
  BOOST_TEST(g.get(reg::VERSION) == 0x04200001u);       // ports 4, slots 32, version 1
  BOOST_TEST(g.get(reg::SRQ) == 0u);
  BOOST_TEST(g.get(reg::INUSE) == 0u);
  g.put(reg::ADR, 0x1234);
  g.put(reg::LEN, 77);
  BOOST_TEST(g.get(reg::ADR) == 0x1234u);
  BOOST_TEST(g.get(reg::LEN) == 77u);
  g.put(reg::ID, 5);  // read-only: ignored
  BOOST_TEST(g.get(reg::ID) == 0x5443504Eu);
  for (uint32_t off : {reg::STATUS, reg::RXAVAIL, reg::TXFREE, reg::LPORT, reg::RPORT, reg::STATE})
    BOOST_TEST(g.slotRegister(3, off) == 0u);  // free slot reads 0
  BOOST_TEST(g.slotRegister(99, reg::STATUS) == 0u);
}

BOOST_AUTO_TEST_CASE(bad_values_give_result_codes) {
  Guest g;
  BOOST_TEST(g.simple(0, Command::Recv) == kBadSlot);    // free slot
  BOOST_TEST(g.simple(32, Command::Close) == kBadSlot);  // out of range
  BOOST_TEST(g.simple(-1, Command::Send) == kBadSlot);
  BOOST_TEST(g.command(static_cast<Command>(0)) == kBadCommand);
  BOOST_TEST(g.command(static_cast<Command>(14)) == kBadCommand);  // the first after TLSINFO
  BOOST_TEST(g.command(Command::ListenTls) == kNoTls);  // this device has no certificate
  BOOST_TEST(g.command(static_cast<Command>(0xFFFFFFFF)) == kBadCommand);

  BOOST_TEST(g.open("localhost", 0) == kBadPort);
  BOOST_TEST(g.open("localhost", 65536) == kBadPort);
  BOOST_TEST(g.listen(70000) == kBadPort);
  BOOST_TEST(g.open("", 80) == kBadName);  // only the terminator
  BOOST_TEST(g.open(std::string(63, 'a'), 80) >= 0);  // 63 characters are fine
  BOOST_TEST(g.simple(0, Command::Abort) == kOk);
  // 64 characters without a terminator inside LEN = 64: too long.
  g.poke(kNameArea, std::string(64, 'b'));
  g.put(reg::ADR, kNameArea);
  g.put(reg::LEN, 64);
  g.put(reg::PORT, 80);
  BOOST_TEST(g.command(Command::Open) == kBadName);
  g.put(reg::LEN, 65);
  BOOST_TEST(g.command(Command::Open) == kBadLength);
  g.put(reg::LEN, 0);
  BOOST_TEST(g.command(Command::Open) == kBadLength);
  g.poke(kNameArea, std::string("bad name\0", 9));  // space is not printable in our sense
  g.put(reg::LEN, 9);
  BOOST_TEST(g.command(Command::Open) == kBadName);
  // Name outside RAM: the last byte of RAM is the limit.
  g.put(reg::ADR, kRam - 4);
  g.put(reg::LEN, 8);
  BOOST_TEST(g.command(Command::Open) == kBadMemory);
  g.put(reg::ADR, 0xFFFFFFF0);  // would wrap around in 32 bits
  g.put(reg::LEN, 0x20);
  BOOST_TEST(g.command(Command::Open) == kBadMemory);
  g.put(reg::LIMIT, 0x80000000);
  BOOST_TEST(g.listen(0, 0x80000000) == kBadLength);
  BOOST_TEST(g.get(reg::INUSE) == 0u);  // nothing was allocated by failed commands
}

BOOST_AUTO_TEST_CASE(transfers_are_bounds_checked) {
  Guest g;
  int s = g.listen(0);
  BOOST_REQUIRE(s == 0);
  BOOST_TEST(g.slotRegister(s, reg::TXFREE) == 65536u);
  g.select(s);
  g.put(reg::ADR, kRam - 10);
  g.put(reg::LEN, 11);
  BOOST_TEST(g.command(Command::Send) == kBadMemory);
  BOOST_TEST(g.command(Command::Recv) == kBadMemory);
  BOOST_TEST(g.command(Command::Laddr) == kBadMemory);
  g.put(reg::LEN, 10);
  BOOST_TEST(g.command(Command::Recv) == 0);  // inside RAM, nothing to deliver
  g.put(reg::LEN, 0x80000000);
  BOOST_TEST(g.command(Command::Send) == kBadLength);
  g.put(reg::ADR, kRam);
  g.put(reg::LEN, 0);
  BOOST_TEST(g.command(Command::Send) == 0);  // empty range at the end of RAM
  g.put(reg::ADR, kNameArea);
  g.put(reg::LEN, 3);  // too small for "127.0.0.1" + 0 once bound; empty text needs 1
  BOOST_TEST(g.waitFlag(s, flag::bound));
  BOOST_TEST(g.command(Command::Laddr) == kBadLength);
  BOOST_TEST(g.addressText(s, Command::Laddr) == "127.0.0.1");
  BOOST_TEST(g.addressText(s, Command::Raddr) == "");  // no peer yet
  // SEND before a client exists is queued; after SHUTDOWN it is refused.
  BOOST_TEST(g.send(s, "early") == 5);
  BOOST_TEST(g.slotRegister(s, reg::TXFREE) == 65536u - 5);
  BOOST_TEST(g.simple(s, Command::Shutdown) == kOk);
  BOOST_TEST(g.send(s, "late") == kBadState);
  BOOST_TEST(g.simple(s, Command::Shutdown) == kBadState);
  BOOST_TEST(g.slotRegister(s, reg::TXFREE) == 0u);
  // The queued bytes and the FIN reach a client that comes later.
  Socket fd = Socket::connect(static_cast<int>(g.slotRegister(s, reg::LPORT)), soon());
  BOOST_REQUIRE(fd.valid());
  BOOST_TEST(fd.readAll(soon()) == "early");
  fd.close();
  BOOST_TEST(g.simple(s, Command::Close) == kOk);
  BOOST_TEST(g.simple(s, Command::Close) == kBadSlot);
}

BOOST_AUTO_TEST_CASE(names_are_checked_and_reach_the_snapshot) {
  using namespace std::string_literals;
  Guest g;
  BOOST_TEST(g.names(0, "In\0Out\0"s) == kBadSlot);  // free slot
  BOOST_TEST(g.names(32, "In\0Out\0"s) == kBadSlot);
  int s = g.listen(0);
  BOOST_REQUIRE(s == 0);
  BOOST_TEST(g.names(s, "Mail.Text\0Reply.Text\0"s) == kOk);
  // Requests run in order on the network thread: the snapshot taken after NAMES has them.
  SlotInfo r = g.row(s);
  BOOST_TEST(r.inFile == "Mail.Text");
  BOOST_TEST(r.outFile == "Reply.Text");
  BOOST_TEST(g.names(s, "\0\0"s) == kOk);  // anonymous files (Files.New("")): empty names
  BOOST_TEST(g.row(s).inFile == "");
  BOOST_TEST(g.row(s).outFile == "");

  const std::string max(32, 'x'), over(33, 'y');
  BOOST_TEST(g.names(s, max + '\0' + max + '\0') == kOk);  // 32 characters each, LEN 66
  BOOST_TEST(g.row(s).outFile == max);
  // Rejected names change nothing.
  BOOST_TEST(g.names(s, over + '\0' + "B\0"s) == kBadName);   // 33 characters
  BOOST_TEST(g.names(s, "A\0"s + over + '\0') == kBadName);
  BOOST_TEST(g.names(s, "A B\0C\0"s) == kBadName);            // blank
  BOOST_TEST(g.names(s, "A\x7F\0C\0"s) == kBadName);         // DEL
  BOOST_TEST(g.names(s, "A\0C\x01\0"s) == kBadName);         // control character
  BOOST_TEST(g.names(s, "A\0C\xE4\0"s) == kBadName);         // not ASCII
  BOOST_TEST(g.names(s, "A\0CD"s) == kBadName);                // no 0X after the out-name
  BOOST_TEST(g.names(s, "ABC"s) == kBadName);                   // no 0X at all
  BOOST_TEST(g.names(s, "\0"s) == kBadLength);                 // LEN 1
  BOOST_TEST(g.names(s, max + '\0' + max + "\0\0"s) == kBadLength);  // LEN 67
  g.select(s);
  g.put(reg::LEN, 0);
  BOOST_TEST(g.command(Command::Names) == kBadLength);
  BOOST_TEST(g.row(s).inFile == max);  // still the last good names
  g.put(reg::ADR, kRam - 4);  // [ADR, ADR+LEN) leaves RAM
  g.put(reg::LEN, 8);
  BOOST_TEST(g.command(Command::Names) == kBadMemory);
  g.put(reg::ADR, 0xFFFFFFFC);  // would wrap around in 32 bits
  BOOST_TEST(g.command(Command::Names) == kBadMemory);
  g.put(reg::ADR, kRam - 4);  // the last 4 bytes of RAM are fine
  g.put(reg::LEN, 4);
  g.poke(kRam - 4, "a\0b\0"s);
  BOOST_TEST(g.command(Command::Names) == kOk);
  r = g.row(s);
  BOOST_TEST(r.inFile == "a");
  BOOST_TEST(r.outFile == "b");

  // Any state but free: a failed slot (refused) can be named too.
  int nobody = support::freePort();  // a port where nobody listens now
  int f = g.open("127.0.0.1", static_cast<uint32_t>(nobody));
  BOOST_REQUIRE(f == 1);
  BOOST_REQUIRE(g.waitFlag(f, flag::error));
  BOOST_TEST(g.state(f) == State::Failed);
  BOOST_TEST(g.names(f, "Probe.Bin\0\0"s) == kOk);
  BOOST_TEST(g.row(f).inFile == "Probe.Bin");
  // A new connection in the slot starts without names.
  BOOST_TEST(g.simple(f, Command::Abort) == kOk);
  BOOST_TEST(g.names(f, "X\0Y\0"s) == kBadSlot);
  BOOST_REQUIRE(g.listen(0) == 1);
  BOOST_TEST(g.row(1).inFile == "");
}

BOOST_AUTO_TEST_CASE(status_events_clear_on_read_levels_stay) {
  Guest g;
  int s = g.listen(0);
  BOOST_REQUIRE(s >= 0);
  // idle alone raises no service request; bound does. Wait for the request before reading
  // STATUS, since that read would consume the bound event.
  BOOST_REQUIRE(g.waitUntil([&] { return g.get(reg::SRQ) == 1u; }));
  uint32_t st = g.slotRegister(s, reg::STATUS);
  BOOST_TEST(st == (flag::idle | flag::bound | 2u << flag::stateShift));
  BOOST_TEST(g.get(reg::SRQ) == 0u);  // event read: request gone
  BOOST_TEST(g.slotRegister(s, reg::STATUS) == (flag::idle | 2u << flag::stateShift));
  BOOST_TEST(g.get(reg::INUSE) == 1u);
}

BOOST_AUTO_TEST_CASE(reset_frees_everything) {
  Guest g;
  BOOST_REQUIRE(g.listen(0) == 0);
  BOOST_REQUIRE(g.waitFlag(0, flag::bound));
  uint16_t port = static_cast<uint16_t>(g.slotRegister(0, reg::LPORT));
  BOOST_REQUIRE(g.open("127.0.0.1", port) == 1);
  BOOST_REQUIRE(g.waitFlag(1, flag::hostc));
  g.net().device().reset();
  BOOST_TEST(g.get(reg::INUSE) == 0u);
  BOOST_TEST(g.get(reg::SRQ) == 0u);
  BOOST_TEST(g.get(reg::SLOT) == 0u);
  // The port is closed: a new client is refused (bounded wait for the network thread).
  BOOST_TEST(g.waitUntil([&] { return !Socket::connect(port, soon()).valid(); }));
}

BOOST_AUTO_TEST_SUITE_END()
