// tcpnet-lsof's pieces without an emulator: reading monitor documents, the --json report,
// option arguments, state names, endpoint notation, and the exact table for hand-made rows.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "device/monitor/protocol.h"
#include "tests/support/process.h"
#include "tools/tcpnet-lsof/lsof.h"

using namespace lsof;

namespace {
Row row(int slot, const std::string& state, const std::string& local, unsigned lport,
        const std::string& remote, unsigned rport) {
  Row r;
  r.pid = 4242;
  r.slot = slot;
  r.state = state;
  r.localAddress = local;
  r.localPort = lport;
  r.remoteAddress = remote;
  r.remotePort = rport;
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(unit)

BOOST_AUTO_TEST_CASE(document_strings_numbers_and_defaults) {
  // Escapes decoded, a count of 2^53 - 1 exact, absent members give the defaults, unknown members
  // are ignored (a newer emulator may add some).
  QueryResult r = parseDocument(
      R"( {"tcpnet_monitor":1,"pid":5,"image":"x\"y\\z\n\u0041","uptime":25,"extra":[1,{"k":[]}],)"
      R"("slots":[{"state":"listening","bytes_received":9007199254740991,"listener":true,"later":"x"},)"
      R"({"slot":3,"state":"failed","reason":"refused","listener":false,"age":0.5}]} )",
      "/s");
  BOOST_REQUIRE_MESSAGE(r.failure == Failure::None, r.message);
  BOOST_TEST(r.emulator.pid == 5);
  BOOST_TEST(r.emulator.image == "x\"y\\z\nA");
  BOOST_TEST(r.emulator.uptimeSeconds == 25);
  BOOST_TEST(r.emulator.bind.empty());     // absent: the default
  BOOST_TEST(r.emulator.started.empty());
  BOOST_TEST(r.emulator.omitted == 0u);
  BOOST_REQUIRE(r.emulator.rows.size() == 2u);
  const Row& a = r.emulator.rows[0];
  BOOST_TEST(a.bytesReceived == 9007199254740991ull);  // 2^53 - 1, exact
  BOOST_TEST(a.bytesSent == 0u);
  BOOST_TEST(a.listener == true);
  BOOST_TEST(a.serviceRequest == false);
  BOOST_TEST(a.slot == -1);             // absent: closing in the background
  BOOST_TEST(a.reason == "none");
  const Row& b = r.emulator.rows[1];
  BOOST_TEST(b.slot == 3);
  BOOST_TEST(b.state == "failed");
  BOOST_TEST(b.reason == "refused");
  BOOST_TEST(b.listener == false);
  BOOST_TEST(b.ageSeconds == 0.5);
  BOOST_TEST(b.pid == 5);
  BOOST_TEST(!a.peerClosed);  // absent: no FIN either way
  BOOST_TEST(!a.finSent);

  QueryResult n = parseDocument(
      R"({"tcpnet_monitor":1,"pid":5,"slots":[{"slot":0,"state":"connected","in_file":"In.Text",)"
      R"("out_file":"Out.Text","peer_closed":true,"fin_sent":false},{"slot":1,"state":"connected","fin_sent":true}]})",
      "/s");
  BOOST_REQUIRE_MESSAGE(n.failure == Failure::None, n.message);
  BOOST_REQUIRE(n.emulator.rows.size() == 2u);
  const Row& c = n.emulator.rows[0];
  BOOST_TEST(c.inFile == "In.Text");
  BOOST_TEST(c.outFile == "Out.Text");
  BOOST_TEST(c.peerClosed);
  BOOST_TEST(!c.finSent);
  BOOST_TEST(lsofState(c) == "CLOSE_WAIT");
  BOOST_TEST(lsofState(n.emulator.rows[1]) == "FIN_WAIT");  // peer_closed absent: false
}

// Every member that is there is checked: one wrong member and the whole answer is skipped, with a
// message naming the socket and the member (never its value, which could hold escape sequences).
BOOST_AUTO_TEST_CASE(every_member_is_validated) {
  const std::string slot =
      R"({"slot":2,"state":"connected","listener":false,"reason":"none","local_address":"127.0.0.1",)"
      R"("local_port":40000,"remote_address":"::1","remote_port":7,"bytes_received":11,"bytes_sent":7,)"
      R"("rx_queued":11,"tx_queued":0,"service_request":true,"in_file":"In.Text","out_file":"","age":2.25,)"
      R"("peer_closed":false,"fin_sent":false})";
  auto doc = [&](const std::string& top, const std::string& row) {
    return R"({"tcpnet_monitor":1,"pid":77,"image":"/x/y.dsk","started":"2024-01-02T03:04:05Z","uptime":1.5,)"
           R"("bind":"127.0.0.1","omitted":0)" + top + R"(,"slots":[)" + row + "]}";
  };
  // A member replaced: {"key":value} is merged over the good document.
  auto with = [&](const std::string& key, const std::string& value, bool inSlot) {
    auto j = nlohmann::json::parse(doc("", slot));
    auto v = nlohmann::json::parse(value);
    if (inSlot) j["slots"][0][key] = v;
    else j[key] = v;
    return j.dump();
  };
  QueryResult good = parseDocument(doc("", slot), "/s");
  BOOST_REQUIRE_MESSAGE(good.failure == Failure::None, good.message);
  BOOST_TEST(good.emulator.rows[0].remoteAddress == "::1");
  for (const char* ok : {R"("fe80::1%eth0")", R"("0.0.0.0")", R"("")"})
    BOOST_TEST((parseDocument(with("local_address", ok, true), "/s").failure == Failure::None), ok);

  struct Case {
    const char* key;
    const char* value;
    bool inSlot;
  };
  const Case bad[] = {
      {"pid", "1", false}, {"pid", "0", false}, {"pid", "-5", false}, {"pid", "4194305", false},
      {"pid", "1e300", false}, {"pid", "77.5", false}, {"pid", R"("77")", false}, {"pid", "null", false},
      {"image", "7", false}, {"started", R"("yesterday")", false},
      {"started", R"("2024-01-02T03:04:05Z\u001b")", false},
      {"uptime", "-1", false}, {"uptime", "1e300", false}, {"uptime", R"("1")", false},
      {"bind", R"("localhost")", false}, {"bind", "null", false}, {"omitted", "-1", false},
      {"omitted", "1.5", false}, {"slots", "{}", false}, {"slots", "[1]", false},
      {"slot", "32", true}, {"slot", "-2", true}, {"slot", "1.5", true}, {"state", R"("open")", true},
      {"state", R"("connected\u001b[31m")", true}, {"state", "3", true}, {"reason", R"("bad luck")", true},
      {"listener", "1", true}, {"service_request", R"("yes")", true}, {"peer_closed", "null", true},
      {"fin_sent", "0", true}, {"local_address", R"("\u009b1m")", true}, {"remote_address", R"("example.org")", true},
      {"remote_address", R"("fe80::1%a b")", true}, {"local_port", "70000", true}, {"remote_port", "-1", true},
      {"bytes_received", "-1", true}, {"bytes_sent", "7.0", true}, {"rx_queued", R"("11")", true},
      {"tx_queued", "-0.5", true}, {"in_file", R"("\u001b]0;pwned\u0007")", true}, {"in_file", R"("A B")", true},
      {"out_file", R"("a\\b\nc")", true},
      {"out_file", R"("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")", true},  // 33 characters
      {"age", "-3", true}, {"age", "1e300", true}, {"age", "null", true},
  };
  for (const Case& c : bad) {
    std::string text = with(c.key, c.value, c.inSlot);
    QueryResult r = parseDocument(text, "/run/x.tcpnet");
    BOOST_TEST((r.failure == Failure::BadDocument), text);
    BOOST_TEST(r.message.find("/run/x.tcpnet: bad answer: ") == 0u, r.message);
    // Names the member (and the row).
    BOOST_TEST(r.message.find((c.inSlot ? "slots[0] " : ": ") + std::string(c.key)) != std::string::npos, r.message);
    for (char ch : r.message) BOOST_TEST((ch >= 0x20 && ch < 0x7F), "a raw byte in the message: " << int(ch));
    BOOST_TEST(r.emulator.rows.empty());
  }
  // A state is required; more rows than a monitor ever sends are refused.
  auto noState = nlohmann::json::parse(doc("", slot));
  noState["slots"][0].erase("state");
  BOOST_TEST(parseDocument(noState.dump(), "/s").message == "/s: bad answer: slots[0] state is missing");
  auto many = nlohmann::json::parse(doc("", slot));
  for (int i = 0; i < 96; ++i) many["slots"].push_back(many["slots"][0]);
  BOOST_TEST(parseDocument(many.dump(), "/s").message == "/s: bad answer: slots has more than 96 rows");
  auto noPid = nlohmann::json::parse(doc("", slot));
  noPid.erase("pid");
  BOOST_TEST(parseDocument(noPid.dump(), "/s").message == "/s: bad answer: pid is missing");
  BOOST_TEST(parseDocument(with("tcpnet_monitor", "2", false), "/s").message == "/s: not a tcpnet monitor (version 1)");
}

// The peer of a monitor socket (SO_PEERCRED) must be the reader's own user (root too reads only
// its own emulators), and the answer's pid must be that peer and a running process.
BOOST_AUTO_TEST_CASE(peer_checks) {
  const unsigned long me = ::geteuid();
  const long self = ::getpid();
  BOOST_TEST(peerProblem({self, me}, self, me).empty());
  BOOST_TEST(peerProblem({self, me + 1}, self, me) ==
             "served by uid " + std::to_string(me + 1) + ", not by you (uid " + std::to_string(me) + ")");
  BOOST_TEST(peerProblem({self, 0}, self, 65534).find("served by uid 0, not by you") == 0u);  // not even root's
  BOOST_TEST(peerProblem({self, me}, ::getppid(), me) ==
             "bad answer: it says pid " + std::to_string(::getppid()) + ", but pid " + std::to_string(self) +
                 " serves the socket");
  pid_t dead = support::deadPid();
  BOOST_TEST(peerProblem({dead, me}, dead, me) ==
             "bad answer: pid " + std::to_string(dead) + " is not a running process");
}

BOOST_AUTO_TEST_CASE(broken_documents_are_rejected) {
  const std::string good = R"({"tcpnet_monitor":1,"pid":2,"slots":[],"omitted":0})";
  const std::vector<std::string> broken = {"", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "\"abc", "tru",
                                          "{'a':1}", "-", "\"\x01\"", good.substr(0, good.size() - 1),
                                          good.substr(0, 20)};  // the last two: truncated answers
  for (const std::string& bad : broken) {
    QueryResult r = parseDocument(bad, "/s");
    BOOST_TEST((r.failure == Failure::BadDocument), bad);
    BOOST_TEST(r.message.find("/s: bad answer: ") == 0u, r.message);
    BOOST_TEST(r.message.find("json.exception") == std::string::npos, r.message);  // no library tag
    BOOST_TEST(r.message.find("column") != std::string::npos, r.message);        // says where
  }
  BOOST_TEST((parseDocument(good, "/s").failure == Failure::None));
  // Deep nesting within the 1 MiB bound: rejected as no monitor document, no crash.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  QueryResult r = parseDocument(deep, "/s");
  BOOST_TEST((r.failure == Failure::BadDocument));
  BOOST_TEST(r.message == "/s: not a tcpnet monitor (version 1)");
}

BOOST_AUTO_TEST_CASE(json_report_escapes_and_field_order) {
  // The documented example (docs/tcpnet-lsof.md), field for field; expected text by hand.
  Names numeric;
  numeric.hosts = numeric.ports = false;
  Emulator m;
  m.socket = "/tmp/lsofx/oberon-emu-5451.tcpnet";
  m.pid = 5451;
  m.started = "2026-11-22T00:20:59Z";
  m.uptimeSeconds = 2.7041;
  m.bind = "127.0.0.1";
  Row r;
  r.pid = 5451;
  r.slot = 2;
  r.state = "connected";
  r.reason = "none";
  r.localAddress = r.remoteAddress = "127.0.0.1";
  r.localPort = 45240;
  r.remotePort = 47311;
  r.bytesReceived = 11;
  r.bytesSent = 7;
  r.rxQueued = 11;
  r.serviceRequest = true;
  r.ageSeconds = 2.7039;
  m.rows.push_back(r);
  BOOST_TEST(jsonReport({m}, numeric) ==
             R"({"emulators":[{"socket":"/tmp/lsofx/oberon-emu-5451.tcpnet","pid":5451,"image":"",)"
             R"("started":"2026-11-22T00:20:59Z","uptime":2.704,"bind":"127.0.0.1","omitted":0,"slots":[{"slot":2,)"
             R"("state":"ESTABLISHED","reason":"none","device_state":"connected",)"
             R"("listener":false,"local_address":"127.0.0.1","local_port":45240,"remote_address":"127.0.0.1",)"
             R"("remote_port":47311,"name":"127.0.0.1:45240->127.0.0.1:47311","bytes_received":11,"bytes_sent":7,)"
             R"("rx_queued":11,"tx_queued":0,"service_request":true,"in_file":"","out_file":"","age":2.704,)"
             R"("peer_closed":false,"fin_sent":false,"tls":""}]}]})"
             "\n");
  BOOST_TEST(jsonReport({}, numeric) == "{\"emulators\":[]}\n");

  // Escapes for " \ and control characters; the text reads back as it was.
  Emulator odd;
  odd.image = "a\"b\\c\n\x01";
  std::string out = jsonReport({odd}, numeric);
  BOOST_TEST(out.find(R"("image":"a\"b\\c\n\u0001")") != std::string::npos, out);
  auto back = nlohmann::json::parse(out, nullptr, false);
  BOOST_REQUIRE(!back.is_discarded());
  BOOST_TEST(back["emulators"][0]["image"].get<std::string>() == odd.image);
  odd.image = "bad\xff";  // not UTF-8: still valid JSON, the byte replaced
  back = nlohmann::json::parse(jsonReport({odd}, numeric), nullptr, false);
  BOOST_REQUIRE(!back.is_discarded());
  BOOST_TEST(back["emulators"][0]["image"].get<std::string>() == "bad\xef\xbf\xbd");  // U+FFFD
}

// The protocol unit itself (device/monitor/protocol.h): what serialize writes, parse reads back
// member for member (seconds to the millisecond); a row maps through nlohmann's get<> alone too.
BOOST_AUTO_TEST_CASE(protocol_round_trip) {
  namespace m = tcpnet::monitor;
  m::Document d;
  d.pid = 4194304;
  d.image = "/x/\"y\".dsk";
  d.started = "2026-01-02T03:04:05Z";
  d.uptimeSeconds = 12.3456;
  d.bind = "::1";
  d.omitted = 7;
  d.slots.push_back({.slot = 31, .state = "connected", .listener = true, .reason = "reset",
                     .localAddress = "fe80::1%eth0", .localPort = 65535, .remoteAddress = "10.0.0.1",
                     .remotePort = 1, .bytesReceived = UINT64_MAX, .bytesSent = 2, .rxQueued = 3,
                     .txQueued = 4, .serviceRequest = true, .inFile = "In.Text",
                     .outFile = std::string(32, '~'), .ageSeconds = 0.0005, .peerClosed = true,
                     .finSent = true});
  d.slots.emplace_back().state = "free";  // the defaults
  const std::string text = m::serialize(d);
  BOOST_TEST(text.find('\n') == text.size() - 1);  // one line
  m::Document back = m::parse(text);
  m::Document expected = d;
  expected.uptimeSeconds = 12.346;
  expected.slots[0].ageSeconds = 0.001;
  BOOST_TEST((back == expected));
  BOOST_TEST(m::serialize(back) == text);
  BOOST_TEST(nlohmann::json::parse(text)["slots"][0].get<m::Slot>().remoteAddress == "10.0.0.1");
  BOOST_CHECK_THROW(nlohmann::json::parse(R"({"state":"open"})").get<m::Slot>(), m::BadDocument);

  // Whatever nlohmann throws while reading becomes BadDocument: parse errors, a number too
  // large for a double (out_of_range 406), a document that is no object.
  for (const char* bad : {"{", "", R"({"tcpnet_monitor":1,"pid":1e999})", "[1]", R"({"tcpnet_monitor":"1"})"}) {
    try {
      m::parse(bad);
      BOOST_ERROR("parsed: " << bad);
    } catch (const m::BadDocument& e) {
      BOOST_TEST(std::string(e.what()).find("json.exception") == std::string::npos, e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(socket_names) {
  using tcpnet::monitor::pidFromSocketName;
  BOOST_TEST(tcpnet::monitor::socketName(1234) == "oberon-emu-1234.tcpnet");
  BOOST_TEST(pidFromSocketName("oberon-emu-1234.tcpnet").value_or(0) == 1234);
  BOOST_TEST(pidFromSocketName(tcpnet::monitor::socketName(4194304)).value_or(0) == 4194304);
  BOOST_TEST(!pidFromSocketName("oberon-emu-.tcpnet"));
  BOOST_TEST(!pidFromSocketName("oberon-emu-12a.tcpnet"));
  BOOST_TEST(!pidFromSocketName("oberon-emu-12.tcpnet.old"));
  BOOST_TEST(!pidFromSocketName("oberon-emu-1234567890.tcpnet"));  // more than 9 digits
  BOOST_TEST(!pidFromSocketName("oberon-emu--1.tcpnet"));
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
  // The device keeps the slot connected after either FIN; its peer_closed and fin_sent tell.
  est.peerClosed = true;
  BOOST_TEST(lsofState(est) == "CLOSE_WAIT");
  est.finSent = true;
  BOOST_TEST(lsofState(est) == "LAST_ACK");
  est.peerClosed = false;
  BOOST_TEST(lsofState(est) == "FIN_WAIT");
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

// What reaches the terminal is printable even if a row got past the checks (rows made by hand
// here): the table shows every other byte as \xNN, and ages that cannot be are "?".
BOOST_AUTO_TEST_CASE(hostile_rows_are_made_harmless_in_the_table) {
  Row h = row(-1, "connected\x1b[31m", "\xc2\x9b" "1m", 0, "", 0);
  h.inFile = "\x1b]0;pwned\x07";
  h.outFile = "a\\b\nc";
  h.ageSeconds = 1e300;
  Names numeric;
  numeric.hosts = numeric.ports = false;
  std::string t = table({h}, numeric);
  for (char c : t) BOOST_TEST((c == '\n' || (c >= 0x20 && c < 0x7F)), "a raw control byte in the table: " << int(c));
  BOOST_TEST(t.find("\\x1B]0;pwned\\x07/a\\x5Cb\\x0Ac") != std::string::npos, t);
  BOOST_TEST(t.find("  ?  ") != std::string::npos, t);  // the age
  BOOST_TEST(ageText(-3) == "?");
  BOOST_TEST(ageText(std::nan("")) == "?");
  BOOST_TEST(printable("ok.Mod") == "ok.Mod");
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
