/*
 * The content-adaptive ladder (settings.ladder = auto): probe encodes decide which planned H.264 rungs are worth
 * their bytes on this lecture.
 *
 * Stretches of the lecture (LS_PROBE_SECONDS each, one per LS_PROBE_EVERY seconds, at most LS_PROBE_MAX_STRETCHES,
 * spread evenly) are decoded and normalised as the encode will do it; every H.264 rung encodes them at its CRF and
 * LS_PROBE_DCRF either side (the job's preset, its VBV cap, one thread per encoder: the choice is the same on any
 * machine and any thread budget, which chunked encodes rely on). Each decoded picture (x264's reconstruction) is
 * scaled back to the top rung's size and compared with the source at that size: SSIM, as a player showing that rung
 * full screen would look. Quality is in dB, -10 log10(1 - SSIM).
 *
 * The choice, from the top down: the top rung stays (it is the ceiling) and so does the lowest (the cellular rung,
 * the data-saver floor: doc/RULES.md M7); a rung between them stays when it costs at most 1/LS_PROBE_MIN_STEP of the
 * last rung kept above it (Apple's authoring guide: adjacent rates 1.5 to 2 apart; a rung that saves less is not worth
 * a switch) and lies on the rate-quality convex hull of all the points, within LS_PROBE_HULL_DB (no other size gives
 * visibly more quality for its bytes) — unless dropping it would leave more than LS_PROBE_MAX_GAP between its
 * neighbours. A top rung goes too when the next size down is as good (within LS_PROBE_SAME_DB) for fewer bits: a soft
 * camera picture or an upscaled recording gains nothing from more pixels. VP9 twins follow (ls_ladder_twins() runs after). Rungs with an average bit rate (kbps) instead of a
 * CRF, and explicit VP9 rungs, are not probed and stay.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/encode/encoder.h"
#include "libstream/input/input.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LS_PROBE_SECONDS  2.0
#define LS_PROBE_FRAMES   60 /* at most, per stretch (high frame rates) */
#define LS_PROBE_EVERY    120.0
#define LS_PROBE_DCRF     3.0f
#define LS_PROBE_MIN_STEP 1.5
#define LS_PROBE_HULL_DB  0.5
#define LS_PROBE_MAX_GAP  4.0
#define LS_PROBE_SAME_DB  0.1

typedef struct Cand {
    int same;            /* the reference size: no scaling either way */
    LSPlaneScaler sc[3]; /* reference -> rung */
    LSPicture pic;       /* the scaled picture */
    LSPlaneScaler up;    /* rung luma -> reference size, for the comparison */
    uint8_t *up_buf;     /* ref_w x ref_h */
} Cand;

typedef struct Task { /* one probe encode: a rung at one CRF */
    struct Probe *pr;
    int cand, point;
    LSRungPlan plan;
    LSEncoder enc;
    LSCodecConfig cfg;
    int open;
    int64_t bytes, frames;
    double ssim_sum;
    int err;
} Task;

/* The stretch is kept at the reference size (the top rung's), all three planes: the rungs are scaled from it and
 * their decoded pictures compared with its luma. The CRF steps run one after the other over it, each with one
 * encoder per rung (task[cand * LS_PROBE_CRFS + step]): the probe's memory is one stretch and one ladder's
 * encoders, about what the encode itself then needs. */
typedef struct Probe {
    LStreamJob *job;
    LSPool *pool;
    int n_cand, n_task;
    Cand cand[LSTREAM_MAX_RUNGS];
    Task task[LSTREAM_MAX_RUNGS * LS_PROBE_CRFS];
    int ref_w, ref_h;
    int ref_same;            /* the source is the reference size */
    LSPlaneScaler ref_sc[3]; /* source -> reference size (unless the same) */
    LSPicture *pics;         /* the stretch, [count] */
    int64_t first, count, got;
    int step; /* the CRF step being encoded */
    const LSPicture *cur;
    int64_t cur_index;
} Probe;

