// Which sectors are in use: Kernel.sectorMap, rebuilt from the directory as FileDir.Init does
// (the guest keeps it only in RAM, so nothing of it is stored on disk).
#pragma once

#include <bitset>
#include <cstdint>
#include <string>

#include "disk_format.h"
#include "image_lock.h"

namespace oberondisk {

class SectorMap {
 public:
  // Sectors 0..63 (none, root page, boot area) are reserved as in Kernel.InitSecMap.
  SectorMap() {
    for (uint32_t s = 0; s < kFirstFreeSector; ++s) used_.set(s);
  }

  bool used(uint32_t sector) const { return sector < kMapSectors && used_.test(sector); }
  void mark(uint32_t sector) { if (sector < kMapSectors) used_.set(sector); }
  void free(uint32_t sector) { if (sector >= kFirstFreeSector && sector < kMapSectors) used_.reset(sector); }

  // Kernel.AllocSector: the first free sector after `hint` (a DiskAdr), wrapping around, but
  // never above `lastSector`. Returns its DiskAdr; throws DiskError when none is free.
  DiskAdr alloc(DiskAdr hint, uint32_t lastSector) {
    uint32_t start = hint / kSectorFactor;
    if (start >= kMapSectors) start = 0;
    uint32_t s = start;
    for (uint32_t n = 0; n < kMapSectors; ++n) {
      s = s + 1 >= kMapSectors ? 1 : s + 1;
      if (s <= lastSector && !used_.test(s)) {
        used_.set(s);
        return s * kSectorFactor;
      }
    }
    throw DiskError("disk full: no free sector up to sector " + std::to_string(lastSector));
  }

 private:
  std::bitset<kMapSectors> used_;
};

}  // namespace oberondisk
