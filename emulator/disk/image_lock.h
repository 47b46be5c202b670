// Advisory locking of a disk image with flock(2), shared by the emulator and the host tools.
//
// Protocol: whoever only reads an image (oberon-disk list/extract/check, the emulator in snapshot
// mode) holds LOCK_SH; whoever may write it (oberon-disk add/delete, the emulator) holds LOCK_EX.
// Locks are never waited for (LOCK_NB): a conflict is reported at once with kImageInUse.
// Tools replace an image by rename(2), so a lock on an inode that is no longer at the path would
// protect nothing; openLocked() therefore re-checks after locking that the path still names the
// inode it locked, and retries a few times if not.
#pragma once

#include <stdexcept>
#include <string>

namespace oberondisk {

// One-line message for "someone else holds a conflicting lock".
inline constexpr const char* kImageInUse = "image is in use by a running emulator or oberon-disk";

// Every failure of this library is one of these, with a one-line message for the user.
class DiskError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown instead of DiskError when the image is locked by someone else (message kImageInUse).
class ImageInUse : public DiskError {
 public:
  ImageInUse() : DiskError(kImageInUse) {}
};

enum class LockMode { shared, exclusive };

// Takes flock(fd, LOCK_SH or LOCK_EX | LOCK_NB). Returns false if another open file description
// holds a conflicting lock; throws DiskError on any other failure.
bool tryLockImage(int fd, LockMode mode);

// An open image file descriptor that holds a flock; closing the descriptor releases the lock.
class LockedImageFile {
 public:
  // Opens `path` with `openFlags` (O_RDONLY or O_RDWR; O_CLOEXEC is added) and locks it.
  // Throws ImageInUse on a conflicting lock, DiskError ("cannot open PATH: reason") otherwise.
  static LockedImageFile open(const std::string& path, int openFlags, LockMode mode);

  // Takes ownership of a descriptor on which the caller already holds the flock.
  static LockedImageFile adopt(int fd) { return LockedImageFile(fd); }

  LockedImageFile() = default;
  LockedImageFile(LockedImageFile&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  LockedImageFile& operator=(LockedImageFile&& other) noexcept;
  LockedImageFile(const LockedImageFile&) = delete;
  LockedImageFile& operator=(const LockedImageFile&) = delete;
  ~LockedImageFile() { close(); }

  int fd() const { return fd_; }
  bool isOpen() const { return fd_ >= 0; }
  void close();  // releases the lock
  // Gives up ownership: the caller must close the descriptor (which releases the lock).
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  explicit LockedImageFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace oberondisk
