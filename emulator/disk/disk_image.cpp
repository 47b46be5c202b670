#include "disk_image.h"

#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace oberondisk {

namespace {

std::string errnoText() { return std::strerror(errno); }

bool readAll(int fd, uint8_t* buf, size_t n, uint64_t offset) {
  return readAt(fd, buf, n, offset) == static_cast<int64_t>(n);
}

// Copies bytes [begin, end) of src to the same offsets of dst (which is already `end` bytes or
// longer and reads as zeros there); all-zero chunks are skipped so sparse images stay sparse.
void copyRange(int src, int dst, uint64_t begin, uint64_t end) {
  std::vector<uint8_t> buf(1 << 20);
  while (begin < end) {
    size_t n = size_t(std::min<uint64_t>(buf.size(), end - begin));
    if (!readAll(src, buf.data(), n, begin)) throw DiskError("cannot read image: " + errnoText());
    bool zero = std::all_of(buf.begin(), buf.begin() + long(n), [](uint8_t b) { return b == 0; });
    if (!zero && !writeAt(dst, buf.data(), n, begin))
      throw DiskError("cannot write temporary image: " + errnoText());
    begin += n;
  }
}

// Copies the data extents of src (SEEK_DATA/SEEK_HOLE, or everything where unsupported).
void copyFile(int src, int dst, uint64_t size) {
  uint64_t pos = 0;
  while (pos < size) {
    off_t data = ::lseek(src, off_t(pos), SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) return;  // only a hole remains
      copyRange(src, dst, pos, size);
      return;
    }
    off_t hole = ::lseek(src, data, SEEK_HOLE);
    uint64_t end = hole < 0 ? size : std::min<uint64_t>(uint64_t(hole), size);
    copyRange(src, dst, uint64_t(data), end);
    pos = end;
  }
}

std::string directoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A temporary file next to `path` that is unlinked unless release()d.
class TempFile {
 public:
  explicit TempFile(const std::string& path) {
    auto slash = path.rfind('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    name_ = directoryOf(path) + "/." + base + ".XXXXXX";
    fd_ = ::mkostemp(name_.data(), O_CLOEXEC);
    if (fd_ < 0) throw DiskError("cannot create temporary file in " + directoryOf(path) + ": " + errnoText());
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!name_.empty()) ::unlink(name_.c_str());
  }
  int fd() const { return fd_; }

  // fsync, rename over `path`, then fsync the directory so the rename is durable. The file is
  // exclusively locked before it appears under `path`, so no reader can slip in between; the
  // locked descriptor is handed to the caller.
  LockedImageFile commitAs(const std::string& path) {
    if (!tryLockImage(fd_, LockMode::exclusive)) throw ImageInUse();
    if (::fsync(fd_) != 0) throw DiskError("cannot fsync temporary image: " + errnoText());
    if (::rename(name_.c_str(), path.c_str()) != 0)
      throw DiskError("cannot rename temporary image over " + path + ": " + errnoText());
    name_.clear();
    LockedImageFile locked = LockedImageFile::adopt(fd_);
    fd_ = -1;
    int dir = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
    return locked;
  }

 private:
  std::string name_;
  int fd_ = -1;
};

}  // namespace

Layout probeLayout(int fd, uint64_t fileBytes, const std::string& path) {
  if (fileBytes == 0) throw DiskError(path + ": image is empty");
  if (fileBytes < 4) throw DiskError(path + ": image is truncated (" + std::to_string(fileBytes) + " bytes)");
  uint8_t word[4];
  if (!readAll(fd, word, 4, 0)) throw DiskError("cannot read " + path + ": " + errnoText());
  if (getWord(word) == kDirMark) return Layout::filesystemOnly;
  if (fileBytes >= kCardFsOffset + 2 * kSectorSize && readAll(fd, word, 4, kCardFsOffset + kSectorSize) &&
      getWord(word) == kDirMark)
    return Layout::wholeCard;
  throw DiskError(path + ": not an Oberon image (no directory mark 9B1EA38DH at byte 0 or at card block 80002H)");
}

// The file a path names, symbolic links resolved: the new image must replace the file, not a link.
static std::string resolved(const std::string& path) {
  char* real = ::realpath(path.c_str(), nullptr);
  if (!real) return path;
  std::string r = real;
  ::free(real);
  return r;
}

