// tcpnet-lsof against fake monitors: a forked child that serves a document of our choosing on a
// Unix socket, optionally as another user (root only: it takes uid 65534 between bind and
// listen, so SO_PEERCRED names nobody while the socket file and its directory stay ours). The
// tool must read only sockets in a directory that is ours alone, only from a server of our own
// user, and only answers whose pid is that server and alive (docs/tcpnet-lsof.md).
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tools/tcpnet-lsof/lsof.h"
#include "process.h"

using namespace lsof::test;

namespace {

constexpr uid_t kNobody = 65534;

// A document as an emulator sends it; "%PID%" stands for the serving process's own pid.
std::string document(const std::string& pid = "%PID%", const std::string& bytesSent = "0") {
  return R"({"tcpnet_monitor":1,"pid":)" + pid +
         R"(,"image":"","started":"2026-01-01T00:00:00Z","uptime":1.0,"bind":"127.0.0.1","slots":[)"
         R"({"slot":0,"state":"listening","listener":true,"reason":"none","local_address":"127.0.0.1",)"
         R"("local_port":4242,"remote_address":"","remote_port":0,"bytes_received":0,"bytes_sent":)" +
         bytesSent +
         R"(,"rx_queued":0,"tx_queued":0,"service_request":false,"in_file":"Fake.In","out_file":"",)"
         R"("age":1.0,"peer_closed":false,"fin_sent":false}],"omitted":0})"
         "\n";
}

// Serves `text` ("%PID%" replaced by the child's pid) to every client of a Unix socket at path,
// mode 0600, until destroyed. asUid: the uid and gid the child takes after bind, before listen.
class FakeMonitor {
 public:
  FakeMonitor(const std::string& path, const std::string& text, int asUid = -1) : path_(path) {
    const size_t at = text.find("%PID%");
    const std::string head = text.substr(0, at), tail = at == std::string::npos ? "" : text.substr(at + 5);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    int ready[2];
    BOOST_REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    pid_ = ::fork();
    if (pid_ == 0) {  // only system calls from here on
      ::signal(SIGPIPE, SIG_IGN);
      ::close(ready[0]);
      ::umask(077);
      int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) ::_exit(1);
      if (asUid >= 0) {
        gid_t gid = static_cast<gid_t>(asUid);
        uid_t uid = static_cast<uid_t>(asUid);
        if (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0)
          ::_exit(2);
      }
      if (::listen(fd, 8) != 0) ::_exit(3);
      char digits[16];
      int n = 0;
      for (pid_t p = ::getpid(); p > 0; p /= 10) digits[n++] = static_cast<char>('0' + p % 10);
      for (int i = 0; i < n / 2; ++i) std::swap(digits[i], digits[n - 1 - i]);
      if (::write(ready[1], "k", 1) != 1) ::_exit(4);
      ::close(ready[1]);
      for (;;) {
        int c = ::accept(fd, nullptr, nullptr);
        if (c < 0) continue;
        if (::write(c, head.data(), head.size()) >= 0 && at != std::string::npos && ::write(c, digits, n) >= 0)
          (void)!::write(c, tail.data(), tail.size());
        ::close(c);
      }
    }
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    char k = 0;
    ready_ = ::poll(&p, 1, 5000) == 1 && ::read(ready[0], &k, 1) == 1;
    ::close(ready[0]);
    BOOST_REQUIRE_MESSAGE(ready_, "the fake monitor did not start at " + path);
  }
  ~FakeMonitor() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  FakeMonitor(const FakeMonitor&) = delete;
  FakeMonitor& operator=(const FakeMonitor&) = delete;

