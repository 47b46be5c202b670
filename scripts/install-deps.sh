#!/usr/bin/env bash
# Installs the Debian packages this project builds and tests with (idempotent).
# Build: compiler, CMake, Ninja, Boost (Asio, Test, program_options), SDL2, libpng, nlohmann JSON.
# Tests: real peers (socat, ncat, netcat-openbsd, curl, python3), Xvfb + xdotool + xclip + imagemagick.
set -euo pipefail
packages=(g++ cmake ninja-build pkg-config libboost-dev libboost-test-dev libboost-program-options-dev
          libsdl2-dev libx11-dev libpng-dev nlohmann-json3-dev socat ncat netcat-openbsd curl python3 xvfb xdotool xclip imagemagick x11-utils)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
