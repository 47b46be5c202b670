// TLS echo benchmark of the TCPNet device (not a test; prints figures): N MiB through a TLS echo,
// sent and received at once by one TLS client (OpenSSL, non-blocking, one thread), MB/s of the
// echoed stream (each byte counted once), and the median time of a full TLS handshake. Measured
// in the same run against two servers with the same throwaway certificate:
//   - the device: oberon-emu running firmware/tcpnet/echo_server.s built with LISTENTLS
//     (echo_server_tls.serial): the host does TLS, the guest moves every plaintext byte;
//   - the host: a TLS echo thread in this process (OpenSSL, blocking, 64 KiB reads), the floor.
//
//   bench_tls [--mib N] [--handshakes N] [--emulator PATH] [--firmware PATH]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "echo_firmware.h"
#include "echo_load.h"
#include "tests/support/files.h"
#include "tests/support/pki.h"

namespace {

using namespace bench;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "bench_tls: %s\n", why.c_str());
  std::exit(1);
}

// ---- The host's TLS echo: one thread, blocking, serves connections one after another.
class HostTlsEcho {
 public:
  HostTlsEcho(const support::CertFiles& cert) : ctx_(SSL_CTX_new(TLS_server_method())) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, cert.cert.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, cert.key.c_str(), SSL_FILETYPE_PEM) != 1)
      die("host echo: cannot load the certificate");
    listen_ = listenLoopback(port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~HostTlsEcho() {
    ::shutdown(listen_, SHUT_RDWR);
    thread_.join();
    ::close(listen_);
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }

 private:
  void serve() {
    std::vector<char> buf(64 * 1024);
    for (;;) {
      int c = acceptClient(listen_);
      if (c < 0) return;
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        for (;;) {
          int n = SSL_read(ssl, buf.data(), static_cast<int>(buf.size()));
          if (n <= 0 || SSL_write(ssl, buf.data(), n) != n) break;
        }
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      ::close(c);
    }
  }
  SSL_CTX* ctx_;
  int listen_ = -1, port_ = 0;
  std::thread thread_;
};

// ---- The client: connect, handshake (verified against the test CA), then send and receive at
// once on one non-blocking socket.
class Client {
 public:
  explicit Client(const std::string& caFile) : ctx_(SSL_CTX_new(TLS_client_method())) {
    if (SSL_CTX_load_verify_locations(ctx_, caFile.c_str(), nullptr) != 1) die("client: cannot load the CA");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }
  ~Client() { SSL_CTX_free(ctx_); }

