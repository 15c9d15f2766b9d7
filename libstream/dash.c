/*
 * DASH: one static MPD (ISO/IEC 23009-1, live profile) over the same CMAF segments as HLS, with
 * SegmentTemplate + SegmentTimeline taken from the written fragments (D1-D4).
 */
#include "config.h"
#include "internal.h"

#include <math.h>
#include <string.h>

static void timeline(LSBuf *b, const LSTrack *t, const char *indent)
{
    ls_buf_printf(b, "%s<SegmentTimeline>\n", indent);
    for (int i = 0; i < t->n_seg;) {
        int r = 0;
        while (i + r + 1 < t->n_seg && t->seg[i + r + 1].duration == t->seg[i].duration &&
               t->seg[i + r + 1].start == t->seg[i + r].start + t->seg[i + r].duration)
            r++;
        const int need_t = i == 0 || t->seg[i].start != t->seg[i - 1].start + t->seg[i - 1].duration;
        ls_buf_printf(b, "%s  <S", indent);
        if (need_t)
            ls_buf_printf(b, " t=\"%lld\"", (long long)t->seg[i].start);
        ls_buf_printf(b, " d=\"%lld\"", (long long)t->seg[i].duration);
        if (r)
            ls_buf_printf(b, " r=\"%d\"", r);
        ls_buf_printf(b, "/>\n");
        i += r + 1;
    }
    ls_buf_printf(b, "%s</SegmentTimeline>\n", indent);
}

static int same_timeline(const LSTrack *a, const LSTrack *b)
{
    if (a->n_seg != b->n_seg || a->timescale != b->timescale)
        return 0;
    for (int i = 0; i < a->n_seg; i++)
        if (a->seg[i].start != b->seg[i].start || a->seg[i].duration != b->seg[i].duration)
            return 0;
    return 1;
}

static void template_open(LSBuf *b, const LSTrack *t, const char *dir, const char *indent)
{
    ls_buf_printf(b, "%s<SegmentTemplate timescale=\"%u\" presentationTimeOffset=\"%lld\" startNumber=\"1\" "
                     "initialization=\"%s/init.mp4\" media=\"%s/seg_$Number%%05d$.m4s\">\n",
                  indent, t->timescale, t->n_seg ? (long long)t->seg[0].start : 0LL, dir, dir);
}

static void duration_iso(char *out, size_t n, double s)
{
    snprintf(out, n, "PT%.3fS", s);
}

int ls_write_dash(LStreamJob *job, const LSPackage *pkg, const char *root)
{
    LSBuf b = { 0 };
    char dur[64], mbt[64], msd[64];
    duration_iso(dur, sizeof(dur), pkg->duration);
    duration_iso(mbt, sizeof(mbt), pkg->min_buffer);
    double max_seg = 0;
    for (int v = -1; v < pkg->n_video; v++) {
        const LSTrack *t = v < 0 ? (pkg->has_audio ? pkg->audio.track : NULL) : pkg->video[v].track;
        for (int i = 0; t && i < t->n_seg; i++)
            max_seg = fmax(max_seg, (double)t->seg[i].duration / t->timescale);
    }
    duration_iso(msd, sizeof(msd), max_seg);
    ls_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" "
                      "type=\"static\" mediaPresentationDuration=\"%s\" minBufferTime=\"%s\" maxSegmentDuration=\"%s\">\n",
                  dur, mbt, msd);
    ls_buf_printf(&b, "  <Period id=\"0\" start=\"PT0S\">\n");
    if (pkg->n_video) {
        int aligned = 1, maxw = 0, maxh = 0;
        for (int v = 1; v < pkg->n_video; v++)
            aligned &= same_timeline(pkg->video[0].track, pkg->video[v].track);
        for (int v = 0; v < pkg->n_video; v++) {
            maxw = pkg->video[v].track->width > maxw ? pkg->video[v].track->width : maxw;
            maxh = pkg->video[v].track->height > maxh ? pkg->video[v].track->height : maxh;
        }
        char fr[32];
        if (pkg->fps_den == 1)
            snprintf(fr, sizeof(fr), "%d", pkg->fps_num);
        else
            snprintf(fr, sizeof(fr), "%d/%d", pkg->fps_num, pkg->fps_den);
        ls_buf_printf(&b, "    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" "
                          "segmentAlignment=\"%s\" startWithSAP=\"1\" maxWidth=\"%d\" maxHeight=\"%d\" "
                          "frameRate=\"%s\">\n", aligned ? "true" : "false", maxw, maxh, fr);
        if (aligned) {
            template_open(&b, pkg->video[0].track, "$RepresentationID$", "      ");
            timeline(&b, pkg->video[0].track, "        ");
            ls_buf_printf(&b, "      </SegmentTemplate>\n");
        }
        for (int v = 0; v < pkg->n_video; v++) {
            const LSRendition *r = &pkg->video[v];
            ls_buf_printf(&b, "      <Representation id=\"%s\" bandwidth=\"%.0f\" codecs=\"%s\" width=\"%d\" "
                              "height=\"%d\" sar=\"1:1\"%s\n",
                          r->track->name, ceil(r->dash_bw), r->track->codec, r->track->width, r->track->height,
                          aligned ? "/>" : ">");
            if (!aligned) {
                template_open(&b, r->track, r->track->name, "        ");
                timeline(&b, r->track, "          ");
                ls_buf_printf(&b, "        </SegmentTemplate>\n      </Representation>\n");
            }
        }
        ls_buf_printf(&b, "    </AdaptationSet>\n");
    }
    if (pkg->has_audio) {
        const LSRendition *a = &pkg->audio;
        ls_buf_printf(&b, "    <AdaptationSet id=\"1\" contentType=\"audio\" mimeType=\"audio/mp4\" lang=\"%s\" "
                          "segmentAlignment=\"true\" startWithSAP=\"1\">\n", pkg->language);
        ls_buf_printf(&b, "      <Representation id=\"audio\" bandwidth=\"%.0f\" codecs=\"%s\" "
                          "audioSamplingRate=\"%d\">\n", ceil(a->dash_bw), a->track->codec, a->track->sample_rate);
        ls_buf_printf(&b, "        <AudioChannelConfiguration "
                          "schemeIdUri=\"urn:mpeg:dash:23003:3:audio_channel_configuration:2011\" value=\"%d\"/>\n",
                      a->track->channels);
        template_open(&b, a->track, "audio", "        ");
        timeline(&b, a->track, "          ");
        ls_buf_printf(&b, "        </SegmentTemplate>\n      </Representation>\n    </AdaptationSet>\n");
    }
    ls_buf_printf(&b, "  </Period>\n</MPD>\n");
    return ls_buf_write(job, &b, root, "manifest.mpd");
}
