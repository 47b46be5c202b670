// Wakes the machine thread from its idle sleep. notify() may be called from any thread (the
// network thread calls it when a TCPNet slot needs service); it is the only cross-thread signal
// into the machine besides the TCPNet inbox. Implemented with an eventfd so that the headless
// runner can wait on it together with the serial input with poll(2).
#pragma once

#include <atomic>
#include <chrono>

namespace risc5 {

class Waker {
 public:
  Waker();
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  void notify();  // thread-safe, never blocks
  int fd() const { return fd_; }
  // Sleeps until notify() or `timeout`; also wakes when extraFd (>= 0) becomes readable.
  // Returns true if woken by an event rather than the timeout.
  bool wait(std::chrono::microseconds timeout, int extraFd = -1);
  // Clears a pending notification without sleeping.
  void drain();

 private:
  int fd_ = -1;
};

}  // namespace risc5
