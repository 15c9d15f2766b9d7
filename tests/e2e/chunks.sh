#!/bin/sh
# Chunked encodes (lstream transcode --chunk K/N, --chunk audio, lstream finalize) on one machine: the ladder is
# byte-identical to one whole run with the same options, whatever the chunk count, the order the parts ran in
# or whether they ran at the same time, on MP4, MPEG-TS (MPEG-2 interlaced, H.264 open GOP) and portrait phone
# recordings, with VP9 twins, the content-adaptive ladder and held repeats too; parts that do not belong together are refused with a message naming
# the problem, and a failed finalize publishes nothing and leaves a good ladder where it was.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

# same_ladder NAME A B: every file of both ladders identical
same_ladder() {
    if diff -r "$2" "$3" > "$T/diff.txt"; then ok; else bad "$1: chunked ladder differs from the whole run: $(head -n 5 "$T/diff.txt")"; fi
}
# chunked NAME INPUT OUT N OPTIONS...: every part (video chunks in reverse order, two at a time), then finalize
chunked() {
    name=$1 in=$2 out=$3 n=$4; shift 4
    k=$n
    while [ "$k" -ge 1 ]; do
        "$LSTREAM" transcode "$in" -o "$out" --chunk "$k/$n" -q -t 1 "$@" &
        p1=$!
        if [ "$k" -gt 1 ]; then "$LSTREAM" transcode "$in" -o "$out" --chunk "$((k - 1))/$n" -q -t 1 "$@" || bad "$name: chunk $((k - 1))/$n"; fi
        wait $p1 || bad "$name: chunk $k/$n"
        k=$((k - 2))
    done
    "$LSTREAM" transcode "$in" -o "$out" --chunk audio -q "$@" 2>"$T/audio-err.txt" ||
        grep -q "has no audio" "$T/audio-err.txt" || bad "$name: audio part: $(cat "$T/audio-err.txt")"
    expect "$name: finalize" "$LSTREAM" finalize "$out" -q
    expect "$name: the parts are removed after publishing" [ ! -e "$out.parts" ]
}

# 1. the lecture sample, non-default settings (2 s segments, three rungs, Opus at 16 kbit/s), 3 and 4 chunks
"$LSTREAM" sample "$T/lec.mp4" --duration 14 --size 1280x720 2>/dev/null || bad "sample"
set -- -s 2 -r 480,360:crf=25,240 --opus-kbps 16 --chunk-span 2
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/whole" -q "$@" || bad "whole run"
chunked "lecture, 3 chunks" "$T/lec.mp4" "$T/c3" 3 "$@"
same_ladder "lecture, 3 chunks" "$T/whole" "$T/c3"
chunked "lecture, 4 chunks" "$T/lec.mp4" "$T/c4" 4 "$@"
same_ladder "lecture, 4 chunks" "$T/whole" "$T/c4"
# more chunks than spans (4 of 2 segments): the extra chunks are empty, the ladder the same
chunked "lecture, 9 chunks" "$T/lec.mp4" "$T/c9" 9 "$@"
same_ladder "lecture, 9 chunks" "$T/whole" "$T/c9"

# 2. a phone-like recording: portrait (rotation 90), 25 fps, B-frames and AAC from FFmpeg's own encoders
ff -f lavfi -i "testsrc2=size=640x360:rate=25:duration=9" -f lavfi -i "$SPEECH" -t 9 \
    -c:v libx264 -preset fast -bf 3 -g 50 -c:a aac -b:a 96k -metadata:s:v rotate=90 "$T/phone.mp4"
"$LSTREAM" transcode "$T/phone.mp4" -o "$T/phone-whole" -q -s 2 --chunk-span 1 || bad "phone: whole run"
chunked "phone" "$T/phone.mp4" "$T/phone-c" 3 -s 2 --chunk-span 1
same_ladder "phone" "$T/phone-whole" "$T/phone-c"

# 2b. broadcast captures in MPEG-TS: interlaced MPEG-2 (a TS seek lands late: the chunk's start moves earlier
# until its first picture comes in time) and H.264 with open GOPs
ff -f lavfi -i "testsrc2=size=720x576:rate=25:duration=12" -f lavfi -i "$SPEECH" -t 12 -vf interlace -c:v mpeg2video \
    -flags +ildct+ilme -g 12 -c:a mp2 -f mpegts "$T/mpeg2.ts"
ff -f lavfi -i "testsrc2=size=640x360:rate=25:duration=12" -f lavfi -i "$SPEECH" -t 12 -c:v libx264 -bf 3 -g 48 \
    -x264-params open-gop=1 -c:a aac -f mpegts "$T/opengop.ts"
for f in mpeg2 opengop; do
    "$LSTREAM" transcode "$T/$f.ts" -o "$T/$f-whole" -q -s 2 -r 360,240 --chunk-span 1 || bad "$f: whole run"
    chunked "$f.ts" "$T/$f.ts" "$T/$f-c" 3 -s 2 -r 360,240 --chunk-span 1
    same_ladder "$f.ts" "$T/$f-whole" "$T/$f-c"
done

# 2c. the content-adaptive ladder: every part probes alike (one thread per probe encode) and keeps the same rungs
"$LSTREAM" sample "$T/pip.mp4" --kind slides-pip --duration 10 --size 854x480 2>/dev/null
"$LSTREAM" transcode "$T/pip.mp4" -o "$T/auto-whole" -q -s 2 --ladder auto --chunk-span 1 || bad "auto: whole run"
chunked "ladder auto" "$T/pip.mp4" "$T/auto-c" 3 -s 2 --ladder auto --chunk-span 1
same_ladder "ladder auto" "$T/auto-whole" "$T/auto-c"
expect "ladder auto: ladder.json has the probe" grep -q '"ladder_probe"' "$T/auto-c/ladder.json"