static int on_packet(void *opaque, const LSPacket *pkt)
{
    Task *t = opaque;
    Probe *pr = t->pr;
    Cand *c = &pr->cand[t->cand];
    t->bytes += pkt->size;
    const int64_t k = pkt->pts - pr->first;
    if (!pkt->recon || k < 0 || k >= pr->got)
        return ls_fail(pr->job, LSTREAM_ERR_BUG, "ladder probe: rung %s gave no decoded picture for frame %lld",
                       t->plan.name, (long long)pkt->pts);
    const LSPicture *r = pkt->recon, *ref = &pr->pics[k];
    const uint8_t *q = r->data[0];
    ptrdiff_t qs = r->stride[0];
    if (!c->same) {
        ls_plane_scale(&pr->job->dsp, &c->up, c->up_buf, pr->ref_w, r->data[0], r->stride[0]);
        q = c->up_buf;
        qs = pr->ref_w;
    }
    t->ssim_sum += ls_plane_ssim(&pr->job->dsp, ref->data[0], ref->stride[0], q, qs, pr->ref_w, pr->ref_h);
    t->frames++;
    return 0;
}

static Task *task_of(Probe *pr, int cand) { return &pr->task[cand * LS_PROBE_CRFS + pr->step]; }

/* one rung of the current picture: scaled, then encoded at the current CRF step */
static void encode_task(void *opaque, int i)
{
    Probe *pr = opaque;
    Cand *c = &pr->cand[i];
    Task *t = task_of(pr, i);
    if (t->err)
        return;
    if (!c->same)
        for (int p = 0; p < 3; p++)
            ls_plane_scale(&pr->job->dsp, &c->sc[p], c->pic.data[p], c->pic.stride[p], pr->cur->data[p],
                           pr->cur->stride[p]);
    t->err = t->enc.ops->encode_picture(t->enc.priv, c->same ? pr->cur : &c->pic, pr->cur_index,
                                        pr->cur_index == pr->first ? LS_IDR_FORCE : 0, on_packet, t);
}

static void drain_task(void *opaque, int i)
{
    Probe *pr = opaque;
    Task *t = task_of(pr, i);
    if (!t->err)
        t->err = t->enc.ops->drain(t->enc.priv, 0, on_packet, t);
}

static int first_error(Probe *pr)
{
    for (int i = 0; i < pr->n_task; i++)
        if (pr->task[i].err)
            return pr->task[i].err;
    return 0;
}

/* the normaliser's sink: the stretch's pictures, kept at the reference size */
static int on_frame(void *opaque, LSPicture *pic, int64_t index, int repeat)
{
    Probe *pr = opaque;
    (void)index, (void)repeat; /* copies, never takes: a repeat's planes are intact */
    if (pr->got >= pr->count)
        return 0;
    LSPicture *d = &pr->pics[pr->got];
    int err = ls_picture_ensure(d, pr->ref_w, pr->ref_h);
    if (err)
        return ls_fail(pr->job, LSTREAM_ERR(-err), "ladder probe: no memory for its pictures");
    for (int p = 0; p < 3; p++) {
        const int w = p ? (pr->ref_w + 1) / 2 : pr->ref_w, h = p ? (pr->ref_h + 1) / 2 : pr->ref_h;
        if (pr->ref_same)
            for (int y = 0; y < h; y++)
                memcpy(d->data[p] + y * d->stride[p], pic->data[p] + y * pic->stride[p], w);
        else
            ls_plane_scale(&pr->job->dsp, &pr->ref_sc[p], d->data[p], d->stride[p], pic->data[p], pic->stride[p]);
    }
    pr->got++;
    return 0;
}

static void close_tasks(Probe *pr)
{
    for (int i = 0; i < pr->n_task; i++) {
        Task *t = &pr->task[i];
        if (t->open)
            ls_encoder_close(&t->enc);
        ls_codec_config_free(&t->cfg);
        t->open = 0;
    }
}

