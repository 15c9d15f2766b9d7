/*
 * DASH: one MPD (ISO/IEC 23009-1, live profile) over the same CMAF segments as HLS, with SegmentTemplate +
 * SegmentTimeline taken from the written fragments (doc/RULES.md D1-D4). One writer for VOD and live: a
 * final presentation is a static MPD, a growing one a dynamic MPD over the window of segments.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/package/model.h"

#include <math.h>
#include <string.h>
#include <time.h>

static void timeline(LSBuf *b, const LSRendition *r, LSWindow w, const char *indent)
{
    const LSSegment *s = r->seg;
    const int64_t end = w.first + w.count;
    ls_buf_printf(b, "%s<SegmentTimeline>\n", indent);
    for (int64_t i = w.first; i < end;) {
        int64_t n = 0;
        while (i + n + 1 < end && s[i + n + 1].duration == s[i].duration &&
               s[i + n + 1].start == s[i + n].start + s[i + n].duration)
            n++;
        const int need_t = i == w.first || s[i].start != s[i - 1].start + s[i - 1].duration;
        ls_buf_printf(b, "%s  <S", indent);
        if (need_t)
            ls_buf_printf(b, " t=\"%lld\"", (long long)s[i].start);
        ls_buf_printf(b, " d=\"%lld\"", (long long)s[i].duration);
        if (n)
            ls_buf_printf(b, " r=\"%lld\"", (long long)n);
        ls_buf_printf(b, "/>\n");
        i += n + 1;
    }
    ls_buf_printf(b, "%s</SegmentTimeline>\n", indent);
}

static int same_timeline(const LSRendition *a, const LSRendition *b, LSWindow wa, LSWindow wb)
{
    if (wa.count != wb.count || wa.first != wb.first || a->cfg.timescale != b->cfg.timescale)
        return 0;
    for (int64_t i = wa.first; i < wa.first + wa.count; i++)
        if (a->seg[i].start != b->seg[i].start || a->seg[i].duration != b->seg[i].duration)
            return 0;
    return 1;
}

static void template_open(LSBuf *b, const LSRendition *r, LSWindow w, const char *dir, const char *indent)
{
    ls_buf_printf(b,
                  "%s<SegmentTemplate timescale=\"%u\" presentationTimeOffset=\"%lld\" startNumber=\"%lld\" "
                  "initialization=\"%s/%s\" media=\"%s/%s\">\n",
                  indent, r->cfg.timescale, r->n_seg ? (long long)r->seg[0].start : 0LL, (long long)(w.first + 1), dir,
                  LS_NAME_INIT, dir, LS_NAME_SEGMENT_DASH);
}

static void duration_iso(char *out, size_t n, double s) { snprintf(out, n, "PT%.3fS", s); }

/* The AdaptationSet of the video renditions of @p v0's codec. */
static void video_set(LSBuf *b, const LSPresentation *p, const LSRendition *v0, int id, int64_t first, int64_t count)
{
    const LSWindow w0 = ls_window(v0, first, count);
    int aligned = 1, maxw = 0, maxh = 0;
    for (int k = 0; k < p->n; k++) {
        const LSRendition *r = p->r[k];
        if (r->cfg.kind != LS_TRACK_VIDEO || strcmp(r->cfg.sample_entry, v0->cfg.sample_entry))
            continue;
        aligned &= same_timeline(v0, r, w0, ls_window(r, first, count));
        maxw = r->cfg.width > maxw ? r->cfg.width : maxw;
        maxh = r->cfg.height > maxh ? r->cfg.height : maxh;
    }
    char fr[32];
    if (p->fps_den == 1)
        snprintf(fr, sizeof(fr), "%d", p->fps_num);
    else
        snprintf(fr, sizeof(fr), "%d/%d", p->fps_num, p->fps_den);
    ls_buf_printf(b,
                  "    <AdaptationSet id=\"%d\" contentType=\"video\" mimeType=\"video/mp4\" "
                  "segmentAlignment=\"%s\" startWithSAP=\"1\" maxWidth=\"%d\" maxHeight=\"%d\" "
                  "frameRate=\"%s\">\n",
                  id, aligned ? "true" : "false", maxw, maxh, fr);
    if (aligned) {
        template_open(b, v0, w0, "$RepresentationID$", "      ");
        timeline(b, v0, w0, "        ");
        ls_buf_printf(b, "      </SegmentTemplate>\n");
    }
    for (int k = 0; k < p->n; k++) {
        const LSRendition *r = p->r[k];
        if (r->cfg.kind != LS_TRACK_VIDEO || strcmp(r->cfg.sample_entry, v0->cfg.sample_entry))
            continue;
        ls_buf_printf(b,
                      "      <Representation id=\"%s\" bandwidth=\"%.0f\" codecs=\"%s\" width=\"%d\" "
                      "height=\"%d\" sar=\"1:1\"%s\n",
                      r->id, ceil(r->dash_bw), r->cfg.codec, r->cfg.width, r->cfg.height, aligned ? "/>" : ">");
        if (!aligned) {
            const LSWindow w = ls_window(r, first, count);
            template_open(b, r, w, r->id, "        ");
            timeline(b, r, w, "          ");
            ls_buf_printf(b, "        </SegmentTemplate>\n      </Representation>\n");
        }
    }
    ls_buf_printf(b, "    </AdaptationSet>\n");
}