DiskImage DiskImage::open(const std::string& path, bool writable) {
  DiskImage img;
  img.path_ = writable ? resolved(path) : path;
  img.file_ = LockedImageFile::open(img.path_, writable ? O_RDWR : O_RDONLY,
                                    writable ? LockMode::exclusive : LockMode::shared);
  struct stat st {};
  if (::fstat(img.file_.fd(), &st) != 0) throw DiskError("cannot stat " + path + ": " + errnoText());
  img.fileBytes_ = img.imageBytes_ = uint64_t(st.st_size);
  img.layout_ = probeLayout(img.file_.fd(), img.fileBytes_, path);
  if (img.lastSectorInFile() < 1)
    throw DiskError(path + ": image is truncated (root directory page incomplete)");
  return img;
}

void DiskImage::createEmpty(const std::string& name, uint64_t bytes, bool replace) {
  std::string path = resolved(name);
  bytes = std::max<uint64_t>(bytes, kSectorSize);
  LockedImageFile existing;
  mode_t mode = 0;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!replace) throw DiskError(path + " exists (use --force to replace it)");
    existing = LockedImageFile::open(path, O_RDONLY, LockMode::exclusive);
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  TempFile tmp(path);
  if (::ftruncate(tmp.fd(), off_t(bytes)) != 0) throw DiskError("cannot size temporary image: " + errnoText());
  Sector root{};
  DirPage{}.encode(root);  // mark, m = 0, p0 = 0
  if (!writeAt(tmp.fd(), root.data(), root.size(), 0)) throw DiskError("cannot write temporary image: " + errnoText());
  ::fchmod(tmp.fd(), mode);
  tmp.commitAs(path);
}

uint64_t DiskImage::offsetOf(uint32_t sector) const {
  if (layout_ == Layout::filesystemOnly) return uint64_t(sector - 1) * kSectorSize;
  return kCardFsOffset + uint64_t(sector) * kSectorSize;
}

uint32_t DiskImage::lastSectorInFile() const {
  uint64_t start = layout_ == Layout::filesystemOnly ? 0 : kCardFsOffset;
  if (imageBytes_ < start + kSectorSize) return 0;
  uint64_t whole = (imageBytes_ - start) / kSectorSize;  // complete sectors from the base
  uint64_t last = layout_ == Layout::filesystemOnly ? whole : whole - 1;
  return uint32_t(std::min<uint64_t>(last, kMapSectors - 1));
}

uint32_t DiskImage::lastAllocatableSector() const {
  return layout_ == Layout::filesystemOnly ? kMapSectors - 1 : lastSectorInFile();
}

Sector DiskImage::read(uint32_t sector) const {
  if (auto it = pending_.find(sector); it != pending_.end()) return it->second;
  if (!inFile(sector))
    throw DiskError("sector " + std::to_string(sector) + " is outside the image (last sector " +
                    std::to_string(lastSectorInFile()) + ")");
  Sector s{};
  if (offsetOf(sector) + kSectorSize <= fileBytes_ && !readAll(file_.fd(), s.data(), s.size(), offsetOf(sector)))
    throw DiskError("cannot read sector " + std::to_string(sector) + ": " + errnoText());
  return s;
}

void DiskImage::write(uint32_t sector, const Sector& data) {
  if (sector < 1 || sector > lastAllocatableSector())
    throw DiskError("sector " + std::to_string(sector) + " cannot be written: outside the image");
  pending_[sector] = data;
  imageBytes_ = std::max(imageBytes_, offsetOf(sector) + kSectorSize);
}

void DiskImage::commit() {
  if (pending_.empty()) return;
  struct stat st {};
  if (::fstat(file_.fd(), &st) != 0) throw DiskError("cannot stat " + path_ + ": " + errnoText());
  uint64_t newBytes = imageBytes_;
  TempFile tmp(path_);
  if (::ftruncate(tmp.fd(), off_t(newBytes)) != 0) throw DiskError("cannot size temporary image: " + errnoText());
  copyFile(file_.fd(), tmp.fd(), fileBytes_);
  for (const auto& [sector, data] : pending_)
    if (!writeAt(tmp.fd(), data.data(), data.size(), offsetOf(sector)))
      throw DiskError("cannot write temporary image: " + errnoText());
  if (::fchmod(tmp.fd(), st.st_mode & 07777) != 0) throw DiskError("cannot set mode of temporary image: " + errnoText());
  [[maybe_unused]] int ignored = ::fchown(tmp.fd(), st.st_uid, st.st_gid);  // only root may give files away
  file_ = tmp.commitAs(path_);
  fileBytes_ = newBytes;
  pending_.clear();
}

}  // namespace oberondisk
