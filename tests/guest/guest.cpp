#include "guest.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace guest {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    throw std::runtime_error(std::string(name) + " is not set" +
                             (std::string(name) == "OBERON_IMAGE" ? " (export it: the stock Oberon disk image)"
                                                                  : " (ctest sets it)"));
  return v;
}

// ---------------------------------------------------------------- processes

Process::Process(const std::vector<std::string>& argv, const std::string& in, const std::string& out,
                 const std::string& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.empty() ? "/dev/null" : out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.empty() ? "/dev/null" : err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

Process::~Process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

int Process::wait(milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (pid_ > 0) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return status_;
}

void Process::terminate() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (wait(milliseconds(5000)) < 0) {
    ::kill(pid_, SIGKILL);
    wait(milliseconds(5000));
  }
}

RunResult run(const std::vector<std::string>& argv, milliseconds limit, const std::string& in) {
  static int counter = 0;
  std::string base = workDir() + "/run" + std::to_string(++counter);
  std::string inPath;
  if (!in.empty()) writeFile(inPath = base + ".in", in);
  Process p(argv, inPath, base + ".out", base + ".err");
  int st = p.wait(limit);
  return {st, readFile(base + ".out")};
}

std::string readFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

std::string randomBytes(size_t n, unsigned seed) {
  std::mt19937 g(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(g() & 0xFF);
  return s;
}

// ---------------------------------------------------------------- sockets

namespace {
sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int remainingMs(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}
}  // namespace

int freePort() {
  int port = 0;
  Socket s = Socket::listen(port);
  return port;
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

Socket Socket::connect(int port, Clock::time_point deadline) {
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return Socket(fd);
    }
    ::close(fd);
    if (Clock::now() >= deadline) return Socket(-1);
    std::this_thread::sleep_for(milliseconds(20));  // the listening socket is not there yet
  }
}

Socket Socket::listen(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(port);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error(std::string("cannot listen on loopback: ") + std::strerror(errno));
  }
  port = ntohs(a.sin_port);
  return Socket(fd);
}

Socket Socket::accept(Clock::time_point deadline) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, remainingMs(deadline)) != 1) return Socket(-1);
  return Socket(::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC));
}

bool Socket::sendAll(const std::string& bytes, Clock::time_point deadline) {
  size_t off = 0;
  while (off < bytes.size()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remainingMs(deadline)) != 1) return false;
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) off += static_cast<size_t>(n);
    else if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
  }
  return true;
}

std::string Socket::recv(size_t n, Clock::time_point deadline) {
  std::string out;
  char buf[65536];
  while (out.size() < n) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remainingMs(deadline)) != 1) break;
    ssize_t k = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), MSG_DONTWAIT);
    if (k > 0) out.append(buf, static_cast<size_t>(k));
    else if (k == 0 || (errno != EAGAIN && errno != EINTR)) break;
  }
  return out;
}

std::string Socket::recvSome(Clock::time_point deadline) {
  char buf[65536];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remainingMs(deadline)) != 1) return "";
    ssize_t k = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (k > 0) return std::string(buf, static_cast<size_t>(k));
    if (k == 0 || (errno != EAGAIN && errno != EINTR)) return "";
  }
}

// Reads and drops until the stream ends: 0 at a clean end (FIN), the errno of an error (a reset),
// -1 if the deadline came first.
int Socket::drain(Clock::time_point deadline) {
  char buf[4096];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remainingMs(deadline)) != 1) return -1;
    ssize_t k = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (k == 0) return 0;
    if (k < 0 && errno != EAGAIN && errno != EINTR) return errno;
  }
}

bool Socket::eof(Clock::time_point deadline) { return drain(deadline) >= 0; }  // a reset ends it too

bool Socket::endsWithReset(Clock::time_point deadline) { return drain(deadline) == ECONNRESET; }

void Socket::shutdownSend() { ::shutdown(fd_, SHUT_WR); }

void Socket::reset() {
  linger l{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd_);
  fd_ = -1;
}

// ---------------------------------------------------------------- the guest

