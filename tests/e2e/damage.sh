#!/bin/sh
# Damaged and unusual real-looking recordings (made by FFmpeg, damaged by tests/e2e/damage.py): every file
# gives either a valid ladder or exit 2 with a message naming it, within a time bound, leaving no staging
# folder; the classes a platform meets every day (broadcast captures with a damaged first PES packet,
# multi-program captures, a subtitle track outlasting the video, a bogus header duration, 8K) must give a
# ladder; files that made earlier versions spin (nonsense timescale, shifted chunk offsets, a 12336-pixel VP9
# width, garbage VP9 frames) and other damaged tables (a 12336x16 sample entry, chunks in reverse order) must
# end quickly either way.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
DMG="python3 ${top_srcdir:-.}/tests/e2e/damage.py"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
LIMIT=${DAMAGE_TIME_LIMIT:-120}
D=6
mk() { ff "$@" || bad "could not make $(eval echo \${$#})"; }

mk -f lavfi -i testsrc2=s=640x360:r=25:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libx264 -preset ultrafast -g 25 -c:a aac -f mpegts "$T/capture.ts"
mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libx264 -preset ultrafast -c:a aac "$T/phone.mp4"
mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libx264 -preset ultrafast -c:a aac -movflags +faststart "$T/faststart.mp4"
mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libx264 -preset ultrafast -c:a aac -movflags frag_keyframe+empty_moov "$T/fragmented.mp4"
mk -f lavfi -i testsrc2=s=480x270:r=25:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 300k -c:a libopus "$T/recorder.webm"
# two programs, as DVB captures carry them
mk -f lavfi -i testsrc2=s=640x360:r=25:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -f lavfi -i testsrc=s=320x240:r=25:d=$D \
   -map 0:v -map 1:a -map 2:v -c:v libx264 -preset ultrafast -c:a aac -program title=one:st=0:st=1 -program title=two:st=2 -f mpegts "$T/multi-program.ts"
# a subtitle track that outlasts the video: the header's duration is the subtitle's
printf '1\n00:00:01,000 --> 00:00:40,000\nlecture notes\n' > "$T/long.srt"
mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -i "$T/long.srt" -map 0 -map 1 -map 2 -c:v libx264 -preset ultrafast -c:a aac -c:s srt "$T/long-subtitle.mkv"
# 8K
mk -f lavfi -i testsrc2=s=7680x4320:r=25:d=1 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$T/8k.mp4"

$DMG ts-first-pes "$T/capture.ts" "$T/ts-first-pes.ts" 1
$DMG ts-error-bits "$T/capture.ts" "$T/ts-error-bits.ts" 2
$DMG ts-midstream "$T/capture.ts" "$T/ts-midstream.ts" 3
$DMG bogus-duration "$T/fragmented.mp4" "$T/fragmented-bogus-duration.mp4"
$DMG bogus-duration "$T/phone.mp4" "$T/bogus-duration.mp4"
$DMG mdhd-timescale "$T/phone.mp4" "$T/timescale-1.mp4"
$DMG mdhd-timescale-huge "$T/phone.mp4" "$T/timescale-huge.mp4"
$DMG chunk-offsets "$T/phone.mp4" "$T/chunk-offsets.mp4"
$DMG dimensions "$T/phone.mp4" "$T/dimensions.mp4"
$DMG interleave "$T/phone.mp4" "$T/interleave.mp4"
$DMG vp9-width "$T/recorder.webm" "$T/vp9-width.webm"
$DMG vp9-garbage "$T/recorder.webm" "$T/vp9-garbage.webm" 4
$DMG flip "$T/phone.mp4" "$T/bitflips.mp4" 5
$DMG flip "$T/capture.ts" "$T/bitflips.ts" 6
# truncated at every top-level box boundary and inside the media data
# (moov first, as a phone that finalises its file writes it; a file cut before a trailing moov has no index at all)
for p in $($DMG cut-points "$T/faststart.mp4" x); do $DMG "cut:$p" "$T/faststart.mp4" "$T/cut-$p.mp4"; done
$DMG cut:$(($(stat -c %s "$T/phone.mp4") / 2)) "$T/phone.mp4" "$T/moov-lost.mp4"

