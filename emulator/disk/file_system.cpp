#include "file_system.h"

#include <algorithm>
#include <cstring>

#include "file_dir.h"
#include "fs_check.h"

namespace oberondisk {

namespace {
uint32_t sectorOf(DiskAdr adr, const std::string& what) {
  if (adr == 0 || adr % kSectorFactor != 0)
    throw DiskError(what + ": bad disk address " + std::to_string(adr));
  return adr / kSectorFactor;
}
}  // namespace

FileSystem FileSystem::open(const std::string& path, bool writable) {
  FileSystem fs(DiskImage::open(path, writable));
  if (writable) {
    CheckReport report = checkFileSystem(fs.image_);
    if (!report.problems.empty())
      throw DiskError(path + ": file system has " + std::to_string(report.problems.size()) +
                      " consistency problem(s), not writing (see oberon-disk check); first: " +
                      report.problems.front());
    fs.map_ = report.map;
  }
  return fs;
}

FileName FileSystem::checkedName(const std::string& name) const {
  if (auto p = fileNameProblem(name); !p.empty()) throw DiskError(p);
  return toFileName(name);
}

FileHeader FileSystem::readHeader(const std::string& name, DiskAdr adr) const {
  std::string what = "file " + name;
  FileHeader h = FileHeader::decode(image_.read(sectorOf(adr, what + " header")));
  if (h.mark != kHeaderMark) throw DiskError(what + ": bad header mark");
  if (h.aleng < 0 || h.aleng > kMaxAleng) throw DiskError(what + ": aleng out of range");
  if (h.bleng < (h.aleng == 0 ? kHeaderSize : 0) || h.bleng > kSectorSize)
    throw DiskError(what + ": bleng out of range");
  return h;
}

std::vector<DiskAdr> FileSystem::fileSectors(const FileHeader& h, std::vector<DiskAdr>* tables) const {
  std::vector<DiskAdr> secs;
  for (int k = 0; k <= h.aleng && k < kSecTabSize; ++k) secs.push_back(h.sec[k]);
  for (int t = 0; t < extTablesFor(h.aleng); ++t) {
    if (tables) tables->push_back(h.ext[t]);
    Sector index = image_.read(sectorOf(h.ext[t], "extension table"));
    for (int i = 0; i < kIndexSize && int(secs.size()) <= h.aleng; ++i) secs.push_back(getWord(&index[4 * i]));
  }
  return secs;
}

// FileDir wants a writable image and map for insert/remove; search and enumerate only read, so
// the const_casts below never lead to a write.
std::vector<FileInfo> FileSystem::list() const {
  std::vector<FileInfo> files;
  SectorMap scratch;
  FileDir(const_cast<DiskImage&>(image_), scratch).enumerate([&](const DirEntry& e) {
    std::string name = fromFileName(e.name);
    FileHeader h = readHeader(name, e.adr);
    files.push_back({name, uint32_t(h.length()), h.date, e.adr});
  });
  return files;
}

std::optional<FileInfo> FileSystem::find(const std::string& name) const {
  FileName fname = checkedName(name);
  SectorMap scratch;
  DiskAdr adr = FileDir(const_cast<DiskImage&>(image_), scratch).search(fname);
  if (adr == 0) return std::nullopt;
  FileHeader h = readHeader(name, adr);
  return FileInfo{name, uint32_t(h.length()), h.date, adr};
}

std::vector<uint8_t> FileSystem::readFile(const std::string& name) const {
  auto info = find(name);
  if (!info) throw DiskError("no file " + name + " on " + image_.path());
  FileHeader h = readHeader(name, info->header);
  std::vector<uint8_t> data;
  data.reserve(info->length);
  auto secs = fileSectors(h, nullptr);
  for (int k = 0; k <= h.aleng; ++k) {
    Sector s = image_.read(sectorOf(secs[k], "file " + name + " sector " + std::to_string(k)));
    int begin = k == 0 ? kHeaderSize : 0;
    int end = k == h.aleng ? h.bleng : kSectorSize;
    if (end > begin) data.insert(data.end(), s.begin() + begin, s.begin() + end);
  }
  return data;
}

void FileSystem::writeFile(const std::string& name, const std::vector<uint8_t>& data, uint32_t date) {
  FileName fname = checkedName(name);
  if (data.size() > kMaxFileSize)
    throw DiskError("file too large: " + std::to_string(data.size()) + " bytes (Oberon's maximum is 3210912)");
  FileDir dir(image_, map_);
  // Replacing: the old file's sectors are free again as soon as the directory forgets it.
  if (DiskAdr old = dir.search(fname); old != 0) {
    std::vector<DiskAdr> tables;
    for (DiskAdr a : fileSectors(readHeader(name, old), &tables)) map_.free(a / kSectorFactor);
    for (DiskAdr a : tables) map_.free(a / kSectorFactor);
  }

  FileHeader h;
  h.name = fname;
  h.date = date;
  lengthToAlengBleng(uint32_t(data.size()), h.aleng, h.bleng);
  // Allocation as Files does it: a new file's hint starts at 0, each sector hints the next.
  uint32_t last = image_.lastAllocatableSector();
  std::vector<DiskAdr> secs;
  DiskAdr hint = 0;
  for (int k = 0; k <= h.aleng; ++k) secs.push_back(hint = map_.alloc(hint, last));
  for (int t = 0; t < extTablesFor(h.aleng); ++t) h.ext[t] = hint = map_.alloc(hint, last);
  for (int k = 0; k < kSecTabSize && k <= h.aleng; ++k) h.sec[k] = secs[k];

  size_t pos = 0;
  for (int k = 0; k <= h.aleng; ++k) {
    Sector s{};
    size_t begin = k == 0 ? kHeaderSize : 0;
    size_t n = std::min(data.size() - pos, kSectorSize - begin);
    if (n > 0) std::memcpy(&s[begin], data.data() + pos, n);
    pos += n;
    if (k == 0) h.encode(s);
    image_.write(secs[k] / kSectorFactor, s);
  }
  for (int t = 0; t < extTablesFor(h.aleng); ++t) {
    Sector index{};  // unused entries stay 0, as after Files.NewExt
    for (int i = 0; i < kIndexSize; ++i) {
      size_t k = size_t(kSecTabSize + t * kIndexSize + i);
      if (k < secs.size()) putWord(&index[4 * i], secs[k]);
    }
    image_.write(h.ext[t] / kSectorFactor, index);
  }
  dir.insert(fname, secs[0]);
}

void FileSystem::deleteFile(const std::string& name) {
  FileName fname = checkedName(name);
  FileDir dir(image_, map_);
  DiskAdr adr = dir.remove(fname);
  if (adr == 0) throw DiskError("no file " + name + " on " + image_.path());
  std::vector<DiskAdr> tables;
  for (DiskAdr a : fileSectors(readHeader(name, adr), &tables)) map_.free(a / kSectorFactor);
  for (DiskAdr a : tables) map_.free(a / kSectorFactor);
}

}  // namespace oberondisk
