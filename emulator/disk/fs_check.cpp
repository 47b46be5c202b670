#include "fs_check.h"

#include <cstdio>
#include <map>
#include <optional>

namespace oberondisk {

namespace {

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08XH", v);
  return buf;
}

std::string quoted(const FileName& n) {
  std::string q(1, '\'');
  q += fromFileName(n);
  q += '\'';
  return q;
}

class Checker {
 public:
  explicit Checker(const DiskImage& image, CheckReport& report) : image_(image), r_(report) {}

  void run() {
    // A last sector cut short is a note: the card reads zeros past the end, and a sector the file
    // system uses there is a problem of its own ("outside the image"). It happens when the
    // emulator is killed between the two 512-byte card blocks of a sector that grows the image.
    if (image_.layout() == Layout::filesystemOnly && image_.fileBytes() % kSectorSize != 0)
      note("image size " + std::to_string(image_.fileBytes()) + " bytes is not a multiple of 1024: sector " +
           std::to_string(image_.lastSectorInFile() + 1) + " is cut short (no file uses it)");
    walkPage(kDirRootAdr, 0, std::nullopt, std::nullopt, "root directory page");
    for (const auto& e : entries_) checkFile(e.first, e.second);
    for (const auto& [sector, what] : owner_) r_.map.mark(sector);
    r_.usedSectors = uint32_t(owner_.size());
  }

 private:
  void problem(const std::string& text) { r_.problems.push_back(text); }
  void note(const std::string& text) { r_.notes.push_back(text); }
  void fatal(const std::string& text) {
    r_.problems.push_back(text);
    r_.fatal.push_back(text);
  }

  // Validates a disk address and records its owner; returns the sector if it may be read.
  std::optional<uint32_t> claim(DiskAdr adr, const std::string& what) {
    if (adr == 0) {
      problem(what + ": disk address is 0");
      return std::nullopt;
    }
    if (adr % kSectorFactor != 0) {
      problem(what + ": disk address " + std::to_string(adr) + " is not a multiple of 29");
      return std::nullopt;
    }
    uint32_t sector = adr / kSectorFactor;
    if (sector >= kMapSectors) {
      problem(what + ": sector " + std::to_string(sector) + " is beyond the Kernel's sector map (65535)");
      return std::nullopt;
    }
    if (sector < kFirstFreeSector && adr != kDirRootAdr) {
      problem(what + ": sector " + std::to_string(sector) + " is in the reserved area (sectors 0..63)");
      return std::nullopt;
    }
    if (!image_.inFile(sector)) {
      fatal(what + ": sector " + std::to_string(sector) + " is outside the image (last sector " +
              std::to_string(image_.lastSectorInFile()) + ")");
      return std::nullopt;
    }
    auto [it, fresh] = owner_.emplace(sector, what);
    if (!fresh) {
      // A directory page reached twice (a child pointer back to an ancestor, or two parents)
      // makes FileDir.Init's walk at boot go round for ever: the emulator refuses that.
      std::string text = "sector " + std::to_string(sector) + " used twice: by " + it->second + " and by " + what;
      if (what.find("directory page") != std::string::npos) fatal(text);
      else problem(text);
      return std::nullopt;
    }
    return sector;
  }

