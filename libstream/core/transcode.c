/*
 * The pipeline driver: input -> normalise -> (per rung) scale -> encode -> CMAF segments, on one segment
 * plan; then manifests, validation and commit. It knows the seams, not what is behind them: an input ops
 * table, encoder ops tables found by codec, the packaging model, an output. Memory is bounded by one segment
 * of compressed media per rendition plus a few pictures, whatever the lecture's length.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/core/fqueue.h"
#include "libstream/core/lecture.h"
#include "libstream/core/thumbs.h"
#include "libstream/core/part.h"
#include "libstream/encode/encoder.h"
#include "libstream/input/input.h"
#include "libstream/package/model.h"
#include "libstream/output/output.h"

#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct Rung {
    LSRungPlan plan;
    const LSEncoderOps *ops;
    LSEncoderParams ep;
    LSEncoder enc;
    LSRendition rend;
    LSCmafWriter mux;
    LSPicture pic;
    LSPlaneScaler sc[3];
    /* a downscale too steep for one filter (8K to 240p) goes in two anti-aliased steps, through mid */
    LSPicture mid;
    LSPlaneScaler pre[3];
    int same_size;
    int64_t cur_seg;
    /* its latest packet, held until the next one's dts says how long it lasts (a held repeat lengthens it) */
    LSPacket pend;
    uint8_t *pend_buf;
    size_t pend_cap;
    int has_pend;
    int err; /* of its last encode task */
    struct Ctx *ctx;
} Rung;

typedef struct Ctx {
    LStreamJob *job;
    LSSourceInfo src;
    LSLadder ladder;
    LSLadderProbe probe; /* settings.ladder = auto: what chose the rungs */
    LSSegPlan plan;
    LSSegGrid grid;   /* the plan, restarted at slide changes (segplan.c): where each segment starts */
    int grid_restart; /* restart it at slide changes: a whole VOD run with the lecture analysis */
    int64_t grid_min; /* a segment shorter than this (frames) is not ended by a slide change */
    Rung rung[LSTREAM_MAX_RUNGS];
    int n_rungs;
    int64_t frame_ticks; /* video frame duration in the video timescale */
    int hold;            /* frames may be held: settings.hold_repeats, never live (on_frame) */
    int64_t held_run;    /* repeats held since the last frame encoded (settings.hold_repeats) */
    int64_t held;        /* frames held in this run */
    int64_t held_near;   /* of them, not exact repeats: within settings.hold_tolerance of the picture shown */
    int64_t held_inset;  /* of them, pictures of a still stretch between two encoded ones (settings.inset_fps) */
    int64_t max_held;    /* at most this many in a row: a sample lasts at most a second */
    int inset_every;     /* a still stretch encodes every this many pictures (settings.inset_fps; 1: all) */
    LSPicture shown;     /* the picture last encoded (hold_tolerance compares with it), when shown_ok */
    int shown_ok;
    uint32_t *near_sad; /* a row of blocks' differences (within_tolerance) */
    uint8_t *near_max;
    int near_cap; /* blocks they hold */
    /* the audio renditions (AAC, and Opus when asked for), each cut on the same plan */
    struct Audio {
        LSEncoder enc;
        LSRendition rend;
        LSCmafWriter mux;
        int64_t afr;   /* samples per packet */
        int64_t arate; /* timescale (samples per second) */
        int64_t seg;   /* current segment */
        int64_t packets;
        int64_t limit; /* packets past the video's end are dropped; -1 until known */
        int kbps;      /* its encoder's nominal rate */
        struct QueuedAudio {
            uint8_t *data;
            int size;
            int64_t index;
        } * aq; /* audio ahead of the video */
        int aq_n, aq_cap;
        struct Ctx *ctx;
    } audio[2];
    int n_audio;
    double t0; /* input time of output time 0 */
    int t0_known;
    int64_t frames;
    double progress_at;
    LSOutput out;
    /* one frame's rungs, scaled and encoded in parallel on the pool: one task per rung, the largest (first in
     * the ladder) taken first */
    LSPool *pool;
    const LSPicture *cur; /* the frame being scaled, then encoded */
    int64_t cur_index;
    int cur_idr;
    /* the input half: read, decode, normalise; on its own thread (pipelined) or the driver's */
    LSInput in;
    LSNormalizer *norm;
    LSLecture *lect;    /* between the normaliser and the driver half: analysis, look-ahead */
    double first_audio; /* input time of the first audio sample */
    LSFrameQueue *fq;   /* pipelined: the input thread's output; NULL: serial */
    /* what this run makes (part.h): the whole ladder, or one part of a chunked encode */
    LSPart part;
    int64_t seg_first, seg_end;     /* video segments encoded: [first, end); end -1: to the end */
    int64_t frame_first, frame_end; /* the same in frames */
    int stop;                       /* the input reached frame_end: read no more */
    int start_checked;              /* a part-way start was checked to decode frame_first as a whole run does */
    const char *outdir;             /* the ladder's folder (parts sit beside it) */
    struct Loud {
        int measured;
        double input_lufs, peak_db, gain_db;
        const char *limit;
    } loud; /* loudness normalisation: measured before the audio encoders open */
    /* what the lecture analysis found in the frames this run encoded */
    int64_t *slides; /* frames where a slide change starts (IDR, chapter) */
    int n_slides, cap_slides;
    int64_t class_frames[LS_N_CLASSES];
    int tuned;                    /* the content class the encoders are tuned for (-1: not yet) */
    int64_t tune_run, tune_after; /* frames in a row of another class; how many switch the tuning */
    int64_t tunings;              /* switches */
    int64_t tuned_frames[2];      /* frames while tuned for a screen, for a camera */
    LSThumbs *thumbs;             /* thumbnails from the pictures of rung thumb_rung (whole runs) */
    int thumb_rung;
    /* live (ls_run_live): manifests as segments complete, rates declared from the caps, keeping up */
    int live;
    int64_t live_n;                     /* segments every rendition has, in the live manifests */
    double wall0;                       /* wall clock (Unix seconds) when output time 0 was read */
    double mono0;                       /* ls_now() then */
    double ast;                         /* DASH availabilityStartTime */
    double declared[LS_MAX_RENDITIONS]; /* L6: bit/s per rendition, in listing order */
    int64_t over;                       /* segments over their declared rate */
    double lag, max_lag;                /* how far the frames reaching the encoders are behind the source, s */
    int faster;                         /* encoder speed steps taken */
    double faster_at[4], faster_wall;   /* media time of each; wall time of the last */
} Ctx;

/* ---- audio segmentation: cut at the audio frame nearest each planned boundary ---- */
typedef struct Audio Audio;

static int64_t audio_boundary(const Audio *a, int64_t s)
{
    const Ctx *c = a->ctx;
    const int64_t u = ls_seggrid_start(&c->grid, s);
    /* boundary time = u * unit_num / unit_den s; in this rendition's frames, rounded to nearest (for the first
     * audio rendition of an audio-only input, the plan's units are its frames: u itself) */
    const int64_t num = u * c->plan.unit_num * a->arate, den = c->plan.unit_den * a->afr;
    return (2 * num + den) / (2 * den);
}

static int audio_write(Audio *a, const LSPacket *pkt)
{
    Ctx *c = a->ctx;
    const int64_t i = pkt->pts / a->afr;
    int err;
    /* the next boundary from the grid each time: a slide change may have moved it earlier since (never to a packet
     * already written) */
    while (i >= audio_boundary(a, a->seg + 1)) {
        if ((err = ls_cmaf_flush(&a->mux)))
            return err;
        a->seg++;
    }
    a->packets++;
    if (!c->src.has_video && a == &c->audio[0])
        c->frames = a->packets;
    return ls_cmaf_add(&a->mux, pkt);
}

/* Audio packet @p i's middle is before the end of the video produced so far (or there is no video): every video
 * boundary it could be cut at (the nearest to a boundary) is decided, slide changes included. */
static int audio_covered(const Audio *a, int64_t i)
{
    const Ctx *c = a->ctx;
    if (!c->src.has_video)
        return 1;
    /* (i + 1/2) * afr / arate < frames * fps_den / fps_num, in integers */
    return (2 * i + 1) * a->afr * c->ladder.fps_num < 2 * c->frames * c->ladder.fps_den * a->arate;
}

/* Write queued audio the video has caught up with; at the end (limit known) the rest up to the limit. */
static int drain_audio(Audio *a, int all)
{
    int k = 0, err = 0;
    for (; k < a->aq_n && !err; k++) {
        struct QueuedAudio *q = &a->aq[k];
        if (!all && !audio_covered(a, q->index))
            break;
        if (a->limit < 0 || q->index < a->limit) {
            LSPacket p = { .data = q->data,
                           .size = q->size,
                           .pts = q->index * a->afr,
                           .dts = q->index * a->afr,
                           .duration = a->afr,
                           .key = 1 };
            err = audio_write(a, &p);
        }
        free(q->data);
    }
    if (k) {
        memmove(a->aq, a->aq + k, sizeof(*a->aq) * (a->aq_n - k));
        a->aq_n -= k;
    }
    return err;
}

/* The audio is cut to the video's length, which is known only at the end: packets that run ahead of the
 * video wait in a queue (a few seconds at most, as the demuxer interleaves by time). */
static int on_audio_packet(void *opaque, const LSPacket *pkt)
{
    Audio *a = opaque;
    const int64_t i = pkt->pts / a->afr;
    if (a->limit >= 0 && i >= a->limit)
        return 0; /* past the end of the video */
    if (!a->aq_n && audio_covered(a, i))
        return audio_write(a, pkt);
    if (a->aq_n == a->aq_cap) {
        int cap = a->aq_cap ? a->aq_cap * 2 : 64;
        void *q = ls_realloc(a->aq, sizeof(*a->aq) * cap);
        if (!q)
            return LSTREAM_ERR(ENOMEM);
        a->aq = q;
        a->aq_cap = cap;
    }
    struct QueuedAudio *q = &a->aq[a->aq_n];
    if (!(q->data = ls_malloc(pkt->size ? pkt->size : 1)))
        return LSTREAM_ERR(ENOMEM);
    memcpy(q->data, pkt->data, pkt->size);
    q->size = pkt->size;
    q->index = i;
    a->aq_n++;
    return 0;
}

/* ---- video ---- */
/* The rung's held packet to its segment, lasting until @p next_dts (frames): the next packet's dts, or the end of
 * what this run encodes. */
static int commit_video(Rung *r, int64_t next_dts)
{
    if (!r->has_pend)
        return 0;
    Ctx *c = r->ctx;
    r->has_pend = 0;
    const LSPacket *pkt = &r->pend;
    if (next_dts <= pkt->dts)
        return ls_fail(c->job, LSTREAM_ERR_BUG, "rung %s: decode times do not rise (%lld after %lld)", r->plan.name,
                       (long long)next_dts, (long long)pkt->dts);
    LSPacket p = *pkt;
    p.pts *= c->frame_ticks;
    p.dts *= c->frame_ticks;
    p.duration = (next_dts - pkt->dts) * c->frame_ticks;
    return ls_cmaf_add(&r->mux, &p);
}

