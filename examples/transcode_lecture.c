/*
 * Embedding libstream in a platform's server: transcode one uploaded lecture into a ladder, with the
 * library's log routed to the host's logger, progress reported, and a deadline enforced by the cancel
 * callback. Build against an installed libstream:
 *     cc transcode_lecture.c $(pkg-config --cflags --libs libstream) -o transcode_lecture
 * usage: transcode_lecture INPUT OUTDIR [deadline-seconds]
 */
#include <libstream/libstream.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct Host {
    time_t deadline;
    int last_pct;
} Host;

static void host_log(void *opaque, int level, const char *msg)
{
    (void)opaque;
    static const char *names[] = { "error", "warning", "info", "debug" };
    fprintf(stderr, "[libstream %s] %s\n", names[level < 0 || level > 3 ? 3 : level], msg);
}

static void host_progress(void *opaque, const LStreamProgress *p)
{
    Host *h = opaque;
    int pct = p->media_total_s > 0 ? (int)(100 * p->media_done_s / p->media_total_s) : 0;
    if (pct / 10 != h->last_pct / 10) /* every 10 % */
        fprintf(stderr, "%s: %d%% at %.1fx realtime\n", p->stage, pct, p->speed);
    h->last_pct = pct;
}

static int host_cancel(void *opaque)
{
    const Host *h = opaque;
    return h->deadline && time(NULL) > h->deadline;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s INPUT OUTDIR [deadline-seconds]\n", argv[0]);
        return 1;
    }
    Host host = { .deadline = argc > 3 ? time(NULL) + atoi(argv[3]) : 0, .last_pct = -10 };
    LStreamSettings s;
    lstream_default_settings(&s);
    s.log_cb = host_log;
    s.log_level = LSTREAM_LOG_WARNING;
    s.progress_cb = host_progress;
    s.progress_opaque = &host;
    s.cancel_cb = host_cancel;
    s.cancel_opaque = &host;
    lstream_settings_set(&s, "audio_language", "km"); /* Khmer lectures */

    LStreamJob *job = NULL;
    int err = lstream_job_open(&job, &s);
    if (err < 0) {
        fprintf(stderr, "settings rejected: %s\n", lstream_strerror(err));
        return 1;
    }
    err = lstream_job_run(job, argv[1], argv[2]);
    if (err < 0) {
        /* the job's message names the file and the reason; nothing was published */
        fprintf(stderr, "transcode failed (%s): %s\n", lstream_strerror(err),
                lstream_job_error(job) ? lstream_job_error(job) : "");
    } else {
        /* the ladder was validated before it was published; check it again as a downstream service would */
        LStreamValidation *v = NULL;
        if (lstream_validate(argv[2], &v) == 0)
            printf("%s: published, %d checks, %d MUST findings\n", argv[2], lstream_validation_checks(v),
                   lstream_validation_must_count(v));
        lstream_validation_free(&v);
    }
    lstream_job_close(&job);
    return err < 0 ? 2 : 0;
}