/* the stretch through every rung at CRF step pr->step */
static int encode_step(Probe *pr, const LSLadder *l)
{
    for (int i = 0; i < pr->n_cand; i++) {
        Task *t = task_of(pr, i);
        const LSEncoderParams ep = {
            .rung = &t->plan,
            .fps_num = l->fps_num,
            .fps_den = l->fps_den,
            .threads = 1,
            .recon = 1,
            .held = pr->job->s.hold_repeats /* as the ladder will be encoded */
        };
        int err = ls_encoder_open(&t->enc, ls_encoder_find(LS_TRACK_VIDEO, LSTREAM_CODEC_H264), pr->job, &ep, &t->cfg);
        if (err)
            return err;
        t->open = 1;
    }
    for (int64_t k = 0; k < pr->got; k++) {
        if (ls_cancelled(pr->job))
            return ls_fail(pr->job, LSTREAM_ERR_CANCELLED, "cancelled");
        pr->cur = &pr->pics[k];
        pr->cur_index = pr->first + k;
        ls_pool_run(pr->pool, encode_task, pr, pr->n_cand);
        pr->cur = NULL;
        int err = first_error(pr);
        if (err)
            return err;
    }
    ls_pool_run(pr->pool, drain_task, pr, pr->n_cand);
    int err = first_error(pr);
    close_tasks(pr);
    return err;
}

/* One stretch: [from, from + count frames) of the output timeline, decoded, then through every probe encode. */
static int run_stretch(Probe *pr, const LSInputOps *ops, const LSSourceInfo *src, const LSLadder *l, int64_t first,
                       int64_t count)
{
    LStreamJob *job = pr->job;
    LSInput in;
    LSSourceInfo info;
    LSNormalizer *norm = NULL;
    pr->first = first;
    pr->count = count;
    pr->got = 0;
    int err = ls_input_open(&in, ops, job, src->path, &info);
    if (err)
        return err;
    const double t0 = src->video_start;
    const double from = first > 0 && !isnan(t0) ? t0 + (double)first * l->fps_den / l->fps_num : NAN;
    if (!(err = ls_input_select(&in, job, LS_ITEM_VIDEO, from)) &&
        !(err = ls_normalizer_open(&norm, job, &info, l->fps_num, l->fps_den, t0, on_frame, pr))) {
        ls_normalizer_skip(norm, first);
        LSInputItem item;
        while (pr->got < count && !ls_cancelled(job) && (err = ls_input_read(&in, &item)) == 0)
            if (item.type == LS_ITEM_VIDEO && (err = ls_normalizer_push(norm, &item.video)))
                break;
        if (err == LS_EOF)
            err = ls_normalizer_finish(norm, 0);
        if (!err && ls_cancelled(job))
            err = ls_fail(job, LSTREAM_ERR_CANCELLED, "cancelled");
    }
    ls_normalizer_close(&norm);
    ls_input_close(&in);
    for (pr->step = 0; pr->step < LS_PROBE_CRFS && !err && pr->got; pr->step++)
        err = encode_step(pr, l);
    close_tasks(pr);
    return err;
}

static double to_db(double ssim) { return ssim >= 1.0 ? 100.0 : -10.0 * log10(1.0 - ssim); }

static double cross(const LSProbePoint *o, const LSProbePoint *a, const LSProbePoint *b)
{
    return (a->kbps - o->kbps) * (b->ssim_db - o->ssim_db) - (a->ssim_db - o->ssim_db) * (b->kbps - o->kbps);
}

static int by_rate(const void *a, const void *b)
{
    const LSProbePoint *x = *(const LSProbePoint *const *)a, *y = *(const LSProbePoint *const *)b;
    return x->kbps < y->kbps ? -1 : x->kbps > y->kbps ? 1 : (x->ssim_db > y->ssim_db) - (x->ssim_db < y->ssim_db);
}