static int on_video_packet(void *opaque, const LSPacket *pkt)
{
    Rung *r = opaque;
    Ctx *c = r->ctx;
    int err = commit_video(r, pkt->dts);
    if (err)
        return err;
    /* the first packet of the next segment closes this one at once (the packet held before it was its last): a
     * live segment is published when it is whole, not a packet later */
    const int64_t seg = ls_seggrid_segment_of(&c->grid, pkt->pts);
    if (seg != r->cur_seg) {
        if (!pkt->key || seg < r->cur_seg)
            return ls_fail(c->job, LSTREAM_ERR_BUG, "rung %s: segment %lld does not start with an IDR", r->plan.name,
                           (long long)seg);
        if ((err = ls_cmaf_close_segment(&r->mux))) /* written by the driver, after the frame */
            return err;
        r->cur_seg = seg;
    }
    if ((size_t)pkt->size > r->pend_cap) {
        uint8_t *b = ls_realloc(r->pend_buf, pkt->size);
        if (!b)
            return LSTREAM_ERR(ENOMEM);
        r->pend_buf = b;
        r->pend_cap = pkt->size;
    }
    memcpy(r->pend_buf, pkt->data, pkt->size);
    r->pend = *pkt;
    r->pend.data = r->pend_buf;
    r->pend.recon = NULL;
    r->has_pend = 1;
    return 0;
}

static void report_progress(Ctx *c, const char *stage, int force)
{
    LStreamJob *job = c->job;
    if (!job->s.progress_cb)
        return;
    double now = ls_now();
    if (!force && now - c->progress_at < 0.5)
        return;
    c->progress_at = now;
    LStreamProgress p = { 0 };
    if (c->src.has_video && c->ladder.fps_num > 0)
        p.media_done_s = (double)c->frames * c->ladder.fps_den / c->ladder.fps_num;
    else if (!c->src.has_video)
        p.media_done_s = c->n_audio ? (double)c->frames * c->audio[0].afr / c->audio[0].arate : 0;
    p.media_total_s = c->src.duration;
    p.elapsed_s = now - job->t_start;
    p.speed = p.elapsed_s > 0 ? p.media_done_s / p.elapsed_s : 0;
    p.frames_done = c->frames;
    p.stage = stage;
    job->s.progress_cb(job->s.progress_opaque, &p);
}

/* One rung on one frame: scale it from the source (its own scalers and picture), then encode it (its own
 * encoder, writer and rendition). Touches nothing another rung's task touches, so the rungs of a frame run in
 * parallel on the pool, the largest first; errors and messages go through the job's lock. */
/* Every settings.chunk_span segments a fresh encoder takes over: the one before is drained (its packets end
 * the segment) and opened again. What follows then depends on nothing before it, so a chunk cut on that grid
 * and encoded on another machine is byte for byte what this run makes (part.h); what it costs is measured
 * in BENCHMARKS.md.
 * The drains run in parallel (drain_task); closing and opening run on the driver thread while no encoder
 * works, so no encoder is ever opened beside another one encoding. The new encoder is opened before the old one
 * is closed: its memory is then never the old one's. */
static void drain_task(void *opaque, int i)
{
    Ctx *c = opaque;
    Rung *r = &c->rung[i];
    r->err = r->enc.ops->drain(r->enc.priv, 0, on_video_packet, r);
}

static int reopen_encoder(Ctx *c, Rung *r)
{
    int err;
    LSEncoder old = r->enc;
    LSCodecConfig cfg;
    err = ls_encoder_open(&r->enc, r->ops, c->job, &r->ep, &cfg);
    ls_encoder_close(&old);
    if (err)
        return err;
    /* the same stream configuration, or the init segment would not describe the new segments */
    const int same =
        cfg.config_size == r->rend.cfg.config_size && !memcmp(cfg.config, r->rend.cfg.config, cfg.config_size);
    ls_codec_config_free(&cfg);
    return same ? 0 : ls_fail(c->job, LSTREAM_ERR_BUG, "rung %s: the encoder changed its configuration", r->plan.name);
}

static void rung_task(void *opaque, int i)
{
    Ctx *c = opaque;
    Rung *r = &c->rung[i];
    if (!r->same_size) {
        const LSPicture *src = c->cur;
        if (r->mid.buf) {
            for (int p = 0; p < 3; p++)
                ls_plane_scale(&c->job->dsp, &r->pre[p], r->mid.data[p], r->mid.stride[p], src->data[p],
                               src->stride[p]);
            src = &r->mid;
        }
        for (int p = 0; p < 3; p++)
            ls_plane_scale(&c->job->dsp, &r->sc[p], r->pic.data[p], r->pic.stride[p], src->data[p], src->stride[p]);
    }
    r->err = r->enc.ops->encode_picture(r->enc.priv, r->same_size ? c->cur : &r->pic, c->cur_index, c->cur_idr,
                                        on_video_packet, r);
}

/* A slide change the analysis found: a chapter starts (and the frame becomes an IDR). */
static int add_slide(Ctx *c, int64_t index)
{
    if (c->n_slides == c->cap_slides) {
        const int cap = c->cap_slides ? 2 * c->cap_slides : 64;
        int64_t *n = ls_realloc(c->slides, cap * sizeof(*n));
        if (!n)
            return ls_fail(c->job, LSTREAM_ERR(ENOMEM), "out of memory");
        c->slides = n;
        c->cap_slides = cap;
    }
    c->slides[c->n_slides++] = index;
    return 0;
}

/* ---- live: the manifests over the segments every rendition has, as they complete ---- */
static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The renditions in listing order (video largest first, then audio), as publish() lists them */
static int list_renditions(Ctx *c, LSRendition **r)
{
    int n = 0;
    if (c->src.has_video)
        for (int i = 0; i < c->n_rungs; i++)
            r[n++] = &c->rung[i].rend;
    for (int k = 0; k < c->n_audio; k++)
        r[n++] = &c->audio[k].rend;
    return n;
}

/* L6: the rate a live rendition is declared with, in bit/s, before its segments exist: a video rung's VBV cap
 * plus what its buffer lets one segment add over it (VBV bounds the bits of any span T by max * T + buffer),
 * an audio encoder's nominal rate; plus the container (a moof per segment, about 16 bytes per sample). 0: a
 * rung without a cap (its rate is then estimated from the segments so far). */
static double declared_rate(const Ctx *c, int k)
{
    const double target = c->job->s.segment_duration, moof = 600 * 8 / target;
    if (c->src.has_video && k < c->n_rungs) {
        const LStreamRung *r = &c->rung[k].plan.rung;
        if (r->max_kbps <= 0)
            return 0;
        const double buf = (r->buffer_kbits > 0 ? r->buffer_kbits : r->max_kbps) * 1000.0;
        const double fps = (double)c->ladder.fps_num / c->ladder.fps_den;
        return (r->max_kbps * 1000.0 + buf / target) * 1.02 + fps * 16 * 8 + moof;
    }
    const Audio *a = &c->audio[k - (c->src.has_video ? c->n_rungs : 0)];
    return a->kbps * 1000.0 * 1.05 + (double)a->arate / a->afr * 16 * 8 + moof;
}

/* Keeping up: how far behind the source the encoders are; past 1.5 s and growing, a faster encoder setting
 * (at most every 10 s; two steps), logged and in ladder.json. Frames that still come too late are dropped by
 * the capture's bounded queue and the normaliser fills the gap, so the delay stays bounded. */
static int keep_up(Ctx *c)
{
    if (!c->src.has_video || c->mono0 <= 0)
        return 0;
    const double media = (double)c->frames * c->ladder.fps_den / c->ladder.fps_num;
    const double now = ls_now(), lag = now - c->mono0 - media;
    c->lag = lag;
    c->max_lag = fmax(c->max_lag, lag);
    if (lag < 1.5 || c->faster >= 2 || now - c->faster_wall < 10)
        return 0;
    c->faster_wall = now;
    int stepped = 0;
    for (int i = 0; i < c->n_rungs; i++) {
        Rung *r = &c->rung[i];
        if (!r->enc.ops->faster)
            continue;
        int err = r->enc.ops->faster(r->enc.priv, c->faster + 1);
        if (err < 0)
            return err;
        stepped |= err == 0;
    }
    if (!stepped)
        return 0;
    c->faster_at[c->faster++] = media;
    ls_log(c->job, LSTREAM_LOG_WARNING,
           "live: %.1f s behind the source at %.1f s: encoders step to faster settings (level %d of 2)", lag, media,
           c->faster);
    return 0;
}

static int live_update(Ctx *c)
{
    LSRendition *r[LS_MAX_RENDITIONS];
    const int n = list_renditions(c, r);
    int64_t done = INT64_MAX;
    for (int k = 0; k < n; k++)
        done = r[k]->n_seg < done ? r[k]->n_seg : done;
    if (!n || done <= c->live_n)
        return keep_up(c);
    LStreamJob *job = c->job;
    const double target = job->s.segment_duration;
    /* L6: each new segment against its rendition's declared rate */
    for (int k = 0; k < n; k++) {
        if (!c->live_n)
            c->declared[k] = declared_rate(c, k);
        for (int64_t i = c->live_n; i < done; i++) {
            const double d = ls_seg_seconds(r[k], i), rate = d > 0 ? r[k]->seg[i].bytes * 8.0 / d : 0;
            if (c->declared[k] > 0 && rate > c->declared[k]) {
                c->over++;
                ls_log(job, LSTREAM_LOG_WARNING, "live: %s segment %lld: %.0f bit/s, over the %.0f declared (L6)",
                       r[k]->id, (long long)i + 1, rate, c->declared[k]);
            }
        }
    }
    const int first_time = !c->live_n;
    c->live_n = done;
    if (first_time) {
        /* DASH: a segment is announced at availabilityStartTime + its end; the first one was written just now, the
         * others follow as fast as the source, with half a second to spare */
        const LSRendition *r0 = r[0];
        const double end = (double)(r0->seg[done - 1].start + r0->seg[done - 1].duration) / r0->cfg.timescale;
        c->ast = wall_now() - end + 0.5;
        if (c->ast < c->wall0)
            c->ast = c->wall0;
    }
    LSPresentation pres = { 0 };
    pres.target = target;
    pres.min_buffer = target;
    pres.fps_num = c->ladder.fps_num;
    pres.fps_den = c->ladder.fps_den;
    pres.availability_start = c->ast;
    pres.program_date = c->wall0;
    const int window = job->s.live_window;
    pres.event = window == 0;
    const int64_t first = window && done > window ? done - window : 0, count = done - first;
    int err = 0;
    for (int k = 0; k < n && !err; k++) {
        pres.r[pres.n++] = r[k];
        if ((err = ls_rendition_measure(r[k], target, target, first, count)))
            return err;
        if (c->declared[k] <= 0) { /* no cap: a quarter over the highest rate so far */
            double peak = 0;
            for (int64_t i = 0; i < done; i++)
                peak = fmax(peak, r[k]->seg[i].bytes * 8.0 / fmax(ls_seg_seconds(r[k], i), 1e-3));
            if (first_time)
                ls_log(job, LSTREAM_LOG_WARNING,
                       "live: rung %s has no rate cap (max_kbps): its BANDWIDTH is estimated from its segments",
                       r[k]->id);
            r[k]->peak = r[k]->dash_bw = peak * 1.25;
        } else {
            r[k]->peak = r[k]->dash_bw = c->declared[k];
        }
    }
    for (int64_t i = first; i < done; i++)
        pres.duration += ls_seg_seconds(r[0], i);
    if ((err = ls_write_hls(&c->out, &pres, first, count, 0)) || (err = ls_write_dash(&c->out, &pres, first, count, 0)))
        return err;
    if (first_time)
        ls_log(job, LSTREAM_LOG_INFO, "live: the first segment is published (%s, %s)", LS_NAME_MASTER, LS_NAME_MPD);
    err = keep_up(c);
    /* -v: how long after its last frame was captured each segment reached the playlists (the pipeline's share of a
     * player's latency) */
    const double now = ls_now() - c->mono0,
                 end = (double)(r[0]->seg[done - 1].start + r[0]->seg[done - 1].duration) / r[0]->cfg.timescale;
    ls_log(job, LSTREAM_LOG_DEBUG, "live: segment %lld published %.2f s after its end (encoders %.2f s behind)",
           (long long)done, now - end, c->lag);
    return err;
}

