#!/bin/sh
# Lips stay in sync: a white flash and a beep at the same instant in the source stay within one frame
# (plus one AAC frame) of each other in the ladder, also when audio starts before the video or after it.
. "${top_srcdir:-.}/tests/e2e/lib.sh"

# flash_time PLAYLIST_DIR: time of the first bright frame from the first frame's (independent of demuxer offsets;
# by timestamps, not by counting: the black frames repeat exactly and are held, one sample lasting up to a second)
flash_time() {
    cat "$1/init.mp4" "$1"/seg_*.m4s > "$T/v.mp4"
    ffprobe -v error -f lavfi -i "movie=$T/v.mp4,signalstats" -show_entries frame=pts_time:frame_tags=lavfi.signalstats.YAVG -of csv=p=0 |
        awk -F, 'NR == 1 { t0 = $1 } { if ($2 > 128) { printf "%.4f", $1 - t0; exit } }'
}
beep_time() {
    cat "$1/init.mp4" "$1"/seg_*.m4s > "$T/a.mp4"
    ffmpeg -nostdin -v info -i "$T/a.mp4" -af silencedetect=n=-30dB:d=0.05 -f null - 2>&1 |
        sed -n 's/.*silence_end: \([0-9.]*\).*/\1/p' | head -n1
}
# case NAME VIDEO_START AUDIO_START: flash and beep at absolute time 2.0 s
case_sync() {
    name=$1; vs=$2; as=$3
    vd=$(awk -v s="$vs" 'BEGIN { print 4 - s }'); ad=$(awk -v s="$as" 'BEGIN { print 4 - s }')
    ff -f lavfi -i "color=c=black:s=320x180:r=30:d=$vd,drawbox=c=white:t=fill:enable='between(t+$vs,2.0,2.066)'" \
       -f lavfi -i "aevalsrc=if(between(t+$as\,2.0\,2.3)\,0.5*sin(2*PI*1000*t)\,0):s=48000:d=$ad" \
       -output_ts_offset 0 -c:v libx264 -preset ultrafast -c:a aac \
       -map 0:v -map 1:a "$T/$name-raw.mkv"
    # shift the streams to their start times
    ff -itsoffset "$vs" -i "$T/$name-raw.mkv" -itsoffset "$as" -i "$T/$name-raw.mkv" -map 0:v -map 1:a -c copy "$T/$name.mkv"
    "$LSTREAM" transcode "$T/$name.mkv" -o "$T/out-$name" -q -p ultrafast || { bad "$name: transcode"; return; }
    f=$(flash_time "$T/out-$name/v180"); b=$(beep_time "$T/out-$name/audio")
    expect "$name: flash at ${f:-none} s and beep at ${b:-none} s of the ladder are within 1 frame + 1 AAC frame" \
        awk -v f="${f:--9}" -v b="${b:-9}" 'BEGIN { d = f - b; if (d < 0) d = -d; exit !(d <= 1/30 + 1024/48000 + 0.001) }'
}
case_sync together 0 0
case_sync audio-first 0.5 0
case_sync video-first 0 0.5
finish
