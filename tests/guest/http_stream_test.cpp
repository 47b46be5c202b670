// Bodies that stream to disk: uploads to the guest's HTTP server (PUT, NetHttpd.Start ... put) and
// downloads by the guest's HTTP client (NetGet) that are refused, cut, chunked or redirected. A
// file counts as registered if the guest's HTTP server serves it (GET 200), as not registered if
// it answers 404.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include "guest.h"

using namespace guest;

BOOST_AUTO_TEST_SUITE(http_stream)

namespace {
// A guest of its own with uploads on (the world's server has them off), and a shell to read its Log.
struct Uploads {
  int httpPort, shellPort;
  std::unique_ptr<Guest> guest;
};

Uploads& uploads() {
  static std::unique_ptr<Uploads> u;
  if (u) return *u;
  auto x = std::make_unique<Uploads>(Uploads{freePort(), freePort(), nullptr});
  // The shell starts last: the script types each command into System.Log.
  x->guest = std::make_unique<Guest>(std::vector<std::string>{
      "NetHttpd.Start " + std::to_string(x->httpPort) + " 4 10 put",
      "NetShell.Start " + std::to_string(x->shellPort)});
  auto deadline = Clock::now() + milliseconds(60000);
  while (shell(x->shellPort, "NetStat.List", milliseconds(1000)).find("@0") == std::string::npos) {
    if (Clock::now() >= deadline || !x->guest->running())
      throw std::runtime_error("the upload guest's shell did not answer within 60 s");
  }
  u = std::move(x);
  return *u;
}

std::string url(int port, const std::string& path) { return "http://127.0.0.1:" + std::to_string(port) + path; }

// HTTP status of a GET from the guest's server; the body goes to *body if given.
std::string getStatus(int port, const std::string& path, std::string* body = nullptr) {
  std::string out = workDir() + "/stream-get.out";
  RunResult r = run({"curl", "-s", "--max-time", "20", "-o", out, "-w", "%{http_code}", url(port, path)},
                    milliseconds(25000));
  if (body) *body = readFile(out);
  return r.out;
}

// The request header the guest sent on `peer` (up to the empty line), "" at the deadline.
std::string readHeader(Socket& peer, Clock::time_point deadline) { return peer.readUntil("\r\n\r\n", deadline); }
}  // namespace

BOOST_AUTO_TEST_CASE(put_one_mib_round_trip) {
  Uploads& u = uploads();
  std::string data = randomBytes(1 << 20, 21), in = workDir() + "/put.in";
  writeFile(in, data);
  RunResult put = run({"curl", "-s", "--max-time", "30", "-T", in, "-o", "/dev/null", "-w", "%{http_code}",
                       url(u.httpPort, "/Upload.Bin")}, milliseconds(35000));
  BOOST_TEST(put.status == 0);
  BOOST_TEST(put.out == "201");
  std::string back;
  BOOST_TEST(getStatus(u.httpPort, "/Upload.Bin", &back) == "200");
  BOOST_TEST(back.size() == data.size());
  BOOST_TEST((back == data));
  // The same name again: replaced, 200.
  std::string other = randomBytes(5000, 22);
  writeFile(in, other);
  RunResult again = run({"curl", "-s", "--max-time", "30", "-T", in, "-o", "/dev/null", "-w", "%{http_code}",
                         url(u.httpPort, "/Upload.Bin")}, milliseconds(35000));
  BOOST_TEST(again.out == "200");
  BOOST_TEST(getStatus(u.httpPort, "/Upload.Bin", &back) == "200");
  BOOST_TEST((back == other));
  BOOST_TEST(waitLog(u.shellPort, "NetHttpd: PUT Upload.Bin, 5000 bytes stored (replaced)", milliseconds(10000)) != "");
}

BOOST_AUTO_TEST_CASE(cut_upload_leaves_no_file) {
  Uploads& u = uploads();
  auto deadline = Clock::now() + milliseconds(20000);
  Socket s = Socket::connect(u.httpPort, deadline);
  BOOST_REQUIRE(s.valid());
  // Expect: 100-continue: the reply "100 Continue" shows that the guest has parsed the header and
  // now writes the body to the new file.
  BOOST_REQUIRE(s.sendAll("PUT /Cut.Bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n",
                          deadline));
  std::string cont = s.recvSome(deadline);
  BOOST_TEST(cont.find("HTTP/1.1 100 Continue\r\n") == 0, cont);
  BOOST_REQUIRE(s.sendAll(randomBytes(1000, 23), deadline));
  s.reset();
  std::string log = waitLog(u.shellPort, "NetHttpd: PUT Cut.Bin cut at ", milliseconds(20000));
  BOOST_TEST(log.find(" of 100000 bytes (connection lost), not stored") != std::string::npos, log);
  BOOST_TEST(getStatus(u.httpPort, "/Cut.Bin") == "404");
}

BOOST_AUTO_TEST_CASE(bad_uploads_are_refused) {
  Uploads& u = uploads();
  auto deadline = Clock::now() + milliseconds(20000);
  struct Case {
    std::string request, status;
  } cases[] = {
      // One byte over the largest Oberon file: 413 at once, no body needed.
      {"PUT /Big.Bin HTTP/1.1\r\nContent-Length: 3210913\r\n\r\n", "HTTP/1.1 413 "},
      {"PUT /NoLength.Bin HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 411 "},
      {"PUT /Chunked.Bin HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 411 "},
      {"PUT /1Digit.Bin HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 400 "},
      {"PUT /Abcdefghijabcdefghijabcdefghij12 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 400 "},
  };
  for (const Case& c : cases) {
    Socket s = Socket::connect(u.httpPort, deadline);
    BOOST_REQUIRE(s.valid());
    BOOST_REQUIRE(s.sendAll(c.request, deadline));
    std::string reply = s.recv(1 << 16, deadline);  // until the guest closes
    BOOST_TEST(reply.find(c.status) == 0, c.request << " -> " << reply);
  }
  BOOST_TEST(getStatus(u.httpPort, "/Big.Bin") == "404");
  BOOST_TEST(getStatus(u.httpPort, "/NoLength.Bin") == "404");
}

