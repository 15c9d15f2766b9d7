/*
 * Internal interfaces of libstream (ls_ prefix). The tree shows the architecture:
 *   core/      job, settings, ladder and segment planning, bit rates, normaliser, the pipeline driver
 *   input/     the input seam (input.h) and its adapters: libavformat + libavcodec, dav1d, FFmpeg's log
 *   encode/    the encoder seam (encoder.h) and its adapters: x264, libavcodec's AAC
 *   package/   the packaging model (model.h), the CMAF writer, HLS, DASH, ladder.json
 *   output/    the output seam (output.h): object names, the staged directory
 *   validate/  the validator and its own ISO-BMFF reader
 * This header holds what every stage shares: the job, logging and errors, pictures, source facts, plans.
 */
#ifndef LSTREAM_INTERNAL_H
#define LSTREAM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pthread.h>

#include "libstream/libstream.h"
#include "filters/filters.h"

#define LS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LS_MAX_VP9_RUNGS 3 /* settings.vp9_rungs */
#define LS_PATH_MAX      4096

/* ---- job, logging, errors ---- */
struct LStreamJob {
    LStreamSettings s;
    pthread_mutex_t lock; /* the log callback and the error message: the job's threads share them */
    char *errmsg;         /* last error, owned */
    LSDSP dsp;
    unsigned cpu_flags;                  /* detected & masked */
    double t_start;                      /* wall clock at run start */
    volatile int stop;                   /* lstream_job_stop(): a live source ends */
    struct LSPushQueue *push;            /* lstream_live_open(): where ls_input_push reads */
    const struct LSLiveSource *live_src; /* lstream_job_run_live(): what ls_input_gst opens */
};

