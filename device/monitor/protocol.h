// The monitor protocol between oberon-emu and tcpnet-lsof (docs/tcpnet-lsof.md), written once for
// both sides: where the monitor sockets live and what they are called, and the one JSON document
// a monitor answers, as structs with nlohmann's type mapping (to_json writes the members in the
// documented order; from_json checks every member it reads). The device (device/net/monitor.cpp)
// fills a Document and serializes it; tcpnet-lsof parses one. This folder includes nothing of ours:
// it is the bottom of the device layer, so the tool does not link the device.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tcpnet::monitor {

// ---- The document: one line of JSON, then '\n'.

inline constexpr int kVersion = 1;          // the member "tcpnet_monitor"; a reader accepts only 1
inline constexpr size_t kMaxRows = 96;      // 32 slots + 64 connections closing in the background
inline constexpr long kMaxPid = 4194304;    // Linux's PID_MAX_LIMIT
inline constexpr size_t kMaxFileName = 32;  // characters of a NAMES file name

// One row of "slots": a guest slot, or a connection the guest has closed that the host is still
// flushing or lingering on. Comments give each member's JSON name and what a reader accepts; an
// absent member takes the default here (an older emulator lacks the later ones).
struct Slot {
  int slot = -1;                // "slot" -1..31; -1: closing in the background after CLOSE
  std::string state;            // "state" (required): free, connecting, listening, connected, failed
  bool listener = false;        // "listener": opened by LISTEN
  std::string reason = "none";  // "reason": none refused unreachable timeout lookup portbusy
                                //   noresources reset closed untrusted badname expired handshake
                                //   protocol forbidden
  std::string localAddress;     // "local_address": empty until known, or an IP address (IPv6 may
  unsigned localPort = 0;       //   end in %scope); "local_port" 0..65535
  std::string remoteAddress;    // "remote_address", "remote_port": the same
  unsigned remotePort = 0;
  uint64_t bytesReceived = 0;   // "bytes_received": read from the socket
  uint64_t bytesSent = 0;       // "bytes_sent": written to the socket
  uint64_t rxQueued = 0;        // "rx_queued": received, not yet fetched by the guest (RECV)
  uint64_t txQueued = 0;        // "tx_queued": accepted by SEND, not yet written
  bool serviceRequest = false;  // "service_request": the slot's bit in the SRQ register
  std::string inFile;           // "in_file", "out_file": as the guest named them (NAMES), 0..32
  std::string outFile;          //   characters 21H..7EH; empty if not named
  double ageSeconds = 0;        // "age": seconds since OPEN/LISTEN, 0..1e9, written to the ms
  bool peerClosed = false;      // "peer_closed": the peer's FIN was received
  bool finSent = false;         // "fin_sent": our FIN was sent (after SHUTDOWN or CLOSE)
  std::string tls;              // "tls": "" plain; "TLS" until the handshake is done, then the
                                //   version: TLSv1.2, TLSv1.3 (older ones are refused)
  bool operator==(const Slot&) const = default;
};

// What the document says of the emulator besides its rows.
struct Header {
  long pid = 0;               // "pid" (required): 2..kMaxPid, the process serving the socket
  std::string image;          // "image": the disk image's absolute path; empty for a serial boot
  std::string started;        // "started": empty or UTC, YYYY-MM-DDTHH:MM:SSZ
  double uptimeSeconds = 0;   // "uptime": seconds, 0..1e9, written to the ms
  std::string bind;           // "bind": the device's bind address, empty or an IP address
  bool operator==(const Header&) const = default;
};

// {"tcpnet_monitor":1, the header's members, "slots":[...], "omitted":N}
struct Document : Header {
  std::vector<Slot> slots;  // at most kMaxRows
  uint64_t omitted = 0;     // "omitted": rows left out to keep the document bounded
  bool operator==(const Document&) const = default;
};

// nlohmann's mapping. to_json writes every member (seconds rounded to the millisecond, never
// negative); from_json reads what is there and checks its type and range, throwing BadDocument.
void to_json(nlohmann::ordered_json& j, const Slot& s);
void to_json(nlohmann::ordered_json& j, const Header& h);
void to_json(nlohmann::ordered_json& j, const Document& d);
void from_json(const nlohmann::json& j, Slot& s);
void from_json(const nlohmann::json& j, Header& h);
void from_json(const nlohmann::json& j, Document& d);

// Why a text is not a monitor document, in one line that names the member and never its value
// (a value could carry escape sequences to a terminal): "not a tcpnet monitor (version 1)",
// "bad answer: parse error at line 1, column 5: ...", "bad answer: pid is missing",
// "bad answer: slots[0] bytes_sent is not a count (an integer >= 0)".
struct BadDocument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The document as a monitor sends it: one line and '\n'. Bytes that are not UTF-8 (a path need
// not be) are replaced with U+FFFD rather than thrown about.
std::string serialize(const Document& d);
// Any JSON value as one such line (tcpnet-lsof's --json report is written the same way).
std::string line(const nlohmann::ordered_json& j);
// Reads a document; any text that is not one throws BadDocument, never another exception.
Document parse(std::string_view text);

// ---- Where the sockets are.
//
// A monitor directory must be private to the effective user: a real directory (lstat: not a
// symbolic link) owned by geteuid() with no permission bit for group or others. Then no one else
// can create, replace or remove a socket in it, or put a fake one there for tcpnet-lsof to read.
// In it, each emulator's socket is named oberon-emu-<pid>.tcpnet.

// "oberon-emu-<pid>.tcpnet"
std::string socketName(long pid);
// The pid in a name socketName() makes (1..9 digits); nullopt for any other name.
std::optional<long> pidFromSocketName(std::string_view name);

// The default directory: $XDG_RUNTIME_DIR/oberon-emu when XDG_RUNTIME_DIR is set to an absolute
// path that is itself private (checkDirectory), else /tmp/oberon-emu-<euid>. Nothing is created.
std::string defaultDir();
// defaultDir() + "/" + socketName(pid)
std::string defaultPath(long pid);

struct DirCheck {
  bool missing = false;  // lstat said ENOENT (why says so too)
  std::string why;       // empty: the directory is private
  bool ok() const { return why.empty(); }
};
// Does st (from lstat or fstat) describe a private directory of the effective user? Empty if so;
// otherwise one short phrase, e.g. "is a symbolic link", "belongs to uid 65534, not to uid 1000",
// "has mode 0755 (group or others have access)".
std::string directoryProblem(const struct stat& st);
// Is path a private directory of the effective user (lstat: a symbolic link is not)?
DirCheck checkDirectory(const std::string& path);
// Makes path with mkdir(0700) if it does not exist, then checks it. An existing path is never
// changed: it is used only if checkDirectory() accepts it.
DirCheck makeDirectory(const std::string& path);

}  // namespace tcpnet::monitor
