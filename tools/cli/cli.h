// The command-line conventions of the project's executables (oberon-emu, oberon-disk,
// tcpnet-lsof, risc5-as, risc5-dis), a thin layer over Boost.Program_options:
//
//   -h, --help     usage, options and exit statuses on stdout; exit status 0
//   --version      "<tool> <version>" on stdout; exit status 0
//   usage error    (unknown option, missing argument, bad value) one line on stderr,
//                  "<tool>: what is wrong (see --help)"; exit status 64
//
// Every other exit status is the tool's own and is listed in its --help.
#pragma once

#include <boost/program_options.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace oberon::cli {

namespace po = boost::program_options;

// The exit status of every usage error: EX_USAGE of <sysexits.h>. Not 1 or 2, which mean other
// things already (oberon-emu: a bad image, a timeout; tcpnet-lsof: nothing listed, an error).
inline constexpr int kUsageStatus = 64;

// The project version (PROJECT_VERSION of the top CMakeLists.txt), e.g. "0.1".
std::string_view version();

// The conventions one by one, for a tool that parses its command line itself.
int printHelp(std::string_view text);                          // text on stdout; returns 0
int printVersion(std::string_view tool);                       // "<tool> <version>"; returns 0
int usageError(std::string_view tool, std::string_view what);  // one line on stderr; returns 64

// A usage error found after parsing (a value out of range, a missing argument); Tool::run
// reports it.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A tool's command line: declare its options and positional arguments, then run() it.
//
//   cli::Tool tool("risc5-dis", "Usage: risc5-dis [options] FILE\n...", "Exit status: ...\n");
//   tool.options.add_options()("base", po::value(&base), "...");
//   tool.hidden.add_options()("file", po::value(&file));
//   tool.positional.add("file", 1);
//   return tool.run(argc, argv, [&](const po::variables_map& vm) { ...; return 0; });
class Tool {
 public:
  // usage: the "Usage: ..." lines and what the tool does; statuses: the "Exit status: ..." text.
  // Both end with a newline; --help prints usage, the option table and statuses.
  Tool(std::string name, std::string usage, std::string statuses);

  po::options_description options;               // shown by --help (-h, --help, --version added)
  po::options_description hidden;                // parsed, not shown: the positional arguments
  po::positional_options_description positional;
  // For tokens that Boost's styles cannot express (tcpnet-lsof's "-i" with an optional
  // separate value); see po::command_line_parser::extra_style_parser.
  std::function<std::vector<po::option>(std::vector<std::string>&)> extraStyleParser;

  // Parses the command line and answers --help and --version; otherwise returns body(vm). A
  // usage error, from parsing or a UsageError thrown by body, is reported and gives 64.
  int run(int argc, char** argv, const std::function<int(const po::variables_map&)>& body) const;

  int help() const;
  int usageError(std::string_view what) const { return cli::usageError(name_, what); }

 private:
  std::string name_, usage_, statuses_;
  po::options_description standard_;  // -h/--help, --version
};

}  // namespace oberon::cli
