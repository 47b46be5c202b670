// tcpnet-lsof's pieces, as a library so the tests can drive them: finding the running emulators
// (query.cpp), and selecting and printing their slots (view.cpp). docs/tcpnet-lsof.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace lsof {

// One slot of one emulator, as the monitor reports it, plus what the tool adds.
struct Row {
  long pid = 0;
  int slot = -1;               // -1: closing in the background after the guest's CLOSE
  std::string deviceState;     // free, connecting, listening, connected, failed
  std::string reason;          // none, refused, ...
  bool listener = false;
  std::string localAddress, remoteAddress;
  unsigned localPort = 0, remotePort = 0;
  uint64_t bytesReceived = 0, bytesSent = 0, rxQueued = 0, txQueued = 0;
  bool serviceRequest = false;
  std::string inFile, outFile;  // empty unless the guest named them (NAMES)
  double ageSeconds = 0;
  // The device's view of the FINs: the peer's received, ours sent.
  bool peerClosed = false, finSent = false;
};

struct Emulator {
  std::string socket;  // the monitor socket it answered on
  long pid = 0;
  std::string image, started, bind;
  double uptimeSeconds = 0;
  uint64_t omitted = 0;  // rows the monitor left out (bound on document size)
  std::vector<Row> rows;
};

// ---- query.cpp ----

enum class Failure { None, NotFound, Permission, Stale, NotSocket, Timeout, BadDocument, OtherUser, Other };

inline constexpr long kMaxPid = 4194304;  // Linux's PID_MAX_LIMIT
inline constexpr size_t kMaxRows = 96;    // a monitor sends at most 96 rows (Monitor::kMaxRows)

struct QueryResult {
  Failure failure = Failure::None;
  std::string message;  // one line, names the path
  Emulator emulator;
};

// The emulator's default directory (device/net/monitor_dir.h): $XDG_RUNTIME_DIR/oberon-emu if
// XDG_RUNTIME_DIR is a private directory of ours, else /tmp/oberon-emu-<euid>.
std::string defaultDir();
// Parses "oberon-emu-<pid>.tcpnet"; nullopt for other names.
std::optional<long> pidFromSocketName(const std::string& name);
// Connects; asks the kernel who serves the socket (SO_PEERCRED) and reads nothing from another
// user (Failure::OtherUser); reads one document (at most 1 MiB, within timeout), parses it, and
// checks its pid against the server's (peerProblem).
QueryResult query(const std::string& socketPath,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
// Parses and validates a monitor document (tests use it too). Every member that is there must
// have its type and range (pid 2..kMaxPid, states and reasons from the known sets, counts and ages
// >= 0, addresses IP literals, file names as NAMES accepts them, at most kMaxRows rows); absent
// members take their defaults; anything else gives Failure::BadDocument naming the member.
QueryResult parseDocument(const std::string& text, const std::string& socketPath);

// The process serving a socket, as SO_PEERCRED gives it.
struct Peer {
  long pid = 0;
  unsigned long uid = 0;
};
// Why an answer with pid documentPid from peer is not believed, for a reader with uid me; empty
// if it is: the peer must be the same user (root too reads only its own emulators), documentPid a
// running process and the peer itself.
std::string peerProblem(const Peer& peer, long documentPid, unsigned long me);

struct Candidate {
  std::string path;
  long pid = 0;
  std::string problem;  // not empty: skip it, with this note (not our socket, or open to others)
};
// Monitor sockets in dir named by the emulator's scheme. dir must be a private directory of ours
// (monitor_dir.h: a real directory, ours, no access for group or others); otherwise, or if it
// cannot be read, sets error and returns nothing (missing, if given, tells a directory that does
// not exist).
std::vector<Candidate> scan(const std::string& dir, std::string& error, bool* missing = nullptr);
// True if a process with this pid exists (kill(pid, 0) does not give ESRCH).
bool processAlive(long pid);

// ---- view.cpp ----

// lsof's name for the row: LISTEN, CONNECTING, ESTABLISHED, CLOSE_WAIT, FIN_WAIT, LAST_ACK,
// CLOSED, ERROR.
std::string lsofState(const Row& r);

struct Filter {
  std::set<long> pids;          // empty = all
  struct Inet {
    std::string host;           // empty = any; matched against address text and resolved name
    std::optional<unsigned> port;
  };
  std::vector<Inet> inets;      // -i: a row matches if any entry matches (either endpoint)
  std::set<std::string> states; // -s: lsofState names, upper case; empty = all
};

// Parses lsof's -i argument: [@host][:port] (e.g. ":5000", "@127.0.0.1:80", "@localhost").
std::optional<Filter::Inet> parseInet(const std::string& text);
// Parses -s: comma-separated states, optional "TCP:" prefix, any case. Sets error if unknown.
std::optional<std::set<std::string>> parseStates(const std::string& text, std::string& error);

bool matches(const Filter& f, const Row& r, bool resolve);

struct Names {
  bool hosts = true;  // resolve addresses to names (-n turns off)
  bool ports = true;  // resolve ports to service names (-P turns off)
  std::string host(const std::string& address);
  std::string port(unsigned port);
  std::map<std::string, std::string> hostCache;
  std::map<unsigned, std::string> portCache;
};

// "local->remote" in lsof's notation: host:port, IPv6 in brackets, "*" for the any-address.
std::string endpointName(const Row& r, Names& names);
std::string ageText(double seconds);  // 850ms, 12s, 3m05s, 2h04m, 3d02h; "?" if not a sane age
std::string printable(const std::string& s);  // bytes outside printable ASCII (and \) as \xNN

// The aligned table with a header line; empty string if rows is empty.
std::string table(const std::vector<Row>& rows, Names& names);
// {"emulators":[...]} with the selected rows of each emulator and the tool's additions.
std::string jsonReport(const std::vector<Emulator>& emulators, Names& names);

}  // namespace lsof
