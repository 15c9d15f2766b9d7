/* Terminal helpers shared by lstream and lstream-bench. */
#include "config.h"
#include "cli_common.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;
static LStreamJob *volatile live_job; /* cli_stop_on_signal() */

static void on_signal(int sig)
{
    interrupted = 1;
    if (live_job)
        lstream_job_stop(live_job); /* sets a flag: safe here */
    signal(sig, SIG_DFL);           /* a second Ctrl-C ends the process at once */
}

void cli_install_signals(void)
{
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
}

int cli_cancel(void *opaque)
{
    (void)opaque;
    return interrupted;
}
int cli_interrupted(void) { return interrupted; }

void cli_stop_on_signal(LStreamJob *job)
{
    live_job = job;
    if (job)
        cli_install_signals();
}

void cli_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

void cli_progress_end(CliOut *o)
{
    if (o->bar_drawn) {
        fputs("\r\033[K", stderr);
        o->bar_drawn = 0;
    }
}

void cli_log(void *opaque, int level, const char *msg)
{
    CliOut *o = opaque;
    if (o->json) {
        printf("{\"event\": \"log\", \"level\": \"%s\", \"message\": ", level == LSTREAM_LOG_ERROR     ? "error"
                                                                        : level == LSTREAM_LOG_WARNING ? "warning"
                                                                        : level == LSTREAM_LOG_INFO    ? "info"
                                                                                                       : "debug");
        cli_json_string(msg);
        printf("}\n");
        fflush(stdout);
        return;
    }
    if (o->quiet && level > LSTREAM_LOG_ERROR)
        return;
    if (level == LSTREAM_LOG_ERROR)
        return; /* the caller prints the job's error once, at the end */
    if (level >= LSTREAM_LOG_INFO && !o->verbose)
        return;
    cli_progress_end(o);
    fprintf(stderr, "%s%s\n", level == LSTREAM_LOG_WARNING ? "warning: " : "", msg);
}

static void hms(char *out, size_t n, double s)
{
    if (!(s >= 0) || s > 360000) {
        snprintf(out, n, "--:--");
        return;
    }
    int t = (int)lrint(s);
    if (t >= 3600)
        snprintf(out, n, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, n, "%d:%02d", t / 60, t % 60);
}

void cli_progress(void *opaque, const LStreamProgress *p)
{
    CliOut *o = opaque;
    if (o->json) { /* JSON has no NaN: a figure not known yet is 0 */
#define FIN(x) (isfinite(x) ? (x) : 0.0)
        printf("{\"event\": \"progress\", \"stage\": \"%s\", \"media_done_s\": %.3f, \"media_total_s\": %.3f, "
               "\"elapsed_s\": %.3f, \"speed\": %.3f, \"frames\": %lld}\n",
               p->stage, FIN(p->media_done_s), FIN(p->media_total_s), FIN(p->elapsed_s), FIN(p->speed),
               (long long)p->frames_done);
#undef FIN
        fflush(stdout);
        return;
    }
    if (o->quiet || !o->tty)
        return;
    const double frac = p->media_total_s > 0 ? fmin(1.0, p->media_done_s / p->media_total_s) : 0;
    const int width = 30, fill = (int)(frac * width);
    char bar[64], eta[32], done[32], total[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    hms(eta, sizeof(eta), p->speed > 0 ? (p->media_total_s - p->media_done_s) / p->speed : -1);
    hms(done, sizeof(done), p->media_done_s);
    hms(total, sizeof(total), p->media_total_s);
    fprintf(stderr, "\r\033[K%-9s [%s] %3.0f%%  %s / %s  %.2fx  ETA %s", p->stage, bar, frac * 100, done, total,
            p->speed, eta);
    fflush(stderr);
    o->bar_drawn = 1;
}
