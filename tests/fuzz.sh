#!/bin/sh
# Mutation fuzzing of the validator and the transcoder's input path (see tests/fuzz/fuzz.c).
# FUZZ_ITERATIONS sets the depth (default 1500; the sanitizer stage of run.sh test runs it too).
# The seed is fixed so that a test run is reproducible; explore with FUZZ_SEED=$(date +%s) (or a loop of
# seeds) and add what a new seed finds as a fix plus, where it helps, a case in tests/e2e/validator.sh.
set -eu
bld=${top_builddir:-.}
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-fuzzdata-XXXXXX")
trap 'rm -rf "$T"' EXIT
"$bld/lstream" sample "$T/in.mp4" --duration 3 --size 160x90
"$bld/lstream" transcode "$T/in.mp4" -o "$T/ladder" -q -p ultrafast -s 1
# not exec: the EXIT trap must still run and remove $T
timeout -k 10 600 "$bld/tests/fuzz/fuzz" "$T/ladder" "$T/in.mp4" "${FUZZ_ITERATIONS:-1500}" "${FUZZ_SEED:-20261122}"