  void walkPage(DiskAdr adr, int depth, std::optional<FileName> lo, std::optional<FileName> hi,
                const std::string& what) {
    if (depth > 16) {  // 24-way pages: 5 levels hold millions of names; deeper is a damaged chain
      fatal(what + ": directory B-tree deeper than 16 levels, not followed further");
      return;
    }
    auto sector = claim(adr, what);
    if (!sector) return;
    ++r_.directoryPages;
    std::string at = "directory page at sector " + std::to_string(*sector);
    DirPage a = DirPage::decode(image_.read(*sector));
    if (a.mark != kDirMark) {
      fatal(at + ": bad mark " + hex(a.mark) + " (expected 9B1EA38DH)");
      return;
    }
    if (a.m < 0 || a.m > kDirPgSize) {
      fatal(at + ": entry count " + std::to_string(a.m) + " out of range 0..24");
      return;
    }
    // How full must a page other than the root be? FileDir.Mod answers procedure by procedure:
    // - Search and insert binary-search e[0..m-1], then follow p0 or e[R-1].p; Insert splits
    //   a page only when it holds 24. Init's TraverseDir visits p0 and e[0..m-1].p. All of them
    //   work for any m in 0..24. Outside 0..24 they index e[] out of bounds, which the compiler's
    //   index check traps: that is the fatal range check above.
    // - Enumerate lists p0's subtree only from inside its loop over the entries (at i = 0), so
    //   nothing under a page with m = 0 is listed (System.Directory would not show it), and
    //   del takes e[m-1] of the pages it passes, e[-1] for m = 0: an index trap. An empty page
    //   off the root is therefore a problem.
    // - With 1..11 entries everything above works. Only Delete's underflow does not: it assumes
    //   that the page which lost an entry holds exactly N-1 = 11 and a neighbour it merges with
    //   exactly N = 12. It puts the parent's key at e[11] and copies 12 of the neighbour's
    //   entries, so with fewer, stale or empty entries between m and 11 become part of the page
    //   (a duplicate name, a name '' with header 0; the next boot then hangs in Init). Oberon's
    //   FileDir never makes such a page itself (a split gives 12 + 12, a borrow leaves both pages
    //   at 12 or more, a merge gives 24), but other directory code does. So an underfull page is
    //   a note, not a problem: Oberon reads it and adds to it, our FileDir (file_dir.cpp) also
    //   deletes correctly on it, and the note says what Oberon's own delete would do.
    bool root = adr == kDirRootAdr;
    if (!root && a.m == 0)
      problem(at + ": 0 entries, a page other than the root needs at least 1 (FileDir.Delete "
                   "indexes e[-1] on it, FileDir.Enumerate skips its subtree)");
    else if (!root && a.m < kDirHalf)
      note(at + ": " + std::to_string(a.m) + " entries, fewer than 12: Oberon reads and extends such a page, " +
           "but Oberon deleting files near it damages the directory (oberon-disk delete does not)");
    if (root && a.m == 0 && a.p0 != 0) problem(at + ": empty root page with a child page");
    bool leaf = a.p0 == 0;
    if (leaf || a.m == 0) {
      if (leafDepth_ < 0) leafDepth_ = depth;
      else if (leafDepth_ != depth)
        problem(at + ": leaf at depth " + std::to_string(depth) + ", other leaves at depth " +
                std::to_string(leafDepth_) + " (unbalanced B-tree)");
    }
    for (int i = 0; i < a.m; ++i) {
      const DirEntry& e = a.e[i];
      std::string entry = at + ", entry " + std::to_string(i) + " " + quoted(e.name);
      bool terminated = false;
      for (char c : e.name) terminated = terminated || c == 0;
      if (!terminated) problem(at + ", entry " + std::to_string(i) + ": name not terminated within 32 bytes");
      else if (auto p = fileNameProblem(fromFileName(e.name)); !p.empty()) problem(entry + ": " + p);
      if (i > 0 && compareNames(a.e[i - 1].name, e.name) >= 0)
        problem(at + ": entries " + std::to_string(i - 1) + " " + quoted(a.e[i - 1].name) + " and " +
                std::to_string(i) + " " + quoted(e.name) + " out of order");
      if (lo && compareNames(*lo, e.name) >= 0)
        problem(entry + ": not greater than its parent's key " + quoted(*lo));
      if (hi && compareNames(e.name, *hi) >= 0)
        problem(entry + ": not less than its parent's key " + quoted(*hi));
      if (leaf && e.p != 0) problem(entry + ": child pointer on a leaf page (p0 = 0)");
      if (!leaf && e.p == 0) problem(entry + ": inner page entry without child page");
      entries_.emplace_back(e.name, e.adr);
    }
    if (leaf) return;
    for (int i = 0; i <= a.m; ++i) {
      DiskAdr child = i == 0 ? a.p0 : a.e[i - 1].p;
      if (child == 0) continue;  // reported above
      std::optional<FileName> clo = i == 0 ? lo : std::optional<FileName>(a.e[i - 1].name);
      std::optional<FileName> chi = i == a.m ? hi : std::optional<FileName>(a.e[i].name);
      walkPage(child, depth + 1, clo, chi,
               "directory page (child " + std::to_string(i) + " of sector " + std::to_string(*sector) + ")");
    }
  }

  void checkFile(const FileName& name, DiskAdr adr) {
    ++r_.files;
    std::string file = "file " + quoted(name);
    auto hsec = claim(adr, file + " header");
    if (!hsec) return;
    std::string at = file + ": header at sector " + std::to_string(*hsec);
    FileHeader h = FileHeader::decode(image_.read(*hsec));
    if (h.mark != kHeaderMark) {
      problem(at + ": bad mark " + hex(h.mark) + " (expected 9BA71D86H)");
      return;
    }
    if (compareNames(h.name, name) != 0) problem(at + ": header names the file " + quoted(h.name));
    if (h.sec[0] != adr)
      problem(at + ": sec[0] = " + std::to_string(h.sec[0]) + " differs from the header address " + std::to_string(adr));
    if (h.aleng < 0 || h.aleng > kMaxAleng) {
      problem(at + ": aleng " + std::to_string(h.aleng) + " out of range 0..3135");
      return;
    }
    int32_t blo = h.aleng == 0 ? kHeaderSize : 0;
    if (h.bleng < blo || h.bleng > kSectorSize)
      problem(at + ": bleng " + std::to_string(h.bleng) + " out of range " + std::to_string(blo) + "..1024");
    for (int k = 1; k <= h.aleng && k < kSecTabSize; ++k)
      claim(h.sec[k], file + " sector " + std::to_string(k));
    int tables = extTablesFor(h.aleng);
    for (int t = 0; t < tables; ++t) {
      auto xsec = claim(h.ext[t], file + " extension table " + std::to_string(t));
      if (!xsec) continue;
      ++r_.extensionTables;
      Sector index = image_.read(*xsec);
      int first = kSecTabSize + t * kIndexSize;
      for (int k = first; k < first + kIndexSize && k <= h.aleng; ++k)
        claim(getWord(&index[4 * (k - first)]), file + " sector " + std::to_string(k));
    }
  }

  const DiskImage& image_;
  CheckReport& r_;
  std::map<uint32_t, std::string> owner_;
  std::vector<std::pair<FileName, DiskAdr>> entries_;
  int leafDepth_ = -1;
};

}  // namespace

CheckReport checkFileSystem(const DiskImage& image) {
  CheckReport report;
  Checker(image, report).run();
  return report;
}

}  // namespace oberondisk
