/*
 * Live jobs: the public entry points. A pushed live job runs the pipeline (transcode.c, live) on a thread of
 * its own reading the push queue; a GStreamer live job runs it on the caller's thread reading the capture.
 * Both take the same path from the input seam on: normaliser, lecture analysis, scalers, encoders, CMAF
 * writer, live manifests, and the VOD ladder at the end.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/input.h"
#include "libstream/output/output.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct LStreamLive {
    LStreamJob *job;
    LSPushQueue *q;
    pthread_t th;
    char outdir[LS_PATH_MAX];
    int result;
};

static void *live_thread(void *opaque)
{
    LStreamLive *l = opaque;
    l->result = ls_run_live(l->job, &ls_input_push, "push", l->outdir);
    /* a host still pushing is told, and never waits on a queue nobody reads */
    ls_push_fail(l->q, l->result ? l->result : LSTREAM_ERR(EPIPE));
    return NULL;
}

int lstream_live_open(LStreamJob *job, const LStreamLiveFormat *fmt, const char *outdir, LStreamLive **out)
{
    if (!out)
        return LSTREAM_ERR(EINVAL);
    *out = NULL;
    if (!job || !fmt)
        return LSTREAM_ERR(EINVAL);
    free(job->errmsg);
    job->errmsg = NULL;
    LStreamLiveFormat f = *fmt;
    if (!f.fps_num && !f.fps_den) {
        f.fps_num = 30;
        f.fps_den = 1;
    }
    if (f.width < 16 || f.height < 16 || f.width > 8192 || f.height > 8192 || (f.width | f.height) & 1)
        return ls_fail(job, LSTREAM_ERR(EINVAL), "live: picture size %dx%d: even sizes 16..8192", f.width, f.height);
    if (f.fps_num <= 0 || f.fps_den <= 0 || (double)f.fps_num / f.fps_den > 240)
        return ls_fail(job, LSTREAM_ERR(EINVAL), "live: frame rate %d/%d: 0/0 (30) or up to 240", f.fps_num, f.fps_den);
    if (f.sample_rate && (f.sample_rate < 8000 || f.sample_rate > 192000 || f.channels < 1 || f.channels > 8))
        return ls_fail(job, LSTREAM_ERR(EINVAL), "live: audio %d Hz %d channels: 8000..192000 Hz, 1..8 channels",
                       f.sample_rate, f.channels);
    for (size_t i = 0; i < sizeof(f.reserved); i++)
        if (f.reserved[i])
            return ls_fail(job, LSTREAM_ERR(EINVAL), "live: LStreamLiveFormat.reserved must be zero");
    if (!outdir || !outdir[0])
        return ls_fail(job, LSTREAM_ERR(EINVAL), "an output directory is required");
    if (job->push)
        return ls_fail(job, LSTREAM_ERR(EINVAL), "live: this job already runs a live lecture");
    int err = ls_live_output_check(job, outdir); /* now, not later on the pipeline's thread */
    if (err)
        return err;
    /* the folder exists when this returns (a host may hand it to its web server at once) */
    struct stat st;
    const int made = stat(outdir, &st) != 0;
    if (ls_mkdir(outdir))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot create %s: %s", outdir, strerror(errno));
    LStreamLive *l = ls_calloc(1, sizeof(*l));
    if (!l)
        return LSTREAM_ERR(ENOMEM);
    l->job = job;
    snprintf(l->outdir, sizeof(l->outdir), "%s", outdir);
    err = ls_push_queue_open(&l->q, &f);
    if (err) {
        free(l);
        if (made)
            rmdir(outdir);
        return err;
    }
    job->push = l->q;
    job->stop = 0;
    if (pthread_create(&l->th, NULL, live_thread, l)) {
        job->push = NULL;
        ls_push_queue_close(&l->q);
        free(l);
        if (made)
            rmdir(outdir);
        return ls_fail(job, LSTREAM_ERR(EAGAIN), "live: cannot start the pipeline thread");
    }
    *out = l;
    return 0;
}

int lstream_live_push_video(LStreamLive *l, const uint8_t *const planes[3], const ptrdiff_t strides[3], double pts)
{
    if (!l || !planes || !strides || !planes[0] || !planes[1] || !planes[2])
        return LSTREAM_ERR(EINVAL);
    return ls_push_video(l->q, planes, strides, pts);
}

int lstream_live_push_audio(LStreamLive *l, const float *samples, int nb_samples, double pts)
{
    if (!l || (!samples && nb_samples) || nb_samples < 0 || nb_samples > 1 << 20)
        return LSTREAM_ERR(EINVAL);
    return ls_push_audio(l->q, samples, nb_samples, pts);
}

int lstream_live_close(LStreamLive **pl)
{
    if (!pl || !*pl)
        return LSTREAM_ERR(EINVAL);
    LStreamLive *l = *pl;
    ls_push_end(l->q);
    pthread_join(l->th, NULL);
    const int err = l->result;
    l->job->push = NULL;
    ls_push_queue_close(&l->q);
    free(l);
    *pl = NULL;
    return err;
}

void lstream_job_stop(LStreamJob *job)
{
    if (job)
        __atomic_store_n(&job->stop, 1, __ATOMIC_RELAXED);
}

int lstream_job_run_live(LStreamJob *job, const char *video, const char *audio, double duration, const char *outdir)
{
    if (!job)
        return LSTREAM_ERR(EINVAL);
    free(job->errmsg);
    job->errmsg = NULL;
    if (!video || !video[0])
        return ls_fail(job, LSTREAM_ERR(EINVAL), "live: a video source is required (\"test\", or a GStreamer source)");
    if (!outdir || !outdir[0])
        return ls_fail(job, LSTREAM_ERR(EINVAL), "an output directory is required");
    if (!(duration >= 0))
        return ls_fail(job, LSTREAM_ERR(EINVAL), "live: duration %g: must be >= 0", duration);
#if HAVE_GSTREAMER
    const LSLiveSource src = { video, audio, duration };
    job->live_src = &src;
    job->stop = 0;
    const int err = ls_run_live(job, &ls_input_gst, video, outdir);
    job->live_src = NULL;
    return err;
#else
    (void)audio;
    return ls_fail(job, LSTREAM_ERR_UNSUPPORTED,
                   "live capture needs GStreamer: this libstream was built without it (configure --with-gstreamer); "
                   "a host can still push its own frames (lstream_live_open())");
#endif
}
