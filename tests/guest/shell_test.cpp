// The remote shell (NetShell) and TCPNet's handling of bad input, as seen from the host.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <thread>

#include "guest.h"

using namespace guest;

BOOST_AUTO_TEST_SUITE(remote_shell)

BOOST_AUTO_TEST_CASE(command_output_and_result) {
  World& w = world();
  std::string r = shell(w.shellPort, "NetStat.List");
  // NetStat lists the shell's own connected slot, the count, then heap and disk use; "@0" =
  // Oberon.Call res 0.
  BOOST_TEST(r.find("connected 127.0.0.1:" + std::to_string(w.shellPort)) != std::string::npos, r);
  BOOST_TEST(r.find(" slots in use\nheap ") != std::string::npos, r);
  BOOST_TEST(r.find(" sectors\n@0\n") != std::string::npos, r);
  // Oberon.Call's result codes: 1 module not found, 5 command not found.
  BOOST_TEST(shell(w.shellPort, "NoSuchModule.Run") .find("module not found\n@1\n") != std::string::npos);
  BOOST_TEST(shell(w.shellPort, "NetStat.NoSuchCommand").find("command not found\n@5\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(compile_error_text) {
  // Bad.Mod ("BEGIN x := 1 +; END Bad.") was added to the image: ORP reports the position and
  // its message, then "compilation FAILED".
  std::string r = shell(world().shellPort, "ORP.Compile Bad.Mod ~");
  BOOST_TEST(r.find("compiling Bad") != std::string::npos, r);
  BOOST_TEST(r.find("  pos ") != std::string::npos, r);
  BOOST_TEST(r.find("compilation FAILED") != std::string::npos, r);
  BOOST_TEST(r.find("\n@0\n") != std::string::npos, r);
}

// What a command shows in a viewer of its own comes back too, after what it wrote to the Log.
BOOST_AUTO_TEST_CASE(directory_listing_from_its_viewer) {
  std::string r = shell(world().shellPort, "System.Directory *.Mod");
  // System.Directory writes nothing to the Log: the reply is the listing, one name a line.
  for (const char* name : {"\nSystem.Mod\n", "\nTCPNet.Mod\n", "\nNetShell.Mod\n", "\nORP.Mod\n"})
    BOOST_TEST(r.find(name) != std::string::npos, name << " in " << r);
  BOOST_TEST(r.find(".rsc") == std::string::npos, r);
  BOOST_TEST(r.substr(r.size() < 4 ? 0 : r.size() - 4) == "\n@0\n", r);
  BOOST_TEST(r.find('\r') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(show_modules_and_watch) {
  World& w = world();
  std::string r = shell(w.shellPort, "System.ShowModules");  // a viewer: "name TAB address ..."
  for (const char* name : {"NetShell\t", "TCPNet\t", "Oberon\t", "Kernel\t"})
    BOOST_TEST(r.find(name) != std::string::npos, name << " in " << r);
  BOOST_TEST(r.find("\n@0\n") != std::string::npos, r);
  r = shell(w.shellPort, "System.Watch");  // the Log
  BOOST_TEST(r.find("Modules space (bytes)") != std::string::npos, r);
  BOOST_TEST(r.find("\n@0\n") != std::string::npos, r);
}

namespace {

int viewers(int shellPort) {  // viewers on the guest's display
  std::string r = shell(shellPort, "TCPNetTest.CountViewers");
  size_t at = r.find("TCPNetTest viewers ");
  return at == std::string::npos ? -1 : std::stoi(r.substr(at + 19));
}

long heapAfterCollection(int shellPort) {  // least NetStat heap figure over 2.5 s after System.Collect
  shell(shellPort, "System.Collect");
  long least = -1;
  auto until = Clock::now() + milliseconds(2500);
  do {
    std::string r = shell(shellPort, "NetStat.List");
    size_t h = r.rfind("heap ");
    if (h != std::string::npos) {
      long x = std::stol(r.substr(h + 5));
      if (least < 0 || x < least) least = x;
    }
    std::this_thread::sleep_for(milliseconds(100));  // a window that holds one collector run
  } while (Clock::now() < until);
  return least;
}

}  // namespace

// Viewers a command opens are read and closed: a remote session leaves the display as it was.
BOOST_AUTO_TEST_CASE(viewers_do_not_pile_up) {
  World& w = world();
  int before = viewers(w.shellPort);
  BOOST_REQUIRE(before >= 2);  // System.Log and System.Tool at least
  long heap = heapAfterCollection(w.shellPort);
  BOOST_REQUIRE(heap > 0);
  std::string first = shell(w.shellPort, "System.Directory *.Mod");
  BOOST_TEST(first.find("\nSystem.Mod\n") != std::string::npos, first);
  for (int i = 0; i < 40; ++i) {
    std::string r = shell(w.shellPort, i % 2 ? "System.ShowModules" : "System.Directory *.Mod");
    BOOST_TEST(r.find(i % 2 ? "NetShell\t" : "\nSystem.Mod\n") != std::string::npos, i << ": " << r);
    if (i % 2 == 0) BOOST_TEST(r == first);
  }
  BOOST_TEST(viewers(w.shellPort) == before);
  long after = heapAfterCollection(w.shellPort);
  BOOST_TEST_MESSAGE("heap " << heap << " -> " << after << " bytes after 41 viewer commands");
  BOOST_TEST(after <= heap + 32768);
}

// A command that opens a viewer and then traps: the trap text, the viewer's text, "@trap"; the
// viewer is closed all the same.
BOOST_AUTO_TEST_CASE(trap_after_opening_a_viewer) {
  World& w = world();
  int before = viewers(w.shellPort);
  std::string r = shell(w.shellPort, "TCPNetTest.ViewerTrap");
  size_t trap = r.find("TRAP"), text = r.find("TCPNetTest viewer text\n");
  BOOST_TEST(trap != std::string::npos, r);
  BOOST_TEST(text != std::string::npos, r);
  BOOST_TEST(trap < text, r);  // the Log first, then the viewers
  BOOST_TEST(r.find("\n@trap\n") != std::string::npos, r);
  BOOST_TEST(viewers(w.shellPort) == before);
}

BOOST_AUTO_TEST_CASE(garbage_and_silence) {
  World& w = world();
  // Not Module.Command: an error reply, nothing is called.
  BOOST_TEST(shell(w.shellPort, std::string("\x01\x02 junk \xff", 9)).find("@-1 not a command") != std::string::npos);
  BOOST_TEST(shell(w.shellPort, "A.B.C.D").find("@-1") != std::string::npos);
  // Names longer than Oberon.Call's 32-character buffers are refused before the call.
  BOOST_TEST(shell(w.shellPort, std::string(40, 'M') + ".Cmd").find("@-1") != std::string::npos);
  // A line over 256 bytes without LF: "line too long", then the guest closes.
  BOOST_TEST(shell(w.shellPort, std::string(300, 'x')).find("@-1 line too long") != std::string::npos);
  // A silent client does not hold up others, and is closed after the shell's timeout (3 s).
  auto t0 = Clock::now();
  Socket silent = Socket::connect(w.shellPort, t0 + milliseconds(5000));
  BOOST_REQUIRE(silent.valid());
  BOOST_TEST(shell(w.shellPort, "NetStat.List").find("@0") != std::string::npos);
  std::string last = silent.recv(1 << 16, t0 + milliseconds(8000));
  BOOST_TEST(last.find("@-1 timeout") != std::string::npos, last);
  BOOST_TEST(silent.eof(Clock::now() + milliseconds(3000)));
  BOOST_TEST((Clock::now() - t0 >= milliseconds(2900)));
}

BOOST_AUTO_TEST_CASE(bad_input_gives_result_codes) {
  // Expected codes from docs/oberon-net.md: badParam -11, badName -5, badPort -6, inUse -12.
  std::string r = shell(world().shellPort, "TCPNetTest.BadInput");
  for (const char* want : {"nilin=-11 ", "nilout=-11 ", "nilconn=-11 ", "nilhandler=-11 ", "name64=-5 ",
                           "empty=-5 ", "port0=-6 ", "port65536=-6 ", "portneg=-6 ", "listen70000=-6 ",
                           "space=-5 ", "nilfiles=2 ", "listen=0 ", "samefile=-12 ", "reopen=-12 ", "open=0 "})
    BOOST_TEST(r.find(want) != std::string::npos, want << " in " << r);
  BOOST_TEST(r.find("TRAP") == std::string::npos, r);
  BOOST_TEST(r.find("\n@0\n") != std::string::npos, r);
}

BOOST_AUTO_TEST_CASE(listen_on_port_zero) {
  World& w = world();
  BOOST_TEST(shell(w.shellPort, "TCPNetTest.Port0").find("TCPNetTest port0 listen 0") != std::string::npos);
  std::string log = waitLog(w.shellPort, "TCPNetTest port0 bound ", milliseconds(10000));
  auto at = log.find("TCPNetTest port0 bound ");
  BOOST_REQUIRE(at != std::string::npos);
  int port = std::stoi(log.substr(at + 23));
  BOOST_TEST(port > 0);
  BOOST_TEST(port < 65536);
  auto deadline = Clock::now() + milliseconds(10000);
  Socket s = Socket::connect(port, deadline);
  BOOST_REQUIRE(s.valid());
  BOOST_TEST(s.sendAll("port zero works", deadline));
  s.shutdownSend();
  BOOST_TEST(s.recv(100, deadline) == "port zero works");
}

BOOST_AUTO_TEST_CASE(trapping_command_and_handler) {
  World& w = world();
  // A command that traps: the reply holds System.Trap's text and ends with "@trap"; the shell
  // keeps working (its command task is installed again).
  std::string r = shell(w.shellPort, "TCPNetTest.TrapNow");
  BOOST_TEST(r.find("TRAP") != std::string::npos, r);
  BOOST_TEST(r.find("@trap\n") != std::string::npos, r);
  BOOST_TEST(shell(w.shellPort, "NetStat.List").find("\n@0\n") != std::string::npos);
  // A handler that traps: TCPNet resets that connection, logs it, and goes on serving others.
  int port = freePort();
  BOOST_TEST(shell(w.shellPort, "TCPNetTest.TrapListen " + std::to_string(port)).find("trap listen 0") !=
             std::string::npos);
  auto deadline = Clock::now() + milliseconds(10000);
  Socket s = Socket::connect(port, deadline);
  BOOST_REQUIRE(s.valid());
  BOOST_REQUIRE(s.sendAll("boom", deadline));
  BOOST_TEST(s.eof(deadline));  // reset by TCPNet after the trap
  BOOST_TEST(waitLog(w.shellPort, "TCPNet: handler trapped, connection ", milliseconds(10000)) != "");
  Socket e = Socket::connect(w.echoPort, deadline);
  BOOST_REQUIRE(e.sendAll("still alive", deadline));
  BOOST_TEST(e.recv(11, deadline) == "still alive");
}

BOOST_AUTO_TEST_SUITE_END()

// Commands read their arguments with Texts.Scanner (NetUtil.OpenArgs); addresses and URLs, which
// Texts.Scan would split, as one word (NetUtil.Word), quoted or not.
BOOST_AUTO_TEST_SUITE(command_arguments)

BOOST_AUTO_TEST_CASE(words_names_and_usage) {
  World& w = world();
  int closed = freePort();
  std::string tag = "NetProbe 127.0.0.1:" + std::to_string(closed);
  BOOST_TEST(shell(w.shellPort, "NetProbe.Connect \"127.0.0.1\" " + std::to_string(closed) + " ~").find(tag + " opened") !=
             std::string::npos);
  BOOST_TEST(waitLog(w.shellPort, tag + " {error wconn}", milliseconds(10000)) != "");
  BOOST_TEST(shell(w.shellPort, "NetProbe.Connect 127.0.0.1").find("NetProbe.Connect host port [File] [tls]\n@0") !=
             std::string::npos);
  std::string url = "http://127.0.0.1:" + std::to_string(closed) + "/x";
  BOOST_TEST(shell(w.shellPort, "NetGet.Fetch " + url + " 9x").find("NetGet.Fetch url File") != std::string::npos);
  BOOST_TEST(shell(w.shellPort, "NetGet.Fetch " + url + " a-b").find("NetGet: not a file name") != std::string::npos);
}

// "^": the arguments are read from the most recent selection, as System's commands do. A script
// types "PORT 2" into a new text viewer (Edit.Open puts it at the top of the empty user track:
// line 0 at rows 19..31, text from column 20, as System.Log's in docs/scripting.md), selects it
// with a right-drag and runs "NetEcho.Start ^". The port is written nowhere else, so an echo on it
// and the Log line "NetEcho: port PORT, 2 slots" (on the serial line by HostLog) show that the
// selection was read.
BOOST_AUTO_TEST_CASE(arguments_from_the_selection) {
  namespace fs = std::filesystem;
  const int port = freePort();
  const std::string base = workDir() + "/selection", ready = base + ".ready.png";
  fs::copy_file(preparedImage(), base + ".dsk", fs::copy_options::overwrite_existing);
  writeFile(base + ".script", "wait-idle 30\n"
                              "run \"HostLog.Start\"\n"
                              "run \"Edit.Open Sel.Text\"\n"
                              "click left 18 25\n"
                              "type \"" + std::to_string(port) + " 2\"\n"
                              "press right 18 25\n"
                              "move 400 25\n"
                              "release right 400 25\n"
                              "run \"NetEcho.Start ^\"\n"
                              "screenshot " + ready + "\n"
                              "wait 3600\n");
  Process emu({env("OBERON_BUILD_DIR") + "/emulator/oberon-emu", "--script", base + ".script", "--timeout", "600",
               "--serial-out", base + ".log", base + ".dsk"},
              "", base + ".out", base + ".err");
  auto deadline = Clock::now() + milliseconds(120000);
  while (!fs::exists(ready)) {
    BOOST_REQUIRE_MESSAGE(emu.wait(milliseconds(0)) < 0, "oberon-emu stopped: " + readFile(base + ".err"));
    BOOST_REQUIRE_MESSAGE(Clock::now() < deadline, "the script did not finish within 120 s");
    std::this_thread::sleep_for(milliseconds(20));  // polling for the marker file
  }
  deadline = Clock::now() + milliseconds(20000);
  Socket s = Socket::connect(port, deadline);
  BOOST_REQUIRE(s.valid());
  BOOST_REQUIRE(s.sendAll("selected", deadline));
  BOOST_TEST(s.recv(8, deadline) == "selected");
  const std::string line = "NetEcho: port " + std::to_string(port) + ", 2 slots";
  std::string log = readFile(base + ".log");
  while (log.find(line) == std::string::npos && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));  // polling the serial copy of the Log
    log = readFile(base + ".log");
  }
  BOOST_TEST(log.find(line) != std::string::npos, log);
}

BOOST_AUTO_TEST_SUITE_END()
