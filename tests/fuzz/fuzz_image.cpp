// Fuzz target: a disk image from anywhere. The bytes become an image file (a memfd); the
// emulator's start check (emulator/frontend/image_check.cpp), the disk tool's read paths (check,
// list, read every file) and the SD card (open, read blocks over SPI as the boot ROM does) must
// each refuse or read it without a crash, a hang or undefined behaviour.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "emulator/devices/sdcard.h"
#include "emulator/frontend/image_check.h"
#include "emulator/disk/file_system.h"
#include "emulator/disk/fs_check.h"

namespace {

// CMD17 (read one block) as the boot ROM sends it, then clock out the answer.
void readBlockOverSpi(risc5::SdCard& card, uint32_t block) {
  const uint8_t cmd[6] = {0x40 | 17, uint8_t(block >> 24), uint8_t(block >> 16), uint8_t(block >> 8),
                          uint8_t(block), 0x01};
  for (uint8_t b : cmd) card.exchange(b);
  for (int i = 0; i < 600; ++i) card.exchange(0xFF);
  card.deselect();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = ::memfd_create("fuzz-image", MFD_CLOEXEC);
  if (fd < 0) return 0;
  for (size_t done = 0; done < size;) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);

  risc5::checkImage(path);
  try {
    auto fs = oberondisk::FileSystem::open(path, /*writable=*/false);
    oberondisk::checkFileSystem(fs.image());
    for (const auto& f : fs.list()) fs.readFile(f.name);
  } catch (const std::exception&) {
    // A refusal with a reason is the right answer to a bad image.
  }
  {
    risc5::SdCard card;
    if (card.open(path, /*snapshot=*/true).empty()) {
      const uint32_t root = card.filesystemOnly() ? risc5::SdCard::kFsOffsetBlocks + 2 : 0;
      for (uint32_t b : {0u, 1u, root, root + 1, root + 64 * 2, 0x7FFFFFFFu, 0xFFFFFFFFu}) readBlockOverSpi(card, b);
    }
  }
  ::close(fd);
  return 0;
}
