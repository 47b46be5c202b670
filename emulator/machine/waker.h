// Wakes the machine thread from its idle sleep. notify() may be called from any thread (the
// network thread calls it when a TCPNet slot needs service); it is the only cross-thread signal
// into the machine besides the TCPNet inbox. Implemented with an eventfd so that the headless
// runner can wait on it together with the serial input with poll(2).
#pragma once

#include <atomic>
#include <chrono>

#include "emulator/base/wake.h"

namespace risc5 {

class Waker final : public WakeSignal {
 public:
  Waker();
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  void notify() override;  // thread-safe, never blocks

  // An extra wake-up for a front end that sleeps somewhere else (the SDL window sleeps in SDL's
  // event wait): notify() also calls hook(arg). Set and clear it on the machine thread; the hook
  // must be thread-safe and never block. nullptr removes it.
  using Hook = void (*)(void* arg);
  void setHook(Hook hook, void* arg) {
    hookArg_.store(arg, std::memory_order_relaxed);
    hook_.store(hook, std::memory_order_release);
  }
  int fd() const { return fd_; }
  // Sleeps until notify() or `timeout`; also wakes when extraFd (>= 0) becomes readable.
  // Returns true if woken by an event rather than the timeout.
  bool wait(std::chrono::microseconds timeout, int extraFd = -1);
  // Clears a pending notification without sleeping.
  void drain();

 private:
  int fd_ = -1;
  std::atomic<Hook> hook_{nullptr};
  std::atomic<void*> hookArg_{nullptr};
};

}  // namespace risc5
