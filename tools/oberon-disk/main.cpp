// oberon-disk: list, extract, add, delete files on an Oberon disk image; create and check one.
// Exit status: 0 success, 1 failure (or problems found by check), 64 usage error.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "emulator/disk/disk_image.h"
#include "emulator/disk/file_system.h"
#include "emulator/disk/fs_check.h"
#include "tools/cli/cli.h"

using namespace oberondisk;

namespace {

namespace cli = oberon::cli;
namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: oberon-disk COMMAND IMAGE [ARGUMENTS] [options]\n"
    "Reads and changes the files of a Project Oberon disk image (docs/disk-tool.md).\n"
    "\n"
    "Commands:\n"
    "  list IMAGE                             name, size and date of every file (alias: ls)\n"
    "  extract IMAGE NAME [HOSTFILE] [--text] copy a file out; HOSTFILE defaults to NAME\n"
    "  add IMAGE HOSTFILE [NAME] [--text]     copy a file in (replacing); NAME defaults to\n"
    "                                         HOSTFILE's base name\n"
    "  delete IMAGE NAME                      remove a file\n"
    "  mkfs IMAGE [--size MB] [--force]       create an empty filesystem-only image\n"
    "  check IMAGE                            check the file system, read-only\n";

constexpr const char* kStatuses =
    "Exit status: 0 success; 1 an error (one line on stderr) or, for check, problems found\n"
    "(check's notes, lines starting 'note:', do not count);\n"
    "64 a usage error (unknown command or option, wrong arguments, bad value).\n";

struct Args {
  std::vector<std::string> positional;  // after the command
  bool text = false;
  bool force = false;
  unsigned sizeMiB = 64;  // the whole sector map of the Kernel
};

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
  auto files = FileSystem::open(a.positional[0], false).list();
  for (const auto& f : files)
    std::printf("%-32s %8u  %s\n", f.name.c_str(), f.length, formatClock(f.date).c_str());
  return 0;
}

int cmdExtract(const Args& a) {
  const std::string& name = a.positional[1];
  std::string host = a.positional.size() > 2 ? a.positional[2] : name;
  auto data = FileSystem::open(a.positional[0], false).readFile(name);
  writeHostFile(host, a.text ? crToLf(std::move(data)) : data);
  return 0;
}

int cmdAdd(const Args& a) {
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
  auto fs = FileSystem::open(a.positional[0], true);
  fs.deleteFile(a.positional[1]);
  fs.commit();
  return 0;
}

int cmdMkfs(const Args& a) {
  // Sector n of a filesystem-only image is at (n-1)*1024; sector 65535 is the last usable one.
  uint64_t bytes = std::min<uint64_t>(uint64_t(a.sizeMiB) << 20, uint64_t(kMapSectors - 1) * kSectorSize);
  DiskImage::createEmpty(a.positional[0], bytes, a.force);
  return 0;
}

int cmdCheck(const Args& a) {
  auto image = DiskImage::open(a.positional[0], false);
  CheckReport r = checkFileSystem(image);
  for (const auto& p : r.problems) std::printf("%s\n", p.c_str());
  for (const auto& n : r.notes) std::printf("note: %s\n", n.c_str());
  std::string verdict = r.problems.empty() ? "clean" : std::to_string(r.problems.size()) + " problem(s)";
  if (!r.notes.empty()) verdict += ", " + std::to_string(r.notes.size()) + " note(s)";
  std::printf("%s: %s image, %d files, %d directory pages, %d extension tables, %u sectors used: %s\n",
              a.positional[0].c_str(), image.layout() == Layout::filesystemOnly ? "filesystem-only" : "whole-card",
              r.files, r.directoryPages, r.extensionTables, r.usedSectors, verdict.c_str());
  return r.problems.empty() ? 0 : 1;  // notes do not count
}

struct Command {
  const char* name;
  const char* alias;
  const char* arguments;  // for messages
  size_t min, max;        // number of arguments
  bool text, sizeForce;   // which options apply
  int (*run)(const Args&);
};

constexpr Command kCommands[] = {
    {"list", "ls", "IMAGE", 1, 1, false, false, cmdList},
    {"extract", nullptr, "IMAGE NAME [HOSTFILE]", 2, 3, true, false, cmdExtract},
    {"add", nullptr, "IMAGE HOSTFILE [NAME]", 2, 3, true, false, cmdAdd},
    {"delete", nullptr, "IMAGE NAME", 2, 2, false, false, cmdDelete},
    {"mkfs", nullptr, "IMAGE", 1, 1, false, true, cmdMkfs},
    {"check", nullptr, "IMAGE", 1, 1, false, false, cmdCheck},
};

// The command and its arguments, checked: a cli::UsageError if anything is wrong.
const Command& command(const std::vector<std::string>& words, const po::variables_map& vm, Args& a) {
  if (words.empty()) throw cli::UsageError("no command given: list, extract, add, delete, mkfs or check");
  const Command* c = nullptr;
  for (const Command& k : kCommands)
    if (words[0] == k.name || (k.alias && words[0] == k.alias)) c = &k;
  if (!c) throw cli::UsageError("unknown command '" + words[0] + "'");
  a.positional.assign(words.begin() + 1, words.end());
  size_t n = a.positional.size();
  if (n < c->min || n > c->max)
    throw cli::UsageError(words[0] + " takes " + c->arguments + ", not " + std::to_string(n) +
                          (n == 1 ? " argument" : " arguments"));
  for (const char* option : {"text", "size", "force"}) {
    bool applies = std::string(option) == "text" ? c->text : c->sizeForce;
    if (vm.count(option) && !vm[option].defaulted() && !applies)
      throw cli::UsageError(std::string("--") + option + " does not apply to " + words[0]);
  }
  if (vm.count("size") && (a.sizeMiB < 1 || a.sizeMiB > 64)) throw cli::UsageError("--size must be 1..64 (MiB)");
  return *c;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::vector<std::string> words;
  cli::Tool tool("oberon-disk", kUsage, kStatuses);
  tool.options.add_options()
    ("text", po::bool_switch(&a.text), "extract: CR -> LF; add: LF and CR LF -> CR (Oberon ends lines with CR)")
    ("size", po::value(&a.sizeMiB)->value_name("MB"), "mkfs: image size in MiB, 1..64 (default 64)")
    ("force", po::bool_switch(&a.force), "mkfs: replace an existing IMAGE");
  tool.hidden.add_options()("words", po::value(&words));
  tool.positional.add("words", -1);
  return tool.run(argc, argv, [&](const po::variables_map& vm) {
    if (!words.empty() && words[0] == "help") return tool.help();
    const Command& c = command(words, vm, a);
    try {
      return c.run(a);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "oberon-disk: %s\n", e.what());
      return 1;
    }
  });
}