# run FILE [EXPECT] -- EXPECT "ladder": must publish; "either": a ladder or exit 2 naming the file
run() {
    f=$1; want=${2:-either}; n=$(basename "$f"); o="$T/out-$n"
    set +e
    s0=$(date +%s)
    timeout -k 5 "$LIMIT" "$LSTREAM" transcode "$f" -o "$o" -q -p ultrafast -t 2 2>"$T/err.txt"
    rc=$?
    s1=$(date +%s)
    set -e
    secs=$((s1 - s0))
    expect "$n: ended in ${secs} s (limit $LIMIT s), exit $rc" [ "$rc" -ne 124 -a "$rc" -ne 137 ]
    # well under the library's own 30 s watchdog: a file that spins until the watchdog ends it is a bug too
    [ "$n" = 8k.mp4 ] || expect "$n: ended in ${secs} s, under the 30 s stall bound" [ "$secs" -lt 25 ]
    expect "$n: no staging folder left" sh -c "! ls -a '$T' | grep -q lstream-staging"
    case $rc in
    0) expect "$n: the ladder validates" "$LSTREAM" validate "$o" >/dev/null
       grep -q '"damage"' "$o/ladder.json" && echo "  $n: ladder with a damage report: $(grep -o '"damage": {[^}]*}' "$o/ladder.json")" || true ;;
    2) expect "$n: refused (exit 2) with a message naming it: $(cat "$T/err.txt")" grep -q "$n" "$T/err.txt"
       [ "$want" = ladder ] && bad "$n: refused, but a ladder was expected: $(cat "$T/err.txt")" ;;
    *) bad "$n: exit $rc (want 0 or 2): $(cat "$T/err.txt")" ;;
    esac
    [ "$rc" = 0 ] && [ "$want" = ladder ] && ok
    echo "  $n: exit $rc in ${secs} s$( [ "$rc" = 2 ] && echo ": $(head -c 200 "$T/err.txt")")"
    return 0
}
for f in ts-first-pes.ts ts-error-bits.ts ts-midstream.ts multi-program.ts long-subtitle.mkv fragmented-bogus-duration.mp4 bogus-duration.mp4 8k.mp4; do
    run "$T/$f" ladder
done
for f in timescale-1.mp4 timescale-huge.mp4 chunk-offsets.mp4 dimensions.mp4 interleave.mp4 vp9-width.webm vp9-garbage.webm bitflips.mp4 bitflips.ts moov-lost.mp4 "$T"/cut-*.mp4; do
    run "$(case $f in /*) echo "$f";; *) echo "$T/$f";; esac)"
done
# the truncation at the end of the media data is small: the rest must become a ladder, with the damage named
last=$(ls "$T"/cut-*.mp4 | sed 's/.*cut-\([0-9]*\).mp4/\1/' | sort -n | tail -n 1)
expect "a file cut 0.5 % before its end still gives a ladder" [ -f "$T/out-cut-$last.mp4/master.m3u8" ]
expect "... whose ladder.json reports the missing frames" grep -q '"missing_frames"' "$T/out-cut-$last.mp4/ladder.json"
# 8K goes down in two steps to the cellular rung
expect "8K: a 240p rung" grep -q "RESOLUTION=426x240" "$T/out-8k.mp4/master.m3u8"
# --strict keeps the old behaviour: the first damaged packet stops the job
set +e; "$LSTREAM" transcode "$T/ts-error-bits.ts" -o "$T/strict" -q -p ultrafast --strict 2>"$T/err.txt"; rc=$?; set -e
expect "--strict refuses the damaged capture (exit $rc): $(cat "$T/err.txt")" [ "$rc" = 2 ]
finish
