#!/usr/bin/env bash
# Boots Project Oberon. Installs what is missing, builds, prepares a working copy of the stock
# image (the stock image itself is never modified) and starts the emulator: in a window when a
# display is there, otherwise headless (it says so).
#
#   ./run-oberon.sh [STOCK_IMAGE] [-- emulator options...]
#
# The stock image comes from the argument, else $OBERON_IMAGE, else disk-images/ (where this
# script can download the published image, checksum-verified, if you agree).
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

stock=""
if [[ $# -gt 0 && "$1" != "--" ]]; then stock=$1; shift; fi
[[ "${1:-}" == "--" ]] && shift
stock=${stock:-${OBERON_IMAGE:-}}

published_name=Oberon-2020-08-18.dsk
published_sha256=441a2bd292997b224fb5410a195d12b21022d571d2921d7395a7bca037aa076a
published_url=https://raw.githubusercontent.com/pdewacht/oberon-risc-emu/master/DiskImage/$published_name

if [[ -z "$stock" ]]; then
  stock=$root/disk-images/$published_name
  if [[ ! -f "$stock" ]]; then
    echo "No disk image given (pass a path or set OBERON_IMAGE)."
    answer=n
    if [[ -t 0 ]]; then
      read -r -p "Download the published Project Oberon image ($published_name, about 1 MB)? [y/N] " answer
    fi
    if [[ "$answer" != [yY]* ]]; then
      echo "Nothing to boot. See disk-images/README.md." >&2
      exit 1
    fi
    tmp=$(mktemp "$stock.XXXXXX")
    curl -fL --max-time 120 -o "$tmp" "$published_url"
    if [[ $(sha256sum "$tmp" | cut -d' ' -f1) != "$published_sha256" ]]; then
      rm -f "$tmp"
      echo "Download does not match the published checksum; discarded." >&2
      exit 1
    fi
    mv "$tmp" "$stock"
  fi
fi
if [[ ! -f "$stock" ]]; then
  echo "Disk image not found: $stock" >&2
  exit 1
fi

scripts/install-deps.sh
scripts/build.sh

# The working image: a copy of the stock image with our network modules added and compiled.
work=$root/work/oberon.dsk
mkdir -p "$root/work"
if [[ ! -f "$work" ]]; then
  echo "Preparing $work from $stock ..."
  if [[ -x disk-images/prepare-net ]]; then
    disk-images/prepare-net --image "$stock" --out "$work"
  else
    cp "$stock" "$work"
  fi
fi
exec build/emulator/oberon-emu "$work" "$@"
