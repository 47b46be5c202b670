// SD card in SPI mode, backed by an image file. A byte-level state machine that answers the
// commands Oberon's boot ROM and Kernel use (CMD0, CMD8, CMD55/ACMD41, CMD16, CMD58, CMD17,
// CMD24) like an SDHC card: block addresses, R1 responses, data token FEH, data-response 05H.
//
// Image layouts: a "filesystem-only" image starts with the root directory sector (first word
// 9B1EA38DH) and maps to card blocks from 80002H on; anything else is a whole card.
// Writes go to the file at once (pwrite) unless the card is in snapshot mode, where changed
// blocks live in memory and the file is never modified.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace risc5 {

class SdCard {
 public:
  static constexpr uint32_t kFsOffsetBlocks = 0x80000;  // Oberon's FSoffset
  static constexpr uint32_t kBlockBytes = 512;
  // How far a filesystem-only image may grow: Kernel.Mod's sector map has 64 Ki sectors of 1 KiB
  // and the image starts at sector 1.
  static constexpr uint64_t kFilesystemBytes = 65535ull * 1024;

  ~SdCard();
  // Opens the image; returns an empty string on success, else a one-line reason.
  std::string open(const std::string& path, bool snapshot);
  bool isOpen() const { return fd_ >= 0; }
  bool filesystemOnly() const { return blockOffset_ != 0; }
  void flush();   // fsync the image
  void close();

  // One SPI byte exchange with the card selected.
  uint8_t exchange(uint8_t mosi);
  void deselect();  // chip select released: abort any partial command
  void reset();

  // Block access used by the state machine and tests (card block numbers).
  bool readBlock(uint32_t block, uint8_t* out);
  bool writeBlock(uint32_t block, const uint8_t* in);

 private:
  enum class State { idle, writeWaitToken, writeData };
  void startCommand();

  int fd_ = -1;
  bool snapshot_ = false;
  uint32_t blockOffset_ = 0;   // card block of image byte 0
  uint64_t imageBytes_ = 0;
  uint32_t capacityBlocks_ = 0;  // card blocks below this exist (blockOffset_ + capacity)
  std::map<uint32_t, std::vector<uint8_t>> overlay_;  // snapshot mode: changed blocks

  State state_ = State::idle;
  uint8_t cmd_[6] = {};
  int cmdLen_ = 0;
  std::vector<uint8_t> response_;
  size_t responsePos_ = 0;
  bool appCommand_ = false;
  bool idle_ = true;        // card's in-idle-state bit (until ACMD41)
  uint8_t block_[kBlockBytes + 3] = {};
  int dataPos_ = 0;
  uint32_t writeBlockNo_ = 0;
};

// SPI controller at -48 (data) and -44 (control/status). Control bits 0-1 select the device
// (1 = SD card), bit 2 fast mode (32-bit word transfers, the word's low byte first), bit 3 network enable.
class Spi {
 public:
  explicit Spi(SdCard& card) : card_(card) {}
  uint32_t readData() const { return rx_; }
  uint32_t readStatus() const { return 1; }  // always ready: transfers complete at once
  void writeData(uint32_t value);
  void writeControl(uint32_t value);
  void reset() { control_ = 0; rx_ = 0xFF; }

 private:
  SdCard& card_;
  uint32_t control_ = 0;
  uint32_t rx_ = 0xFF;
};

}  // namespace risc5
