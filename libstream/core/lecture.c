/*
 * Lecture analysis (lecture.h): change measure, motion mask, slide changes, content class.
 * 16x16 luma blocks, measured a row of blocks at a time by the blockdiff kernel (filters/, SIMD).
 * Thresholds (doc/LECTURE.md has how they were chosen):
 *   a block "changed" when its mean absolute difference from the previous picture exceeds CHANGE_MEAN or one of
 *   its pixels moved by more than CHANGE_MAX (a thin pen stroke or a caret changes few pixels a lot), both raised
 *   with the noise floor (the lowest median block mean difference of the last H frames: NOISE_FACTOR times it, 4
 *   times for the max);
 *   a block is "motion" when it changed in at least two of the last H frames (H: half a second);
 *   a picture is "steady" when at most STEADY_FRAC of its non-motion blocks changed;
 *   a picture is "camera" when at least CAMERA_FRAC of its blocks differ at all from the picture before (mean
 *   difference >= 1: a camera's noise or movement) or are motion blocks;
 *   a still picture is an "inset" one when at most INSET_FRAC of its blocks differ at all (a picture-in-picture
 *   camera of up to half the width and height, a pointer, a small video in a slide);
 *   a picture is "live" when more than LIVE_FRAC of its blocks differ at all: more than a pointer or handwriting
 *   (a few blocks), as a camera inset (the generated one: 6 %); its IDR does not stand for held pictures (the
 *   x264 adapter's HELD_IDR_QP_OFFSET);
 *   a slide change is a burst of change after a steady picture, followed by two steady ones, that changed at least
 *   SLIDE_FRAC of the non-motion blocks, in a picture at least STATIC_MIN non-motion; a burst within the
 *   look-ahead (a cut) gets the IDR on its first frame, a longer one (a fade, up to two seconds) on the frame where
 *   it settles, the chapter still starting where it began;
 *   and at least SLIDE_FRAC of them changed in content, not only in tone: the steady picture before the burst, as
 *   means of CELL x CELL pixels, mapped onto the settled one's histogram by rank, still differs there by more than
 *   TONE_RESID (a camera's exposure, the room's lights: not a slide change);
 *   a burst that was not one may be the start of a fade (its blocks become motion blocks after two frames): once the
 *   picture settles within the longest transition (fade()), the settled picture against the one before the burst.
 */
#include "config.h"
#include "libstream/core/lecture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BS           16 /* luma block */
#define CHANGE_MEAN  3.0
#define CHANGE_MAX   40
#define NOISE_FACTOR 3.0
#define STEADY_FRAC  0.01
#define SLIDE_FRAC   0.20
#define STATIC_MIN   0.25
#define CAMERA_FRAC  0.40
#define INSET_FRAC   0.25
#define LIVE_FRAC    0.02
#define CELL         4    /* the tone check's cells: means of 4x4 luma, 16 to a block */
#define TONE_RESID   6    /* a block changed in what it shows: its cells' mean difference after the tone map */
#define N_FADES      4    /* bursts followed at once */
#define FADE_MOVING  0.10 /* a fade has settled when at most this share of its first burst's blocks are motion */

typedef struct Slot {
    LSPicture pic; /* the analysis's own (a copy or an exchange), handed on after the look-ahead */
    int64_t index;
    int changed;  /* non-motion blocks changed since the picture before */
    int n_static; /* non-motion blocks */
    int n_motion;
    int any_changed; /* blocks changed, motion ones included */
    int n_live;      /* blocks that differ at all (mean difference >= 1): a camera's noise, or motion */
    int repeat;      /* the picture before, exactly */
    int first;       /* no picture before it: nothing measured, its class is the next picture's */
    uint8_t *map;    /* per block: changed and non-motion */
    uint8_t *motion; /* per block: motion */
    int flags;
} Slot;