/* The upper convex hull of the points in (rate, dB), its rising part (more bits buy more quality): marks the
 * points on it, leaves them in @p hull (ascending rate). */
static int upper_hull(LSLadderProbe *p, LSProbePoint **hull)
{
    LSProbePoint *s[LS_PROBE_MAX_POINTS];
    for (int i = 0; i < p->n_points; i++)
        s[i] = &p->point[i];
    qsort(s, p->n_points, sizeof(*s), by_rate);
    int n = 0;
    for (int i = 0; i < p->n_points; i++) {
        if (n && s[i]->ssim_db <= hull[n - 1]->ssim_db)
            continue; /* costs more for no more quality */
        while (n >= 2 && cross(hull[n - 2], hull[n - 1], s[i]) >= 0)
            n--;
        hull[n++] = s[i];
    }
    for (int i = 0; i < n; i++)
        hull[i]->hull = 1;
    return n;
}

/* the hull's quality at @p kbps (linear between its points; its ends beyond them) */
static double hull_db(LSProbePoint *const *hull, int n, double kbps)
{
    if (kbps <= hull[0]->kbps)
        return hull[0]->ssim_db;
    for (int i = 1; i < n; i++)
        if (kbps <= hull[i]->kbps) {
            const LSProbePoint *a = hull[i - 1], *b = hull[i];
            return a->ssim_db + (b->ssim_db - a->ssim_db) * (kbps - a->kbps) / (b->kbps - a->kbps);
        }
    return hull[n - 1]->ssim_db;
}

/* From the figures: which rungs stay (p->rung[].kept, .why), from the top down. */
static void choose(LSLadderProbe *p)
{
    LSProbePoint *hull[LS_PROBE_MAX_POINTS];
    const int nh = upper_hull(p, hull);
    for (int j = 0; j < p->n_rungs; j++) {
        LSProbeRung *r = &p->rung[j];
        if (r->probed)
            r->below_hull_db = hull_db(hull, nh, r->kbps) - r->ssim_db;
    }
    /* a top rung that buys no quality: the next size down looks as good (a soft camera picture, an upscaled
     * recording) for fewer bits; the next one is then the top (never the lowest: two rungs stay) */
    int probed[LSTREAM_MAX_RUNGS], n = 0, top = 0;
    for (int j = 0; j < p->n_rungs; j++)
        if (p->rung[j].probed)
            probed[n++] = j;
    while (top + 2 < n) {
        LSProbeRung *a = &p->rung[probed[top]];
        const LSProbeRung *b = &p->rung[probed[top + 1]];
        if (b->ssim_db < a->ssim_db - LS_PROBE_SAME_DB || b->kbps >= a->kbps)
            break;
        a->dropped_top = 1;
        char id[sizeof(b->id)];
        memcpy(id, b->id, sizeof(id));
        snprintf(a->why, sizeof(a->why), "buys no quality: %s looks as good (%.2f dB against %.2f) for %.0f kbit/s", id,
                 b->ssim_db, a->ssim_db, b->kbps);
        top++;
    }
    int last = -1; /* the last rung kept, above */
    for (int j = 0; j < p->n_rungs; j++) {
        LSProbeRung *r = &p->rung[j];
        r->kept = !r->dropped_top;
        if (r->dropped_top)
            continue;
        if (!r->probed) {
            snprintf(r->why, sizeof(r->why), "not probed (%s): kept as asked", r->not_probed);
            continue;
        }
        if (last < 0) {
            snprintf(r->why, sizeof(r->why), "the top rung");
            last = j;
            continue;
        }
        int next = -1; /* the next probed rung below */
        for (int k = j + 1; k < p->n_rungs && next < 0; k++)
            if (p->rung[k].probed)
                next = k;
        if (next < 0) {
            snprintf(r->why, sizeof(r->why), "the lowest rung (cellular, data saver)");
            continue;
        }
        const LSProbeRung *a = &p->rung[last];
        const double step = r->kbps > 0 ? a->kbps / r->kbps : INFINITY;
        const double gap = p->rung[next].kbps > 0 ? a->kbps / p->rung[next].kbps : INFINITY;
        char above[sizeof(a->id)]; /* (a copy: GCC cannot tell rung[last] from rung[j]) */
        memcpy(above, a->id, sizeof(above));
        if (step < LS_PROBE_MIN_STEP) {
            r->kept = 0;
            snprintf(r->why, sizeof(r->why), "saves too little: %.0f kbit/s against %.0f for %s (%.2fx, under %.1fx)",
                     r->kbps, a->kbps, above, step, LS_PROBE_MIN_STEP);
        } else if (r->below_hull_db > LS_PROBE_HULL_DB && gap <= LS_PROBE_MAX_GAP) {
            r->kept = 0;
            snprintf(r->why, sizeof(r->why),
                     "off the rate-quality hull: %.2f dB below what another size gives for %.0f kbit/s",
                     r->below_hull_db, r->kbps);
        } else {
            snprintf(r->why, sizeof(r->why), "%.2fx cheaper than %s, %.2f dB from the hull", step, above,
                     r->below_hull_db);
            last = j;
        }
    }
}

