// The directory of the monitor sockets (docs/tcpnet-lsof.md), used by both oberon-emu, which makes
// it (device/net/monitor.cpp), and tcpnet-lsof, which only reads sockets found in it. Header-only,
// so that the tool does not link the device.
//
// A monitor directory must be private to the effective user: a real directory (lstat: not a
// symbolic link) owned by geteuid() with no permission bit for group or others. Then no one else
// can create, replace or remove a socket in it, or put a fake one there for tcpnet-lsof to read.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace tcpnet::monitordir {

struct Check {
  bool missing = false;  // lstat said ENOENT (why says so too)
  std::string why;       // empty: the directory is private
  bool ok() const { return why.empty(); }
};

// Does st (from lstat or fstat) describe a private directory of the effective user? Empty if so;
// otherwise one short phrase, e.g. "is a symbolic link", "belongs to uid 65534, not to uid 1000",
// "has mode 0755 (group or others have access)".
inline std::string problem(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "is a symbolic link";
  if (!S_ISDIR(st.st_mode)) return "is not a directory";
  if (st.st_uid != ::geteuid())
    return "belongs to uid " + std::to_string(st.st_uid) + ", not to uid " + std::to_string(::geteuid());
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("has mode ") + mode + " (group or others have access)";
  }
  return {};
}

// Is path a private directory of the effective user (lstat: a symbolic link is not)?
inline Check check(const std::string& path) {
  Check c;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    c.missing = errno == ENOENT;
    c.why = c.missing ? "does not exist" : std::string("cannot be examined: ") + std::strerror(errno);
    return c;
  }
  c.why = problem(st);
  return c;
}

// The default directory: $XDG_RUNTIME_DIR/oberon-emu when XDG_RUNTIME_DIR is set and is itself
// private (as check() says), else /tmp/oberon-emu-<euid>. Nothing is created here.
inline std::string defaultDir() {
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg == '/' && check(xdg).ok()) return std::string(xdg) + "/oberon-emu";
  return "/tmp/oberon-emu-" + std::to_string(::geteuid());
}

// Makes path with mkdir(0700) if it does not exist, then checks it. An existing path is never
// changed: it is used only if check() accepts it. Returns check()'s result (why: why not).
inline Check make(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) == 0) {
    ::chmod(path.c_str(), 0700);  // the umask may have taken the owner's own bits
  } else if (errno != EEXIST) {
    Check c;
    c.why = std::string("cannot be created: ") + std::strerror(errno);
    return c;
  }
  return check(path);
}

}  // namespace tcpnet::monitordir
