#include "tools/cli/cli.h"

#include <iostream>
#include <regex>
#include <utility>

#include "oberon_version.h"  // generated from version.h.in

namespace oberon::cli {

std::string_view version() { return OBERON_VERSION; }

int printHelp(std::string_view text) {
  std::cout << text << std::flush;
  return 0;
}

int printVersion(std::string_view tool) {
  std::cout << tool << ' ' << version() << '\n' << std::flush;
  return 0;
}

int usageError(std::string_view tool, std::string_view what) {
  std::cerr << tool << ": " << what << " (see --help)\n";
  return kUsageStatus;
}

Tool::Tool(std::string name, std::string usage, std::string statuses)
    : name_(std::move(name)), usage_(std::move(usage)), statuses_(std::move(statuses)) {
  standard_.add_options()
    ("help,h", "show this help and exit")
    ("version", "show the version and exit");
}

int Tool::help() const {
  po::options_description shown("Options");  // one table: the tool's options, then the standard ones
  for (const auto* group : {&options, &standard_})
    for (const auto& option : group->options()) shown.add(option);
  std::cout << usage_ << '\n' << shown << '\n' << statuses_ << std::flush;
  return 0;
}

int Tool::run(int argc, char** argv, const std::function<int(const po::variables_map&)>& body) const {
  po::options_description all;
  all.add(options).add(hidden).add(standard_);
  po::variables_map vm;
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(all).positional(positional);
    if (extraStyleParser) parser.extra_style_parser(extraStyleParser);
    po::store(parser.run(), vm);
    if (vm.count("help")) return help();
    if (vm.count("version")) return printVersion(name_);
    po::notify(vm);
    return body(vm);
  } catch (const po::error& e) {
    // Boost writes a short-only option such as -r as '--r' in its messages.
    static const std::regex shortOnly("'--(.)'");
    return usageError(std::regex_replace(e.what(), shortOnly, "'-$1'"));
  } catch (const UsageError& e) {
    return usageError(e.what());
  }
}

}  // namespace oberon::cli
