#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
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

EchoServer::EchoServer() {
  emu_ = std::make_unique<Subprocess>(std::vector<std::string>{
      emulatorPath(), "--boot-from-serial", "--serial-in", firmwarePath("echo_server.serial"),
      "--serial-out", "-", "--headless", "--timeout", kEmulatorTimeout});
  auto line = emu_->readLine(Clock::now() + std::chrono::seconds(10));
  if (!line) throw std::runtime_error("echo server printed no port line within 10 s");
  port_ = std::stoi(*line);
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
