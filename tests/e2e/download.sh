#!/bin/sh
# The offline file (download.mp4): one self-contained fragmented MP4 of the lowest rung and the data-saver audio
# (Opus, or AAC without Opus), listed in ladder.json and the multivariant playlist; it decodes whole and
# cleanly, lasts what the ladder lasts, seeks (mfra index), and is built from the ladder's own segments.
. "${top_srcdir:-.}/tests/e2e/lib.sh"
"$LSTREAM" sample "$T/lec.mp4" --duration 20 --size 1280x720 2>/dev/null || bad "sample"
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/out" -q || bad "transcode"
dl="$T/out/download.mp4"
expect "download.mp4 written" test -s "$dl"
expect "ladder.json lists it (lowest rung, Opus)" grep -q '"download": {"file": "download.mp4", "video": "v240", "audio": "opus"' "$T/out/ladder.json"
expect "the multivariant playlist names it" grep -q '^#EXT-X-SESSION-DATA:DATA-ID="org.libstream.download",VALUE="download.mp4"$' "$T/out/master.m3u8"
streams=$(ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 "$dl" | tr '\n' ' ')
expect "two streams, H.264 426x240 and Opus ($streams)" [ "$streams" = "h264,426,240 opus " ]
dur=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["duration"])' "$T/out/ladder.json")
for s in v a; do
    sd=$(ffprobe -v error -select_streams $s -show_entries stream=duration -of csv=p=0 "$dl")
    expect "stream $s lasts the ladder's $dur s ($sd)" python3 -c "import sys; sys.exit(abs($sd - $dur) > 0.05)"
done
expect "decodes whole without an error" sh -c "ffmpeg -nostdin -v error -xerror -i '$dl' $DECODE -f null - 2>'$T/dec.txt' && ! test -s '$T/dec.txt'"
frames=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$dl")
rung=$(cat "$T/out/v240/init.mp4" "$T/out/v240"/seg_*.m4s > "$T/rung.mp4"; ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$T/rung.mp4")
expect "every frame of the rung ($frames of $rung)" [ "$frames" = "$rung" ]
expect "its video bytes are the rung's (same decoded frames)" sh -c "[ \"\$(ffmpeg -nostdin -v error -i '$dl' -map 0:v -f framemd5 - | grep -v '^#' | cut -d, -f6)\" = \"\$(ffmpeg -nostdin -v error -i '$T/rung.mp4' -f framemd5 - | grep -v '^#' | cut -d, -f6)\" ]"
expect "an mfra index at the end" sh -c "tail -c 16 '$dl' | grep -q mfro"
t=$(ffmpeg -nostdin -v info -ss 12 -i "$dl" -map 0:v -frames:v 1 -vf showinfo -f null - 2>&1 | sed -n 's/.*pts_time:\([0-9.]*\).*/\1/p' | head -n 1)
expect "seeking to 12 s lands there (first frame shown at +$t s from the seek point)" python3 -c "import sys; sys.exit(not (0 <= float('$t') < 6.1))"
expect "ladder.json states its size ($(stat -c %s "$dl") bytes)" python3 -c "import json,os,sys; sys.exit(json.load(open('$T/out/ladder.json'))['download']['bytes'] != os.path.getsize('$dl'))"

# without Opus: AAC; with download=0: none, and nothing names it
"$LSTREAM" transcode "$T/lec.mp4" -o "$T/aac" -q --opus-kbps 0 -r 360,240 || bad "transcode, no Opus"
expect "without Opus the file carries AAC" sh -c "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '$T/aac/download.mp4' | grep -qx aac"
ff -f lavfi -i "$SPEECH" -t 9 -c:a aac "$T/talk.m4a"
"$LSTREAM" transcode "$T/talk.m4a" -o "$T/talk" -q || bad "transcode audio only"
expect "audio only: the file has the Opus track alone" sh -c "[ \"\$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '$T/talk/download.mp4')\" = opus ]"
finish
