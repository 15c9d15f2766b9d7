#!/bin/sh
# Live lectures (lstream live, GStreamer capture; doc/RULES.md L1-L6): a live ladder from the GStreamer test
# sources, taken while it runs: a live HLS window that slides (MEDIA-SEQUENCE grows, 6 segments, PROGRAM-DATE-TIME,
# no ENDLIST), a dynamic MPD, every file whole (written + renamed), the validator's live rules pass on a snapshot;
# when it ends (--duration, Ctrl-C, the source's own end) the same folder is a VOD ladder that validates and
# decodes, with the segments students were shown. EVENT mode keeps everything. Bad sources and outputs fail
# clearly without touching anything.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
if [ -n "${LSTREAM_IN_DISTCHECK:-}" ]; then
    echo "SKIP: live (a minute and a half of real time; ran in the main suite, not again inside make distcheck)"; exit 77
fi
"$LSTREAM" --version | grep -q '^live capture: gstreamer' || { echo "SKIP: lstream built without GStreamer (configure --with-gstreamer; ./run.sh does)"; exit 77; }
gst-inspect-1.0 videotestsrc >/dev/null 2>&1 && gst-inspect-1.0 timeoverlay >/dev/null 2>&1 ||
    { echo "SKIP: the GStreamer test sources are not installed (gstreamer1.0-plugins-base, gstreamer1.0-x)"; exit 77; }
seq_of() { sed -n 's/^#EXT-X-MEDIA-SEQUENCE://p' "$1"; }
# a snapshot of the live folder just after an update (files are replaced atomically; the snapshot is taken
# between two updates, 2 s apart, so every playlist in it is of the same update)
snapshot() { # snapshot LIVE_DIR COPY: after the next update of the MPD (written last)
    before=$(stat -c %y "$1/manifest.mpd" 2>/dev/null || echo 0)
    i=0
    while [ "$(stat -c %y "$1/manifest.mpd" 2>/dev/null || echo 0)" = "$before" ] && [ $i -lt 60 ]; do sleep 0.05; i=$((i + 1)); done
    rm -rf "$2"; cp -r "$1" "$2"
}

# 1. a sliding window: 26 s of a 640x360 test source, 2 s segments, a window of 6
"$LSTREAM" live -o "$T/live" --duration 26 --size 640x360 --window 6 -q > "$T/live.log" 2>&1 &
pid=$!
sleep 10
snapshot "$T/live" "$T/snap1"
sleep 8
snapshot "$T/live" "$T/snap2"
expect "live: no half-written files (*.tmp) in the snapshots" sh -c "! find '$T/snap1' '$T/snap2' -name '*.tmp' | grep -q ."
for s in snap1 snap2; do
    expect "$s: a live media playlist (no ENDLIST, no VOD type)" sh -c "! grep -q 'ENDLIST\|PLAYLIST-TYPE' '$T/$s/v360/index.m3u8'"
    expect "$s: EXT-X-PROGRAM-DATE-TIME" grep -q '^#EXT-X-PROGRAM-DATE-TIME:20[0-9-]*T[0-9:.]*Z$' "$T/$s/v360/index.m3u8"
    expect "$s: a dynamic MPD" grep -q 'type="dynamic" availabilityStartTime=' "$T/$s/manifest.mpd"
    expect "$s: UTCTiming" grep -q '<UTCTiming ' "$T/$s/manifest.mpd"
    "$LSTREAM" validate "$T/$s" > "$T/$s.txt" 2>&1 || true
    expect "$s: the live ladder validates (L1-L6): $(grep -E '^MUST' "$T/$s.txt" | head -3)" grep -q ' 0 MUST' "$T/$s.txt"
