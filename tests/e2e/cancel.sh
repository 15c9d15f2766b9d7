#!/bin/sh
# Ctrl-C stops promptly and cleanly: exit 130, nothing published, no staging directory, no process left.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
"$LSTREAM" sample "$T/long.mp4" --duration 40 --size 1280x720 || bad "sample"
"$LSTREAM" transcode "$T/long.mp4" -o "$T/out" -q -t 2 &
pid=$!
i=0
while [ $i -lt 200 ] && ! ls -a "$T" | grep -q lstream-staging; do sleep 0.05; i=$((i + 1)); done
sleep 1
kill -INT $pid
t0=$(date +%s%N)
set +e; wait $pid; rc=$?; set -e
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect "interrupted transcode exits 130, got $rc" [ "$rc" = 130 ]
expect "stopped within 5 s of Ctrl-C (took $ms ms)" [ "$ms" -lt 5000 ]
expect "nothing published" [ ! -e "$T/out" ]
expect "no staging directory left" sh -c "! ls -a '$T' | grep -q lstream-staging"
expect "no process left" sh -c "! kill -0 $pid 2>/dev/null"
finish