std::string workDir() {
  static struct Dir {
    std::string path;
    Dir() {
      char tmpl[] = "/tmp/oberon-guest-tests.XXXXXX";
      if (!::mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary folder");
      path = tmpl;
    }
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } dir;
  return dir.path;
}

const std::string& preparedImage() {
  static const std::string image = [] {
    std::string src = env("OBERON_SOURCE_DIR"), build = env("OBERON_BUILD_DIR");
    env("OBERON_IMAGE");  // prepare copies it; fail here with a clear message if it is unset
    std::string out = workDir() + "/prepared.dsk";
    std::vector<std::string> argv = {src + "/disk-images/prepare", "--out", out, "--timeout", "60"};
    for (const char* m : {"TCPDev", "TCPNet", "NetUtil", "NetEcho", "NetShell", "NetHttpd", "NetGet", "NetStat", "NetProbe"})
      argv.push_back(src + "/oberon/" + m + ".Mod");
    argv.push_back(src + "/tests/guest/TCPNetTest.Mod");
    RunResult r = run(argv, milliseconds(180000));
    if (r.status != 0) throw std::runtime_error("disk-images/prepare failed:\n" + r.out);
    // A module with a syntax error, for the compiler test through the shell.
    writeFile(workDir() + "/Bad.Mod", "MODULE Bad;\n  VAR x: INTEGER;\nBEGIN x := 1 +; END Bad.\n");
    RunResult a = run({build + "/tools/oberon-disk/oberon-disk", "add", out, workDir() + "/Bad.Mod", "Bad.Mod", "--text"},
                      milliseconds(20000));
    if (a.status != 0) throw std::runtime_error("oberon-disk add failed: " + a.out);
    return out;
  }();
  return image;
}

Guest::Guest(const std::vector<std::string>& commands, const std::vector<std::string>& options) {
  static int counter = 0;
  std::string base = workDir() + "/guest" + std::to_string(++counter);
  image_ = base + ".dsk";
  fs::copy_file(preparedImage(), image_, fs::copy_options::overwrite_existing);
  std::string script = "wait-idle 30\n";
  for (auto& c : commands) script += "run \"" + c + "\" 20\n";
  // The screenshot marks the end of the runs: each run ends by deleting its command line from the
  // Log and then waits until Oberon has been idle for a moment, at most 10 s. Host traffic that
  // keeps the guest busy longer than that (a test filling the disk) makes the script, and with it
  // the emulator, fail; so the host starts only once the marker is there.
  const std::string ready = base + ".ready.png";
  script += "screenshot " + ready + "\n";
  script += "wait 3600\n";
  writeFile(base + ".script", script);
  std::vector<std::string> argv = {env("OBERON_BUILD_DIR") + "/emulator/oberon-emu", "--headless", "--script",
                                   base + ".script", "--timeout", "900"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(image_);
  emu_ = std::make_unique<Process>(argv, "", base + ".out", base + ".err");
  auto deadline = Clock::now() + milliseconds(120000);
  while (!fs::exists(ready)) {
    if (!running()) throw std::runtime_error("oberon-emu stopped during its boot script: " + readFile(base + ".err"));
    if (Clock::now() >= deadline) throw std::runtime_error("the guest's boot script did not finish within 120 s");
    std::this_thread::sleep_for(milliseconds(20));  // polling for the marker file
  }
}

Guest::~Guest() { emu_->terminate(); }

bool Guest::running() { return emu_->wait(milliseconds(0)) < 0; }

std::string shell(int port, const std::string& line, milliseconds limit) {
  auto deadline = Clock::now() + limit;
  Socket s = Socket::connect(port, deadline);
  if (!s.valid() || !s.sendAll(line + "\n", deadline)) return "";
  s.shutdownSend();
  return s.recv(1 << 20, deadline);
}

std::string waitLog(int shellPort, const std::string& text, milliseconds limit) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    std::string log = shell(shellPort, "#log 0", milliseconds(5000));
    if (log.find(text) != std::string::npos) return log;
    if (Clock::now() >= deadline) return "";
    std::this_thread::sleep_for(milliseconds(50));  // polling the guest's Log
  }
}

World& world() {
  static std::unique_ptr<World> w;
  static std::string failure;
  if (w) return *w;
  if (!failure.empty()) throw std::runtime_error(failure);  // do not boot again for every test
  try {
    auto x = std::make_unique<World>(World{freePort(), freePort(), freePort(), nullptr, workDir() + "/world.tcpnet"});
    // The shell starts last: the script types each command into System.Log, so nothing may
    // write to the Log before the script is done (Guest returns only then).
    x->guest = std::make_unique<Guest>(std::vector<std::string>{
        "NetEcho.Start " + std::to_string(x->echoPort) + " 4",
        "NetHttpd.Start " + std::to_string(x->httpPort) + " 4 2",
        "NetShell.Start " + std::to_string(x->shellPort) + " 3"},
        std::vector<std::string>{"--monitor", x->monitor});
    auto deadline = Clock::now() + milliseconds(60000);
    while (shell(x->shellPort, "NetStat.List", milliseconds(1000)).find("@0") == std::string::npos) {
      if (Clock::now() >= deadline || !x->guest->running())
        throw std::runtime_error("the guest's shell did not answer within 60 s");
    }
    w = std::move(x);
  } catch (const std::exception& e) {
    failure = e.what();
    throw;
  }
  return *w;
}

}  // namespace guest
