#!/bin/sh
# Live lecture benchmark (issue 12): can this machine make a live ladder from a 1080p30 capture in real time?
# Each run: `lstream live` from the GStreamer test source (1920x1080, 30 fps, with audio) for DURATION seconds,
# the default 5-rung ladder + AAC + Opus; then, side by side in the same run, FFmpeg making a 5-rendition live HLS
# ladder (x264 at the same preset, AAC) from its own 1080p30 test source in real time (-re). Printed per run:
# lstream's realtime factor (media seconds per wall second, publishing the VOD included), how far its encoders
# fell behind the source at most, frames dropped to keep up, encoder speed steps, CPU seconds; FFmpeg's CPU
# seconds and whether it kept up (its own speed figure); and the CPU ratio lstream / FFmpeg. Then min / median /
# max over the runs. Latency is measured by tests/players/live.mjs (tests/players_live.sh).
# usage: bench/live.sh LSTREAM [RUNS] [DURATION] [PRESET]
set -eu
L=$1 RUNS=${2:-3} DUR=${3:-60} PRESET=${4:-ultrafast}
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-bench-live-XXXXXX")
trap 'rm -rf "$T"' EXIT
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "lstream live --source test --size 1920x1080 --fps 30 --duration $DUR -p $PRESET (5 rungs, AAC + Opus), and FFmpeg's 5-rendition live HLS ladder"
for i in $(seq 1 "$RUNS"); do
    rm -rf "$T/live"
    /usr/bin/time -f "%e %U %S" -o "$T/time" "$L" live -o "$T/live" --duration "$DUR" --size 1920x1080 -p "$PRESET" -q 2> "$T/err" || { cat "$T/err"; exit 1; }
    read -r wall user sys < "$T/time"
    gaps=$(sed -n 's/.*live: \([0-9]*\) gaps.*/\1/p' "$T/err"); gaps=${gaps:-0}
    python3 - "$T/live/ladder.json" "$wall" "$user" "$sys" "$gaps" > "$T/ls.$i" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
lv = j['live']
rungs = [r for r in j['renditions'] if r['type'] == 'video']
print(f"{lv['realtime_factor']:.3f} {lv['max_lag_s']:.2f} {sys.argv[5]} {len(lv['faster_steps_at'])} {float(sys.argv[3]) + float(sys.argv[4]):.1f} {len(rungs)}")
PY
    # FFmpeg: the same picture size, rate, rungs and preset, live (-re), HLS fMP4 2 s segments
    rm -rf "$T/ff"; mkdir "$T/ff"
    /usr/bin/time -f "%e %U %S" -o "$T/fftime" ffmpeg -nostdin -hide_banner -loglevel error -stats -re \
        -f lavfi -i "testsrc2=size=1920x1080:rate=30,format=yuv420p" -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$DUR" \
        -filter_complex "[0:v]split=5[a][b][c][d][e];[b]scale=1280:720[b2];[c]scale=854:480[c2];[d]scale=640:360[d2];[e]scale=426:240[e2]" \
        -map "[a]" -map "[b2]" -map "[c2]" -map "[d2]" -map "[e2]" -map 1:a -c:v libx264 -preset "$PRESET" -g 60 -keyint_min 60 -sc_threshold 0 \
        -threads 1 -c:a aac -b:a 64k -ac 1 -f hls -hls_time 2 -hls_segment_type fmp4 -hls_list_size 10 -master_pl_name master.m3u8 \
        -var_stream_map "v:0 v:1 v:2 v:3 v:4 a:0" "$T/ff/s%v/index.m3u8" 2> "$T/ffstats" || { tail -3 "$T/ffstats"; exit 1; }
    read -r fwall fuser fsys < "$T/fftime"
    fspeed=$(tr '\r' '\n' < "$T/ffstats" | grep -o 'speed=[ 0-9.]*x' | tail -1 | tr -d 'speed=x ')
    read -r rt lag gaps steps cpu rungs < "$T/ls.$i"
    fcpu=$(python3 -c "print(f'{$fuser + $fsys:.1f}')")
    echo "run $i: lstream realtime $rt, max lag ${lag} s, dropped-frame gaps $gaps, speed steps $steps, CPU ${cpu} s ($rungs rungs); FFmpeg CPU ${fcpu} s, speed ${fspeed}x; CPU ratio $(python3 -c "print(f'{$cpu / $fcpu:.2f}')")"
    echo "$rt $lag $gaps $cpu $fcpu" >> "$T/all"
done
python3 - "$T/all" <<'PY'
import sys, statistics as st
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
def mmm(xs): return f"{min(xs):.2f} / {st.median(xs):.2f} / {max(xs):.2f}"
print("min / median / max over", len(rows), "runs:")
print("  lstream realtime factor ", mmm([r[0] for r in rows]))
print("  lstream max lag (s)     ", mmm([r[1] for r in rows]))
print("  lstream dropped gaps    ", mmm([r[2] for r in rows]))
print("  CPU ratio lstream/FFmpeg", mmm([r[3] / r[4] for r in rows]))
PY
