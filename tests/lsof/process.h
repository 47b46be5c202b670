// Test helpers: temporary directories, child processes with deadlines (the real oberon-emu,
// tcpnet-lsof, socat), free loopback ports, and a wait for a port to listen. Every wait has a
// bound; polling with short sleeps is used only where no event can be awaited (a child's exit,
// a file appearing, a kernel table).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace lsof::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::string buildDir() {
  const char* d = std::getenv("OBERON_BUILD_DIR");
  return d ? d : "";
}
inline std::string emulatorPath() { return buildDir() + "/emulator/oberon-emu"; }
inline std::string toolPath() { return buildDir() + "/tools/tcpnet-lsof/tcpnet-lsof"; }
inline std::string guestPath() { return buildDir() + "/tests/lsof/guest.serial"; }
inline bool haveBinaries() {
  return !buildDir().empty() && ::access(emulatorPath().c_str(), X_OK) == 0 &&
         ::access(toolPath().c_str(), X_OK) == 0 && ::access(guestPath().c_str(), R_OK) == 0;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Polls `done` every 10 ms until it is true or `limit` passes.
inline bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/lsof-test-XXXXXX";
    path = ::mkdtemp(t);
  }
  ~TempDir() {
    ::chmod(path.c_str(), 0700);
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A child process in its own process group; the group is killed (SIGKILL) and the child reaped
// in the destructor.
class Child {
 public:
  // env: extra "NAME=value" entries ("NAME=" alone removes NAME); stdout/stderr go to files
  // outPath/errPath ("" = /dev/null); beforeExec runs in the child, under the child's own pid, just
  // before exec (a test uses it to prepare files named after that pid).
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
        const std::string& outPath = "", const std::string& errPath = "",
        const std::vector<std::string>& prefix = {}, const std::function<void()>& beforeExec = {}) {
    std::vector<std::string> all = prefix;
    all.insert(all.end(), argv.begin(), argv.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);  // its own group: the destructor also ends what it started (socat's shell)
      for (const auto& e : env) {
        if (e.back() == '=') ::unsetenv(e.substr(0, e.size() - 1).c_str());
        else ::putenv(const_cast<char*>(e.c_str()));
      }
      int out = ::open(outPath.empty() ? "/dev/null" : outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(errPath.empty() ? "/dev/null" : errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      std::vector<char*> args;
      for (auto& a : all) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      if (beforeExec) beforeExec();
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) ::kill(-pid_, SIGKILL);
    if (running()) ::waitpid(pid_, nullptr, 0);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0 || exited_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      status_ = st;
    }
    return !exited_;
  }
  // Exit code (128 + signal if killed), or -1 if it did not end within limit.
  int wait(std::chrono::milliseconds limit) {
    if (!waitFor([this] { return !running(); }, limit)) return -1;
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
  }
  void signal(int sig) {
    if (running()) ::kill(pid_, sig);
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

struct Run {
  int code = -1;
  std::string out, err;
};

// Runs tcpnet-lsof with args (and env), bounded by 10 s.
inline Run runTool(const std::vector<std::string>& args, const std::vector<std::string>& env,
                   const std::string& scratchDir, const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> argv = {toolPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out = scratchDir + "/tool.out", err = scratchDir + "/tool.err";
  Run r;
  {
    Child c(argv, env, out, err, prefix);
    r.code = c.wait(10s);
  }
  r.out = readFile(out);
  r.err = readFile(err);
  return r;
}

// A loopback port that was free a moment ago (bound with port 0, then closed).
inline unsigned freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// True once /proc/net/tcp shows a socket in LISTEN (0A) on 127.0.0.1:port.
inline bool listening(unsigned port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  char want[32];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  while (std::getline(in, line))
    if (line.find(want) != std::string::npos && line.find(" 0A ") != std::string::npos) return true;
  return false;
}

}  // namespace lsof::test
