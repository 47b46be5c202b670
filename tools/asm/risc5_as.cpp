// risc5-as: assemble one RISC5 source file (docs/assembler.md).
//   risc5-as IN.s [-o OUT] [--format=bin|serial|cpp] [--name NAME] [--max-words N] [--symbols]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tools/asm/assembler.h"
#include "tools/asm/formats.h"
#include "tools/cli/cli.h"

namespace {

namespace cli = oberon::cli;
namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: risc5-as [options] IN.s\n"
    "Assembles one RISC5 source file (docs/assembler.md): writes the image to OUT (-o) and/or\n"
    "lists the labels (--symbols). Errors are printed as FILE:LINE: message.\n";

constexpr const char* kStatuses =
    "Exit status: 0 assembled; 1 errors in the source, a file that cannot be read or written,\n"
    "or an image longer than --max-words; 64 a usage error (bad option or value, no input).\n";

struct Settings {
  std::string input, output, format, name;
  long maxWords = -1;  // -1: no limit
  bool symbols = false;
};

int assembleFile(const Settings& s) {
  using namespace risc5::assembler;
  const std::string& input = s.input;
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << "risc5-as: cannot open " << input << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  Result r = assemble(text.str(), input);
  if (!r.ok()) {
    std::cerr << r.errorText();
    return 1;
  }
  if (s.maxWords >= 0 && static_cast<long>(r.image.words.size()) > s.maxWords) {
    std::cerr << input << ": image has " << r.image.words.size() << " words, more than the limit of "
              << s.maxWords << "\n";
    return 1;
  }
  if (s.symbols) {
    std::vector<std::pair<uint32_t, std::string>> byAddress;
    for (const auto& [label, address] : r.image.labels) byAddress.emplace_back(address, label);
    std::sort(byAddress.begin(), byAddress.end());
    for (const auto& [address, label] : byAddress) std::printf("%08X %s\n", address, label.c_str());
  }
  if (!s.output.empty()) {
    std::ofstream out(s.output, std::ios::binary | std::ios::trunc);
    if (s.format == "cpp") {
      out << toCpp(r.image, s.name, input);
    } else {
      std::vector<uint8_t> bytes = s.format == "bin" ? toBinary(r.image) : toSerial(r.image);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    if (!out) {
      std::cerr << "risc5-as: cannot write " << s.output << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  std::vector<std::string> inputs;
  cli::Tool tool("risc5-as", kUsage, kStatuses);
  tool.options.add_options()
    ("output,o", po::value(&s.output)->value_name("OUT"), "write the image to OUT")
    ("format", po::value(&s.format)->value_name("bin|serial|cpp")->default_value("bin"),
     "bin: little-endian words; serial: the boot ROM's serial stream; cpp: a C++ source")
    ("name", po::value(&s.name)->value_name("NS::NAME")->default_value("image"),
     "cpp: the qualified name of the generated arrays")
    ("max-words", po::value(&s.maxWords)->value_name("N"), "fail if the image has more than N words")
    ("symbols", po::bool_switch(&s.symbols), "list the labels on stdout: ADDRESS NAME");
  tool.hidden.add_options()("input", po::value(&inputs));
  tool.positional.add("input", -1);
  return tool.run(argc, argv, [&](const po::variables_map& vm) {
    if (inputs.empty()) throw cli::UsageError("no input file");
    if (inputs.size() > 1) throw cli::UsageError("only one input file");
    s.input = inputs[0];
    if (s.format != "bin" && s.format != "serial" && s.format != "cpp")
      throw cli::UsageError("--format must be bin, serial or cpp, not '" + s.format + "'");
    if (vm.count("max-words") && s.maxWords < 0) throw cli::UsageError("--max-words must be 0 or more");
    if (s.output.empty() && !s.symbols) throw cli::UsageError("no output file (-o) and no --symbols");
    return assembleFile(s);
  });
}
