// RS232 at -56 (data) and -52 (status: bit 0 rx ready, bit 1 tx ready). The host side is a pair
// of file descriptors (stdin/stdout, files or FIFOs) used non-blocking, so the machine thread
// never waits on them; tests can also feed bytes and capture output in memory.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

namespace risc5 {

class Serial {
 public:
  ~Serial();

  // -1 = not connected. The descriptors are set non-blocking; owned (closed) only if `own`.
  void setInput(int fd, bool own);
  void setOutput(int fd, bool own);
  // The input descriptor to wait on while idle: -1 if none, at end of input, or a regular file
  // (always readable, so there is nothing to wait for).
  int waitFd() const;

  // Bytes for the guest to receive (tests, scripts), queued before the input descriptor's.
  void feed(const std::string& bytes);
  // Called with every byte the guest sends (in addition to the output descriptor).
  std::function<void(uint8_t)> onTransmit;

  uint32_t readStatus();   // polls the input descriptor when nothing is buffered
  uint32_t readData();     // consumes one byte (0 if none)
  void writeData(uint32_t value);
  // Bit 0 selects the board's bit rate; bytes move at host speed here, so it has no effect.
  void writeControl(uint32_t) {}
  void reset() { pending_.clear(); }
  bool inputEnded() const { return inEof_ && pending_.empty(); }
  void flushOutput();

 private:
  void pollInput();

  std::deque<uint8_t> pending_;
  std::string outBuffer_;
  int inFd_ = -1, outFd_ = -1;
  bool ownIn_ = false, ownOut_ = false, inEof_ = false, inPollable_ = false;
};

}  // namespace risc5