int ls_write_dash(LSOutput *o, const LSPresentation *p, int64_t first, int64_t count, int final)
{
    LSBuf b = { 0 };
    char dur[64], mbt[64], msd[64];
    duration_iso(mbt, sizeof(mbt), p->min_buffer);
    double max_seg = 0, window_s = 0;
    for (int k = 0; k < p->n; k++) {
        const LSRendition *r = p->r[k];
        const LSWindow w = ls_window(r, first, count);
        double span = 0;
        for (int64_t i = w.first; i < w.first + w.count; i++) {
            max_seg = fmax(max_seg, ls_seg_seconds(r, i));
            span += ls_seg_seconds(r, i);
        }
        window_s = fmax(window_s, span);
    }
    duration_iso(msd, sizeof(msd), max_seg);
    ls_buf_printf(&b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" ");
    if (final) {
        duration_iso(dur, sizeof(dur), p->duration);
        ls_buf_printf(
            &b, "type=\"static\" mediaPresentationDuration=\"%s\" minBufferTime=\"%s\" maxSegmentDuration=\"%s\">\n",
            dur, mbt, msd);
    } else {
        char ast[48], now[48], upd[64], tsb[64], spd[64];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        const double t_now = ts.tv_sec + ts.tv_nsec * 1e-9;
        ls_utc_iso(ast, sizeof(ast), p->availability_start);
        ls_utc_iso(now, sizeof(now), t_now);
        duration_iso(upd, sizeof(upd), p->target);
        duration_iso(tsb, sizeof(tsb), window_s);
        duration_iso(spd, sizeof(spd), 3 * p->target);
        ls_buf_printf(&b,
                      "type=\"dynamic\" availabilityStartTime=\"%s\" publishTime=\"%s\" minimumUpdatePeriod=\"%s\" "
                      "timeShiftBufferDepth=\"%s\" suggestedPresentationDelay=\"%s\" minBufferTime=\"%s\" "
                      "maxSegmentDuration=\"%s\">\n",
                      ast, now, upd, tsb, spd, mbt, msd);
    }
    ls_buf_printf(&b, "  <Period id=\"0\" start=\"PT0S\">\n");
    /* chapters (chapters.c) as Period events: one per chapter, its title as the event's value */
    if (final && p->lecture.n_chapters > 0) {
        ls_buf_printf(&b, "    <EventStream schemeIdUri=\"" LS_CHAPTER_SCHEME "\" timescale=\"1000\">\n");
        for (int i = 0; i < p->lecture.n_chapters; i++) {
            const int64_t s = llround(p->lecture.chapter[i] * 1000);
            const int64_t e = llround((i + 1 < p->lecture.n_chapters ? p->lecture.chapter[i + 1] : p->duration) * 1000);
            ls_buf_printf(&b, "      <Event id=\"%d\" presentationTime=\"%lld\" duration=\"%lld\">Slide %d</Event>\n",
                          i + 1, (long long)s, (long long)(e - s), i + 1);
        }
        ls_buf_printf(&b, "    </EventStream>\n");
    }
    /* one video AdaptationSet per codec (C2), in listing order: H.264 first (id 0), then VP9 */
    int as_id = 0;
    for (int g = 0; g < p->n; g++)
        if (ls_first_of_codec(p, g))
            video_set(&b, p, p->r[g], as_id++, first, count);
    if (!as_id)
        as_id = 1;
    /* audio AdaptationSets cheapest first: Shaka starts with the first listed where its bandwidth estimate allows
     * either (the data-saver Opus: a third of AAC's first segment, what a slow link waits for; tests/startup.sh) */
    const LSRendition *audio[LS_MAX_RENDITIONS];
    int n_audio = 0;
    for (int k = 0; k < p->n; k++)
        if (p->r[k]->cfg.kind == LS_TRACK_AUDIO) {
            int j = n_audio++;
            for (; j > 0 && audio[j - 1]->avg > p->r[k]->avg; j--)
                audio[j] = audio[j - 1];
            audio[j] = p->r[k];
        }
    for (int k = 0; k < n_audio; k++) {
        const LSRendition *a = audio[k];
        const LSWindow w = ls_window(a, first, count);
        /* the data-saver audio (the cheapest: Opus speech) first choice where the client plays it (dash.js follows
         * @selectionPriority; a client without Opus in MP4 drops the set and keeps AAC): it is also the smallest
         * first segment, what a start on a slow link waits for (S1) */
        ls_buf_printf(&b,
                      "    <AdaptationSet id=\"%d\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"%s\" "
                      "segmentAlignment=\"true\" startWithSAP=\"1\"",
                      as_id++, a->language);
        if (n_audio > 1)
            ls_buf_printf(&b, " selectionPriority=\"%d\"", k == 0 ? 2 : 1);
        ls_buf_printf(&b, ">\n");
        ls_buf_printf(&b,
                      "      <Representation id=\"%s\" bandwidth=\"%.0f\" codecs=\"%s\" "
                      "audioSamplingRate=\"%d\">\n",
                      a->id, ceil(a->dash_bw), a->cfg.codec, a->cfg.sample_rate);
        ls_buf_printf(&b,
                      "        <AudioChannelConfiguration "
                      "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"%d\"/>\n",
                      a->cfg.channels);
        template_open(&b, a, w, a->id, "        ");
        timeline(&b, a, w, "          ");
        ls_buf_printf(&b, "        </SegmentTemplate>\n      </Representation>\n    </AdaptationSet>\n");
    }
    /* the storyboard (core/thumbs.c): DASH-IF IOP thumbnails, one sprite sheet per "segment" of cols x rows tiles */
    if (final && p->thumbs.sheets > 0)
        ls_buf_printf(&b,
                      "    <AdaptationSet id=\"%d\" contentType=\"image\" mimeType=\"image/jpeg\">\n"
                      "      <SegmentTemplate media=\"" LS_NAME_THUMB_DIR "/tile_$Number%%05d$.jpg\" duration=\"%g\" "
                      "startNumber=\"1\"/>\n"
                      "      <Representation id=\"thumbnails\" bandwidth=\"%lld\" width=\"%d\" height=\"%d\">\n"
                      "        <EssentialProperty schemeIdUri=\"http://dashif.org/thumbnail_tile\" value=\"%dx%d\"/>\n"
                      "      </Representation>\n    </AdaptationSet>\n",
                      as_id++, p->thumbs.interval * p->thumbs.cols * p->thumbs.rows, (long long)p->thumbs.bandwidth,
                      p->thumbs.tile_w * p->thumbs.cols, p->thumbs.tile_h * p->thumbs.rows, p->thumbs.cols,
                      p->thumbs.rows);
    ls_buf_printf(&b, "  </Period>\n");
    if (!final) {
        char now[48];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ls_utc_iso(now, sizeof(now), ts.tv_sec + ts.tv_nsec * 1e-9);
        ls_buf_printf(&b, "  <UTCTiming schemeIdUri=\"urn:mpeg:dash:utc:direct:2014\" value=\"%s\"/>\n", now);
    }
    ls_buf_printf(&b, "</MPD>\n");
    return ls_output_put_buf(o, &b, LS_NAME_MPD);
}
