#include "inbox.h"


namespace tcpnet {

void Inbox::push(NetEvent event) {
  bool wasPending;
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
    wasPending = pending_.exchange(true, std::memory_order_acq_rel);
  }
  if (!wasPending) waker_.notify();
}

void Inbox::take(std::vector<NetEvent>& out) {
  out.clear();
  std::lock_guard lock(mutex_);
  out.swap(events_);
  pending_.store(false, std::memory_order_release);
}

}  // namespace tcpnet
