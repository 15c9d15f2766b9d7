#!/bin/sh
# Bad input and unwritable output: each gets its documented exit code and a message naming the file,
# nothing is published, no staging directory is left, and an existing good ladder is never harmed.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

"$LSTREAM" sample "$T/good.mp4" --duration 4 --size 320x180 || bad "sample"
"$LSTREAM" transcode "$T/good.mp4" -o "$T/ladder" -q -p ultrafast || bad "good transcode"
snap() { (cd "$T/ladder" && find . -type f -exec md5sum {} + | sort | md5sum); }
before=$(snap)

: > "$T/empty.mp4"
head -c 20000 "$T/good.mp4" > "$T/truncated.mp4"       # moov first (faststart): mdat cut short
ff -f lavfi -i testsrc2=s=320x180:r=30:d=3 -c:v libx264 -preset ultrafast "$T/moov-last.mp4"
head -c 9000 "$T/moov-last.mp4" > "$T/truncated-moov-last.mp4"   # no moov at all
echo "this is a lecture, honestly" > "$T/notes.mp4"
printf '1\n00:00:00,000 --> 00:00:01,000\nhello\n' > "$T/sub.srt"
ff -i "$T/sub.srt" -c:s srt "$T/subtitles-only.mkv"
head -c 300000 /dev/urandom > "$T/random.mov"
# bytes that FFmpeg's probe takes for raw H.263 with no more than its "misdetection possible" score (25): picture
# start codes with plausible headers between noise (random uploads match so about once in 160 files of 500 KB, and
# used to decode to a frame and publish a ladder of it)
python3 - "$T/weak" <<'PY'
import random, sys
r, out = random.Random(7), bytearray()
for k in range(12):  # PSC 0x20 (22 bits), TR 128+k, PTYPE: marker, QCIF, intra
    out += ((0x20 << 18) | ((128 + k) << 10) | (1 << 9) | (2 << 2)).to_bytes(5, "big")
    out += bytes(r.randrange(1, 256) for _ in range(400))
open(sys.argv[1], "wb").write(out)
PY
# any 16 000 bytes named .bin: FFmpeg's BinText demuxer would draw them as text art (a 1280x800 "video")
python3 -c "import random, sys; r = random.Random(3); open(sys.argv[1], 'wb').write(bytes(r.randrange(256) for _ in range(16000)))" "$T/slides.bin"
# MPEG-4 part 2 copied into MPEG-TS: the VOL header (the picture size) stays behind in the MP4's esds
ff -f lavfi -i testsrc2=s=320x180:r=30:d=3 -c:v mpeg4 "$T/mpeg4.mp4" && ff -i "$T/mpeg4.mp4" -c copy -f mpegts "$T/novol.ts"

