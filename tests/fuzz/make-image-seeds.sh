#!/usr/bin/env bash
# Seed images for the fuzz_image target, made with our own disk tool (no disk image is kept in
# the repository): an empty file system cut to its root page, one with a few small files, and one
# with a file long enough for an extension table; each cut right after its last used sector.
#   tests/fuzz/make-image-seeds.sh OUTDIR OBERON-DISK
set -euo pipefail
out=$1
disk=$2
src="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$disk" mkfs "$tmp/e.img" --size 1 >/dev/null
truncate -s 1024 "$tmp/e.img"
cp "$tmp/e.img" "$out/empty.img"

"$disk" mkfs "$tmp/s.img" --size 1 >/dev/null
"$disk" add "$tmp/s.img" "$src/oberon/Net.Tool" Net.Tool --text >/dev/null
"$disk" add "$tmp/s.img" "$src/firmware/boot.s" Boot.s >/dev/null
"$disk" add "$tmp/s.img" "$src/tests/fuzz/replay.cpp" Replay.Text --text >/dev/null
truncate -s 80K "$tmp/s.img"
"$disk" check "$tmp/s.img" >/dev/null
cp "$tmp/s.img" "$out/small.img"

"$disk" mkfs "$tmp/l.img" --size 1 >/dev/null
head -c 70000 /dev/zero | tr '\0' 'L' >"$tmp/long"
"$disk" add "$tmp/l.img" "$tmp/long" Long.Bin >/dev/null
truncate -s 144K "$tmp/l.img"
"$disk" check "$tmp/l.img" >/dev/null
cp "$tmp/l.img" "$out/long.img"
