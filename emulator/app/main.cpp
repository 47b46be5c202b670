// oberon-emu: the Project Oberon machine with a TCPNet device, in a window or headless.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>

#include "device/net/monitor.h"
#include "device/net/policy.h"
#include "device/net/tcpnet.h"
#include "firmware/boot_rom.h"
#include "tools/cli/cli.h"
#include "emulator/frontend/headless.h"
#include "emulator/frontend/image_check.h"
#include "emulator/frontend/options.h"
#include "emulator/frontend/runner.h"
#include "emulator/frontend/window.h"
#include "emulator/machine/machine.h"

namespace {

std::atomic<bool> gStop{false};
extern "C" void onSignal(int) { gStop.store(true); }

int openSerial(const std::string& path, bool input) {
  if (path == "-") return input ? STDIN_FILENO : STDOUT_FILENO;
  // A FIFO is opened read-write: then opening never waits for the other end, and reading an
  // idle FIFO says "nothing yet" instead of end of file when its writer comes and goes.
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode))
    return ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  return input ? ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
               : ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace risc5;
  int exitCode = 0;
  auto parsed = parseOptions(argc, argv, exitCode);
  if (!parsed) return exitCode;
  Options& o = *parsed;
  // Before the image is opened and locked: a SIGTERM while the machine is set up (a test, or a
  // service manager, may send it as soon as the lock shows) must stop it cleanly, not kill it.
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto rom = firmware::bootRom();
  auto patches = firmware::bootRomPatches();
  std::unique_ptr<Machine> machine;
  try {
    machine = std::make_unique<Machine>(o.machine, BootRom{rom, patches.memLim, patches.stackOrg});
    machine->cpu().setMode(o.cpu, o.jitCacheBytes);  // available: parseOptions checked
  } catch (const std::exception& e) {
    std::fprintf(stderr, "oberon-emu: %s\n", e.what());
    return kExitSetup;
  }
  Machine& m = *machine;

  if (!o.image.empty()) {
    ImageVerdict verdict = checkImage(o.image);
    if (!verdict.refusal.empty()) {
      std::fprintf(stderr, "oberon-emu: %s\n", verdict.refusal.c_str());
      return kExitSetup;
    }
    if (!verdict.warning.empty() && !o.quiet) std::fprintf(stderr, "oberon-emu: warning: %s\n", verdict.warning.c_str());
    if (std::string why = m.sdcard().open(o.image, o.snapshot); !why.empty()) {
      std::fprintf(stderr, "oberon-emu: %s\n", why.c_str());
      return kExitSetup;
    }
  }
  if (!o.serialIn.empty()) {
    int fd = openSerial(o.serialIn, true);
    if (fd < 0) {
      std::fprintf(stderr, "oberon-emu: cannot open serial input %s: %s\n", o.serialIn.c_str(), std::strerror(errno));
      return kExitSetup;
    }
    m.serial().setInput(fd, o.serialIn != "-");
  }
  if (!o.serialOut.empty()) {
    int fd = openSerial(o.serialOut, false);
    if (fd < 0) {
      std::fprintf(stderr, "oberon-emu: cannot open serial output %s: %s\n", o.serialOut.c_str(), std::strerror(errno));
      return kExitSetup;
    }
    m.serial().setOutput(fd, o.serialOut != "-");
  }
  // The TCPNet device: created after the machine (it holds references to its memory and waker)
  // and so destroyed before it; the network thread stops in its destructor.
  std::unique_ptr<tcpnet::TcpNet> net;
  if (o.tcpnet) {
    tcpnet::Options t;
    t.bindAddress = o.tcpnetBind;
    t.connectScope = o.tcpnetConnect;
    t.connectRules = o.tcpnetRules;
    t.hostsFile = o.tcpnetHosts;
    t.tlsCa = o.tlsCa;
    t.tlsInsecure = o.tlsInsecure;
    t.tlsCert = o.tlsCert;
    t.tlsKey = o.tlsKey;
    if (o.tlsInsecure)  // said whatever --quiet says: the user must not forget it is on
      std::fprintf(stderr, "oberon-emu: WARNING: --tls-insecure: the guest's TLS connections are not "
                           "verified; anyone on the path can read and change them\n");
    try {
      net = std::make_unique<tcpnet::TcpNet>(m.guestMemory(), m.waker(), t);
    } catch (const tcpnet::PolicyUsageError& e) {
      return oberon::cli::usageError("oberon-emu", e.what());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "oberon-emu: %s\n", e.what());
      return kExitSetup;
    }
    m.bus().attachExtension(&net->device());
  }
  std::unique_ptr<tcpnet::Monitor> monitor;  // tcpnet-lsof endpoint (docs/tcpnet-lsof.md); dies before net
  if (net) {
    try {
      monitor = std::make_unique<tcpnet::Monitor>(*net, o.monitor, o.image);
    } catch (const std::exception& e) {  // --monitor PATH must work; the default place is optional
      if (!o.monitor.empty()) {
        std::fprintf(stderr, "oberon-emu: %s\n", e.what());
        return kExitSetup;
      }
      if (!o.quiet) std::fprintf(stderr, "oberon-emu: %s (tcpnet-lsof will not see this emulator)\n", e.what());
    }
  }
  if (o.leds) {
    m.board().onLeds = [](uint8_t v) {
      char bits[9];
      for (int i = 0; i < 8; ++i) bits[i] = (v & (0x80 >> i)) ? '*' : '.';
      bits[8] = 0;
      std::fprintf(stderr, "LEDs %s (%02XH)\n", bits, v);
    };
  }

  int status;
  if (!o.headless && !windowAvailable()) {
    if (!o.quiet)
      std::fprintf(stderr, "oberon-emu: no display found (DISPLAY/WAYLAND_DISPLAY unset or unreachable); "
                           "running headless (--headless says this is intended)\n");
    o.headless = true;
    o.headlessByDefault = true;
  }
  if (o.headless) {
    status = runHeadless(m, o, gStop);
  } else {
    status = runWindow(m, o, gStop);
  }
  m.serial().flushOutput();
  m.sdcard().close();  // fsync: every write of the guest is on disk
  if (o.jitStats) std::fprintf(stderr, "oberon-emu: %s\n", m.cpu().translatorSummary().c_str());
  return status;
}
