// Wakes the machine thread from its idle sleep. The TCPNet inbox calls notify() from the network
// thread when a slot needs service; the machine implements it (machine/waker.h: an eventfd).
#pragma once

namespace risc5 {

class WakeSignal {
 public:
  virtual void notify() = 0;  // any thread; never blocks

 protected:
  ~WakeSignal() = default;  // not owned through this interface
};

}  // namespace risc5
