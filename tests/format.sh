#!/bin/sh
# The committed .clang-format is the style: every C source and header of the tree follows it
# (clang-format --dry-run reports nothing). run.sh test installs clang-format; without it the test skips.
set -eu
src=${top_srcdir:-.}
command -v clang-format >/dev/null 2>&1 || { echo "SKIP: clang-format not installed"; exit 77; }
cd "$src"
files=$(find libstream filters tools bench examples tests -name node_modules -prune -o \( -name '*.c' -o -name '*.h' \) -print | sort)
n=0; bad=0
for f in $files; do
    n=$((n + 1))
    out=$(clang-format --style=file --dry-run "$f" 2>&1 | head -5)
    if [ -n "$out" ]; then bad=$((bad + 1)); echo "FAIL: $f is not formatted (clang-format -i $f):"; echo "$out"; fi
done
echo "format: $((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ] && [ "$n" -gt 50 ]
