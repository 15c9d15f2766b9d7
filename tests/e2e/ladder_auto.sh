#!/bin/sh
# The content-adaptive ladder (--ladder auto, core/probe.c, doc/LECTURE.md): probe encodes at three CRFs per rung,
# SSIM at the top rung's size; the rungs kept are exactly what the documented rule gives on the reported figures
# (re-derived here, independently); slides keep fewer rungs than a camera picture; the manifests list what was
# kept and validate; a probe figure agrees with FFmpeg's own SSIM of the same kind of encode; VP9 twins follow
# the rungs kept; a truncated upload fails with the truncation named; a bad value is refused.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

# rule.py LADDER.JSON: the rule of doc/LECTURE.md applied to the reported points; prints the kept rungs
cat > "$T/rule.py" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))["ladder_probe"]
pts = d["points"]
rungs = [r for r in d["rungs"]]
probed = [r for r in rungs if r["probed"]]
mid = {r["rung"]: r for r in probed}
# the rising upper convex hull of (kbps, dB)
s = sorted(pts, key=lambda p: (p["kbps"], p["ssim_db"]))
hull = []
for p in s:
    if hull and p["ssim_db"] <= hull[-1]["ssim_db"]:
        continue
    while len(hull) >= 2:
        o, a = hull[-2], hull[-1]
        if (a["kbps"] - o["kbps"]) * (p["ssim_db"] - o["ssim_db"]) - (a["ssim_db"] - o["ssim_db"]) * (p["kbps"] - o["kbps"]) >= 0:
            hull.pop()
        else:
            break
    hull.append(p)
on = {(p["rung"], p["crf"]) for p in hull}
for p in pts:
    if p["hull"] != ((p["rung"], p["crf"]) in on):
        sys.exit("hull flag of %s crf %s disagrees" % (p["rung"], p["crf"]))
def hull_db(k):
    if k <= hull[0]["kbps"]:
        return hull[0]["ssim_db"]
    for a, b in zip(hull, hull[1:]):
        if k <= b["kbps"]:
            return a["ssim_db"] + (b["ssim_db"] - a["ssim_db"]) * (k - a["kbps"]) / (b["kbps"] - a["kbps"])
    return hull[-1]["ssim_db"]
db = {r["rung"]: -10 * math.log10(1 - r["ssim"]) for r in probed}
names = [r["rung"] for r in probed]
top = 0
while top + 2 < len(names):
    a, b = mid[names[top]], mid[names[top + 1]]
    if db[b["rung"]] < db[a["rung"]] - 0.1 or b["kbps"] >= a["kbps"]:
        break
    top += 1
kept = [names[top]]
for i in range(top + 1, len(names)):
    r = mid[names[i]]
    if i == len(names) - 1:
        kept.append(r["rung"]); continue
    a = mid[kept[-1]]
    step = a["kbps"] / r["kbps"]
    gap = a["kbps"] / mid[names[i + 1]]["kbps"]
    below = hull_db(r["kbps"]) - db[r["rung"]]
    if step < 1.5 or (below > 0.5 and gap <= 4.0):
        continue
    kept.append(r["rung"])
kept += [r["rung"] for r in rungs if not r["probed"]]
print(" ".join(sorted(kept)))
PY
kept_of() { python3 -c 'import json,sys; print(" ".join(sorted(r["rung"] for r in json.load(open(sys.argv[1]))["ladder_probe"]["rungs"] if r["kept"])))' "$1"; }
video_of() { python3 -c 'import json,sys; print(" ".join(sorted(r["id"] for r in json.load(open(sys.argv[1]))["renditions"] if r["id"].startswith("v"))))' "$1"; }

for kind in slides talking-head; do
    "$LSTREAM" sample "$T/$kind.mp4" --kind $kind --duration 16 --size 1280x720 2>/dev/null || bad "sample $kind"
    "$LSTREAM" transcode "$T/$kind.mp4" -o "$T/$kind" -q --ladder auto --no-download || { bad "transcode $kind"; continue; }
    j="$T/$kind/ladder.json"
    expect "$kind: 4 rungs probed at 3 CRFs each" python3 -c "
import json,sys; p=json.load(open('$j'))['ladder_probe']
sys.exit(not (len(p['points']) == 12 and [r['rung'] for r in p['rungs']] == ['v720','v480','v360','v240'] and p['reference'] == '1280x720' and p['frames'] == 60 and all(0.5 < x['ssim'] <= 1 and x['kbps'] > 0 for x in p['points'])))"
    # real encodes: on a camera picture a lower CRF costs more bits on every rung (still slides may not: x264 spends
    # about nothing on repeated pictures whatever the CRF)
    [ $kind = slides ] || expect "$kind: a lower CRF costs more bits on every rung" python3 -c "
