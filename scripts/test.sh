#!/usr/bin/env bash
# Set up, build and run every test with ctest. Usage: scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
scripts/setup.sh "$build_dir"
# Each test process uses one torch thread: two run side by side on the 2-core CI machine.
cd "$build_dir"
ATN_TORCH_THREADS=1 ctest --output-on-failure -j2
