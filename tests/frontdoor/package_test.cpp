// The Debian package as a user gets it: cpack builds it from this build directory, it is unpacked
// into a scratch root (dpkg-deb -x: what dpkg -i would put in /), its dependencies are packages this
// Debian has, and the installed programs work without the source tree or the build directory:
// oberon-prepare-net finds the Oberon sources in share/oberon-net and the executables in bin/,
// and the installed oberon-emu boots the image it made and runs an Oberon command in it.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>

#include "tests/support/files.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;


BOOST_AUTO_TEST_CASE(the_debian_package_installs_and_boots) {
  support::TempDir s("oberon-package");
  const std::string build = support::need("OBERON_BUILD_DIR");
  auto r = support::run({"cpack", "-G", "DEB", "--config", build + "/CPackConfig.cmake", "-B", (s.path() / "pkg").string()},
                    300s);
  BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
  fs::path deb;
  for (auto& e : fs::directory_iterator(s.path() / "pkg"))
    if (e.path().extension() == ".deb") deb = e.path();
  BOOST_TEST_REQUIRE(!deb.empty(), "cpack made no .deb");

  // Every dependency dpkg-shlibdeps found is a package this system has installed.
  r = support::run({"dpkg-deb", "-f", deb.string(), "Depends"}, 30s);
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(r.out.find("libsdl2") != std::string::npos, r.out);
  std::stringstream deps(r.out);
  std::string dep;
  while (std::getline(deps, dep, ',')) {
    dep = dep.substr(dep.find_first_not_of(' '));
    dep = dep.substr(0, dep.find_first_of(" \n"));
    auto q = support::run({"dpkg-query", "-W", "-f=${Status}", dep}, 30s);
    BOOST_TEST(q.out.find("install ok installed") != std::string::npos, dep << ": " << q.out << q.err);
  }

  fs::path root = s.path() / "root";
  r = support::run({"dpkg-deb", "-x", deb.string(), root.string()}, 60s);
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  fs::path bin = root / "usr/bin";
  for (const char* tool : {"oberon-emu", "oberon-disk", "tcpnet-lsof", "risc5-as", "risc5-dis", "oberon-prepare",
                           "oberon-prepare-net"})
    BOOST_TEST(fs::exists(bin / tool), tool);
  for (const char* f : {"TCPNet.Mod", "NetShell.Mod", "HostLog.Mod", "Net.Tool"})
    BOOST_TEST(fs::exists(root / "usr/share/oberon-net/oberon" / f), f);
  BOOST_TEST(fs::exists(root / "usr/share/doc/oberon-net/README.md"));
#ifdef OBERON_MAN_PAGES  // help2man was there when this build was configured
  for (const char* tool : {"oberon-emu", "oberon-disk", "tcpnet-lsof", "risc5-as", "risc5-dis"})
    BOOST_TEST(fs::exists(root / "usr/share/man/man1" / (std::string(tool) + ".1.gz")), tool);
#endif

  // The installed scripts with nothing of the build around: no OBERON_BUILD_DIR, a PATH without it.
  fs::path net = s.path() / "net.dsk";
  const std::string clean = "env -u OBERON_BUILD_DIR -u OBERON_EMU -u OBERON_DISK PATH=/usr/bin:/bin ";
  r = support::run({"bash", "-c", clean + (bin / "oberon-prepare-net").string() + " --image '" + support::need("OBERON_IMAGE") +
                                  "' --out '" + net.string() + "'"},
               120s);
  BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
  r = support::run({(bin / "oberon-emu").string(), "--headless", "--run", "NetStat.List", "--until-idle", "--timeout",
                "30", net.string()},
               60s);
  BOOST_TEST(r.status == 0, r.out << r.err);
  r = support::run({(bin / "oberon-disk").string(), "check", net.string()}, 30s);
  BOOST_TEST(r.status == 0, r.out << r.err);
}