/* Content tuning (encoder.h content(), lecture mode): fresh encoders (a run's or a chunk's span's first picture)
 * take that picture's class at once (the stream's first picture is classed as the next one: lecture.c), then switch
 * only once another class has lasted a second in a row (a pointer's flicker does not switch them). A chunk tunes as
 * the whole run does: both start afresh at a span's first picture. */
static int tune_content(Ctx *c, int cls)
{
    if (cls == c->tuned) {
        c->tune_run = 0;
        return 0;
    }
    if (c->tuned >= 0 && ++c->tune_run < c->tune_after) /* fresh encoders take the class at once */
        return 0;
    c->tune_run = 0;
    c->tunings += c->tuned >= 0;
    c->tuned = cls;
    for (int i = 0; i < c->n_rungs; i++) {
        Rung *r = &c->rung[i];
        int err;
        if (r->enc.ops->content && (err = r->enc.ops->content(r->enc.priv, cls)))
            return err;
    }
    return 0;
}

/* Does no sample of @p pic differ from the picture shown (the last encoded) by more than @p tol? The blockdiff
 * kernel (filters/, SIMD) a row of 16 lines at a time, stopping at the first row that does. */
static int within_tolerance(Ctx *c, const LSPicture *pic, int tol)
{
    for (int p = 0; p < 3; p++) {
        const int w = p ? (pic->w + 1) / 2 : pic->w, h = p ? (pic->h + 1) / 2 : pic->h, nb = (w + 15) / 16;
        for (int y = 0; y < h; y += 16) {
            c->job->dsp.blockdiff(pic->data[p] + (ptrdiff_t)y * pic->stride[p], pic->stride[p],
                                  c->shown.data[p] + (ptrdiff_t)y * c->shown.stride[p], c->shown.stride[p], w,
                                  h - y < 16 ? h - y : 16, 16, c->near_sad, c->near_max);
            for (int b = 0; b < nb; b++)
                if (c->near_max[b] > tol)
                    return 0;
        }
    }
    return 1;
}

/* Keep the picture about to be encoded as the one shown, for hold_tolerance; not on a camera (its noise is never
 * within the tolerance: no copy, no comparison) */
static int keep_shown(Ctx *c, const LSPicture *pic, int cls)
{
    c->shown_ok = 0;
    if (!c->hold || !c->job->s.hold_tolerance || cls == LS_CLASS_CAMERA)
        return 0;
    int err = ls_picture_ensure(&c->shown, pic->w, pic->h);
    if (err)
        return err;
    const int nb = (pic->w + 15) / 16;
    if (nb > c->near_cap) {
        free(c->near_sad);
        free(c->near_max);
        c->near_max = NULL;
        c->near_cap = 0;
        if (!(c->near_sad = malloc((size_t)nb * sizeof(*c->near_sad))) || !(c->near_max = malloc((size_t)nb)))
            return LSTREAM_ERR(ENOMEM);
        c->near_cap = nb;
    }
    for (int p = 0; p < 3; p++) {
        const int w = p ? (pic->w + 1) / 2 : pic->w, h = p ? (pic->h + 1) / 2 : pic->h;
        for (int y = 0; y < h; y++)
            memcpy(c->shown.data[p] + (ptrdiff_t)y * c->shown.stride[p], pic->data[p] + (ptrdiff_t)y * pic->stride[p],
                   w);
    }
    c->shown_ok = 1;
    return 0;
}

static int on_frame(void *opaque, LSPicture *pic, int64_t index, int flags)
{
    Ctx *c = opaque;
    if (c->frame_end >= 0 && index >= c->frame_end) {
        c->stop = 1; /* the next chunk's: this run is done */
        return 0;
    }
    const int slide = (flags & LS_LECT_SLIDE) && index > 0;
    if (slide && c->grid_restart) { /* the slide's IDR starts a segment, not one more inside it */
        const int err = ls_seggrid_restart(&c->grid, index, c->grid_min);
        if (err < 0)
            return err;
    }
    const int64_t seg = ls_seggrid_segment_of(&c->grid, index);
    const int seg_start = ls_seggrid_start(&c->grid, seg) == index;
    const int force_idr = seg_start || slide;
    c->class_frames[LS_LECT_CLASS(flags)]++;
    if (slide) {
        int err = add_slide(c, index - LS_LECT_SLIDE_AGO(flags));
        if (err)
            return err;
    }
    const int span = c->job->s.chunk_span;
    /* a new span (not the run's first frame, whose encoders are fresh): fresh encoders */
    if (seg_start && span && index > c->frame_first && seg % span == 0) {
        ls_pool_run(c->pool, drain_task, c, c->n_rungs);
        for (int i = 0; i < c->n_rungs; i++) {
            int err = c->rung[i].err;
            if (err || (err = reopen_encoder(c, &c->rung[i])))
                return err;
        }
        c->tuned = -1;
    }
    if (c->job->s.lecture) {
        const int err = tune_content(c, LS_LECT_CLASS(flags));
        if (err)
            return err;
        c->tuned_frames[c->tuned == LS_CLASS_CAMERA]++;
    }
    /* an exact repeat of the picture before, or within hold_tolerance of the picture shown (never a segment's or a
     * slide's IDR, at most a second in a row): no rung scales or encodes it, the sample before lasts a frame longer
     * (commit_video). Chunks decide as a whole run does: a chunk starts on a segment's IDR, which is encoded.
     * Never live: x264 gives a frame out only once its lookahead holds the frames after it, so on a still screen
     * (a frame a second) a segment would reach the playlists 15 s late (measured, doc/LECTURE.md).
     * On a still stretch whose only motion is a small part of the picture (a camera inset, a pointer: the
     * analysis's LS_LECT_INSET), the pictures between every inset_every-th are held too (settings.inset_fps):
     * the slide shows the same, the inset moves at half the rate (30 fps -> 15), and the encoders' work, which on
     * such a lecture is per picture, not per moving block, halves (doc/LECTURE.md, BENCHMARKS.md). */
    const int can_hold = c->hold && !force_idr && c->held_run < c->max_held;
    const int exact = can_hold && (flags & LS_LECT_REPEAT);
    const int inset = can_hold && !exact && (flags & LS_LECT_INSET) && c->held_run + 1 < c->inset_every;
    const int near = can_hold && !exact && !inset && c->shown_ok && LS_LECT_CLASS(flags) != LS_CLASS_CAMERA &&
                     within_tolerance(c, pic, c->job->s.hold_tolerance);
    if (exact || inset || near) {
        c->held_run++;
        c->held++;
        c->held_near += near;
        c->held_inset += inset;
    } else {
        int err = keep_shown(c, pic, LS_LECT_CLASS(flags));
        if (err)
            return err;
        c->held_run = 0;
        c->cur = pic;
        c->cur_index = index;
        /* a new slide's IDR, or a screen's where no more than a pointer is live, stands for the held pictures after
         * it (LS_IDR_STANDS); where a camera inset is live, every other picture after it is encoded */
        const int screen = LS_LECT_CLASS(flags) != LS_CLASS_CAMERA && !(flags & LS_LECT_LIVE);
        const int stands = c->hold && (slide || screen);
        c->cur_idr = force_idr ? LS_IDR_FORCE | (stands ? LS_IDR_STANDS : 0) : 0;
        ls_pool_run(c->pool, rung_task, c, c->n_rungs);
        c->cur = NULL;
    }
    /* the segments the rungs closed go to the output from this thread, one object at a time, in rung order */
    for (int i = 0; i < c->n_rungs; i++) {
        int err = c->rung[i].err;
        if (err || (err = ls_cmaf_write_pending(&c->rung[i].mux)))
            return err;
    }
    if (c->thumbs) { /* the storyboard, and the start's and each slide's settled picture */
        const Rung *r = &c->rung[c->thumb_rung];
        const int64_t key = index == 0 ? 0 : flags & LS_LECT_PICTURE ? index - LS_LECT_PICTURE_AGO(flags) : -1;
        int err = ls_thumbs_frame(c->thumbs, r->same_size ? pic : &r->pic, index, key);
        if (err)
            return err;
    }
    c->frames = index + 1;
    report_progress(c, "transcode", 0);
    int err = 0;
    for (int k = 0; k < c->n_audio && !err; k++)
        if (c->audio[k].aq_n)
            err = drain_audio(&c->audio[k], 0);
    if (!err && c->live)
        err = live_update(c);
    return err;
}

/* every audio rendition's encoder takes the same samples (serial: its packets are cut at once) */
static int encode_audio(Ctx *c, const LSAudio *in, double offset)
{
    int err = 0;
    for (int k = 0; k < c->n_audio && !err; k++)
        err = c->audio[k].enc.ops->encode_audio(c->audio[k].enc.priv, in, offset, on_audio_packet, &c->audio[k]);
    if (!err && !c->src.has_video)
        report_progress(c, "transcode", 0);
    return err;
}

/* ---- the input half: read and normalise, handing frames and audio to the driver half ---- */
static int to_queue(void *opaque, LSPicture *pic, int64_t index, int flags)
{
    Ctx *c = opaque;
    if (c->frame_end >= 0 && index >= c->frame_end) {
        c->stop = 1;
        return 0;
    }
    return ls_fq_push_video(c->fq, pic, index, flags);
}

static int to_queue_packet(void *opaque, const LSPacket *pkt)
{
    Audio *a = opaque;
    return ls_fq_push_packet(a->ctx->fq, pkt, (int)(a - a->ctx->audio));
}

/* A run that starts part-way (a chunk) must show frame_first as a whole run does: the frame before it must
 * come from the decoder, not from the first picture decoded after the seek. */
