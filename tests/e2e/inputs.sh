#!/bin/sh
# End to end over real inputs of many kinds, made by FFmpeg's own synthesisers: every one is transcoded,
# validated, decoded segment by segment, and its special property checked in the manifests.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
D=3
mk() { ff "$@" || { bad "could not make test input $(eval echo \${$#})"; return 1; }; }

mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -f lavfi -i "$SPEECH:s=44100:d=$D" -ac 2 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac "$T/h264.mp4"
mk -f lavfi -i testsrc2=s=480x270:r=25:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 500k -c:a libopus "$T/vp9.webm"
mk -f lavfi -i testsrc2=s=720x576:r=25:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -vf setsar=16/15 -c:v mpeg2video -flags +ilme+ildct -top 1 -b:v 3M -c:a mp2 "$T/mpeg2-interlaced.ts"
mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=error "$T/hevc10.mkv"
mk -f lavfi -i testsrc2=s=320x180:r=24:d=2 -f lavfi -i "$SPEECH:s=48000:d=2" -c:v libaom-av1 -cpu-used 8 -b:v 200k -c:a aac "$T/av1.mp4"
"$LSTREAM" sample "$T/rotated.mp4" --duration $D --size 640x360 --rotate 90 || bad "rotated sample"  # FFmpeg 5.1's CLI cannot write the matrix
mk -f lavfi -i testsrc2=s=333x187:r=30:d=$D -vf setsar=4/3 -c:v ffv1 "$T/odd-anamorphic.mkv"
mk -f lavfi -i testsrc2=s=320x240:r=30:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -vf "select='lt(n\,30)+not(mod(n\,3))'" -fps_mode vfr -c:v libx264 -preset ultrafast -c:a aac "$T/vfr.mkv"
mk -f lavfi -i testsrc2=s=1280x720:r=60:d=2 -f lavfi -i "$SPEECH:s=48000:d=2" -c:v libx264 -preset ultrafast -c:a aac "$T/60fps.mp4"
mk -f lavfi -i testsrc2=s=640x360:r=30000/1001:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libx264 -preset ultrafast -c:a aac "$T/ntsc.mp4"
mk -f lavfi -i "$SPEECH:s=22050:d=7" -c:a aac "$T/audio-only.m4a"
mk -f lavfi -i "$SPEECH:s=16000:d=4" "$T/audio-only.wav"
mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -c:v libx264 -preset ultrafast "$T/video-only.mp4"
mk -f lavfi -i testsrc2=s=640x360:r=30:d=$D -f lavfi -i "$SPEECH:s=48000:d=$D" -c:v libx264 -preset ultrafast -pix_fmt yuv422p -c:a aac "$T/yuv422.mp4"
mk -f lavfi -i "color=c=white:s=320x240:r=30:d=2" -c:v mjpeg -pix_fmt yuvj420p "$T/fullrange-mjpeg.avi"
"$LSTREAM" sample "$T/lecture.mp4" --duration 13 --kind slides-pip || bad "sample"
"$LSTREAM" sample "$T/slides-1fps.mp4" --duration 8 --fps 1 --size 1280x720 || bad "1 fps sample"  # screen recorders' slide mode

