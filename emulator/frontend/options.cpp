#include "options.h"

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include "tools/cli/cli.h"

#include <cstdio>
#include <iostream>

namespace po = boost::program_options;

namespace risc5 {

namespace {
bool parseSize(const std::string& s, uint32_t& w, uint32_t& h) {
  unsigned a = 0, b = 0;
  char x = 0, extra = 0;
  if (std::sscanf(s.c_str(), "%u%c%u%c", &a, &x, &b, &extra) != 3 || (x != 'x' && x != 'X')) return false;
  w = a;
  h = b;
  return true;
}
}  // namespace

std::optional<Options> parseOptions(int argc, char** argv, int& exitCode) {
  Options o;
  std::string size;
  unsigned mem = 1;
  // The translator where it is built (x86-64 with Xbyak), else the interpreter.
  const std::string defaultCpu = Cpu::translatorAvailable() ? "jit" : "interp";
  std::string cpu = defaultCpu;
  unsigned jitCacheMiB = Cpu::kJitCacheBytes >> 20;
  po::options_description general("Options");
  general.add_options()
    ("help,h", "show this help")
    ("version", "print the version")
    ("image", po::value(&o.image), "Project Oberon disk image (filesystem-only or whole SD card)")
    ("mem", po::value(&mem)->default_value(1), "RAM in MiB (1 to 256)")
    ("size", po::value(&size), "screen size WxH, e.g. 1280x1024 (width a multiple of 32)")
    ("cpu", po::value(&cpu)->default_value(defaultCpu), "CPU engine: jit (the x86-64 translator), interp "
                                                       "(the interpreter), lockstep (both, compared)")
    ("jit-cache", po::value(&jitCacheMiB)->default_value(jitCacheMiB), "translator: code cache in MiB (3 to 1024), "
                                                                      "emptied when full")
    ("jit-stats", po::bool_switch(&o.jitStats), "translator: print its figures (blocks, time, cache flushes) "
                                                 "on stderr when stopping")
    ("snapshot", po::bool_switch(&o.snapshot), "never modify the image; writes live in memory")
    ("headless", po::bool_switch(&o.headless), "run without a window")
    ("until-idle", po::bool_switch(&o.untilIdle), "headless: stop once Oberon waits for input")
    ("timeout", po::value(&o.timeoutSeconds), "give up after SECONDS (exit status 2)")
    ("screenshot", po::value(&o.screenshot), "headless: write the screen as PNG when stopping")
    ("script", po::value(&o.script), "headless: run an input script (see docs/scripting.md)")
    ("run", po::value(&o.runs)->composing(), "run the Oberon command \"Mod.Cmd args ~\" once the system is "
                                             "idle (repeatable, in order; before --script's lines)")
    ("leds", po::bool_switch(&o.leds), "print LED changes on stderr")
    ("serial-in", po::value(&o.serialIn), "RS232 input from FILE or FIFO ('-' = stdin)")
    ("serial-out", po::value(&o.serialOut), "RS232 output to FILE or FIFO ('-' = stdout)")
    ("boot-from-serial", "set switch 0: the boot ROM loads the system from the serial line")
    ("no-tcpnet", "remove the TCPNet device")
    ("tcpnet-bind", po::value(&o.tcpnetBind), "address listening sockets bind to (default 127.0.0.1; ::1, :: "
                                              "and 0.0.0.0 too)")
    ("tcpnet-connect", po::value(&o.tcpnetConnect), "where the guest may connect: loopback, private or any "
                                                    "(default any)")
    ("tcpnet-allow", po::value<std::vector<std::string>>()->composing(),
     "allow HOST_OR_CIDR[:PORT] (repeatable; with --tcpnet-deny, the first rule that matches decides)")
    ("tcpnet-deny", po::value<std::vector<std::string>>()->composing(), "deny HOST_OR_CIDR[:PORT] (repeatable)")
    ("tcpnet-hosts", po::value(&o.tcpnetHosts), "hosts FILE (/etc/hosts format) the device resolves names "
                                                "from before DNS")
    ("tls-ca", po::value(&o.tlsCa), "trust this CA certificate (PEM) too, for the guest's TLS connections")
    ("tls-insecure", po::bool_switch(&o.tlsInsecure), "do not verify TLS certificates (unsafe: anyone on the "
                                                      "path can read and change the guest's TLS traffic)")
    ("tls-cert", po::value(&o.tlsCert), "certificate chain (PEM) that TLS ports (LISTENTLS) serve")
    ("tls-key", po::value(&o.tlsKey), "private key (PEM) of --tls-cert")
    ("monitor", po::value(&o.monitor), "path of the tcpnet-lsof monitor socket")
    ("zoom", po::value(&o.zoom), "window: pixel zoom factor (default: automatic)")
    ("fullscreen", po::bool_switch(&o.fullscreen), "window: start in fullscreen (F11 toggles)")
    ("middle-button-key", po::value(&o.middleModifier), "window: key that also acts as middle button "
                                                        "(besides left Alt), e.g. 'Left GUI'")
    ("frame-stats", po::bool_switch(&o.frameStats), "window: print frame times when closing")
    ("quiet,q", po::bool_switch(&o.quiet), "no informational messages");
  po::positional_options_description pos;
  pos.add("image", 1);
  po::variables_map vm;
  try {
    po::parsed_options parsed = po::command_line_parser(argc, argv).options(general).positional(pos).run();
    po::store(parsed, vm);
    po::notify(vm);
    for (const po::option& opt : parsed.options)  // allow and deny keep their interleaved order
      if (opt.string_key == "tcpnet-allow" || opt.string_key == "tcpnet-deny")
        for (const std::string& v : opt.value)
          o.tcpnetRules.push_back((opt.string_key == "tcpnet-allow" ? "allow " : "deny ") + v);
  } catch (const po::error& e) {
    exitCode = oberon::cli::usageError("oberon-emu", e.what());
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << "Usage: oberon-emu [options] [IMAGE]\n"
                 "Emulates the Project Oberon 2013 RISC5 computer, with a TCPNet network device.\n\n"
              << general << "\n"
              << "Exit status: 0 success; 1 the image or a file cannot be used (one line says why); 2 --timeout\n"
                 "elapsed; 3 the guest jumped outside memory; 4 the guest is stuck in a trap loop; 5 a script or\n"
                 "--run failed; 6 --cpu lockstep found a difference; 64 a usage error (unknown option, missing or bad value).\n";
    exitCode = 0;
    return std::nullopt;
  }
  if (vm.count("version")) {
    exitCode = oberon::cli::printVersion("oberon-emu");
    return std::nullopt;
  }
  o.machine.memoryMiB = mem;
  if (!size.empty() && !parseSize(size, o.machine.width, o.machine.height)) {
    exitCode = oberon::cli::usageError("oberon-emu", "--size wants WIDTHxHEIGHT, e.g. 1280x1024, not '" + size + "'");
    return std::nullopt;
  }
  if (cpu == "interp") {
    o.cpu = CpuMode::interp;
  } else if (cpu == "jit" || cpu == "lockstep") {
    o.cpu = cpu == "jit" ? CpuMode::jit : CpuMode::lockstep;
    if (!Cpu::translatorAvailable()) {
      exitCode = oberon::cli::usageError("oberon-emu", "--cpu " + cpu + ": this oberon-emu was built without the "
                                                       "translator (x86-64 and libxbyak-dev needed); use --cpu interp");
      return std::nullopt;
    }
  } else {
    exitCode = oberon::cli::usageError("oberon-emu", "--cpu wants interp, jit or lockstep, not '" + cpu + "'");
    return std::nullopt;
  }
  if (jitCacheMiB < (Cpu::kJitCacheMinBytes >> 20) || jitCacheMiB > (Cpu::kJitCacheMaxBytes >> 20)) {
    exitCode = oberon::cli::usageError("oberon-emu", "--jit-cache wants 3 to 1024 (MiB), not " +
                                                         std::to_string(jitCacheMiB));
    return std::nullopt;
  }
  o.jitCacheBytes = size_t{jitCacheMiB} << 20;
  if (vm.count("boot-from-serial")) o.machine.switches |= 1;
  if (vm.count("no-tcpnet")) o.tcpnet = false;
  if (boost::system::error_code ec; !o.tcpnetBind.empty() && (boost::asio::ip::make_address(o.tcpnetBind, ec), ec)) {
    exitCode = oberon::cli::usageError("oberon-emu", "--tcpnet-bind wants an IP address (127.0.0.1, ::1, 0.0.0.0, ::), "
                                                     "not '" + o.tcpnetBind + "'");
    return std::nullopt;
  }
  if (o.tlsCert.empty() != o.tlsKey.empty()) {
    exitCode = oberon::cli::usageError("oberon-emu", "--tls-cert and --tls-key go together");
    return std::nullopt;
  }
  if (o.timeoutSeconds < 0) {
    exitCode = oberon::cli::usageError("oberon-emu", "--timeout must not be negative");
    return std::nullopt;
  }
  if (std::string why = validate(o.machine); !why.empty()) {
    exitCode = oberon::cli::usageError("oberon-emu", why);
    return std::nullopt;
  }
  if (o.image.empty() && !(o.machine.switches & 1)) {
    exitCode = oberon::cli::usageError("oberon-emu", "no disk image given (pass IMAGE, or --boot-from-serial)");
    return std::nullopt;
  }
  if (!o.headless && (o.untilIdle || !o.screenshot.empty() || !o.script.empty())) o.headless = true;
  return o;
}

}  // namespace risc5
