#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exception.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bp = boost::process;

namespace support {

namespace {

int msLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : left > 1 << 30 ? 1 << 30 : static_cast<int>(left);
}

// The child's end of one stream and, for a pipe, the parent's; both close-on-exec (dup2 in the
// child clears the flag on 0, 1 and 2), so no other child inherits them.
struct End {
  int child = -1, parent = -1;
};

End open(const Stream& s, bool input) {
  End e;
  switch (s.to) {
    case Stream::To::Inherit:
    case Stream::To::Stdout:
      break;
    case Stream::To::Pipe: {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
      e.child = input ? p[0] : p[1];
      e.parent = input ? p[1] : p[0];
      ::fcntl(e.parent, F_SETFL, O_NONBLOCK);
      break;
    }
    case Stream::To::Null:
    case Stream::To::File: {
      const std::string path = s.to == Stream::To::Null || s.path.empty() ? "/dev/null" : s.path;
      e.child = input ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC)
                      : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (e.child < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
      break;
    }
  }
  return e;
}

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// write(2) to a pipe whose reader may be gone: EPIPE, without the SIGPIPE that would end the test
// (blocked for the call; one that came is taken before the old mask returns).
ssize_t writeNoSigpipe(int fd, const char* p, size_t n) {
  sigset_t pipe, old;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, &old);
  ssize_t put = ::write(fd, p, n);
  int saved = errno;
  if (put < 0 && errno == EPIPE) {
    timespec zero{0, 0};
    ::sigtimedwait(&pipe, nullptr, &zero);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return put;
}

}  // namespace

std::string findProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

double cpuSecondsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s{std::istreambuf_iterator<char>(in), {}};
  size_t close = s.rfind(')');
  if (close == std::string::npos || close + 2 > s.size()) return 0;
  std::istringstream fields(s.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {  // fields 14 and 15: utime, stime
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
}

pid_t deadPid() {
  pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  ::waitpid(p, nullptr, 0);
  return p;
}

bool pollUntil(const std::function<bool()>& done, milliseconds limit, milliseconds step) {
  auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

Child::Child(const std::vector<std::string>& argv, Options o) : ownGroup_(o.ownGroup) {
  if (argv.empty()) throw std::runtime_error("no program to start");
  const std::string exe = findProgram(argv[0]);
  if (exe.empty()) throw std::runtime_error("cannot start " + argv[0] + ": not found or not executable");
  if (o.err.to == Stream::To::Stdout && o.out.to == Stream::To::Inherit) o.err = Stream::inherit();
  End in = open(o.in, true), out = open(o.out, false), err = open(o.err, false);
  if (o.err.to == Stream::To::Stdout) err.child = out.child;

  bp::environment env = boost::this_process::environment();
  for (const std::string& e : o.env) {
    if (!e.empty() && e[0] == '-') {
      env.erase(e.substr(1));
    } else if (auto eq = e.find('='); eq != std::string::npos) {
      env[e.substr(0, eq)] = e.substr(eq + 1);
    }
  }
  const int fds[3] = {in.child, out.child, err.child};
  const std::string cwd = o.cwd;
  const bool group = o.ownGroup;
  const std::function<void()>& before = o.beforeExec;
  const std::vector<std::string>& edits = o.env;
  auto setup = [&](auto& exec) {  // in the child, after fork
    if (group) ::setpgid(0, 0);
    ::signal(SIGPIPE, SIG_DFL);
    for (int target = 0; target < 3; ++target)
      if (fds[target] >= 0 && ::dup2(fds[target], target) < 0) {
        exec.set_error(std::error_code(errno, std::system_category()), "dup2");
        return;
      }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      exec.set_error(std::error_code(errno, std::system_category()), "chdir " + cwd);
      return;
    }
    if (before) {
      // The hook sees the child's environment as exec will pass it; it must not return into the
      // test's code by an exception (the child would run on as a copy of the test).
      for (const std::string& e : edits) {
        if (!e.empty() && e[0] == '-') ::unsetenv(e.c_str() + 1);
        else if (auto eq = e.find('='); eq != std::string::npos) ::setenv(e.substr(0, eq).c_str(), e.c_str() + eq + 1, 1);
      }
      try {
        before();
      } catch (...) {
        ::_exit(127);
      }
    }
  };
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  try {
    bp::child c(bp::exe = exe, bp::args = args, env, bp::extend::on_exec_setup = setup);
    pid_ = c.id();
    c.detach();  // waited for and killed here, by pid
  } catch (const std::exception& e) {
    for (End* end : {&in, &out, &err}) closeFd(end->parent);
    for (int fd : {in.child, out.child, err.child == out.child ? -1 : err.child})
      if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot start " + argv[0] + ": " + e.what());
  }
  if (group) ::setpgid(pid_, pid_);  // also here: the group exists before we might signal it
  for (int fd : {in.child, out.child, err.child == out.child ? -1 : err.child})
    if (fd >= 0) ::close(fd);
  in_ = in.parent;
  outFd_ = out.parent;
  errFd_ = err.parent;
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));  // -1 on old kernels: polled then
}

Child::~Child() {
  if (!reaped_) kill();
  closeFd(in_);
  closeFd(outFd_);
  closeFd(errFd_);
  closeFd(pidfd_);
}

