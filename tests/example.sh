#!/bin/sh
# The embedding example builds against the library the way a platform developer would (pkg-config on an
# installed copy) and runs.
set -eu
bld=${top_builddir:-.}; src=${top_srcdir:-.}
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-example-XXXXXX")
trap 'rm -rf "$T"' EXIT
make -C "$bld" install DESTDIR="$T/root" prefix=/usr/local >/dev/null
P="$T/root/usr/local"
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
cflags=$(pkg-config --define-prefix --cflags libstream 2>/dev/null || pkg-config --cflags libstream)
libs=$(pkg-config --define-prefix --libs libstream 2>/dev/null || pkg-config --libs libstream)
cc -Wall -Werror $cflags "$src/examples/transcode_lecture.c" -o "$T/example" $libs -Wl,-rpath,"$P/lib"
"$bld/lstream" sample "$T/in.mp4" --duration 3 --size 320x180
"$T/example" "$T/in.mp4" "$T/out" > "$T/stdout.txt" 2>"$T/stderr.txt"
grep -q "published" "$T/stdout.txt" && grep -q " 0 MUST" "$T/stdout.txt"
# a host pushing its own capture into a live job (examples/live_push.c): live ladder, then VOD, validated
cc -Wall -Werror $cflags "$src/examples/live_push.c" -o "$T/live_push" $libs -lm -Wl,-rpath,"$P/lib"
"$T/live_push" "$T/live" 6 > "$T/live.txt" 2>"$T/live.err" || { cat "$T/live.err"; exit 1; }
grep -q "published" "$T/live.txt" && grep -q "validator: 0 MUST" "$T/live.txt" && grep -q '"live": {' "$T/live/ladder.json"
test -x "$P/bin/lstream" && test -x "$P/bin/lstream-bench" && test -f "$P/include/libstream/libstream.h" && test -f "$P/share/man/man1/lstream.1"
echo "example: 2 passed, 0 failed"