BOOST_AUTO_TEST_CASE(uploads_off_by_default) {
  World& w = world();  // NetHttpd.Start PORT 4 2: no "put"
  std::string in = workDir() + "/off.in";
  writeFile(in, "not stored\n");
  std::string body = workDir() + "/off.out";
  RunResult r = run({"curl", "-s", "--max-time", "20", "-T", in, "-o", body, "-w", "%{http_code}",
                     url(w.httpPort, "/Off.Txt")}, milliseconds(25000));
  BOOST_TEST(r.out == "405");
  BOOST_TEST(readFile(body).find("uploads are off") != std::string::npos, readFile(body));
  BOOST_TEST(getStatus(w.httpPort, "/Off.Txt") == "404");
}

BOOST_AUTO_TEST_CASE(netget_refuses_content_length_over_max_file) {
  World& w = world();
  int port = 0;
  Socket server = Socket::listen(port);
  std::string u = url(port, "/big");
  BOOST_TEST(shell(w.shellPort, "NetGet.Fetch " + u + " TooBig.Bin").find("@0") != std::string::npos);
  auto deadline = Clock::now() + milliseconds(20000);
  Socket peer = server.accept(deadline);
  BOOST_REQUIRE(peer.valid());
  BOOST_TEST(readHeader(peer, deadline).find("GET /big HTTP/1.1\r\n") == 0);
  peer.sendAll("HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n" + std::string(10000, 'x'), deadline);
  std::string log = waitLog(w.shellPort, "NetGet " + u + ": ", milliseconds(20000));
  BOOST_TEST(log.find("NetGet " + u + ": Content-Length over 3210912 bytes, the largest Oberon file, no file written") !=
                 std::string::npos, log);
  BOOST_TEST(peer.eof(deadline));  // the guest gave up at once
  BOOST_TEST(getStatus(w.httpPort, "/TooBig.Bin") == "404");
}

BOOST_AUTO_TEST_CASE(netget_reset_body_registers_nothing) {
  World& w = world();
  int port = 0;
  Socket server = Socket::listen(port);
  std::string u = url(port, "/cut");
  BOOST_TEST(shell(w.shellPort, "NetGet.Fetch " + u + " CutGet.Bin").find("@0") != std::string::npos);
  auto deadline = Clock::now() + milliseconds(20000);
  Socket peer = server.accept(deadline);
  BOOST_REQUIRE(peer.valid());
  readHeader(peer, deadline);
  BOOST_REQUIRE(peer.sendAll("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + randomBytes(10000, 24), deadline));
  std::this_thread::sleep_for(milliseconds(200));  // let the guest take the bytes before the reset
  peer.reset();
  std::string log = waitLog(w.shellPort, "NetGet " + u + ": ", milliseconds(20000));
  auto at = log.find("NetGet " + u + ": error, connection lost");
  BOOST_REQUIRE_MESSAGE(at != std::string::npos, log);
  std::string line = log.substr(at, log.find('\n', at) - at);
  BOOST_TEST(line.find("no file written") != std::string::npos, line);
  BOOST_TEST(getStatus(w.httpPort, "/CutGet.Bin") == "404");
}

BOOST_AUTO_TEST_CASE(netget_follows_a_redirect_and_reads_chunks) {
  World& w = world();
  int port = 0;
  Socket server = Socket::listen(port);
  std::string u = url(port, "/first");
  BOOST_TEST(shell(w.shellPort, "NetGet.Fetch " + u + " Moved.Bin").find("@0") != std::string::npos);
  auto deadline = Clock::now() + milliseconds(20000);
  {
    Socket first = server.accept(deadline);
    BOOST_REQUIRE(first.valid());
    BOOST_TEST(readHeader(first, deadline).find("GET /first HTTP/1.1\r\n") == 0);
    BOOST_REQUIRE(first.sendAll("HTTP/1.1 302 Found\r\nLocation: /second\r\nContent-Length: 0\r\n\r\n", deadline));
    first.shutdownSend();
  }
  // The second request, on a new connection, gets a chunked body.
  Socket second = server.accept(deadline);
  BOOST_REQUIRE(second.valid());
  BOOST_TEST(readHeader(second, deadline).find("GET /second HTTP/1.1\r\n") == 0);
  std::string data = randomBytes(50000, 25), reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const size_t sizes[] = {1, 4095, 20000, 7, 25897};  // 50000 in all
  size_t at = 0;
  char hex[16];
  for (size_t n : sizes) {
    std::snprintf(hex, sizeof hex, "%zx\r\n", n);
    reply += hex + data.substr(at, n) + "\r\n";
    at += n;
  }
  BOOST_REQUIRE_EQUAL(at, data.size());
  reply += "0\r\n\r\n";
  BOOST_REQUIRE(second.sendAll(reply, deadline));
  second.shutdownSend();
  std::string log = waitLog(w.shellPort, "NetGet " + u + ": 200", milliseconds(20000));
  BOOST_TEST(log.find("NetGet " + u + ": 302 -> /second\n") != std::string::npos, log);
  BOOST_TEST(log.find("NetGet " + u + ": 200, 50000 bytes -> Moved.Bin") != std::string::npos, log);
  std::string back;
  BOOST_TEST(getStatus(w.httpPort, "/Moved.Bin", &back) == "200");
  BOOST_TEST((back == data));
}

BOOST_AUTO_TEST_SUITE_END()
