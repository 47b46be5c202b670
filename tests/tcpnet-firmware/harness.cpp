#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

namespace fwtest {

namespace {
// Safety net only: every test kills its emulator when it is done.
const std::string kEmulatorTimeout = "60";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (build the firmware_tcpnet_* targets)");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

std::string emulatorPath() { return buildDir() + "/emulator/oberon-emu"; }

std::string firmwarePath(const std::string& name) { return buildDir() + "/firmware/tcpnet/" + name; }

std::unique_ptr<Subprocess> startEmulator(const std::string& firmware) {
  return std::make_unique<Subprocess>(std::vector<std::string>{
      emulatorPath(), "--boot-from-serial", "--serial-in", firmware, "--serial-out", "-",
      "--headless", "--timeout", kEmulatorTimeout});
}

std::string assembleEchoServerForPort(int port) {
  const char* src = std::getenv("OBERON_SOURCE_DIR");
  if (src == nullptr) throw std::runtime_error("OBERON_SOURCE_DIR is not set (run through ctest)");
  std::string text = readFile(std::string(src) + "/firmware/tcpnet/echo_server.s");
  const std::string line = ".equ PORT,    0";
  size_t at = text.find(line);
  if (at == std::string::npos) throw std::runtime_error("echo_server.s has no '" + line + "' line");
  text.replace(at, line.size(), ".equ PORT, " + std::to_string(port));
  char dir[] = "/tmp/tcpnet-fw-XXXXXX";
  if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
  std::string source = std::string(dir) + "/echo.s", serial = std::string(dir) + "/echo.serial";
  std::ofstream(source, std::ios::binary) << text;
  RunResult r = run({buildDir() + "/tools/asm/risc5-as", source, "-o", serial, "--format=serial"}, "",
                    std::chrono::seconds(10));
  std::remove(source.c_str());
  if (r.status != 0) throw std::runtime_error("risc5-as failed on the echo server variant");
  return serial;
}

EchoServer::EchoServer(const std::string& firmware) {
  emu_ = startEmulator(firmware);
  auto line = emu_->readLine(Clock::now() + std::chrono::seconds(10));
  if (!line) throw std::runtime_error("echo server printed no port line within 10 s");
  port_ = line->empty() || !std::isdigit(static_cast<unsigned char>((*line)[0])) ? 0 : std::stoi(*line);
  if (port_ < 1 || port_ > 65535) throw std::runtime_error("echo server printed a bad port: " + *line);
}

std::unique_ptr<Subprocess> startClient(const std::string& portLine) {
  auto client = std::make_unique<Subprocess>(std::vector<std::string>{
      emulatorPath(), "--boot-from-serial", "--serial-in", "-", "--serial-out", "-", "--headless",
      "--timeout", kEmulatorTimeout});
  std::string input = readFile(firmwarePath("client.serial")) + portLine;
  if (!client->write(input, Clock::now() + std::chrono::seconds(5)))
    throw std::runtime_error("cannot feed the client's serial input");
  return client;
}

std::string clientTranscript(Subprocess& client, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  std::string text;
  while (auto line = client.readLine(deadline)) {
    text += *line + "\n";
    if (*line == "CLOSED" || line->rfind("ERROR", 0) == 0) return text;
  }
  return text;
}

Socket::Socket(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

void Socket::send(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("send failed");
    done += static_cast<size_t>(n);
  }
}

std::string Socket::receive(size_t n, Clock::time_point deadline) {
  std::string got;
  while (got.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[65536];
    ssize_t k = ::recv(fd_, buf, std::min(sizeof buf, n - got.size()), 0);
    if (k <= 0) break;
    got.append(buf, static_cast<size_t>(k));
  }
  return got;
}

bool Socket::waitEof(Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
    if (k == 0) return true;
    if (k < 0 && errno != EINTR) return false;
  }
}

void Socket::shutdownSend() { ::shutdown(fd_, SHUT_WR); }

void Socket::reset() {
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd_);
  fd_ = -1;
}

std::string randomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen() & 0xFF);
  return s;
}

}  // namespace fwtest
