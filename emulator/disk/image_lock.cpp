#include "image_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oberondisk {

bool tryLockImage(int fd, LockMode mode) {
  int op = (mode == LockMode::exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
  for (;;) {
    if (::flock(fd, op) == 0) return true;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return false;
    throw DiskError(std::string("cannot lock image: ") + std::strerror(errno));
  }
}

LockedImageFile& LockedImageFile::operator=(LockedImageFile&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void LockedImageFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

LockedImageFile LockedImageFile::open(const std::string& path, int openFlags, LockMode mode) {
  // A writer renames a new image over the path while we wait for nothing; three attempts are
  // plenty because each rename needs the exclusive lock we would then conflict with.
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = ::open(path.c_str(), openFlags | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block us
    if (fd < 0) throw DiskError("cannot open " + path + ": " + std::strerror(errno));
    LockedImageFile file(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw DiskError("cannot stat " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
      throw DiskError(path + " is not a regular file");
    if (!tryLockImage(fd, mode)) throw ImageInUse();
    struct stat now {};
    if (::stat(path.c_str(), &now) == 0 && now.st_ino == st.st_ino && now.st_dev == st.st_dev)
      return file;
    // Replaced between open and flock: lock the new file instead.
  }
  throw DiskError("cannot lock " + path + ": it keeps being replaced");
}

}  // namespace oberondisk
