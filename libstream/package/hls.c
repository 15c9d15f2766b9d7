/*
 * HLS: multivariant playlist, one media playlist and one I-frame playlist per video rendition, one media
 * playlist per audio rendition, over the CMAF segments (RFC 8216; doc/RULES.md H1-H10, M1-M7). One writer
 * for VOD and live: a window of segments, and whether the presentation is final.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/package/model.h"

#include <math.h>
#include <string.h>

/* Common EXT-X-TARGETDURATION: the largest rounded EXTINF of every playlist (H1, H6). */
static int target_duration(const LSPresentation *p, int64_t first, int64_t count)
{
    int td = (int)lrint(p->target);
    for (int k = 0; k < p->n; k++) {
        const LSRendition *r = p->r[k];
        const LSWindow w = ls_window(r, first, count);
        for (int64_t i = w.first; i < w.first + w.count; i++) {
            int d = (int)lrint(ls_seg_seconds(r, i));
            if (d > td)
                td = d;
        }
    }
    return td < 1 ? 1 : td;
}

static int write_media_playlist(LSOutput *o, const LSPresentation *p, const LSRendition *r, int td, LSWindow w,
                                int final, int iframes)
{
    LSBuf b = { 0 };
    ls_buf_printf(&b, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:%d\n", iframes ? 5 : 6, td);
    if (w.first > 0 || !final)
        ls_buf_printf(&b, "#EXT-X-MEDIA-SEQUENCE:%lld\n", (long long)w.first);
    if (final && w.first == 0)
        ls_buf_printf(&b, "#EXT-X-PLAYLIST-TYPE:VOD\n");
    else if (!final && p->event) /* L3: an EVENT playlist only grows */
        ls_buf_printf(&b, "#EXT-X-PLAYLIST-TYPE:EVENT\n");
    ls_buf_printf(&b, "#EXT-X-INDEPENDENT-SEGMENTS\n");
    if (iframes)
        ls_buf_printf(&b, "#EXT-X-I-FRAMES-ONLY\n");
    ls_buf_printf(&b, "#EXT-X-MAP:URI=\"%s\"\n", LS_NAME_INIT);
    if (!final && p->program_date > 0 && w.count) { /* L3: the window's first segment on the wall clock */
        char when[48];
        ls_utc_iso(when, sizeof(when), p->program_date + (double)r->seg[w.first].start / r->cfg.timescale);
        ls_buf_printf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", when);
    }
    for (int64_t i = w.first; i < w.first + w.count; i++) {
        char seg[64];
        snprintf(seg, sizeof(seg), LS_NAME_SEGMENT, (long long)(i + 1));
        ls_buf_printf(&b, "#EXTINF:%.5f,\n", ls_seg_seconds(r, i));
        if (iframes)
            ls_buf_printf(&b, "#EXT-X-BYTERANGE:%lld@%lld\n", (long long)r->seg[i].iframe_size,
                          (long long)r->seg[i].iframe_offset);
        ls_buf_printf(&b, "%s\n", seg);
    }
    if (final)
        ls_buf_printf(&b, "#EXT-X-ENDLIST\n");
    char name[64];
    ls_name_in(name, sizeof(name), r->id, iframes ? LS_NAME_IFRAMES : LS_NAME_PLAYLIST);
    return ls_output_put_buf(o, &b, name);
}

static void iframe_rates(const LSRendition *r, LSWindow w, double *peak, double *avg)
{
    double bytes = 0, dur = 0;
    *peak = 0;
    for (int64_t i = w.first; i < w.first + w.count; i++) {
        const double d = ls_seg_seconds(r, i);
        const double rate = d > 0 ? r->seg[i].iframe_size * 8.0 / d : 0;
        if (rate > *peak)
            *peak = rate;
        bytes += r->seg[i].iframe_size;
        dur += d;
    }
    *avg = dur > 0 ? bytes * 8.0 / dur : 0;
}

/* The first segment of the video rendition plus that of the audio it plays with, in bits. */
static double first_segment_bits(const LSRendition *r, const LSRendition *audio, int64_t first, int64_t count)
{
    const LSWindow w = ls_window(r, first, count), wa = audio ? ls_window(audio, first, count) : (LSWindow){ 0, 0 };
    double bits = w.count ? r->seg[w.first].bytes * 8.0 : 0;
    if (audio && wa.count)
        bits += audio->seg[wa.first].bytes * 8.0;
    return bits;
}

/* One video rendition with one audio group (its rendition); audio NULL for video-only ladders. */
typedef struct Variant {
    const LSRendition *video, *audio;
} Variant;

/* The variant to list first (S1), of the first video codec: the largest video whose first segment with its audio takes at most
 * LS_S1_SECONDS on a LS_S1_BPS link (with the group whose first segment is smallest), else the variant that
 * starts soonest. -1 without video. */
static int start_variant(const Variant *v, int n, int64_t first, int64_t count)
{
    int best = -1, soonest = -1;
    double best_bits = 0, soonest_bits = 0;
    for (int i = 0; i < n; i++) {
        /* among the variants of the first video codec (H.264): a client without VP9 must not be offered a VP9
         * variant as the one to start with */
        if (strcmp(v[i].video->cfg.sample_entry, v[0].video->cfg.sample_entry))
            continue;
        const double bits = first_segment_bits(v[i].video, v[i].audio, first, count);
        if (soonest < 0 || bits < soonest_bits) {
            soonest = i;
            soonest_bits = bits;
        }
        if (bits > LS_S1_BPS * LS_S1_SECONDS)
            continue;
        /* the largest picture that fits; between groups of one picture, the one that starts sooner */
        const long px = (long)v[i].video->cfg.width * v[i].video->cfg.height;
        const long best_px = best < 0 ? -1 : (long)v[best].video->cfg.width * v[best].video->cfg.height;
        if (px > best_px || (px == best_px && bits < best_bits)) {
            best = i;
            best_bits = bits;
        }
    }
    return best >= 0 ? best : soonest;
}

int ls_write_hls(LSOutput *o, const LSPresentation *p, int64_t first, int64_t count, int final)
{
    const int td = target_duration(p, first, count);
    int err;
    for (int k = 0; k < p->n; k++) {
        const LSRendition *r = p->r[k];
        const LSWindow w = ls_window(r, first, count);
        if ((err = write_media_playlist(o, p, r, td, w, final, 0)))
            return err;
        if (r->cfg.kind == LS_TRACK_VIDEO && (err = write_media_playlist(o, p, r, td, w, final, 1)))
            return err;
    }

    LSBuf b = { 0 };
    ls_buf_printf(&b, "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    /* the offline file, where a client may look for it (RFC 8216 4.3.4.4: a quoted-string VALUE) */
    if (final && p->download.file[0])
        ls_buf_printf(&b, "#EXT-X-SESSION-DATA:DATA-ID=\"org.libstream.download\",VALUE=\"%s\"\n", p->download.file);
    /* chapters (chapters.c): Apple's JSON chapters, by URI */
    if (final && p->lecture.n_chapters > 0)
        ls_buf_printf(&b, "#EXT-X-SESSION-DATA:DATA-ID=\"com.apple.hls.chapters\",URI=\"" LS_NAME_CHAPTERS_JSON "\"\n");
    /* one audio group per audio rendition (per codec: AAC, Opus), named after it (C2: a variant names exactly
     * the codecs it needs); each video rendition is a variant in every group */
    Variant var[LS_MAX_RENDITIONS * 2];
    int n_var = 0, n_audio = 0;
    for (int k = 0; k < p->n; k++) {
        const LSRendition *r = p->r[k];
        if (r->cfg.kind != LS_TRACK_AUDIO)
            continue;
        ls_buf_printf(&b,
                      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"%s\",LANGUAGE=\"%s\",NAME=\"Lecture audio\","
                      "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"%d\",URI=\"%s/%s\"\n",
                      r->id, r->language, r->cfg.channels, r->id, LS_NAME_PLAYLIST);
        n_audio++;
    }
    /* the first video codec's variants (H.264) group by group, then the next codec's (VP9): a client that skips
     * what it cannot play reads the ladder it can play first */
    for (int c = 0; c < p->n; c++) {
        const LSRendition *codec = p->r[c];
        if (!ls_first_of_codec(p, c))
            continue;
        for (int g = 0; g < p->n; g++) {
            const LSRendition *a = p->r[g];
            if (n_audio && a->cfg.kind != LS_TRACK_AUDIO)
                continue;
            for (int k = 0; k < p->n && n_var < (int)LS_ARRAY_SIZE(var); k++)
                if (p->r[k]->cfg.kind == LS_TRACK_VIDEO && !strcmp(p->r[k]->cfg.sample_entry, codec->cfg.sample_entry))
                    var[n_var++] = (Variant){ p->r[k], n_audio ? a : NULL };
            if (!n_audio)
                break;
        }
    }
    const double fps = (double)p->fps_num / (p->fps_den ? p->fps_den : 1);
    /* S1: players that start with the first variant listed (hls.js by default) start with one whose first
     * segment, with its audio, arrives in about a second on a 400 kbit/s link; the others follow, largest
     * first, group by group, and the player climbs from there */
    const int start = start_variant(var, n_var, first, count);
    for (int j = -1; j < n_var; j++) {
        const int k = j < 0 ? start : j;
        if (k < 0 || (j >= 0 && k == start))
            continue;
        const LSRendition *r = var[k].video, *audio = var[k].audio;
        const double a_peak = audio ? audio->peak : 0, a_avg = audio ? audio->avg : 0;
        ls_buf_printf(&b,
                      "#EXT-X-STREAM-INF:BANDWIDTH=%.0f,AVERAGE-BANDWIDTH=%.0f,CODECS=\"%s%s%s\","
                      "RESOLUTION=%dx%d,FRAME-RATE=%.3f",
                      ceil(r->peak + a_peak), ceil(r->avg + a_avg), r->cfg.codec, audio ? "," : "",
                      audio ? audio->cfg.codec : "", r->cfg.width, r->cfg.height, fps);
        if (audio)
            ls_buf_printf(&b, ",AUDIO=\"%s\"", audio->id);
        ls_buf_printf(&b, "\n%s/%s\n", r->id, LS_NAME_PLAYLIST);
    }
    for (int k = 0; k < p->n; k++) { /* an audio-only variant per group, for the slowest links */
        const LSRendition *a = p->r[k];
        if (a->cfg.kind == LS_TRACK_AUDIO)
            ls_buf_printf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%.0f,AVERAGE-BANDWIDTH=%.0f,CODECS=\"%s\"\n%s/%s\n",
                          ceil(a->peak), ceil(a->avg), a->cfg.codec, a->id, LS_NAME_PLAYLIST);
    }
    for (int k = 0; k < p->n; k++) {
        const LSRendition *r = p->r[k];
        if (r->cfg.kind != LS_TRACK_VIDEO)
            continue;
        double peak, avg;
        iframe_rates(r, ls_window(r, first, count), &peak, &avg);
        ls_buf_printf(&b,
                      "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=%.0f,AVERAGE-BANDWIDTH=%.0f,CODECS=\"%s\","
                      "RESOLUTION=%dx%d,URI=\"%s/%s\"\n",
                      ceil(peak), ceil(avg), r->cfg.codec, r->cfg.width, r->cfg.height, r->id, LS_NAME_IFRAMES);
    }
    /* the storyboard (core/thumbs.c) as an image stream: Roku's HLS image playlists, read by Shaka; other clients
     * ignore the tag (RFC 8216 4: unknown tags are ignored). RESOLUTION is a tile's. */
    if (final && p->thumbs.sheets > 0)
        ls_buf_printf(&b,
                      "#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=%lld,RESOLUTION=%dx%d,CODECS=\"jpeg\",URI=\"" LS_NAME_THUMB_DIR
                      "/" LS_NAME_THUMB_PLAYLIST "\"\n",
                      (long long)p->thumbs.bandwidth, p->thumbs.tile_w, p->thumbs.tile_h);
    return ls_output_put_buf(o, &b, LS_NAME_MASTER);
}
