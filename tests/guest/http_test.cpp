// The guest's HTTP server against curl, the guest's HTTP client against python3's http.server,
// and garbage or silence sent to the server.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <thread>

#include "guest.h"

using namespace guest;

BOOST_AUTO_TEST_SUITE(http)

namespace {
std::string url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(world().httpPort) + path; }

std::string extract(const std::string& name) {  // the file as stored on the prepared image
  std::string out = workDir() + "/extract-" + name;
  RunResult r = run({env("OBERON_BUILD_DIR") + "/tools/oberon-disk/oberon-disk", "extract", preparedImage(), name, out},
                    milliseconds(20000));
  BOOST_REQUIRE_EQUAL(r.status, 0);
  return readFile(out);
}
}  // namespace

BOOST_AUTO_TEST_CASE(curl_fetches_files_byte_exact) {
  for (const char* name : {"System.Tool", "ORP.rsc", "Oberon10.Scn.Fnt"}) {
    std::string out = workDir() + "/curl-" + name;
    RunResult r = run({"curl", "-s", "-f", "--max-time", "20", "-o", out, "-w", "%{http_code} %{content_type}", url(std::string("/") + name)},
                      milliseconds(25000));
    BOOST_TEST(r.status == 0, name);
    BOOST_TEST(r.out.substr(0, 3) == "200", name);
    std::string want = extract(name);
    BOOST_TEST(!want.empty());
    BOOST_TEST((readFile(out) == want), name);
  }
  RunResult h = run({"curl", "-s", "-D", "-", "-o", "/dev/null", url("/System.Tool")}, milliseconds(25000));
  BOOST_TEST(h.out.find("HTTP/1.1 200 OK\r\n") == 0, h.out);
  BOOST_TEST(h.out.find("\r\nContent-Length: " + std::to_string(extract("System.Tool").size()) + "\r\n") != std::string::npos, h.out);
  BOOST_TEST(h.out.find("\r\nConnection: close\r\n") != std::string::npos, h.out);
  RunResult missing = run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url("/NoSuch.File")}, milliseconds(25000));
  BOOST_TEST(missing.out == "404");
}

BOOST_AUTO_TEST_CASE(guest_client_fetches_from_python_http_server) {
  World& w = world();
  std::string dir = workDir() + "/www";
  std::filesystem::create_directories(dir);
  std::string data = randomBytes(300000, 3);
  writeFile(dir + "/data.bin", data);
  std::string log = workDir() + "/python.out";
  Process py({"python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir}, "", log);
  // "Serving HTTP on 127.0.0.1 port N (...)": wait for the line, bounded.
  auto deadline = Clock::now() + milliseconds(15000);
  std::string text;
  while ((text = readFile(log)).find(" port ") == std::string::npos && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  auto at = text.find(" port ");
  BOOST_REQUIRE(at != std::string::npos);
  int port = std::stoi(text.substr(at + 6));
  std::string u = "http://127.0.0.1:" + std::to_string(port) + "/data.bin";
  BOOST_TEST(shell(w.shellPort, "NetGet.Fetch " + u + " Data.bin").find("@0") != std::string::npos);
  std::string done = waitLog(w.shellPort, "NetGet " + u + ": ", milliseconds(30000));
  BOOST_TEST(done.find("NetGet " + u + ": 200, 300000 bytes -> Data.bin") != std::string::npos, done);
  // The registered file, read back from the guest's disk through its HTTP server.
  RunResult r = run({"curl", "-s", "--max-time", "20", url("/Data.bin")}, milliseconds(25000));
  BOOST_TEST((r.out == data));
  // A missing file: status 404 is reported, no file written.
  std::string u404 = "http://127.0.0.1:" + std::to_string(port) + "/missing.bin";
  shell(w.shellPort, "NetGet.Fetch " + u404 + " Missing.bin");
  BOOST_TEST(waitLog(w.shellPort, "NetGet " + u404 + ": status 404, no file written", milliseconds(30000)) != "");
}

BOOST_AUTO_TEST_CASE(garbage_and_silence_do_not_stop_the_server) {
  auto deadline = Clock::now() + milliseconds(20000);
  int port = world().httpPort;
  // Garbage: 400 Bad Request, then the guest closes.
  Socket g = Socket::connect(port, deadline);
  BOOST_REQUIRE(g.valid());
  BOOST_REQUIRE(g.sendAll(std::string("\x16\x03\x01 garbage\r\n\r\n", 16), deadline));
  std::string reply = g.recv(1 << 16, deadline);
  BOOST_TEST(reply.find("HTTP/1.1 400 Bad Request\r\n") == 0, reply);
  // A header without end beyond 8 KiB: 431.
  Socket big = Socket::connect(port, deadline);
  BOOST_REQUIRE(big.sendAll("GET / HTTP/1.1\r\nX: " + std::string(9000, 'a'), deadline));
  BOOST_TEST(big.recv(1 << 16, deadline).find("HTTP/1.1 431 ") == 0);
  // Silence: the others are served meanwhile; the silent one gets 408 after the 2 s timeout.
  auto t0 = Clock::now();
  Socket silent = Socket::connect(port, deadline);
  BOOST_REQUIRE(silent.valid());
  RunResult r = run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url("/System.Tool")}, milliseconds(10000));
  BOOST_TEST(r.out == "200");
  BOOST_TEST((Clock::now() - t0 < milliseconds(1900)));
  std::string late = silent.recv(1 << 16, deadline);
  BOOST_TEST(late.find("HTTP/1.1 408 Request Timeout\r\n") == 0, late);
  BOOST_TEST((Clock::now() - t0 >= milliseconds(1900)));
  RunResult after = run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url("/")}, milliseconds(10000));
  BOOST_TEST(after.out == "200");
}

BOOST_AUTO_TEST_SUITE_END()
