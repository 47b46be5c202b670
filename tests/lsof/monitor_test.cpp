// The monitor endpoint in-process: a TcpNet on a bare memory, driven through its registers as
// the CPU would, and clients on the monitor socket. Checks the document, the socket's mode and
// life cycle (stale replaced, live kept, removed at the end) and the bounds on clients.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "device/net/monitor.h"
#include "device/net/tcpnet.h"
#include "tests/support/guest_ram.h"
#include "emulator/machine/waker.h"
#include "tools/tcpnet-lsof/lsof.h"
#include "process.h"

using namespace lsof::test;

namespace {

struct Net {
  support::GuestRam memory{1 << 20};
  risc5::Waker waker;
  tcpnet::TcpNet net{memory, waker};
};

// A connected client of the monitor socket at path (invalid if none answers within 5 s).
support::Socket connectTo(const std::string& path) {
  return support::Socket::connectUnix(path, support::Clock::now() + 5s);
}

// Reads until EOF (at most 5 s); returns what came.
std::string readAll(support::Socket& s) { return s.readAll(support::Clock::now() + 5s); }

// Sets XDG_RUNTIME_DIR (nullptr: unsets it) for a scope.
struct ScopedXdg {
  std::string saved;
  bool had;
  explicit ScopedXdg(const std::string& value) : ScopedXdg(value.c_str()) {}
  explicit ScopedXdg(const char* value) {
    const char* before = std::getenv("XDG_RUNTIME_DIR");
    had = before != nullptr;
    if (had) saved = before;
    if (value) ::setenv("XDG_RUNTIME_DIR", value, 1);
    else ::unsetenv("XDG_RUNTIME_DIR");
  }
  ~ScopedXdg() {
    if (had) ::setenv("XDG_RUNTIME_DIR", saved.c_str(), 1);
    else ::unsetenv("XDG_RUNTIME_DIR");
  }
};

// A socket file with nobody behind it, as a killed process leaves it.
void makeStaleSocket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::close(fd);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(monitor)

BOOST_AUTO_TEST_CASE(document_socket_mode_and_removal) {
  TempDir dir;
  const std::string path = dir.path + "/m.tcpnet";
  Net n;
  {
    tcpnet::Monitor m(n.net, path, "disk.dsk");
    BOOST_TEST(m.path() == path);
    struct stat st {};
    BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
    BOOST_TEST(S_ISSOCK(st.st_mode));
    BOOST_TEST((st.st_mode & 0777) == 0600u);

    support::Socket fd = connectTo(path);
    BOOST_REQUIRE(fd.valid());
    std::string text = readAll(fd);  // sends nothing: the document comes anyway
    fd.close();
    BOOST_TEST(text.back() == '\n');
    auto doc = nlohmann::json::parse(text, nullptr, false);
    BOOST_REQUIRE_MESSAGE(doc.is_object(), text);
    BOOST_TEST(doc.value("tcpnet_monitor", 0) == 1);
    BOOST_TEST(doc.value("pid", 0L) == ::getpid());
    BOOST_TEST(doc.value("image", "") == (std::filesystem::current_path() / "disk.dsk").string());
    BOOST_TEST(doc.value("bind", "") == "127.0.0.1");
    BOOST_TEST(doc.value("started", "").size() == 20u);  // YYYY-MM-DDTHH:MM:SSZ
    BOOST_REQUIRE(doc.contains("slots"));
    BOOST_TEST(doc["slots"].is_array());
    BOOST_TEST(doc["slots"].empty());
  }
  BOOST_TEST(::access(path.c_str(), F_OK) != 0);  // removed by the destructor
}

BOOST_AUTO_TEST_CASE(a_listening_slot_is_reported) {
  TempDir dir;
  Net n;
  tcpnet::Monitor m(n.net, dir.path + "/m.tcpnet", "");
  auto& dev = n.net.device();
  dev.write(tcpnet::reg::PORT, 0);
  dev.write(tcpnet::reg::LIMIT, 0);
  dev.write(tcpnet::reg::CMD, static_cast<uint32_t>(tcpnet::Command::Listen));
  BOOST_REQUIRE(dev.read(tcpnet::reg::CMD) == 0u);  // slot 0
  uint32_t lport = 0;
  BOOST_REQUIRE(waitFor([&] { return (lport = dev.read(tcpnet::reg::LPORT)) != 0; }, 5s));

  support::Socket client = connectTo(m.path());
  BOOST_REQUIRE(client.valid());
  BOOST_REQUIRE(client.sendAll("slots\n", support::Clock::now() + 5s));  // a one-line request is read and ignored
  auto r = lsof::parseDocument(readAll(client), m.path());
  client.close();
  BOOST_REQUIRE_MESSAGE(r.failure == lsof::Failure::None, r.message);
  BOOST_REQUIRE(r.emulator.rows.size() == 1u);
  const lsof::Row& row = r.emulator.rows[0];
  BOOST_TEST(row.slot == 0);
  BOOST_TEST(row.state == "listening");
  BOOST_TEST(row.listener);
  BOOST_TEST(row.localAddress == "127.0.0.1");
  BOOST_TEST(row.localPort == lport);
  BOOST_TEST(row.remotePort == 0u);
  BOOST_TEST(row.serviceRequest);  // the bound event is not read yet (STATUS clears it)
  BOOST_TEST(row.inFile.empty());
}

BOOST_AUTO_TEST_CASE(stale_socket_replaced_live_one_kept) {
  TempDir dir;
  const std::string path = dir.path + "/m.tcpnet";
  Net n;
  makeStaleSocket(path);
  auto first = std::make_unique<tcpnet::Monitor>(n.net, path, "");  // replaces the stale file
  support::Socket fd = connectTo(path);
  BOOST_REQUIRE(fd.valid());
  BOOST_TEST(!readAll(fd).empty());
  fd.close();

  Net other;
  BOOST_CHECK_EXCEPTION(tcpnet::Monitor(other.net, path, ""), std::runtime_error, [](const std::runtime_error& e) {
    return std::string(e.what()).find("another emulator answers") != std::string::npos;
  });
  fd = connectTo(path);  // the first one still serves
  BOOST_REQUIRE(fd.valid());
  BOOST_TEST(!readAll(fd).empty());
  fd.close();

  std::ofstream(dir.path + "/plain") << "x";
  BOOST_CHECK_THROW(tcpnet::Monitor(other.net, dir.path + "/plain", ""), std::runtime_error);
  BOOST_TEST(readFile(dir.path + "/plain") == "x");  // a non-socket is never removed
  BOOST_CHECK_THROW(tcpnet::Monitor(other.net, dir.path + "/no/such/dir/m", ""), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(default_place_sweeps_sockets_of_dead_emulators) {
  TempDir dir;
  ScopedXdg xdg(dir.path);
  const std::string place = dir.path + "/oberon-emu";
  BOOST_REQUIRE(::mkdir(place.c_str(), 0700) == 0);
  using support::deadPid;  // a pid that just ended (reuse within the test is not plausible)
  auto name = [&](long pid) { return place + "/oberon-emu-" + std::to_string(pid) + ".tcpnet"; };
  const std::string dead = name(deadPid()), deadFile = name(deadPid()), alive = name(::getppid());
  makeStaleSocket(dead);
  std::ofstream(deadFile) << "x";  // not a socket: never touched
  makeStaleSocket(alive);          // its pid runs: maybe an emulator that is busy starting
  {
    Net n;
    tcpnet::Monitor m(n.net, "", "");
    BOOST_TEST(m.path() == name(::getpid()));
    BOOST_TEST(::access(dead.c_str(), F_OK) != 0);
    BOOST_TEST(::access(deadFile.c_str(), F_OK) == 0);
    BOOST_TEST(::access(alive.c_str(), F_OK) == 0);
    BOOST_TEST(::access(m.path().c_str(), F_OK) == 0);
  }
  BOOST_TEST(::access(name(::getpid()).c_str(), F_OK) != 0);
}

// The default place is a directory only its user can write: $XDG_RUNTIME_DIR/oberon-emu when
// XDG_RUNTIME_DIR is itself private, else /tmp/oberon-emu-<euid>.
BOOST_AUTO_TEST_CASE(default_place_is_a_private_directory) {
  TempDir dir;  // mkdtemp: ours, mode 0700
  const std::string tmp = "/tmp/oberon-emu-" + std::to_string(::geteuid());
  {
    ScopedXdg xdg(dir.path);
    BOOST_TEST(tcpnet::monitor::defaultDir() == dir.path + "/oberon-emu");
    BOOST_TEST(tcpnet::monitor::defaultPath(42) == dir.path + "/oberon-emu/oberon-emu-42.tcpnet");
    Net n;
    tcpnet::Monitor m(n.net, "", "");  // makes the directory, mode 0700
    BOOST_TEST(m.path() == dir.path + "/oberon-emu/oberon-emu-" + std::to_string(::getpid()) + ".tcpnet");
    struct stat st {};
    BOOST_REQUIRE(::lstat((dir.path + "/oberon-emu").c_str(), &st) == 0);
    BOOST_TEST(S_ISDIR(st.st_mode));
    BOOST_TEST((st.st_mode & 07777) == 0700u);
    BOOST_TEST(st.st_uid == ::geteuid());
  }
  // XDG_RUNTIME_DIR unset, empty, relative, open to others, a symbolic link: /tmp/oberon-emu-<euid>.
  {
    ScopedXdg xdg(nullptr);
    BOOST_TEST(tcpnet::monitor::defaultDir() == tmp);
  }
  for (std::string bad : {std::string(""), std::string("relative/dir")}) {
    ScopedXdg xdg(bad.c_str());
    BOOST_TEST(tcpnet::monitor::defaultDir() == tmp, bad);
  }
  const std::string open = dir.path + "/open", link = dir.path + "/link";
  BOOST_REQUIRE(::mkdir(open.c_str(), 0700) == 0);
  ::chmod(open.c_str(), 0755);
  BOOST_REQUIRE(::symlink(dir.path.c_str(), link.c_str()) == 0);
  for (const std::string& bad : {open, link}) {
    ScopedXdg xdg(bad.c_str());
    BOOST_TEST(tcpnet::monitor::defaultDir() == tmp, bad);
  }
}

// A default directory that someone else made, or that is not a real private directory, is not
// used: the monitor refuses it in one line (the emulator then runs without one), and it never
// creates, removes or changes anything there.
BOOST_AUTO_TEST_CASE(a_hijacked_default_directory_is_refused) {
  TempDir dir, elsewhere;
  ScopedXdg xdg(dir.path);
  const std::string place = dir.path + "/oberon-emu";
  auto refused = [&](const std::string& what) {
    Net n;
    try {
      tcpnet::Monitor m(n.net, "", "");
      BOOST_ERROR("the monitor used " << place << " which " << what);
    } catch (const std::runtime_error& e) {
      std::string text = e.what();
      BOOST_TEST(text == "monitor directory " + place + " refused: it " + what + "; it must be yours alone, mode 0700");
      BOOST_TEST(text.find('\n') == std::string::npos, text);  // one line
    }
  };
  BOOST_REQUIRE(::symlink(elsewhere.path.c_str(), place.c_str()) == 0);  // a symbolic link to a private dir
  refused("is a symbolic link");
  BOOST_TEST(std::filesystem::is_empty(elsewhere.path));  // no socket went through the link
  ::unlink(place.c_str());
  std::ofstream(place) << "x";
  refused("is not a directory");
  ::unlink(place.c_str());
  BOOST_REQUIRE(::mkdir(place.c_str(), 0700) == 0);
  ::chmod(place.c_str(), 0770);
  refused("has mode 0770 (group or others have access)");
  struct stat st {};
  BOOST_REQUIRE(::lstat(place.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 07777) == 0770u);  // left as it was found
  ::chmod(place.c_str(), 0700);
  if (::geteuid() == 0) {
    BOOST_REQUIRE(::chown(place.c_str(), 65534, 65534) == 0);
    refused("belongs to uid 65534, not to uid 0");
    BOOST_TEST(std::filesystem::is_empty(place));
  } else {
    BOOST_TEST_MESSAGE("not root: a default directory owned by another uid could not be made here; the "
                       "owner rule is checked by tcpnet-lsof's test against a directory of root's");
  }
}

BOOST_AUTO_TEST_CASE(silent_clients_are_bounded) {
  // kMaxClients clients that never close hold every session; one more is turned away at once;
  // after kClientTimeout the silent ones are cut off and service resumes.
  TempDir dir;
  Net n;
  tcpnet::Monitor m(n.net, dir.path + "/m.tcpnet", "");
  auto start = Clock::now();
  std::vector<support::Socket> silent;
  for (size_t i = 0; i < tcpnet::Monitor::kMaxClients; ++i) {
    silent.push_back(connectTo(m.path()));
    BOOST_REQUIRE(silent.back().valid());
  }
  for (auto& fd : silent)  // the document, then the monitor's half-close; the client stays
    BOOST_TEST(readAll(fd).find("\"tcpnet_monitor\":1") != std::string::npos);
  support::Socket extra = connectTo(m.path());
  BOOST_REQUIRE(extra.valid());
  BOOST_TEST(readAll(extra).empty());  // closed without a document: every session is taken
  extra.close();
  bool served = waitFor([&] {
    support::Socket fd = connectTo(m.path());
    return fd.valid() && !readAll(fd).empty();
  }, 5s);
  auto waited = Clock::now() - start;
  BOOST_TEST(served);
  BOOST_TEST(waited >= tcpnet::Monitor::kClientTimeout - 200ms);  // held until the timeout
  BOOST_TEST(waited < tcpnet::Monitor::kClientTimeout + 1s);
  silent.clear();
}

BOOST_AUTO_TEST_CASE(document_text_field_for_field) {
  // The documented example (docs/tcpnet-lsof.md) plus one row; expected text by hand: members in
  // order, seconds to the millisecond, control characters escaped, one line.
  tcpnet::monitor::Header h;
  h.pid = 29906;
  h.image = "/x/\"a\"\n.dsk";
  h.started = "2026-11-22T00:15:49Z";
  h.uptimeSeconds = 0.50449;
  h.bind = "127.0.0.1";
  BOOST_TEST(tcpnet::monitorDocument(h, {}, 96) ==
             R"({"tcpnet_monitor":1,"pid":29906,"image":"/x/\"a\"\n.dsk","started":"2026-11-22T00:15:49Z",)"
             R"("uptime":0.504,"bind":"127.0.0.1","slots":[],"omitted":0})"
             "\n");
  tcpnet::SlotInfo r;
  r.slot = -1;  // closing in the background
  r.state = tcpnet::State::Failed;
  r.reason = tcpnet::Reason::Refused;
  r.localAddress = "127.0.0.1";
  r.localPort = 40000;
  r.remoteAddress = "127.0.0.1";
  r.remotePort = 7;
  r.bytesReceived = 9007199254740993ull;  // 2^53 + 1: beyond a double, exact in the text
  r.bytesSent = 7;
  r.rxQueued = 11;
  r.serviceRequest = true;
  r.ageSeconds = -1;  // clock skew: never negative in the document
  r.peerClosed = true;
  r.inFile = "Mail.Text";
  r.tls = "TLSv1.3";
  h.image.clear();
  BOOST_TEST(tcpnet::monitorDocument(h, {r, r}, 1) ==
             R"({"tcpnet_monitor":1,"pid":29906,"image":"","started":"2026-11-22T00:15:49Z","uptime":0.504,)"
             R"("bind":"127.0.0.1","slots":[{"slot":-1,"state":"failed","listener":false,"reason":"refused",)"
             R"("local_address":"127.0.0.1","local_port":40000,"remote_address":"127.0.0.1","remote_port":7,)"
             R"("bytes_received":9007199254740993,"bytes_sent":7,"rx_queued":11,"tx_queued":0,)"
             R"("service_request":true,"in_file":"Mail.Text","out_file":"","age":0.0,"peer_closed":true,)"
             R"("fin_sent":false,"tls":"TLSv1.3"}],"omitted":1})"
             "\n");
  h.image = "/x/\xff.dsk";  // a path that is not UTF-8: still a valid document, no exception
  auto doc = nlohmann::json::parse(tcpnet::monitorDocument(h, {}, 96), nullptr, false);
  BOOST_REQUIRE(doc.is_object());
  BOOST_TEST(doc.value("image", "") == "/x/\xef\xbf\xbd.dsk");  // U+FFFD
}

// The protocol's lists of states and reasons (device/monitor may include nothing of the device's)
// accept every name the device gives.
BOOST_AUTO_TEST_CASE(every_device_state_and_reason_is_accepted) {
  tcpnet::monitor::Header h;
  h.pid = 2;
  std::vector<tcpnet::SlotInfo> rows;
  for (int state = 0; state <= static_cast<int>(tcpnet::State::Failed); ++state) {
    tcpnet::SlotInfo r;
    r.state = static_cast<tcpnet::State>(state);
    rows.push_back(r);
  }
  for (int reason = 0; reason <= static_cast<int>(tcpnet::Reason::Closed); ++reason) {
    tcpnet::SlotInfo r;
    r.reason = static_cast<tcpnet::Reason>(reason);
    rows.push_back(r);
  }
  auto r = lsof::parseDocument(tcpnet::monitorDocument(h, rows, 96), "/x");
  BOOST_REQUIRE_MESSAGE(r.failure == lsof::Failure::None, r.message);
  BOOST_REQUIRE(r.emulator.rows.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    BOOST_TEST(r.emulator.rows[i].state == tcpnet::stateName(rows[i].state));
    BOOST_TEST(r.emulator.rows[i].reason == tcpnet::reasonName(rows[i].reason));
  }
}

BOOST_AUTO_TEST_CASE(document_rows_are_bounded) {
  std::vector<tcpnet::SlotInfo> rows(100);
  tcpnet::monitor::Header h;
  h.pid = 2;  // 1 is init: the tool refuses it
  std::string text = tcpnet::monitorDocument(h, rows, 96);
  auto r = lsof::parseDocument(text, "/x");
  BOOST_REQUIRE_MESSAGE(r.failure == lsof::Failure::None, r.message);
  BOOST_TEST(r.emulator.rows.size() == 96u);
  BOOST_TEST(r.emulator.omitted == 4u);
  BOOST_TEST(text.size() < 96u * 512u);  // a few hundred bytes per row at most
}

BOOST_AUTO_TEST_SUITE_END()
