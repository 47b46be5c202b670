// risc5-dis: list the words of a binary file (raw little-endian words or a serial boot stream).
//   risc5-dis [--base ADDR] [--format=bin|serial] FILE
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/asm/encoding.h"
#include "tools/asm/formats.h"

namespace {

int usage(const char* msg) {
  std::cerr << "risc5-dis: " << msg << "\n"
            << "usage: risc5-dis [--base ADDR] [--format=bin|serial] FILE\n";
  return 2;
}

void list(uint32_t base, const std::vector<uint32_t>& words) {
  for (size_t i = 0; i < words.size(); ++i) {
    uint32_t address = base + static_cast<uint32_t>(4 * i);
    std::printf("%08X  %08X  %s\n", address, words[i],
                risc5::assembler::disassemble(words[i], address).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace risc5::assembler;
  std::string input, format = "bin";
  uint32_t base = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    try {
      if (a == "--base" && i + 1 < argc) base = static_cast<uint32_t>(std::stoul(argv[++i], nullptr, 0));
      else if (a.rfind("--base=", 0) == 0) base = static_cast<uint32_t>(std::stoul(a.substr(7), nullptr, 0));
      else if (a.rfind("--format=", 0) == 0) format = a.substr(9);
      else if (!a.empty() && a[0] == '-') return usage(("unknown option " + a).c_str());
      else input = a;
    } catch (const std::exception&) {
      return usage("bad --base value");
    }
  }
  if (input.empty()) return usage("no input file");
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << "risc5-dis: cannot open " << input << "\n";
    return 1;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (format == "serial") {
    std::vector<SerialBlock> blocks;
    if (!fromSerial(bytes, blocks)) {
      std::cerr << "risc5-dis: " << input << " is not a well-formed serial boot stream\n";
      return 1;
    }
    for (const SerialBlock& b : blocks) {
      std::printf("; block of %zu words at %08X\n", b.words.size(), b.address);
      list(b.address, b.words);
    }
    return 0;
  }
  if (format != "bin") return usage("format must be bin or serial");
  if (bytes.size() % 4 != 0) std::cerr << "risc5-dis: ignoring " << bytes.size() % 4 << " trailing bytes\n";
  std::vector<uint32_t> words(bytes.size() / 4);
  for (size_t i = 0; i < words.size(); ++i) {
    words[i] = bytes[4 * i] | bytes[4 * i + 1] << 8 | bytes[4 * i + 2] << 16 |
               static_cast<uint32_t>(bytes[4 * i + 3]) << 24;
  }
  list(base, words);
  return 0;
}
