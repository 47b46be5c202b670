// tcpnet-lsof's pieces without an emulator: the JSON reader, option arguments, state names,
// endpoint notation, and the exact table for hand-made rows.
#include <boost/test/unit_test.hpp>

#include "json.h"
#include "lsof.h"

using namespace lsof;

namespace {
Row row(int slot, const std::string& state, const std::string& local, unsigned lport,
        const std::string& remote, unsigned rport) {
  Row r;
  r.pid = 4242;
  r.slot = slot;
  r.deviceState = state;
  r.localAddress = local;
  r.localPort = lport;
  r.remoteAddress = remote;
  r.remotePort = rport;
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(unit)

BOOST_AUTO_TEST_CASE(json_reads_a_monitor_like_document) {
  std::string error;
  auto v = json::parse(R"( {"a":1,"s":"x\"y\\z\n\u0041","t":true,"f":false,"n":null,
                            "arr":[1,-2.5e1,{"k":[]}],"big":9007199254740991} )", error);
  BOOST_REQUIRE_MESSAGE(v, error);
  BOOST_TEST(v->num("a") == 1);
  BOOST_TEST(v->text("s") == "x\"y\\z\nA");
  BOOST_TEST(v->flag("t") == true);
  BOOST_TEST(v->flag("f", true) == false);
  BOOST_TEST((v->find("n")->type == json::Value::Type::Null));
  BOOST_TEST(v->find("arr")->array.size() == 3u);
  BOOST_TEST(v->find("arr")->array[1].number == -25);
  BOOST_TEST(static_cast<uint64_t>(v->num("big")) == 9007199254740991ull);  // 2^53 - 1, exact
  BOOST_TEST(v->text("missing", "dflt") == "dflt");
}

BOOST_AUTO_TEST_CASE(json_rejects_broken_documents) {
  std::string error;
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "\"abc", "tru", "{'a':1}", "-", "\"\x01\""}) {
    error.clear();
    BOOST_TEST(!json::parse(bad, error), bad);
    BOOST_TEST(!error.empty());
  }
  std::string deep(100, '[');
  BOOST_TEST(!json::parse(deep + std::string(100, ']'), error));  // depth limit, no deep recursion
  BOOST_TEST(error.find("nested") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_writer_escapes) {
  std::string out;
  json::appendString(out, "a\"b\\c\n\x01");
  BOOST_TEST(out == "\"a\\\"b\\\\c\\u000a\\u0001\"");
}

BOOST_AUTO_TEST_CASE(socket_names) {
  BOOST_TEST(pidFromSocketName("oberon-emu-1234.tcpnet").value_or(0) == 1234);
  BOOST_TEST(!pidFromSocketName("oberon-emu-.tcpnet"));
  BOOST_TEST(!pidFromSocketName("oberon-emu-12a.tcpnet"));
  BOOST_TEST(!pidFromSocketName("oberon-emu-12.tcpnet.old"));
  BOOST_TEST(!pidFromSocketName("other-12.tcpnet"));
}

BOOST_AUTO_TEST_CASE(inet_arguments) {
  auto a = parseInet(":5000");
  BOOST_REQUIRE(a);
  BOOST_TEST(a->host.empty());
  BOOST_TEST(a->port.value_or(0) == 5000u);
  auto b = parseInet("TCP@127.0.0.1:80");
  BOOST_REQUIRE(b);
  BOOST_TEST(b->host == "127.0.0.1");
  BOOST_TEST(b->port.value_or(0) == 80u);
  auto c = parseInet("@[::1]:22");
  BOOST_REQUIRE(c);
  BOOST_TEST(c->host == "::1");
  BOOST_TEST(c->port.value_or(0) == 22u);
  auto d = parseInet("@localhost");
  BOOST_REQUIRE(d);
  BOOST_TEST(!d->port);
  BOOST_TEST(!parseInet("5000"));
  BOOST_TEST(!parseInet(":65536"));
  BOOST_TEST(!parseInet(":no-such-service-name"));
  BOOST_TEST(!parseInet("@"));
}

