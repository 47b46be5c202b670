// oberon-disk: list, extract, add, delete files on an Oberon disk image; create and check one.
// Exit status: 0 success, 1 failure (or problems found by check), 2 usage error.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "disk_image.h"
#include "file_system.h"
#include "fs_check.h"

using namespace oberondisk;

namespace {

constexpr const char* kUsage =
    "usage: oberon-disk list IMAGE\n"
    "       oberon-disk extract IMAGE NAME [HOSTFILE] [--text]\n"
    "       oberon-disk add IMAGE HOSTFILE [NAME] [--text]\n"
    "       oberon-disk delete IMAGE NAME\n"
    "       oberon-disk mkfs IMAGE [--size MB] [--force]\n"
    "       oberon-disk check IMAGE\n"
    "--text converts line ends: CR -> LF on extract, LF (and CR LF) -> CR on add.\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::vector<std::string> positional;
  bool text = false;
  bool force = false;
  std::optional<std::string> size;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 2; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--text") a.text = true;
    else if (s == "--force") a.force = true;
    else if (s == "--size") {
      if (i + 1 >= argc) throw UsageError("--size needs a value in MiB");
      a.size = argv[++i];
    } else if (s.rfind("--size=", 0) == 0) a.size = s.substr(7);
    else if (s.size() > 1 && s[0] == '-') throw UsageError("unknown option " + s);
    else a.positional.push_back(s);
  }
  return a;
}

void expect(const Args& a, size_t min, size_t max) {
  if (a.positional.size() < min || a.positional.size() > max) throw UsageError("wrong number of arguments");
}

std::vector<uint8_t> readHostFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw DiskError("cannot open " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw DiskError(path + " is not a regular file");
  if (uint64_t(st.st_size) > 2ull * kMaxFileSize)  // even --text cannot shrink it enough
    throw DiskError("file too large: " + path + " has " + std::to_string(st.st_size) + " bytes (maximum 3210912)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DiskError("cannot open " + path + ": " + std::strerror(errno));
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DiskError("cannot read " + path);
  return data;
}

void writeHostFile(const std::string& path, const std::vector<uint8_t>& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw DiskError("cannot create " + path + ": " + std::strerror(errno));
  out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
  out.close();
  if (!out) throw DiskError("cannot write " + path);
}

std::vector<uint8_t> crToLf(std::vector<uint8_t> d) {
  for (auto& c : d)
    if (c == '\r') c = '\n';
  return d;
}

std::vector<uint8_t> lfToCr(const std::vector<uint8_t>& d) {
  std::vector<uint8_t> out;
  out.reserve(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    if (d[i] == '\r' && i + 1 < d.size() && d[i + 1] == '\n') continue;  // CR LF -> CR
    out.push_back(d[i] == '\n' ? '\r' : d[i]);
  }
  return out;
}

std::string baseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

int cmdList(const Args& a) {
  expect(a, 1, 1);
  auto files = FileSystem::open(a.positional[0], false).list();
  for (const auto& f : files)
    std::printf("%-32s %8u  %s\n", f.name.c_str(), f.length, formatClock(f.date).c_str());
  return 0;
}

int cmdExtract(const Args& a) {
  expect(a, 2, 3);
  const std::string& name = a.positional[1];
  std::string host = a.positional.size() > 2 ? a.positional[2] : name;
  auto data = FileSystem::open(a.positional[0], false).readFile(name);
  writeHostFile(host, a.text ? crToLf(std::move(data)) : data);
  return 0;
}

int cmdAdd(const Args& a) {
  expect(a, 2, 3);
  const std::string& host = a.positional[1];
  std::string name = a.positional.size() > 2 ? a.positional[2] : baseName(host);
  if (auto p = fileNameProblem(name); !p.empty()) throw DiskError(p);
  auto data = readHostFile(host);
  if (a.text) data = lfToCr(data);
  auto fs = FileSystem::open(a.positional[0], true);
  fs.writeFile(name, data, clockNow());
  fs.commit();
  return 0;
}

int cmdDelete(const Args& a) {
  expect(a, 2, 2);
  auto fs = FileSystem::open(a.positional[0], true);
  fs.deleteFile(a.positional[1]);
  fs.commit();
  return 0;
}

int cmdMkfs(const Args& a) {
  expect(a, 1, 1);
  uint64_t mib = 64;  // the whole sector map of the Kernel
  if (a.size) {
    char* end = nullptr;
    unsigned long v = std::strtoul(a.size->c_str(), &end, 10);
    if (a.size->empty() || *end != 0 || v < 1 || v > 64) throw UsageError("--size must be 1..64 (MiB)");
    mib = v;
  }
  // Sector n of a filesystem-only image is at (n-1)*1024; sector 65535 is the last usable one.
  uint64_t bytes = std::min<uint64_t>(mib << 20, uint64_t(kMapSectors - 1) * kSectorSize);
  DiskImage::createEmpty(a.positional[0], bytes, a.force);
  return 0;
}

int cmdCheck(const Args& a) {
  expect(a, 1, 1);
  auto image = DiskImage::open(a.positional[0], false);
  CheckReport r = checkFileSystem(image);
  for (const auto& p : r.problems) std::printf("%s\n", p.c_str());
  std::printf("%s: %s image, %d files, %d directory pages, %d extension tables, %u sectors used: %s\n",
              a.positional[0].c_str(), image.layout() == Layout::filesystemOnly ? "filesystem-only" : "whole-card",
              r.files, r.directoryPages, r.extensionTables, r.usedSectors,
              r.problems.empty() ? "clean" : (std::to_string(r.problems.size()) + " problem(s)").c_str());
  return r.problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string cmd = argv[1];
  try {
    Args a = parse(argc, argv);
    if (cmd == "list") return cmdList(a);
    if (cmd == "extract") return cmdExtract(a);
    if (cmd == "add") return cmdAdd(a);
    if (cmd == "delete") return cmdDelete(a);
    if (cmd == "mkfs") return cmdMkfs(a);
    if (cmd == "check") return cmdCheck(a);
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    throw UsageError("unknown command " + cmd);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "oberon-disk: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "oberon-disk: %s\n", e.what());
    return 1;
  }
}