static void free_probe(Probe *pr)
{
    close_tasks(pr);
    for (int i = 0; i < pr->n_cand; i++) {
        Cand *c = &pr->cand[i];
        for (int p = 0; p < 3; p++)
            ls_plane_scaler_free(&c->sc[p]);
        ls_picture_free(&c->pic);
        ls_plane_scaler_free(&c->up);
        free(c->up_buf);
    }
    for (int p = 0; p < 3; p++)
        ls_plane_scaler_free(&pr->ref_sc[p]);
    for (int64_t k = 0; pr->pics && k < pr->count; k++)
        ls_picture_free(&pr->pics[k]);
    free(pr->pics);
    ls_pool_close(&pr->pool);
}

/* The probe's set-up: the reference size, the candidates (H.264 CRF rungs), their scalers, the encodes. */
static int setup(Probe *pr, const LSSourceInfo *src, const LSLadder *l, LSLadderProbe *out, int64_t frames)
{
    LStreamJob *job = pr->job;
    for (int i = 0; i < l->n && !pr->ref_w; i++) /* the reference: the top probed rung's size */
        if (l->r[i].rung.codec == LSTREAM_CODEC_H264 && l->r[i].rung.crf > 0) {
            pr->ref_w = l->r[i].width;
            pr->ref_h = l->r[i].height;
        }
    pr->ref_same = pr->ref_w == src->width && pr->ref_h == src->height;
    if (pr->ref_w && !pr->ref_same) {
        int err = ls_i420_scalers_init(pr->ref_sc, src->width, src->height, pr->ref_w, pr->ref_h);
        if (err)
            return ls_fail(job, LSTREAM_ERR(-err), "ladder probe: cannot scale the source to %dx%d", pr->ref_w,
                           pr->ref_h);
    }
    for (int i = 0; i < l->n; i++) {
        const LSRungPlan *rp = &l->r[i];
        LSProbeRung *r = &out->rung[out->n_rungs++];
        snprintf(r->id, sizeof(r->id), "%s", rp->name);
        r->ladder_index = i;
        r->crf = rp->rung.crf;
        if (rp->rung.codec != LSTREAM_CODEC_H264 || rp->rung.crf <= 0) {
            r->not_probed = rp->rung.codec != LSTREAM_CODEC_H264 ? "not H.264" : "an average bit rate, no CRF";
            continue;
        }
        Cand *c = &pr->cand[pr->n_cand];
        memset(c, 0, sizeof(*c));
        c->same = rp->width == pr->ref_w && rp->height == pr->ref_h;
        int err = c->same ? 0 : ls_i420_scalers_init(c->sc, pr->ref_w, pr->ref_h, rp->width, rp->height);
        if (!err && !c->same && !(err = ls_picture_alloc(&c->pic, rp->width, rp->height)) &&
            (err = ls_plane_scaler_init(&c->up, rp->width, rp->height, pr->ref_w, pr->ref_h, LS_KERNEL_BICUBIC)) == 0 &&
            !(c->up_buf = ls_malloc((size_t)pr->ref_w * pr->ref_h)))
            err = -ENOMEM;
        if (err == -ERANGE) { /* a step the one-pass scaler cannot take (about 16:1): left as it is */
            for (int p = 0; p < 3; p++)
                ls_plane_scaler_free(&c->sc[p]);
            ls_picture_free(&c->pic);
            ls_plane_scaler_free(&c->up);
            r->not_probed = "a scaling step too large to probe";
            continue;
        }
        pr->n_cand++; /* freed with the others from here on */
        if (err)
            return ls_fail(job, LSTREAM_ERR(-err), "ladder probe: cannot set up the scalers of rung %s", rp->name);
        r->probed = 1;
        for (int q = 0; q < LS_PROBE_CRFS; q++) {
            Task *t = &pr->task[pr->n_task++];
            memset(t, 0, sizeof(*t));
            t->pr = pr;
            t->cand = pr->n_cand - 1;
            t->plan = *rp;
            t->plan.rung.crf = fminf(51.0f, fmaxf(1.0f, rp->rung.crf + (q - 1) * LS_PROBE_DCRF));
            t->point = out->n_points++;
            LSProbePoint *pt = &out->point[t->point];
            snprintf(pt->id, sizeof(pt->id), "%s", rp->name);
            pt->rung = out->n_rungs - 1;
            pt->crf = t->plan.rung.crf;
        }
    }
    if (!(pr->pics = ls_calloc((size_t)frames, sizeof(*pr->pics))))
        return ls_fail(job, LSTREAM_ERR(ENOMEM), "ladder probe: no memory for %lld pictures", (long long)frames);
    pr->count = frames;
    const int threads = job->s.threads ? job->s.threads : ls_cpu_count();
    int err = ls_pool_open(&pr->pool, (threads < pr->n_cand ? threads : pr->n_cand) - 1);
    return err ? ls_fail(job, err, "ladder probe: cannot start its threads") : 0;
}

