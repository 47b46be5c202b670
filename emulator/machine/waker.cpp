#include "waker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>

namespace risc5 {

Waker::Waker() {
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("eventfd failed");
}

Waker::~Waker() {
  if (fd_ >= 0) ::close(fd_);
}

void Waker::notify() {
  uint64_t one = 1;
  // A full counter (EAGAIN) means a wake-up is already pending: nothing to do.
  [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
  if (Hook hook = hook_.load(std::memory_order_acquire)) hook(hookArg_.load(std::memory_order_relaxed));
}

void Waker::drain() {
  uint64_t value;
  [[maybe_unused]] ssize_t n = ::read(fd_, &value, sizeof value);
}

bool Waker::wait(std::chrono::microseconds timeout, int extraFd) {
  pollfd fds[2] = {{fd_, POLLIN, 0}, {extraFd, POLLIN, 0}};
  timespec ts{static_cast<time_t>(timeout.count() / 1000000),
              static_cast<long>((timeout.count() % 1000000) * 1000)};
  int n = ::ppoll(fds, extraFd >= 0 ? 2 : 1, &ts, nullptr);
  if (n > 0 && (fds[0].revents & POLLIN)) drain();
  return n > 0;
}

}  // namespace risc5
