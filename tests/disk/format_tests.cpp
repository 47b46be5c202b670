// On-disk format helpers against values taken from FileDir.Mod, Files.Mod and Texts.WriteClock.
#include <boost/test/unit_test.hpp>

#include "emulator/disk/disk_format.h"

using namespace oberondisk;

BOOST_AUTO_TEST_SUITE(format)

BOOST_AUTO_TEST_CASE(clock_packing_follows_texts_writeclock) {
  std::tm t{};
  t.tm_year = 2020 - 1900;
  t.tm_mon = 8 - 1;
  t.tm_mday = 18;
  t.tm_hour = 14;
  t.tm_min = 5;
  t.tm_sec = 33;
  // Texts.WriteClock: day = d DIV 20000H MOD 20H, month = d DIV 400000H MOD 10H,
  // year = d DIV 4000000H MOD 40H, hour = d DIV 1000H MOD 20H, min = d DIV 40H MOD 40H, sec = d MOD 40H.
  uint32_t expected = 20u << 26 | 8u << 22 | 18u << 17 | 14u << 12 | 5u << 6 | 33u;
  BOOST_TEST(encodeClock(t) == expected);
  BOOST_TEST(formatClock(expected) == "2020-08-18 14:05:33");
  BOOST_TEST(formatClock(0) == "-");
}

BOOST_AUTO_TEST_CASE(file_names_follow_files_check) {
  BOOST_TEST(fileNameProblem("System.Mod").empty());
  BOOST_TEST(fileNameProblem("a1.b2.c3").empty());
  BOOST_TEST(fileNameProblem(std::string(31, 'x')).empty());
  BOOST_TEST(!fileNameProblem(std::string(32, 'x')).empty());
  BOOST_TEST(!fileNameProblem("").empty());
  BOOST_TEST(!fileNameProblem("1abc").empty());
  BOOST_TEST(!fileNameProblem(".Mod").empty());
  BOOST_TEST(!fileNameProblem("a_b").empty());
  BOOST_TEST(!fileNameProblem("a-b").empty());
  BOOST_TEST(!fileNameProblem("a b").empty());
}

BOOST_AUTO_TEST_CASE(names_compare_in_char_order) {
  BOOST_TEST(compareNames(toFileName("ORP.Mod"), toFileName("ORS.Mod")) < 0);
  BOOST_TEST(compareNames(toFileName("Zeta"), toFileName("alpha")) < 0);  // 'Z' = 5AH < 'a' = 61H
  BOOST_TEST(compareNames(toFileName("A"), toFileName("A.Mod")) < 0);
  BOOST_TEST(compareNames(toFileName("Edit.Mod"), toFileName("Edit.Mod")) == 0);
}

BOOST_AUTO_TEST_CASE(aleng_bleng_as_files_write_leaves_them) {
  int32_t a = -1, b = -1;
  lengthToAlengBleng(0, a, b);  // header only
  BOOST_TEST(a == 0); BOOST_TEST(b == 352);
  lengthToAlengBleng(672, a, b);  // 352 + 672 = 1024 fills sector 0 exactly
  BOOST_TEST(a == 0); BOOST_TEST(b == 1024);
  lengthToAlengBleng(673, a, b);  // one byte in sector 1
  BOOST_TEST(a == 1); BOOST_TEST(b == 1);
  lengthToAlengBleng(3210912, a, b);  // (64 + 12*256)*1024 - 352: the last byte of sector 3135
  BOOST_TEST(a == 3135); BOOST_TEST(b == 1024);
  BOOST_TEST(kMaxFileSize == 3210912u);
}

BOOST_AUTO_TEST_CASE(directory_page_layout) {
  DirPage pg;
  pg.m = 2;
  pg.p0 = 64 * 29;
  pg.e[1].name = toFileName("Hello.Mod");
  pg.e[1].adr = 100 * 29;
  pg.e[1].p = 200 * 29;
  Sector s{};
  pg.encode(s);
  BOOST_TEST(getWord(&s[0]) == 0x9B1EA38Du);
  BOOST_TEST(getWord(&s[4]) == 2u);
  BOOST_TEST(getWord(&s[8]) == 64u * 29);
  // mark, m, p0, filler[52] = 64 bytes, then 40-byte entries: name[32], adr, p.
  BOOST_TEST(s[64 + 40] == 'H');
  BOOST_TEST(getWord(&s[64 + 40 + 32]) == 100u * 29);
  BOOST_TEST(getWord(&s[64 + 40 + 36]) == 200u * 29);
  DirPage back = DirPage::decode(s);
  BOOST_TEST(fromFileName(back.e[1].name) == "Hello.Mod");
}

BOOST_AUTO_TEST_CASE(file_header_layout) {
  FileHeader h;
  h.name = toFileName("X");
  h.aleng = 65;
  h.bleng = 7;
  h.date = 0x12345678;
  h.ext[0] = 90 * 29;
  h.sec[0] = 70 * 29;
  h.sec[63] = 80 * 29;
  Sector s{};
  h.encode(s);
  BOOST_TEST(getWord(&s[0]) == 0x9BA71D86u);
  BOOST_TEST(s[4] == 'X');
  BOOST_TEST(getWord(&s[36]) == 65u);
  BOOST_TEST(getWord(&s[40]) == 7u);
  BOOST_TEST(getWord(&s[44]) == 0x12345678u);
  BOOST_TEST(getWord(&s[48]) == 90u * 29);        // ext[0]
  BOOST_TEST(getWord(&s[96]) == 70u * 29);        // sec[0]
  BOOST_TEST(getWord(&s[96 + 63 * 4]) == 80u * 29);  // sec[63], ends at byte 352
  BOOST_TEST(h.length() == 65 * 1024 + 7 - 352);
  BOOST_TEST(extTablesFor(63) == 0);
  BOOST_TEST(extTablesFor(64) == 1);
  BOOST_TEST(extTablesFor(319) == 1);
  BOOST_TEST(extTablesFor(320) == 2);
  BOOST_TEST(extTablesFor(3135) == 12);
}

BOOST_AUTO_TEST_SUITE_END()
