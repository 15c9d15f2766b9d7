/*
 * Adapter: FFmpeg's av_log goes to the log callback of the job running on the calling thread, never to
 * stderr. av_log_set_callback() is process-wide, so it is installed once, by the first FFmpeg adapter that
 * opens for a job with settings.ffmpeg_log (the default); with ffmpeg_log = 0 in every job, libstream never
 * touches av_log and a host keeps its own callback. Messages from FFmpeg's internal worker threads, and
 * from jobs that asked to be left alone, carry no job here and are dropped.
 */
#include "config.h"
#include "libstream/internal.h"

#include <pthread.h>
#include <stdio.h>

#include <libavutil/error.h>
#include <libavutil/log.h>

static __thread LStreamJob *current_job;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void av_log_cb(void *avcl, int level, const char *fmt, va_list ap)
{
    LStreamJob *job = current_job;
    if (!job || level > AV_LOG_VERBOSE)
        return;
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    const char *name = avcl ? (*(AVClass **)avcl)->item_name(avcl) : "ffmpeg";
    /* FFmpeg's errors are reported by libstream itself with context; here they are warnings at most. Its
     * warnings are chatter about details it handles itself (e.g. "EOI missing, emulating" on every MJPEG
     * frame of an ordinary AVI): information, not something the user can act on. */
    ls_log(job,
           level <= AV_LOG_ERROR     ? LSTREAM_LOG_WARNING
           : level <= AV_LOG_WARNING ? LSTREAM_LOG_INFO
                                     : LSTREAM_LOG_DEBUG,
           "%s: %s", name, msg);
}

const char *ls_av_err(int e, char *buf, size_t n)
{
    av_strerror(e, buf, n);
    return buf;
}

static void install(void) { av_log_set_callback(av_log_cb); }

void ls_ffmpeg_log_attach(LStreamJob *job)
{
    if (job && job->s.ffmpeg_log) {
        pthread_once(&once, install);
        current_job = job;
    } else {
        current_job = NULL;
    }
}
