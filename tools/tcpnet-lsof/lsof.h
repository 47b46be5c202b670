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

#include "device/monitor/protocol.h"

namespace lsof {

namespace monitor = tcpnet::monitor;

// One row of one emulator: the monitor's slot (device/monitor/protocol.h) and whose it is.
struct Row : monitor::Slot {
  long pid = 0;
};

// One emulator as its monitor described it: the document's header, where it answered, its rows.
struct Emulator : monitor::Header {
  std::string socket;    // the monitor socket it answered on
  uint64_t omitted = 0;  // rows the monitor left out (bound on document size)
  std::vector<Row> rows;
};

// ---- query.cpp ----

enum class Failure { None, NotFound, Permission, Stale, NotSocket, Timeout, BadDocument, OtherUser, Other };

struct QueryResult {
  Failure failure = Failure::None;
  std::string message;  // one line, names the path
  Emulator emulator;
};

// Connects; asks the kernel who serves the socket (SO_PEERCRED) and reads nothing from another
// user (Failure::OtherUser); reads one document (at most 1 MiB, within timeout), parses it, and
// checks its pid against the server's (peerProblem).
QueryResult query(const std::string& socketPath,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
// Parses a monitor document with monitor::parse, which checks every member (tests use it too);
// a text that is not one gives Failure::BadDocument and "<socketPath>: <why, naming the member>".
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
// Monitor sockets in dir named by the emulator's scheme (monitor::socketName). dir must be a
// private directory of ours (monitor::directoryProblem: a real directory, ours, no access for
// group or others); otherwise, or if it cannot be read, sets error and returns nothing (missing,
// if given, tells a directory that does not exist).
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
// {"emulators":[...]} with the selected rows of each emulator, each member of the monitor's as the
// protocol writes it, and the tool's additions.
std::string jsonReport(const std::vector<Emulator>& emulators, Names& names);

}  // namespace lsof
