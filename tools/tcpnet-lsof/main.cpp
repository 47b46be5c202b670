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

#include "device/monitor/protocol.h"
#include "lsof.h"
#include "tools/cli/cli.h"

namespace {

constexpr int kExitListed = 0, kExitNothing = 1, kExitError = 2;

std::atomic<bool> gStop{false};
extern "C" void onSignal(int) { gStop.store(true); }

namespace cli = oberon::cli;
namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: tcpnet-lsof [-n] [-P] [-p PID[,PID...]] [-i [@HOST][:PORT]] [-s STATE[,STATE...]]\n"
    "                   [--json] [-r SECONDS [--count N]] [--socket PATH]... [--dir DIR]\n"
    "Lists the TCPNet slots of running Oberon emulators (oberon-emu), the way lsof -i lists\n"
    "sockets (docs/tcpnet-lsof.md). Different options are combined with AND.\n";

constexpr const char* kStatuses =
    "Only sockets served by your own user are read; scanning reads only a directory that is\n"
    "yours alone (mode 0700), and each answer is checked (docs/tcpnet-lsof.md).\n"
    "Exit status: 0 something was listed; 1 nothing matched; 2 an error (an unreadable\n"
    "directory or one that is not yours alone, a named socket or emulator that is missing,\n"
    "not permitted, another user's, dead, not answering or answering nonsense); 64 a usage\n"
    "error (unknown option, missing or bad value).\n";

struct Settings {
  lsof::Filter filter;
  lsof::Names names;
  bool json = false;
  double repeatSeconds = 0;  // 0 = once
  long count = 0;            // 0 = until SIGINT (with -r)
  std::vector<std::string> sockets;
  std::string dir;
  bool dirGiven = false;  // --dir: a missing directory is an error, not "no emulator"
};

// The command line as Boost gives it; turned into Settings by settings().
struct Raw {
  bool numericHosts = false, numericPorts = false, json = false;
  std::vector<std::string> pids, inets, states, sockets;
  std::string repeat, count, dir;
};

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

// "-i" as lsof has it: alone (or before another option) it selects every slot; otherwise the
// next argument is its value. Boost can give an option an optional value only when glued to it
// (-i:80), so this parser takes the separate form. An empty value stands for "alone".
std::vector<po::option> inetOption(std::vector<std::string>& args) {
  if (args.empty() || args[0] != "-i") return {};
  po::option o("-i", {""});
  o.original_tokens = {args[0]};
  args.erase(args.begin());
  if (!args.empty() && !args[0].empty() && args[0][0] != '-') {
    o.value = {args[0]};
    o.original_tokens.push_back(args[0]);
    args.erase(args.begin());
  }
  return {o};
}

// Checks the values; a cli::UsageError names the first bad one. vm tells which options were given.
Settings settings(const Raw& raw, const po::variables_map& vm) {
  Settings s;
  s.names.hosts = !raw.numericHosts;
  s.names.ports = !raw.numericPorts;
  s.json = raw.json;
  for (const auto& p : raw.pids)
    if (!parsePids(p, s.filter.pids)) throw cli::UsageError("-p needs PID[,PID...], not '" + p + "'");
  for (const auto& i : raw.inets) {
    if (i.empty()) continue;  // -i alone: every slot
    auto inet = lsof::parseInet(i);
    if (!inet) throw cli::UsageError("bad -i argument '" + i + "' (use [@HOST][:PORT])");
    s.filter.inets.push_back(*inet);
  }
  for (const auto& text : raw.states) {
    std::string error;
    auto states = lsof::parseStates(text, error);
    if (!states) throw cli::UsageError(error);
    s.filter.states.insert(states->begin(), states->end());
  }
  if (vm.count("-r")) {  // Boost's key of a short-only option is its dashed name
    char* end = nullptr;
    s.repeatSeconds = std::strtod(raw.repeat.c_str(), &end);
    if (*end != 0 || !(s.repeatSeconds > 0 && s.repeatSeconds <= 86400))
      throw cli::UsageError("-r needs a number of seconds (0 < N <= 86400), not '" + raw.repeat + "'");
  }
  if (vm.count("count")) {
    char* end = nullptr;
    s.count = std::strtol(raw.count.c_str(), &end, 10);
    if (*end != 0 || s.count < 1) throw cli::UsageError("--count needs a positive number, not '" + raw.count + "'");
  }
  for (const auto& p : raw.sockets)
    if (p.empty()) throw cli::UsageError("--socket needs a path");
  s.sockets = raw.sockets;
  if (vm.count("dir") && raw.dir.empty()) throw cli::UsageError("--dir needs a directory");
  s.dirGiven = !raw.dir.empty();
  s.dir = s.dirGiven ? raw.dir : tcpnet::monitor::defaultDir();
  if (s.count && !s.repeatSeconds) s.repeatSeconds = 1;
  if (!s.repeatSeconds) s.count = 1;
  return s;
}

struct Pass {
  bool error = false;
  std::vector<lsof::Emulator> emulators;  // rows already filtered
  size_t rows = 0;
};

// Messages may quote paths and pids from a directory or an answer: printed as printable() makes
// them, so no escape sequence reaches the terminal.
void say(const std::string& message) { std::fprintf(stderr, "tcpnet-lsof: %s\n", lsof::printable(message).c_str()); }

void note(std::set<std::string>& noted, const std::string& path, const std::string& message) {
  if (noted.insert(path).second) say(message);
}

// One look at every emulator: which sockets, ask each, filter.
Pass look(Settings& s, std::set<std::string>& noted) {
  Pass pass;
  struct Target {
    std::string path;
    bool named;         // an error here is the user's concern (--socket, -p): exit 2
    long namePid = 0;   // the pid in the socket's name (scanned ones): the answer must say it too
  };
  std::vector<Target> targets;
  if (!s.sockets.empty()) {
    for (const auto& p : s.sockets) targets.push_back({p, true});
  } else {
    std::string error;
    bool missing = false;
    auto found = lsof::scan(s.dir, error, &missing);
    if (!error.empty()) {
      if (missing && !s.dirGiven) {  // the default directory: no emulator has made it yet
        for (long pid : s.filter.pids) note(noted, std::to_string(pid), "no emulator with pid " + std::to_string(pid));
        return pass;
      }
      say(error);
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
      std::string why = c.problem;
      if (why.empty() && !lsof::processAlive(c.pid))  // killed: its socket was left behind
        why = c.path + ": stale socket, process " + std::to_string(c.pid) + " is gone";
      if (!why.empty()) {
        if (named) {
          say(why);
          pass.error = true;
        } else {
          note(noted, c.path, "skipping " + why);
        }
        continue;
      }
      targets.push_back({c.path, named, c.pid});
    }
  }
  for (const auto& t : targets) {
    lsof::QueryResult r = lsof::query(t.path);
    if (r.failure == lsof::Failure::None && t.namePid && r.emulator.pid != t.namePid) {
      r.failure = lsof::Failure::BadDocument;
      r.message = t.path + ": bad answer: it says pid " + std::to_string(r.emulator.pid) + ", its name pid " +
                  std::to_string(t.namePid);
    }
    if (r.failure != lsof::Failure::None) {
      if (t.named) {
        say(r.message);
        pass.error = true;
      } else {
        note(noted, t.path, "skipping " + r.message);
      }
      continue;
    }
    lsof::Emulator e = std::move(r.emulator);
    std::vector<lsof::Row> kept;
    for (auto& row : e.rows)
      if (lsof::matches(s.filter, row, s.names.hosts)) kept.push_back(std::move(row));
    e.rows = std::move(kept);
    if (e.omitted)
      say("pid " + std::to_string(e.pid) + ": " + std::to_string(e.omitted) + " closing connections not shown");
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

int list(Settings& s) {
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

int main(int argc, char** argv) {
  Raw raw;
  cli::Tool tool("tcpnet-lsof", kUsage, kStatuses);
  tool.options.add_options()
    (",n", po::bool_switch(&raw.numericHosts), "show IP addresses, do not resolve host names")
    (",P", po::bool_switch(&raw.numericPorts), "show port numbers, do not resolve service names")
    (",p", po::value(&raw.pids)->value_name("PID,..."), "only these emulator processes")
    (",i", po::value(&raw.inets)->value_name("[@H][:P]"),
     "only slots with an endpoint on host H and/or port P (repeatable: any matches; alone: all)")
    (",s", po::value(&raw.states)->value_name("STATE,..."),
     "only these states: LISTEN CONNECTING ESTABLISHED CLOSE_WAIT FIN_WAIT LAST_ACK CLOSED "
     "ERROR (any case; a TCP: prefix as in lsof is accepted)")
    ("json", po::bool_switch(&raw.json), "one JSON document (per repetition) instead of the table")
    (",r", po::value(&raw.repeat)->value_name("SECONDS"), "repeat every SECONDS until interrupted")
    ("count", po::value(&raw.count)->value_name("N"), "stop after N repetitions (implies -r 1)")
    ("socket", po::value(&raw.sockets)->value_name("PATH"),
     "ask the emulator on this monitor socket instead of scanning (repeatable)")
    ("dir", po::value(&raw.dir)->value_name("DIR"),
     "scan DIR (yours alone, mode 0700) instead of $XDG_RUNTIME_DIR/oberon-emu (or /tmp/oberon-emu-UID)");
  tool.extraStyleParser = inetOption;
  return tool.run(argc, argv, [&](const po::variables_map& vm) {
    Settings s = settings(raw, vm);
    return list(s);
  });
}