static int check_start(Ctx *c)
{
    c->start_checked = 1;
    double first;
    if (c->frame_first <= 0 || !ls_normalizer_started(c->norm, &first))
        return 0;
    const double need = (c->frame_first - 0.5) * c->ladder.fps_den / c->ladder.fps_num;
    if (first <= need)
        return 0;
    return ls_fail(c->job, LSTREAM_ERR_INVALID_INPUT,
                   "input %s: chunk %d of %d starts at %.3f s, but the first picture that decodes after the key "
                   "frame before it is at %.3f s: this file cannot be cut there (encode it whole)",
                   c->src.path, c->part.k, c->part.n, need, first);
}

/* Read the whole input; each normalised frame goes to the normaliser's sink (on_frame, or to_queue when
 * pipelined), each audio buffer to the encoder or the queue. Ends by filling the normaliser's last slots. */
static int read_input(Ctx *c)
{
    LSInputItem item;
    int err;
    while ((err = ls_input_read(&c->in, &item)) == 0) {
        if (c->live && c->mono0 <= 0) { /* time 0 on the wall clock: the first picture or sound read */
            c->wall0 = wall_now();
            c->mono0 = ls_now();
        }
        if (item.type == LS_ITEM_VIDEO) {
            if (!c->t0_known) {
                c->t0 = isnan(item.video.pts) ? 0 : item.video.pts;
                c->t0_known = 1;
            }
            if ((err = ls_normalizer_push(c->norm, &item.video)))
                return err;
            if (!c->start_checked && (err = check_start(c)))
                return err;
            if (c->stop)
                return 0;
        } else if (item.type == LS_ITEM_AUDIO && c->n_audio) {
            const double pts = item.audio.pts;
            if (isnan(c->first_audio))
                c->first_audio = isnan(pts) ? 0 : pts;
            if (!c->t0_known) { /* audio only, or a video stream without a start time */
                c->t0 = c->first_audio;
                c->t0_known = 1;
            }
            /* pipelined, the audio is encoded here too, off the driver's critical path; its packets follow */
            if (c->fq)
                for (int k = 0; k < c->n_audio && !err; k++)
                    err = c->audio[k].enc.ops->encode_audio(c->audio[k].enc.priv, &item.audio, c->first_audio - c->t0,
                                                            to_queue_packet, &c->audio[k]);
            else
                err = encode_audio(c, &item.audio, c->first_audio - c->t0);
            if (err)
                return err;
        }
    }
    if (err < 0)
        return err;
    if (c->norm && (err = ls_normalizer_finish(c->norm, 0)))
        return err;
    return c->lect && !c->stop ? ls_lecture_finish(c->lect) : 0;
}

static void *input_thread(void *opaque)
{
    Ctx *c = opaque;
    ls_ffmpeg_log_attach(c->job); /* FFmpeg's messages from this thread go to the job too */
    ls_fq_push_end(c->fq, read_input(c));
    ls_ffmpeg_log_attach(NULL);
    return NULL;
}

/* Pipelined: the input thread reads and normalises frame n+1 while this thread scales and encodes frame n. */
static int run_pipelined(Ctx *c)
{
    int err = ls_fq_open(&c->fq, 8);
    if (err)
        return ls_fail(c->job, err, "cannot allocate the frame queue");
    pthread_t th;
    if (pthread_create(&th, NULL, input_thread, c)) {
        ls_fq_close(&c->fq);
        return ls_fail(c->job, LSTREAM_ERR(EAGAIN), "cannot start the input thread");
    }
    for (;;) {
        LSQItem *it = ls_fq_pop(c->fq);
        if (it->type == LSQ_END) {
            err = it->status;
            ls_fq_release(c->fq);
            break;
        }
        err = it->type == LSQ_VIDEO ? on_frame(c, &it->pic, it->index, it->flags)
                                    : on_audio_packet(&c->audio[it->track], &it->packet);
        ls_fq_release(c->fq);
        if (err) {
            ls_fq_stop(c->fq); /* the input thread's next push fails, and it ends */
            break;
        }
    }
    pthread_join(th, NULL);
    ls_fq_close(&c->fq);
    return err;
}

/* The job's thread budget (settings.threads, or one per CPU) is shared, not given to every component: the
 * rungs of a frame are scaled and encoded in parallel on the pool (one thread per budget thread, driver
 * included), and the input is read and normalised on one more thread. Each encoder runs one frame at a time
 * (no x264 frame threads): the media are then byte-identical whatever the budget (x264's output depends on
 * its thread count), and on 2 CPUs it was also the fastest (frame threads cost CPU time while the rungs
 * already keep both cores busy). The cost: on machines with more CPUs than rungs, the largest rung is the
 * critical path. Before, each of 5 x264 took 1.5 threads per CPU for itself. */
enum { ENCODER_THREADS = 1 };

/* The rung's scalers from the source; when one filter cannot span the step (more taps than the kernels
 * take: about 16:1), two steps of equal ratio through an intermediate picture. */
static int open_scalers(Ctx *c, Rung *r)
{
    const int sw = c->src.width, sh = c->src.height, dw = r->plan.width, dh = r->plan.height;
    int err = ls_picture_alloc(&r->pic, dw, dh);
    if (err)
        return err;
    if ((err = ls_i420_scalers_init(r->sc, sw, sh, dw, dh)) != -ERANGE)
        return err ? ls_fail(c->job, LSTREAM_ERR(-err), "rung %s: cannot set up its scaler", r->plan.name) : 0;
    for (int p = 0; p < 3; p++)
        ls_plane_scaler_free(&r->sc[p]);
    const int mw = (int)lrint(dw * sqrt((double)sw / dw) / 2) * 2, mh = (int)lrint(dh * sqrt((double)sh / dh) / 2) * 2;
    if ((err = ls_picture_alloc(&r->mid, mw, mh)))
        return err;
    if ((err = ls_i420_scalers_init(r->pre, sw, sh, mw, mh)) == -ENOMEM ||
        (!err && (err = ls_i420_scalers_init(r->sc, mw, mh, dw, dh)) == -ENOMEM))
        return ls_fail(c->job, LSTREAM_ERR(ENOMEM), "rung %s: cannot set up its scaler", r->plan.name);
    if (err)
        return ls_fail(c->job, LSTREAM_ERR_UNSUPPORTED,
                       "input %s: cannot scale %dx%d to %dx%d, even in two steps (through %dx%d): a downscale beyond "
                       "about 250:1 is not supported",
                       c->src.path, sw, sh, dw, dh, mw, mh);
    ls_log(c->job, LSTREAM_LOG_INFO, "rung %s: %dx%d to %dx%d in two steps, through %dx%d", r->plan.name, sw, sh, dw,
           dh, mw, mh);
    return 0;
}

static int open_rungs(Ctx *c)
{
    LStreamJob *job = c->job;
    c->n_rungs = c->ladder.n;
    for (int i = 0; i < c->n_rungs; i++) {
        Rung *r = &c->rung[i];
        r->ctx = c;
        r->plan = c->ladder.r[i];
        if (!(r->ops = ls_encoder_find(LS_TRACK_VIDEO, r->plan.rung.codec)))
            return ls_fail(job, LSTREAM_ERR_SETTINGS, "rung %s: no encoder for video codec %d in this build",
                           r->plan.name, r->plan.rung.codec);
        r->ep = (LSEncoderParams){ .rung = &r->plan,
                                   .fps_num = c->ladder.fps_num,
                                   .fps_den = c->ladder.fps_den,
                                   .threads = c->live ? 2 : ENCODER_THREADS,
                                   .held = c->hold };
        int err = ls_encoder_open(&r->enc, r->ops, job, &r->ep, &r->rend.cfg);
        if (err)
            return err;
        /* (not snprintf: GCC -O1 with ASan warns the two arrays of one struct may overlap) */
        _Static_assert(sizeof(r->rend.id) == sizeof(r->plan.name), "rendition id and rung name have one size");
        memcpy(r->rend.id, r->plan.name, sizeof(r->rend.id));
        r->rend.id[sizeof(r->rend.id) - 1] = 0;
        r->rend.rung = &r->plan;
        if ((err = ls_cmaf_open(&r->mux, &r->rend, &c->out)))
            return err;
        ls_cmaf_start_at(&r->mux, c->seg_first);
        r->cur_seg = c->seg_first;
        r->same_size = r->plan.width == c->src.width && r->plan.height == c->src.height;
        if (!r->same_size && (err = open_scalers(c, r)))
            return err;
        ls_log(job, LSTREAM_LOG_INFO, "rung %s: %dx%d, %s, crf %.1f, max %d kbit/s", r->plan.name, r->plan.width,
               r->plan.height, r->rend.cfg.codec, r->plan.rung.crf, r->plan.rung.max_kbps);
    }
    /* the frame's ticks in the track timescale the encoders chose (one for every rung: same frame rate) */
    if (c->n_rungs)
        c->frame_ticks = (int64_t)c->rung[0].rend.cfg.timescale * c->ladder.fps_den / c->ladder.fps_num;
    c->max_held = c->ladder.fps_num / c->ladder.fps_den - 1; /* a sample (the frame and its repeats) <= 1 s */
    c->tuned = -1;
    c->tune_after = (c->ladder.fps_num + c->ladder.fps_den - 1) / c->ladder.fps_den;
    /* the per-frame tasks, one per rung, most pixels first, on a pool of one worker per budget thread
     * beside the driver, never more than there are rungs */
    int threads = job->s.threads ? job->s.threads : ls_cpu_count();
    if (threads > c->n_rungs)
        threads = c->n_rungs;
    int err = ls_pool_open(&c->pool, threads - 1);
    if (err)
        return ls_fail(job, err, "cannot start the encoding threads");
    return 0;
}

/* Loudness normalisation (settings.loudness): the audio alone decoded once and measured as the encoders will get
 * it (BS.1770, loudness.c), then one gain for the whole lecture: to the target, but never lifting the sample
 * peak above -2 dBFS (lossy codecs overshoot peaks: at -1 dBFS Opus reached +0.2), and within +-20 dB (a
 * near-silent file is not blown up into noise). */
