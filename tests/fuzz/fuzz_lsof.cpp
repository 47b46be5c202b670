// Fuzz target: the monitor document tcpnet-lsof reads from an emulator's socket (JSON from a
// process that may not be ours). Parsing, the table and the --json report must cope with any
// bytes: refuse the document, or show it with every field validated and escaped. And the
// protocol (device/monitor/protocol.h) must read back what it writes: a document it accepts,
// written again and read again, gives the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "device/monitor/protocol.h"
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

    namespace monitor = tcpnet::monitor;
    const std::string once = monitor::serialize(monitor::parse(text));
    if (monitor::serialize(monitor::parse(once)) != once) std::abort();  // parse throws if it refuses
  }
  return 0;
}
