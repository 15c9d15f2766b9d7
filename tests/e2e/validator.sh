#!/bin/sh
# The validator on outputs it did not write: FFmpeg's HLS and DASH muxers. It must honour edit lists
# (FFmpeg compensates B-frame delay and AAC priming with them), and find what FFmpeg really leaves out.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
"$LSTREAM" sample "$T/in.mp4" --duration 14 --size 640x360 || bad "sample"
FC="[0:v]split=2[a][b];[a]scale=640:360[v0];[b]scale=426:240[v1]"
mkdir -p "$T/hls" "$T/dash"
ff -i "$T/in.mp4" -filter_complex "$FC" -map "[v0]" -map "[v1]" -map 0:a -c:v libx264 -preset ultrafast -g 60 -bf 2 \
   -c:a aac -b:a 64k -f dash -seg_duration 6 -use_timeline 1 -use_template 1 "$T/dash/manifest.mpd"
ff -i "$T/in.mp4" -filter_complex "$FC" -map "[v0]" -map "[v1]" -map 0:a -c:v libx264 -preset ultrafast -g 60 \
   -c:a aac -b:a 64k -f hls -hls_time 6 -hls_playlist_type vod -hls_segment_type fmp4 -master_pl_name master.m3u8 \
   -var_stream_map "v:0,agroup:aud v:1,agroup:aud a:0,agroup:aud" "$T/hls/v%v/index.m3u8"
set +e
"$LSTREAM" validate "$T/dash/manifest.mpd" > "$T/dash.txt"; rd=$?
"$LSTREAM" validate "$T/hls" --json > "$T/hls.json"; rh=$?
set -e
expect "FFmpeg DASH: no MUST once its edit lists are applied (exit $rd): $(grep MUST "$T/dash.txt" | head -3)" [ "$rd" = 0 ]
expect "FFmpeg DASH: timeline checked segment by segment" grep -q "checks" "$T/dash.txt"
expect "FFmpeg HLS: MUST findings, exit 5 (got $rh)" [ "$rh" = 5 ]
for rule in M3 M5 M1; do
    expect "FFmpeg HLS: $rule found (no FRAME-RATE / no I-frame playlists / nominal BANDWIDTH)" \
        python3 -c "import json,sys; d=json.load(open('$T/hls.json')); sys.exit(not any(f['rule']=='$rule' and f['level']=='MUST' for f in d['findings']))"
done
expect "FFmpeg HLS: S1 found (its largest variant is listed first: a slow start)" \
    python3 -c "import json,sys; d=json.load(open('$T/hls.json')); sys.exit(not any(f['rule']=='S1' for f in d['findings']))"
expect "JSON report is complete" python3 -c "import json; d=json.load(open('$T/hls.json')); assert d['checks'] > 50 and d['must'] == sum(f['level']=='MUST' for f in d['findings'])"
# VP9 + Opus in CMAF from another writer (FFmpeg's libvpx-vp9, libopus, DASH in MP4): vpcC, dOps, VP9 keyframes
# read (C1, H3), its short CODECS form accepted; then one Representation's codecs made H.264 in a VP9 set: C2
if ff -h encoder=libvpx-vp9 2>/dev/null | grep -q libvpx; then
    mkdir -p "$T/vp9"
    ff -i "$T/in.mp4" -filter_complex "$FC" -map "[v0]" -map "[v1]" -map 0:a -c:v libvpx-vp9 -deadline realtime \
       -cpu-used 8 -g 60 -keyint_min 60 -c:a libopus -b:a 24k -dash_segment_type mp4 -f dash -seg_duration 6 \
       -use_timeline 1 -use_template 1 -adaptation_sets "id=0,streams=v id=1,streams=a" "$T/vp9/manifest.mpd"
    set +e
    "$LSTREAM" validate "$T/vp9/manifest.mpd" > "$T/vp9.txt"; rv=$?
    set -e
    expect "FFmpeg VP9+Opus DASH: no MUST (exit $rv): $(grep MUST "$T/vp9.txt" | head -3)" [ "$rv" = 0 ]
    expect "FFmpeg VP9+Opus DASH: the VP9 segments were read" grep -q "checks" "$T/vp9.txt"
    sed -i '0,/codecs="vp09[^"]*"/s//codecs="avc1.64001E"/' "$T/vp9/manifest.mpd"
    set +e
    "$LSTREAM" validate "$T/vp9/manifest.mpd" > "$T/vp9b.txt"; rv=$?
    set -e
    expect "an H.264 codecs in a VP9 AdaptationSet: C2 and M3 (exit $rv)" \
        sh -c "[ $rv = 5 ] && grep -q 'MUST   C2' '$T/vp9b.txt' && grep -q 'MUST   M3' '$T/vp9b.txt'"
fi
finish