void ls_log(LStreamJob *job, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record the job's error message (what, which file, why), log it, and return err. */
int ls_fail(LStreamJob *job, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Forget the job's error message (a step that recovers from an error it met: the next ls_fail() is the root cause) */
void ls_unfail(LStreamJob *job);
int ls_cancelled(LStreamJob *job);
/* FFmpeg adapters: route FFmpeg's log on this thread to @p job if it wants that (settings.ffmpeg_log; the
 * process-wide hook is installed then, once); NULL detaches. */
void ls_ffmpeg_log_attach(LStreamJob *job);
double ls_now(void);
/* CPUs this process may run on. */
int ls_cpu_count(void);

/* ---- fork-join pool (pool.c) for pure pixel work; everything else stays on the driver thread ---- */
typedef struct LSPool LSPool;
/* @p workers extra threads (< 1: no pool, *out = NULL, and ls_pool_run() runs on the caller). */
int ls_pool_open(LSPool **out, int workers);
/* fn(arg, i) for i in [0, n), on the workers and the caller; returns when all have returned. */
void ls_pool_run(LSPool *p, void (*fn)(void *arg, int i), void *arg, int n);
void ls_pool_close(LSPool **p);

/* ---- pictures ---- */
/* What a stretch of a lecture shows (core/lecture.c decides, encoders tune for it: encoder.h content()): a still
 * screen (slides), motion on a screen (a pointer, handwriting, a screencast), a camera picture. */
enum LSContentClass { LS_CLASS_STILL = 0, LS_CLASS_MOTION = 1, LS_CLASS_CAMERA = 2, LS_N_CLASSES = 3 };

typedef struct LSPicture {
    uint8_t *data[3];
    ptrdiff_t stride[3];
    int w, h;     /* luma size; chroma is (w+1)/2 x (h+1)/2 */
    uint8_t *buf; /* owned allocation, or NULL for a view */
} LSPicture;

int ls_picture_alloc(LSPicture *p, int w, int h);
/* @p p of size w x h, reallocated only when its size differs (an owned picture, or a zeroed one). */
int ls_picture_ensure(LSPicture *p, int w, int h);
void ls_picture_free(LSPicture *p);

/* ---- source facts (probe) ---- */
typedef struct LSSourceInfo {
    char path[LS_PATH_MAX];
    char container[64];
    double duration;       /* seconds, 0 if unknown */
    double video_duration; /* of the video stream, seconds, 0 if unknown */
    double video_start;    /* first presentation time of the video stream, seconds, NAN if unknown */
    int has_video, has_audio;
    /* video, as it will be displayed (after rotation) */
    char video_codec[32];
    int coded_w, coded_h; /* decoded size before rotation */
    int width, height;    /* after rotation, before SAR correction */
    int sar_num, sar_den; /* after rotation */
    double dar;           /* display aspect ratio w/h after rotation and SAR */
    int rotation;         /* clockwise degrees to apply: 0, 90, 180, 270 */
    int fps_num, fps_den; /* source frame rate (guessed) */
    int vfr;              /* timestamps suggest variable frame rate */
    int bit_depth;
    /* audio */
    char audio_codec[32];
    int sample_rate, channels;
    /* damage found and concealed while reading (filled by the input when it ends; see doc/RULES.md) */
    struct LSDamage {
        int64_t packets;   /* demuxed packets of the streams used */
        int64_t corrupt;   /* flagged corrupt by the demuxer (passed on: decoders conceal) */
        int64_t rejected;  /* packets a decoder refused */
        int64_t concealed; /* decoded pictures the decoder marked as concealed */
        int64_t missing;   /* samples the file's own index lists but its data no longer holds */
        double missing_s;  /* their duration, seconds */
        int read_error;    /* the demuxer stopped on an error before the end (read as far as it could) */
    } damage;
} LSSourceInfo;

/* The library's own frame types: inputs hand these to the core, whatever library decoded them. */
enum LSPixelFormat {
    LS_PIX_I420 = 0, /* 8-bit 4:2:0 planar, limited range */
    LS_PIX_I420P9,   /* 9..12-bit 4:2:0 planar in 16-bit little-endian words, limited range */
    LS_PIX_I420P10,
    LS_PIX_I420P12,
};
typedef struct LSVideoFrame {
    const uint8_t *data[3];
    ptrdiff_t stride[3];
    int w, h;
    int format;      /* enum LSPixelFormat */
    int interlaced;  /* fields: the normaliser deinterlaces */
    double pts;      /* seconds; NAN if unknown */
    double duration; /* seconds; 0 if unknown */
} LSVideoFrame;

enum LSSampleFormat {
    LS_SAMPLE_U8,
    LS_SAMPLE_S16,
    LS_SAMPLE_S32,
    LS_SAMPLE_FLT,
    LS_SAMPLE_DBL,
    LS_SAMPLE_U8P,
    LS_SAMPLE_S16P,
    LS_SAMPLE_S32P,
    LS_SAMPLE_FLTP,
    LS_SAMPLE_DBLP
};
typedef struct LSAudio {
    const uint8_t *const *data; /* one plane per channel (planar formats) or one interleaved plane */
    int nb_samples;
    int format; /* enum LSSampleFormat */
    int sample_rate, channels;
    uint64_t channel_mask; /* WAVE channel bits (as FFmpeg's native order); 0 = the default layout */
    double pts;            /* seconds on the input's timeline; NAN if unknown */
} LSAudio;

#define LS_EOF 1

/* ---- normaliser: any decoded frame -> I420 8-bit at display orientation, CFR ---- */
typedef struct LSNormalizer LSNormalizer;
/* A slot's picture. The sink may take @p pic by exchange (its planes for an owned picture of the same size: no copy);
 * @p repeat: the picture delivered in the call before, again (a frame filling several slots), whose planes are
 * whatever that call left in @p pic: a sink that takes pictures shows its own copy again. */
typedef int (*LSFrameSink)(void *opaque, LSPicture *pic, int64_t index, int repeat);
/* @p t0: input time of output time 0 (NAN: the first frame's); a first frame after t0 is shown from t0 on. */
int ls_normalizer_open(LSNormalizer **n, LStreamJob *job, const LSSourceInfo *info, int fps_num, int fps_den, double t0,
                       LSFrameSink sink, void *opaque);
/* Push one decoded frame; the sink is called for each constant-rate output slot it fills. */
int ls_normalizer_push(LSNormalizer *n, const LSVideoFrame *f);
/* End of stream: fill the last slot(s) up to @p end_time seconds (or one frame if <= 0). */
int ls_normalizer_finish(LSNormalizer *n, double end_time);
int64_t ls_normalizer_count(const LSNormalizer *n);
/* Slots before @p first are counted but not handed to the sink (a run that starts part-way). */
void ls_normalizer_skip(LSNormalizer *n, int64_t first);
/* 1 once a frame was pushed; *first_pts its time on the output timeline (seconds after output time 0). */
int ls_normalizer_started(const LSNormalizer *n, double *first_pts);
void ls_normalizer_close(LSNormalizer **n);

/* ---- ladder ---- */
typedef struct LSRungPlan {
    char name[16]; /* folder name, e.g. "v720" */
    int width, height;
    int short_side;
    LStreamRung rung; /* rate control */
} LSRungPlan;

typedef struct LSLadder {
    int n;
    LSRungPlan r[LSTREAM_MAX_RUNGS];
    int fps_num, fps_den; /* output frame rate */
} LSLadder;

/* The rungs the settings ask for (the default lecture ladder, or settings.rungs), sorted, without VP9 twins */
int ls_ladder_plan(LStreamJob *job, const LSSourceInfo *src, LSLadder *ladder);
/* Then the VP9 twins of the lowest settings.vp9_rungs H.264 rungs */
int ls_ladder_twins(LStreamJob *job, LSLadder *ladder);

/* ---- the content-adaptive ladder (settings.ladder = auto, core/probe.c) ---- */
#define LS_PROBE_CRFS          3 /* per rung: its CRF and one step either side */
#define LS_PROBE_MAX_STRETCHES 8
#define LS_PROBE_MAX_POINTS    (LSTREAM_MAX_RUNGS * LS_PROBE_CRFS)
typedef struct LSProbePoint {
    char id[16]; /* the rung's name */
    int rung;    /* index in LSLadderProbe.rung */
    float crf;
    double kbps, ssim, ssim_db; /* average over the stretches; SSIM at the reference size; dB = -10 log10(1 - SSIM) */
    int hull;                   /* on the rising rate-quality convex hull of all the points */
} LSProbePoint;
typedef struct LSProbeRung {
    char id[16];
    int ladder_index;                          /* in the ladder as planned */
    float crf;                                 /* its own */
    int probed;                                /* else not_probed says why */
    const char *not_probed;                    /* static text */
    double kbps, ssim, ssim_db, below_hull_db; /* at its own CRF */
    int kept, dropped_top;
    char why[160];
} LSProbeRung;
typedef struct LSLadderProbe {
    int on;
    int ref_w, ref_h; /* the size quality is measured at (the top H.264 rung's) */
    int n_stretches;
    double from[LS_PROBE_MAX_STRETCHES], seconds[LS_PROBE_MAX_STRETCHES]; /* output timeline */
    int64_t frames;                                                       /* probed per point, all stretches */
    double seconds_wall;
    int n_points;
    LSProbePoint point[LS_PROBE_MAX_POINTS];
    int n_rungs;
    LSProbeRung rung[LSTREAM_MAX_RUNGS]; /* the planned rungs, in ladder order */
} LSLadderProbe;
struct LSInputOps;
/* Probe encodes on stretches of the source @p src (opened again through @p ops), then keep in @p ladder (planned,
 * before ls_ladder_twins()) only the rungs chosen; @p out gets the figures and the reasons. 0 or ls_fail(). */
int ls_ladder_probe(LStreamJob *job, const struct LSInputOps *ops, const LSSourceInfo *src, LSLadder *ladder,
                    LSLadderProbe *out);

/* ---- segment plan: one list of boundaries for all renditions ---- */
#define LS_LEAD_SECONDS 2.0 /* the first segment's length (segplan.c) */
typedef struct LSSegPlan {
    int64_t unit_num, unit_den; /* seconds per planning unit (a video frame, or an AAC frame if audio-only) */
    int64_t est_units;          /* estimated total units */
    int64_t max_units;          /* longest planned segment, in units (<= target duration) */
    int64_t max_last;           /* the last planned segment may grow to this (EXTINF still rounds to target) */
    int64_t n_planned;
    int64_t lead;  /* units of the short first segment (0: none; see segplan.c) */
    double target; /* seconds */
} LSSegPlan;

void ls_segplan_init(LSSegPlan *p, double target_s, int64_t unit_num, int64_t unit_den, int64_t est_units);
/* First unit of segment @p s (s >= 0). Segments past the estimate continue at max_units. */
int64_t ls_segplan_start(const LSSegPlan *p, int64_t s);
/* Index of the segment containing unit @p u. */
int64_t ls_segplan_segment_of(const LSSegPlan *p, int64_t u);

/* The plan, restarted at slide changes (segplan.c): segment s starts where the latest restart at or before it
 * plans it. @p base is borrowed; restarts are owned (ls_seggrid_free). */
typedef struct LSSegRestart {
    int64_t seg, unit; /* segment seg starts at unit; from there on, plan is followed (units counted from unit) */
    LSSegPlan plan;
} LSSegRestart;
typedef struct LSSegGrid {
    const LSSegPlan *base;
    LSSegRestart *r;
    int n, cap;
} LSSegGrid;
int64_t ls_seggrid_start(const LSSegGrid *g, int64_t s);
int64_t ls_seggrid_segment_of(const LSSegGrid *g, int64_t u);
/* Unit @p u (the latest seen) starts a segment: the one it is in ends before it, unless it is already a segment's
 * first or that segment is shorter than @p min_units. 1: restarted, 0: not, or LSTREAM_ERR(ENOMEM). */
int ls_seggrid_restart(LSSegGrid *g, int64_t u, int64_t min_units);
void ls_seggrid_free(LSSegGrid *g);

/* ---- encoded samples, as encoders hand them to the muxer ---- */
typedef struct LSPacket {
    const uint8_t *data;
    int size;
    int64_t pts, dts; /* video: frames (dts monotonic, an IDR's dts == pts); audio: the track timescale */
    int64_t duration;
    int key;
    /* video, when the encoder was opened with LSEncoderParams.recon: the picture a decoder shows for this packet,
     * luma only (data[0], stride[0], w x h; data[1] and data[2] NULL); borrowed for the sink call; else NULL */
    const LSPicture *recon;
} LSPacket;

/* ---- codec strings (RFC 6381) from real configuration records (doc/RULES.md M3), never from settings;
 * used by the encoders and, on what it reads, by the validator (encode/codecs.c) ---- */
int ls_codec_string_avcc(const uint8_t *avcc, int size, char *out, size_t out_size);
/* "vp09.PP.LL.DD.CC.cp.tc.mc.FF" from a vpcC payload (version/flags included) */
int ls_codec_string_vpcc(const uint8_t *vpcc, int size, char *out, size_t out_size);
/* A VP9 keyframe's uncompressed header (VP9 bitstream 6.2), the first frame of a superframe: 0 with its profile,
 * bit depth and colour range filled, or -1 if @p p does not start with a keyframe (or is cut short). */
typedef struct LSVp9Key {
    int profile, bit_depth, full_range;
} LSVp9Key;
int ls_vp9_keyframe(const uint8_t *p, size_t n, LSVp9Key *k);
int ls_codec_string_asc(const uint8_t *asc, int size, char *out, size_t out_size);
/* An H.264 SPS NAL unit (@p sps, @p size bytes, header included) whose VUI says fixed_frame_rate_flag 1, rewritten into
 * @p out (at most @p out_size bytes) with the flag 0: the length written; 0 when there is nothing to rewrite (no
 * timing information, the flag already 0, or a syntax x264 does not write: scaling lists, POC type 1); -EINVAL when
 * it cannot be read or @p out is too small. */
int ls_avc_sps_variable_rate(const uint8_t *sps, int size, uint8_t *out, int out_size);

/* ---- bit rates ---- */
/* RFC 8216 4.3.4.2 peak: max over runs of contiguous segments lasting [0.5, 1.5] x target. bit/s. */
double ls_peak_bitrate(const int64_t *bytes, const double *dur, int n, double target);
double ls_avg_bitrate(const int64_t *bytes, const double *dur, int n);
/* Smallest bandwidth (bit/s) passing the DASH leaky bucket with @p min_buffer seconds (ISO 23009-1 5.3.5.2):
 * each segment fully received before its presentation starts, starting at any segment. */
double ls_leaky_bucket_bandwidth(const int64_t *bytes, const double *dur, int n, double min_buffer);

/* ---- validation of a ladder written through an output, before it is committed (validate/) ---- */
int ls_validate_output(LStreamJob *job, const LStreamOutput *out);

/* ---- publishing ---- */
/* Cheap up-front checks, before any work: the input file exists and is readable; the output's parent exists
 * and is writable and an existing output may be replaced. Both call ls_fail() on error. */
int ls_input_check(LStreamJob *job, const char *path);
int ls_output_check(LStreamJob *job, const char *outdir);
/* Create a fresh staging directory next to @p outdir; checks up front that outdir can be replaced. */
int ls_stage_create(LStreamJob *job, const char *outdir, char *staging, size_t size);
/* Move a complete staging directory into place, atomically replacing a previous ladder. */
int ls_stage_publish(LStreamJob *job, const char *staging, const char *outdir);
void ls_stage_discard(const char *staging);
int ls_mkdir(const char *path);

/* 1 if setting @p i (lstream_settings_name() order) shapes the media (chunked parts must agree on it) */
int ls_settings_is_media(int i);

/* ---- loudness (BS.1770 / EBU R128) of what the audio encoders get: @p channels is the rendition's ---- */
typedef struct LSLoudness LSLoudness;
int ls_loudness_open(LSLoudness **l, int rate, int channels);
/* Measure @p a (any format, the input's channels; mixed to the rendition's). 0, ENOMEM or UNSUPPORTED. */
int ls_loudness_add(LSLoudness *l, const LSAudio *a);
double ls_loudness_integrated(const LSLoudness *l); /* LUFS; -INFINITY for silence */
double ls_loudness_peak_db(const LSLoudness *l);    /* sample peak, dBFS */
void ls_loudness_close(LSLoudness **l);

/* ---- growable string ---- */
typedef struct LSBuf {
    char *s;
    size_t len, cap;
    int oom;
} LSBuf;
void ls_buf_printf(LSBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Binary bytes (a JPEG): kept NUL-terminated, length in len. */
void ls_buf_append(LSBuf *b, const void *data, size_t n);
void ls_buf_free(LSBuf *b);
/* FFmpeg error text (adapters only). */
const char *ls_av_err(int averror, char *buf, size_t size);

#endif
