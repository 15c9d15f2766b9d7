/*
 * Internal interfaces of libstream (ls_ prefix). The pipeline's stages each live in their own file:
 *   input_lavf.c / dec_dav1d.c   demux + decode (adapters of libavformat/libavcodec and dav1d)
 *   normalize.c                  any decoded frame -> 8-bit I420, deinterlaced, rotated, constant frame rate
 *   ladder.c                     which rungs, sizes and rates
 *   segplan.c                    one segment plan for every rendition
 *   enc_x264.c / enc_aac.c       encoders (adapters of x264 and libavcodec's AAC + libswresample)
 *   cmaf.c                       CMAF fragmented-MP4 writer (init + media segments, written once)
 *   bitrate.c                    RFC 8216 peak, average, DASH leaky bucket
 *   hls.c / dash.c / report.c    manifests and ladder.json over the same segments
 *   publish.c                    staging directory, atomic publish
 *   transcode.c                  drives the stages
 */
#ifndef LSTREAM_INTERNAL_H
#define LSTREAM_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "libstream/libstream.h"
#include "filters/filters.h"

#define LS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define LS_PATH_MAX 4096

/* ---- job, logging, errors ---- */
struct LStreamJob {
    LStreamSettings s;
    char preset[32];
    char language[36];
    char *errmsg;          /* last error, owned */
    LSDSP dsp;
    unsigned cpu_flags;    /* detected & masked */
    double t_start;        /* wall clock at run start */
};

