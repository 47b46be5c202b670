#include "disk_format.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace oberondisk {

uint32_t getWord(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

void putWord(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

static bool isLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Files.Check: a letter first, then letters, digits and dots, at most 31 characters.
std::string fileNameProblem(const std::string& name) {
  if (name.empty()) return "empty file name";
  if (!isLetter(name[0])) return "file name must begin with a letter: " + name;
  for (char c : name)
    if (!isLetter(c) && !isDigit(c) && c != '.')
      return "file name may contain only letters, digits and dots: " + name;
  if (name.size() >= size_t(kFnLength)) return "file name longer than 31 characters: " + name;
  return {};
}

FileName toFileName(const std::string& name) {
  FileName n{};
  std::memcpy(n.data(), name.data(), std::min(name.size(), size_t(kFnLength - 1)));
  return n;
}

std::string fromFileName(const FileName& name) {
  size_t len = 0;
  while (len < name.size() && name[len] != 0) ++len;
  return std::string(name.data(), len);
}

int compareNames(const FileName& a, const FileName& b) {
  for (int i = 0; i < kFnLength; ++i) {
    auto ca = uint8_t(a[i]), cb = uint8_t(b[i]);
    if (ca != cb) return ca < cb ? -1 : 1;
    if (ca == 0) return 0;
  }
  return 0;
}

DirPage DirPage::decode(const Sector& s) {
  DirPage pg;
  pg.mark = getWord(&s[0]);
  pg.m = int32_t(getWord(&s[4]));
  pg.p0 = getWord(&s[8]);
  std::memcpy(pg.fill.data(), &s[12], pg.fill.size());
  for (int i = 0; i < kDirPgSize; ++i) {
    const uint8_t* q = &s[64 + 40 * i];
    std::memcpy(pg.e[i].name.data(), q, kFnLength);
    pg.e[i].adr = getWord(q + 32);
    pg.e[i].p = getWord(q + 36);
  }
  return pg;
}

void DirPage::encode(Sector& s) const {
  putWord(&s[0], mark);
  putWord(&s[4], uint32_t(m));
  putWord(&s[8], p0);
  std::memcpy(&s[12], fill.data(), fill.size());
  for (int i = 0; i < kDirPgSize; ++i) {
    uint8_t* q = &s[64 + 40 * i];
    std::memcpy(q, e[i].name.data(), kFnLength);
    putWord(q + 32, e[i].adr);
    putWord(q + 36, e[i].p);
  }
}

FileHeader FileHeader::decode(const Sector& s) {
  FileHeader h;
  h.mark = getWord(&s[0]);
  std::memcpy(h.name.data(), &s[4], kFnLength);
  h.aleng = int32_t(getWord(&s[36]));
  h.bleng = int32_t(getWord(&s[40]));
  h.date = getWord(&s[44]);
  for (int i = 0; i < kExTabSize; ++i) h.ext[i] = getWord(&s[48 + 4 * i]);
  for (int i = 0; i < kSecTabSize; ++i) h.sec[i] = getWord(&s[96 + 4 * i]);
  return h;
}

void FileHeader::encode(Sector& s) const {
  putWord(&s[0], mark);
  std::memcpy(&s[4], name.data(), kFnLength);
  putWord(&s[36], uint32_t(aleng));
  putWord(&s[40], uint32_t(bleng));
  putWord(&s[44], date);
  for (int i = 0; i < kExTabSize; ++i) putWord(&s[48 + 4 * i], ext[i]);
  for (int i = 0; i < kSecTabSize; ++i) putWord(&s[96 + 4 * i], sec[i]);
}

void lengthToAlengBleng(uint32_t length, int32_t& aleng, int32_t& bleng) {
  uint32_t total = length + kHeaderSize;
  aleng = int32_t((total - 1) / kSectorSize);  // total >= 352, so never negative
  bleng = int32_t(total - uint32_t(aleng) * kSectorSize);
}

uint32_t encodeClock(const std::tm& t) {
  int year = t.tm_year + 1900 - 2000;
  if (year < 0) year = 0;
  if (year > 63) year = 63;
  uint32_t d = uint32_t(year);
  d = d * 16 + uint32_t(t.tm_mon + 1);
  d = d * 32 + uint32_t(t.tm_mday);
  d = d * 32 + uint32_t(t.tm_hour);
  d = d * 64 + uint32_t(t.tm_min);
  d = d * 64 + uint32_t(t.tm_sec > 59 ? 59 : t.tm_sec);  // leap second does not fit
  return d;
}

uint32_t clockNow() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  return encodeClock(local);
}

std::string formatClock(uint32_t d) {
  if (d == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02u %02u:%02u:%02u", 2000 + (d >> 26 & 63),
                d >> 22 & 15, d >> 17 & 31, d >> 12 & 31, d >> 6 & 63, d & 63);
  return buf;
}

}  // namespace oberondisk
