#!/bin/bash
# What a chunked encode costs and what it buys (issue 13): one generated lecture encoded whole, then for each
# chunk count N every part alone, one after another on this machine (so each time is that part's own), then
# finalize. Prints, per N: the sum of the parts against the whole run (the overhead per chunk: the decode from
# the key frame before each chunk, a process start, a probe, encoders opened), and the wall time the same
# parts would take on N+1 machines of this kind (the slowest video chunk or the audio part, whichever is
# longer, plus finalize), as a speed-up over the whole run. Each figure is the median of --runs runs.
#   bench/chunks.sh [--lstream PATH] [--duration S] [--kind KIND] [--chunks "2 4 8"] [--span SEGMENTS] [--runs R]
set -euo pipefail
L=build/lstream; DUR=120; KIND=slides-pip; CHUNKS="2 4 8"; RUNS=3; SPAN=10 # segments per encoder (the whole run gets the same)
while [ $# -gt 0 ]; do
    case $1 in
    --lstream) L=$2; shift 2 ;; --duration) DUR=$2; shift 2 ;; --kind) KIND=$2; shift 2 ;;
    --chunks) CHUNKS=$2; shift 2 ;; --runs) RUNS=$2; shift 2 ;; --span) SPAN=$2; shift 2 ;;
    *) echo "usage: $0 [--lstream PATH] [--duration S] [--kind KIND] [--chunks \"2 4 8\"] [--span N] [--runs R]" >&2; exit 1 ;;
    esac
done
W=$(mktemp -d "${TMPDIR:-/tmp}/lstream-chunks-XXXXXX")
trap 'rm -rf "$W"' EXIT
"$L" sample "$W/in.mp4" --duration "$DUR" --kind "$KIND" 2>/dev/null
ms() { local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
whole=()
for r in $(seq "$RUNS"); do rm -rf "$W/whole"; whole+=("$(ms "$L" transcode "$W/in.mp4" -o "$W/whole" -q --chunk-span "$SPAN")"); done
wm=$(echo "${whole[*]}" | median)
echo "lecture: $KIND, ${DUR} s 1080p30, chunk span $SPAN segments; whole run: median $wm ms (${whole[*]})"
echo
echo "| chunks N | video chunks, sum (ms) | audio part (ms) | finalize (ms) | overhead per chunk (ms) | slowest chunk (ms) | wall on N+1 machines (ms) | speed-up |"
echo "|---|---|---|---|---|---|---|---|"
for n in $CHUNKS; do
    sums=(); auds=(); fins=(); maxs=(); walls=()
    for r in $(seq "$RUNS"); do
        rm -rf "$W/c" "$W/c.parts"
        sum=0; max=0
        for k in $(seq "$n"); do
            t=$(ms "$L" transcode "$W/in.mp4" -o "$W/c" --chunk "$k/$n" -q --chunk-span "$SPAN")
            sum=$((sum + t)); [ "$t" -gt "$max" ] && max=$t
        done
        a=$(ms "$L" transcode "$W/in.mp4" -o "$W/c" --chunk audio -q --chunk-span "$SPAN")
        f=$(ms "$L" finalize "$W/c" -q)
        diff -rq "$W/whole" "$W/c" >/dev/null || { echo "the $n-chunk ladder differs from the whole one" >&2; exit 1; }
        sums+=("$sum"); auds+=("$a"); fins+=("$f"); maxs+=("$max")
        walls+=("$(( (max > a ? max : a) + f ))")
    done
    s=$(echo "${sums[*]}" | median); a=$(echo "${auds[*]}" | median); f=$(echo "${fins[*]}" | median)
    m=$(echo "${maxs[*]}" | median); w=$(echo "${walls[*]}" | median)
    echo "| $n | $s | $a | $f | $(( (s + a - wm) / n )) | $m | $w | $(awk -v a="$wm" -v b="$w" 'BEGIN {printf "%.2f", a / b}') |"
done