done
s1=$(seq_of "$T/snap1/v360/index.m3u8"); s2=$(seq_of "$T/snap2/v360/index.m3u8")
expect "the window slides: MEDIA-SEQUENCE $s1 then $s2" [ "${s2:-0}" -gt "${s1:-0}" ]
expect "the window holds 6 segments" [ "$(grep -c '^seg_' "$T/snap2/v360/index.m3u8")" = 6 ]
expect "the audio window is the video's" [ "$(seq_of "$T/snap2/audio/index.m3u8")" = "$s2" ]
expect "the MPD's window moves too" sh -c "[ \"\$(grep -o 'startNumber=\"[0-9]*\"' '$T/snap2/manifest.mpd' | head -1)\" != \"\$(grep -o 'startNumber=\"[0-9]*\"' '$T/snap1/manifest.mpd' | head -1)\" ]"
# the segments that left the window are still on the server (L1), and become the VOD
first_listed=$(grep -m1 '^seg_' "$T/snap2/v360/index.m3u8")
expect "segments that left the window stay on the server" [ -f "$T/snap2/v360/seg_00001.m4s" ]
rc=0; wait $pid || rc=$?
expect "live: ends with 0 after --duration (rc $rc: $(tail -2 "$T/live.log"))" [ $rc = 0 ]
expect "VOD: EXT-X-ENDLIST and PLAYLIST-TYPE:VOD" sh -c "grep -q '^#EXT-X-ENDLIST' '$T/live/v360/index.m3u8' && grep -q '^#EXT-X-PLAYLIST-TYPE:VOD' '$T/live/v360/index.m3u8'"
expect "VOD: every segment listed again, from the first ($first_listed was the window's first)" [ "$(grep -c '^seg_' "$T/live/v360/index.m3u8")" = 13 ]
expect "VOD: no PROGRAM-DATE-TIME (as lstream transcode publishes)" sh -c "! grep -q PROGRAM-DATE-TIME '$T/live/v360/index.m3u8'"
expect "VOD: a static MPD" grep -q 'type="static" mediaPresentationDuration="PT26' "$T/live/manifest.mpd"
expect "VOD: ladder.json says what the live run did" python3 -c "
import json, sys
j = json.load(open('$T/live/ladder.json'))['live']
sys.exit(not (j['window_segments'] == 6 and j['declared_bps']['v360'] > 0 and j['segments_over_declared'] == 0 and j['realtime_factor'] > 0.9))"
expect "VOD: the segments students saw are the VOD's" cmp "$T/snap2/v360/$first_listed" "$T/live/v360/$first_listed"
"$LSTREAM" sample "$T/ref.mp4" --duration 26 --size 640x360 >/dev/null 2>&1 || bad "sample"
check_ladder "$T/live" "$T/ref.mp4"

# 2. EVENT: --window 0 keeps every segment, and says so
"$LSTREAM" live -o "$T/event" --duration 12 --size 320x180 --window 0 -q --no-thumbnails > "$T/event.log" 2>&1 &
pid=$!
sleep 8
snapshot "$T/event" "$T/esnap"
expect "EVENT: PLAYLIST-TYPE:EVENT while live" grep -q '^#EXT-X-PLAYLIST-TYPE:EVENT$' "$T/esnap/v180/index.m3u8"
expect "EVENT: nothing removed (MEDIA-SEQUENCE 0)" [ "$(seq_of "$T/esnap/v180/index.m3u8")" = 0 ]
"$LSTREAM" validate "$T/esnap" > "$T/esnap.txt" 2>&1 || true
expect "EVENT: the snapshot validates: $(grep -E '^MUST' "$T/esnap.txt" | head -3)" grep -q ' 0 MUST' "$T/esnap.txt"
wait $pid || bad "EVENT: live run failed: $(tail -2 "$T/event.log")"
expect "EVENT: VOD at the end" grep -q '^#EXT-X-ENDLIST' "$T/event/v180/index.m3u8"

# 3. Ctrl-C ends the lecture: the VOD is published, exit 0
"$LSTREAM" live -o "$T/int" --size 320x180 -q --no-thumbnails > "$T/int.log" 2>&1 &
pid=$!
sleep 7
kill -INT $pid
rc=0; wait $pid || rc=$?
expect "Ctrl-C: exit 0 (rc $rc: $(tail -2 "$T/int.log"))" [ $rc = 0 ]
expect "Ctrl-C: a VOD ladder that validates" "$LSTREAM" validate "$T/int"
expect "Ctrl-C: ladder.json" [ -f "$T/int/ladder.json" ]

