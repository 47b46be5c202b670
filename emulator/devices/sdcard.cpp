#include "sdcard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "emulator/disk/disk_image.h"
#include "emulator/disk/file_io.h"
#include "emulator/disk/image_lock.h"

namespace risc5 {

namespace {
constexpr uint8_t kR1Ready = 0x00, kR1Idle = 0x01, kR1IllegalCommand = 0x04, kR1AddressError = 0x20,
                  kR1ParameterError = 0x40;
constexpr uint8_t kDataToken = 0xFE, kDataAccepted = 0x05;

// A block read; what lies beyond the end of the image (or cannot be read) reads as zeros.
bool readZeroFilled(int fd, uint64_t offset, uint8_t* out, size_t n) {
  int64_t got = oberondisk::readAt(fd, out, n, offset);
  size_t done = got < 0 ? 0 : static_cast<size_t>(got);
  std::memset(out + done, 0, n - done);
  return true;
}
}  // namespace

SdCard::~SdCard() { close(); }

std::string SdCard::open(const std::string& path, bool snapshot) {
  close();
  // The disk tool's lock and layout rule (emulator/disk): exclusive while we may write, shared
  // in snapshot mode; a FIFO or an image being replaced is refused, never waited for.
  oberondisk::LockedImageFile file;
  uint64_t size = 0;
  try {
    using oberondisk::LockMode;
    file = oberondisk::LockedImageFile::open(path, snapshot ? O_RDONLY : O_RDWR,
                                             snapshot ? LockMode::shared : LockMode::exclusive);
    struct stat st {};
    if (::fstat(file.fd(), &st) != 0) return "cannot stat disk image " + path + ": " + std::strerror(errno);
    size = static_cast<uint64_t>(st.st_size);
    if (oberondisk::probeLayout(file.fd(), size, path) == oberondisk::Layout::filesystemOnly) {
      blockOffset_ = kFsOffsetBlocks + 2;  // image byte 0 = Oberon sector 1
      if (size < 3 * 1024)
        return path + ": image is truncated (" + std::to_string(size) + " bytes: no room for the boot file)";
    } else {
      blockOffset_ = 0;
    }
  } catch (const oberondisk::DiskError& e) {
    // Said with the image's name once: most messages name it already, the lock's does not.
    const std::string what = e.what();
    return what.find(path) != std::string::npos ? what : path + ": " + what;
  }
  int fd = file.release();
  fd_ = fd;
  snapshot_ = snapshot;
  imageBytes_ = size;
  // The card's capacity: a whole-card image is the card; a filesystem-only image may grow as far
  // as Oberon's sector map reaches (Kernel.Mod: 64 Ki sectors of 1 KiB; image byte 0 is sector 1).
  uint64_t capacity = blockOffset_ == 0 ? size : std::max<uint64_t>(size, kFilesystemBytes);
  capacityBlocks_ = blockOffset_ + static_cast<uint32_t>(std::min<uint64_t>(capacity / kBlockBytes, UINT32_MAX - blockOffset_));
  reset();
  return {};
}

void SdCard::flush() {
  if (fd_ >= 0 && !snapshot_) ::fsync(fd_);
}

void SdCard::close() {
  if (fd_ >= 0) {
    flush();
    ::close(fd_);  // also releases the flock
    fd_ = -1;
  }
  overlay_.clear();
}

void SdCard::reset() {
  state_ = State::idle;
  cmdLen_ = 0;
  response_.clear();
  responsePos_ = 0;
  appCommand_ = false;
}

bool SdCard::readBlock(uint32_t block, uint8_t* out) {
  if (block >= capacityBlocks_) return false;  // beyond the card: address error, like a real card
  if (auto it = overlay_.find(block); it != overlay_.end()) {
    std::memcpy(out, it->second.data(), kBlockBytes);
    return true;
  }
  if (fd_ < 0 || block < blockOffset_) {
    std::memset(out, 0, kBlockBytes);
    return fd_ >= 0;
  }
  return readZeroFilled(fd_, uint64_t{block - blockOffset_} * kBlockBytes, out, kBlockBytes);
}

bool SdCard::writeBlock(uint32_t block, const uint8_t* in) {
  // Never past the card: neither the file nor the snapshot overlay grows without bound.
  if (fd_ < 0 || block < blockOffset_ || block >= capacityBlocks_) return false;
  if (snapshot_) {
    overlay_[block].assign(in, in + kBlockBytes);
    return true;
  }
  uint64_t offset = uint64_t{block - blockOffset_} * kBlockBytes;
  if (!oberondisk::writeAt(fd_, in, kBlockBytes, offset)) return false;
  if (offset + kBlockBytes > imageBytes_) imageBytes_ = offset + kBlockBytes;
  return true;
}

void SdCard::startCommand() {
  const uint8_t index = cmd_[0] & 0x3F;
  const uint32_t arg = (uint32_t{cmd_[1]} << 24) | (uint32_t{cmd_[2]} << 16) |
                       (uint32_t{cmd_[3]} << 8) | cmd_[4];
  const bool app = appCommand_;
  appCommand_ = false;
  response_.assign(1, 0xFF);  // N_CR: one byte before the response
  responsePos_ = 0;
  auto r1 = [&](uint8_t bits) { response_.push_back(static_cast<uint8_t>(bits | (idle_ ? kR1Idle : 0))); };
  switch (index) {
    case 0: idle_ = true; r1(0); break;                        // GO_IDLE_STATE
    case 8: r1(0); response_.insert(response_.end(), {0x00, 0x00, 0x01, static_cast<uint8_t>(arg)}); break;
    case 55: r1(0); appCommand_ = true; break;                 // APP_CMD
    case 41:
      if (app) { idle_ = false; r1(0); } else r1(kR1IllegalCommand);
      break;
    case 16: r1(arg == kBlockBytes ? 0 : kR1ParameterError); break;  // SET_BLOCKLEN
    case 58: r1(0); response_.insert(response_.end(), {0xC0, 0xFF, 0x80, 0x00}); break;  // OCR: SDHC
    case 17: {                                                 // READ_SINGLE_BLOCK
      if (arg >= capacityBlocks_) { r1(kR1AddressError); break; }
      r1(0);
      uint8_t data[kBlockBytes];
      readBlock(arg, data);
      response_.push_back(0xFF);
      response_.push_back(kDataToken);
      response_.insert(response_.end(), data, data + kBlockBytes);
      response_.insert(response_.end(), {0xFF, 0xFF});         // CRC (not checked by Oberon)
      break;
    }
    case 24:                                                   // WRITE_BLOCK
      if (arg >= capacityBlocks_) { r1(kR1AddressError); break; }
      r1(0);
      writeBlockNo_ = arg;
      state_ = State::writeWaitToken;
      return;
    default: r1(kR1IllegalCommand); break;
  }
  state_ = State::idle;
}

uint8_t SdCard::exchange(uint8_t mosi) {
  uint8_t miso = 0xFF;
  if (responsePos_ < response_.size()) {
    miso = response_[responsePos_++];
    if (responsePos_ == response_.size()) {
      response_.clear();
      responsePos_ = 0;
    }
  }
  switch (state_) {
    case State::idle:
      if (cmdLen_ == 0 && (mosi & 0xC0) != 0x40) break;  // filler while idle
      cmd_[cmdLen_++] = mosi;
      if (cmdLen_ == 6) {
        cmdLen_ = 0;
        startCommand();
      }
      break;
    case State::writeWaitToken:
      if (mosi == kDataToken) {
        state_ = State::writeData;
        dataPos_ = 0;
      }
      break;
    case State::writeData:
      block_[dataPos_++] = mosi;
      if (dataPos_ == static_cast<int>(kBlockBytes) + 2) {  // data and two CRC bytes
        bool ok = writeBlock(writeBlockNo_, block_);
        response_.assign(1, ok ? kDataAccepted : 0x0D);  // 0x0D: write error
        responsePos_ = 0;
        state_ = State::idle;
      }
      break;
    default: state_ = State::idle; break;
  }
  return miso;
}

void SdCard::deselect() {
  cmdLen_ = 0;
  // A pending response is dropped when the card is deselected, but a write in progress stays.
  if (state_ == State::idle) {
    response_.clear();
    responsePos_ = 0;
  }
}

void Spi::writeControl(uint32_t value) {
  control_ = value;
  if ((value & 3) != 1) card_.deselect();
}

void Spi::writeData(uint32_t value) {
  if ((control_ & 3) != 1) {
    rx_ = (control_ & 4) ? 0xFFFFFFFFu : 0xFFu;  // nothing selected: the bus idles high
    return;
  }
  if (control_ & 4) {
    // Fast mode: 32 bits per transfer; the board's word order puts the first byte in bits 0-7,
    // so disk blocks land in RAM as little-endian words.
    uint32_t in = 0;
    for (int i = 0; i < 4; ++i) in |= uint32_t{card_.exchange(static_cast<uint8_t>(value >> (8 * i)))} << (8 * i);
    rx_ = in;
  } else {
    rx_ = card_.exchange(static_cast<uint8_t>(value));
  }
}

}  // namespace risc5
