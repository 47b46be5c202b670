// Millisecond counter at -64 (Kernel.Time). Runs from the host's monotonic clock, so guest time
// is right even while the machine thread sleeps through the guest's idle loop.
#pragma once

#include <chrono>
#include <cstdint>

namespace risc5 {

class Timer {
 public:
  Timer() { reset(); }
  void reset() { start_ = std::chrono::steady_clock::now(); }
  uint32_t millis() const {
    auto d = std::chrono::steady_clock::now() - start_;
    return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  }
  // When the next millisecond starts, for the idle sleep.
  std::chrono::steady_clock::time_point nextTick() const {
    return start_ + std::chrono::milliseconds(millis() + 1);
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace risc5
