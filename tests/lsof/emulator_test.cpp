// tcpnet-lsof against the real oberon-emu running tests/lsof/guest.s (see its header for the
// slots it opens). The peer on port P is socat, which sends "hello-world" (11 bytes); the guest
// sends "oberon\n" (7 bytes) to it and never fetches what it receives. Port Q has no listener.
#include <sys/socket.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/tcpnet-lsof/lsof.h"
#include "process.h"

using namespace lsof::test;

namespace {

// One slot object of the tool's --json output. Absent or mistyped members read as the fallback,
// so a wait can poll while the slots are still changing.
struct Slot {
  nlohmann::json j;
  const nlohmann::json* member(const char* key) const {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  }
  double num(const char* key, double fallback = 0) const {
    auto v = member(key);
    return v && v->is_number() ? v->get<double>() : fallback;
  }
  std::string text(const char* key) const {
    auto v = member(key);
    return v && v->is_string() ? v->get<std::string>() : "";
  }
  bool flag(const char* key) const {
    auto v = member(key);
    return v && v->is_boolean() && v->get<bool>();
  }
};

// The serial stream: the guest's boot image, then P and Q as 16-bit little-endian numbers.
std::string writeSerial(const std::string& dir, unsigned p, unsigned q) {
  std::string path = dir + "/guest-params.serial";
  std::string bytes = readFile(guestPath());
  for (unsigned v : {p, q}) {
    bytes += static_cast<char>(v & 0xFF);
    bytes += static_cast<char>(v >> 8);
  }
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// One running emulator with its own XDG_RUNTIME_DIR; its monitor socket goes to the private
// directory oberon-emu/ in it.
struct Emu {
  TempDir dir;
  std::string env;
  std::unique_ptr<Child> child;
  std::string socket;

  // xdg: false runs it without XDG_RUNTIME_DIR (the place is then /tmp/oberon-emu-<euid>);
  // beforeExec runs in the child under the emulator's pid (see Child).
  Emu(unsigned p, unsigned q, const std::vector<std::string>& extra = {}, bool xdg = true,
      const std::function<void()>& beforeExec = {})
      : env(xdg ? "XDG_RUNTIME_DIR=" + dir.path : "XDG_RUNTIME_DIR=") {
    std::vector<std::string> argv = {emulatorPath(), "--boot-from-serial", "--serial-in", writeSerial(dir.path, p, q),
                                     "--headless", "--timeout", "60"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    child = std::make_unique<Child>(argv, std::vector<std::string>{env}, "", dir.path + "/emu.err", beforeExec);
    socket = (xdg ? dir.path + "/oberon-emu" : "/tmp/oberon-emu-" + std::to_string(::geteuid())) + "/oberon-emu-" +
             std::to_string(child->pid()) + ".tcpnet";
  }
  Run tool(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {}) {
    return runTool(args, {env}, prefix);
  }
  // The tool's --json rows, keyed by slot.
  std::map<int, Slot> slots(const std::vector<std::string>& args = {}) {
    std::vector<std::string> a = {"--json", "-n", "-P"};
    a.insert(a.end(), args.begin(), args.end());
    Run r = tool(a);
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    std::map<int, Slot> m;
    if (!doc.is_object() || !doc["emulators"].is_array() || doc["emulators"].empty()) return m;
    const auto& slots = doc["emulators"][0]["slots"];
    if (!slots.is_array()) return m;
    for (const auto& s : slots) {
      Slot slot{s};
      m[static_cast<int>(slot.num("slot", -9))] = slot;
    }
    return m;
  }
};

struct Socat {
  unsigned port = freePort();
  Child child{{"socat", "TCP-LISTEN:" + std::to_string(port) + ",bind=127.0.0.1,reuseaddr",
               "SYSTEM:printf hello-world; exec sleep 60"}};
};

std::vector<std::vector<std::string>> words(const std::string& table) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream w(line);
    std::vector<std::string> f;
    std::string x;
    while (w >> x) f.push_back(x);
    lines.push_back(f);
  }
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator)

BOOST_AUTO_TEST_CASE(live_emulator_table_json_filters) {
  requireBinaries();
  Socat peer;
  BOOST_REQUIRE(waitFor([&] { return listening(peer.port); }, 5s));
  unsigned refusedPort = freePort();
  Emu emu(peer.port, refusedPort);

  // Settled: slot 2 has sent its 7 bytes and holds the peer's 11; slot 3 has failed.
  std::map<int, Slot> s;
  bool settled = waitFor([&] {
    s = emu.slots();
    return s.size() == 4 && s[2].num("bytes_sent") == 7 && s[2].num("bytes_received") == 11 &&
           s[3].text("state") == "ERROR";
  }, 10s);
  BOOST_REQUIRE_MESSAGE(settled, "emulator did not reach the expected slots; stderr: " + readFile(emu.dir.path + "/emu.err"));

  const unsigned L = static_cast<unsigned>(s[0].num("local_port"));
  BOOST_TEST(L != 0u);
  BOOST_TEST(s[0].text("state") == "LISTEN");
  BOOST_TEST(s[1].text("state") == "LISTEN");
  BOOST_TEST(s[1].num("local_port") == L);
  BOOST_TEST(s[0].text("local_address") == "127.0.0.1");
  BOOST_TEST(s[2].text("state") == "ESTABLISHED");
  BOOST_TEST(s[2].num("remote_port") == peer.port);
  BOOST_TEST(s[2].num("rx_queued") == 11);  // never fetched by the guest
  BOOST_TEST(s[2].num("tx_queued") == 0);
  BOOST_TEST(s[2].flag("service_request"));  // unread data keeps the request
  BOOST_TEST(s[3].text("reason") == "refused");
  BOOST_TEST(s[3].flag("service_request"));  // the error event is never read
  // File names as the guest reported them with NAMES; slot 1 never named its files.
  BOOST_TEST(s[0].text("in_file") == "");
  BOOST_TEST(s[0].text("out_file") == "Echo.Out");
  BOOST_TEST(s[1].text("in_file") == "");
  BOOST_TEST(s[1].text("out_file") == "");
  BOOST_TEST(s[2].text("in_file") == "Peer.Text");
  BOOST_TEST(s[2].text("out_file") == "Greet.Text");
  BOOST_TEST(!s[2].flag("peer_closed"));  // socat keeps its end open
  BOOST_TEST(!s[2].flag("fin_sent"));

  // The table, numeric: header, four rows in slot order, aligned columns, FILES (in/out, "-" for
  // a name not given) because some slots have names.
  Run t = emu.tool({"-n", "-P"});
  BOOST_TEST(t.code == 0);
  auto lines = words(t.out);
  BOOST_REQUIRE(lines.size() == 5u);
  BOOST_TEST((lines[0] == std::vector<std::string>{"PID", "SLOT", "STATE", "RECV", "SENT", "RXQ", "TXQ", "SRQ", "AGE",
                                                   "FILES", "NAME"}));
  const std::string pid = std::to_string(emu.child->pid()), l = "127.0.0.1:" + std::to_string(L);
  auto expect = [&](size_t i, std::vector<std::string> want) {
    BOOST_REQUIRE(lines[i].size() == 11u);
    lines[i].erase(lines[i].begin() + 8);  // age
    BOOST_TEST(lines[i] == want);
  };
  expect(1, {pid, "0", "LISTEN", "0", "0", "0", "0", "-", "-/Echo.Out", l});
  expect(2, {pid, "1", "LISTEN", "0", "0", "0", "0", "-", "-/-", l});
  BOOST_REQUIRE(lines[3].size() == 11u);
  BOOST_TEST(lines[3][2] == "ESTABLISHED");
  BOOST_TEST((std::vector<std::string>(lines[3].begin() + 3, lines[3].begin() + 8) ==
              std::vector<std::string>{"11", "7", "11", "0", "*"}));
  BOOST_TEST(lines[3][9] == "Peer.Text/Greet.Text");
  BOOST_TEST(lines[3][10] == "127.0.0.1:" + std::to_string(static_cast<unsigned>(s[2].num("local_port"))) +
                                 "->127.0.0.1:" + std::to_string(peer.port));
  expect(4, {pid, "3", "ERROR(refused)", "0", "0", "0", "0", "*", "-/-", "-"});
  std::istringstream in(t.out);
  std::string line;
  size_t nameColumn = std::string::npos;
  while (std::getline(in, line)) {  // NAME starts at the same column on every line
    size_t at = line.rfind("  ") + 2;
    if (nameColumn == std::string::npos) nameColumn = at;
    BOOST_TEST(at == nameColumn);
  }

  // Default: names resolved, as lsof does (127.0.0.1 is localhost in /etc/hosts).
  Run named = emu.tool({"-P"});
  BOOST_TEST(named.code == 0);
  BOOST_TEST(named.out.find("localhost:" + std::to_string(L)) != std::string::npos);

  // A client of the echo slot: 5 bytes there and back.
  {
    support::Socket c = support::Socket::connect(static_cast<int>(L), support::Clock::now() + 5s);
    BOOST_REQUIRE(c.valid());
    BOOST_REQUIRE(c.sendAll("12345", support::Clock::now() + 5s));
    BOOST_TEST(c.recv(5, support::Clock::now() + 5s) == "12345");
    BOOST_REQUIRE(waitFor([&] { s = emu.slots(); return s[0].num("bytes_sent") == 5; }, 5s));
    BOOST_TEST(s[0].text("state") == "ESTABLISHED");
    BOOST_TEST(s[0].num("bytes_received") == 5);
    BOOST_TEST(s[0].num("remote_port") == c.localPort());
    BOOST_TEST(s[1].text("state") == "LISTEN");  // the second serving slot still waits

    // Filters.
    Run listen = emu.tool({"-n", "-P", "-s", "LISTEN"});
    BOOST_TEST(listen.code == 0);
    BOOST_TEST(words(listen.out).size() == 2u);  // header + slot 1
    Run byPort = emu.tool({"-n", "-P", "-i", ":" + std::to_string(peer.port)});
    BOOST_TEST(byPort.code == 0);
    BOOST_REQUIRE(words(byPort.out).size() == 2u);
    BOOST_TEST(words(byPort.out)[1][1] == "2");
    Run errors = emu.tool({"-s", "TCP:error", "-p", pid});
    BOOST_TEST(errors.code == 0);
    BOOST_TEST(errors.out.find("ERROR(refused)") != std::string::npos);
    Run none = emu.tool({"-s", "CLOSE_WAIT"});
    BOOST_TEST(none.code == 1);
    BOOST_TEST(none.out.empty());
    Run otherPid = emu.tool({"-p", "1"});
    BOOST_TEST(otherPid.code == 1);
    BOOST_TEST(otherPid.err.find("no emulator with pid 1") != std::string::npos);
    Run bad = emu.tool({"-s", "NOPE"});
    BOOST_TEST(bad.code == 64);  // a usage error (EX_USAGE)
    BOOST_TEST(bad.err.find("unknown state") != std::string::npos);
  }
  // The client closed: the peer's FIN leaves the slot connected in the device, CLOSE_WAIT in TCP.
  // The state comes from the device (peer_closed).
  BOOST_TEST(waitFor([&] { s = emu.slots(); return s[0].text("state") == "CLOSE_WAIT"; }, 5s));
  BOOST_TEST(s[0].text("device_state") == "connected");
  BOOST_TEST(s[0].flag("peer_closed"));
  BOOST_TEST(!s[0].flag("fin_sent"));
  BOOST_TEST(!s[0].member("kernel_state"));  // the /proc fallback is gone, and its member
  BOOST_TEST(s[0].text("out_file") == "Echo.Out");

  // A named socket, and repetition.
  Run named2 = emu.tool({"--socket", emu.socket, "-s", "CLOSE_WAIT"});
  BOOST_TEST(named2.code == 0);
  BOOST_TEST(words(named2.out).size() == 2u);
  Run repeat = emu.tool({"-r", "0.1", "--count", "3", "-s", "LISTEN"});
  BOOST_TEST(repeat.code == 0);
  size_t marks = 0;
  for (size_t at = 0; (at = repeat.out.find("=======\n", at)) != std::string::npos; ++at) ++marks;
  BOOST_TEST(marks == 3u);

  // Permission: another user cannot reach the socket (as root, drop to nobody, with the
  // XDG_RUNTIME_DIR open to others: the private oberon-emu/ in it still stops them; as another
  // user, make the directory unreadable).
  const std::vector<std::string> asNobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  if (::geteuid() == 0) {
    // Only if nobody can run the tool at all (the build directory may be private).
    if (::access(asNobody[0].c_str(), X_OK) == 0 && emu.tool({"--help"}, asNobody).code == 0) {
      ::chmod(emu.dir.path.c_str(), 0755);
      Run denied = emu.tool({"--socket", emu.socket}, asNobody);
      BOOST_TEST(denied.code == 2);
      BOOST_TEST(denied.err.find("permission denied") != std::string::npos, denied.err);
      ::chmod(emu.dir.path.c_str(), 0700);
      Run dirDenied = emu.tool({"--dir", emu.dir.path + "/oberon-emu"}, asNobody);
      BOOST_TEST(dirDenied.code == 2);
      BOOST_TEST(dirDenied.err.find("cannot read directory") != std::string::npos, dirDenied.err);
    } else {
      BOOST_TEST_MESSAGE("permission check skipped: the tool cannot be run as nobody here");
    }
  } else {
    ::chmod(emu.dir.path.c_str(), 0);
    Run denied = runTool({"--socket", emu.socket}, {emu.env});
    BOOST_TEST(denied.code == 2);
    BOOST_TEST(denied.err.find("permission denied") != std::string::npos, denied.err);
    ::chmod(emu.dir.path.c_str(), 0700);
  }

  // Normal exit (SIGTERM) removes the socket.
  emu.child->signal(SIGTERM);
  BOOST_TEST(emu.child->wait(5s) == 0);
  BOOST_TEST(::access(emu.socket.c_str(), F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(wrong_paths) {
  requireBinaries();
  TempDir dir;
  Run missing = runTool({"--socket", dir.path + "/nothing.tcpnet"}, {});
  BOOST_TEST(missing.code == 2);
  BOOST_TEST(missing.err.find("nothing.tcpnet: no such socket") != std::string::npos, missing.err);
  std::ofstream(dir.path + "/file.tcpnet") << "x";
  Run plain = runTool({"--socket", dir.path + "/file.tcpnet"}, {});
  BOOST_TEST(plain.code == 2);
  BOOST_TEST(plain.err.find("not a socket") != std::string::npos, plain.err);
  Run noDir = runTool({"--dir", dir.path + "/none"}, {});
  BOOST_TEST(noDir.code == 2);
  BOOST_TEST(noDir.err.find("cannot read directory") != std::string::npos, noDir.err);
  Run empty = runTool({}, {"XDG_RUNTIME_DIR=" + dir.path});  // no emulator there
  BOOST_TEST(empty.code == 1);
  BOOST_TEST(empty.out.empty());
  Run usage = runTool({"--bogus"}, {});
  BOOST_TEST(usage.code == 64);  // a usage error (EX_USAGE); tests/cli checks the conventions
  BOOST_TEST(usage.err == "tcpnet-lsof: unrecognised option '--bogus' (see --help)\n", usage.err);
}

BOOST_AUTO_TEST_CASE(dead_emulator) {
  requireBinaries();
  unsigned nobody = freePort();
  Emu emu(nobody, nobody);
  BOOST_REQUIRE(waitFor([&] { return emu.tool({}).code == 0; }, 10s));  // it answers: slots listed
  const std::string pid = std::to_string(emu.child->pid());
  emu.child->signal(SIGKILL);
  BOOST_REQUIRE(emu.child->wait(5s) == 128 + SIGKILL);
  BOOST_REQUIRE(::access(emu.socket.c_str(), F_OK) == 0);  // left behind

  Run scan = emu.tool({});
  BOOST_TEST(scan.code == 1);
  BOOST_TEST(scan.err.find("stale socket, process " + pid + " is gone") != std::string::npos, scan.err);
  Run named = emu.tool({"--socket", emu.socket});
  BOOST_TEST(named.code == 2);
  BOOST_TEST(named.err.find(emu.socket + ": no emulator answers: stale socket, process " + pid + " is gone") !=
                 std::string::npos, named.err);
  Run byPid = emu.tool({"-p", pid});
  BOOST_TEST(byPid.code == 2);

  // A new emulator given the same path replaces the stale socket; one more is refused.
  Child next({emulatorPath(), "--boot-from-serial", "--serial-in", writeSerial(emu.dir.path, nobody, nobody),
              "--headless", "--timeout", "60", "--monitor", emu.socket});
  BOOST_TEST(waitFor([&] {
    Run r = emu.tool({"--socket", emu.socket, "--json"});
    return r.code == 0 && r.out.find("\"pid\":" + std::to_string(next.pid())) != std::string::npos;
  }, 10s));
  std::string err = emu.dir.path + "/third.err";
  Child third({emulatorPath(), "--boot-from-serial", "--serial-in", writeSerial(emu.dir.path, nobody, nobody),
               "--headless", "--timeout", "60", "--monitor", emu.socket}, {}, "", err);
  BOOST_TEST(third.wait(5s) == 1);
  BOOST_TEST(readFile(err).find("another emulator answers") != std::string::npos, readFile(err));
  next.signal(SIGINT);
  BOOST_TEST(next.wait(5s) == 0);
  BOOST_TEST(::access(emu.socket.c_str(), F_OK) != 0);
}

// The old default places were predictable names in directories open to all (/tmp/oberon-emu-<pid>.tcpnet):
// anyone could put a file or a symbolic link there first and leave the emulator without a
// monitor. Now the socket lives in a directory of our own, so what lies at the old names does not
// matter. The child plants both before it becomes the emulator (same pid).
BOOST_AUTO_TEST_CASE(files_planted_at_the_old_paths_do_not_matter) {
  requireBinaries();
  unsigned nobody = freePort();
  const std::string tmpPlace = "/tmp/oberon-emu-" + std::to_string(::geteuid());
  auto oldPath = [](const std::string& dir, pid_t pid) {
    return dir + "/oberon-emu-" + std::to_string(pid) + ".tcpnet";
  };
  // Without XDG_RUNTIME_DIR: the old place was /tmp itself; a symbolic link waits there.
  Emu plain(nobody, nobody, {}, false,
            [&] { (void)::symlink("/nonexistent/target", oldPath("/tmp", ::getpid()).c_str()); });
  const std::string planted = oldPath("/tmp", plain.child->pid());
  // With XDG_RUNTIME_DIR: the old place was that directory; a regular file waits there.
  Emu xdg(nobody, nobody, {}, true, [&] { std::ofstream(oldPath(std::getenv("XDG_RUNTIME_DIR"), ::getpid())) << "x"; });
  for (Emu* e : {&plain, &xdg}) {
    BOOST_TEST(waitFor([&] { return ::access(e->socket.c_str(), F_OK) == 0; }, 10s), e->socket);
    Run r = e->tool({"-p", std::to_string(e->child->pid()), "-n", "-P"});
    BOOST_TEST(r.code == 0, r.err);
    BOOST_TEST(r.out.find(std::to_string(e->child->pid())) != std::string::npos, r.out);
    BOOST_TEST(readFile(e->dir.path + "/emu.err").find("monitor") == std::string::npos,
               readFile(e->dir.path + "/emu.err"));
  }
  for (Emu* e : {&plain, &xdg}) {  // SIGTERM: each removes its socket (none left in /tmp)
    e->child->signal(SIGTERM);
    BOOST_TEST(e->child->wait(5s) == 0);
    BOOST_TEST(::access(e->socket.c_str(), F_OK) != 0);
  }
  struct stat st {};
  BOOST_TEST((::lstat(planted.c_str(), &st) == 0 && S_ISLNK(st.st_mode)));  // neither is touched
  BOOST_TEST(readFile(oldPath(xdg.dir.path, xdg.child->pid())) == "x");
  ::unlink(planted.c_str());
  BOOST_REQUIRE(::lstat(tmpPlace.c_str(), &st) == 0);
  BOOST_TEST(S_ISDIR(st.st_mode));
  BOOST_TEST((st.st_mode & 07777) == 0700u);
  BOOST_TEST(st.st_uid == ::geteuid());
}

// A default directory that is not ours alone (here: a symbolic link, and a directory open to
// the group) is refused in one line; the emulator runs on without a monitor and puts nothing
// where the link points.
BOOST_AUTO_TEST_CASE(a_hijacked_directory_is_named_in_one_line) {
  requireBinaries();
  unsigned nobody = freePort();
  TempDir target;
  struct Variant {
    std::string why;
    std::function<void(const std::string&)> make;
  };
  const Variant variants[] = {
      {"is a symbolic link",
       [&](const std::string& place) { BOOST_REQUIRE(::symlink(target.path.c_str(), place.c_str()) == 0); }},
      {"has mode 0750 (group or others have access)", [](const std::string& place) {
         BOOST_REQUIRE(::mkdir(place.c_str(), 0700) == 0);
         ::chmod(place.c_str(), 0750);
       }},
  };
  for (const Variant& v : variants) {
    TempDir xdg;
    const std::string place = xdg.path + "/oberon-emu";
    v.make(place);
    const std::string err = xdg.path + "/emu.err";
    Child emu({emulatorPath(), "--boot-from-serial", "--serial-in", writeSerial(xdg.path, nobody, nobody), "--headless",
               "--timeout", "60"}, {"XDG_RUNTIME_DIR=" + xdg.path}, "", err);
    const std::string line = "oberon-emu: monitor directory " + place + " refused: it " + v.why +
                             "; it must be yours alone, mode 0700 (tcpnet-lsof will not see this emulator)\n";
    BOOST_TEST(waitFor([&] { return readFile(err).find('\n') != std::string::npos; }, 10s));
    BOOST_TEST(readFile(err) == line);
    BOOST_TEST(emu.running());  // it runs on, without a monitor
    BOOST_TEST(std::filesystem::is_empty(target.path));
    Run r = runTool({"-n"}, {"XDG_RUNTIME_DIR=" + xdg.path});  // the tool will not read it either
    BOOST_TEST(r.code == 2);
    BOOST_TEST(r.err == "tcpnet-lsof: not reading " + place + ": it " + v.why +
                            "; a monitor directory must be yours alone, mode 0700\n", r.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
