# Shared helpers of the end-to-end tests (sourced). Needs ffmpeg/ffprobe from Debian's ffmpeg package.
set -eu
LSTREAM=${LSTREAM:-${top_builddir:-.}/lstream}
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || { echo "SKIP: ffmpeg/ffprobe not installed"; exit 77; }
[ -x "$LSTREAM" ] || { echo "lstream binary not found at $LSTREAM"; exit 99; }
T=$(mktemp -d "${TMPDIR:-/tmp}/lstream-e2e-XXXXXX")
trap 'rm -rf "$T"' EXIT
PASS=0; FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
expect() { # expect DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then ok; else bad "$d"; fi
}
finish() {
    echo "$(basename "$0" .sh): $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
# decode checks take every frame at its own time: held samples last one frame or several, and the ffmpeg CLI would
# otherwise re-time them to the frame rate it guesses from the commonest duration (15 fps where a camera inset is
# shown at half the rate), where two frames 1/30 s apart fall on one tick ("non monotonically increasing dts" from
# its own null muxer, of a stream whose decode times strictly increase)
DECODE="-fps_mode passthrough -enc_time_base -1"
# speech-like test audio: a buzzing ~120 Hz voice with moving formant-ish harmonics and syllable envelope
SPEECH="aevalsrc=(sin(2*PI*(120+15*sin(2*PI*0.7*t))*t)+0.5*sin(2*PI*(700+300*sin(2*PI*3*t))*t)+0.3*sin(2*PI*(1800+500*sin(2*PI*5*t))*t))*0.3*pow(sin(PI*4*t)\,2)"

# check_ladder OUTDIR SOURCE: validator, every segment of every rendition decodes, frame counts and
# boundaries identical across video renditions, durations add up to the source within one frame.
check_ladder() {
    out=$1; src=$2; name=$(basename "$src")
    expect "$name: validator passes" "$LSTREAM" validate "$out" >"$T/validate.txt" || { cat "$T/validate.txt"; return 0; }
    grep -q "0 MUST" "$T/validate.txt" || bad "$name: validator output unexpected"
    frames=""; extinfs=""
    for pl in "$out"/*/index.m3u8; do
        r=$(dirname "$pl")
        cat "$r/init.mp4" "$r"/seg_*.m4s > "$T/all.mp4"
        if ! ffmpeg -nostdin -v error -xerror -i "$T/all.mp4" $DECODE -f null - 2>"$T/dec.txt" || [ -s "$T/dec.txt" ]; then
            bad "$name: $(basename "$r") does not decode cleanly: $(head -3 "$T/dec.txt")"; continue
        fi
        ok
        # each segment alone (with its init) decodes too: a player may start anywhere
        for s in "$r"/seg_*.m4s; do
            cat "$r/init.mp4" "$s" > "$T/one.mp4"
            ffmpeg -nostdin -v error -xerror -i "$T/one.mp4" $DECODE -f null - 2>/dev/null || { bad "$name: $s alone does not decode"; break; }
        done
        ok
        if [ "$(basename "$r")" != audio ]; then
            n=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of csv=p=0 "$T/all.mp4")
            e=$(grep EXTINF "$pl" | tr '\n' ' ')
            if [ -z "$frames" ]; then frames=$n; extinfs=$e; else
                expect "$name: $(basename "$r") has $n frames, others $frames" [ "$n" = "$frames" ]
                expect "$name: $(basename "$r") segment boundaries differ" [ "$e" = "$extinfs" ]
            fi
        fi
    done
    # total duration against the source's (its video stream if it has one, else its audio): within one
    # frame for video renditions, one AAC frame for audio
    vs=$(ffprobe -v error -select_streams v:0 -show_entries stream=index -of csv=p=0 "$src" | head -n1)
    if [ -n "$vs" ]; then # the video's span: first frame to the end of the last one
        sd=$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,duration_time -of csv=p=0 "$src" |
             awk -F, '$1 ~ /^[0-9.]+$/ { e = $1 + ($2 ~ /^[0-9.]+$/ ? $2 : 0); if (e > m) m = e; if (n++ == 0 || $1 < s) s = $1 }
                      END { printf "%.6f", m - s }')
    else
        sd=$(ffprobe -v error -select_streams a:0 -show_entries stream=duration -of csv=p=0 "$src" | head -n1)
        [ -n "$sd" ] && [ "$sd" != N/A ] || sd=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$src")
    fi
    fps=$(sed -n 's/.*FRAME-RATE=\([0-9.]*\).*/\1/p' "$out/master.m3u8" | head -n1)
    for pl in "$out"/*/index.m3u8; do
        total=$(awk -F'[:,]' '/^#EXTINF/ {s += $2} END {printf "%.5f", s}' "$pl")
        # one frame; audio is cut at the AAC frame (21.3 ms) nearest the video's end: half of one more
        if [ "$(basename "$(dirname "$pl")")" = audio ] && [ -n "$vs" ]; then
            tol=$(awk -v f="${fps:-30}" 'BEGIN { printf "%.5f", 1.0 / f + 0.0107 + 1e-4 }')
        elif [ "$(basename "$(dirname "$pl")")" = audio ]; then tol=0.0214; else
            tol=$(awk -v f="${fps:-30}" 'BEGIN { printf "%.5f", 1.0 / f + 1e-4 }'); fi
        expect "$name: $(basename "$(dirname "$pl")") lasts $total s, source $sd s (tolerance $tol s)" \
            awk -v a="$total" -v b="$sd" -v t="$tol" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
    done
}
