// An Oberon disk image file: layout detection, sector access and atomic replacement. The layout
// rule (probeLayout) and the locking (image_lock.h) serve the emulator's SD card too.
//
// Layouts:
//   filesystem-only: image byte 0 is Oberon sector 1 (the root directory page), so sector n is
//     at byte (n-1)*1024; detected by the directory mark in the first word. Such an image may be
//     shorter than the 64 MiB the Kernel can address; writing past its end grows it.
//   whole card: the file is an SD card; sector n is at card block 80000H + 2n (Kernel.FSoffset),
//     byte 80000H*512 + n*1024. A card has a fixed size: it never grows.
//
// Reads take a shared flock and writes an exclusive one (image_lock.h). Changes are collected in
// memory and commit() writes the complete new image to a temporary file in the same directory,
// fsyncs it and renames it over the original, so the image is never half-written.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "disk_format.h"
#include "image_lock.h"

namespace oberondisk {

enum class Layout { filesystemOnly, wholeCard };

// Byte of Oberon sector 0 on a whole card: Kernel.FSoffset = 80000H blocks of 512 bytes.
inline constexpr uint64_t kCardFsOffset = 0x80000ull * 512;

// The layout of an open image of `fileBytes` bytes, from where the root directory page's mark
// is. Throws DiskError ("PATH: ...", one line) for an empty, truncated or non-Oberon file.
Layout probeLayout(int fd, uint64_t fileBytes, const std::string& path);

class DiskImage {
 public:
  // Opens an existing image; `writable` opens O_RDWR with LOCK_EX, else O_RDONLY with LOCK_SH.
  // Throws DiskError (ImageInUse when locked) for a missing, empty or non-Oberon image.
  static DiskImage open(const std::string& path, bool writable);

  // A new, empty filesystem-only image of `bytes` (>= 1024) with a root directory page. Written
  // to a temporary file and renamed into place; an existing file is replaced only if `replace`
  // (and it is not locked). The new file's mode is 0644 minus the umask.
  static void createEmpty(const std::string& path, uint64_t bytes, bool replace);

  Layout layout() const { return layout_; }
  const std::string& path() const { return path_; }
  uint64_t fileBytes() const { return fileBytes_; }
  // Size the file will have after commit(): it grows to hold pending writes past its end.
  uint64_t imageBytes() const { return imageBytes_; }

  // Sectors 1..lastSectorInFile() lie completely inside the image (0 if none), pending growth
  // included; sectors that the growth added but nobody wrote read as zeros.
  uint32_t lastSectorInFile() const;
  bool inFile(uint32_t sector) const { return sector >= 1 && sector <= lastSectorInFile(); }
  // Highest sector number the allocator may hand out: 65535 for a filesystem-only image (it
  // grows), the last complete sector of a card image (at most 65535).
  uint32_t lastAllocatableSector() const;

  // Sector contents (pending writes included). Throws DiskError if the sector is not in the file
  // and has not been written.
  Sector read(uint32_t sector) const;
  void write(uint32_t sector, const Sector& data);  // kept in memory until commit()
  bool modified() const { return !pending_.empty(); }

  // Replaces the image file atomically with the original plus the pending writes.
  void commit();

 private:
  DiskImage() = default;
  uint64_t offsetOf(uint32_t sector) const;

  std::string path_;
  LockedImageFile file_;
  Layout layout_ = Layout::filesystemOnly;
  uint64_t fileBytes_ = 0;
  uint64_t imageBytes_ = 0;
  std::map<uint32_t, Sector> pending_;
};

}  // namespace oberondisk
