/*
 * Frame normaliser: whatever the decoder gives (any pixel format, interlaced, rotated, variable frame
 * rate) becomes 8-bit I420 at display orientation on a constant-rate timeline, which every rung then
 * scales from. Inputs hand over I420 (used as it is) or 9-12-bit 4:2:0 (narrowed by the narrow16 kernel);
 * other formats are converted by the input that decodes them.
 */
#include "config.h"
#include "libstream/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct LSNormalizer {
    LStreamJob *job;
    const LSSourceInfo *info;
    double fps; /* output frames per second */
    LSFrameSink sink;
    void *opaque;
    LSPicture conv, deint;
    LSPicture held; /* the latest frame, ready to fill slots */
    int have_held;
    int held_given; /* delivered since it was written: the sink may have taken its planes */
    double t0;      /* pts of the first frame: output time 0 */
    int started;
    int64_t next_slot; /* next constant-rate output index */
    int64_t first_out; /* slots before it are counted, not delivered (a run that starts part-way) */
    double last_pts;
    double first_pts; /* of the first frame pushed */
    double last_dur;  /* duration of the held frame in the source */
    int warned_jump;
};

int ls_normalizer_open(LSNormalizer **pn, LStreamJob *job, const LSSourceInfo *info, int fps_num, int fps_den,
                       double t0, LSFrameSink sink, void *opaque)
{
    LSNormalizer *n = ls_calloc(1, sizeof(*n));
    if (!n)
        return LSTREAM_ERR(ENOMEM);
    n->job = job;
    n->info = info;
    n->fps = (double)fps_num / fps_den;
    n->sink = sink;
    n->opaque = opaque;
    n->last_pts = NAN;
    n->t0 = t0;
    n->started = !isnan(t0);
    *pn = n;
    return 0;
}

/* Input frame -> 8-bit limited-range I420 (n->conv, or a view of the input's buffer). */
static int to_i420(LSNormalizer *n, const LSVideoFrame *f, LSPicture *out)
{
    const int w = f->w, h = f->h;
    if (f->format == LS_PIX_I420) {
        memset(out, 0, sizeof(*out));
        for (int i = 0; i < 3; i++) {
            out->data[i] = (uint8_t *)f->data[i];
            out->stride[i] = f->stride[i];
        }
        out->w = w;
        out->h = h;
        return 0;
    }
    const int shift = f->format == LS_PIX_I420P9    ? 1
                      : f->format == LS_PIX_I420P10 ? 2
                      : f->format == LS_PIX_I420P12 ? 4
                                                    : -1;
    if (shift < 0)
        return ls_fail(n->job, LSTREAM_ERR_BUG, "input %s: frame in unknown format %d", n->info->path, f->format);
    int err = ls_picture_ensure(&n->conv, w, h);
    if (err)
        return err;
    for (int p = 0; p < 3; p++) {
        const int pw = p ? (w + 1) / 2 : w, ph = p ? (h + 1) / 2 : h;
        for (int y = 0; y < ph; y++)
            n->job->dsp.narrow16(n->conv.data[p] + y * n->conv.stride[p],
                                 (const uint16_t *)(f->data[p] + y * f->stride[p]), pw, shift);
    }
    *out = n->conv;
    out->buf = NULL;
    return 0;
}

/* Slot k (time k / fps) shows the latest frame whose time is <= (k + 1/2) / fps: emit, with the held frame,
 * every slot whose half-way point lies before @p t. */
static int emit_until(LSNormalizer *n, double t)
{
    while (n->have_held && (n->next_slot + 0.5) / n->fps < t - 1e-9) {
        if (ls_cancelled(n->job))
            return ls_fail(n->job, LSTREAM_ERR_CANCELLED, "cancelled");
        int err = 0;
        if (n->next_slot >= n->first_out) {
            err = n->sink(n->opaque, &n->held, n->next_slot, n->held_given);
            n->held_given = 1;
        }
        if (err)
            return err;
        n->next_slot++;
    }
    return 0;
}

