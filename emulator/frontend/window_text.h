// Text between the host clipboard (UTF-8, LF or CRLF line ends) and Oberon texts (one byte per
// character, Latin-1 where fonts have glyphs). The Clipboard device converts LF <-> CR.
#pragma once

#include <string>
#include <string_view>

namespace risc5 {

// UTF-8 to Latin-1: code points above FFH and malformed bytes become '?'; CRLF becomes LF.
std::string latin1FromUtf8(std::string_view utf8);
// Latin-1 to UTF-8; NUL bytes are dropped (the host clipboard takes C strings).
std::string utf8FromLatin1(std::string_view latin1);

}  // namespace risc5
