#!/bin/sh
# A worker killed at any moment (kill -9, power cut) never harms the published ladder, and the next run into
# the same folder succeeds and sweeps what the dead one left; the same input and settings give
# byte-identical output whatever the thread budget.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
"$LSTREAM" sample "$T/a.mp4" --duration 8 --size 640x360 --seed 1 || bad "sample a"
"$LSTREAM" sample "$T/b.mp4" --duration 30 --size 854x480 --seed 2 --kind screencast || bad "sample b"  # a run of a few seconds
mkdir -p "$T/site"
"$LSTREAM" transcode "$T/a.mp4" -o "$T/site/lecture" -q -p ultrafast || bad "first ladder"
snap() { (cd "$T/site/lecture" && find . -type f -exec md5sum {} + | sort | md5sum); }
old=$(snap)
new=""
# kill -9 at spread-out moments of a run that would replace it
i=0
for delay in 0.05 0.3 0.8 1.2 1.6 8 0.5; do
    i=$((i + 1))
    "$LSTREAM" transcode "$T/b.mp4" -o "$T/site/lecture" -q -p veryfast -t 2 2>/dev/null &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    now=$(snap)
    if [ "$now" != "$old" ]; then  # the run got as far as publishing: then it is the new ladder, whole
        [ -z "$new" ] && new=$now
        expect "kill $i (after $delay s): the published ladder is the old one or the new one, whole" [ "$now" = "$new" ]
    else ok; fi
    expect "kill $i (after $delay s): the published ladder validates" "$LSTREAM" validate "$T/site/lecture" >/dev/null
done
left=$(ls -a "$T/site" | grep -c lstream-staging || true)
echo "staging folders left by killed runs: $left"
expect "the last kill (0.5 s into a run) left its staging folder, for the sweep to find" [ "$left" -ge 1 ]
"$LSTREAM" transcode "$T/b.mp4" -o "$T/site/lecture" -q -p ultrafast || bad "the run after the kills failed"
expect "the next run swept every staging folder of the dead runs" sh -c "! ls -a '$T/site' | grep -q lstream-staging"
expect "the next run published" "$LSTREAM" validate "$T/site/lecture" >/dev/null
# a staging folder of a process that is alive (this shell) is never swept
mkdir "$T/site/.lecture.lstream-staging-$(hostname | tr './-' '___')-$$-0-0"
"$LSTREAM" transcode "$T/b.mp4" -o "$T/site/lecture" -q -p ultrafast || bad "run beside a live staging folder"
expect "a live process's staging folder is left alone" [ -d "$T/site/.lecture.lstream-staging-$(hostname | tr './-' '___')-$$-0-0" ]
rm -rf "$T/site/.lecture.lstream-staging-"*

# M8 adapts: a rung dearer than the one above it leaves the ladder (never the cellular one) instead of failing
"$LSTREAM" transcode "$T/a.mp4" -o "$T/dearer" -q -p ultrafast --rungs 360:crf=51,240 2>"$T/err.txt" ||
    bad "a ladder whose 240p rung costs more than its 360p failed: $(cat "$T/err.txt")"
expect "the dearer pair: 360p dropped, listed with its reason" grep -q '"dropped_rungs": \[{"id": "v360"' "$T/dearer/ladder.json"
expect "... its folder removed, the 240p rung kept" sh -c "[ ! -e '$T/dearer/v360' ] && grep -q 'RESOLUTION=426x240' '$T/dearer/master.m3u8'"

# the same input and settings, one thread and several: byte-identical media and manifests
for t in 1 2 3; do
    "$LSTREAM" transcode "$T/a.mp4" -o "$T/threads-$t" -q -p veryfast -t "$t" || bad "threads $t"
done
expect "--threads 1 and 2 give identical ladders" diff -r "$T/threads-1" "$T/threads-2"
expect "--threads 1 and 3 give identical ladders" diff -r "$T/threads-1" "$T/threads-3"
finish
