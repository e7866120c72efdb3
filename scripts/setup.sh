#!/usr/bin/env bash
# Installs what batt needs to build and test on Debian 12 (apt-get; sudo when not root).
set -euo pipefail
# clang (and its sanitizer runtimes): the CUDA emulator's build (tests/emu)
packages=(meson ninja-build pkg-config gcc g++ libyaml-dev libjansson-dev libcmocka-dev valgrind python3 clang-format
  clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