for f in "$T"/*.mp4 "$T"/*.webm "$T"/*.ts "$T"/*.mkv "$T"/*.m4a "$T"/*.wav "$T"/*.avi; do
    [ -f "$f" ] || continue
    n=$(basename "$f")
    o="$T/out-$n"
    # default settings on ordinary inputs: no warning at all (a warning the user can do nothing about is noise)
    if "$LSTREAM" transcode "$f" -o "$o" -p ultrafast 2>"$T/err.txt"; then
        ok
        expect "$n: no warnings with default settings: $(grep -i warn "$T/err.txt" | head -3)" sh -c "! grep -qi warn '$T/err.txt'"
        check_ladder "$o" "$f"
    else
        bad "$n: transcode failed: $(cat "$T/err.txt")"
    fi
done

m() { cat "$T/out-$1/master.m3u8"; }
# properties of particular inputs
expect "rotated: portrait rungs" sh -c "grep -q 'RESOLUTION=360x640' '$T/out-rotated.mp4/master.m3u8'"
expect "anamorphic odd size: even, aspect from SAR (333*4/3:187 -> 442x186 top rung)" sh -c "grep -q 'RESOLUTION=442x186' '$T/out-odd-anamorphic.mkv/master.m3u8'"
expect "PAL 4:3 interlaced: 768x576 display, rungs 4:3" sh -c "grep -q 'RESOLUTION=640x480' '$T/out-mpeg2-interlaced.ts/master.m3u8'"
expect "60 fps halved to 30" sh -c "grep -q 'FRAME-RATE=30.000' '$T/out-60fps.mp4/master.m3u8' && ! grep -q 'FRAME-RATE=60' '$T/out-60fps.mp4/master.m3u8'"
expect "29.97 written as 29.970" sh -c "grep -q 'FRAME-RATE=29.970' '$T/out-ntsc.mp4/master.m3u8'"
expect "no rung above the 360p source" sh -c "! grep -q 'RESOLUTION=1280x720' '$T/out-h264.mp4/master.m3u8' && grep -q 'RESOLUTION=640x360' '$T/out-h264.mp4/master.m3u8'"
expect "audio-only: one audio variant, no video" sh -c "! grep -q RESOLUTION '$T/out-audio-only.m4a/master.m3u8' && grep -q 'CODECS=\"mp4a.40.2\"' '$T/out-audio-only.m4a/master.m3u8'"
expect "video-only: no audio group" sh -c "! grep -q EXT-X-MEDIA '$T/out-video-only.mp4/master.m3u8' && ! grep -q mp4a '$T/out-video-only.mp4/master.m3u8'"
expect "AV1 source decoded (through dav1d)" sh -c "grep -q '\"codec\": \"av1\"' '$T/out-av1.mp4/ladder.json'"
# full-range (JPEG) white is 255 in; the ladder is limited range, so white must be 235, not clipped super-white
R="$T/out-fullrange-mjpeg.avi/v240"
cat "$R/init.mp4" "$R"/seg_*.m4s > "$T/fr.mp4"
y=$(ffprobe -v error -f lavfi -i "movie=$T/fr.mp4,signalstats" -show_entries frame_tags=lavfi.signalstats.YAVG -of csv=p=0 | head -n1)
expect "full-range source converted to limited range: white at ${y:-?}, want 235" awk -v y="${y:-0}" 'BEGIN { exit !(y >= 233 && y <= 237) }'
expect "10-bit HEVC source" sh -c "grep -q '\"bit_depth\": 10' '$T/out-hevc10.mkv/ladder.json'"
expect "VFR source: constant 30 fps out" sh -c "grep -q 'FRAME-RATE=30.000' '$T/out-vfr.mkv/master.m3u8'"
# the lecture ladder: 1080p down to a cellular rung whose peak with audio is <= 192 kbit/s, plus audio-only
L="$T/out-lecture.mp4/master.m3u8"
expect "lecture: 5 video rungs 1080..240, each in the AAC and the Opus group" sh -c "[ \$(grep -o 'RESOLUTION=[0-9x]*,FRAME' '$L' | sort -u | wc -l) = 5 ] && [ \$(grep -c '^#EXT-X-STREAM-INF:.*RESOLUTION' '$L') = 10 ] && grep -q 1920x1080 '$L' && grep -q 426x240 '$L'"
expect "lecture: a video variant with BANDWIDTH <= 192000" sh -c "grep 'RESOLUTION=426x240' '$L' | sed 's/.*BANDWIDTH=\([0-9]*\),.*/\1/' | awk '{exit !(\$1 <= 192000)}'"
expect "lecture: I-frame playlists" sh -c "[ \$(grep -c EXT-X-I-FRAME-STREAM-INF '$L') = 5 ]"
# 13 s: a 2 s first segment and two of 5.5 s planned (no short tail); the slide change at 10 s ends the third
# there and the rest (3 s) is one more segment (core/segplan.c): 2, 5.5, 2.5, 3
expect "lecture: segments 2, 5.5, 2.5 and 3 s (planned, then restarted at the slide change at 10 s)" sh -c "[ \"\$(grep -o '^#EXTINF:[0-9.]*' '$T/out-lecture.mp4/v720/index.m3u8' | tr '\n' ' ')\" = '#EXTINF:2.00000 #EXTINF:5.50000 #EXTINF:2.50000 #EXTINF:3.00000 ' ]"
# an Opus speech rendition beside AAC: its own HLS audio group with a variant per rung, its own DASH AdaptationSet,
# decodable, on the same segment boundaries (check_ladder), far cheaper than AAC
"$LSTREAM" transcode "$T/lecture.mp4" -o "$T/opus" -q -p ultrafast --opus-kbps 24 2>"$T/err.txt" || bad "opus ladder: $(cat "$T/err.txt")"
check_ladder "$T/opus" "$T/lecture.mp4"
O="$T/opus/master.m3u8"
expect "opus: two audio groups" sh -c "grep -q 'GROUP-ID=\"audio\"' '$O' && grep -q 'GROUP-ID=\"opus\"' '$O'"
expect "opus: each rung in both groups, naming exactly its codecs" sh -c "[ \$(grep -c 'CODECS=\"avc1[^\"]*,opus\",RES' '$O') = 5 ] && [ \$(grep -c 'CODECS=\"avc1[^\"]*,mp4a.40.2\",RES' '$O') = 5 ]"
expect "opus: a DASH AdaptationSet of its own" sh -c "grep -q 'codecs=\"opus\"' '$T/opus/manifest.mpd' && [ \$(grep -c 'contentType=\"audio\"' '$T/opus/manifest.mpd') = 2 ]"
expect "opus: the dOps sample entry decodes as Opus" sh -c "cat '$T/opus/opus/init.mp4' '$T/opus/opus/'seg_*.m4s | ffprobe -v error -show_entries stream=codec_name -of csv=p=0 - | grep -qx opus"
expect "opus: the Opus rendition costs under 0.7 of AAC's" python3 -c "
import json; r = {x['id']: x for x in json.load(open('$T/opus/ladder.json'))['renditions']}
o, a = r['opus']['average_bps'], r['audio']['average_bps']; print('opus', o, 'aac', a); assert 0 < o < 0.7 * a"
# VP9 twins (libvpx) of the two lowest rungs: variants in both audio groups after the H.264 ones, a DASH video
# AdaptationSet of their own, decodable as VP9 on the same boundaries; a twin dearer than its H.264 rung is dropped
if "$LSTREAM" --version | grep -q vp9; then
    "$LSTREAM" transcode "$T/lecture.mp4" -o "$T/vp9" -q -p ultrafast -r 360,240 --vp9 2 2>"$T/err.txt" || bad "vp9 ladder: $(cat "$T/err.txt")"
    check_ladder "$T/vp9" "$T/lecture.mp4"
    V="$T/vp9/master.m3u8"
    expect "vp9: each VP9 rung in both audio groups, after every H.264 variant" sh -c "[ \$(grep -c 'CODECS=\"vp09[.0-9]*,' '$V') = 4 ] && [ \$(grep '^#EXT-X-STREAM-INF' '$V' | head -4 | grep -c vp09) = 0 ]"
    expect "vp9: two video AdaptationSets, one codec each" sh -c "[ \$(grep -c 'contentType=\"video\"' '$T/vp9/manifest.mpd') = 2 ]"
    expect "vp9: the vpcC sample entry decodes as VP9" sh -c "cat '$T/vp9/v240-vp9/init.mp4' '$T/vp9/v240-vp9/'seg_*.m4s | ffprobe -v error -show_entries stream=codec_name -of csv=p=0 - | grep -qx vp9"
    # an average-bit-rate VP9 rung (libvpx's VBR mode, the cap as its overshoot limit) encodes and validates
    "$LSTREAM" transcode "$T/lecture.mp4" -o "$T/vp9a" -q -p ultrafast -r 360,240:kbps=40:max=90:vp9 2>"$T/err.txt" ||
        bad "vp9 average-bit-rate rung: $(cat "$T/err.txt")"
    "$LSTREAM" transcode "$T/lecture.mp4" -o "$T/vp9d" -q -p ultrafast -r 240:crf=40,240:crf=5:vp9 2>/dev/null || bad "vp9 dear twin: transcode"
    expect "vp9: a twin dearer than its H.264 rung leaves the ladder (ladder.json says why)" sh -c "grep -q '\"id\": \"v240-vp9\", \"reason\"' '$T/vp9d/ladder.json' && ! grep -q vp09 '$T/vp9d/master.m3u8' '$T/vp9d/manifest.mpd' && [ ! -e '$T/vp9d/v240-vp9' ]"
fi
finish
