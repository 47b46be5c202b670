// The directory B-tree (FileDir.Mod): search, insert with page split, delete with underflow
// handling (borrow from or merge with a neighbour page), in-order enumeration. The algorithms
// are the ones FileDir uses, step for step, so that the pages we write are the pages Oberon
// itself would have written, and Oberon's own Insert/Delete keep working on them afterwards.
// Pages off the root may also hold fewer than N = 12 entries (written by other directory code,
// never by FileDir; check reports them as notes). Insert needs nothing special for them, and
// underflow counts from the pages' actual entry counts where FileDir assumes N-1 and N, so that
// deleting keeps such a tree sorted and balanced with 1..24 entries on every page off the root
// (file_dir.cpp). Oberon's own Delete does not manage that: see fs_check.cpp.
//
// Pages are read from and written to a DiskImage; new pages come from the SectorMap with the
// same hints as Kernel.AllocSector gets. Discarded pages (merge, root collapse) are freed in the
// map (Oberon only forgets them until the next boot, which comes to the same thing).
#pragma once

#include <functional>

#include "disk_format.h"
#include "disk_image.h"
#include "sector_map.h"

namespace oberondisk {

class FileDir {
 public:
  FileDir(DiskImage& image, SectorMap& map) : image_(image), map_(map) {}

  // DiskAdr of the file's header, 0 if there is no such entry.
  DiskAdr search(const FileName& name) const;
  // Adds the entry or, if the name exists, replaces its header address.
  void insert(const FileName& name, DiskAdr header);
  // Removes the entry; returns its header address, 0 if there was none.
  DiskAdr remove(const FileName& name);
  // Visits all entries in directory (name) order.
  void enumerate(const std::function<void(const DirEntry&)>& visit) const;

 private:
  DirPage getPage(DiskAdr adr) const;
  void putPage(DiskAdr adr, const DirPage& page);
  static int position(const DirPage& a, const FileName& name);  // binary search as FileDir

  bool insert(const FileName& name, DiskAdr dpg0, DirEntry& v, DiskAdr fad, int depth);
  DiskAdr remove(const FileName& name, DiskAdr dpg0, bool& h, int depth);
  void del(DirPage& a, int R, DiskAdr dpg1, bool& h, int depth);
  void underflow(DirPage& c, DiskAdr dpg0, int s, bool& h);
  void enumerate(DiskAdr dpg, const std::function<void(const DirEntry&)>& visit, int depth) const;

  DiskImage& image_;
  SectorMap& map_;
};

}  // namespace oberondisk
