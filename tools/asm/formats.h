// Output formats of the assembler: raw words, the boot ROM's serial stream, C++ source.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/asm/assembler.h"

namespace risc5::assembler {

// Words as little-endian bytes, starting at image.origin.
std::vector<uint8_t> toBinary(const Image& image);

// The serial boot stream the boot ROM reads (BootLoad.LoadFromLine): little-endian words
// {length in bytes, address, length/4 words} for one block at image.origin, then a 0 length.
std::vector<uint8_t> toSerial(const Image& image);

// Parses a serial boot stream back into (address, words) blocks; false if malformed.
struct SerialBlock {
  uint32_t address;
  std::vector<uint32_t> words;
};
bool fromSerial(const std::vector<uint8_t>& bytes, std::vector<SerialBlock>& blocks);

// A C++ source defining, in the namespace part of `qualifiedName` (e.g. "a::b::rom"):
//   extern const std::uint32_t rom_words[];       extern const std::size_t rom_size;
//   extern const std::uint32_t rom_origin;
//   extern const char* const rom_label_names[];   extern const std::uint32_t rom_label_addresses[];
//   extern const std::size_t rom_label_count;
// The consumer declares the same names. Labels are listed with their byte addresses.
std::string toCpp(const Image& image, const std::string& qualifiedName, const std::string& sourceName);

}  // namespace risc5::assembler
