#include "guest.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace guest {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- the guest

std::string workDir() {
  static support::TempDir dir("oberon-guest-tests");
  return dir.str();
}

void makePreparedImage(const std::string& out) {
  std::string src = env("OBERON_SOURCE_DIR"), build = env("OBERON_BUILD_DIR");
  env("OBERON_IMAGE");  // prepare copies it; fail here with a clear message if it is unset
  std::vector<std::string> argv = {src + "/disk-images/prepare", "--out", out, "--timeout", "60"};
  for (const char* m : {"TCPDev", "TCPNet", "NetUtil", "NetEcho", "NetShell", "NetHttpd", "NetGet", "NetStat", "NetProbe"})
    argv.push_back(src + "/oberon/" + m + ".Mod");
  argv.push_back(src + "/tests/guest/TCPNetTest.Mod");
  RunResult r = run(argv, milliseconds(180000));
  if (r.status != 0) throw std::runtime_error("disk-images/prepare failed:\n" + r.out + r.err);
  // A module with a syntax error, for the compiler test through the shell.
  support::TempDir bad("oberon-guest-bad");
  std::string mod = bad.write("Bad.Mod", "MODULE Bad;\n  VAR x: INTEGER;\nBEGIN x := 1 +; END Bad.\n");
  RunResult a = run({build + "/tools/oberon-disk/oberon-disk", "add", out, mod, "Bad.Mod", "--text"},
                    milliseconds(20000));
  if (a.status != 0) throw std::runtime_error("oberon-disk add failed: " + a.out + a.err);
}

const std::string& preparedImage() {
  static const std::string image = [] {
    // Under ctest the fixture entry made it before any test that needs it.
    const char* shared = std::getenv("OBERON_GUEST_IMAGE");
    if (shared && *shared && fs::exists(shared)) return std::string(shared);
    std::string out = workDir() + "/prepared.dsk";
    makePreparedImage(out);
    return out;
  }();
  return image;
}

Guest::Guest(const std::vector<std::string>& commands, const std::vector<std::string>& options) {
  static int counter = 0;
  std::string base = workDir() + "/guest" + std::to_string(++counter);
  image_ = base + ".dsk";
  fs::copy_file(preparedImage(), image_, fs::copy_options::overwrite_existing);
  std::string script = "wait-idle 30\n";
  for (auto& c : commands) script += "run \"" + c + "\" 20\n";
  // The screenshot marks the end of the runs: each run ends by deleting its command line from the
  // Log and then waits until Oberon has been idle for a moment, at most 10 s. Host traffic that
  // keeps the guest busy longer than that (a test filling the disk) makes the script, and with it
  // the emulator, fail; so the host starts only once the marker is there.
  const std::string readyShot = base + ".ready.png";
  script += "screenshot " + readyShot + "\n";
  script += "wait 3600\n";
  writeFile(base + ".script", script);
  std::vector<std::string> argv = {env("OBERON_BUILD_DIR") + "/emulator/oberon-emu", "--headless", "--script",
                                   base + ".script", "--timeout", "900"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(image_);
  emu_ = std::make_unique<Process>(argv, "", base + ".out", base + ".err");
  support::pollUntil([&] { return fs::exists(readyShot) || !running(); }, milliseconds(120000),
                     milliseconds(20));  // polling for the marker file
  if (!fs::exists(readyShot)) {
    if (!running()) throw std::runtime_error("oberon-emu stopped during its boot script: " + readFile(base + ".err"));
    throw std::runtime_error("the guest's boot script did not finish within 120 s");
  }
}

Guest::~Guest() { emu_->terminate(); }

bool Guest::running() { return emu_->wait(milliseconds(0)) < 0; }

std::string shell(int port, const std::string& line, milliseconds limit) {
  auto deadline = Clock::now() + limit;
  Socket s = Socket::connect(port, deadline);
  if (!s.valid() || !s.sendAll(line + "\n", deadline)) return "";
  s.shutdownSend();
  return s.recv(1 << 20, deadline);
}

std::string waitLog(int shellPort, const std::string& text, milliseconds limit) {
  auto deadline = Clock::now() + limit;
  for (;;) {
    std::string log = shell(shellPort, "#log 0", milliseconds(5000));
    if (log.find(text) != std::string::npos) return log;
    if (Clock::now() >= deadline) return "";
    std::this_thread::sleep_for(milliseconds(50));  // polling the guest's Log
  }
}

World& world() {
  static std::unique_ptr<World> w;
  static std::string failure;
  if (w) return *w;
  if (!failure.empty()) throw std::runtime_error(failure);  // do not boot again for every test
  try {
    auto x = std::make_unique<World>(World{freePort(), freePort(), freePort(), nullptr, workDir() + "/world.tcpnet"});
    // The shell starts last: the script types each command into System.Log, so nothing may
    // write to the Log before the script is done (Guest returns only then).
    x->guest = std::make_unique<Guest>(std::vector<std::string>{
        "NetEcho.Start " + std::to_string(x->echoPort) + " 4",
        "NetHttpd.Start " + std::to_string(x->httpPort) + " 4 2",
        "NetShell.Start " + std::to_string(x->shellPort) + " 3"},
        std::vector<std::string>{"--monitor", x->monitor});
    auto deadline = Clock::now() + milliseconds(60000);
    while (shell(x->shellPort, "NetStat.List", milliseconds(1000)).find("@0") == std::string::npos) {
      if (Clock::now() >= deadline || !x->guest->running())
        throw std::runtime_error("the guest's shell did not answer within 60 s");
    }
    w = std::move(x);
  } catch (const std::exception& e) {
    failure = e.what();
    throw;
  }
  return *w;
}

}  // namespace guest
