// Command-line options of the emulator (Boost.Program_options).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/machine/machine.h"

namespace risc5 {

struct Options {
  std::string image;            // disk image (empty: none, e.g. serial boot)
  MachineConfig machine;
  bool snapshot = false;        // never modify the image
  bool headless = false;
  bool untilIdle = false;       // headless: stop once Oberon idles
  double timeoutSeconds = 0;    // 0 = none
  std::string screenshot;       // headless: PNG written at the end
  bool leds = false;            // print LED changes on stderr
  std::string serialIn, serialOut;  // "-" = stdin/stdout
  bool tcpnet = true;
  std::string tcpnetBind = "127.0.0.1";
  std::string tcpnetConnect = "any";        // loopback, private or any
  std::vector<std::string> tcpnetRules;     // "allow X" / "deny X" in command-line order
  std::string tcpnetHosts;                  // hosts file consulted before DNS
  std::string tlsCa, tlsCert, tlsKey;
  bool tlsInsecure = false;
  std::string script;           // headless input script (docs/scripting.md)
  std::vector<std::string> runs;  // --run: Oberon commands run once the system is idle
  bool headlessByDefault = false; // no display could be opened (not asked for with --headless)
  std::string monitor;          // tcpnet-lsof monitor socket path ("" = default place)
  int zoom = 0;                 // 0 = automatic
  bool fullscreen = false;
  std::string middleModifier;   // extra key emulating the middle button (besides left Alt)
  bool quiet = false;
  bool frameStats = false;       // window: print frame times at exit (bench/window)
  CpuMode cpu = CpuMode::interp;  // --cpu (parseOptions defaults to jit where it is built)
  size_t jitCacheBytes = Cpu::kJitCacheBytes;  // --jit-cache MIB
  bool jitStats = false;          // --jit-stats: the translator's figures on stderr at exit
};

// Parses argv. On --help/--version prints and returns nullopt with exitCode 0; on a usage error
// (unknown option, missing or bad value) prints one line on stderr and returns nullopt with
// exitCode 64, the status of every tool's usage errors (tools/cli/cli.h).
std::optional<Options> parseOptions(int argc, char** argv, int& exitCode);

}  // namespace risc5