void ls_log(LStreamJob *job, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record the job's error message (what, which file, why), log it, and return err. */
int ls_fail(LStreamJob *job, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ls_cancelled(LStreamJob *job);
/* Route FFmpeg's log on this thread to @p job (NULL: drop). */
void ls_ffmpeg_log_attach(LStreamJob *job);
double ls_now(void);

/* ---- fork-join pool (pool.c) for pure pixel work; everything else stays on the driver thread ---- */
typedef struct LSPool LSPool;
/* @p workers extra threads (< 1: no pool, *out = NULL, and ls_pool_run() runs on the caller). */
int ls_pool_open(LSPool **out, int workers);
/* fn(arg, i) for i in [0, n), on the workers and the caller; returns when all have returned. */
void ls_pool_run(LSPool *p, void (*fn)(void *arg, int i), void *arg, int n);
void ls_pool_close(LSPool **p);

/* ---- pictures ---- */
typedef struct LSPicture {
    uint8_t *data[3];
    ptrdiff_t stride[3];
    int w, h;               /* luma size; chroma is (w+1)/2 x (h+1)/2 */
    uint8_t *buf;           /* owned allocation, or NULL for a view */
} LSPicture;

int ls_picture_alloc(LSPicture *p, int w, int h);
void ls_picture_free(LSPicture *p);

/* ---- source facts (probe) ---- */
typedef struct LSSourceInfo {
    char path[LS_PATH_MAX];
    char container[64];
    double duration;        /* seconds, 0 if unknown */
    double video_duration;  /* of the video stream, seconds, 0 if unknown */
    double video_start;     /* first presentation time of the video stream, seconds, NAN if unknown */
    int has_video, has_audio;
    /* video, as it will be displayed (after rotation) */
    char video_codec[32];
    int coded_w, coded_h;   /* decoded size before rotation */
    int width, height;      /* after rotation, before SAR correction */
    int sar_num, sar_den;   /* after rotation */
    double dar;             /* display aspect ratio w/h after rotation and SAR */
    int rotation;           /* clockwise degrees to apply: 0, 90, 180, 270 */
    int fps_num, fps_den;   /* source frame rate (guessed) */
    int vfr;                /* timestamps suggest variable frame rate */
    int bit_depth;
    /* audio */
    char audio_codec[32];
    int sample_rate, channels;
} LSSourceInfo;

/* A decoded video frame as the decoders hand it over: planar YUV in an FFmpeg pixel format. */
typedef struct LSVideoFrame {
    const uint8_t *data[4];
    ptrdiff_t stride[4];
    int w, h;
    int pix_fmt;            /* enum AVPixelFormat */
    int interlaced;
    int full_range;         /* 0-255 samples (JPEG range); the output is limited range (16-235) */
    double pts;             /* seconds; NAN if unknown */
    double duration;        /* seconds; 0 if unknown */
} LSVideoFrame;

typedef struct LSInput LSInput;
struct AVFrame;

enum { LS_ITEM_VIDEO = 1, LS_ITEM_AUDIO = 2 };
typedef struct LSInputItem {
    int type;
    LSVideoFrame video;           /* LS_ITEM_VIDEO; valid until the next ls_input_read() */
    const struct AVFrame *audio;  /* LS_ITEM_AUDIO; decoded audio, pts in seconds in audio_pts */
    double audio_pts;
} LSInputItem;

#define LS_EOF 1
/* Open and probe @p path; fills @p info. On error returns negative and has called ls_fail(). */
int ls_input_open(LSInput **in, LStreamJob *job, const char *path, LSSourceInfo *info);
/* 0 = item filled, LS_EOF at end, negative on error (after ls_fail()). */
int ls_input_read(LSInput *in, LSInputItem *item);
void ls_input_close(LSInput **in);

/* AV1 through libdav1d (used by input_lavf.c). */
typedef struct LSDav1d LSDav1d;
int ls_dav1d_open(LSDav1d **d, LStreamJob *job, int threads);
/* Feed one packet (data copied); NULL data drains. pts in seconds. */
int ls_dav1d_send(LSDav1d *d, const uint8_t *data, size_t size, double pts);
/* 0 and *f filled, or LS_EOF-like 1 = need more data / drained. Frame valid until the next call. */
int ls_dav1d_receive(LSDav1d *d, LSVideoFrame *f);
void ls_dav1d_close(LSDav1d **d);

/* ---- normaliser: any decoded frame -> I420 8-bit at display orientation, CFR ---- */
typedef struct LSNormalizer LSNormalizer;
typedef int (*LSFrameSink)(void *opaque, const LSPicture *pic, int64_t index);
/* @p t0: input time of output time 0 (NAN: the first frame's); a first frame after t0 is shown from t0 on. */
int ls_normalizer_open(LSNormalizer **n, LStreamJob *job, const LSSourceInfo *info, int fps_num, int fps_den,
                       double t0, LSFrameSink sink, void *opaque);
/* Push one decoded frame; the sink is called for each constant-rate output slot it fills. */
int ls_normalizer_push(LSNormalizer *n, const LSVideoFrame *f);
/* End of stream: fill the last slot(s) up to @p end_time seconds (or one frame if <= 0). */
int ls_normalizer_finish(LSNormalizer *n, double end_time);
int64_t ls_normalizer_count(const LSNormalizer *n);
void ls_normalizer_close(LSNormalizer **n);

/* ---- ladder ---- */
typedef struct LSRungPlan {
    char name[16];          /* folder name, e.g. "v720" */
    int width, height;
    int short_side;
    LStreamRung rung;       /* rate control */
} LSRungPlan;

typedef struct LSLadder {
    int n;
    LSRungPlan r[LSTREAM_MAX_RUNGS];
    int fps_num, fps_den;   /* output frame rate */
} LSLadder;

int ls_ladder_plan(LStreamJob *job, const LSSourceInfo *src, LSLadder *ladder);

/* ---- segment plan: one list of boundaries for all renditions ---- */
typedef struct LSSegPlan {
    int64_t unit_num, unit_den; /* seconds per planning unit (a video frame, or an AAC frame if audio-only) */
    int64_t est_units;          /* estimated total units */
    int64_t max_units;          /* longest planned segment, in units (<= target duration) */
    int64_t max_last;           /* the last planned segment may grow to this (EXTINF still rounds to target) */
    int64_t n_planned;
    double target;              /* seconds */
} LSSegPlan;

void ls_segplan_init(LSSegPlan *p, double target_s, int64_t unit_num, int64_t unit_den, int64_t est_units);
/* First unit of segment @p s (s >= 0). Segments past the estimate continue at max_units. */
int64_t ls_segplan_start(const LSSegPlan *p, int64_t s);
/* Index of the segment containing unit @p u. */
int64_t ls_segplan_segment_of(const LSSegPlan *p, int64_t u);

/* ---- encoded samples and the CMAF writer ---- */
typedef struct LSPacket {
    const uint8_t *data;
    int size;
    int64_t pts, dts;       /* track timescale; dts monotonic, IDR dts == pts */
    int64_t duration;
    int key;
} LSPacket;

typedef struct LSSegInfo {
    int64_t start;          /* baseMediaDecodeTime (== earliest presentation time) in track timescale */
    int64_t duration;       /* track timescale */
    int64_t bytes;          /* file size */
    int64_t moof_offset;    /* offset of moof in the file */
    int64_t iframe_bytes;   /* moof + mdat header + first (IDR) sample */
    int samples;
} LSSegInfo;

enum { LS_TRACK_VIDEO = 1, LS_TRACK_AUDIO = 2 };
typedef struct LSTrack {
    int kind;
    char dir[LS_PATH_MAX];  /* rendition folder (absolute or relative to cwd) */
    char name[16];          /* rendition folder name */
    uint32_t timescale;
    /* video */
    int width, height;
    uint8_t *avcc; int avcc_size;   /* AVCDecoderConfigurationRecord */
    /* audio */
    int sample_rate, channels;
    uint8_t *asc; int asc_size;     /* AudioSpecificConfig */
    int bitrate;                    /* nominal, for btrt/esds */
    char codec[32];                 /* RFC 6381 string, from avcC / ASC */
    /* segments */
    LSSegInfo *seg; int n_seg, cap_seg;
    /* current segment being gathered */
    uint8_t *mdat; size_t mdat_size, mdat_cap;
    struct LSSample { uint32_t size, duration, flags; int32_t cts; } *samp;
    int n_samp, cap_samp;
    int64_t seg_start_dts;
    int64_t next_dts;
    uint32_t seq;
    int open_segment;
} LSTrack;

typedef int (*LSPacketSink)(void *opaque, const LSPacket *pkt);

/* H.264 through x264. Packets: 4-byte length-prefixed NAL units, pts/dts in frames (index), dts shifted
 * so that an IDR's dts equals its pts. */
typedef struct LSX264 LSX264;
int ls_x264_open(LSX264 **e, LStreamJob *job, const LSRungPlan *r, int fps_num, int fps_den,
                 uint8_t **avcc, int *avcc_size);
/* Encode @p pic as frame @p index (NULL pic: drain). */
int ls_x264_encode(LSX264 *e, const LSPicture *pic, int64_t index, int force_idr, LSPacketSink sink, void *opaque);
void ls_x264_close(LSX264 **e);

/* AAC-LC through libavcodec, resampled with libswresample to 48 kHz. Packets are numbered i = 0, 1, ...
 * with pts = dts = 1024 * i; the encoder's priming is compensated so packet i plays source time 1024*i/48k. */
#define LS_AAC_RATE 48000
#define LS_AAC_FRAME 1024
typedef struct LSAac LSAac;
int ls_aac_open(LSAac **a, LStreamJob *job, int channels, int kbps, uint8_t **asc, int *asc_size);
/* Feed decoded audio whose first sample is at @p offset seconds on the output timeline. */
int ls_aac_push(LSAac *a, const struct AVFrame *f, double offset, LSPacketSink sink, void *opaque);
/* End: pad with silence so at least @p packets packets come out (0 = just the input), and drain. */
int ls_aac_finish(LSAac *a, int64_t packets, LSPacketSink sink, void *opaque);
int64_t ls_aac_samples_in(const LSAac *a);
void ls_aac_close(LSAac **a);

int ls_track_init(LSTrack *t, LStreamJob *job, int kind, const char *dir, const char *name, uint32_t timescale);
int ls_track_write_init(LSTrack *t, LStreamJob *job);
/* Append a sample to the current segment (opening one if needed). */
int ls_track_add(LSTrack *t, LStreamJob *job, const LSPacket *pkt);
/* Close the current segment and write it to disk (no-op if empty). */
int ls_track_flush(LSTrack *t, LStreamJob *job);
void ls_track_free(LSTrack *t);

/* ---- codec strings (RFC 6381) from real configuration records ---- */
int ls_codec_string_avcc(const uint8_t *avcc, int size, char *out, size_t out_size);
int ls_codec_string_asc(const uint8_t *asc, int size, char *out, size_t out_size);

/* ---- bit rates ---- */
/* RFC 8216 4.3.4.2 peak: max over runs of contiguous segments lasting [0.5, 1.5] x target. bit/s. */
double ls_peak_bitrate(const int64_t *bytes, const double *dur, int n, double target);
double ls_avg_bitrate(const int64_t *bytes, const double *dur, int n);
/* Smallest bandwidth (bit/s) passing the DASH leaky bucket with @p min_buffer seconds (ISO 23009-1 5.3.5.2):
 * each segment fully received before its presentation starts, starting at any segment. */
double ls_leaky_bucket_bandwidth(const int64_t *bytes, const double *dur, int n, double min_buffer);

/* ---- manifests ---- */
typedef struct LSRendition {
    LSTrack *track;
    const LSRungPlan *rung;     /* NULL for audio */
    double peak, avg;           /* measured media bit/s, this rendition alone */
    double dash_bw;             /* leaky bucket bit/s */
} LSRendition;

typedef struct LSPackage {
    int n_video;
    LSRendition video[LSTREAM_MAX_RUNGS];
    int has_audio;
    LSRendition audio;
    int fps_num, fps_den;
    double target;              /* planned target duration, seconds */
    double duration;            /* presentation duration, seconds */
    double min_buffer;          /* DASH minBufferTime */
    const char *language;
} LSPackage;

int ls_write_hls(LStreamJob *job, const LSPackage *pkg, const char *outdir);
int ls_write_dash(LStreamJob *job, const LSPackage *pkg, const char *outdir);
int ls_write_report(LStreamJob *job, const LSPackage *pkg, const LSSourceInfo *src, const char *outdir);

/* ---- validation of a staged ladder (validate.c) ---- */
int ls_validate_staged(LStreamJob *job, const char *dir);

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
int ls_write_file(LStreamJob *job, const char *path, const void *data, size_t size);

/* ---- growable string ---- */
typedef struct LSBuf { char *s; size_t len, cap; int oom; } LSBuf;
void ls_buf_printf(LSBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ls_buf_free(LSBuf *b);
/* Write the buffer to root/name and free it (also on error). */
int ls_buf_write(LStreamJob *job, LSBuf *b, const char *root, const char *name);
/* FFmpeg error text (adapters only). */
const char *ls_av_err(int averror, char *buf, size_t size);

#endif