struct LSLecture {
    LStreamJob *job;
    LSLectureParams p;
    LSLectureSink sink;
    void *opaque;
    int bw, bh, nb;
    int hist_len, look, max_run;
    int have_prev;  /* the newest picture in the ring is the one before the next */
    uint64_t *hist; /* per block: changed bits of the last frames, bit 0 the latest */
    Slot *ring;
    int cap, head, count;
    int prev_steady;     /* the frame before the oldest in the ring was steady */
    int64_t burst_start; /* a burst of change longer than the look-ahead began at this frame (-1: none) */
    int burst_static, max_transition;
    uint8_t *burst_map; /* its changed non-motion blocks so far */
    uint32_t *sad;      /* every block's, this frame */
    uint8_t *max;
    int medians[32]; /* the median block difference of the last hist_len frames (the noise floor's memory) */
    int n_medians, at_median;
    int cw, ch;      /* cells */
    uint8_t *before; /* the cells of the steady picture before a burst of change */
    uint8_t *after;  /* the same of the picture where it settled */
    int have_before;
    /* bursts that were no slide change, whose picture may still settle into a new slide (a fade: its blocks keep
     * changing, so the motion mask takes them); several, so that a motion that never settles (a camera inset that
     * starts moving) does not hide a fade that begins while it is followed, nor a fade's later bursts its first */
    struct {
        int64_t start;   /* its first frame, -1: none */
        int n;           /* its changed blocks */
        uint8_t *map;    /* which */
        uint8_t *before; /* the cells of the steady picture before it */
    } fades[N_FADES];
};