static int measure_loudness(Ctx *c, const LSInputOps *ops)
{
    LStreamJob *job = c->job;
    const double target = job->s.loudness;
    if (target == 0 || !c->src.has_audio)
        return 0;
    LSInput in;
    LSSourceInfo info;
    LSLoudness *m = NULL;
    int err = ls_input_open(&in, ops, job, c->src.path, &info), rate = 0;
    if (!err && !(err = ls_input_select(&in, job, LS_ITEM_AUDIO, NAN))) {
        LSInputItem item;
        while ((err = ls_input_read(&in, &item)) == 0) {
            if (item.type != LS_ITEM_AUDIO)
                continue;
            if (!m && (err = ls_loudness_open(&m, rate = item.audio.sample_rate, job->s.audio_channels)))
                break;
            if (item.audio.sample_rate != rate || (err = ls_loudness_add(m, &item.audio))) {
                if (err == LSTREAM_ERR(ENOMEM))
                    break;
                ls_log(job, LSTREAM_LOG_WARNING, "input %s: the audio changes format midway: loudness left as it is",
                       c->src.path);
                ls_loudness_close(&m);
                err = LS_EOF;
                break;
            }
        }
    }
    ls_input_close(&in);
    if (err == LSTREAM_ERR(ENOMEM) || err == LSTREAM_ERR_CANCELLED) {
        ls_loudness_close(&m);
        return err;
    }
    if (err < 0) { /* a damaged file: the run itself says what is wrong with it; the audio is left as it is */
        ls_log(job, LSTREAM_LOG_INFO, "loudness not measured: %s", job->errmsg ? job->errmsg : lstream_strerror(err));
        free(job->errmsg);
        job->errmsg = NULL;
        ls_loudness_close(&m);
        return 0;
    }
    struct Loud *l = &c->loud;
    l->input_lufs = m ? ls_loudness_integrated(m) : -INFINITY;
    l->peak_db = m ? ls_loudness_peak_db(m) : -INFINITY;
    ls_loudness_close(&m);
    l->measured = 1;
    l->limit = "target";
    l->gain_db = isfinite(l->input_lufs) ? target - l->input_lufs : 0;
    if (!isfinite(l->input_lufs))
        l->limit = "silence";
    else if (l->gain_db > 0 && l->gain_db > -2.0 - l->peak_db) {
        l->gain_db = fmax(0, -2.0 - l->peak_db);
        l->limit = "peak";
    }
    if (fabs(l->gain_db) > 20) {
        l->gain_db = copysign(20, l->gain_db);
        l->limit = "range";
    }
    ls_log(job, LSTREAM_LOG_INFO, "loudness: %.1f LUFS, sample peak %.1f dBFS: gain %+.2f dB (%s), for %.1f LUFS",
           l->input_lufs, l->peak_db, l->gain_db, l->limit, target);
    return 0;
}

/* One audio rendition per audio codec the settings ask for: AAC always, Opus when opus_kbps is set. */
static int open_audio(Ctx *c)
{
    LStreamJob *job = c->job;
    const struct {
        int codec, kbps;
        const char *id;
    } want[2] = { { job->s.audio_codec, job->s.audio_kbps, LS_NAME_AUDIO },
                  { LSTREAM_AUDIO_OPUS, job->s.opus_kbps, LS_NAME_OPUS } };
    for (int k = 0; k < 2; k++) {
        if (!want[k].kbps || (k && job->s.audio_codec == LSTREAM_AUDIO_OPUS))
            continue;
        Audio *a = &c->audio[c->n_audio];
        a->ctx = c;
        a->limit = -1;
        const LSEncoderOps *ops = ls_encoder_find(LS_TRACK_AUDIO, want[k].codec);
        if (!ops)
            return ls_fail(job, LSTREAM_ERR_SETTINGS, "audio codec %d: no encoder in this build", want[k].codec);
        const LSEncoderParams ep = { .channels = job->s.audio_channels,
                                     .kbps = want[k].kbps,
                                     .gain_db = c->loud.gain_db };
        int err = ls_encoder_open(&a->enc, ops, job, &ep, &a->rend.cfg);
        if (err)
            return err;
        c->n_audio++;
        a->kbps = want[k].kbps;
        snprintf(a->rend.id, sizeof(a->rend.id), "%s", want[k].id);
        snprintf(a->rend.language, sizeof(a->rend.language), "%s", job->s.audio_language);
        a->afr = a->rend.cfg.frame_duration;
        a->arate = a->rend.cfg.timescale;
        if (a->afr <= 0 || a->arate <= 0)
            return ls_fail(job, LSTREAM_ERR_BUG, "audio encoder %s gave no frame duration", ops->name);
        if ((err = ls_cmaf_open(&a->mux, &a->rend, &c->out)))
            return err;
    }
    return 0;
}

static void close_ctx(Ctx *c)
{
    ls_pool_close(&c->pool);
    ls_picture_free(&c->shown);
    free(c->near_sad);
    free(c->near_max);
    for (int i = 0; i < LSTREAM_MAX_RUNGS; i++) {
        Rung *r = &c->rung[i];
        ls_encoder_close(&r->enc);
        free(r->pend_buf);
        ls_cmaf_free(&r->mux);
        ls_rendition_free(&r->rend);
        ls_picture_free(&r->pic);
        ls_picture_free(&r->mid);
        for (int p = 0; p < 3; p++) {
            ls_plane_scaler_free(&r->sc[p]);
            ls_plane_scaler_free(&r->pre[p]);
        }
    }
    for (int k = 0; k < c->n_audio; k++) {
        Audio *a = &c->audio[k];
        ls_encoder_close(&a->enc);
        ls_cmaf_free(&a->mux);
        ls_rendition_free(&a->rend);
        for (int i = 0; i < a->aq_n; i++)
            free(a->aq[i].data);
        free(a->aq);
    }
}

/* Take rendition @p drop out of the ladder (ladder.json lists it and why), and its objects out of the output where
 * the output can remove. */
static void drop_rendition(Ctx *c, LSPresentation *p, int drop, const char *why)
{
    LSRendition *d = p->r[drop];
    if (p->n_dropped < (int)LS_ARRAY_SIZE(p->dropped)) {
        snprintf(p->dropped[p->n_dropped].id, sizeof(p->dropped[0].id), "%s", d->id);
        snprintf(p->dropped[p->n_dropped].why, sizeof(p->dropped[0].why), "%s", why);
        p->n_dropped++;
    }
    ls_log(c->job, LSTREAM_LOG_WARNING, "rung %s dropped: %s", d->id, why);
    if (c->out.cb.remove) {
        char name[64];
        ls_name_in(name, sizeof(name), d->id, LS_NAME_INIT);
        c->out.cb.remove(c->out.cb.opaque, name);
        for (int64_t i = 0; i < d->n_seg; i++) {
            ls_name_segment(name, sizeof(name), d->id, i + 1);
            c->out.cb.remove(c->out.cb.opaque, name);
        }
    }
    memmove(&p->r[drop], &p->r[drop + 1], sizeof(p->r[0]) * (size_t)(p->n - drop - 1));
    p->n--;
}

/* The first codec's (H.264's) video rendition of @p r's size, if @p r is video of another codec (a VP9 twin). */
static const LSRendition *twin_of(const LSPresentation *p, const LSRendition *r)
{
    const LSRendition *first = p->n ? p->r[0] : NULL; /* video renditions are listed first, the first codec first */
    if (!first || first->cfg.kind != LS_TRACK_VIDEO || r->cfg.kind != LS_TRACK_VIDEO ||
        !strcmp(r->cfg.sample_entry, first->cfg.sample_entry))
        return NULL;
    for (int j = 0; j < p->n; j++)
        if (!strcmp(p->r[j]->cfg.sample_entry, first->cfg.sample_entry) && p->r[j]->cfg.width == r->cfg.width &&
            p->r[j]->cfg.height == r->cfg.height)
            return p->r[j];
    return NULL;
}

/* M8 (doc/RULES.md): a lower rung never costs more than the one above it. An encoder can make a lower rung
 * dearer on some content (a short variable-frame-rate phone clip, noise at a capped rate); such a rung buys
 * nothing, so it leaves the ladder instead of failing the job: the lower of the two, unless that is the
 * cellular (last) rung, which M7 needs; then the one above it. Its objects are removed where the output can.
 * Then a twin in a second codec (VP9) that costs more than the first codec's rung of its size: it is there to save
 * students' data, and a player choosing by codec support would make them pay more for it. */
static void drop_dearer_rungs(Ctx *c, LSPresentation *p)
{
    char why[160];
    for (int k = 0; k + 1 < p->n;) {
        LSRendition *hi = p->r[k], *lo = p->r[k + 1];
        /* (rungs of one codec: a VP9 rung is compared with the VP9 rung above it, not with H.264's lowest) */
        if (hi->cfg.kind != LS_TRACK_VIDEO || lo->cfg.kind != LS_TRACK_VIDEO || lo->avg <= hi->avg ||
            strcmp(hi->cfg.sample_entry, lo->cfg.sample_entry)) {
            k++;
            continue;
        }
        const int last_video = k + 2 >= p->n || p->r[k + 2]->cfg.kind != LS_TRACK_VIDEO ||
                               strcmp(p->r[k + 2]->cfg.sample_entry, lo->cfg.sample_entry);
        snprintf(why, sizeof(why), "%s averaged %.0f bit/s, more than %s above it (%.0f)", lo->id, lo->avg, hi->id,
                 hi->avg);
        drop_rendition(c, p, last_video ? k : k + 1, why);
        k = k > 0 ? k - 1 : 0; /* the new neighbours are compared again */
    }
    for (int k = 0; k < p->n;) {
        const LSRendition *r = p->r[k], *twin = twin_of(p, r);
        if (!twin || r->avg <= twin->avg) {
            k++;
            continue;
        }
        snprintf(why, sizeof(why), "%s averaged %.0f bit/s, more than %s of its size (%.0f)", r->id, r->avg, twin->id,
                 twin->avg);
        drop_rendition(c, p, k, why);
    }
}

/* End of the video: every rung's encoder drained, its last segment written. */
static int drain_video(Ctx *c)
{
    if (c->held)
        ls_log(
            c->job, LSTREAM_LOG_INFO,
            "%lld of %lld frames held, not encoded: %lld repeated the one before exactly, %lld were within %d of the "
            "picture shown, %lld lay between the pictures of a still stretch encoded (one in %d)",
            (long long)c->held, (long long)(c->frames - c->frame_first),
            (long long)(c->held - c->held_near - c->held_inset), (long long)c->held_near, c->job->s.hold_tolerance,
            (long long)c->held_inset, c->inset_every);
    if (c->tuned >= 0)
        ls_log(c->job, LSTREAM_LOG_INFO, "content tuning: %s at the end, %lld switch(es)",
               c->tuned == LS_CLASS_CAMERA ? "camera" : "screen", (long long)c->tunings);
    for (int i = 0; i < c->n_rungs; i++) {
        Rung *r = &c->rung[i];
        int err = r->enc.ops->drain(r->enc.priv, 0, on_video_packet, r);
        if (err || (err = commit_video(r, c->frames)) || (err = ls_cmaf_flush(&r->mux)))
            return err;
    }
    return 0;
}

/* Packets of audio rendition @p a in a presentation of @p video_frames (for an audio-only input, of the
 * first rendition's length; 0 for the first itself: it sets the length) */
static int64_t audio_limit(const Ctx *c, const Audio *a, int64_t video_frames)
{
    if (c->src.has_video) {
        const int64_t num = video_frames * c->ladder.fps_den * a->arate, den = (int64_t)c->ladder.fps_num * a->afr;
        return (2 * num + den) / (2 * den);
    }
    if (a == &c->audio[0])
        return 0;
    const int64_t num = c->audio[0].packets * c->audio[0].afr * a->arate, den = c->audio[0].arate * a->afr;
    return (2 * num + den) / (2 * den);
}

/* End of the audio: each rendition cut (or padded with silence) to the video's length, the nearest audio
 * frame to @p video_frames, or for an audio-only input to the first rendition's length. */
