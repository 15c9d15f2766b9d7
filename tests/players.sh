#!/bin/sh
# Real-browser playback (hls.js, dash.js, Shaka Player in Debian's Chromium) of a fresh default ladder.
# Skips (77) only where Node.js, Chromium or the npm packages (run.sh test installs them) are absent.
set -eu
src=${top_srcdir:-.}; bld=${top_builddir:-.}
command -v node >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "SKIP: chromium not installed (Debian: chromium)"; exit 77; }
[ -d "$src/tests/players/node_modules/playwright-core" ] || { echo "SKIP: run 'npm ci' in tests/players"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-players-XXXXXX")
pg=""
# the browser and the server run in their own process group, which is killed whatever happens
cleanup() { [ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
# Chromium's sound goes through libpulse, which without a runtime directory makes one in $TMPDIR (pulse-XXXX) and
# points ~/.config/pulse at it: give it one inside the test's folder, removed with it
export PULSE_RUNTIME_PATH="$T/pulse"
# a screen recording of slides: most of its frames repeat the one before exactly, so the ladder holds them (one
# sample lasting up to a second, settings.hold_repeats): the players must play, seek and switch across those
"$bld/lstream" sample "$T/lecture.mp4" --duration 60 --kind slides
# with the Opus speech rendition beside AAC (the default): each rung is a variant in both HLS audio groups (the
# harness starts hls.js at its lowest level, an Opus variant), dash.js and Shaka pick an audio AdaptationSet; and,
# where the build has libvpx, VP9 twins of the two lowest rungs (a second DASH video AdaptationSet): each player
# plays H.264 + AAC/Opus and VP9 + Opus from the same manifests and switches codec when told to
vp9=0; "$bld/lstream" --version | grep -q "vp9" && vp9=2
"$bld/lstream" transcode "$T/lecture.mp4" -o "$T/ladder" -q -p ultrafast --opus-kbps 24 --vp9 $vp9
# samples of more than one frame are there (30 fps: 3000 ticks a frame at 90 kHz)
long=$(python3 "$src/tests/e2e/durations.py" "$T/ladder/v240/seg_00002.m4s" | awk '$1 > 3000' | wc -l)
[ "$long" -gt 0 ] || { echo "FAIL: no held repeat in the ladder (every sample one frame long)"; exit 1; }
echo "ok: $long samples of v240's second segment last longer than a frame (held repeats)"
# the variant a player starts with (the first listed) is H.264's, whatever VP9 costs
grep -m1 '^#EXT-X-STREAM-INF' "$T/ladder/master.m3u8" | grep -q 'CODECS="avc1' ||
    { echo "FAIL: the first variant listed is not H.264: $(grep -m1 '^#EXT-X-STREAM-INF' "$T/ladder/master.m3u8")"; exit 1; }
setsid timeout -k 10 420 node "$src/tests/players/play.mjs" "$T/ladder" &
pg=$!
status=0
wait "$pg" || status=$?
left=$(pgrep -g "$pg" 2>/dev/null | wc -l)
pg=""
if [ "$left" -ne 0 ]; then echo "FAIL: $left browser process(es) left behind"; exit 1; fi
# the offline file (download.mp4) in Chromium's own <video>, no streaming library
setsid timeout -k 10 120 node "$src/tests/players/download.mjs" "$T/ladder" &
pg=$!
wait "$pg" || status=1
left=$(pgrep -g "$pg" 2>/dev/null | wc -l)
pg=""
if [ "$left" -ne 0 ]; then echo "FAIL: $left browser process(es) left behind"; exit 1; fi
exit $status
