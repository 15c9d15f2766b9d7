#!/bin/sh
# Startup on a slow link (S1, issue: start in 2 s at 400 kbit/s): the default ladder of a 60 s generated lecture,
# played by hls.js, dash.js and Shaka with their default configuration in Chromium, over a loopback shaped with tc
# tbf (400 kbit/s, then 1.5 Mbit/s) inside a network namespace of its own; the server and the browser run in it.
# Prints one JSON line per player and link (startup time, stalls, the rungs fetched). CI bounds are generous (the
# machines are shared): startup <= 10 s, at most 5 s stalled in the 50 s watched; the figures go to BENCHMARKS.md.
# Skips (77) without root, iproute2's ip/tc, the sch_tbf qdisc, Node.js, Chromium or the npm packages.
set -eu
src=${top_srcdir:-.}; bld=${top_builddir:-.}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a network namespace)"; exit 77; }
command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || { echo "SKIP: no ip/tc (iproute2)"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "SKIP: node not installed"; exit 77; }
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "SKIP: chromium not installed (Debian: chromium)"; exit 77; }
[ -d "$src/tests/players/node_modules/playwright-core" ] || { echo "SKIP: run 'npm ci' in tests/players"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-startup-XXXXXX")
ns="lstream-startup-$$"
pg=""
cleanup() { [ -n "$pg" ] && kill -KILL -- "-$pg" 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
# Chromium's sound goes through libpulse, which without a runtime directory makes one in $TMPDIR (pulse-XXXX) and
# points ~/.config/pulse at it: give it one inside the test's folder, removed with it
export PULSE_RUNTIME_PATH="$T/pulse"
ip netns add "$ns" 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip netns exec "$ns" ip link set lo up mtu 1500
"$bld/lstream" sample "$T/lecture.mp4" --duration 60 >/dev/null
"$bld/lstream" transcode "$T/lecture.mp4" -o "$T/ladder" -q
status=0
for link in "400kbit 50" "1500kbit 20"; do
    set -- $link
    ip netns exec "$ns" tc qdisc replace dev lo root tbf rate "$1" burst 4kb limit 256kb 2>/dev/null ||
        { echo "SKIP: tc tbf not available (sch_tbf)"; exit 77; }
    setsid ip netns exec "$ns" timeout -k 10 400 node "$src/tests/players/startup.mjs" "$T/ladder" "$2" \
        > "$T/$1.json" &
    pg=$!
    wait "$pg" || status=1
    pg=""
    sed "s/^/$1 /" "$T/$1.json"
    python3 - "$T/$1.json" "$1" <<'PY' || status=1
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = len(rows) == 3
for r in rows:
    if r.get("error"):
        print("FAIL: %s at %s: %s" % (r.get("player"), sys.argv[2], r["error"])); ok = False
    elif r["startup_s"] > 10:
        print("FAIL: %s at %s started after %.1f s (bound 10 s)" % (r["player"], sys.argv[2], r["startup_s"])); ok = False
    elif r["stall_s"] > 5:
        print("FAIL: %s at %s stalled %.1f s" % (r["player"], sys.argv[2], r["stall_s"])); ok = False
sys.exit(0 if ok else 1)
PY
done
exit $status
