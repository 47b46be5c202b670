// TLS in the guest (TCPNet.OpenTLS, ListenTLS, TlsInfo): NetGet fetches https from a Python ssl
// server, NetHttpd serves HTTPS to curl, redirects between http and https are followed, and a
// server whose certificate the host does not trust is refused with that reason. The certificates
// are a throwaway CA and a server certificate for localhost and 127.0.0.1 (tests/support/pki), in
// the test's temporary folder; everything stays on loopback.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <thread>

#include "guest.h"
#include "tests/support/pki.h"

using namespace guest;

namespace {

// The CA and the server's certificate and key (PEM), made once.
struct Pki {
  std::string ca, cert, key;
};

const Pki& pki() {
  static std::unique_ptr<Pki> p;
  if (p) return *p;
  std::string dir = workDir() + "/pki";
  std::filesystem::create_directories(dir);
  support::TestPki ca(dir, "oberon-tls-test");
  support::CertFiles server = ca.leaf("server", {"localhost"}, {"127.0.0.1"});
  p = std::make_unique<Pki>(Pki{ca.caFile(), server.cert, server.key});
  return *p;
}

// http.server on 127.0.0.1, port 0, serving a folder; with a certificate and key over TLS. GET
// /go/LOCATION answers 302 with that Location; /clean and /cut send 5000 bytes without
// Content-Length, so the end of the stream ends the body: /clean ends with TLS close_notify, /cut
// with a bare TCP FIN (a cut stream). The port is the first line it prints.
const char* kServer = R"(import functools, http.server, socket, ssl, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/go/"):
            self.send_response(302)
            self.send_header("Location", self.path[4:])
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path in ("/clean", "/cut"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"x" * 5000)
            if self.path == "/cut":
                self.request.shutdown(socket.SHUT_RDWR)  # FIN without close_notify
        else:
            super().do_GET()

    def log_message(self, *args):
        pass

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def shutdown_request(self, request):
        if isinstance(request, ssl.SSLSocket):  # close_notify: the end of the stream is not a cut
            try:
                request.settimeout(3)
                request.unwrap()
            except (OSError, ValueError):
                pass
        super().shutdown_request(request)

srv = Server(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
)";

class PyServer {
 public:
  PyServer(const std::string& dir, bool tls) {
    static int counter = 0;
    std::string base = workDir() + "/pyserver" + std::to_string(++counter);
    writeFile(base + ".py", kServer);
    std::vector<std::string> argv = {"python3", "-u", base + ".py", dir};
    if (tls) {
      argv.push_back(pki().cert);
      argv.push_back(pki().key);
    }
    proc_ = std::make_unique<Process>(argv, "", base + ".out", base + ".err");
    auto deadline = Clock::now() + milliseconds(15000);
    std::string text;
    while ((text = readFile(base + ".out")).find('\n') == std::string::npos && Clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(20));  // polling for the port line
    if (text.find('\n') == std::string::npos)
      throw std::runtime_error("the python server did not start: " + readFile(base + ".err"));
    port = std::stoi(text);
  }
  int port = 0;

 private:
  std::unique_ptr<Process> proc_;
};

// The folder the Python servers serve, with Data.bin.
const std::string& www() {
  static const std::string dir = [] {
    std::string d = workDir() + "/tls-www";
    std::filesystem::create_directories(d);
    writeFile(d + "/Data.bin", randomBytes(300000, 14));
    return d;
  }();
  return dir;
}

PyServer& httpsServer() {
  static PyServer s(www(), true);
  return s;
}

PyServer& httpServer() {
  static PyServer s(www(), false);
  return s;
}

// A guest that trusts the CA (--tls-ca) and serves HTTPS with the server certificate, and a shell.
struct Trusting {
  int shellPort, httpsPort;
  std::unique_ptr<Guest> guest;
};

void waitShell(int port, Guest& g) {
  auto deadline = Clock::now() + milliseconds(60000);
  while (shell(port, "NetStat.List", milliseconds(1000)).find("@0") == std::string::npos) {
    if (Clock::now() >= deadline || !g.running()) throw std::runtime_error("the guest's shell did not answer within 60 s");
  }
}

Trusting& trusting() {
  static std::unique_ptr<Trusting> t;
  if (t) return *t;
  auto x = std::make_unique<Trusting>(Trusting{freePort(), freePort(), nullptr});
  // The shell starts last: the script types each command into System.Log.
  x->guest = std::make_unique<Guest>(
      std::vector<std::string>{"NetHttpd.Start " + std::to_string(x->httpsPort) + " 4 10 tls",
                               "NetShell.Start " + std::to_string(x->shellPort)},
      std::vector<std::string>{"--tls-ca", pki().ca, "--tls-cert", pki().cert, "--tls-key", pki().key});
  waitShell(x->shellPort, *x->guest);
  t = std::move(x);
  return *t;
}

