// The on-disk structures of the Oberon file system (Project Oberon 2013, FileDir.Mod, Files.Mod,
// Kernel.Mod), decoded from and encoded into 1024-byte sectors. All words are little-endian.
//
// Disk addresses (DiskAdr) are sector numbers times 29: Kernel.GetSector divides by 29 and traps
// when the remainder (register H) is not 0, a cheap check that a word really is a disk address.
// Sectors 0..63 are reserved by Kernel.InitSecMap (0 = none, 1 = root directory page, 2..63 =
// the boot area read by the boot loader); the sector map covers 64 Ki sectors (64 MiB).
//
// Directory page (B-tree node), 1024 bytes:
//   0 mark (9B1EA38DH) | 4 m (entries in use, 0..24) | 8 p0 (left child) | 12 filler[52] |
//   64 + 40*i: e[i] = name[32] | adr (file header) | p (child right of name)   i = 0..23
// File header, first 352 bytes of the file's sector 0 (the rest holds the first file bytes):
//   0 mark (9BA71D86H) | 4 name[32] | 36 aleng | 40 bleng | 44 date | 48 ext[12] | 96 sec[64]
// Length = aleng*1024 + bleng - 352. File sector k (0 = header) is sec[k] for k < 64, else entry
// (k-64) MOD 256 of the extension table (an index sector of 256 DiskAdr) ext[(k-64) DIV 256].
#pragma once

#include <array>
#include <cstdint>
#include <ctime>
#include <string>

namespace oberondisk {

using DiskAdr = uint32_t;
using Sector = std::array<uint8_t, 1024>;

inline constexpr int kSectorSize = 1024;
inline constexpr int kHeaderSize = 352;      // FileDir.HeaderSize
inline constexpr int kFnLength = 32;         // FileDir.FnLength, including the terminating 0X
inline constexpr int kSecTabSize = 64;       // FileDir.SecTabSize
inline constexpr int kExTabSize = 12;        // FileDir.ExTabSize
inline constexpr int kIndexSize = 256;       // FileDir.IndexSize: DiskAdr per extension table
inline constexpr int kDirPgSize = 24;        // FileDir.DirPgSize
inline constexpr int kDirHalf = kDirPgSize / 2;  // FileDir's N: minimum fill of a non-root page
inline constexpr uint32_t kDirMark = 0x9B1EA38D;
inline constexpr uint32_t kHeaderMark = 0x9BA71D86;
inline constexpr DiskAdr kDirRootAdr = 29;
inline constexpr uint32_t kSectorFactor = 29;       // DiskAdr = sector * 29
inline constexpr uint32_t kFirstFreeSector = 64;    // Kernel.InitSecMap marks 0..63
inline constexpr uint32_t kMapSectors = 0x10000;    // Kernel.mapsize: sectors 1..65535
inline constexpr int kMaxAleng = kSecTabSize + kExTabSize * kIndexSize - 1;  // 3135
inline constexpr uint32_t kMaxFileSize = (kMaxAleng + 1) * kSectorSize - kHeaderSize;  // 3,210,912

// A file name as stored: up to 31 characters, 0X-terminated and 0X-padded.
using FileName = std::array<char, kFnLength>;

// Why a name is not acceptable to Files.Check (empty message = valid).
std::string fileNameProblem(const std::string& name);
FileName toFileName(const std::string& name);  // caller has checked the name
std::string fromFileName(const FileName& name);  // up to the first 0X (at most 32 characters)
// Oberon string comparison (CHAR order, up to 0X): <0, 0, >0.
int compareNames(const FileName& a, const FileName& b);

struct DirEntry {
  FileName name{};
  DiskAdr adr = 0;  // file header
  DiskAdr p = 0;    // subtree of names greater than this one
};

struct DirPage {
  uint32_t mark = kDirMark;
  int32_t m = 0;
  DiskAdr p0 = 0;
  std::array<uint8_t, 52> fill{};  // kept as found
  std::array<DirEntry, kDirPgSize> e{};

  static DirPage decode(const Sector& s);
  void encode(Sector& s) const;
};

struct FileHeader {
  uint32_t mark = kHeaderMark;
  FileName name{};
  int32_t aleng = 0;
  int32_t bleng = kHeaderSize;
  uint32_t date = 0;
  std::array<DiskAdr, kExTabSize> ext{};
  std::array<DiskAdr, kSecTabSize> sec{};

  static FileHeader decode(const Sector& s);
  void encode(Sector& s) const;  // bytes 352..1023 (file data) are left as they are
  int64_t length() const { return int64_t(aleng) * kSectorSize + bleng - kHeaderSize; }
};

// Number of extension tables a file with this aleng uses (Files.Old: (aleng + 192) DIV 256).
inline int extTablesFor(int aleng) { return (aleng + (kIndexSize - kSecTabSize)) / kIndexSize; }

// aleng/bleng of a file of `length` bytes exactly as Files.Write leaves them: a sector is
// allocated only when a byte is written into it, so bleng is 1..1024 when aleng > 0.
void lengthToAlengBleng(uint32_t length, int32_t& aleng, int32_t& bleng);

// Packed clock (System.Date, Texts.WriteClock): year-2000 [31:26] | month [25:22] | day [21:17]
// | hour [16:12] | min [11:6] | sec [5:0].
uint32_t encodeClock(const std::tm& t);
uint32_t clockNow();  // host local time, like a user-set Oberon clock
std::string formatClock(uint32_t clock);  // "2020-08-18 14:05:00", or "-" for 0 (clock never set)

uint32_t getWord(const uint8_t* p);
void putWord(uint8_t* p, uint32_t v);

}  // namespace oberondisk
