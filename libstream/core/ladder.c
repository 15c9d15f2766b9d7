/*
 * Ladder planning: which rungs, at which sizes, frame rate and rates.
 *
 * The default lecture ladder uses capped CRF: x264 spends what the content needs (slides cost far less
 * than a camera) up to a VBV cap per rung. The lowest rung is the cellular one (Apple 9.21, M7): its cap
 * keeps the RFC 8216 peak of video + the 64 kbit/s audio under 192 kbit/s — bits in any window of W
 * seconds are at most max*W + buffer, so over the shortest peak window (3 s for 6 s segments) the video
 * stays under 90 + 45/3 = 105 kbit/s, plus ~4 kbit/s of moof/trun per rendition; even a whole lecture
 * shorter than one window (2 s) stays under 90 + 45/2 = 112.5 kbit/s, ~185 kbit/s with the audio.
 */
#include "config.h"
#include "libstream/internal.h"

#include <math.h>
#include <string.h>

/* The CRFs: each rung at least the SSIM an operator's hand-written FFmpeg ladder (CRF 23 everywhere) reaches, less
 * 0.002, on slides, slides + camera and a talking head (BENCHMARKS.md section 00000000). 480p, 360p and 240p were
 * at 24, 25 and 26 until measured: 0.003-0.005 under FFmpeg's SSIM on slides + camera (360p, 240p) and the talking
 * head (480p); at 23, 23 and 24 they are at most 0.0016 under it or above, for 4-30 % more bytes there, most on
 * the talking head (still 0.6-0.8 of FFmpeg's, whose 2 s GOPs cost more). */
static const struct {
    int short_side;
    float crf;
    int max_kbps, buffer_kbits;
} defaults[] = {
    { 1080, 23.0f, 3500, 7000 }, { 720, 23.0f, 2000, 4000 }, { 480, 23.0f, 1000, 2000 },
    { 360, 23.0f, 600, 1200 },   { 240, 24.0f, 90, 45 }, /* cellular rung */
};

void lstream_default_rung(int short_side, LStreamRung *r)
{
    memset(r, 0, sizeof(*r));
    size_t i = 0;
    while (i + 1 < LS_ARRAY_SIZE(defaults) && defaults[i].short_side > short_side)
        i++;
    r->short_side = short_side;
    r->codec = LSTREAM_CODEC_H264;
    r->crf = defaults[i].crf;
    r->max_kbps = defaults[i].max_kbps;
    r->buffer_kbits = defaults[i].buffer_kbits;
}

static int even(double v)
{
    int i = (int)lrint(v / 2.0) * 2;
    return i < 2 ? 2 : i;
}

static void size_for(const LSSourceInfo *src, int short_side, int *w, int *h)
{
    if (src->dar >= 1.0) {
        *h = even(short_side);
        *w = even(short_side * src->dar);
    } else {
        *w = even(short_side);
        *h = even(short_side / src->dar);
    }
}

/* x264 needs a VBV buffer of at least one frame at the cap (else it warns and enlarges it itself). At low
 * frame rates (slide recordings at 1-5 fps) the cellular rung's 45 kbit buffer is less than a frame: the buffer
 * becomes one frame, and the cap drops so that cap + buffer / 3, the bound on the video's rate over the
 * shortest (3 s) peak window, stays what it was — the rung's RFC 8216 peak budget is unchanged. */
static void fit_buffer(LStreamRung *r, int fps_num, int fps_den)
{
    const int buf = r->buffer_kbits > 0 ? r->buffer_kbits : r->max_kbps;
    if (r->max_kbps <= 0 || (int64_t)buf * fps_num >= (int64_t)r->max_kbps * fps_den)
        return;
    const double fps = (double)fps_num / fps_den;
    const double budget = r->max_kbps + buf / 3.0;
    int max = (int)floor(budget / (1.0 + 1.0 / (3.0 * fps)));
    if (max < 1)
        max = 1;
    r->max_kbps = max;
    r->buffer_kbits = (int)ceil(max / fps);
}

/* the listing order: H.264 rungs first (what every client plays), then VP9; largest first within a codec */
static int before(const LSRungPlan *a, const LSRungPlan *b)
{
    if (a->rung.codec != b->rung.codec)
        return a->rung.codec < b->rung.codec;
    return a->short_side > b->short_side;
}

static void sort_rungs(LSLadder *l)
{
    for (int i = 1; i < l->n; i++)
        for (int j = i; j > 0 && before(&l->r[j], &l->r[j - 1]); j--) {
            LSRungPlan t = l->r[j];
            l->r[j] = l->r[j - 1];
            l->r[j - 1] = t;
        }
}

