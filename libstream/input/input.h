/*
 * The input seam. An input is an ops table that probes a source and hands the core decoded frames in the
 * library's own types (LSVideoFrame, LSAudio); the core never sees the library behind it. Built in:
 * ls_input_lavf (files, through libavformat/libavcodec and dav1d). Live capture and pushed frames come as
 * further ops tables.
 */
#ifndef LSTREAM_INPUT_INPUT_H
#define LSTREAM_INPUT_INPUT_H

#include "libstream/internal.h"

enum { LS_ITEM_VIDEO = 1, LS_ITEM_AUDIO = 2 };
typedef struct LSInputItem {
    int type;
    LSVideoFrame video; /* LS_ITEM_VIDEO; valid until the next read */
    LSAudio audio;      /* LS_ITEM_AUDIO; valid until the next read */
} LSInputItem;

typedef struct LSInputOps {
    const char *name;
    size_t priv_size;
    /* Open and probe @p url; fill @p info. Negative after ls_fail() on error. */
    int (*open)(void *priv, LStreamJob *job, const char *url, LSSourceInfo *info);
    /* 0 = item filled, LS_EOF at the end, negative after ls_fail() on error. */
    int (*read)(void *priv, LSInputItem *item);
    /* Optional; only before the first read. Deliver only the tracks in @p tracks (LS_ITEM_VIDEO |
     * LS_ITEM_AUDIO; the others are not decoded), starting at a point from which the video decodes
     * correctly at or before @p from seconds of input time (NAN: from the start). The checks that need the
     * whole input (damage thresholds, truncation) are then skipped. 0, or negative after ls_fail(). */
    int (*select)(void *priv, int tracks, double from);
    void (*close)(void *priv);
} LSInputOps;

typedef struct LSInput {
    const LSInputOps *ops;
    void *priv;
} LSInput;

int ls_input_open(LSInput *in, const LSInputOps *ops, LStreamJob *job, const char *url, LSSourceInfo *info);
static inline int ls_input_read(LSInput *in, LSInputItem *item) { return in->ops->read(in->priv, item); }
void ls_input_close(LSInput *in);
/* ops->select, or LSTREAM_ERR_UNSUPPORTED naming the input when it has none */
int ls_input_select(LSInput *in, LStreamJob *job, int tracks, double from);

extern const LSInputOps ls_input_lavf;

/* ---- live inputs ---- */
/* What a live input (raw I420 pictures, float samples; sample_rate 0: no audio) says of itself at open */
void ls_source_info_live(LSSourceInfo *info, const char *url, const char *container, int w, int h, int sar_num,
                         int sar_den, int fps_num, int fps_den, int sample_rate, int channels);
/* Pushed frames (input_push.c): the host's thread puts, the pipeline's input thread reads (job->push). */
typedef struct LSPushQueue LSPushQueue;
int ls_push_queue_open(LSPushQueue **q, const LStreamLiveFormat *fmt);
void ls_push_queue_close(LSPushQueue **q);
/* Copy and queue; block while the queue is full. 0, or the error ls_push_fail() set (also after ls_push_end). */
int ls_push_video(LSPushQueue *q, const uint8_t *const planes[3], const ptrdiff_t strides[3], double pts);
int ls_push_audio(LSPushQueue *q, const float *samples, int nb_samples, double pts);
/* The host is done: the reader gets what is queued, then LS_EOF. */
void ls_push_end(LSPushQueue *q);
/* The reader is gone: waiting and later pushes return @p err. */
void ls_push_fail(LSPushQueue *q, int err);
extern const LSInputOps ls_input_push;

/* A GStreamer capture (input_gst.c, --with-gstreamer): job->live_src says what to open. */
typedef struct LSLiveSource {
    const char *video, *audio; /* "test[:WxH@FPS]" or gst-launch branches; audio NULL/"" for none */
    double duration;           /* seconds; 0: until the source ends or lstream_job_stop() */
} LSLiveSource;
/* A live job (core/transcode.c) from @p ops, publishing in @p outdir as it goes, then the VOD ladder. */
int ls_run_live(LStreamJob *job, const LSInputOps *ops, const char *source, const char *outdir);
#if HAVE_GSTREAMER
extern const LSInputOps ls_input_gst;
#endif

#endif