int ls_normalizer_push(LSNormalizer *n, const LSVideoFrame *f)
{
    if (f->w <= 0 || f->h <= 0)
        return ls_fail(n->job, LSTREAM_ERR_INVALID_INPUT, "input %s: decoder returned an unusable frame",
                       n->info->path);
    double pts = f->pts;
    if (isnan(pts)) /* no timestamp: assume constant rate after the previous one */
        pts = isnan(n->last_pts) ? 0.0 : n->last_pts + 1.0 / n->fps;
    if (!n->started) {
        n->started = 1;
        n->t0 = pts;
    }
    /* non-increasing timestamps, or frames packed closer than a tenth of a frame (a nonsense time scale puts
     * a whole recording into microseconds): treat the frame as the next one */
    if (!isnan(n->last_pts) && pts < n->last_pts + 0.1 / n->fps)
        pts = n->last_pts + 1.0 / n->fps;
    /* a jump far past the container's own duration is a damaged timestamp, not a long still picture (which
     * VFR screen recorders do produce, and which is filled): do not fill hours of frames for it */
    if (!isnan(n->last_pts) && n->info->duration > 0 && pts - n->t0 > n->info->duration + 10.0) {
        if (!n->warned_jump++)
            ls_log(n->job, LSTREAM_LOG_WARNING,
                   "input %s: timestamp jumps to %.1f s, past the %.1f s the container "
                   "declares; treating it as the next frame",
                   n->info->path, pts - n->t0, n->info->duration);
        pts = n->last_pts + 1.0 / n->fps;
    }
    n->last_pts = pts;
    n->last_dur = f->duration > 0 ? f->duration : (double)n->info->fps_den / n->info->fps_num;
    int err = emit_until(n, pts - n->t0);
    if (err)
        return err;

    LSPicture src = { 0 };
    if ((err = to_i420(n, f, &src)))
        return err;
    const int cw = (src.w + 1) / 2, ch = (src.h + 1) / 2;
    if (f->interlaced) {
        if ((err = ls_picture_ensure(&n->deint, src.w, src.h)))
            return err;
        for (int p = 0; p < 3; p++)
            ls_plane_deinterlace(n->deint.data[p], n->deint.stride[p], src.data[p], src.stride[p], p ? cw : src.w,
                                 p ? ch : src.h);
        src = n->deint;
        src.buf = NULL;
    }
    const int rot = n->info->rotation;
    const int ow = (rot == 90 || rot == 270) ? src.h : src.w, oh = (rot == 90 || rot == 270) ? src.w : src.h;
    if ((err = ls_picture_ensure(&n->held, ow, oh)))
        return err;
    for (int p = 0; p < 3; p++) {
        const int pw = p ? cw : src.w, ph = p ? ch : src.h;
        if (rot)
            ls_plane_rotate(n->held.data[p], n->held.stride[p], src.data[p], src.stride[p], pw, ph, rot);
        else
            for (int y = 0; y < ph; y++)
                memcpy(n->held.data[p] + y * n->held.stride[p], src.data[p] + y * src.stride[p], pw);
    }
    n->held_given = 0;
    const int first = !n->have_held;
    if (first)
        n->first_pts = pts;
    n->have_held = 1;
    /* a stream whose first frame comes after time 0: that frame also fills the slots before it */
    return first ? emit_until(n, pts - n->t0) : 0;
}

int ls_normalizer_finish(LSNormalizer *n, double end_time)
{
    if (!n->have_held)
        return 0;
    /* the last frame lasts its own duration in the source, or until @p end_time if that is later:
     * fill the slots whose half-way point falls before that end */
    double end = n->last_pts - n->t0 + n->last_dur;
    if (end_time > 0 && end_time - n->t0 > end)
        end = end_time - n->t0;
    return emit_until(n, end - 1e-6);
}

int64_t ls_normalizer_count(const LSNormalizer *n) { return n->next_slot; }

void ls_normalizer_skip(LSNormalizer *n, int64_t first) { n->first_out = first; }

int ls_normalizer_started(const LSNormalizer *n, double *first_pts)
{
    *first_pts = n->started && n->have_held ? n->first_pts - n->t0 : NAN;
    return n->have_held;
}

void ls_normalizer_close(LSNormalizer **pn)
{
    LSNormalizer *n = *pn;
    if (!n)
        return;
    ls_picture_free(&n->conv);
    ls_picture_free(&n->deint);
    ls_picture_free(&n->held);
    free(n);
    *pn = NULL;
}
