/*
 * A host that captures a lecture itself (its own camera or screen grabber) and hands libstream the pictures and
 * the sound as they come: libstream publishes the live ladder in OUTDIR while it runs (serve OUTDIR with any web
 * server: master.m3u8, manifest.mpd) and turns it into the VOD ladder when the host closes.
 *
 * Here the "capture" is generated: a slide that changes every 5 s with a pointer moving over it, and a tone.
 *   cc live_push.c $(pkg-config --cflags --libs libstream) -lm -o live_push
 *   ./live_push OUTDIR [SECONDS] [--realtime]
 * Without --realtime the pictures are pushed as fast as libstream takes them (a recording replayed).
 */
#include <libstream/libstream.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { W = 640, H = 360, FPS = 30, RATE = 48000, CH = 1 };

static void log_cb(void *opaque, int level, const char *msg)
{
    (void)opaque;
    if (level <= LSTREAM_LOG_WARNING)
        fprintf(stderr, "libstream: %s\n", msg);
}

static void capture_picture(uint8_t *y, uint8_t *u, uint8_t *v, int frame)
{
    const int slide = frame / (5 * FPS);
    for (int r = 0; r < H; r++)
        memset(y + r * W, 60 + 40 * (slide % 4) + (r * 40 / H), W);
    for (int r = 40; r < 60; r++) /* a title bar that differs per slide */
        memset(y + r * W + 40, slide % 2 ? 230 : 20, W - 80);
    const int px = (frame * 4) % (W - 16), py = H / 2 + (int)(60 * sin(frame / 20.0)); /* the pointer */
    for (int r = py; r < py + 16; r++)
        memset(y + r * W + px, 235, 16);
    memset(u, 128 + 10 * (slide % 3), W * H / 4);
    memset(v, 128 - 10 * (slide % 3), W * H / 4);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OUTDIR [SECONDS] [--realtime]\n", argv[0]);
        return 1;
    }
    const double seconds = argc > 2 && argv[2][0] != '-' ? atof(argv[2]) : 10;
    int realtime = 0;
    for (int i = 2; i < argc; i++)
        realtime |= !strcmp(argv[i], "--realtime");

    LStreamSettings s;
    lstream_default_settings(&s);
    s.segment_duration = 2; /* live: short segments */
    s.log_cb = log_cb;
    LStreamJob *job = NULL;
    int err = lstream_job_open(&job, &s);
    if (err < 0) {
        fprintf(stderr, "cannot open a job: %s\n", lstream_strerror(err));
        return 1;
    }
    const LStreamLiveFormat fmt = {
        .width = W, .height = H, .fps_num = FPS, .fps_den = 1, .sample_rate = RATE, .channels = CH
    };
    LStreamLive *live = NULL; /* owned by us until lstream_live_close() */
    if ((err = lstream_live_open(job, &fmt, argv[1], &live)) < 0) {
        fprintf(stderr, "%s\n", lstream_job_error(job) ? lstream_job_error(job) : lstream_strerror(err));
        lstream_job_close(&job);
        return 1;
    }
    uint8_t *y = malloc(W * H), *u = malloc(W * H / 4), *v = malloc(W * H / 4);
    float pcm[RATE / FPS * CH];
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long sample = 0;
    for (int f = 0; f < seconds * FPS && !err && y && u && v; f++) {
        const double pts = (double)f / FPS; /* the capture clock; the same one for pictures and sound */
        if (realtime) {                     /* a real capture delivers at its own pace */
            struct timespec due = t0;
            due.tv_sec += (time_t)pts;
            due.tv_nsec += (long)((pts - floor(pts)) * 1e9);
            if (due.tv_nsec >= 1000000000L) {
                due.tv_sec++;
                due.tv_nsec -= 1000000000L;
            }
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
        }
        capture_picture(y, u, v, f);
        const uint8_t *planes[3] = { y, u, v }; /* copied by libstream: ours again when the call returns */
        const ptrdiff_t strides[3] = { W, W / 2, W / 2 };
        err = lstream_live_push_video(live, planes, strides, pts);
        const double apts = (double)sample / RATE;
        for (int i = 0; i < RATE / FPS; i++, sample++)
            pcm[i] = 0.1f * (float)sin(2 * M_PI * 220 * sample / RATE);
        if (!err)
            err = lstream_live_push_audio(live, pcm, RATE / FPS, apts);
    }
    const int result = lstream_live_close(&live); /* the lecture ends: the VOD ladder is published */
    if (result < 0)
        fprintf(stderr, "%s\n", lstream_job_error(job) ? lstream_job_error(job) : lstream_strerror(result));
    else
        printf("published %s/master.m3u8 and %s/manifest.mpd (VOD)\n", argv[1], argv[1]);
    LStreamValidation *val = NULL;
    if (!result && lstream_validate(argv[1], &val) == 0)
        printf("validator: %d MUST findings\n", lstream_validation_must_count(val));
    lstream_validation_free(&val);
    free(y);
    free(u);
    free(v);
    lstream_job_close(&job);
    return result < 0 || err < 0 ? 1 : 0;
}