static int drain_audio_all(Ctx *c, int64_t video_frames)
{
    for (int k = 0; k < c->n_audio; k++) {
        Audio *a = &c->audio[k];
        const int64_t packets = audio_limit(c, a, video_frames);
        if (c->src.has_video || k)
            a->limit = packets;
        int err;
        if ((err = drain_audio(a, 1)) || (err = a->enc.ops->drain(a->enc.priv, packets, on_audio_packet, a)) ||
            (err = drain_audio(a, 1)) || (err = ls_cmaf_flush(&a->mux)))
            return err;
    }
    return 0;
}

/* The presentation over what was encoded (or joined from parts): measured, the manifests, ladder.json,
 * then the validator over all of it. */
static int publish(Ctx *c, int64_t video_frames)
{
    LStreamJob *job = c->job;
    LSPresentation pres = { 0 };
    if (c->probe.on)
        pres.probe = &c->probe;
    if (c->loud.measured) {
        pres.loudness.measured = 1;
        pres.loudness.target = job->s.loudness;
        pres.loudness.input_lufs = c->loud.input_lufs;
        pres.loudness.input_peak_db = c->loud.peak_db;
        pres.loudness.gain_db = c->loud.gain_db;
        pres.loudness.limit = c->loud.limit;
    }
    pres.target = job->s.segment_duration;
    pres.min_buffer = job->s.segment_duration;
    pres.fps_num = c->ladder.fps_num;
    pres.fps_den = c->ladder.fps_den;
    pres.n = list_renditions(c, pres.r);
    if (c->src.has_video)
        pres.duration = (double)video_frames * c->ladder.fps_den / c->ladder.fps_num;
    else if (c->n_audio)
        pres.duration = (double)c->audio[0].packets * c->audio[0].afr / c->audio[0].arate;
    int err = 0;
    for (int k = 0; k < pres.n && !err; k++)
        err = ls_rendition_measure(pres.r[k], pres.target, pres.min_buffer, 0, -1);
    if (err)
        return err;
    drop_dearer_rungs(c, &pres);
    if (job->s.download) { /* the lowest rung left of the first codec (H.264: what every phone's own player
                            * plays), and the cheapest audio rendition (the data-saver one) */
        const LSRendition *v = NULL, *a = NULL;
        for (int k = 0; k < pres.n; k++)
            if (pres.r[k]->cfg.kind == LS_TRACK_VIDEO &&
                (!v || !strcmp(v->cfg.sample_entry, pres.r[k]->cfg.sample_entry)))
                v = pres.r[k];
            else if (pres.r[k]->cfg.kind == LS_TRACK_AUDIO && (!a || pres.r[k]->avg < a->avg))
                a = pres.r[k];
        if ((err = ls_write_download(&c->out, &pres, v, a)))
            return err;
    }
    if (c->src.has_video && job->s.lecture) { /* what the lecture analysis found: ladder.json, chapters */
        pres.lecture.on = 1;
        pres.lecture.changes = c->slides;
        pres.lecture.n_changes = c->n_slides;
        pres.lecture.restarts = c->grid_restart ? c->grid.n : -1;
        memcpy(pres.lecture.class_frames, c->class_frames, sizeof(c->class_frames));
        memcpy(pres.lecture.tuned, c->tuned_frames, sizeof(c->tuned_frames));
        pres.lecture.language = job->s.audio_language;
        if ((err = ls_chapters_plan(&pres)))
            return ls_fail(job, err, "out of memory");
    }
    if (c->src.has_video && c->hold) { /* frames held, not encoded again (ladder.json) */
        pres.held.on = 1;
        pres.held.frames = c->held;
        pres.held.near = c->held_near;
        pres.held.inset = c->held_inset;
        pres.held.inset_every = c->inset_every;
        pres.held.tolerance = job->s.hold_tolerance;
        pres.held.of = video_frames;
    }
    if (c->live) { /* what the live run declared and did (ladder.json) */
        pres.live.on = 1;
        pres.live.window = job->s.live_window;
        memcpy(pres.live.declared, c->declared, sizeof(c->declared));
        LSRendition *lr[LS_MAX_RENDITIONS];
        pres.live.n = list_renditions(c, lr);
        for (int k = 0; k < pres.live.n; k++)
            snprintf(pres.live.id[k], sizeof(pres.live.id[k]), "%s", lr[k]->id);
        pres.live.over = c->over;
        const double wall = ls_now() - c->mono0;
        pres.live.realtime = wall > 0 ? pres.duration / wall : 0;
        pres.live.max_lag = c->max_lag;
        pres.live.faster = c->faster;
        memcpy(pres.live.faster_at, c->faster_at, sizeof(c->faster_at));
    }
    if (c->thumbs && (err = ls_thumbs_publish(c->thumbs, &c->out, &pres))) {
        ls_chapters_free(&pres);
        return err;
    }
    if (!(err = ls_write_chapters(&c->out, &pres)) && !(err = ls_write_hls(&c->out, &pres, 0, -1, 1)) &&
        !(err = ls_write_dash(&c->out, &pres, 0, -1, 1)))
        err = ls_write_report(&c->out, &pres, &c->src);
    ls_chapters_free(&pres);
    if (err)
        return err;
    if (job->s.validate) {
        report_progress(c, "validate", 1);
        if ((err = ls_validate_output(job, &c->out.cb)))
            return err;
    }
    return 0;
}

/* ---- parts of a chunked encode (part.h) ---- */

/* A part: its segments and what made them, as part.txt beside them. */
static int write_part(Ctx *c, int64_t video_frames)
{
    LSPartRecord *rec = ls_calloc(1, sizeof(*rec));
    if (!rec)
        return LSTREAM_ERR(ENOMEM);
    rec->part = c->part;
    snprintf(rec->input, sizeof(rec->input), "%s", c->src.path);
    int err = ls_part_stat_input(c->job, c->src.path, &rec->input_size, &rec->input_mtime);
    if (!err && (err = ls_part_settings(&c->job->s, rec->settings, sizeof(rec->settings))))
        ls_fail(c->job, err, "cannot record the settings");
    rec->video_frames = video_frames;
    rec->damage = c->src.damage;
    rec->slides = c->slides;
    rec->n_slides = c->n_slides;
    memcpy(rec->lecture, c->class_frames, sizeof(c->class_frames));
    rec->held = c->held;
    rec->held_near = c->held_near;
    rec->held_inset = c->held_inset;
    memcpy(rec->tuned, c->tuned_frames, sizeof(c->tuned_frames));
    LSRendition *r[LS_MAX_RENDITIONS];
    int64_t first[LS_MAX_RENDITIONS];
    int n = 0;
    for (int i = 0; i < c->n_rungs; i++, n++) {
        r[n] = &c->rung[i].rend;
        first[n] = c->seg_first;
    }
    for (int k = 0; k < c->n_audio; k++, n++) {
        r[n] = &c->audio[k].rend;
        first[n] = 0;
    }
    if (!err && c->thumbs) {
        LSBuf b = { 0 };
        if ((err = ls_thumbs_save(c->thumbs, &b)))
            ls_buf_free(&b);
        else
            err = ls_output_put_buf(&c->out, &b, LS_NAME_PART_THUMBS);
    }
    if (!err)
        err = ls_part_write(&c->out, rec, r, first, n);
    free(rec);
    return err;
}

/* Where chunk decoding starts: a second before its first frame, or earlier where the input's seek lands late
 * (MPEG-TS seeks by bytes and timestamps, and the decoder then waits for a key frame). Tried on a second
 * instance of the input until its first picture comes before the chunk's first frame, the margin growing
 * fourfold each time; at worst the start of the file (correct, only slower). */
static int safe_start(Ctx *c, double *from)
{
    const double fps = (double)c->ladder.fps_num / c->ladder.fps_den;
    /* the latest first picture that shows as a whole run does, and gives the lecture analysis the history a whole
     * run has */
    const int64_t back = c->job->s.lecture ? ls_lecture_history(c->ladder.fps_num, c->ladder.fps_den) : 0;
    const double need = (c->frame_first - back - 0.5) / fps;
    for (double margin = 1.0;; margin *= 4) {
        const double t = c->t0 + c->frame_first / fps - margin;
        if (t <= c->t0) {
            *from = NAN;
            return 0;
        }
        LSInput in;
        LSSourceInfo info;
        int err = ls_input_open(&in, c->in.ops, c->job, c->src.path, &info);
        if (err)
            return err;
        double first = NAN;
        if (!(err = ls_input_select(&in, c->job, LS_ITEM_VIDEO, t))) {
            LSInputItem item;
            while ((err = ls_input_read(&in, &item)) == 0)
                if (item.type == LS_ITEM_VIDEO) {
                    first = item.video.pts;
                    break;
                }
        }
        ls_input_close(&in);
        if (err < 0)
            return err;
        if (!isnan(first) && first - c->t0 <= need) {
            *from = t;
            return 0;
        }
        ls_log(c->job, LSTREAM_LOG_INFO,
               "chunk %d of %d: a seek to %.3f s gives a first picture at %.3f s, after the chunk's start (%.3f s): "
               "starting earlier",
               c->part.k, c->part.n, t - c->t0, first - c->t0, need);
    }
}

/* Which frames video chunk k of n encodes, and where its input starts: at the key frame before its first
 * frame (a second early, for timestamps that jitter), decoded from there, the frames before counted only. */
static int start_chunk(Ctx *c)
{
    if (!c->job->s.chunk_span)
        return ls_fail(c->job, LSTREAM_ERR_SETTINGS,
                       "chunk_span = 0 (one encoder for the whole lecture): a chunked encode needs a grid to cut on: "
                       "give every part --chunk-span N (segments per encoder, e.g. 10: a minute at 6 s segments), "
                       "and the same to any whole run it should equal");
    ls_part_segments(&c->part, &c->plan, c->job->s.chunk_span, &c->seg_first, &c->seg_end);
    c->frame_first = ls_segplan_start(&c->plan, c->seg_first);
    c->frame_end = c->seg_end < 0 ? -1 : ls_segplan_start(&c->plan, c->seg_end);
    ls_log(c->job, LSTREAM_LOG_INFO, "chunk %d of %d: segments %lld to %lld, frames from %lld", c->part.k, c->part.n,
           (long long)c->seg_first + 1, c->seg_end < 0 ? -1LL : (long long)c->seg_end, (long long)c->frame_first);
    double from = NAN;
    int err = c->frame_first > 0 ? safe_start(c, &from) : 0;
    return err ? err : ls_input_select(&c->in, c->job, LS_ITEM_VIDEO, from);
}

static int count_slot(void *opaque, LSPicture *pic, int64_t index, int repeat)
{
    (void)opaque, (void)pic, (void)index, (void)repeat;
    return 0;
}

/* The audio part ends its renditions at the video's length, as a whole run does, so it needs the video's
 * length in frames: decoded (not encoded) from the key frame before the planned last segment to the end. */
