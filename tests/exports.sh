#!/bin/sh
# The shared library exports the public lstream_* API and nothing else (FFmpeg/x264/internal symbols stay hidden).
set -eu
lib=$(ls "${top_builddir:-.}"/.libs/libstream.so.* 2>/dev/null | head -n1)
[ -n "$lib" ] || { echo "SKIP: no shared library built"; exit 77; }
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^lstream_' || true)
if [ -n "$bad" ]; then echo "unexpected exported symbols:"; echo "$bad"; exit 1; fi
n=$(nm -D --defined-only "$lib" | awk '$2 ~ /[TDBR]/' | grep -c '^.* lstream_' || true)
echo "exports: $n lstream_* symbols, nothing else"
hdr="${top_srcdir:-.}/libstream/libstream.h"
for s in $(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}'); do
    grep -q "$s(" "$hdr" || { echo "exported but not declared in libstream.h: $s"; exit 1; }
done
echo "exports: 1 passed, 0 failed"