static void no_fades(LSLecture *l)
{
    for (int i = 0; i < N_FADES; i++)
        l->fades[i].start = -1;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static int hist_frames(int fps_num, int fps_den) { return clampi((fps_num + fps_den) / (2 * fps_den), 3, 32); }

/* the longest slide transition (a fade, a wipe) followed: two seconds */
static int transition_frames(int fps_num, int fps_den) { return (int)((2LL * fps_num + fps_den - 1) / fps_den); }

int ls_lecture_history(int fps_num, int fps_den)
{
    return hist_frames(fps_num, fps_den) + 2 + transition_frames(fps_num, fps_den);
}

int ls_lecture_open(LSLecture **pl, LStreamJob *job, const LSLectureParams *p, LSLectureSink sink, void *opaque)
{
    LSLecture *l = ls_calloc(1, sizeof(*l));
    if (!l)
        return ls_fail(job, LSTREAM_ERR(ENOMEM), "out of memory");
    l->job = job;
    l->p = *p;
    l->sink = sink;
    l->opaque = opaque;
    l->hist_len = hist_frames(p->fps_num, p->fps_den);
    /* look-ahead: a third of a second (transitions up to two frames shorter) */
    /* (without detection one picture: the one handed on is then never the newest, which the next is compared with) */
    l->look = p->detect ? clampi((p->fps_num + p->fps_den) / (3 * p->fps_den), 4, 10) : 1;
    l->max_run = l->look - 2;
    l->cap = l->look + 1;
    l->prev_steady = 1;
    l->burst_start = -1;
    no_fades(l);
    l->max_transition = transition_frames(p->fps_num, p->fps_den);
    *pl = l;
    return 0;
}

/* At the first picture, its size known: the block grid and the pictures. */
static int alloc(LSLecture *l, int w, int h)
{
    l->p.w = w;
    l->p.h = h;
    l->bw = (w + BS - 1) / BS;
    l->bh = (h + BS - 1) / BS;
    l->nb = l->bw * l->bh;
    l->hist = ls_calloc(l->nb, sizeof(*l->hist));
    l->ring = ls_calloc(l->cap, sizeof(*l->ring));
    int err = !l->hist || !l->ring;
    l->cw = w / CELL;
    l->ch = h / CELL;
    err = err || !(l->sad = ls_calloc(l->nb, sizeof(uint32_t))) || !(l->max = ls_calloc(l->nb, 1)) ||
          !(l->burst_map = ls_calloc(l->nb, 1)) || !(l->before = ls_calloc((size_t)l->cw * l->ch + 1, 1)) ||
          !(l->after = ls_calloc((size_t)l->cw * l->ch + 1, 1));
    for (int i = 0; i < N_FADES && !err; i++)
        err =
            !(l->fades[i].before = ls_calloc((size_t)l->cw * l->ch + 1, 1)) || !(l->fades[i].map = ls_calloc(l->nb, 1));
    for (int i = 0; i < l->cap && !err; i++)
        err = !(l->ring[i].map = ls_malloc(l->nb)) || !(l->ring[i].motion = ls_malloc(l->nb)) ||
              ls_picture_alloc(&l->ring[i].pic, w, h);
    return err ? ls_fail(l->job, LSTREAM_ERR(ENOMEM), "cannot allocate the lecture analysis (%dx%d)", w, h) : 0;
}

void ls_lecture_close(LSLecture **pl)
{
    LSLecture *l = *pl;
    if (!l)
        return;
    if (l->ring)
        for (int i = 0; i < l->cap; i++) {
            ls_picture_free(&l->ring[i].pic);
            free(l->ring[i].map);
            free(l->ring[i].motion);
        }
    free(l->ring);
    free(l->hist);
    free(l->sad);
    free(l->max);
    free(l->burst_map);
    free(l->before);
    for (int i = 0; i < N_FADES; i++) {
        free(l->fades[i].before);
        free(l->fades[i].map);
    }
    free(l->after);
    free(l);
    *pl = NULL;
}

static void copy_rect(LSPicture *dst, const LSPicture *src, int p, int x, int y, int w, int h)
{
    for (int j = 0; j < h; j++)
        memcpy(dst->data[p] + (y + j) * dst->stride[p] + x, src->data[p] + (y + j) * src->stride[p] + x, w);
}

static void copy_picture(LSPicture *dst, const LSPicture *src)
{
    for (int p = 0; p < 3; p++)
        copy_rect(dst, src, p, 0, 0, p ? (src->w + 1) / 2 : src->w, p ? (src->h + 1) / 2 : src->h);
}

/* The picture before the next one pushed: the newest in the ring (ls_lecture_push() hands on the oldest, never the
 * newest). */
static const LSPicture *newest(const LSLecture *l) { return &l->ring[(l->head + l->count + l->cap - 1) % l->cap].pic; }

/* The change measure of @p pic against the picture before it, into slot @p s. */
static void measure(LSLecture *l, const LSPicture *pic, Slot *s)
{
    const LSPicture *prev = newest(l);
    const uint64_t window = (l->hist_len >= 64 ? ~0ull : (1ull << l->hist_len) - 1);
    s->changed = s->n_static = s->n_motion = s->any_changed = s->n_live = 0;
    /* every block's difference first: the frame's noise floor is the median block's mean difference (most of a
     * lecture's picture does not change), and a block changed only well above it (a camera filming the
     * projector, a noisy capture: the thresholds rise with the noise) */
    unsigned hist[256] = { 0 };
    if (l->have_prev)
        for (int by = 0; by < l->bh; by++) {
            const int y = by * BS, h = l->p.h - y < BS ? l->p.h - y : BS;
            l->job->dsp.blockdiff(pic->data[0] + y * pic->stride[0], pic->stride[0],
                                  prev->data[0] + y * prev->stride[0], prev->stride[0], l->p.w, h, BS,
                                  l->sad + by * l->bw, l->max + by * l->bw);
            for (int bx = 0; bx < l->bw; bx++) {
                const int w = l->p.w - bx * BS < BS ? l->p.w - bx * BS : BS;
                const uint32_t mean = l->sad[by * l->bw + bx] / (uint32_t)(w * h);
                hist[mean < 255 ? mean : 255]++;
            }
        }
    int median = 0;
    for (unsigned acc = 0; median < 255 && (acc += hist[median]) * 2 < (unsigned)l->nb;)
        median++;
    /* the floor is the lowest median of the last half second: a camera's noise is in every frame, while a slide
     * change that covers most of the picture (a dark slide after a white one) raises one frame's median only */
    int noise = median;
    for (int i = 0; i < l->n_medians; i++)
        noise = l->medians[i] < noise ? l->medians[i] : noise;
    if (l->have_prev) {
        l->medians[l->at_median] = median;
        l->at_median = (l->at_median + 1) % l->hist_len;
        l->n_medians += l->n_medians < l->hist_len;
    }
    s->first = !l->have_prev;
    s->n_live = (int)(l->nb - hist[0]);
    /* an exact repeat: no luma block differs (a SAD of 0), and neither chroma plane (compared only then) */
    s->repeat = l->have_prev;
    for (int b = 0; b < l->nb && s->repeat; b++)
        s->repeat = !l->sad[b];
    for (int p = 1; p < 3 && s->repeat; p++) {
        const int cw = (l->p.w + 1) / 2, ch = (l->p.h + 1) / 2;
        for (int y = 0; y < ch && s->repeat; y++)
            s->repeat = !memcmp(pic->data[p] + y * pic->stride[p], prev->data[p] + y * prev->stride[p], cw);
    }
    const double thr_mean = CHANGE_MEAN + NOISE_FACTOR * noise;
    const int thr_max = CHANGE_MAX + 4 * noise;
    for (int by = 0, b = 0; by < l->bh; by++) {
        const int h = l->p.h - by * BS < BS ? l->p.h - by * BS : BS;
        for (int bx = 0; bx < l->bw; bx++, b++) {
            const int w = l->p.w - bx * BS < BS ? l->p.w - bx * BS : BS;
            const int changed = l->have_prev && (l->sad[b] > thr_mean * w * h || l->max[b] > thr_max);
            /* motion: changed in two of the frames before this one (its own change does not count) */
            const int motion = __builtin_popcountll(l->hist[b] & window) >= 2;
            l->hist[b] = l->hist[b] << 1 | (uint64_t)changed;
            s->map[b] = (uint8_t)(changed && !motion);
            s->motion[b] = (uint8_t)motion;
            s->n_motion += motion;
            s->n_static += !motion;
            s->changed += changed && !motion;
            s->any_changed += changed;
        }
    }
    l->have_prev = 1;
}

static Slot *slot_at(LSLecture *l, int k) { return &l->ring[(l->head + k) % l->cap]; }

static int steady(const Slot *s) { return s->changed <= STEADY_FRAC * s->n_static; }

/* The means of @p pic's 4x4 luma cells (whole cells only). */
static void cells(const LSLecture *l, const LSPicture *pic, uint8_t *out)
{
    const ptrdiff_t st = pic->stride[0];
    for (int cy = 0; cy < l->ch; cy++) {
        const uint8_t *row = pic->data[0] + cy * CELL * st;
        for (int cx = 0; cx < l->cw; cx++) {
            unsigned sum = 8;
            for (int y = 0; y < CELL; y++)
                for (int x = 0; x < CELL; x++)
                    sum += row[y * st + cx * CELL + x];
            out[cy * l->cw + cx] = (uint8_t)(sum / (CELL * CELL));
        }
    }
}

/* Of the blocks whose @p map entry is @p in (the ones changed in a burst, or a picture's non-motion ones), those whose picture changed in what it shows, not only in tone: the
 * cells of @p after against the steady picture before the burst taken through the monotone tone map that matches
 * their histograms. A camera filming the projector that changes its exposure, the room's lights, a screen's
 * brightness: one maps onto the other (a slide change it is not). A new slide does not: its text is elsewhere. */
static int changed_content(LSLecture *l, const uint8_t *before, const LSPicture *after, const uint8_t *map, int in,
                           int changed)
{
    if (!l->have_before || !l->cw || !l->ch)
        return changed;
    const int n = l->cw * l->ch;
    cells(l, after, l->after);
    uint32_t hb[256] = { 0 }, ha[256] = { 0 };
    for (int i = 0; i < n; i++) {
        hb[before[i]]++;
        ha[l->after[i]]++;
    }
    /* level v before -> the level after at the same rank (the middle of v's share of the cells) */
    uint8_t lut[256];
    uint64_t below = 0, acc = ha[0];
    int u = 0;
    for (int v = 0; v < 256; v++) {
        const uint64_t rank = 2 * below + hb[v]; /* twice the middle rank */
        while (u < 255 && 2 * acc < rank)
            acc += ha[++u];
        lut[v] = (uint8_t)u;
        below += hb[v];
    }
    int content = 0;
    for (int by = 0; by < l->bh; by++)
        for (int bx = 0; bx < l->bw; bx++) {
            if (map[by * l->bw + bx] != in)
                continue;
            unsigned diff = 0, k = 0;
            for (int cy = by * BS / CELL; cy < (by + 1) * BS / CELL && cy < l->ch; cy++)
                for (int cx = bx * BS / CELL; cx < (bx + 1) * BS / CELL && cx < l->cw; cx++, k++) {
                    const int i = cy * l->cw + cx, d = lut[before[i]] - l->after[i];
                    diff += (unsigned)(d < 0 ? -d : d);
                }
            content += !k || diff > TONE_RESID * k; /* (a block of edge pixels only has no cell: counted) */
        }
    if (l->job->s.log_level >= LSTREAM_LOG_DEBUG)
        ls_log(l->job, LSTREAM_LOG_DEBUG, "lecture: %d blocks changed, %d of them in content (the rest in tone)",
               changed, content);
    return content;
}

/* A burst that began at @p start and changed the @p n blocks of l->burst_map was no slide change: it may be the
 * start of a fade. It is followed (fade()) unless a burst followed already covers most of its blocks (a fade's later
 * bursts: the first one's picture before is the one to compare with); in a free place, else the youngest one's (the
 * older ones may be where a change began). @p now: the frame deciding. */
static void pend(LSLecture *l, int64_t now, int64_t start, int n)
{
    if (!l->have_before || !n)
        return;
    int at = -1, youngest = 0;
    for (int i = 0; i < N_FADES; i++) {
        if (l->fades[i].start >= 0 && now - l->fades[i].start > l->max_transition + l->hist_len)
            l->fades[i].start = -1; /* (past its time: as in a chunk that never saw it) */
        if (l->fades[i].start < 0) {
            at = at < 0 ? i : at;
            continue;
        }
        int common = 0;
        for (int b = 0; b < l->nb; b++)
            common += l->fades[i].map[b] & l->burst_map[b];
        if (2 * common >= n)
            return;
        youngest = l->fades[i].start > l->fades[youngest].start ? i : youngest;
    }
    at = at < 0 ? youngest : at;
    l->fades[at].start = start;
    l->fades[at].n = n;
    memcpy(l->fades[at].map, l->burst_map, l->nb);
    memcpy(l->fades[at].before, l->before, (size_t)l->cw * l->ch);
}

/* Whether a burst that began at @p start, changed the @p changed blocks of l->burst_map out of @p n_static and
 * settled in @p after is a slide change (SLIDE_FRAC of them, in content); if not, it may be a fade's start. */
static int slide_change(LSLecture *l, int64_t now, int64_t start, const LSPicture *after, int changed, int n_static)
{
    if (changed >= SLIDE_FRAC * n_static &&
        changed_content(l, l->before, after, l->burst_map, 1, changed) >= SLIDE_FRAC * n_static) {
        no_fades(l);
        return 1;
    }
    pend(l, now, start, changed);
    return 0;
}

/* After a burst that was no slide change (pend()): a fade or a dissolve (PowerPoint's fade lasts 0.7 s, Keynote's
 * dissolve a second) changes the same blocks a little every frame, so the motion mask takes them after two frames
 * and the burst seems to end at a fraction of the slide. Once the picture has settled (steady, not a camera picture,
 * and no more than FADE_MOVING of the burst's blocks still motion), it is compared with the picture before the
 * burst, through the tone check, on its non-motion blocks: a new slide if SLIDE_FRAC of them changed in content.
 * Its chapter starts where the burst began, its IDR and picture are here. Not settled within the longest
 * transition and the motion mask's memory: motion (a video in a slide, scrolling), no slide change. The oldest burst
 * first, and a younger one only once it is decided (a long fade makes several bursts, the first where it began).
 * 1: a slide change here. */
static int fade(LSLecture *l, Slot *s, int cls)
{
    const int settled = cls != LS_CLASS_CAMERA && steady(s) && (l->count < 2 || steady(slot_at(l, 1))) &&
                        s->n_static >= STATIC_MIN * l->nb;
    for (;;) {
        int i = -1;
        for (int k = 0; k < N_FADES; k++)
            if (l->fades[k].start >= 0 && (i < 0 || l->fades[k].start < l->fades[i].start))
                i = k;
        if (i < 0)
            return 0;
        const int64_t len = s->index - l->fades[i].start;
        if (len > l->max_transition + l->hist_len) {
            l->fades[i].start = -1;
            continue;
        }
        int moving = 0; /* of the burst's blocks, those still motion */
        for (int b = 0; b < l->nb; b++)
            moving += l->fades[i].map[b] & s->motion[b];
        if (!settled || moving > FADE_MOVING * l->fades[i].n)
            return 0;
        l->fades[i].start = -1;
        if (changed_content(l, l->fades[i].before, &s->pic, s->motion, 0, s->n_static) < SLIDE_FRAC * s->n_static)
            continue;
        no_fades(l);
        s->flags |= LS_LECT_SLIDE | (int)len << LS_LECT_AGO_SHIFT | LS_LECT_PICTURE | (int)len << 8;
        return 1;
    }
}

/* Decide on the oldest picture in the ring (the ones after it are its look-ahead; past the end, all steady). */
static void decide(LSLecture *l)
{
    Slot *s = slot_at(l, 0);
    const int was_steady = l->prev_steady;
    l->prev_steady = steady(s);
    /* the steady picture a burst of change starts after: what the tone check compares with */
    if (l->p.detect && l->burst_start < 0 && l->prev_steady && l->count > 1 && !steady(slot_at(l, 1))) {
        cells(l, &s->pic, l->before);
        l->have_before = 1;
    }
    /* camera: most of the picture is live (a camera's noise or movement); else motion when what is not motion-masked
     * changes; else still. The stream's first picture has nothing to differ from: it is what the next one is. */
    const Slot *k = s->first && l->count > 1 ? slot_at(l, 1) : s;
    const int cls = k->n_motion >= CAMERA_FRAC * l->nb || k->n_live >= CAMERA_FRAC * l->nb ? LS_CLASS_CAMERA
                    : steady(k)                                                            ? LS_CLASS_STILL
                                                                                           : LS_CLASS_MOTION;
    s->flags |= cls << 4 | (s->repeat ? LS_LECT_REPEAT : 0) |
                (cls == LS_CLASS_STILL && k->n_live <= INSET_FRAC * l->nb ? LS_LECT_INSET : 0) |
                (k->n_live > LIVE_FRAC * l->nb ? LS_LECT_LIVE : 0);
    if (!l->p.detect)
        return;
    if (l->burst_start < 0 && fade(l, s, cls))
        return;
    if (l->burst_start >= 0) { /* a transition longer than the look-ahead (a fade, a wipe): until it settles */
        const int64_t len = s->index - l->burst_start;
        if (!steady(s) || !(l->count < 2 || steady(slot_at(l, 1)))) {
            for (int b = 0; b < l->nb; b++)
                l->burst_map[b] |= s->map[b];
            if (len > l->max_transition)
                l->burst_start = -1; /* not a transition: motion (a video, scrolling, a camera) */
            return;
        }
        int changed = 0;
        for (int b = 0; b < l->nb; b++)
            changed += l->burst_map[b];
        l->burst_start = -1;
        if (!slide_change(l, s->index, s->index - len, &s->pic, changed, l->burst_static))
            return;
        /* the slide changed where the transition began; the IDR and its picture where it settled, here */
        s->flags |= LS_LECT_SLIDE | (int)len << LS_LECT_AGO_SHIFT | LS_LECT_PICTURE | (int)len << 8;
        return;
    }
    if (!was_steady || steady(s) || s->n_static < STATIC_MIN * l->nb)
        return;
    /* a burst starting here: where does it end, and does the picture stay steady after it? */
    int end = -1;
    for (int j = 0; j < l->max_run && end < 0; j++) {
        const int a = j + 1 < l->count ? steady(slot_at(l, j + 1)) : 1;
        const int b = j + 2 < l->count ? steady(slot_at(l, j + 2)) : 1;
        if (a && b)
            end = j;
    }
    if (end < 0) { /* longer than the look-ahead: a slow transition, or motion; followed from here */
        l->burst_start = s->index;
        l->burst_static = s->n_static;
        memcpy(l->burst_map, s->map, l->nb);
        return;
    }
    int changed = 0;
    for (int b = 0; b < l->nb; b++) {
        int any = 0;
        for (int j = 0; j <= end; j++)
            any |= slot_at(l, j)->map[b];
        l->burst_map[b] = (uint8_t)any;
        changed += any;
    }
    /* its picture: the first steady frame after the burst (in the look-ahead; at the end of the stream, the last) */
    const int at = end + 1 < l->count ? end + 1 : l->count - 1;
    if (!slide_change(l, s->index, s->index, &slot_at(l, at)->pic, changed, s->n_static))
        return;
    s->flags |= LS_LECT_SLIDE;
    if (at > 0)
        slot_at(l, at)->flags |= LS_LECT_PICTURE | at << 8;
}

static int emit_oldest(LSLecture *l)
{
    decide(l);
    Slot *s = slot_at(l, 0);
    int err = s->index >= l->p.first ? l->sink(l->opaque, &s->pic, s->index, s->flags) : 0;
    l->head = (l->head + 1) % l->cap;
    l->count--;
    return err;
}

int ls_lecture_push(void *opaque, LSPicture *pic, int64_t index, int repeat)
{
    LSLecture *l = opaque;
    int err;
    if (!l->ring && (err = alloc(l, pic->w, pic->h)))
        return err;
    if (pic->w != l->p.w || pic->h != l->p.h)
        return ls_fail(l->job, LSTREAM_ERR_BUG, "lecture analysis: a %dx%d picture in a %dx%d stream", pic->w, pic->h,
                       l->p.w, l->p.h);
    Slot *s = slot_at(l, l->count);
    s->index = index;
    s->flags = 0;
    /* a repeat is the newest picture of the ring again (its planes may have been taken from @p pic) */
    const LSPicture *src = repeat && l->have_prev ? newest(l) : pic;
    measure(l, src, s);
    if (src == pic && pic->buf) { /* an exchange of two owned pictures of one size: no copy */
        const LSPicture t = s->pic;
        s->pic = *pic;
        *pic = t;
    } else
        copy_picture(&s->pic, src);
    l->count++;
    if (l->job->s.log_level >= LSTREAM_LOG_DEBUG)
        ls_log(l->job, LSTREAM_LOG_DEBUG, "lecture: frame %lld changed %d of %d static, %d motion, %d any, %d live",
               (long long)index, s->changed, s->n_static, s->n_motion, s->any_changed, s->n_live);
    return l->count == l->cap ? emit_oldest(l) : 0;
}

int ls_lecture_finish(LSLecture *l)
{
    int err = 0;
    while (l->count && !err)
        err = emit_oldest(l);
    return err;
}
