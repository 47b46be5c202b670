// A port the host already uses: every server program says so once in System.Log, as a failure,
// claims nothing, and leaves no slot behind.
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>

#include "guest.h"

using namespace guest;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(busy_port)

BOOST_AUTO_TEST_CASE(reported_once_by_every_server) {
  int busy = 0;
  Socket holder = Socket::listen(busy);  // a real listener of the host on the port
  std::string b = std::to_string(busy);
  int sh = freePort();
  // The busy starts run at boot, the working shell last (its port is free).
  Guest g({"NetShell.Start " + b, "NetEcho.Start " + b + " 4", "NetHttpd.Start " + b + " 4",
           "NetShell.Start " + std::to_string(sh)});
  std::string log = waitLog(sh, "NetShell: port " + std::to_string(sh) + "\n", milliseconds(60000));
  BOOST_REQUIRE_MESSAGE(!log.empty(), "the working shell did not start");
  // Give late reports a chance to show (a second failure line, or a success after the failure).
  std::this_thread::sleep_for(milliseconds(1000));
  log = shell(sh, "#log 0");
  for (const char* prog : {"NetShell", "NetEcho", "NetHttpd"}) {
    std::string p = prog;
    BOOST_TEST(count(log, p + ": port " + b + " busy (in use or not permitted)\n") == 1u, prog << " in\n" << log);
    BOOST_TEST(count(log, p + ": port " + b) == 1u, prog << " claims nothing else on the port, in\n" << log);
  }
  BOOST_TEST(log.find("cannot listen") == std::string::npos, log);
  // No slot on the busy port: the failed slots are gone.
  std::string stat = shell(sh, "NetStat.List");
  BOOST_TEST(stat.find(":" + b + " ") == std::string::npos, stat);
  BOOST_TEST(stat.find(" failed") == std::string::npos, stat);
  BOOST_TEST(stat.find("\n@0\n") != std::string::npos, stat);

  // Once the host lets the port go, the same server starts there (nothing of the failure stayed)
  // and serves.
  holder.reset();
  BOOST_TEST(shell(sh, "NetEcho.Start " + b + " 2") == "@0\n");
  BOOST_TEST(waitLog(sh, "NetEcho: port " + b + ", 2 slots\n", milliseconds(10000)) != "");
  auto deadline = Clock::now() + milliseconds(10000);
  Socket s = Socket::connect(busy, deadline);
  BOOST_REQUIRE(s.valid());
  BOOST_TEST(s.sendAll("free again", deadline));
  s.shutdownSend();
  BOOST_TEST(s.recv(100, deadline) == "free again");
}

// Busy while the shell runs: NetEcho and NetHttpd started through the shell report it once too.
BOOST_AUTO_TEST_CASE(reported_once_when_started_through_the_shell) {
  int busy = 0;
  Socket holder = Socket::listen(busy);
  std::string b = std::to_string(busy);
  int sh = freePort();
  Guest g({"NetShell.Start " + std::to_string(sh)});
  BOOST_REQUIRE(waitLog(sh, "NetShell: port " + std::to_string(sh) + "\n", milliseconds(60000)) != "");
  // Start itself claims nothing: the port's fate is not known when the command returns.
  BOOST_TEST(shell(sh, "NetEcho.Start " + b + " 4") == "@0\n");
  BOOST_TEST(shell(sh, "NetHttpd.Start " + b + " 4 10 put") == "@0\n");
  std::string log = waitLog(sh, "NetHttpd: port " + b + " busy", milliseconds(10000));
  BOOST_REQUIRE(!log.empty());
  std::this_thread::sleep_for(milliseconds(1000));
  log = shell(sh, "#log 0");
  BOOST_TEST(count(log, "NetEcho: port " + b + " busy (in use or not permitted)\n") == 1u, log);
  BOOST_TEST(count(log, "NetHttpd: port " + b + " busy (in use or not permitted)\n") == 1u, log);
  BOOST_TEST(count(log, "NetEcho: ") == 1u, log);
  BOOST_TEST(count(log, "NetHttpd: ") == 1u, log);
  BOOST_TEST(shell(sh, "NetStat.List").find(":" + b + " ") == std::string::npos);
  // A second Start after the failure is a new attempt, not "already running".
  BOOST_TEST(shell(sh, "NetEcho.Start " + b) == "@0\n");
  std::this_thread::sleep_for(milliseconds(1000));
  log = shell(sh, "#log 0");
  BOOST_TEST(count(log, "NetEcho: port " + b + " busy (in use or not permitted)\n") == 2u, log);
  BOOST_TEST(count(log, "NetEcho: ") == 2u, log);
}

BOOST_AUTO_TEST_SUITE_END()
