#!/usr/bin/env bash
# Installs the Debian packages this project needs (idempotent; apt-get, with sudo when not root).
#   scripts/install-deps.sh --build   what building and booting need (run-oberon.sh)
#   scripts/install-deps.sh           that, and what the tests use (run-tests.sh, CI)
# Build: compiler, CMake, Ninja, Boost (Asio, Test, program_options), SDL2, libpng, nlohmann JSON,
# OpenSSL (the device's TLS), the host's CA certificates (what TLS trusts by default), curl (the
# image download), Xbyak on x86-64 (the translator, --cpu jit). Tests: real peers (socat, ncat,
# netcat-openbsd, python3, openssl), Xvfb +
# xdotool + xclip + imagemagick + x11-utils for the window tests, dpkg-dev and help2man for the
# Debian package and its man pages, clang with libFuzzer for the fuzz targets (scripts/fuzz.sh).
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config libboost-dev libboost-program-options-dev
          libsdl2-dev libx11-dev libpng-dev nlohmann-json3-dev libssl-dev ca-certificates curl)
# The x86-64 translator's assembler library (headers only); elsewhere the build leaves it out.
[[ $(uname -m) == x86_64 ]] && packages+=(libxbyak-dev)
if [[ "${1:-}" != "--build" ]]; then
  packages+=(socat ncat netcat-openbsd python3 openssl libboost-test-dev xvfb xdotool xclip imagemagick x11-utils dpkg-dev help2man
            clang libclang-rt-14-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
