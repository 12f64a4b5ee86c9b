#!/usr/bin/env bash
# Idempotent set-up on Debian 12: install the packages, configure and build with -j2.
# Usage: scripts/setup.sh [build-dir]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

packages=(
  g++ cmake ninja-build pkg-config ca-certificates
  libtorch-dev libopenblas0-pthread          # without OpenBLAS, LibTorch falls back to reference BLAS (~30x slower)
  libcaf-dev libmsgpack-cxx-dev cppzmq-dev libzmq3-dev libspdlog-dev catch2
  libyaml-cpp-dev libsimdjson-dev nlohmann-json3-dev libcli11-dev libsodium-dev libsqlite3-dev
  libpng-dev libjpeg-dev zlib1g-dev
  libsecp256k1-dev libcrypto++-dev libboost-dev   # ledger: keys and ECDSA, keccak256, uint256
  python3                                    # tests: reads --export-torch files by torch.load's rules
  clang-format                               # tests: the code follows .clang-format
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "[setup] installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j2
