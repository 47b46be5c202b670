#!/usr/bin/env bash
# Boots Project Oberon: installs the build packages that are missing, builds the emulator (only
# what booting needs), makes a working copy of the stock image with the network programs
# compiled in (the stock image itself is only read) and starts it: in a window when a display
# answers, otherwise headless (the emulator says so and how to use it).
set -euo pipefail

me=run-oberon.sh
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() {
  cat <<'EOF'
Usage: ./run-oberon.sh [--fresh] [--download] [STOCK.dsk] [-- EMULATOR OPTIONS...]
Boots a working copy of STOCK.dsk (default: $OBERON_IMAGE, else disk-images/Oberon-2020-08-18.dsk,
which it offers to download). Each stock image gets its own working copy in work/, made once with
the network programs compiled in; work/oberon.dsk points at the one booted last.

  --fresh      throw the working copy of STOCK away and make it again
  --download   fetch the published image into disk-images/ without asking (checksum-verified)
  -h, --help   this text

Options after -- go to the emulator (see build/emulator/oberon-emu --help), e.g.
  ./run-oberon.sh -- --zoom 2
  ./run-oberon.sh -- --headless --run "NetHttpd.Start 8080 ~" --run "NetShell.Start 2323 ~"
Paths are taken relative to the folder you run this from. The build log is build/run-oberon.log.
Exit status: the emulator's; 1 nothing to boot or a step failed (one line says why); 64 usage.
EOF
}
die() { echo "$me: $1" >&2; exit "${2:-1}"; }

fresh=0
download=0
stock=""
while (($#)); do
  case "$1" in
    --fresh) fresh=1; shift ;;
    --download) download=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (emulator options go after --; see --help)" 64 ;;
    *) [[ -z "$stock" ]] || die "one stock image only (got '$stock' and '$1'; see --help)" 64
       stock=$1; shift ;;
  esac
done
stock=${stock:-${OBERON_IMAGE:-}}

published_name=Oberon-2020-08-18.dsk
published_sha256=441a2bd292997b224fb5410a195d12b21022d571d2921d7395a7bca037aa076a
published_url=${OBERON_IMAGE_URL:-https://raw.githubusercontent.com/pdewacht/oberon-risc-emu/master/DiskImage/$published_name}

# --- Which stock image ----------------------------------------------------------------------------
if [[ -z "$stock" ]]; then
  stock=$root/disk-images/$published_name
  if [[ ! -f "$stock" ]]; then
    if ((!download)); then
      answer=n
      if [[ -t 0 ]]; then
        echo "No disk image given (pass a path or set OBERON_IMAGE)."
        read -r -p "Download the published Project Oberon image ($published_name, about 1 MB)? [y/N] " answer
      fi
      [[ "$answer" == [yY]* ]] ||
        die "no disk image: pass one (./run-oberon.sh FILE.dsk), set OBERON_IMAGE, or add --download"
    fi
    echo "Downloading $published_name ..."
    tmp=$(mktemp "$root/disk-images/.download.XXXXXX")
    trap 'rm -f "$tmp"' EXIT
    if ! err=$(curl -fsS --connect-timeout 20 --max-time 120 -o "$tmp" "$published_url" 2>&1); then
      die "cannot download the image (${err:-curl failed}); when online run this again, or fetch $published_url elsewhere and pass its path"
    fi
    [[ $(sha256sum "$tmp" | cut -d' ' -f1) == "$published_sha256" ]] ||
      die "the download does not match the published checksum; discarded"
    mv "$tmp" "$stock"
    trap - EXIT
  fi
fi
[[ -f "$stock" ]] || die "disk image not found: $stock"
stock=$(realpath "$stock")

# --- Build ----------------------------------------------------------------------------------------
"$root/scripts/install-deps.sh" --build
build=${OBERON_BUILD_DIR:-$root/build}
mkdir -p "$build"
log=$build/run-oberon.log
echo "Building the emulator and the disk tool (the first time takes a few minutes) ..."
{
  # An existing build directory keeps its configuration (run-tests.sh adds the tests to it).
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  cmake --build "$build" --target oberon-emu oberon-disk
} >"$log" 2>&1 || {
  tail -n 15 "$log" >&2
  die "the build failed; the whole log is $log"
}

# --- The working copy of this stock image ---------------------------------------------------------
# Named after the stock image and the start of its SHA-256, so that another image (or a changed
# one) gets its own copy; the .source file beside it says where it came from.
sum=$(sha256sum "$stock" | cut -c1-12)
name=$(basename "$stock")
name=${name%.dsk}
mkdir -p "$root/work"
work=$root/work/$name-$sum.dsk
link=$root/work/oberon.dsk
if [[ -f "$link" && ! -L "$link" ]]; then  # a working copy made before copies were per image
  mv "$link" "$root/work/oberon-earlier.dsk"
  echo "Kept the earlier working copy as work/oberon-earlier.dsk"
fi
if ((fresh)) && [[ -f "$work" ]]; then
  flock -n "$work" true || die "work/$(basename "$work") is in use by a running emulator; stop it first"
  rm -f "$work" "$work.source"
fi
# The network programs' sources, to notice a working copy made with older ones.
programs=$(cat "$root"/oberon/*.Mod "$root/oberon/Net.Tool" | sha256sum | cut -c1-12)
if [[ ! -f "$work" ]]; then
  echo "Making the working copy work/$(basename "$work"): compiling the network programs inside Oberon ..."
  OBERON_BUILD_DIR=$build "$root/disk-images/prepare-net" --image "$stock" --out "$work.new" >"$log.prepare" 2>&1 || {
    rm -f "$work.new"
    tail -n 15 "$log.prepare" >&2
    die "preparing the working copy failed; the whole log is $log.prepare"
  }
  mv "$work.new" "$work"
  printf 'stock %s\nsha256 %s\nmade %s\nprograms %s\n' "$stock" "$(sha256sum "$stock" | cut -d' ' -f1)" \
    "$(date '+%Y-%m-%d %H:%M')" "$programs" >"$work.source"
fi
ln -sfn "$(basename "$work")" "$link"
made=$(sed -n 's/^made //p' "$work.source" 2>/dev/null || true)
made_with=$(sed -n 's/^programs //p' "$work.source" 2>/dev/null || true)
if [[ "$made_with" != "$programs" ]]; then
  echo "Note: work/$(basename "$work") has older network programs than oberon/; --fresh makes it again (files you made in it stay only in the old copy)"
fi
echo "Booting work/$(basename "$work"), the working copy of $stock${made:+ made $made} (--fresh starts it over)"
exec "$build/emulator/oberon-emu" "$work" "$@"
