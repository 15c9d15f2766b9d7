#!/bin/sh
# The bench harness cannot rot: one tiny run against FFmpeg, and its three reports exist and are complete.
# No timing is asserted (shared, noisy machines).
set -eu
command -v ffmpeg >/dev/null 2>&1 || { echo "SKIP: ffmpeg not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-bench-XXXXXX")
trap 'rm -rf "$T"' EXIT
"${top_builddir:-.}/lstream-bench" --quick --out "$T" > "$T/stdout.txt"
fail=0; pass=0
for f in report.md bench.json slides-pip-180p-3s-psnr.svg slides-pip-180p-3s-ssim.svg; do
    if [ -s "$T/$f" ]; then pass=$((pass + 1)); else echo "FAIL: missing $f"; fail=$((fail + 1)); fi
done
for pat in 'ratio ls/ff' 'v180' 'PSNR' 'CPU'; do
    if grep -q "$pat" "$T/stdout.txt"; then pass=$((pass + 1)); else echo "FAIL: no '$pat' in the terminal table"; fail=$((fail + 1)); fi
done
# both tools measured, and quality figures present (not NaN) for every rung
if python3 -c "import json,sys,math; d=json.load(open('$T/bench.json')); i=d['inputs'][0]; assert i['libstream_wall']['median']>0 and i['ffmpeg_wall']['median']>0; assert all(r['libstream']['psnr']>20 and r['ffmpeg']['psnr']>20 for r in i['rungs'])"; then
    pass=$((pass + 1)); else echo "FAIL: bench.json incomplete"; cat "$T/bench.json"; fail=$((fail + 1)); fi
echo "bench-smoke: $pass passed, $fail failed"
[ $fail -eq 0 ]
