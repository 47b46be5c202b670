// The disk image is checked before the CPU runs (with the disk tool's file-system check): an image
// too short for the file system it holds, or with an unreadable directory, would otherwise boot
// to a black screen or trap somewhere later, with no word of why.
#pragma once

#include <string>

namespace risc5 {

struct ImageVerdict {
  std::string refusal;  // one line: why the image cannot boot ("" = it may)
  std::string warning;  // one line: problems Oberon can live with ("" = none)
};

// Images the check cannot read (missing, locked, not Oberon, not a regular file) pass: opening
// them as the SD card then says what is wrong.
ImageVerdict checkImage(const std::string& path);

}  // namespace risc5