import json,sys; p=json.load(open('$j'))['ladder_probe']['points']
sys.exit(any(a['rung'] == b['rung'] and a['crf'] < b['crf'] and a['kbps'] <= b['kbps'] for a in p for b in p))"
    expect "$kind: the kept rungs are the documented rule's ($(kept_of "$j") / $(python3 "$T/rule.py" "$j"))" [ "$(kept_of "$j")" = "$(python3 "$T/rule.py" "$j")" ]
    expect "$kind: the manifests list exactly the rungs kept" [ "$(kept_of "$j")" = "$(video_of "$j")" ]
    expect "$kind: the cellular rung stays" python3 -c "import json,sys; sys.exit(not json.load(open('$j'))['ladder_probe']['rungs'][-1]['kept'])"
    expect "$kind: validates" sh -c "'$LSTREAM' validate '$T/$kind' >/dev/null"
    echo "$kind: kept $(kept_of "$j")"
done
ns=$(kept_of "$T/slides/ladder.json" | wc -w); nc=$(kept_of "$T/talking-head/ladder.json" | wc -w)
expect "slides keep fewer rungs than a camera picture ($ns < $nc)" [ "$ns" -lt "$nc" ]
expect "slides: at least one rung dropped" [ "$ns" -lt 4 ]

# a probe figure against FFmpeg: the same stretch encoded by FFmpeg's libx264 at v240's size and CRF, scaled back to
# 1280x720, SSIM (Y) from FFmpeg's filter: within 0.02 of the probe's (different scalers and x264 front ends)
j="$T/talking-head/ladder.json"
set -- $(python3 -c "
import json; d=json.load(open('$j')); p=d['ladder_probe']; s=p['stretches'][0]
pt=[x for x in p['points'] if x['rung']=='v240'][1]
print(s['from'], s['seconds'], pt['crf'], pt['ssim'])")
from=$1 secs=$2 crf=$3 probe=$4
ff -ss "$from" -t "$secs" -i "$T/talking-head.mp4" -an -vf scale=426:240:flags=bicubic -c:v libx264 -preset veryfast -crf "$crf" "$T/p240.mp4" || bad "ffmpeg encode"
ffmpeg -nostdin -hide_banner -ss "$from" -t "$secs" -i "$T/talking-head.mp4" -i "$T/p240.mp4" \
    -lavfi "[1:v]scale=1280:720:flags=bicubic[b];[0:v][b]ssim" -f null - 2>"$T/ssim.txt" || bad "ffmpeg ssim"
ffssim=$(sed -n 's/.* Y:\([0-9.]*\) .*/\1/p' "$T/ssim.txt" | tail -1)
expect "v240 probe SSIM $probe agrees with FFmpeg's $ffssim (+-0.02)" python3 -c "import sys; sys.exit(abs($probe - $ffssim) > 0.02)"

# VP9 twins follow the H.264 rungs kept
if "$LSTREAM" --version | grep -q vp9; then
    "$LSTREAM" transcode "$T/slides.mp4" -o "$T/vp9" -q --ladder auto --vp9 1 --no-download || bad "transcode --vp9 1"
    # (a twin that averages more than its H.264 rung leaves the ladder, as always: listed in dropped_rungs)
    expect "--vp9 1: one twin, of the lowest rung kept" python3 -c "
import json,sys; d=json.load(open('$T/vp9/ladder.json'))
ids=[r['id'] for r in d['renditions']] + [r['id'] for r in d.get('dropped_rungs', [])]
sys.exit([i for i in ids if i.endswith('-vp9')] != ['v240-vp9'])"
fi
# a truncated upload (its header says 250 s, the file ends after a quarter): the probe's stretches past the end are
# left out and the job fails as the fixed ladder does, naming the truncation, not a probe error
ff -f lavfi -i "testsrc2=size=854x480:rate=30:duration=250" -c:v libx264 -preset ultrafast -g 60 -movflags +faststart "$T/long.mp4" || bad "long source"
head -c $(($(stat -c %s "$T/long.mp4") / 4)) "$T/long.mp4" > "$T/trunc.mp4"
if "$LSTREAM" transcode "$T/trunc.mp4" -o "$T/trunc" -q --ladder auto 2>"$T/err.txt"; then bad "a truncated upload accepted"; else
    expect "truncated upload: the error names the truncation ($(tail -1 "$T/err.txt"))" sh -c "tail -1 '$T/err.txt' | grep -q 'truncated' && ! test -e '$T/trunc'"
fi
# a bad value names the option and the rule
if "$LSTREAM" transcode "$T/slides.mp4" -o "$T/bad" --ladder sometimes 2>"$T/err.txt"; then bad "--ladder sometimes accepted"; else
    expect "--ladder sometimes: exit 2, named" sh -c "grep -q \"invalid --ladder 'sometimes'\" '$T/err.txt' && ! test -e '$T/bad'"
fi
finish