static int count_video(Ctx *c, const LSInputOps *ops, int64_t *frames)
{
    LSInput in;
    LSSourceInfo info;
    LSNormalizer *norm = NULL;
    const int64_t tail = ls_segplan_start(&c->plan, c->plan.n_planned > 0 ? c->plan.n_planned - 1 : 0);
    int err = ls_input_open(&in, ops, c->job, c->src.path, &info);
    if (err)
        return err;
    if (!(err = ls_input_select(&in, c->job, LS_ITEM_VIDEO,
                                tail > 0 ? c->t0 + (double)tail * c->ladder.fps_den / c->ladder.fps_num - 1.0 : NAN)) &&
        !(err = ls_normalizer_open(&norm, c->job, &c->src, c->ladder.fps_num, c->ladder.fps_den, c->t0, count_slot,
                                   NULL))) {
        ls_normalizer_skip(norm, INT64_MAX);
        LSInputItem item;
        while ((err = ls_input_read(&in, &item)) == 0)
            if (item.type == LS_ITEM_VIDEO && (err = ls_normalizer_push(norm, &item.video)))
                break;
        if (err == LS_EOF)
            err = ls_normalizer_finish(norm, 0);
        *frames = ls_normalizer_count(norm);
        if (!err && !*frames)
            err =
                ls_fail(c->job, LSTREAM_ERR_INVALID_INPUT, "input %s: its video timestamps cover no time", c->src.path);
    }
    ls_normalizer_close(&norm);
    ls_input_close(&in);
    if (!err)
        ls_log(c->job, LSTREAM_LOG_INFO, "audio part: the video is %lld frames long", (long long)*frames);
    return err;
}

/* Finalize: each rendition's segments from the parts, in order, copied into the output; the video's length
 * from the part that read it to its end; the damage the parts saw, summed. */
static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int join_parts(Ctx *c, const LSPartRecord *recs, int n_recs, int64_t *video_frames)
{
    LStreamJob *job = c->job;
    char dir[LS_PATH_MAX];
    LStreamOutput files;
    ls_file_reader(&files);
    *video_frames = -1;
    memset(&c->src.damage, 0, sizeof(c->src.damage));
    int have_video = 0, have_audio = 0;
    for (int p = 0; p < n_recs; p++) {
        const LSPartRecord *rec = &recs[p];
        have_video |= rec->part.kind == LS_PART_VIDEO;
        have_audio |= rec->part.kind == LS_PART_AUDIO;
        if (rec->video_frames >= 0 && *video_frames < 0)
            *video_frames = rec->video_frames;
        else if (rec->video_frames >= 0 && rec->video_frames != *video_frames)
            return ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                           "parts disagree on the video's length (%lld and %lld frames)", (long long)*video_frames,
                           (long long)rec->video_frames);
        struct LSDamage *d = &c->src.damage;
        const struct LSDamage *e = &rec->damage;
        d->packets += e->packets;
        d->corrupt += e->corrupt;
        d->rejected += e->rejected;
        d->concealed += e->concealed;
        d->missing += e->missing;
        d->missing_s += e->missing_s;
        d->read_error |= e->read_error;
        for (int i = 0; i < LS_N_CLASSES; i++)
            c->class_frames[i] += rec->lecture[i];
        c->held += rec->held;
        c->held_near += rec->held_near;
        c->held_inset += rec->held_inset;
        c->tuned_frames[0] += rec->tuned[0];
        c->tuned_frames[1] += rec->tuned[1];
        for (int i = 0; i < rec->n_slides; i++) {
            int err = add_slide(c, rec->slides[i]);
            if (err)
                return err;
        }
    }
    if (c->n_slides > 1)
        qsort(c->slides, c->n_slides, sizeof(*c->slides), cmp_i64);
    if (c->src.has_video && !have_video)
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                       "no video parts: run 'lstream transcode %s -o OUT --chunk K/N' "
                       "for K = 1..N",
                       c->src.path);
    if (c->src.has_audio && !have_audio)
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                       "the audio part is missing: run 'lstream transcode %s -o OUT "
                       "--chunk audio'",
                       c->src.path);
    if (c->src.has_video && *video_frames < 0)
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "no part read the video to its end");
    LSRendition *rends[LS_MAX_RENDITIONS];
    int n = 0;
    for (int i = 0; i < c->n_rungs; i++)
        rends[n++] = &c->rung[i].rend;
    for (int k = 0; k < c->n_audio; k++)
        rends[n++] = &c->audio[k].rend;
    for (int i = 0; i < n; i++) {
        LSRendition *r = rends[i];
        const int want = r->cfg.kind == LS_TRACK_VIDEO ? LS_PART_VIDEO : LS_PART_AUDIO;
        for (int p = 0; p < n_recs; p++) {
            const LSPartRecord *rec = &recs[p];
            if (rec->part.kind != want)
                continue;
            const LSPartTrack *t = NULL;
            for (int k = 0; k < rec->n_tracks && !t; k++)
                if (!strcmp(rec->track[k].id, r->id))
                    t = &rec->track[k];
            if (!t)
                return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "part %s has no rendition %s",
                               want == LS_PART_VIDEO ? "video" : "audio", r->id);
            if (t->n && t->first != r->n_seg)
                return ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                               "rendition %s: segments %lld to %lld are in no part (a part starts at %lld)", r->id,
                               (long long)r->n_seg + 1, (long long)t->first, (long long)t->first + 1);
            const LSPart *pp = &rec->part;
            if (ls_part_dir(dir, sizeof(dir), c->outdir, pp))
                return ls_fail(job, LSTREAM_ERR_OUTPUT, "output %s: path too long", c->outdir);
            if (c->thumbs && want == LS_PART_VIDEO && i == 0) { /* its thumbnails, once per part */
                char path[LS_PATH_MAX + 64];
                snprintf(path, sizeof(path), "%s/%s", dir, LS_NAME_PART_THUMBS);
                size_t size = 0;
                uint8_t *data = ls_output_slurp(&files, path, 0, -1, &size);
                int err = data ? ls_thumbs_load(c->thumbs, data, size, path)
                               : ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: %s", path, strerror(errno));
                free(data);
                if (err)
                    return err;
            }
            for (int64_t k = 0; k < t->n; k++) {
                const LSSegment *sg = &t->seg[k];
                if (r->n_seg && sg->start != r->seg[r->n_seg - 1].start + r->seg[r->n_seg - 1].duration)
                    return ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                                   "rendition %s: segment %lld does not start where segment %lld ends", r->id,
                                   (long long)r->n_seg + 1, (long long)r->n_seg);
                char name[64], path[LS_PATH_MAX + 64];
                ls_name_segment(name, sizeof(name), r->id, r->n_seg + 1);
                snprintf(path, sizeof(path), "%s/%s", dir, name);
                size_t size = 0;
                uint8_t *data = ls_output_slurp(&files, path, 0, -1, &size);
                if (!data || (int64_t)size != sg->bytes) {
                    free(data);
                    return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: %s", path,
                                   data ? "not the size its part says" : strerror(errno));
                }
                int err = ls_output_put(&c->out, name, data, size, NULL, 0);
                free(data);
                if (err)
                    return err;
                if (ls_rendition_append(r, sg))
                    return LSTREAM_ERR(ENOMEM);
            }
        }
    }
    if (!c->src.has_video && c->n_audio)
        for (int64_t k = 0; k < c->audio[0].rend.n_seg; k++)
            c->audio[0].packets += c->audio[0].rend.seg[k].samples;
    return 0;
}

