#!/bin/sh
# Coverage-guided fuzzing with libFuzzer of what libstream reads from others: the ISO-BMFF reader
# (fuzz_mp4) and the whole validator on a packed one-rung ladder (fuzz_ladder; see tests/fuzz/fuzz_ladder.c).
# usage: libfuzzer.sh FUZZ_BUILD_DIR LSTREAM [RUNS]
#   FUZZ_BUILD_DIR: a build configured with CC=clang --enable-libfuzzer and -fsanitize=fuzzer-no-link,...
#   LSTREAM: an lstream binary (any build) to make the seed ladder.
# Fixed seed (-seed=1) and run counts, so a test run is reproducible; explore with RUNS=-1 (forever) or
# another -seed. A crash leaves its input as crash-* in the working directory and fails the run.
set -eu
fb=$1 lstream=$2 runs=${3:-20000}
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-libfuzzer-seeds-XXXXXX")
# where fuzz_ladder writes its ladders: our own directory, on tmpfs when there is one
shm=/dev/shm; [ -d $shm ] && [ -w $shm ] || shm=/tmp
W=$(mktemp -d $shm/lstream-libfuzzer-work-XXXXXX)
export LSTREAM_FUZZ_DIR=$W
trap 'rm -rf "$T" "$W"' EXIT
# a real ladder: 8 s, one 240p rung + audio, two segments each
"$lstream" sample "$T/in.mp4" --duration 8 --size 426x240 >/dev/null
"$lstream" transcode "$T/in.mp4" -o "$T/ladder" -q -p ultrafast --rungs 240 -t 1 --opus-kbps 0 >/dev/null  # the harness packs one video and one audio rendition
mkdir -p "$T/corpus-ladder" "$T/corpus-mp4"
L=$T/ladder
v=$(cd "$L" && ls -d v*/ | head -n1 | tr -d /)
# pack: the files in fuzz_ladder.c's order, separated by "\0LS\n", the rung directory renamed to "v"
pack() {
    first=1
    for f in master.m3u8 manifest.mpd "$v/index.m3u8" "$v/iframes.m3u8" "$v/init.mp4" "$v/seg_00001.m4s" \
             "$v/seg_00002.m4s" audio/index.m3u8 audio/init.mp4 audio/seg_00001.m4s audio/seg_00002.m4s \
             chapters.json chapters.vtt thumbs/images.m3u8 thumbs/thumbs.vtt thumbs/tile_00001.jpg \
             thumbs/chapter_001.jpg; do
        [ $first = 1 ] || printf '\000LS\n'
        first=0
        case $f in *.m3u8|*.mpd|*.json|*.vtt) sed "s#$v/#v/#g; s#\"$v\"#\"v\"#g" "$L/$f" ;; *) cat "$L/$f" ;; esac
    done
}
pack > "$T/corpus-ladder/ladder"
cp "$L/$v/init.mp4" "$T/corpus-mp4/video-init"
cp "$L/$v/seg_00001.m4s" "$T/corpus-mp4/video-seg"
cp "$L/audio/init.mp4" "$T/corpus-mp4/audio-init"
cp "$L/audio/seg_00002.m4s" "$T/corpus-mp4/audio-seg"
cat "$L/$v/init.mp4" "$L/$v/seg_00001.m4s" > "$T/corpus-mp4/video-init+seg"
# the seed must unpack into a ladder without a MUST finding, else the packing (not the validator) is wrong
(cd "$T" && LSTREAM_FUZZ_EXPECT_CLEAN=1 "$fb/tests/fuzz/fuzz_ladder" "$T/corpus-ladder/ladder" >"$T/seed.log" 2>&1) ||
    { echo "libfuzzer: the packed seed ladder does not validate clean"; tail -n 20 "$T/seed.log"; exit 1; }
# inputs that once crashed a harness (tests/fuzz/regress/ladder-*, mp4-*) stay in the corpus
here=$(cd "$(dirname "$0")" && pwd)
for f in "$here"/regress/ladder-*; do [ -f "$f" ] && cp "$f" "$T/corpus-ladder/"; done
for f in "$here"/regress/mp4-*; do [ -f "$f" ] && cp "$f" "$T/corpus-mp4/"; done
cd "$T"
status=0
echo "libfuzzer: fuzz_mp4, $((runs * 30)) runs"
ASAN_OPTIONS=detect_leaks=1 "$fb/tests/fuzz/fuzz_mp4" -seed=1 -runs=$((runs * 30)) -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -max_total_time=300 -print_final_stats=1 "$T/corpus-mp4" 2>"$T/mp4.log" || status=1
tail -n 12 "$T/mp4.log" | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' || true
echo "libfuzzer: fuzz_ladder, $runs runs"
ASAN_OPTIONS=detect_leaks=1 "$fb/tests/fuzz/fuzz_ladder" -seed=1 -runs=$runs -max_len=400000 -timeout=10 \
    -rss_limit_mb=2048 -max_total_time=300 -print_final_stats=1 "$T/corpus-ladder" 2>"$T/ladder.log" || status=1
tail -n 12 "$T/ladder.log" | grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done' || true
if [ $status -ne 0 ]; then
    grep -h -B2 -A30 -E 'ERROR|runtime error|deadly signal' "$T/mp4.log" "$T/ladder.log" | head -80
    mkdir -p "${LIBFUZZER_CRASH_DIR:-/tmp}" && cp "$T"/crash-* "$T"/timeout-* "$T"/leak-* "${LIBFUZZER_CRASH_DIR:-/tmp}/" 2>/dev/null || true
fi
exit $status
