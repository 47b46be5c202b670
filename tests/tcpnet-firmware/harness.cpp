#include "harness.h"

#include <cctype>
#include <stdexcept>

namespace fwtest {

namespace {
// Safety net only: every test kills its emulator when it is done.
const std::string kEmulatorTimeout = "60";

std::unique_ptr<Child> emulatorWithSerial(const std::string& serialIn) {
  return std::make_unique<Child>(
      std::vector<std::string>{support::emulator(), "--boot-from-serial", "--serial-in", serialIn, "--serial-out", "-",
                               "--headless", "--timeout", kEmulatorTimeout},
      support::Options{.in = serialIn == "-" ? support::Stream::pipe() : support::Stream::null(),
                       .out = support::Stream::pipe()});
}
}  // namespace

std::string firmwarePath(const std::string& name) { return support::built("firmware/tcpnet/" + name); }

std::unique_ptr<Child> startEmulator(const std::string& firmware) { return emulatorWithSerial(firmware); }

std::string assembleEchoServerForPort(int port, const support::TempDir& dir) {
  std::string text = support::readFileOrThrow(support::sourceDir() + "/firmware/tcpnet/echo_server.s");
  const std::string line = ".equ PORT,    0";
  size_t at = text.find(line);
  if (at == std::string::npos) throw std::runtime_error("echo_server.s has no '" + line + "' line");
  text.replace(at, line.size(), ".equ PORT, " + std::to_string(port));
  std::string source = dir.write("echo.s", text), serial = dir.file("echo.serial");
  support::Result r = support::run({support::built("tools/asm/risc5-as"), source, "-o", serial, "--format=serial"},
                                   std::chrono::seconds(10));
  if (r.status != 0) throw std::runtime_error("risc5-as failed on the echo server variant: " + r.err);
  return serial;
}

EchoServer::EchoServer(const std::string& firmware) {
  emu_ = startEmulator(firmware);
  auto line = emu_->readLine(Clock::now() + std::chrono::seconds(10));
  if (!line) throw std::runtime_error("echo server printed no port line within 10 s");
  port_ = line->empty() || !std::isdigit(static_cast<unsigned char>((*line)[0])) ? 0 : std::stoi(*line);
  if (port_ < 1 || port_ > 65535) throw std::runtime_error("echo server printed a bad port: " + *line);
}

std::unique_ptr<Child> startClient(const std::string& portLine) {
  auto client = emulatorWithSerial("-");
  std::string input = support::readFileOrThrow(firmwarePath("client.serial")) + portLine;
  if (!client->write(input, Clock::now() + std::chrono::seconds(5)))
    throw std::runtime_error("cannot feed the client's serial input");
  return client;
}

std::string clientTranscript(Child& client, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  std::string text;
  while (auto line = client.readLine(deadline)) {
    text += *line + "\n";
    if (*line == "CLOSED" || line->rfind("ERROR", 0) == 0) return text;
  }
  return text;
}

Socket connect(int port) {
  Socket s = Socket::connect(port, Clock::now() + std::chrono::seconds(5));
  if (!s) throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  return s;
}

}  // namespace fwtest
