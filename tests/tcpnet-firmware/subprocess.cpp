#include "subprocess.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace fwtest {

namespace {
int msLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}
}  // namespace

Subprocess::Subprocess(const std::vector<std::string>& argv) {
  int inPipe[2], outPipe[2];
  if (::pipe2(inPipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (::pipe2(outPipe, O_CLOEXEC) != 0) {
    ::close(inPipe[0]);
    ::close(inPipe[1]);
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(inPipe[0]);
  ::close(outPipe[1]);
  in_ = inPipe[1];
  outFd_ = outPipe[0];
  if (rc != 0) {
    pid_ = -1;
    ::close(in_);
    ::close(outFd_);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  ::fcntl(in_, F_SETFL, O_NONBLOCK);
  ::fcntl(outFd_, F_SETFL, O_NONBLOCK);
}

Subprocess::~Subprocess() {
  if (in_ >= 0) ::close(in_);
  if (outFd_ >= 0) ::close(outFd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void Subprocess::closeStdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

bool Subprocess::pump(Clock::time_point deadline, const std::string* pending, size_t* written) {
  pollfd fds[2];
  nfds_t n = 0;
  if (!eof_) fds[n++] = {outFd_, POLLIN, 0};
  bool writing = pending != nullptr && in_ >= 0 && *written < pending->size();
  if (writing) fds[n++] = {in_, POLLOUT, 0};
  if (n == 0) return true;
  int ready = ::poll(fds, n, msLeft(deadline));
  if (ready < 0 && errno == EINTR) return true;
  if (ready <= 0) return false;
  if (!eof_ && fds[0].revents) {
    char buf[65536];
    ssize_t got = ::read(outFd_, buf, sizeof buf);
    if (got > 0) out_.append(buf, static_cast<size_t>(got));
    else if (got == 0 || (errno != EAGAIN && errno != EINTR)) eof_ = true;
  }
  if (writing && fds[n - 1].revents) {
    ssize_t put = ::write(in_, pending->data() + *written, pending->size() - *written);
    if (put > 0) *written += static_cast<size_t>(put);
    else if (errno != EAGAIN && errno != EINTR) closeStdin();  // EPIPE: the child is gone
  }
  return true;
}

bool Subprocess::write(const std::string& bytes, Clock::time_point deadline) {
  size_t written = 0;
  while (written < bytes.size()) {
    if (in_ < 0 || Clock::now() >= deadline || !pump(deadline, &bytes, &written)) return false;
  }
  return true;
}

std::optional<std::string> Subprocess::readLine(Clock::time_point deadline) {
  for (;;) {
    size_t nl = out_.find('\n', consumed_);
    if (nl != std::string::npos) {
      std::string line = out_.substr(consumed_, nl - consumed_);
      consumed_ = nl + 1;
      return line;
    }
    if (eof_ || Clock::now() >= deadline || !pump(deadline, nullptr, nullptr)) return std::nullopt;
  }
}

const std::string& Subprocess::readAtLeast(size_t n, Clock::time_point deadline) {
  while (out_.size() < n && !eof_ && Clock::now() < deadline && pump(deadline, nullptr, nullptr)) {
  }
  return out_;
}

int Subprocess::finish(Clock::time_point deadline) {
  while (!eof_ && Clock::now() < deadline && pump(deadline, nullptr, nullptr)) {
  }
  while (pid_ > 0) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (Clock::now() >= deadline) return -1;
    ::poll(nullptr, 0, 5);  // the child closed stdout and is exiting: a short bounded wait
  }
  return -1;
}

RunResult run(const std::vector<std::string>& argv, const std::string& input,
              std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  Subprocess p(argv);
  bool sent = p.write(input, deadline);
  p.closeStdin();
  int status = p.finish(deadline);
  return {sent ? status : -1, p.output()};
}

bool haveTool(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + tool;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

int closedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot bind a loopback socket");
  }
  ::close(fd);  // bound but never listening: connecting to it is refused
  return ntohs(a.sin_port);
}

std::string buildDir() {
  const char* dir = std::getenv("OBERON_BUILD_DIR");
  if (dir == nullptr || *dir == 0) throw std::runtime_error("OBERON_BUILD_DIR is not set (run through ctest)");
  return dir;
}

}  // namespace fwtest