# run NAME EXPECTED_EXIT INPUT OUTDIR PATTERN [EXTRA ARGS]
run() {
    name=$1; want=$2; in=$3; out=$4; pat=$5; shift 5
    set +e
    "$LSTREAM" transcode "$in" -o "$out" -q -p ultrafast "$@" 2>"$T/msg.txt"
    got=$?
    set -e
    expect "$name: exit $got, want $want ($(cat "$T/msg.txt"))" [ "$got" = "$want" ]
    expect "$name: message names the problem ($pat): $(cat "$T/msg.txt")" grep -qi -- "$pat" "$T/msg.txt"
    if [ "$out" != "$T/ladder" ]; then expect "$name: nothing published at $out" [ ! -e "$out/master.m3u8" ]; fi
    expect "$name: no staging directory left" sh -c "! ls -a '$(dirname "$out")' 2>/dev/null | grep -q lstream-staging"
}
run "zero-byte file" 2 "$T/empty.mp4" "$T/o1" "empty.mp4.*empty"
run "truncated file (moov first)" 2 "$T/truncated.mp4" "$T/o2" "truncated.mp4.*truncated"
run "truncated file (no moov)" 2 "$T/truncated-moov-last.mp4" "$T/o3" "truncated-moov-last.mp4"
run "not a video" 2 "$T/notes.mp4" "$T/o4" "notes.mp4.*not a readable media file"
run "random bytes" 2 "$T/random.mov" "$T/o5" "random.mov"
run "a weak format match" 2 "$T/weak" "$T/o5b" "weak: not a readable media file (it looks like h263 only by a weak match, 25 of 100"
run "text art by its name" 2 "$T/slides.bin" "$T/o5c" "slides.bin: not a readable media file (FFmpeg would draw its bytes as text art, format bin"
run "no video and no audio" 2 "$T/subtitles-only.mkv" "$T/o6" "no video or audio stream"
run "a video stream of unknown size" 2 "$T/novol.ts" "$T/o6b" "novol.ts: its video stream 0 (mpeg4) cannot be decoded"
run "missing path" 2 "$T/nope/lecture.mp4" "$T/o7" "lecture.mp4: no such file"
run "output parent missing" 3 "$T/good.mp4" "$T/missing/dir/out" "does not exist"
run "output parent is a file" 3 "$T/good.mp4" "$T/notes.mp4/out" "notes.mp4"
run "unwritable output (read-only filesystem)" 3 "$T/good.mp4" "/proc/lstream-out" "cannot write"
# the real problem first: a missing input is reported as such even when the output is bad too, and with no
# input (the built-in sample) a bad output is refused before a minute of sample generation
run "missing input and missing output parent" 2 "$T/nope.mp4" "$T/missing/out" "nope.mp4: no such file"
set +e; s0=$(date +%s); "$LSTREAM" transcode -o "$T/missing/out" -q 2>"$T/msg.txt"; rc=$?; s1=$(date +%s); set -e
expect "no input, bad output: exit 3 at once, got $rc after $((s1 - s0)) s ($(cat "$T/msg.txt"))" [ "$rc" = 3 -a $((s1 - s0)) -le 5 ]
expect "no input, bad output: message names the output" grep -q "missing/out" "$T/msg.txt"
mkdir -p "$T/precious" && echo data > "$T/precious/thesis.odt"
run "existing non-ladder directory" 3 "$T/good.mp4" "$T/precious" "refusing to replace"
expect "non-ladder directory untouched" [ -f "$T/precious/thesis.odt" ]
# a failed run over an existing good ladder leaves it exactly as it was
run "failed run over a good ladder" 2 "$T/truncated.mp4" "$T/ladder" "truncated"
expect "good ladder unchanged after a failed run" [ "$(snap)" = "$before" ]
# usage errors
set +e; "$LSTREAM" transcode "$T/good.mp4" >/dev/null 2>&1; rc=$?; set -e
expect "missing -o is a usage error (1), got $rc" [ "$rc" = 1 ]
set +e; "$LSTREAM" transcode "$T/good.mp4" -o "$T/x" --rungs 720,abc >/dev/null 2>&1; rc=$?; set -e
expect "bad --rungs is a usage error (1), got $rc" [ "$rc" = 1 ]
# every bad setting names itself: the option, the value and the rule
for bad_opt in "--max-fps 500|max_fps|1..120" "--segment 0.2|segment_duration|1..60" "--preset warp|preset|veryfast" \
               "--audio-kbps 5|audio_kbps|16..320" "--lang k/m|audio_language|BCP 47" "--rungs 120:crf=99|rungs|crf"; do
    opt=${bad_opt%%|*}; rest=${bad_opt#*|}; name=${rest%%|*}; rule=${rest#*|}
    set +e; "$LSTREAM" transcode "$T/good.mp4" -o "$T/x" $opt 2>"$T/msg.txt"; rc=$?; set -e
    expect "$opt: usage error (1), got $rc" [ "$rc" = 1 ]
    expect "$opt: the message names ${opt%% *}, $name and '$rule': $(cat "$T/msg.txt")" sh -c \
        "grep -q -- '${opt%% *}' '$T/msg.txt' && grep -q '$name' '$T/msg.txt' && grep -qF '$rule' '$T/msg.txt'"
done
# validate on something that is not a ladder
set +e; "$LSTREAM" validate "$T/precious" >/dev/null 2>&1; rc=$?; set -e
expect "validate on a non-ladder: exit 2, got $rc" [ "$rc" = 2 ]
# ladders broken after the fact: the validator must find each (exit 5) and name it.
# broken NAME: a fresh copy of the good ladder in $T/NAME to break; then expect_findings NAME PATTERN...
broken() { rm -rf "$T/$1"; cp -r "$T/ladder" "$T/$1"; }
expect_findings() {
    name=$1; shift
    set +e; "$LSTREAM" validate "$T/$name" > "$T/$name.txt" 2>&1; rc=$?; set -e
    expect "$name: validate exits 5, got $rc" [ "$rc" = 5 ]
    for re in "$@"; do expect "$name: '$re' reported" grep -Eq "$re" "$T/$name.txt"; done
}
broken target
sed -i 's/#EXT-X-TARGETDURATION:6/#EXT-X-TARGETDURATION:2/' "$T/target/v180/index.m3u8"
rm -f "$T/target/v180/iframes.m3u8"
expect_findings target "MUST   H1   v180/index.m3u8: EXTINF" "H6"
# numbers past int64 (strtoll saturates) in a byte range and in the MPD timeline: reported, no overflow
# (a fuzzer find: 9223372036854775807 + length overflowed under UBSan)
broken huge
sed -i '0,/#EXT-X-BYTERANGE:[0-9]*@[0-9]*/s//#EXT-X-BYTERANGE:3613@99999999999999999999/' "$T/huge/v180/iframes.m3u8"
sed -i '0,/<S t="0" d="[0-9]*"/s//<S t="9223372036854775807" d="9223372036854775807" r="99"/' "$T/huge/manifest.mpd"
expect_findings huge "H10  v180/iframes.m3u8: EXT-X-BYTERANGE" "D3   manifest.mpd: .*is not a timeline entry"
# a DASH template width too long for any format: the width is capped, never used as printf text (a fuzzer
# find: "%0NNN...d" was truncated into an invalid format); the capped name matches no file
broken width
sed -i 's/\$Number%05d\$/$Number%0999999999999999999999d$/g' "$T/width/manifest.mpd"
expect_findings width "IO   v180/seg_0{31}1\.m4s"
# a variant tag without its URI line, then more I-frame variants than the validator keeps: reported, no
# overflow (a libFuzzer find: the pending variant was written past the table)
broken manyvar
{ echo '#EXTM3U'; echo '#EXT-X-STREAM-INF:BANDWIDTH=100000'
  i=0; while [ $i -lt 70 ]; do echo '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1000,URI="v180/iframes.m3u8"'; i=$((i + 1)); done
  echo '#EXT-X-STREAM-INF:BANDWIDTH=100000'; echo 'v180/index.m3u8'; } > "$T/manyvar/master.m3u8"
expect_findings manyvar "M1   master.m3u8: EXT-X-STREAM-INF:BANDWIDTH=100000 has no URI line"
# the validator gates publishing: a custom ladder without a <= 192 kbit/s video variant (M7) is refused
ff -f lavfi -i testsrc2=s=640x360:r=30:d=7 -c:v libx264 -preset ultrafast -qp 10 "$T/busy.mp4"
run "MUST broken (no cellular rung)" 5 "$T/busy.mp4" "$T/gated" "M7.*nothing published" --rungs 360:crf=18:max=3000
"$LSTREAM" transcode "$T/busy.mp4" -o "$T/gated" --rungs 360:crf=18:max=3000 -q -p ultrafast --no-validate 2>/dev/null || true
expect "--no-validate publishes it" [ -f "$T/gated/master.m3u8" ]
# --json: every line is valid JSON, on success and on failure (error event with the exit code)
"$LSTREAM" transcode "$T/good.mp4" -o "$T/json-ok" --json -p ultrafast > "$T/ok.jsonl" || bad "json run"
set +e; "$LSTREAM" transcode "$T/empty.mp4" -o "$T/json-bad" --json > "$T/bad.jsonl"; set -e
expect "--json lines parse" python3 -c "
import json
ok = [json.loads(l) for l in open('$T/ok.jsonl')]
bad = [json.loads(l) for l in open('$T/bad.jsonl')]
assert ok[-1]['event'] == 'done' and any(e['event'] == 'progress' for e in ok)
assert bad[-1]['event'] == 'error' and bad[-1]['exit'] == 2 and 'empty' in bad[-1]['message']"
finish