  // A verified connection to 127.0.0.1:port; blocking until the handshake is done.
  SSL* connect(int port) {
    int fd = connectTo(port);
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "localhost");
    if (SSL_connect(ssl) != 1) die("client: TLS handshake with port " + std::to_string(port) + " failed");
    return ssl;
  }
  static void close(SSL* ssl) {
    int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    ::close(fd);
  }

  Throughput echo(int port, size_t total) {
    constexpr size_t kChunk = 16 * 1024;  // one TLS record
    constexpr size_t kPeriod = 65521;     // prime: a lost or repeated buffer cannot line up
    std::vector<char> pattern(kPeriod + kChunk);
    uint32_t x = 12345;
    for (size_t i = 0; i < pattern.size(); ++i)
      pattern[i] = i < kPeriod ? static_cast<char>((x = x * 1103515245 + 12345) >> 24) : pattern[i - kPeriod];
    SSL* ssl = connect(port);
    int fd = SSL_get_fd(ssl);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    std::vector<char> buf(64 * 1024);
    size_t sent = 0, got = 0;
    bool exact = true, failed = false;
    auto start = Clock::now(), deadline = start + std::chrono::seconds(300);
    while (got < total && !failed && Clock::now() < deadline) {
      bool progress = false;
      if (sent < total) {
        size_t n = std::min(kChunk, total - sent);
        int k = SSL_write(ssl, pattern.data() + sent % kPeriod, static_cast<int>(n));
        if (k > 0) {
          sent += static_cast<size_t>(k);
          progress = true;
        } else if (int e = SSL_get_error(ssl, k); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
          failed = true;
        }
      }
      int k = SSL_read(ssl, buf.data(), static_cast<int>(buf.size()));
      if (k > 0) {
        for (int i = 0; i < k;) {
          size_t at = (got + static_cast<size_t>(i)) % kPeriod;
          size_t run = std::min(static_cast<size_t>(k - i), kPeriod - at);
          if (std::memcmp(buf.data() + i, pattern.data() + at, run) != 0) exact = false;
          i += static_cast<int>(run);
        }
        got += static_cast<size_t>(k);
        progress = true;
      } else if (int e = SSL_get_error(ssl, k); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        failed = true;
      }
      if (!progress) {
        pollfd p{fd, static_cast<short>(POLLIN | (sent < total ? POLLOUT : 0)), 0};
        ::poll(&p, 1, 100);
      }
    }
    Throughput t;
    t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    t.exact = exact && got == total;
    t.mbPerSecond = static_cast<double>(got) / 1e6 / t.seconds;
    close(ssl);
    return t;
  }

  // Median time (ms) of connect + full handshake + close, over n connections.
  double handshakeMs(int port, int n) {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      auto t0 = Clock::now();
      SSL* ssl = connect(port);
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      SSL_shutdown(ssl);
      close(ssl);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  }

 private:
  SSL_CTX* ctx_;
};

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 64;
  int handshakes = 50;
  std::string emulator = EMULATOR, firmware = ECHO_TLS_SERIAL;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool more = i + 1 < argc;
    if (a == "--mib" && more) mib = std::strtoul(argv[++i], nullptr, 10);
    else if (a == "--handshakes" && more) handshakes = std::atoi(argv[++i]);
    else if (a == "--emulator" && more) emulator = argv[++i];
    else if (a == "--firmware" && more) firmware = argv[++i];
    else die("usage: bench_tls [--mib N] [--handshakes N] [--emulator PATH] [--firmware PATH]");
  }
  if (mib == 0 || handshakes < 1) die("--mib and --handshakes must be > 0");
  std::signal(SIGPIPE, SIG_IGN);
  try {
    support::TempDir dir{"bench-tls"};
    support::TestPki ca(dir.str(), "bench");
    support::CertFiles cert = ca.leaf("server", {"localhost"}, {"127.0.0.1"});
    HostTlsEcho host(cert);
    FirmwareEcho emu(emulator, firmware, {"--tls-cert", cert.cert, "--tls-key", cert.key});
    Client client(ca.caFile());
    size_t total = mib << 20;

    double cpu0 = emu.cpuSeconds();
    Throughput te = client.echo(emu.port(), total);
    double emuCpu = emu.cpuSeconds() - cpu0;
    Throughput th = client.echo(host.port(), total);
    std::printf("TLS echo %zu MiB: emulator %.1f MB/s (%.3f s, emulator CPU %.2f s)%s | host TLS echo %.1f MB/s "
                "(%.3f s)%s | emulator/host %.0f%%\n",
                mib, te.mbPerSecond, te.seconds, emuCpu, te.exact ? "" : " [ECHO DIFFERS]", th.mbPerSecond,
                th.seconds, th.exact ? "" : " [ECHO DIFFERS]", 100 * te.mbPerSecond / th.mbPerSecond);
    double he = client.handshakeMs(emu.port(), handshakes), hh = client.handshakeMs(host.port(), handshakes);
    std::printf("TLS handshake (connect, handshake, close), median of %d: emulator %.2f ms | host %.2f ms\n",
                handshakes, he, hh);
    return te.exact && th.exact ? 0 : 1;
  } catch (const std::exception& e) {
    die(e.what());
  }
}
