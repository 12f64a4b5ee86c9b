#!/usr/bin/env bash
# Fails when a C++ source file differs from what clang-format makes of it with the repository's
# .clang-format. Fix with: clang-format -i $(git ls-files '*.cpp' '*.hpp')
# Usage: check_format.sh SOURCE_DIR
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/setup.sh installs it)"; exit 1; }
mapfile -t files < <(find data model messages actors runtime tests -name '*.cpp' -o -name '*.hpp' | sort)
unformatted=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if ((${#unformatted[@]})); then
  echo "${#unformatted[@]} of ${#files[@]} files differ from clang-format's output:"
  printf '  %s\n' "${unformatted[@]}"
  exit 1
fi
echo "all ${#files[@]} files follow .clang-format"
