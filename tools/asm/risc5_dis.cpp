// risc5-dis: list the words of a binary file (raw little-endian words or a serial boot stream).
//   risc5-dis [--base ADDR] [--format=bin|serial] FILE    (docs/assembler.md)
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/asm/encoding.h"
#include "tools/asm/formats.h"
#include "tools/cli/cli.h"

namespace {

namespace cli = oberon::cli;
namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: risc5-dis [options] FILE\n"
    "Lists the words of a RISC5 binary (raw little-endian words or a serial boot stream) as\n"
    "ADDRESS  WORD  INSTRUCTION; the listing re-assembles with risc5-as (docs/assembler.md).\n";

constexpr const char* kStatuses =
    "Exit status: 0 listed; 1 FILE cannot be read or is not a well-formed serial stream;\n"
    "64 a usage error (bad option or value, no FILE).\n";

// An address: decimal, 0x hex or 0 octal (strtoul's base 0), at most 32 bits.
uint32_t parseAddress(const std::string& text) {
  size_t end = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &end, 0);
  } catch (const std::exception&) {
    end = 0;
  }
  if (text.empty() || text[0] == '-' || end != text.size() || v > 0xFFFFFFFFull)
    throw cli::UsageError("--base wants a 32-bit address such as 0xFFFFF800, not '" + text + "'");
  return static_cast<uint32_t>(v);
}

void list(uint32_t base, const std::vector<uint32_t>& words) {
  for (size_t i = 0; i < words.size(); ++i) {
    uint32_t address = base + static_cast<uint32_t>(4 * i);
    std::printf("%08X  %08X  %s\n", address, words[i],
                risc5::assembler::disassemble(words[i], address).c_str());
  }
}

int disassembleFile(const std::string& input, const std::string& format, uint32_t base) {
  using namespace risc5::assembler;
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
  if (bytes.size() % 4 != 0) std::cerr << "risc5-dis: ignoring " << bytes.size() % 4 << " trailing bytes\n";
  std::vector<uint32_t> words(bytes.size() / 4);
  for (size_t i = 0; i < words.size(); ++i) {
    words[i] = bytes[4 * i] | bytes[4 * i + 1] << 8 | bytes[4 * i + 2] << 16 |
               static_cast<uint32_t>(bytes[4 * i + 3]) << 24;
  }
  list(base, words);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> inputs;
  std::string base, format;
  cli::Tool tool("risc5-dis", kUsage, kStatuses);
  tool.options.add_options()
    ("base", po::value(&base)->value_name("ADDR")->default_value("0"),
     "address of the first word of a bin file (decimal or 0x hex)")
    ("format", po::value(&format)->value_name("bin|serial")->default_value("bin"),
     "bin: little-endian words; serial: the boot ROM's serial stream (its blocks have addresses)");
  tool.hidden.add_options()("input", po::value(&inputs));
  tool.positional.add("input", -1);
  return tool.run(argc, argv, [&](const po::variables_map&) {
    if (inputs.empty()) throw cli::UsageError("no input file");
    if (inputs.size() > 1) throw cli::UsageError("only one input file");
    if (format != "bin" && format != "serial")
      throw cli::UsageError("--format must be bin or serial, not '" + format + "'");
    return disassembleFile(inputs[0], format, parseAddress(base));
  });
}