# 4. the source ends by itself (a camera that sends 5 s, then end of stream): the lecture ends there, cleanly
"$LSTREAM" live -o "$T/eos" --source "videotestsrc is-live=true num-buffers=150 ! video/x-raw,width=320,height=180,framerate=30/1" \
    -q --no-thumbnails > "$T/eos.log" 2>&1 || bad "source EOS: failed: $(tail -2 "$T/eos.log")"
expect "source EOS: a 5 s VOD" grep -q 'mediaPresentationDuration="PT5.0' "$T/eos/manifest.mpd"
expect "source EOS: validates" "$LSTREAM" validate "$T/eos"

# 4b. a still screen (the projector showing one slide): its repeats are encoded, not held, so x264's lookahead keeps
# filling and each 1 s segment reaches the playlists about a second after its end (holding them made it 16 s)
"$LSTREAM" live -o "$T/still" --source "videotestsrc is-live=true pattern=white ! video/x-raw,width=320,height=180,framerate=30/1" \
    --duration 8 -s 1 -v --no-thumbnails > "$T/still.log" 2>&1 || bad "still screen: failed: $(tail -2 "$T/still.log")"
late=$(sed -n 's/.*segment [0-9]* published \([0-9.]*\) s after its end.*/\1/p' "$T/still.log" | sort -n | tail -1)
expect "still screen: every segment published within 3 s of its end (latest ${late:-none})" \
    python3 -c "import sys; sys.exit(not ('$late' and float('$late') < 3))"
expect "still screen: nothing held live (ladder.json has no held_repeats)" sh -c "! grep -q held_repeats '$T/still/ladder.json'"
expect "still screen: validates" "$LSTREAM" validate "$T/still"

# 5. bad sources and outputs: a clear error, exit 2 / 3, nothing touched
mkdir "$T/keep"; echo precious > "$T/keep/notes.txt"
rc=0
"$LSTREAM" live -o "$T/keep" --duration 4 --size 320x180 -q > "$T/keep.log" 2>&1 || rc=$?
expect "a non-empty OUTDIR is refused (exit 3, rc $rc)" [ $rc = 3 ]
expect "... saying why" grep -q 'is not empty' "$T/keep.log"
expect "... and left alone" sh -c "[ \"\$(ls '$T/keep')\" = notes.txt ]"
"$LSTREAM" live -o "$T/ladder-again" --duration 3 --size 320x180 -q --no-thumbnails >/dev/null 2>&1 || bad "short live run"
rc=0
"$LSTREAM" live -o "$T/ladder-again" --duration 3 --size 320x180 -q > "$T/again.log" 2>&1 || rc=$?
expect "a finished ladder is never overwritten by a live run (exit 3, rc $rc)" [ $rc = 3 ]
rc=0
"$LSTREAM" live -o "$T/nosuch" --source "nosuchsrc_element" -q > "$T/nosuch.log" 2>&1 || rc=$?
expect "an unknown GStreamer source: exit 2 (rc $rc)" [ $rc = 2 ]
expect "... naming it: $(cat "$T/nosuch.log")" grep -q 'nosuchsrc_element' "$T/nosuch.log"
expect "... and nothing written" [ ! -e "$T/nosuch/master.m3u8" ]
rc=0
"$LSTREAM" live -o "$T/badsize" --size 10x10 -q > "$T/badsize.log" 2>&1 || rc=$?
expect "a bad --size is a usage error (rc $rc)" [ $rc = 1 ]
rc=0
"$LSTREAM" live -o "$T/badwin" --window 3 -q > "$T/badwin.log" 2>&1 || rc=$?
expect "--window 3 is refused (fewer than 6 segments; rc $rc)" [ $rc = 1 ]
finish
