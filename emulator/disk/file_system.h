// Files on an Oberon disk image (Files.Mod seen from the host): list, read, write, delete.
//
// A writable FileSystem first runs the full consistency check and refuses to touch an image that
// is not clean; its sector map (FileDir.Init's) then drives allocation. New files are laid out as
// Files.Mod lays them out (header in sector 0, aleng/bleng as Files.Write leaves them, unused
// table entries 0), so Oberon reads and rewrites them normally. Nothing reaches the image file
// before commit() (see DiskImage).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "disk_image.h"
#include "sector_map.h"

namespace oberondisk {

struct FileInfo {
  std::string name;
  uint32_t length = 0;
  uint32_t date = 0;  // packed Oberon clock
  DiskAdr header = 0;
};

class FileSystem {
 public:
  // Throws DiskError (ImageInUse if locked). A writable open refuses an inconsistent image.
  static FileSystem open(const std::string& path, bool writable);

  // All files in directory order; throws DiskError on a damaged header.
  std::vector<FileInfo> list() const;
  std::optional<FileInfo> find(const std::string& name) const;
  std::vector<uint8_t> readFile(const std::string& name) const;
  // Adds or replaces a file; throws DiskError on a bad name, a too large file or a full disk.
  void writeFile(const std::string& name, const std::vector<uint8_t>& data, uint32_t date);
  // Throws DiskError if there is no such file.
  void deleteFile(const std::string& name);
  void commit() { image_.commit(); }

  const DiskImage& image() const { return image_; }

 private:
  explicit FileSystem(DiskImage image) : image_(std::move(image)) {}
  FileHeader readHeader(const std::string& name, DiskAdr adr) const;
  // DiskAdr of every sector of the file (index 0 = header), then its extension tables.
  std::vector<DiskAdr> fileSectors(const FileHeader& h, std::vector<DiskAdr>* tables) const;
  FileName checkedName(const std::string& name) const;

  DiskImage image_;
  SectorMap map_;
};

}  // namespace oberondisk