  pid_t pid() const { return pid_; }
  // Gives the socket the name an emulator would give it, with the pid `named` (default: the
  // fake's own); returns the new path.
  std::string nameAsEmulator(const std::string& dir, pid_t named = 0) {
    std::string to = dir + "/oberon-emu-" + std::to_string(named ? named : pid_) + ".tcpnet";
    BOOST_REQUIRE(::rename(path_.c_str(), to.c_str()) == 0);
    path_ = to;
    return to;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// XDG_RUNTIME_DIR = a fresh private directory, with the monitor directory oberon-emu/ in it.
struct Place {
  TempDir xdg;
  std::string dir = xdg.path + "/oberon-emu";
  Place() { BOOST_REQUIRE(::mkdir(dir.c_str(), 0700) == 0); }
  Run tool(const std::vector<std::string>& args) { return runTool(args, {"XDG_RUNTIME_DIR=" + xdg.path}); }
};

using support::deadPid;

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)

// The control: a fake of our own user, in our own directory, saying its own pid, is read. (Our
// own user can always fake an emulator; the checks below are about everyone else.) So whatever
// the cases below skip is skipped by the check they name.
BOOST_AUTO_TEST_CASE(a_good_fake_of_our_own_is_read) {
  requireBinaries();
  Place place;
  FakeMonitor fake(place.dir + "/f", document());
  fake.nameAsEmulator(place.dir);
  Run r = place.tool({"-n", "-P"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out.find("\n" + std::to_string(fake.pid()) + " ") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("LISTEN") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("Fake.In/-") != std::string::npos, r.out);
  BOOST_TEST(r.err.empty(), r.err);
}

BOOST_AUTO_TEST_CASE(a_directory_that_is_not_ours_alone_is_not_read) {
  requireBinaries();
  Place place;
  FakeMonitor fake(place.dir + "/f", document());
  const std::string path = fake.nameAsEmulator(place.dir);
  const std::string rule = "; a monitor directory must be yours alone, mode 0700\n";

  ::chmod(place.dir.c_str(), 0750);  // open to the group
  Run open = place.tool({});
  BOOST_TEST(open.code == 2);
  BOOST_TEST(open.out.empty(), open.out);
  BOOST_TEST(open.err ==
             "tcpnet-lsof: not reading " + place.dir + ": it has mode 0750 (group or others have access)" + rule);
  Run openDir = place.tool({"--dir", place.dir});  // the same for --dir
  BOOST_TEST(openDir.code == 2);
  BOOST_TEST(openDir.out.empty(), openDir.out);
  ::chmod(place.dir.c_str(), 0700);

  Place other;  // its oberon-emu/ becomes a symbolic link to the first one
  BOOST_REQUIRE(::rmdir(other.dir.c_str()) == 0);
  BOOST_REQUIRE(::symlink(place.dir.c_str(), other.dir.c_str()) == 0);
  for (const auto& args : {std::vector<std::string>{}, std::vector<std::string>{"--dir", other.dir}}) {
    Run link = other.tool(args);
    BOOST_TEST(link.code == 2);
    BOOST_TEST(link.out.empty(), link.out);
    BOOST_TEST(link.err == "tcpnet-lsof: not reading " + other.dir + ": it is a symbolic link" + rule);
  }

  // An XDG_RUNTIME_DIR that is not private is not used at all: the place is /tmp/oberon-emu-<euid>
  // then (where other emulators of ours may run: only the fake's absence is checked).
  ::chmod(place.xdg.path.c_str(), 0755);
  Run fallback = place.tool({"-n", "-P"});
  BOOST_TEST(fallback.out.find("Fake.In") == std::string::npos, fallback.out);
  ::chmod(place.xdg.path.c_str(), 0700);

  // Owners: a directory of another uid.
  if (::geteuid() == 0) {
    BOOST_REQUIRE(::chown(place.dir.c_str(), kNobody, kNobody) == 0);
    Run owned = place.tool({});
    BOOST_TEST(owned.code == 2);
    BOOST_TEST(owned.err == "tcpnet-lsof: not reading " + place.dir + ": it belongs to uid 65534, not to uid 0" + rule);
    BOOST_REQUIRE(::chown(place.dir.c_str(), 0, 0) == 0);
    // A socket file of another uid in our directory: skipped with a note.
    BOOST_REQUIRE(::lchown(path.c_str(), kNobody, kNobody) == 0);
    Run sock = place.tool({});
    BOOST_TEST(sock.code == 1);
    BOOST_TEST(sock.out.empty(), sock.out);
    BOOST_TEST(sock.err == "tcpnet-lsof: skipping " + path + ": the socket belongs to uid 65534, not to you\n");
  } else {
    BOOST_TEST_MESSAGE("not root: cannot give a directory or socket to another uid here; the owner rule is "
                       "checked on '/', which belongs to root");
    Run owned = place.tool({"--dir", "/"});
    BOOST_TEST(owned.code == 2);
    BOOST_TEST(owned.err == "tcpnet-lsof: not reading /: it belongs to uid 0, not to uid " +
                                std::to_string(::geteuid()) + rule);
  }
  // A socket file open to others: skipped with a note.
  ::lchown(path.c_str(), ::geteuid(), ::getegid());
  ::chmod(path.c_str(), 0666);
  Run wide = place.tool({});
  BOOST_TEST(wide.code == 1);
  BOOST_TEST(wide.err == "tcpnet-lsof: skipping " + path +
                             ": the socket is open to group or others (an emulator makes it mode 0600)\n");
}

// Serving a socket as another uid needs root; without it the case is skipped (ctest says so), and
// only the decision (peer_checks in the unit tests) and a server of our own uid being accepted
// (a_good_fake_of_our_own_is_read) are checked.
boost::test_tools::assertion_result runningAsRoot(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(::geteuid() == 0);
  r.message() << "serving a socket as another uid needs root (here uid " << ::geteuid() << ")";
  return r;
}

BOOST_AUTO_TEST_CASE(a_socket_served_by_another_uid_is_skipped, *boost::unit_test::precondition(runningAsRoot)) {
  requireBinaries();
  // nobody serves a perfect document, on a socket file of ours, in our directory: only the
  // kernel's word about the server (SO_PEERCRED) tells it apart.
  Place place;
  FakeMonitor fake(place.dir + "/f", document(), kNobody);
  const std::string path = fake.nameAsEmulator(place.dir);
  struct stat st {};
  BOOST_REQUIRE(::lstat(path.c_str(), &st) == 0);
  BOOST_TEST(st.st_uid == 0u);
  const std::string why = path + ": served by uid 65534, not by you (uid 0)";
  Run scan = place.tool({});
  BOOST_TEST(scan.code == 1);
  BOOST_TEST(scan.out.empty(), scan.out);
  BOOST_TEST(scan.err == "tcpnet-lsof: skipping " + why + "\n");
  Run named = place.tool({"--socket", path});
  BOOST_TEST(named.code == 2);
  BOOST_TEST(named.err == "tcpnet-lsof: " + why + "\n");
  Run byPid = place.tool({"-p", std::to_string(fake.pid())});
  BOOST_TEST(byPid.code == 2);
  lsof::QueryResult r = lsof::query(path);
  BOOST_TEST((r.failure == lsof::Failure::OtherUser));
  BOOST_TEST(r.message == why);
  BOOST_TEST(r.emulator.rows.empty());
}

BOOST_AUTO_TEST_CASE(a_dead_pid_or_another_pid_is_skipped) {
  requireBinaries();
  Place place;
  const pid_t dead = deadPid(), self = ::getpid();
  struct Case {
    std::string text;
    std::function<std::string(pid_t)> why;
    pid_t named;  // the pid in the socket's name; 0: the fake's own
  };
  const Case cases[] = {
      {document(std::to_string(dead)),
       [&](pid_t) { return "bad answer: pid " + std::to_string(dead) + " is not a running process"; }, 0},
      {document(std::to_string(self)),
       [&](pid_t server) {
         return "bad answer: it says pid " + std::to_string(self) + ", but pid " + std::to_string(server) +
                " serves the socket";
       }, 0},
      {document(), [&](pid_t server) {  // the answer is right, the name is not
         return "bad answer: it says pid " + std::to_string(server) + ", its name pid " + std::to_string(self);
       }, self},
      {document("%PID%", "-1"),
       [](pid_t) { return std::string("bad answer: slots[0] bytes_sent is not a count (an integer >= 0)"); }, 0},
  };
  for (const Case& c : cases) {
    FakeMonitor fake(place.dir + "/f", c.text);
    const std::string path = fake.nameAsEmulator(place.dir, c.named);
    const std::string why = path + ": " + c.why(fake.pid());
    Run scan = place.tool({});
    BOOST_TEST(scan.code == 1);
    BOOST_TEST(scan.out.empty(), scan.out);
    BOOST_TEST(scan.err == "tcpnet-lsof: skipping " + why + "\n");
    if (c.named == 0) {  // named, the same answer is an error (status 2)
      Run named = place.tool({"--socket", path});
      BOOST_TEST(named.code == 2);
      BOOST_TEST(named.err == "tcpnet-lsof: " + why + "\n");
    }
    ::unlink(path.c_str());
  }
}

// A hostile or truncated answer costs its emulator one line on stderr, naming the socket; the
// tool carries on and lists the emulators that answered well.
BOOST_AUTO_TEST_CASE(a_bad_answer_is_one_line_and_the_others_are_listed) {
  requireBinaries();
  Place place;
  FakeMonitor good(place.dir + "/good", document());
  good.nameAsEmulator(place.dir);
  const std::string full = document();
  const std::vector<std::pair<std::string, std::string>> answers = {  // answer, what the note says
      {full.substr(0, full.size() / 2), "bad answer: parse error at line 1, column "},  // cut off
      {"", "bad answer: parse error at line 1, column 1: "},
      {R"({"tcpnet_monitor":1,"pid":%PID%,"slots":[{"state":"connected","bytes_sent":1e999}]})",
       "bad answer: number overflow parsing '1e999'"},  // too large for a double
      {"\x1b]0;pwned\x07\n", "bad answer: parse error at line 1, column 1: "},
      {std::string(5000, '[') + std::string(5000, ']'), "not a tcpnet monitor (version 1)"},
      {R"({"tcpnet_monitor":1,"pid":%PID%,"slots":[{"state":"connected\u001b[2J"}]})",
       "bad answer: slots[0] state is not a known name"},
  };
  std::vector<std::unique_ptr<FakeMonitor>> fakes;
  std::vector<std::string> notes;
  for (size_t i = 0; i < answers.size(); ++i) {
    fakes.push_back(std::make_unique<FakeMonitor>(place.dir + "/bad" + std::to_string(i), answers[i].first));
    notes.push_back("tcpnet-lsof: skipping " + fakes.back()->nameAsEmulator(place.dir) + ": " + answers[i].second);
  }
  Run r = place.tool({"-n", "-P"});
  BOOST_TEST_MESSAGE("tcpnet-lsof with " << answers.size() << " bad fakes and a good one said:\n" << r.err);
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out.find("\n" + std::to_string(good.pid()) + " ") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("Fake.In/-") != std::string::npos, r.out);
  std::vector<std::string> lines;
  for (size_t at = 0, end; (end = r.err.find('\n', at)) != std::string::npos; at = end + 1)
    lines.push_back(r.err.substr(at, end - at));
  BOOST_TEST(lines.size() == answers.size(), r.err);
  for (const std::string& note : notes) {
    auto it = std::find_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.rfind(note, 0) == 0; });
    BOOST_TEST((it != lines.end()), "no line " << note << " in:\n" << r.err);
  }
  for (char c : r.err) BOOST_TEST((c == '\n' || (c >= 0x20 && c < 0x7F)), "a raw byte on stderr: " << int(c));
}

BOOST_AUTO_TEST_SUITE_END()