/* sorted, each rung's buffer fitted to the frame rate, its folder name; no two rungs of one folder */
static int finish(LStreamJob *job, LSLadder *l)
{
    sort_rungs(l);
    for (int i = 0; i < l->n; i++) {
        LSRungPlan *p = &l->r[i];
        fit_buffer(&p->rung, l->fps_num, l->fps_den);
        p->rung.short_side = p->short_side;
        snprintf(p->name, sizeof(p->name), p->rung.codec == LSTREAM_CODEC_VP9 ? "v%d-vp9" : "v%d", p->short_side);
        for (int j = 0; j < i; j++) /* two rungs of one size would share a folder */
            if (!strcmp(l->r[j].name, p->name))
                return ls_fail(job, LSTREAM_ERR_SETTINGS, "rung %dp is listed twice", p->short_side);
    }
    return 0;
}

int ls_ladder_plan(LStreamJob *job, const LSSourceInfo *src, LSLadder *l)
{
    memset(l, 0, sizeof(*l));
    /* frame rate: the source's, halved until under the cap (60 -> 30, 50 -> 25, 59.94 -> 29.97) */
    int64_t num = src->fps_num, den = src->fps_den;
    while ((double)num / den > job->s.max_fps + 0.01)
        den *= 2;
    l->fps_num = (int)num;
    l->fps_den = (int)den;

    const double disp_w = src->dar >= 1.0 ? src->height * src->dar : src->width;
    const double disp_h = src->dar >= 1.0 ? src->height : src->width / src->dar;
    const int S = (int)floor(fmin(disp_w, disp_h)); /* the source's short side, as displayed */

    if (job->s.n_rungs > 0) {
        for (int i = 0; i < job->s.n_rungs; i++) {
            const LStreamRung *r = &job->s.rungs[i];
            if (r->short_side > S) {
                ls_log(job, LSTREAM_LOG_INFO, "rung %dp skipped: above the source (%dp); no upscaling", r->short_side,
                       S);
                continue;
            }
            LSRungPlan *p = &l->r[l->n++];
            p->short_side = r->short_side;
            p->rung = *r;
        }
        if (!l->n)
            return ls_fail(job, LSTREAM_ERR_SETTINGS, "input %s: every requested rung is above the source size %dp",
                           src->path, S);
    } else {
        int floor_idx = -1;
        for (size_t i = 0; i < LS_ARRAY_SIZE(defaults); i++)
            if (defaults[i].short_side <= S) {
                floor_idx = (int)i;
                break;
            }
        /* a source between default sizes (e.g. 576p, 768p) keeps its own size as the top rung */
        if (floor_idx < 0 || (S < 1080 && defaults[floor_idx].short_side < 0.9 * S)) {
            int base = floor_idx < 0 ? (int)LS_ARRAY_SIZE(defaults) - 1 : floor_idx;
            double k = floor_idx < 0 ? 1.0 : pow((double)S / defaults[base].short_side, 2.0);
            LSRungPlan *p = &l->r[l->n++];
            p->short_side = S & ~1;
            p->rung.crf = defaults[base].crf;
            p->rung.max_kbps = floor_idx < 0 ? defaults[base].max_kbps : (int)(defaults[base].max_kbps * k);
            p->rung.buffer_kbits = floor_idx < 0 ? defaults[base].buffer_kbits : (int)(defaults[base].buffer_kbits * k);
        }
        for (size_t i = floor_idx < 0 ? LS_ARRAY_SIZE(defaults) : (size_t)floor_idx; i < LS_ARRAY_SIZE(defaults); i++) {
            if (l->n >= LSTREAM_MAX_RUNGS)
                break;
            LSRungPlan *p = &l->r[l->n++];
            p->short_side = defaults[i].short_side;
            p->rung.crf = defaults[i].crf;
            p->rung.max_kbps = defaults[i].max_kbps;
            p->rung.buffer_kbits = defaults[i].buffer_kbits;
        }
    }
    for (int i = 0; i < l->n; i++)
        size_for(src, l->r[i].short_side, &l->r[i].width, &l->r[i].height);
    return finish(job, l);
}

int ls_ladder_twins(LStreamJob *job, LSLadder *l)
{
    /* VP9 twins of the lowest H.264 rungs (settings.vp9_rungs): sorted, the H.264 rungs come first, smallest last */
    int n_h264 = 0;
    while (n_h264 < l->n && l->r[n_h264].rung.codec == LSTREAM_CODEC_H264)
        n_h264++;
    for (int t = job->s.vp9_rungs < n_h264 ? n_h264 - job->s.vp9_rungs : 0; t < n_h264; t++) {
        if (l->n >= LSTREAM_MAX_RUNGS)
            return ls_fail(job, LSTREAM_ERR_SETTINGS, "vp9_rungs = %d: the ladder would have more than %d rungs",
                           job->s.vp9_rungs, LSTREAM_MAX_RUNGS);
        l->r[l->n] = l->r[t];
        l->r[l->n++].rung.codec = LSTREAM_CODEC_VP9;
    }
    return finish(job, l);
}
