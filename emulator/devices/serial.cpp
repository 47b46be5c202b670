#include "serial.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace risc5 {

namespace {
void setNonBlocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}
constexpr size_t kOutputChunk = 4096;
}  // namespace

Serial::~Serial() {
  flushOutput();
  if (ownIn_ && inFd_ >= 0) ::close(inFd_);
  if (ownOut_ && outFd_ >= 0) ::close(outFd_);
}

void Serial::setInput(int fd, bool own) {
  if (ownIn_ && inFd_ >= 0) ::close(inFd_);
  inFd_ = fd;
  ownIn_ = own;
  inEof_ = fd < 0;
  // A regular file is always readable: waiting on it would end every idle sleep at once.
  struct stat st {};
  inPollable_ = fd >= 0 && ::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
  if (fd >= 0) setNonBlocking(fd);
}

void Serial::setOutput(int fd, bool own) {
  flushOutput();
  if (ownOut_ && outFd_ >= 0) ::close(outFd_);
  outFd_ = fd;
  ownOut_ = own;
}

void Serial::feed(const std::string& bytes) { pending_.insert(pending_.end(), bytes.begin(), bytes.end()); }

void Serial::pollInput() {
  if (inFd_ < 0 || inEof_) return;
  uint8_t buf[256];
  ssize_t n = ::read(inFd_, buf, sizeof buf);
  if (n > 0) {
    pending_.insert(pending_.end(), buf, buf + n);
  } else if (n == 0) {
    inEof_ = true;  // end of file or the writer closed the FIFO
  }
  // n < 0: EAGAIN (nothing yet) or an error; try again at the next poll.
}

int Serial::waitFd() const { return (inPollable_ && !inEof_) ? inFd_ : -1; }

uint32_t Serial::readStatus() {
  if (pending_.empty()) pollInput();
  return (pending_.empty() ? 0u : 1u) | 2u;  // tx is always ready: output is buffered
}

uint32_t Serial::readData() {
  if (pending_.empty()) pollInput();
  if (pending_.empty()) return 0;
  uint8_t b = pending_.front();
  pending_.pop_front();
  return b;
}

void Serial::writeData(uint32_t value) {
  uint8_t b = static_cast<uint8_t>(value);
  if (onTransmit) onTransmit(b);
  if (outFd_ < 0) return;
  outBuffer_.push_back(static_cast<char>(b));
  // Batched within a run slice: line ends and full chunks leave here, the rest when Machine::run
  // returns (Machine calls flushOutput), so a byte never waits for a line end.
  if (b == '\n' || b == '\r' || outBuffer_.size() >= kOutputChunk) flushOutput();
}

void Serial::flushOutput() {
  if (outBuffer_.empty()) return;
  size_t off = 0;
  while (outFd_ >= 0 && off < outBuffer_.size()) {
    ssize_t n = ::write(outFd_, outBuffer_.data() + off, outBuffer_.size() - off);
    if (n > 0) {
      off += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // a full pipe or a closed reader: drop rather than block the machine thread
    }
  }
  outBuffer_.clear();
}

}  // namespace risc5