bool Child::reap(bool block) {
  if (reaped_) return true;
  if (pid_ <= 0) return false;
  int st = 0;
  rusage ru{};
  pid_t r = ::wait4(pid_, &st, block ? 0 : WNOHANG, &ru);
  if (r != pid_) return false;
  // The child's own CPU time, as the kernel accounted it at its end.
  cpu_ = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  reaped_ = true;
  signaled_ = WIFSIGNALED(st);
  status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  closeFd(pidfd_);
  return true;
}

bool Child::running() { return !reap(false); }

int Child::wait(milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (!reap(false)) {
    if (Clock::now() >= deadline) return -1;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      ::poll(&p, 1, msLeft(deadline));  // readable once the child has ended
    } else {
      std::this_thread::sleep_for(milliseconds(5));  // no pidfd on this kernel: polled
    }
  }
  return status_;
}

void Child::signal(int sig) {
  if (!reaped_ && pid_ > 0) ::kill(pid_, sig);
}

void Child::kill() {
  if (reaped_ || pid_ <= 0) return;
  if (ownGroup_) ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  reap(true);
}

int Child::terminate(milliseconds grace) {
  if (reaped_) return status_;
  signal(SIGTERM);
  if (wait(grace) < 0) kill();
  return status_;
}

double Child::cpuSeconds() const { return reaped_ ? cpu_ : cpuSecondsOf(pid_); }

void Child::closeStdin() { closeFd(in_); }

bool Child::pump(Clock::time_point deadline, const std::string* pending, size_t* written) {
  pollfd fds[3];
  int* owners[3];
  nfds_t n = 0;
  for (int* fd : {&outFd_, &errFd_})
    if (*fd >= 0) {
      owners[n] = fd;
      fds[n++] = {*fd, POLLIN, 0};
    }
  bool writing = pending != nullptr && in_ >= 0 && *written < pending->size();
  if (writing) {
    owners[n] = &in_;
    fds[n++] = {in_, POLLOUT, 0};
  }
  if (n == 0) return false;
  int ready = ::poll(fds, n, msLeft(deadline));
  if (ready < 0 && errno == EINTR) return true;
  if (ready <= 0) return false;
  for (nfds_t i = 0; i < n; ++i) {
    if (!fds[i].revents) continue;
    if (owners[i] == &in_) {
      ssize_t put = writeNoSigpipe(in_, pending->data() + *written, pending->size() - *written);
      if (put > 0) *written += static_cast<size_t>(put);
      else if (errno != EAGAIN && errno != EINTR) closeStdin();  // EPIPE: the child is gone
      continue;
    }
    char buf[65536];
    ssize_t got = ::read(*owners[i], buf, sizeof buf);
    if (got > 0) (owners[i] == &outFd_ ? out_ : err_).append(buf, static_cast<size_t>(got));
    else if (got == 0 || (errno != EAGAIN && errno != EINTR)) closeFd(*owners[i]);
  }
  return true;
}

bool Child::write(const std::string& bytes, Clock::time_point deadline) {
  size_t written = 0;
  while (written < bytes.size())
    if (in_ < 0 || Clock::now() >= deadline || !pump(deadline, &bytes, &written)) return false;
  return true;
}

std::optional<std::string> Child::readLine(Clock::time_point deadline) {
  for (;;) {
    size_t nl = out_.find('\n', consumed_);
    if (nl != std::string::npos) {
      std::string line = out_.substr(consumed_, nl - consumed_);
      consumed_ = nl + 1;
      return line;
    }
    if (outFd_ < 0 || Clock::now() >= deadline || !pump(deadline, nullptr, nullptr)) return std::nullopt;
  }
}

const std::string& Child::readAtLeast(size_t n, Clock::time_point deadline) {
  while (out_.size() < n && outFd_ >= 0 && Clock::now() < deadline && pump(deadline, nullptr, nullptr)) {
  }
  return out_;
}

bool Child::readUntil(const std::string& text, Clock::time_point deadline) {
  while (out_.find(text) == std::string::npos) {
    if (outFd_ < 0 || Clock::now() >= deadline || !pump(deadline, nullptr, nullptr)) return false;
  }
  return true;
}

int Child::finish(Clock::time_point deadline) {
  while ((outFd_ >= 0 || errFd_ >= 0) && Clock::now() < deadline && pump(deadline, nullptr, nullptr)) {
  }
  return wait(milliseconds(msLeft(deadline)));
}

Result run(const std::vector<std::string>& argv, milliseconds limit, Options options, const std::string& input) {
  Result r;
  auto start = Clock::now(), deadline = start + limit;
  if (!input.empty()) options.in = Stream::pipe();
  if (options.out.to == Stream::To::Null) options.out = Stream::pipe();
  if (options.err.to == Stream::To::Null) options.err = Stream::pipe();
  try {
    Child c(argv, std::move(options));
    bool sent = input.empty() || c.write(input, deadline);
    c.closeStdin();
    r.status = c.finish(deadline);
    r.timedOut = !c.exited();
    r.signaled = c.signaled();
    if (!sent) r.status = -1;
    if (r.timedOut) c.kill();
    r.out = c.out();
    r.err = c.err();
  } catch (const std::runtime_error& e) {
    r.err = e.what();  // could not start: status -1
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

}  // namespace support
