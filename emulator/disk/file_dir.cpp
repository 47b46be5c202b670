#include "file_dir.h"

#include <cstdio>

namespace oberondisk {

namespace {
constexpr int N = kDirHalf;
constexpr int kMaxDepth = 16;  // 24-way pages: 5 levels already hold millions of names

void checkDepth(int depth) {
  if (depth > kMaxDepth) throw DiskError("directory B-tree deeper than 16 levels (a loop?)");
}

std::string hexAdr(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08X", v);
  return buf;
}
}  // namespace

DirPage FileDir::getPage(DiskAdr adr) const {
  if (adr % kSectorFactor != 0 || adr == 0)
    throw DiskError("directory page address " + std::to_string(adr) + " is not a multiple of 29");
  uint32_t sector = adr / kSectorFactor;
  DirPage a = DirPage::decode(image_.read(sector));
  if (a.mark != kDirMark)
    throw DiskError("directory page at sector " + std::to_string(sector) + ": bad mark " + hexAdr(a.mark));
  if (a.m < 0 || a.m > kDirPgSize)
    throw DiskError("directory page at sector " + std::to_string(sector) + ": entry count " +
                    std::to_string(a.m) + " out of range");
  return a;
}

void FileDir::putPage(DiskAdr adr, const DirPage& page) {
  Sector s{};
  page.encode(s);
  image_.write(adr / kSectorFactor, s);
}

int FileDir::position(const DirPage& a, const FileName& name) {
  int L = 0, R = a.m;
  while (L < R) {
    int i = (L + R) / 2;
    if (compareNames(name, a.e[i].name) <= 0) R = i; else L = i + 1;
  }
  return R;
}

DiskAdr FileDir::search(const FileName& name) const {
  DiskAdr dadr = kDirRootAdr;
  for (int depth = 0;; ++depth) {
    checkDepth(depth);
    DirPage a = getPage(dadr);
    int R = position(a, name);
    if (R < a.m && compareNames(name, a.e[R].name) == 0) return a.e[R].adr;
    dadr = R == 0 ? a.p0 : a.e[R - 1].p;
    if (dadr == 0) return 0;
  }
}

// Returns true ("h": the page split) when v must be inserted into the parent page.
bool FileDir::insert(const FileName& name, DiskAdr dpg0, DirEntry& v, DiskAdr fad, int depth) {
  checkDepth(depth);
  DirPage a = getPage(dpg0);
  int R = position(a, name);
  if (R < a.m && compareNames(name, a.e[R].name) == 0) {
    a.e[R].adr = fad;  // replace
    putPage(dpg0, a);
    return false;
  }
  DiskAdr dpg1 = R == 0 ? a.p0 : a.e[R - 1].p;
  DirEntry u;
  if (dpg1 == 0) {
    u.name = name;
    u.adr = fad;
    u.p = 0;
  } else if (!insert(name, dpg1, u, fad, depth + 1)) {
    return false;
  }
  // Insert u to the left of e[R].
  if (a.m < kDirPgSize) {
    for (int i = a.m; i > R; --i) a.e[i] = a.e[i - 1];
    a.e[R] = u;
    ++a.m;
    putPage(dpg0, a);
    return false;
  }
  // Full: split into two pages of N entries and pass the middle entry up as v.
  a.m = N;
  a.mark = kDirMark;
  int i = 0;
  if (R < N) {  // u goes into the left half
    v = a.e[N - 1];
    for (int j = N - 1; j > R; --j) a.e[j] = a.e[j - 1];
    a.e[R] = u;
    putPage(dpg0, a);
    dpg0 = map_.alloc(dpg0, image_.lastAllocatableSector());
    for (i = 0; i < N; ++i) a.e[i] = a.e[i + N];
  } else {  // u goes into the right half
    putPage(dpg0, a);
    dpg0 = map_.alloc(dpg0, image_.lastAllocatableSector());
    R -= N;
    if (R == 0) {
      v = u;
    } else {
      v = a.e[N];
      for (; i < R - 1; ++i) a.e[i] = a.e[N + 1 + i];
      a.e[i++] = u;
    }
    for (; i < N; ++i) a.e[i] = a.e[N + i];
  }
  a.p0 = v.p;
  v.p = dpg0;
  putPage(dpg0, a);
  return true;
}

void FileDir::insert(const FileName& name, DiskAdr header) {
  DirEntry U;
  if (insert(name, kDirRootAdr, U, header, 0)) {
    // Root overflow: the root moves to a new page and the root page gets one entry.
    DirPage a = getPage(kDirRootAdr);
    DiskAdr oldroot = map_.alloc(kDirRootAdr, image_.lastAllocatableSector());
    putPage(oldroot, a);
    a.mark = kDirMark;
    a.m = 1;
    a.p0 = oldroot;
    a.e[0] = U;
    putPage(kDirRootAdr, a);
  }
}

// a is underflowing page dpg0, child of c at insertion point s (dpg0 is c.p0 when s = 0, else
// c.e[s-1].p). Balances it with its right neighbour b (the left one when a is the last child),
// as FileDir.underflow does: the two pages merge, with c's key between them, when they fit into
// one page; otherwise b lends k = (b.m - a.m) DIV 2 entries, one of them moving up into c and
// c's key moving down into a. h := c is now undersize.
//
// FileDir.underflow assumes a.m = N-1 and b.m >= N, which holds in every tree that FileDir
// itself builds. For such pages our rule does exactly what FileDir does (k = (b.m-N+1) DIV 2;
// merge iff b.m = N, giving 2N entries), so the pages we write are Oberon's pages. Other
// directory code leaves pages with fewer entries (fs_check.cpp), and there FileDir's fixed
// indices (the key at a.e[N-1], N entries copied from b) would keep stale entries. Counting
// from the actual a.m and b.m instead keeps the tree sorted and balanced for every a.m in 0..N-1
// and b.m in 1..2N: a merge holds a.m + 1 + b.m <= 2N entries, and after a borrow (a.m + 1 +
// b.m > 2N, so k >= 1) both pages hold at least N. A page never ends up empty.
void FileDir::underflow(DirPage& c, DiskAdr dpg0, int s, bool& h) {
  DirPage a = getPage(dpg0);
  const int am = a.m;
  if (s < c.m) {  // b := page to the right of a
    DiskAdr dpg1 = c.e[s].p;
    DirPage b = getPage(dpg1);
    a.e[am] = c.e[s];
    a.e[am].p = b.p0;
    if (am + 1 + b.m > kDirPgSize) {  // move k-1 items from b to a, one to c
      int k = (b.m - am) / 2;
      int i = 0;
      for (; i < k - 1; ++i) a.e[am + 1 + i] = b.e[i];
      c.e[s] = b.e[i];
      b.p0 = c.e[s].p;
      c.e[s].p = dpg1;
      b.m -= k;
      for (i = 0; i < b.m; ++i) b.e[i] = b.e[i + k];
      putPage(dpg1, b);
      a.m = am + k;
      h = false;
    } else {  // merge a and b, discard b
      for (int i = 0; i < b.m; ++i) a.e[am + 1 + i] = b.e[i];
      --c.m;
      for (int i = s; i < c.m; ++i) c.e[i] = c.e[i + 1];
      a.m = am + 1 + b.m;
      h = c.m < N;
      map_.free(dpg1 / kSectorFactor);
    }
    putPage(dpg0, a);
  } else {  // b := page to the left of a
    --s;
    DiskAdr dpg1 = s == 0 ? c.p0 : c.e[s - 1].p;
    DirPage b = getPage(dpg1);
    if (am + 1 + b.m > kDirPgSize) {
      int k = (b.m - am) / 2;
      for (int i = am; i > 0; --i) a.e[i - 1 + k] = a.e[i - 1];
      int i = k - 1;
      a.e[i] = c.e[s];
      a.e[i].p = a.p0;
      b.m -= k;  // move k-1 items from b to a, one to c
      for (; i > 0; --i) a.e[i - 1] = b.e[i - 1 + b.m + 1];
      c.e[s] = b.e[b.m];
      a.p0 = c.e[s].p;
      c.e[s].p = dpg0;
      a.m = am + k;
      h = false;
      putPage(dpg0, a);
    } else {  // merge a and b, discard a
      c.e[s].p = a.p0;
      b.e[b.m] = c.e[s];
      for (int i = 0; i < am; ++i) b.e[b.m + 1 + i] = a.e[i];
      b.m += 1 + am;
      --c.m;
      h = c.m < N;
      map_.free(dpg0 / kSectorFactor);
    }
    putPage(dpg1, b);
  }
}

// Replaces a.e[R] by the greatest entry of subtree dpg1 (its left subtree) and removes that
// entry from its leaf.
void FileDir::del(DirPage& a, int R, DiskAdr dpg1, bool& h, int depth) {
  checkDepth(depth);
  DirPage b = getPage(dpg1);
  if (b.m == 0) throw DiskError("directory page at sector " + std::to_string(dpg1 / kSectorFactor) + " is empty");
  DiskAdr dpg2 = b.e[b.m - 1].p;
  if (dpg2 != 0) {
    del(a, R, dpg2, h, depth + 1);
    if (h) {
      underflow(b, dpg2, b.m, h);
      putPage(dpg1, b);
    }
  } else {
    b.e[b.m - 1].p = a.e[R].p;
    a.e[R] = b.e[b.m - 1];
    --b.m;
    h = b.m < N;
    putPage(dpg1, b);
  }
}

DiskAdr FileDir::remove(const FileName& name, DiskAdr dpg0, bool& h, int depth) {
  checkDepth(depth);
  DirPage a = getPage(dpg0);
  int R = position(a, name);
  DiskAdr dpg1 = R == 0 ? a.p0 : a.e[R - 1].p;
  DiskAdr fad = 0;
  if (R < a.m && compareNames(name, a.e[R].name) == 0) {
    fad = a.e[R].adr;
    if (dpg1 == 0) {  // a is a leaf page
      --a.m;
      h = a.m < N;
      for (int i = R; i < a.m; ++i) a.e[i] = a.e[i + 1];
    } else {
      del(a, R, dpg1, h, depth + 1);
      if (h) underflow(a, dpg1, R, h);
    }
    putPage(dpg0, a);
  } else if (dpg1 != 0) {
    fad = remove(name, dpg1, h, depth + 1);
    if (h) {
      underflow(a, dpg1, R, h);
      putPage(dpg0, a);
    }
  }
  return fad;
}

DiskAdr FileDir::remove(const FileName& name) {
  bool h = false;
  DiskAdr fad = remove(name, kDirRootAdr, h, 0);
  if (h) {  // root underflow: an empty root with a child is replaced by that child
    DirPage a = getPage(kDirRootAdr);
    if (a.m == 0 && a.p0 != 0) {
      DiskAdr newroot = a.p0;
      a = getPage(newroot);
      putPage(kDirRootAdr, a);
      map_.free(newroot / kSectorFactor);
    }
  }
  return fad;
}

void FileDir::enumerate(DiskAdr dpg, const std::function<void(const DirEntry&)>& visit, int depth) const {
  checkDepth(depth);
  DirPage a = getPage(dpg);
  for (int i = 0; i < a.m; ++i) {
    DiskAdr child = i == 0 ? a.p0 : a.e[i - 1].p;
    if (child != 0) enumerate(child, visit, depth + 1);
    visit(a.e[i]);
  }
  if (a.m > 0 && a.e[a.m - 1].p != 0) enumerate(a.e[a.m - 1].p, visit, depth + 1);
}

void FileDir::enumerate(const std::function<void(const DirEntry&)>& visit) const {
  enumerate(kDirRootAdr, visit, 0);
}

}  // namespace oberondisk
