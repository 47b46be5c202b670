#include "image_check.h"

#include <exception>

#include "emulator/disk/disk_image.h"
#include "emulator/disk/fs_check.h"

namespace risc5 {

ImageVerdict checkImage(const std::string& path) {
  ImageVerdict v;
  try {
    auto image = oberondisk::DiskImage::open(path, /*writable=*/false);
    auto report = oberondisk::checkFileSystem(image);
    const std::string more = report.problems.size() > 1
                                 ? " (and " + std::to_string(report.problems.size() - 1) + " more problems)"
                                 : "";
    const std::string see = "; 'oberon-disk check " + path + "' lists them";
    if (!report.fatal.empty())
      v.refusal = path + " cannot boot (truncated or damaged): " + report.fatal.front() + more + see;
    else if (!report.problems.empty())
      v.warning = path + " has file-system problems: " + report.problems.front() + more + see;
  } catch (const std::exception&) {
    // Not ours to report: SdCard::open gives the reason in its own words.
  }
  return v;
}

}  // namespace risc5
