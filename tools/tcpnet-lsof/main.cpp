// tcpnet-lsof: lists the TCPNet slots of every running oberon-emu, the way `lsof -i` lists
// sockets. Each emulator serves a read-only monitor socket (device/net/monitor.h);
// docs/tcpnet-lsof.md describes options, output and exit codes.
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "lsof.h"

namespace {

constexpr int kExitListed = 0, kExitNothing = 1, kExitError = 2;

std::atomic<bool> gStop{false};
extern "C" void onSignal(int) { gStop.store(true); }

const char* const kUsage =
    "usage: tcpnet-lsof [-n] [-P] [-p PID[,PID...]] [-i [@HOST][:PORT]] [-s STATE[,STATE...]]\n"
    "                   [--json] [-r SECONDS [--count N]] [--socket PATH]... [--dir DIR]\n"
    "Lists the TCPNet slots of running Oberon emulators (oberon-emu).\n"
    "  -n            show IP addresses, do not resolve host names\n"
    "  -P            show port numbers, do not resolve service names\n"
    "  -p PID,...    only these emulator processes\n"
    "  -i [@H][:P]   only slots with an endpoint on host H and/or port P (repeatable: any matches)\n"
    "  -s STATE,...  only these states: LISTEN CONNECTING ESTABLISHED CLOSE_WAIT FIN_WAIT\n"
    "                LAST_ACK CLOSED ERROR\n"
    "                (a TCP: prefix as in lsof is accepted)\n"
    "  --json        one JSON document (per repetition) instead of the table\n"
    "  -r SECONDS    repeat every SECONDS until interrupted (or --count N times)\n"
    "  --socket PATH ask the emulator on this monitor socket (repeatable) instead of scanning\n"
    "  --dir DIR     scan DIR instead of $XDG_RUNTIME_DIR (or /tmp when unset)\n"
    "Exit status: 0 something was listed, 1 nothing matched, 2 an error (bad option, unreadable\n"
    "directory, a named socket or emulator that is missing, not permitted, dead or not answering).\n";

struct Settings {
  lsof::Filter filter;
  lsof::Names names;
  bool json = false;
  double repeatSeconds = 0;  // 0 = once
  long count = 0;            // 0 = until SIGINT (with -r)
  std::vector<std::string> sockets;
  std::string dir;
};

int usageError(const std::string& why) {
  std::fprintf(stderr, "tcpnet-lsof: %s\n%s", why.c_str(), kUsage);
  return kExitError;
}

bool parsePids(const std::string& text, std::set<long>& pids) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string p = text.substr(start, comma - start);
    if (p.empty() || p.size() > 9 || p.find_first_not_of("0123456789") != std::string::npos) return false;
    pids.insert(std::stol(p));
    start = comma + 1;
  }
  return true;
}

// Returns kExitListed on success, else the exit code (usage printed).
int parseArgs(int argc, char** argv, Settings& s, bool& done) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    // Value of an option: glued (-p123, --dir=X) or the next argument.
    auto value = [&](const std::string& name, std::string& out) {
      if (a.size() > name.size() && a.compare(0, name.size(), name) == 0) {
        out = a.substr(name.size() + (a[name.size()] == '=' ? 1 : 0));
        return true;
      }
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    auto is = [&](const char* name) { return a == name || (a.rfind(name, 0) == 0 && name[1] != '-' && a.size() > 2) ||
                                             (a.rfind(std::string(name) + "=", 0) == 0); };
    std::string v;
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      done = true;
      return kExitListed;
    } else if (a == "-n") {
      s.names.hosts = false;
    } else if (a == "-P") {
      s.names.ports = false;
    } else if (a == "-nP" || a == "-Pn") {
      s.names.hosts = s.names.ports = false;
    } else if (a == "--json") {
      s.json = true;
    } else if (a == "-i") {  // alone (or before another option): every slot, as in lsof
      if (i + 1 < argc && argv[i + 1][0] != '-') {
        auto inet = lsof::parseInet(argv[++i]);
        if (!inet) return usageError(std::string("bad -i argument '") + argv[i] + "' (use [@HOST][:PORT])");
        s.filter.inets.push_back(*inet);
      }
    } else if (is("-i")) {
      auto inet = lsof::parseInet(a.substr(2));
      if (!inet) return usageError("bad -i argument '" + a.substr(2) + "' (use [@HOST][:PORT])");
      s.filter.inets.push_back(*inet);
    } else if (is("-p")) {
      if (!value("-p", v) || !parsePids(v, s.filter.pids)) return usageError("-p needs PID[,PID...]");
    } else if (is("-s")) {
      std::string error;
      if (!value("-s", v)) return usageError("-s needs STATE[,STATE...]");
      auto states = lsof::parseStates(v, error);
      if (!states) return usageError(error);
      s.filter.states.insert(states->begin(), states->end());
    } else if (is("-r")) {
      char* end = nullptr;
      if (!value("-r", v) || (s.repeatSeconds = std::strtod(v.c_str(), &end), *end != 0) ||
          !(s.repeatSeconds > 0 && s.repeatSeconds <= 86400))
        return usageError("-r needs a number of seconds (0 < N <= 86400)");
    } else if (is("--count")) {
      char* end = nullptr;
      if (!value("--count", v) || (s.count = std::strtol(v.c_str(), &end, 10), *end != 0) || s.count < 1)
        return usageError("--count needs a positive number");
    } else if (is("--socket")) {
      if (!value("--socket", v) || v.empty()) return usageError("--socket needs a path");
      s.sockets.push_back(v);
    } else if (is("--dir")) {
      if (!value("--dir", v) || v.empty()) return usageError("--dir needs a directory");
      s.dir = v;
    } else {
      return usageError("unknown option '" + a + "'");
    }
  }
  if (s.dir.empty()) s.dir = lsof::defaultDir();
  if (s.count && !s.repeatSeconds) s.repeatSeconds = 1;
  if (!s.repeatSeconds) s.count = 1;
  return kExitListed;
}

