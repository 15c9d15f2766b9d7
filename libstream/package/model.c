/* The packaging model's bookkeeping: segment index per rendition and its bandwidth figures. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/package/model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ls_rendition_append(LSRendition *r, const LSSegment *s)
{
    if (r->n_seg == r->cap_seg) {
        int64_t cap = r->cap_seg ? r->cap_seg * 2 : 64;
        LSSegment *p = ls_realloc(r->seg, sizeof(*p) * (size_t)cap);
        if (!p)
            return LSTREAM_ERR(ENOMEM);
        r->seg = p;
        r->cap_seg = cap;
    }
    r->seg[r->n_seg++] = *s;
    return 0;
}

int ls_rendition_measure(LSRendition *r, double target, double min_buffer, int64_t first, int64_t count)
{
    const LSWindow w = ls_window(r, first, count);
    first = w.first;
    count = w.count;
    int64_t *bytes = ls_malloc(sizeof(*bytes) * (size_t)(count ? count : 1));
    double *dur = ls_malloc(sizeof(*dur) * (size_t)(count ? count : 1));
    int err = 0;
    if (!bytes || !dur) {
        err = LSTREAM_ERR(ENOMEM);
    } else {
        for (int64_t i = 0; i < count; i++) {
            bytes[i] = r->seg[first + i].bytes;
            dur[i] = ls_seg_seconds(r, first + i);
        }
        r->peak = ls_peak_bitrate(bytes, dur, (int)count, target);
        r->avg = ls_avg_bitrate(bytes, dur, (int)count);
        r->dash_bw = ls_leaky_bucket_bandwidth(bytes, dur, (int)count, min_buffer);
    }
    free(bytes);
    free(dur);
    return err;
}

void ls_rendition_free(LSRendition *r)
{
    ls_codec_config_free(&r->cfg);
    free(r->seg);
    memset(r, 0, sizeof(*r));
}

LSWindow ls_window(const LSRendition *r, int64_t first, int64_t count)
{
    LSWindow w = { first < 0 ? 0 : first, count };
    if (w.first > r->n_seg)
        w.first = r->n_seg;
    if (w.count < 0 || w.count > r->n_seg - w.first)
        w.count = r->n_seg - w.first;
    return w;
}

int ls_first_of_codec(const LSPresentation *p, int k)
{
    if (p->r[k]->cfg.kind != LS_TRACK_VIDEO)
        return 0;
    for (int j = 0; j < k; j++)
        if (p->r[j]->cfg.kind == LS_TRACK_VIDEO && !strcmp(p->r[j]->cfg.sample_entry, p->r[k]->cfg.sample_entry))
            return 0;
    return 1;
}

void ls_utc_iso(char *out, size_t size, double t)
{
    const time_t secs = (time_t)floor(t);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%s.%03dZ", base, (int)((t - floor(t)) * 1000));
}
