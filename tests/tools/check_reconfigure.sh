#!/usr/bin/env bash
# Fails when configuring the same tree a second time changes any build command. scripts/test.sh runs
# `cmake -S . -B build` again after scripts/demo.sh built everything; a command that differs between
# the first and a later configure makes ninja rebuild every object that uses it.
# Usage: check_reconfigure.sh SOURCE_DIR BUILD_TYPE
set -euo pipefail
src=$1 build_type=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
configure() { cmake -S "$src" -B "$scratch" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >"$scratch/configure.log" 2>&1 ||
  { cat "$scratch/configure.log"; exit 1; }; }
configure
ninja -C "$scratch" -t commands >"$scratch/first.txt"
configure
ninja -C "$scratch" -t commands >"$scratch/second.txt"
if ! diff -u "$scratch/first.txt" "$scratch/second.txt" >"$scratch/changed.diff"; then
  echo "a second configure changed $(grep -c '^+[^+]' "$scratch/changed.diff") build commands, e.g.:"
  head -20 "$scratch/changed.diff"
  exit 1
fi
echo "a second configure left all $(wc -l <"$scratch/first.txt") build commands unchanged"
