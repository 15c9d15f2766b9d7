#!/bin/bash
# lstream-httpd (examples/httpd) end to end: a lecture uploaded with curl is transcoded and served (MIME types,
# ranges, caching), progress as JSON and server-sent events; hostile requests (tests/httpd/hostile.py:
# traversal, oversize, slow bodies, many uploads at once) are refused; a job is cancelled mid-way and publishes
# nothing; a worker that crashes fails its job and the server goes on; a lecture uploaded through the page
# plays in Chromium. Nothing is written outside the server's --root.
set -euo pipefail
src=$(cd "${top_srcdir:-.}" && pwd); bld=$(cd "${top_builddir:-.}" && pwd)
[ -x "$bld/lstream-httpd" ] || { echo "SKIP: lstream-httpd not built (configure --with-microhttpd; ./run.sh does)"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-httpd-XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
# Chromium's sound goes through libpulse, which without a runtime directory makes one in $TMPDIR (pulse-XXXX) and
# points ~/.config/pulse at it: give it one inside the test's folder, removed with it
export PULSE_RUNTIME_PATH="$T/pulse"
PASS=0; FAIL=0
ok() { PASS=$((PASS + 1)); echo "PASS: $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
expect() { d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }

"$bld/lstream" sample "$T/lecture.mp4" --duration 12 --size 640x360 2>/dev/null
"$bld/lstream" sample "$T/long.mp4" --duration 60 --size 640x360 2>/dev/null
head -c 500000 /dev/urandom > "$T/garbage.mp4"
mkdir "$T/cwd"
assets="$src/tests/players/node_modules/hls.js/dist"
[ -d "$assets" ] || assets="" # (make distcheck's copy has no node_modules: the page then has no hls.js)
# --port 0: the system picks a free port and the server's log names it (no clash with other tests' servers)
(cd "$T/cwd" && exec "$bld/lstream-httpd" --port 0 --root "$T/root" --workers 1 --max-upload 8 --uploads 2 \
    --min-rate 64 --timeout 3 --set preset=ultrafast ${assets:+--assets "$assets"}) > "$T/server.log" 2>&1 &
pid=$!
port=""
for i in $(seq 300); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$T/server.log")
    [ -n "$port" ] && break
    sleep 0.1
done
base="http://127.0.0.1:$port"
if [ -n "$port" ] && curl -sf -o /dev/null "$base/"; then ok "the server answers"; else bad "the server answers: $(cat "$T/server.log")"; exit 1; fi

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
post_job() { # post_job FILE: the new job's id; "try again later" (503: uploads at once, or the queue) is tried
    # again for 30 s, as a client would (under a loaded machine the hostile test's uploads can still hold their slots)
    for i in $(seq 150); do
        code=$(curl -s -o "$T/post.json" -w '%{http_code}' -X POST --data-binary @"$1" "$base/jobs")
        [ "$code" = 503 ] || break
        sleep 0.2
    done
    json id < "$T/post.json"
}
wait_state() { # wait_state ID STATE...: until the job is in one of the states (120 s at most)
    local id=$1; shift
    for i in $(seq 1200); do
        s=$(curl -s "$base/jobs/$id" | json state)
        for w in "$@"; do [ "$s" = "$w" ] && return 0; done
        sleep 0.1
    done
    return 1
}

# ---- a lecture through curl ----
id=$(post_job "$T/lecture.mp4")
expect "upload accepted with a job id ($id)" test -n "$id"
curl -sN --max-time 60 "$base/jobs/$id/events" > "$T/events.txt" || true
expect "server-sent events: progress, then the end" sh -c "grep -q '^event: progress' '$T/events.txt' && grep -q '^event: end' '$T/events.txt'"
expect "the job is done" wait_state "$id" done
hdr() { curl -s -D - -o /dev/null "$@"; }
h=$(hdr "$base/media/$id/master.m3u8")
expect "master.m3u8: 200, application/vnd.apple.mpegurl" sh -c "echo '$h' | grep -q '200' && echo '$h' | grep -qi 'content-type: application/vnd.apple.mpegurl'"
h=$(hdr "$base/media/$id/manifest.mpd")
expect "manifest.mpd: application/dash+xml" sh -c "echo '$h' | grep -qi 'content-type: application/dash+xml'"
seg=$(cd "$T/root/media/$id" && ls v*/seg_00001.m4s | head -n 1)
h=$(hdr -H "Range: bytes=10-109" "$base/media/$id/$seg")
expect "a byte range: 206, Content-Range, 100 bytes" sh -c "echo '$h' | grep -q '206' && echo '$h' | grep -qi 'content-range: bytes 10-109/' && echo '$h' | grep -qi 'content-length: 100'"
expect "the range's bytes are the file's" bash -c "curl -s -H 'Range: bytes=10-109' '$base/media/$id/$seg' | cmp -s - <(tail -c +11 '$T/root/media/$id/$seg' | head -c 100)"
expect "segments: immutable caching; playlists short" sh -c "echo '$h' | grep -qi 'cache-control: public, max-age=31536000, immutable' && curl -s -D - -o /dev/null '$base/media/$id/master.m3u8' | grep -qi 'max-age=60'"
expect "the served ladder validates" "$bld/lstream" validate "$T/root/media/$id" > /dev/null
expect "the upload is removed once transcoded" test ! -e "$T/root/uploads/$id.upload"

# ---- hostile requests ----
ln -s /etc/passwd "$T/root/media/$id/evil.m3u8"
if python3 "$src/tests/httpd/hostile.py" "$port" "$T/root" "$id" > "$T/hostile.txt" 2>&1; then ok "hostile requests refused"; else bad "hostile requests"; fi
cat "$T/hostile.txt"
rm "$T/root/media/$id/evil.m3u8"

# ---- a broken recording fails its job with a message ----
g=$(post_job "$T/garbage.mp4")
wait_state "$g" failed done cancelled || true
expect "garbage: failed with the library's message (job $g: $(curl -s "$base/jobs/$g" | tr -d '\n' | cut -c1-300))" sh -c "curl -s '$base/jobs/$g' | grep -q 'not a readable media file'"

# ---- cancel mid-job: nothing published ----
for i in $(seq 300); do # earlier jobs (the hostile test's junk uploads) finish first
    curl -s "$base/jobs/$g" | grep -q '"state": "failed"' && break; sleep 0.1
done
c=$(post_job "$T/long.mp4")
wait_state "$c" running || true
curl -s -X DELETE "$base/jobs/$c" > /dev/null # at once: a fast machine could finish the job within a second
expect "cancelled" wait_state "$c" cancelled
[ "$(curl -s "$base/jobs/$c" | json state)" = cancelled ] || curl -s "$base/jobs/$c"
expect "cancel: no ladder published" test ! -e "$T/root/media/$c"
expect "cancel: nothing half-written left" test -z "$(ls -A "$T/root/media" | grep '^\.' || true)"

# ---- a worker that crashes: its job fails, the server goes on ----
k=$(post_job "$T/long.mp4")
wait_state "$k" running || true
wpid=""
for i in $(seq 100); do # the worker once it has exec'd (its command line names the job)
    wpid=$(pgrep -f -- "--worker .*$k" | head -n 1 || true)
    [ -n "$wpid" ] && break
    sleep 0.05
done
expect "the job runs in a worker process" test -n "$wpid"
[ -n "$wpid" ] && kill -SEGV "$wpid"
wait_state "$k" failed done || true
expect "a crashed worker fails its job ($(curl -s "$base/jobs/$k" | tr -d '\n' | cut -c1-200))" sh -c "curl -s '$base/jobs/$k' | grep -q 'signal 11'"
expect "the server is still up" curl -sf -o /dev/null "$base/"
expect "the crashed worker's half-written ladder is removed" test -z "$(ls -A "$T/root/media" | grep '^\.' || true)"

# ---- the page, in Chromium: upload, progress, playback with hls.js ----
if command -v node >/dev/null && [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$src/tests/players/node_modules/playwright-core" ]; then
    if timeout -k 5 170 node "$src/tests/httpd/upload.mjs" "$base" "$T/lecture.mp4"; then ok "page upload plays in Chromium"; else bad "page upload in Chromium"; fi
else
    echo "(Chromium page test skipped: node, chromium or tests/players/node_modules missing)"
fi

# ---- nothing written outside --root ----
expect "nothing written in the server's working folder" test -z "$(ls -A "$T/cwd")"
outside=$(find "$T/root" -mindepth 1 -maxdepth 1 ! -name uploads ! -name media)
expect "only uploads/ and media/ in the root ($outside)" test -z "$outside"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
left=$(pgrep -f -- "lstream-htt[p]d --worker $T" || true)
expect "no worker left after the server stops ($left)" test -z "$left"
grep -E "job|cut off" "$T/server.log" | tail -n 12
echo "httpd: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