BOOST_AUTO_TEST_CASE(state_arguments) {
  std::string error;
  auto s = parseStates("TCP:LISTEN,established,Close_Wait", error);
  BOOST_REQUIRE(s);
  BOOST_TEST(s->size() == 3u);
  BOOST_TEST(s->count("LISTEN") == 1u);
  BOOST_TEST(s->count("ESTABLISHED") == 1u);
  BOOST_TEST(s->count("CLOSE_WAIT") == 1u);
  BOOST_TEST(!parseStates("LISTEN,BOGUS", error));
  BOOST_TEST(error.find("BOGUS") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lsof_state_names) {
  BOOST_TEST(lsofState(row(0, "listening", "", 0, "", 0)) == "LISTEN");
  BOOST_TEST(lsofState(row(0, "connecting", "", 0, "", 0)) == "CONNECTING");
  Row est = row(0, "connected", "127.0.0.1", 1, "127.0.0.1", 2);
  BOOST_TEST(lsofState(est) == "ESTABLISHED");
  est.kernelState = "CLOSE_WAIT";  // the peer's FIN: the device keeps the slot connected
  BOOST_TEST(lsofState(est) == "CLOSE_WAIT");
  BOOST_TEST(lsofState(row(0, "failed", "", 0, "", 0)) == "ERROR");
  BOOST_TEST(lsofState(row(-1, "connected", "", 0, "", 0)) == "CLOSED");  // released, lingering
}

BOOST_AUTO_TEST_CASE(endpoints_in_lsof_notation) {
  Names numeric;
  numeric.hosts = numeric.ports = false;
  BOOST_TEST(endpointName(row(0, "connected", "127.0.0.1", 5000, "127.0.0.1", 41234), numeric) ==
             "127.0.0.1:5000->127.0.0.1:41234");
  BOOST_TEST(endpointName(row(0, "connected", "::1", 80, "fe80::1", 9), numeric) == "[::1]:80->[fe80::1]:9");
  BOOST_TEST(endpointName(row(0, "listening", "0.0.0.0", 8080, "", 0), numeric) == "*:8080");
  BOOST_TEST(endpointName(row(0, "connecting", "", 0, "", 0), numeric) == "-");
}

BOOST_AUTO_TEST_CASE(ages) {
  BOOST_TEST(ageText(0.85) == "850ms");
  BOOST_TEST(ageText(12.7) == "12s");
  BOOST_TEST(ageText(185) == "3m05s");
  BOOST_TEST(ageText(7440) == "2h04m");
  BOOST_TEST(ageText(2 * 86400 + 3 * 3600 + 5) == "2d03h");
}

BOOST_AUTO_TEST_CASE(table_is_aligned) {
  Names numeric;
  numeric.hosts = numeric.ports = false;
  Row a = row(0, "listening", "127.0.0.1", 5000, "", 0);
  a.ageSeconds = 12;
  Row b = row(12, "connected", "127.0.0.1", 5000, "127.0.0.1", 41234);
  b.bytesReceived = 123456;
  b.bytesSent = 7;
  b.rxQueued = 10;
  b.serviceRequest = true;
  b.ageSeconds = 0.5;
  Row c = row(3, "failed", "", 0, "", 0);
  c.reason = "refused";
  c.ageSeconds = 61;
  std::string expected =
      "PID   SLOT  STATE             RECV  SENT  RXQ  TXQ  SRQ  AGE    NAME\n"
      "4242  0     LISTEN               0     0    0    0  -    12s    127.0.0.1:5000\n"
      "4242  12    ESTABLISHED     123456     7   10    0  *    500ms  127.0.0.1:5000->127.0.0.1:41234\n"
      "4242  3     ERROR(refused)       0     0    0    0  -    1m01s  -\n";
  BOOST_TEST(table({a, b, c}, numeric) == expected);
  BOOST_TEST(table({}, numeric).empty());
  b.inFile = "Echo.Text";  // a FILES column appears once any row has names
  std::string withFiles = table({a, b}, numeric);
  BOOST_TEST(withFiles.find("FILES") != std::string::npos);
  BOOST_TEST(withFiles.find("Echo.Text/-") != std::string::npos);
  BOOST_TEST(withFiles.find("  -/-  ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(filters) {
  Row l = row(0, "listening", "127.0.0.1", 5000, "", 0);
  Row e = row(1, "connected", "127.0.0.1", 5000, "127.0.0.1", 41234);
  Filter f;
  BOOST_TEST(matches(f, l, false));
  f.inets.push_back(*parseInet(":41234"));
  BOOST_TEST(!matches(f, l, false));
  BOOST_TEST(matches(f, e, false));
  f.inets = {*parseInet("@127.0.0.2")};
  BOOST_TEST(!matches(f, e, false));
  f.inets = {*parseInet("@127.0.0.1:5000")};
  BOOST_TEST(matches(f, l, false));
  f.states = {"ESTABLISHED"};
  BOOST_TEST(!matches(f, l, false));
  BOOST_TEST(matches(f, e, false));
  f.pids = {1};
  BOOST_TEST(!matches(f, e, false));
}

BOOST_AUTO_TEST_CASE(monitor_document_fields) {
  const std::string doc =
      R"({"tcpnet_monitor":1,"pid":77,"image":"/x/y.dsk","started":"2024-01-02T03:04:05Z","uptime":1.5,)"
      R"("bind":"127.0.0.1","slots":[{"slot":2,"state":"connected","listener":false,"reason":"none",)"
      R"("local_address":"127.0.0.1","local_port":40000,"remote_address":"127.0.0.1","remote_port":7,)"
      R"("bytes_received":11,"bytes_sent":7,"rx_queued":11,"tx_queued":0,"service_request":true,)"
      R"("in_file":"","out_file":"","age":2.25}],"omitted":0})";
  QueryResult r = parseDocument(doc, "/s");
  BOOST_REQUIRE(r.failure == Failure::None);
  BOOST_TEST(r.emulator.pid == 77);
  BOOST_TEST(r.emulator.image == "/x/y.dsk");
  BOOST_REQUIRE(r.emulator.rows.size() == 1u);
  const Row& x = r.emulator.rows[0];
  BOOST_TEST(x.slot == 2);
  BOOST_TEST(x.pid == 77);
  BOOST_TEST(x.localPort == 40000u);
  BOOST_TEST(x.bytesReceived == 11u);
  BOOST_TEST(x.rxQueued == 11u);
  BOOST_TEST(x.serviceRequest);
  BOOST_TEST(x.ageSeconds == 2.25);
  BOOST_TEST((parseDocument("{\"pid\":1}", "/s").failure == Failure::BadDocument));
  BOOST_TEST(parseDocument("garbage", "/s").message.find("/s: bad answer") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
