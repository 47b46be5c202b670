// Fuzz target: the monitor document tcpnet-lsof reads from an emulator's socket (JSON from a
// process that may not be ours). Parsing, the table and the --json report must cope with any
// bytes: refuse the document, or show it with every field validated and escaped.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/tcpnet-lsof/lsof.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  lsof::QueryResult r = lsof::parseDocument(text, "/nonexistent/oberon-emu-1234.tcpnet");
  lsof::Names names;
  names.hosts = false;  // no DNS from a fuzzer
  names.ports = false;
  if (r.failure == lsof::Failure::None) {
    lsof::table(r.emulator.rows, names);
    for (const auto& row : r.emulator.rows) lsof::lsofState(row);
    lsof::jsonReport({r.emulator}, names);
  }
  return 0;
}
