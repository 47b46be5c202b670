// risc5-as: assemble one RISC5 source file.
//   risc5-as in.s -o out [--format=bin|serial|cpp] [--name NAME] [--max-words N] [--symbols]
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

namespace {

int usage(const char* msg) {
  std::cerr << "risc5-as: " << msg << "\n"
            << "usage: risc5-as IN.s [-o OUT] [--format=bin|serial|cpp] [--name NAME]"
               " [--max-words N] [--symbols]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace risc5::assembler;
  std::string input, output, format = "bin", name = "image";
  long maxWords = -1;
  bool symbols = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& opt) -> std::string {
      if (a.size() > opt.size() && a.compare(0, opt.size() + 1, opt + "=") == 0) return a.substr(opt.size() + 1);
      if (i + 1 >= argc) throw std::runtime_error(opt + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "-o") output = value("-o");
      else if (a.rfind("--format", 0) == 0) format = value("--format");
      else if (a.rfind("--name", 0) == 0) name = value("--name");
      else if (a.rfind("--max-words", 0) == 0) maxWords = std::stol(value("--max-words"));
      else if (a == "--symbols") symbols = true;
      else if (a == "-h" || a == "--help") return usage("assemble RISC5 source (see docs/assembler.md)");
      else if (!a.empty() && a[0] == '-') return usage(("unknown option " + a).c_str());
      else if (input.empty()) input = a;
      else return usage("only one input file");
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  if (input.empty()) return usage("no input file");
  if (format != "bin" && format != "serial" && format != "cpp") return usage("format must be bin, serial or cpp");
  if (output.empty() && !symbols) return usage("no output file (-o) and no --symbols");

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
  if (maxWords >= 0 && static_cast<long>(r.image.words.size()) > maxWords) {
    std::cerr << input << ": image has " << r.image.words.size() << " words, more than the limit of "
              << maxWords << "\n";
    return 1;
  }
  if (symbols) {
    std::vector<std::pair<uint32_t, std::string>> byAddress;
    for (const auto& [label, address] : r.image.labels) byAddress.emplace_back(address, label);
    std::sort(byAddress.begin(), byAddress.end());
    for (const auto& [address, label] : byAddress) std::printf("%08X %s\n", address, label.c_str());
  }
  if (!output.empty()) {
    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    if (format == "cpp") {
      out << toCpp(r.image, name, input);
    } else {
      std::vector<uint8_t> bytes = format == "bin" ? toBinary(r.image) : toSerial(r.image);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    if (!out) {
      std::cerr << "risc5-as: cannot write " << output << "\n";
      return 1;
    }
  }
  return 0;
}