# 2d. a screen recording of slides: most frames repeat the one before exactly and are held (a sample lasts up to a
# second); the runs of held frames restart at every segment, so the chunks hold alike (VP9 twins too, with libvpx)
"$LSTREAM" sample "$T/slides.mp4" --kind slides --duration 12 --size 640x360 2>/dev/null
vp9=0; "$LSTREAM" --version | grep -q vp9 && vp9=1
"$LSTREAM" transcode "$T/slides.mp4" -o "$T/hold-whole" -q -s 2 -r 360,240 --vp9 $vp9 --chunk-span 1 || bad "held: whole run"
chunked "held repeats" "$T/slides.mp4" "$T/hold-c" 3 -s 2 -r 360,240 --vp9 $vp9 --chunk-span 1
same_ladder "held repeats" "$T/hold-whole" "$T/hold-c"

# 3. video without audio: no audio part is needed
"$LSTREAM" sample "$T/mute.mp4" --duration 8 --size 640x360 --no-audio 2>/dev/null
"$LSTREAM" transcode "$T/mute.mp4" -o "$T/mute-whole" -q -s 2 --chunk-span 1 || bad "mute: whole run"
chunked "no audio" "$T/mute.mp4" "$T/mute-c" 2 -s 2 --chunk-span 1
same_ladder "no audio" "$T/mute-whole" "$T/mute-c"

# 3b. VP9 twins (libvpx) chunked the same way: each chunk's libvpx starts fresh on the grid, as in the whole run
if "$LSTREAM" --version | grep -q vp9; then
    "$LSTREAM" transcode "$T/mute.mp4" -o "$T/vp9-whole" -q -s 2 -r 360,240 --vp9 1 --chunk-span 2 || bad "vp9: whole run"
    chunked "VP9" "$T/mute.mp4" "$T/vp9-c" 3 -s 2 -r 360,240 --vp9 1 --chunk-span 2
    same_ladder "VP9" "$T/vp9-whole" "$T/vp9-c"
fi

# 4. audio only: only the audio part; a video chunk is refused
ff -f lavfi -i "$SPEECH" -t 13 -c:a aac "$T/talk.m4a"
"$LSTREAM" transcode "$T/talk.m4a" -o "$T/talk-whole" -q || bad "audio only: whole run"
"$LSTREAM" transcode "$T/talk.m4a" -o "$T/talk-c" --chunk audio -q || bad "audio only: audio part"
expect "audio only: finalize" "$LSTREAM" finalize "$T/talk-c" -q
same_ladder "audio only" "$T/talk-whole" "$T/talk-c"
set +e
"$LSTREAM" transcode "$T/talk.m4a" -o "$T/talk-v" --chunk 1/2 -q 2>"$T/err.txt"; rc=$?
set -e
expect "audio only: --chunk 1/2 refused (exit 2, got $rc)" [ "$rc" = 2 ]
expect "audio only: the message says why" grep -q "has no video" "$T/err.txt"

# 5. parts that do not belong together, and finalize's failures: exit 2, a message, nothing published
set -- -s 2 -r 360,240 --opus-kbps 0 --chunk-span 1
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/bad" --chunk 1/3 -q "$@"
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/bad" --chunk 3/3 -q "$@"
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/bad" --chunk audio -q "$@"
refused() { # refused NAME PATTERN ARGS...
    name=$1 pat=$2; shift 2
    set +e; "$LSTREAM" "$@" 2>"$T/err.txt"; rc=$?; set -e
    expect "$name: exit 2 (got $rc)" [ "$rc" = 2 ]
    if grep -q -- "$pat" "$T/err.txt"; then ok; else bad "$name: message lacks '$pat': $(cat "$T/err.txt")"; fi
}
refused "a missing chunk" "chunk 2 of 3 is missing" finalize "$T/bad"
expect "a missing chunk: nothing published" [ ! -e "$T/bad" ]
expect "a missing chunk: the parts are kept" [ -d "$T/bad.parts/video-1-of-3" ]
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/bad" --chunk 2/3 -q "$@" -p faster
refused "a part with other settings" "different settings" finalize "$T/bad"
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/bad" --chunk 2/4 -q "$@"
refused "parts of two chunkings" "two different chunkings" finalize "$T/bad"
rm -rf "$T/bad.parts/video-2-of-4"
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/bad" --chunk 2/3 -q "$@"
# a good ladder in the way is not replaced by a failed finalize
cp -r "$T/whole" "$T/bad"
cp -p "$T/lec.mp4" "$T/lec-copy.mp4"
touch -d '2001-01-01' "$T/lec.mp4"
refused "the input changed after the parts" "changed after its parts" finalize "$T/bad"
expect "a failed finalize leaves the ladder in place" diff -r "$T/whole" "$T/bad"
touch -r "$T/lec-copy.mp4" "$T/lec.mp4"
printf 'libstream-part 1\npart video 2 3\n' > "$T/bad.parts/video-2-of-3/part.txt"
refused "a part cut short" "cut short" finalize "$T/bad"
refused "no parts at all" "No such file" finalize "$T/nothing"
set +e
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/x" --chunk 0/3 -q 2>/dev/null; rc=$?
set -e
expect "--chunk 0/3 is a usage error (exit 1, got $rc)" [ "$rc" = 1 ]
set +e
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/y" --chunk 1/2 -q 2>"$T/err.txt"; rc=$?
set -e
expect "--chunk without --chunk-span: refused as a settings error (exit 1, got $rc)" [ "$rc" = 1 ]
expect "no --chunk-span: the message says why" grep -q "needs a grid" "$T/err.txt"
expect "no --chunk-span: no part left" [ ! -e "$T/y.parts/video-1-of-2" ]
finish