// GET over https from the trusting guest's NetHttpd with curl trusting the CA: the body, or "" and
// the status in *status.
std::string curlHttps(const std::string& path, std::string* status = nullptr) {
  std::string out = workDir() + "/tls-curl.out";
  std::filesystem::remove(out);
  RunResult r = run({"curl", "-s", "--max-time", "20", "--cacert", pki().ca, "-o", out, "-w", "%{http_code}",
                     "https://localhost:" + std::to_string(trusting().httpsPort) + path},
                    milliseconds(25000));
  if (status) *status = r.out;
  return readFile(out);
}

std::string extract(const std::string& name) {  // the file as stored on the prepared image
  std::string out = workDir() + "/tls-extract-" + name;
  RunResult r = run({env("OBERON_BUILD_DIR") + "/tools/oberon-disk/oberon-disk", "extract", preparedImage(), name, out},
                    milliseconds(20000));
  BOOST_REQUIRE_EQUAL(r.status, 0);
  return readFile(out);
}

// NetGet.Fetch url file in the trusting guest; the Log once its line for url is there.
std::string fetch(int shellPort, const std::string& url, const std::string& file) {
  BOOST_TEST(shell(shellPort, "NetGet.Fetch " + url + " " + file).find("@0") != std::string::npos);
  return waitLog(shellPort, "NetGet " + url + ": 200,", milliseconds(60000));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(net_get_fetches_https_byte_exact) {
  Trusting& t = trusting();
  std::string u = "https://localhost:" + std::to_string(httpsServer().port) + "/Data.bin";
  std::string log = fetch(t.shellPort, u, "Data.bin");
  BOOST_TEST(log.find("NetGet " + u + ": 200, 300000 bytes -> Data.bin\n") != std::string::npos, log);
  // The registered file, read back over HTTPS from the guest's own server.
  std::string status;
  BOOST_TEST((curlHttps("/Data.bin", &status) == readFile(www() + "/Data.bin")));
  BOOST_TEST(status == "200");
}

BOOST_AUTO_TEST_CASE(net_httpd_serves_https_to_curl) {
  Trusting& t = trusting();
  std::string status;
  std::string body = curlHttps("/System.Tool", &status);
  BOOST_TEST(status == "200");
  std::string want = extract("System.Tool");
  BOOST_TEST(!want.empty());
  BOOST_TEST((body == want));
  BOOST_TEST(waitLog(t.shellPort, "NetHttpd: port " + std::to_string(t.httpsPort) + ", TLS\n", milliseconds(5000)) !=
             "");
  // curl without the CA refuses the guest's certificate (exit 60), and plain http on the TLS port
  // gets no HTTP reply.
  RunResult r = run({"curl", "-s", "--max-time", "10", "-o", "/dev/null",
                     "https://localhost:" + std::to_string(t.httpsPort) + "/System.Tool"},
                    milliseconds(15000));
  BOOST_TEST(r.status == 60);
  RunResult plain = run({"curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                         "http://127.0.0.1:" + std::to_string(t.httpsPort) + "/System.Tool"},
                        milliseconds(15000));
  BOOST_TEST(plain.out != "200");
  // NetProbe logs the TLS version and cipher of its connection to the server.
  std::string probe = "NetProbe localhost:" + std::to_string(t.httpsPort) + " {hostc";
  BOOST_TEST(shell(t.shellPort, "NetProbe.Connect localhost " + std::to_string(t.httpsPort) + " tls") ==
             "NetProbe localhost:" + std::to_string(t.httpsPort) + " opened (TLS)\n@0\n");
  std::string log = waitLog(t.shellPort, probe, milliseconds(20000));
  auto at = log.find(probe);
  BOOST_REQUIRE(at != std::string::npos);
  std::string line = log.substr(at, log.find('\n', at) - at);
  BOOST_TEST(line.find(" tls TLSv1.") != std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(redirects_between_http_and_https) {
  Trusting& t = trusting();
  std::string https = "https://localhost:" + std::to_string(httpsServer().port);
  std::string http = "http://127.0.0.1:" + std::to_string(httpServer().port);
  std::string data = readFile(www() + "/Data.bin");
  struct Hop {
    std::string url, location, file;
  } hops[] = {
      {https + "/go/" + http + "/Data.bin", http + "/Data.bin", "ToHttp.bin"},
      {http + "/go/" + https + "/Data.bin", https + "/Data.bin", "ToHttps.bin"},
      {https + "/go//Data.bin", "/Data.bin", "SameHttps.bin"},  // same server, same scheme
  };
  for (const Hop& h : hops) {
    std::string log = fetch(t.shellPort, h.url, h.file);
    BOOST_TEST(log.find("NetGet " + h.url + ": 302 -> " + h.location + "\n") != std::string::npos, log);
    BOOST_TEST(log.find("NetGet " + h.url + ": 200, 300000 bytes -> " + h.file + "\n") != std::string::npos, log);
    BOOST_TEST((curlHttps("/" + h.file) == data), h.file);
  }
}

// A body that the end of the stream ends is complete only if TLS ended it (close_notify); a bare
// TCP FIN may be an attacker's cut: reason protocol, and no file.
BOOST_AUTO_TEST_CASE(cut_stream_is_not_a_clean_end) {
  Trusting& t = trusting();
  std::string base = "https://localhost:" + std::to_string(httpsServer().port);
  std::string log = fetch(t.shellPort, base + "/clean", "Clean.bin");
  BOOST_TEST(log.find("NetGet " + base + "/clean: 200, 5000 bytes -> Clean.bin\n") != std::string::npos, log);
  BOOST_TEST(shell(t.shellPort, "NetGet.Fetch " + base + "/cut Cut.bin").find("@0") != std::string::npos);
  log = waitLog(t.shellPort, "NetGet " + base + "/cut: ", milliseconds(30000));
  BOOST_TEST(log.find("NetGet " + base + "/cut: error, TLS protocol error, after 5000 bytes, no file written\n") !=
                 std::string::npos,
             log);
  std::string status;
  curlHttps("/Cut.bin", &status);
  BOOST_TEST(status == "404");
}

// OpenTLS, ListenTLS and TlsInfo with bad input give TCPNet's codes (docs/oberon-net.md: badName
// -5, badPort -6, badParam -11), and a port is either plain or TLS: ListenTLS on the shell's plain
// port and Listen on NetHttpd's TLS port give badPort.
BOOST_AUTO_TEST_CASE(bad_input_and_mixed_ports) {
  Trusting& t = trusting();
  std::string r = shell(t.shellPort, "TCPNetTest.Tls " + std::to_string(t.shellPort) + " " + std::to_string(t.httpsPort));
  for (const char* want : {"tlsempty=-5 ", "tlsspace=-5 ", "tlsport0=-6 ", "tlsnilconn=-11 ", "tlslisten70000=-6 ",
                           "infonil=1 ", "infonotopen=1 ", "tlsonplain=-6 ", "plainontls=-6 ", "listen=0 ",
                           "infoplain=1 "})
    BOOST_TEST(r.find(want) != std::string::npos, want << " in " << r);
  BOOST_TEST(r.find("TRAP") == std::string::npos, r);
  BOOST_TEST(r.find("\n@0\n") != std::string::npos, r);
}

// A guest without --tls-ca and without a certificate of its own.
BOOST_AUTO_TEST_CASE(untrusted_certificate_is_refused) {
  int sh = freePort(), http = freePort();
  Guest g({"NetShell.Start " + std::to_string(sh)});
  waitShell(sh, g);
  std::string u = "https://localhost:" + std::to_string(httpsServer().port) + "/Data.bin";
  BOOST_TEST(shell(sh, "NetGet.Fetch " + u + " Untrusted.bin").find("@0") != std::string::npos);
  std::string log = waitLog(sh, "NetGet " + u + ": ", milliseconds(30000));
  BOOST_TEST(log.find("NetGet " + u + ": error, certificate not trusted, no file written\n") != std::string::npos, log);
  // NetProbe names the reason too.
  std::string probe = "NetProbe localhost:" + std::to_string(httpsServer().port);
  BOOST_TEST(shell(sh, "NetProbe.Connect localhost " + std::to_string(httpsServer().port) + " tls") ==
             probe + " opened (TLS)\n@0\n");
  log = waitLog(sh, probe + " closed", milliseconds(30000));
  BOOST_TEST(log.find(" reason certificate not trusted\n") != std::string::npos, log);
  // No certificate of its own: NetHttpd cannot serve TLS, says so, and starts plain afterwards.
  BOOST_TEST(shell(sh, "NetHttpd.Start " + std::to_string(http) + " 4 10 tls") ==
             "NetHttpd: no TLS certificate on the host (oberon-emu --tls-cert, --tls-key)\n@0\n");
  BOOST_TEST(shell(sh, "NetHttpd.Start " + std::to_string(http) + " 4") == "@0\n");
  BOOST_TEST(waitLog(sh, "NetHttpd: port " + std::to_string(http) + "\n", milliseconds(10000)) != "");
  // No file was written.
  RunResult r = run({"curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}",
                     "http://127.0.0.1:" + std::to_string(http) + "/Untrusted.bin"},
                    milliseconds(15000));
  BOOST_TEST(r.out == "404");
}

BOOST_AUTO_TEST_SUITE_END()
