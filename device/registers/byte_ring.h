// Fixed-capacity byte FIFO: a slot's receive buffer on the CPU side. Never grows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace tcpnet {

class ByteRing {
 public:
  ByteRing() = default;
  explicit ByteRing(uint32_t capacity) : buffer_(capacity) {}

  uint32_t size() const { return size_; }
  uint32_t capacity() const { return static_cast<uint32_t>(buffer_.size()); }
  void clear() { head_ = size_ = 0; }

  // Appends as many bytes as fit; returns the count appended.
  uint32_t push(std::span<const uint8_t> in) {
    uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(in.size()), capacity() - size_);
    uint32_t tail = (head_ + size_) % std::max<uint32_t>(capacity(), 1);
    uint32_t first = std::min(n, capacity() - tail);
    std::memcpy(buffer_.data() + tail, in.data(), first);
    std::memcpy(buffer_.data(), in.data() + first, n - first);
    size_ += n;
    return n;
  }

  // Removes up to out.size() bytes into out; returns the count.
  uint32_t pop(std::span<uint8_t> out) {
    uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(out.size()), size_);
    uint32_t first = std::min(n, capacity() - head_);
    std::memcpy(out.data(), buffer_.data() + head_, first);
    std::memcpy(out.data() + first, buffer_.data(), n - first);
    head_ = n == 0 ? head_ : (head_ + n) % capacity();
    size_ -= n;
    return n;
  }

 private:
  std::vector<uint8_t> buffer_;
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace tcpnet
