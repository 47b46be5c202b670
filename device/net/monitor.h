// The read-only monitor endpoint for tcpnet-lsof (docs/tcpnet-lsof.md): a Unix stream socket,
// mode 0600, served on the TCPNet network thread. A client connects, sends nothing or one
// request line, and gets one JSON document (pid, image, start time, slots); then the connection
// closes. The CPU thread never takes part: the rows come from TcpNet::snapshot() run directly on
// the network thread.
//
// Bounds: at most kMaxClients sessions at once (more are closed at accept), each ended after
// kClientTimeout whatever the client does, at most kMaxRows rows per document, at most
// kMaxRequest request bytes read. So a client that never reads, never writes or never closes
// costs one bounded document for two seconds.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "device/monitor/protocol.h"
#include "device/registers/snapshot.h"

namespace tcpnet {

class TcpNet;

// The monitor document for these rows (device/monitor/protocol.h: the header as given, the rows
// in order). Rows beyond maxRows are counted in "omitted".
std::string monitorDocument(const monitor::Header& header, const std::vector<SlotInfo>& rows, size_t maxRows);

class Monitor {
 public:
  static constexpr size_t kMaxClients = 8;
  static constexpr size_t kMaxRows = monitor::kMaxRows;
  static constexpr size_t kMaxRequest = 4096;
  static constexpr std::chrono::milliseconds kClientTimeout{2000};

  // Serves on `path`. "" = the default place, monitor::defaultPath(getpid()): the directory is
  // made (mode 0700) if missing and refused unless it is private (ours, a real directory, no
  // access for group or others: device/monitor/protocol.h); then the stale sockets of killed
  // emulators in it are removed (ours, pid gone, connect refused). An existing socket at the path is replaced
  // only if nobody answers on it. Throws std::runtime_error with a one-line message if the
  // directory is refused or the socket cannot be made or is in use.
  Monitor(TcpNet& net, std::string path, std::string image);
  ~Monitor();  // stops serving, then removes the socket file if it is still the one we made
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  const std::string& path() const { return path_; }

 private:
  struct Server;  // network-thread state, kept alive by its handlers
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::shared_ptr<Server> server_;
};

}  // namespace tcpnet
