// NAMES takes only printable names (docs/tcpnet-device.md): every byte value is tried in the
// in-name and in the out-name. Bytes 21H..7EH are accepted and reach the snapshot as they are;
// every other byte (controls, blank, DEL, 80H..FFH) makes the whole NAMES fail with -5 and
// leaves the names given before. So nothing a guest names can carry a terminal escape sequence
// to tcpnet-lsof's user.
#include <boost/test/unit_test.hpp>

#include "guest.h"

using namespace tcpnet;
using namespace tcpnet::test;

BOOST_AUTO_TEST_SUITE(names_bytes)

BOOST_AUTO_TEST_CASE(every_byte_outside_21H_7EH_is_refused) {
  using namespace std::string_literals;
  Guest g;
  int s = g.listen(0);
  BOOST_REQUIRE(s == 0);
  BOOST_REQUIRE(g.names(s, "Keep.In\0Keep.Out\0"s) == kOk);
  for (int b = 1; b < 256; ++b) {  // 0 ends a name: it cannot be inside one
    const char c = static_cast<char>(b);
    const bool printable = b >= 0x21 && b <= 0x7E;
    const std::string name = "A"s + c + "B";
    const int32_t in = g.names(s, name + '\0' + "Out\0"s);
    const int32_t out = g.names(s, "In\0"s + name + '\0');
    BOOST_TEST(in == (printable ? kOk : kBadName), "byte " << b << " in the in-name");
    BOOST_TEST(out == (printable ? kOk : kBadName), "byte " << b << " in the out-name");
    if (printable) {
      BOOST_REQUIRE(g.names(s, "Keep.In\0Keep.Out\0"s) == kOk);
    } else {  // refused: the names given before stay
      SlotInfo r = g.row(s);
      BOOST_TEST(r.inFile == "Keep.In", "byte " << b);
      BOOST_TEST(r.outFile == "Keep.Out", "byte " << b);
    }
  }
  // Every printable byte once in accepted names: 94 characters, as 32 + 32 and then 30 + 0.
  std::string all;
  for (int b = 0x21; b <= 0x7E; ++b) all += static_cast<char>(b);
  for (size_t at = 0; at < all.size(); at += 64) {
    const std::string part = all.substr(at, 64), in = part.substr(0, 32), out = part.size() > 32 ? part.substr(32) : "";
    BOOST_TEST(g.names(s, in + '\0' + out + '\0') == kOk);
    SlotInfo r = g.row(s);
    BOOST_TEST(r.inFile == in);
    BOOST_TEST(r.outFile == out);
  }
}

BOOST_AUTO_TEST_SUITE_END()