struct Pass {
  bool error = false;
  std::vector<lsof::Emulator> emulators;  // rows already filtered
  size_t rows = 0;
};

void note(std::set<std::string>& noted, const std::string& path, const std::string& message) {
  if (noted.insert(path).second) std::fprintf(stderr, "tcpnet-lsof: %s\n", message.c_str());
}

// One look at every emulator: which sockets, ask each, filter.
Pass look(Settings& s, std::set<std::string>& noted) {
  Pass pass;
  struct Target {
    std::string path;
    bool named;  // an error here is the user's concern (--socket, -p): exit 2
  };
  std::vector<Target> targets;
  if (!s.sockets.empty()) {
    for (const auto& p : s.sockets) targets.push_back({p, true});
  } else {
    std::string error;
    auto found = lsof::scan(s.dir, error);
    if (!error.empty()) {
      std::fprintf(stderr, "tcpnet-lsof: %s\n", error.c_str());
      pass.error = true;
      return pass;
    }
    for (long pid : s.filter.pids) {
      bool present = std::any_of(found.begin(), found.end(), [pid](const auto& c) { return c.pid == pid; });
      if (!present) {
        note(noted, std::to_string(pid), "no emulator with pid " + std::to_string(pid) + " in " + s.dir +
                                             (lsof::processAlive(pid) ? "" : " (no such process)"));
      }
    }
    for (const auto& c : found) {
      bool named = s.filter.pids.count(c.pid) > 0;
      if (!s.filter.pids.empty() && !named) continue;
      struct stat st {};
      if (!named && ::geteuid() != 0 && ::stat(c.path.c_str(), &st) == 0 && st.st_uid != ::geteuid()) continue;
      if (!lsof::processAlive(c.pid)) {  // killed: its socket was left behind
        std::string why = c.path + ": stale socket, process " + std::to_string(c.pid) + " is gone";
        if (named) {
          std::fprintf(stderr, "tcpnet-lsof: %s\n", why.c_str());
          pass.error = true;
        } else {
          note(noted, c.path, "skipping " + why);
        }
        continue;
      }
      targets.push_back({c.path, named});
    }
  }
  for (const auto& t : targets) {
    lsof::QueryResult r = lsof::query(t.path);
    if (r.failure != lsof::Failure::None) {
      if (t.named) {
        std::fprintf(stderr, "tcpnet-lsof: %s\n", r.message.c_str());
        pass.error = true;
      } else {
        note(noted, t.path, "skipping " + r.message);
      }
      continue;
    }
    lsof::Emulator e = std::move(r.emulator);
    lsof::addKernelStates(e);
    std::vector<lsof::Row> kept;
    for (auto& row : e.rows)
      if (lsof::matches(s.filter, row, s.names.hosts)) kept.push_back(std::move(row));
    e.rows = std::move(kept);
    if (e.omitted) std::fprintf(stderr, "tcpnet-lsof: pid %ld: %llu closing connections not shown\n", e.pid,
                                static_cast<unsigned long long>(e.omitted));
    pass.rows += e.rows.size();
    pass.emulators.push_back(std::move(e));
  }
  return pass;
}

void sleepSeconds(double seconds) {
  timespec ts{static_cast<time_t>(seconds), static_cast<long>(std::fmod(seconds, 1.0) * 1e9)};
  while (!gStop.load() && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  bool done = false;
  if (int rc = parseArgs(argc, argv, s, done); rc != kExitListed || done) return rc;

  struct sigaction sa {};
  sa.sa_handler = onSignal;  // no SA_RESTART: the sleep between repetitions ends at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  bool listed = false, error = false;
  std::set<std::string> noted;
  for (long n = 0; !gStop.load() && (s.count == 0 || n < s.count); ++n) {
    if (n) sleepSeconds(s.repeatSeconds);
    if (gStop.load()) break;
    Pass pass = look(s, noted);
    error |= pass.error;
    listed |= pass.rows > 0;
    if (s.json) {
      std::fputs(lsof::jsonReport(pass.emulators, s.names).c_str(), stdout);
    } else {
      std::vector<lsof::Row> rows;
      for (auto& e : pass.emulators) rows.insert(rows.end(), e.rows.begin(), e.rows.end());
      std::fputs(lsof::table(rows, s.names).c_str(), stdout);
      if (s.repeatSeconds) std::fputs("=======\n", stdout);
    }
    std::fflush(stdout);
  }
  if (error) return kExitError;
  return listed ? kExitListed : kExitNothing;
}