static int run(Ctx *c, const LSInputOps *input_ops, const char *input, const LSPartRecord *recs, int n_recs)
{
    LStreamJob *job = c->job;
    int err = ls_input_open(&c->in, input_ops, job, input, &c->src);
    if (err)
        return err;
    ls_log(job, LSTREAM_LOG_INFO, "input %s: %s, %.2f s, video %s %dx%d rot %d, audio %s %d Hz %d ch", input,
           c->src.container, c->src.duration, c->src.has_video ? c->src.video_codec : "none", c->src.width,
           c->src.height, c->src.rotation, c->src.has_audio ? c->src.audio_codec : "none", c->src.sample_rate,
           c->src.channels);
    report_progress(c, "probe", 1);

    const int kind = c->part.kind;
    if (kind == LS_PART_VIDEO && !c->src.has_video) {
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                      "input %s has no video: encode it whole, or with --chunk audio only", input);
        goto end;
    }
    if (kind == LS_PART_AUDIO && !c->src.has_audio) {
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                      "input %s has no audio: its video chunks are all the ladder needs", input);
        goto end;
    }
    if (kind != LS_PART_WHOLE && c->src.has_video && isnan(c->src.video_start)) {
        err = ls_fail(job, LSTREAM_ERR_UNSUPPORTED,
                      "input %s: its video stream has no start time, which a chunked encode needs to cut it the way "
                      "a whole run does (encode it whole)",
                      input);
        goto end;
    }
    const int video = c->src.has_video && kind != LS_PART_AUDIO; /* rungs: encoded, or joined */
    const int audio = c->src.has_audio && kind != LS_PART_VIDEO;
    /* pipelined when there are two threads to use and frames to hand over */
    const int threads = job->s.threads ? job->s.threads : ls_cpu_count();
    const int pipelined = threads >= 2 && video && kind != LS_PART_FINALIZE;
    if (audio && c->live && job->s.loudness != 0)
        ls_log(job, LSTREAM_LOG_INFO, "live: no loudness normalisation (it measures the whole lecture first)");
    if (audio && ((!c->live && (err = measure_loudness(c, input_ops))) || (err = open_audio(c))))
        goto end;
    /* live: the length is unknown, every segment is the target's length */
    const double dur_est = c->live ? 0 : c->src.video_duration > 0 ? c->src.video_duration : c->src.duration;
    /* Output time 0 is the video's first frame (its stream start time, known before any frame is decoded,
     * since audio may come out of the demuxer first); audio before it is dropped, a gap is filled with silence. */
    if (c->src.has_video && !isnan(c->src.video_start)) {
        c->t0 = c->src.video_start;
        c->t0_known = 1;
    }
    c->frame_end = -1;
    if (c->src.has_video) {
        if ((err = ls_ladder_plan(job, &c->src, &c->ladder)))
            goto end;
        /* content-adaptive: probe encodes choose the rungs (each part of a chunked encode chooses alike) */
        if (job->s.ladder == LSTREAM_LADDER_AUTO && c->live)
            ls_log(job, LSTREAM_LOG_INFO, "live: the ladder is not probed (ladder = auto needs the recording)");
        else if (job->s.ladder == LSTREAM_LADDER_AUTO && kind != LS_PART_AUDIO &&
                 (err = ls_ladder_probe(job, input_ops, &c->src, &c->ladder, &c->probe)))
            goto end;
        if ((err = ls_ladder_twins(job, &c->ladder)))
            goto end;
        const int fn = c->ladder.fps_num, fd = c->ladder.fps_den;
        /* the largest N with fps / N >= inset_fps (30 fps and 12: 2; 25 fps: 2; 60 fps: 5; 15 fps: 1, every one) */
        c->inset_every = c->hold && job->s.lecture && job->s.inset_fps > 0 ? fn / (fd * job->s.inset_fps) : 1;
        if (c->inset_every < 1)
            c->inset_every = 1;
        ls_segplan_init(&c->plan, job->s.segment_duration, fd, fn, (int64_t)llrint(dur_est * fn / fd));
        /* chunks and live keep the plan: a chunk's first segment, a live segment's number, must not depend on
         * frames it has not seen */
        c->grid_restart = kind == LS_PART_WHOLE && !c->live && job->s.lecture && !job->s.chunk_span;
        c->grid_min = (fn + fd - 1) / fd; /* a second */
        if (kind == LS_PART_VIDEO && (err = start_chunk(c)))
            goto end;
        if (video && (err = open_rungs(c)))
            goto end;
        /* thumbnails from the lowest rung of the first codec (H.264); a chunk keeps its pictures raw in its part,
         * finalize makes the sheets of them all */
        if (video && job->s.thumbnails) {
            c->thumb_rung = 0;
            for (int i = 1; i < c->n_rungs; i++)
                if (c->rung[i].plan.rung.codec == c->rung[0].plan.rung.codec)
                    c->thumb_rung = i;
            const LSRungPlan *tp = &c->rung[c->thumb_rung].plan;
            if ((err = ls_thumbs_open(&c->thumbs, job, tp->width, tp->height, fn, fd)))
                goto end;
        }
        if (video && kind != LS_PART_FINALIZE) {
            /* normaliser -> lecture analysis (which looks back ls_lecture_history() frames before the run's
             * first and hands on from it) -> the driver half */
            const LSLectureParams lp = {
                .fps_num = fn, .fps_den = fd, .detect = job->s.lecture, .first = c->frame_first
            };
            if ((err = ls_lecture_open(&c->lect, job, &lp, pipelined ? to_queue : on_frame, c)) ||
                (err =
                     ls_normalizer_open(&c->norm, job, &c->src, fn, fd, c->src.video_start, ls_lecture_push, c->lect)))
                goto end;
            const int64_t back = c->frame_first - ls_lecture_history(fn, fd);
            ls_normalizer_skip(c->norm, back > 0 ? back : 0);
        }
    } else {
        ls_segplan_init(&c->plan, job->s.segment_duration, c->audio[0].afr, c->audio[0].arate,
                        (int64_t)llrint(dur_est * c->audio[0].arate / c->audio[0].afr));
    }
    c->grid.base = &c->plan;
    c->first_audio = NAN;

    int64_t video_frames = -1;
    if (kind == LS_PART_FINALIZE) {
        if ((err = join_parts(c, recs, n_recs, &video_frames)))
            goto end;
    } else if (kind == LS_PART_AUDIO) {
        if (c->src.has_video) { /* the video's length first: the audio is cut to it as it comes */
            if ((err = count_video(c, input_ops, &video_frames)))
                goto end;
            c->frames = video_frames;
            for (int k = 0; k < c->n_audio; k++)
                c->audio[k].limit = audio_limit(c, &c->audio[k], video_frames);
        }
        if ((err = ls_input_select(&c->in, job, LS_ITEM_AUDIO, NAN)) || (err = read_input(c)))
            goto end;
        report_progress(c, "package", 1);
        if ((err = drain_audio_all(c, video_frames)))
            goto end;
    } else {
        if ((err = pipelined ? run_pipelined(c) : read_input(c)))
            goto end;
        report_progress(c, "package", 1);
        /* drain: video first (its length sets the presentation), then audio to the same length */
        if (c->norm && !c->stop) {
            video_frames = ls_normalizer_count(c->norm);
            if (!video_frames) {
                err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "input %s: its video timestamps cover no time", input);
                goto end;
            }
        }
        if ((err = drain_video(c)) || (err = drain_audio_all(c, video_frames)))
            goto end;
    }
    err = kind == LS_PART_VIDEO || kind == LS_PART_AUDIO ? write_part(c, video_frames) : publish(c, video_frames);
    if (!err && ls_cancelled(job))
        err = ls_fail(job, LSTREAM_ERR_CANCELLED, "cancelled");
end:
    ls_normalizer_close(&c->norm);
    ls_lecture_close(&c->lect);
    ls_thumbs_close(&c->thumbs);
    free(c->slides);
    c->slides = NULL;
    c->n_slides = c->cap_slides = 0;
    ls_seggrid_free(&c->grid);
    ls_input_close(&c->in);
    return err;
}

/* The whole job over an output: run, then commit, or abort on any failure. */
static int run_job(LStreamJob *job, const LSInputOps *input_ops, const char *input, const LStreamOutput *out,
                   const LSPart *part, const char *outdir, const LSPartRecord *recs, int n_recs, int live)
{
    Ctx *c = ls_calloc(1, sizeof(*c));
    if (!c)
        return LSTREAM_ERR(ENOMEM);
    c->job = job;
    c->live = live;
    c->hold = job->s.hold_repeats && !live;
    c->part = *part;
    c->outdir = outdir;
    int err = ls_output_init(&c->out, job, out);
    if (!err) {
        err = run(c, input_ops, input, recs, n_recs);
        close_ctx(c);
        if (!err) {
            report_progress(c, "publish", 1);
            if ((err = out->commit(out->opaque)))
                ls_fail(job, err, "the output refused to commit the ladder: %s", lstream_strerror(err));
        } else {
            out->abort(out->opaque);
        }
    }
    free(c);
    return err;
}

static int job_start(LStreamJob *job, const char *input)
{
    free(job->errmsg);
    job->errmsg = NULL;
    if (!input || !input[0])
        return ls_fail(job, LSTREAM_ERR(EINVAL), "an input file is required");
    job->t_start = ls_now();
    return 0;
}

static int job_end(LStreamJob *job, const char *input, int err)
{
    if (err && !job->errmsg)
        ls_fail(job, err, "%s: %s", input, lstream_strerror(err));
    ls_ffmpeg_log_attach(NULL);
    return err;
}

static const LSPart whole = { LS_PART_WHOLE, 0, 0 };

/* job_start(), and an output directory given */
static int job_start_dir(LStreamJob *job, const char *input, const char *outdir)
{
    int err = job_start(job, input);
    if (!err && (!outdir || !outdir[0]))
        err = ls_fail(job, LSTREAM_ERR(EINVAL), "an output directory is required");
    return err;
}

int lstream_job_run(LStreamJob *job, const char *input, const char *outdir)
{
    if (!job)
        return LSTREAM_ERR(EINVAL);
    int err = job_start_dir(job, input, outdir);
    if (err)
        return err;
    /* the cheap checks of both ends first, so the real problem is reported before any work */
    LSDirOutput *dir = NULL;
    LStreamOutput out;
    if (!(err = ls_input_check(job, input)) && !(err = ls_dir_output_open(&dir, job, outdir, &out)))
        err = run_job(job, &ls_input_lavf, input, &out, &whole, outdir, NULL, 0, 0);
    ls_dir_output_close(&dir);
    return job_end(job, input, err);
}

int lstream_job_run_output(LStreamJob *job, const char *input, const LStreamOutput *out)
{
    if (!job)
        return LSTREAM_ERR(EINVAL);
    int err = job_start(job, input);
    if (!err && !(err = ls_input_check(job, input)))
        err = run_job(job, &ls_input_lavf, input, out, &whole, NULL, NULL, 0, 0);
    return job_end(job, input, err);
}

int lstream_job_run_chunk(LStreamJob *job, const char *input, const char *outdir, int chunk, int n_chunks)
{
    if (!job)
        return LSTREAM_ERR(EINVAL);
    int err = job_start_dir(job, input, outdir);
    if (err)
        return err;
    const LSPart part = { chunk == LSTREAM_CHUNK_AUDIO ? LS_PART_AUDIO : LS_PART_VIDEO, chunk, n_chunks };
    if (part.kind == LS_PART_VIDEO && (n_chunks < 1 || n_chunks > 100000 || chunk < 1 || chunk > n_chunks))
        return ls_fail(job, LSTREAM_ERR(EINVAL), "chunk %d of %d: K must be 1..N and N 1..100000", chunk, n_chunks);
    char dir_path[LS_PATH_MAX];
    LSDirOutput *dir = NULL;
    LStreamOutput out;
    /* the ladder's own folder must be one a finalize may replace, and the parts go beside it */
    if (!(err = ls_input_check(job, input)) && !(err = ls_output_check(job, outdir))) {
        if (ls_part_dir(dir_path, sizeof(dir_path), outdir, NULL))
            err = ls_fail(job, LSTREAM_ERR_OUTPUT, "output %s: path too long", outdir);
        else if (ls_mkdir(dir_path))
            err = ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot create %s: %s", dir_path, strerror(errno));
        else if (!ls_part_dir(dir_path, sizeof(dir_path), outdir, &part) &&
                 !(err = ls_dir_output_open(&dir, job, dir_path, &out)))
            err = run_job(job, &ls_input_lavf, input, &out, &part, outdir, NULL, 0, 0);
    }
    ls_dir_output_close(&dir);
    return job_end(job, input, err);
}

int ls_run_live(LStreamJob *job, const LSInputOps *ops, const char *source, const char *outdir)
{
    job->t_start = ls_now();
    LSDirOutput *dir = NULL;
    LStreamOutput out;
    int err = ls_dir_output_open_live(&dir, job, outdir, &out);
    if (!err)
        err = run_job(job, ops, source, &out, &whole, outdir, NULL, 0, 1);
    ls_dir_output_close(&dir);
    return job_end(job, source, err);
}

int lstream_job_finalize(LStreamJob *job, const char *outdir)
{
    if (!job)
        return LSTREAM_ERR(EINVAL);
    free(job->errmsg);
    job->errmsg = NULL;
    job->t_start = ls_now();
    if (!outdir || !outdir[0])
        return ls_fail(job, LSTREAM_ERR(EINVAL), "an output directory is required");
    LSPartRecord *recs = NULL;
    int n_recs = 0;
    int err = ls_parts_read(job, outdir, &recs, &n_recs);
    /* the parts' settings are the ladder's (those that shape the media; logging and validation are ours) */
    if (!err)
        err = ls_part_apply_settings(job, &job->s, recs[0].settings, "parts");
    int64_t size, mtime;
    if (!err && !(err = ls_part_stat_input(job, recs[0].input, &size, &mtime)) &&
        (size != recs[0].input_size || mtime != recs[0].input_mtime))
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "input %s changed after its parts were encoded", recs[0].input);
    LSDirOutput *dir = NULL;
    LStreamOutput out;
    const LSPart part = { LS_PART_FINALIZE, 0, 0 };
    if (!err && !(err = ls_dir_output_open(&dir, job, outdir, &out))) {
        err = run_job(job, &ls_input_lavf, recs[0].input, &out, &part, outdir, recs, n_recs, 0);
        if (!err) { /* published: the parts are spent */
            char parts[LS_PATH_MAX];
            if (!ls_part_dir(parts, sizeof(parts), outdir, NULL))
                ls_rm_tree(parts);
        }
    }
    ls_dir_output_close(&dir);
    ls_part_records_free(&recs, n_recs);
    return job_end(job, outdir, err);
}