/* no choice made: every rung stays, no points reported */
static void keep_all(LSLadderProbe *out, const char *why)
{
    for (int j = 0; j < out->n_rungs; j++) {
        out->rung[j].kept = 1;
        out->rung[j].probed = 0;
        out->rung[j].not_probed = why;
        snprintf(out->rung[j].why, sizeof(out->rung[j].why), "%s", why);
    }
    out->n_points = 0;
}

int ls_ladder_probe(LStreamJob *job, const LSInputOps *ops, const LSSourceInfo *src, LSLadder *l, LSLadderProbe *out)
{
    memset(out, 0, sizeof(*out));
    out->on = 1;
    const double t_start = ls_now();
    const double fps = (double)l->fps_num / l->fps_den;
    const double dur = src->video_duration > 0 ? src->video_duration : src->duration;
    int64_t len = (int64_t)llrint(LS_PROBE_SECONDS * fps);
    if (len > LS_PROBE_FRAMES)
        len = LS_PROBE_FRAMES;
    const int64_t total = dur > 0 ? (int64_t)floor(dur * fps) : len;
    if (len > total)
        len = total > 0 ? total : 1;
    int k = dur > 0 ? (int)lrint(dur / LS_PROBE_EVERY) : 1;
    k = k < 1 ? 1 : k > LS_PROBE_MAX_STRETCHES ? LS_PROBE_MAX_STRETCHES : k;
    if (isnan(src->video_start))
        k = 1; /* no seeking without a start time: the first stretch only */

    Probe pr = { .job = job };
    int err = setup(&pr, src, l, out, len);
    int n_probed = 0;
    for (int j = 0; j < out->n_rungs; j++)
        n_probed += out->rung[j].probed;
    if (!err && n_probed < 3) {
        ls_log(job, LSTREAM_LOG_INFO, "ladder auto: %d rung(s) to decide on, nothing to choose: the ladder stays",
               n_probed);
        free_probe(&pr);
        keep_all(out, "fewer than 3 rungs to probe: nothing to choose");
        return 0;
    }
    int64_t got = 0;
    for (int s = 0; s < k && !err; s++) {
        int64_t first = (int64_t)floor(total * (s + 0.5) / k) - len / 2;
        first = first < 0 ? 0 : first + len > total ? (total - len > 0 ? total - len : 0) : first;
        err = run_stretch(&pr, ops, src, l, first, len);
        if (err == LSTREAM_ERR_INVALID_INPUT || err == LSTREAM_ERR_NO_STREAMS || err == LSTREAM_ERR_UNSUPPORTED) {
            /* a damaged stretch: left out; the encode meets the damage itself and says what it is */
            ls_log(job, LSTREAM_LOG_WARNING, "ladder auto: the stretch at %.1f s of input %s could not be read (above)",
                   first / fps, src->path);
            ls_unfail(job);
            err = 0;
            continue;
        }
        if (err)
            break;
        if (!pr.got) { /* past the real end (a truncated upload whose header says more): not a stretch */
            ls_log(job, LSTREAM_LOG_WARNING, "ladder auto: no picture at %.1f s of input %s: stretch left out",
                   first / fps, src->path);
            continue;
        }
        out->from[out->n_stretches] = first / fps;
        out->seconds[out->n_stretches++] = pr.got / fps;
        got += pr.got;
    }
    for (int i = 0; i < pr.n_task && !err && got; i++) {
        const Task *t = &pr.task[i];
        LSProbePoint *pt = &out->point[t->point];
        pt->kbps = t->bytes * 8.0 / (t->frames / fps) / 1000.0;
        pt->ssim = t->ssim_sum / t->frames;
        pt->ssim_db = to_db(pt->ssim);
        LSProbeRung *r = &out->rung[pt->rung];
        if (fabsf(pt->crf - r->crf) < 0.01f) {
            r->kbps = pt->kbps;
            r->ssim = pt->ssim;
            r->ssim_db = pt->ssim_db;
        }
        out->frames = t->frames;
    }
    out->ref_w = pr.ref_w;
    out->ref_h = pr.ref_h;
    free_probe(&pr);
    if (err)
        return err;
    if (!got) { /* the input's video ends before any stretch: the ladder stays as planned */
        ls_log(job, LSTREAM_LOG_WARNING, "ladder auto: input %s: the probe found no picture: the planned ladder stays",
               src->path);
        keep_all(out, "the probe found no picture: the planned ladder");
        return 0;
    }
    choose(out);
    out->seconds_wall = ls_now() - t_start;
    /* the ladder keeps what was chosen */
    int n = 0;
    for (int j = 0; j < out->n_rungs; j++) {
        const LSProbeRung *r = &out->rung[j];
        ls_log(job, LSTREAM_LOG_INFO, "ladder auto: %s %s: %s%s%.0f kbit/s, SSIM %.4f", r->id,
               r->kept ? "kept" : "dropped", r->why, r->probed ? "; " : "", r->probed ? r->kbps : 0.0,
               r->probed ? r->ssim : 0.0);
        if (r->kept)
            l->r[n++] = l->r[r->ladder_index];
    }
    l->n = n;
    ls_log(job, LSTREAM_LOG_INFO, "ladder auto: %d of %d rungs, from %d probe encodes of %d stretch(es), %.1f s", n,
           out->n_rungs, out->n_points, out->n_stretches, out->seconds_wall);
    return 0;
}
