/*
 * The live push API, through the public header only: a host that captures itself pushes 8 s of pictures (a
 * moving bar over a gradient, a slide change at 4 s) and a tone, with timestamps, then closes; the folder is then
 * a VOD ladder that validates, with the live section in ladder.json and the slide change found. Bad formats and
 * outputs are refused at open with a message; a job that fails midway makes the pushes fail instead of blocking.
 */
#include "config.h"
#include "libstream/libstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/expect.h"

enum { W = 320, H = 180, RATE = 48000 };

static void draw(uint8_t *y, uint8_t *u, uint8_t *v, int frame)
{
    const int slide = frame >= 120;
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++)
            y[r * W + c] = (uint8_t)(slide ? 200 - r / 2 : 40 + c / 3);
    for (int r = 0; r < H; r++) /* a pointer moving over the slide */
        for (int c = 0; c < 8; c++)
            y[r * W + (frame * 3 + c) % W] = 235;
    memset(u, slide ? 90 : 128, (W / 2) * (H / 2));
    memset(v, slide ? 160 : 128, (W / 2) * (H / 2));
}

static void slurp_contains(const char *path, const char *what, int *found)
{
    *found = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    *found = strstr(buf, what) != NULL;
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], out[4200];
    snprintf(dir, sizeof(dir), "%s/lstream-live-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return 99;
    snprintf(out, sizeof(out), "%s/lecture", dir);
    LStreamSettings s;
    lstream_default_settings(&s);
    s.segment_duration = 2;
    s.threads = 2;
    s.thumbnails = 0;
    LStreamJob *job = NULL;
    EXPECT(lstream_job_open(&job, &s) == 0, "job open");

    /* refused at open, with a message, nothing started */
    LStreamLive *live = NULL;
    LStreamLiveFormat bad = { .width = 321, .height = 180 };
    EXPECT(lstream_live_open(job, &bad, out, &live) < 0 && !live, "odd width accepted");
    EXPECT(lstream_job_error(job) && strstr(lstream_job_error(job), "321x180"), "message: %s", lstream_job_error(job));
    LStreamLiveFormat fmt = {
        .width = W, .height = H, .fps_num = 30, .fps_den = 1, .sample_rate = RATE, .channels = 1
    };
    fmt.reserved[3] = 1;
    EXPECT(lstream_live_open(job, &fmt, out, &live) < 0, "reserved bytes accepted");
    fmt.reserved[3] = 0;
    char busy[4300];
    snprintf(busy, sizeof(busy), "%s/busy", dir);
    mkdir(busy, 0755);
    char note[4400];
    snprintf(note, sizeof(note), "%s/notes.txt", busy);
    FILE *nf = fopen(note, "w");
    if (nf)
        fclose(nf);
    EXPECT(lstream_live_open(job, &fmt, busy, &live) == LSTREAM_ERR_OUTPUT, "a non-empty folder accepted");
    EXPECT(access(note, F_OK) == 0, "the non-empty folder was touched");

    /* 8 s pushed, faster than real time (a host replaying a recording may do so) */
    EXPECT(lstream_live_open(job, &fmt, out, &live) == 0 && live, "open: %s", lstream_job_error(job));
    uint8_t *y = malloc(W * H), *u = malloc(W * H / 4), *v = malloc(W * H / 4);
    float *pcm = malloc(sizeof(float) * 1600);
    int err = 0;
    int64_t sample = 0;
    for (int f = 0; f < 240 && !err && live; f++) {
        const double t = 100.0 + f / 30.0; /* the host's clock need not start at 0 */
        draw(y, u, v, f);
        const uint8_t *planes[3] = { y, u, v };
        const ptrdiff_t strides[3] = { W, W / 2, W / 2 };
        err = lstream_live_push_video(live, planes, strides, t);
        for (int i = 0; i < 1600; i++, sample++)
            pcm[i] = 0.2f * (float)sin(2 * M_PI * 440 * sample / RATE);
        if (!err)
            err = lstream_live_push_audio(live, pcm, 1600, 100.0 + (double)(sample - 1600) / RATE);
    }
    EXPECT(err == 0, "push: %d %s", err, lstream_job_error(job));
    if (live)
        EXPECT(lstream_live_close(&live) == 0 && !live, "close: %s", lstream_job_error(job));
    char path[4400];
    snprintf(path, sizeof(path), "%s/ladder.json", out);
    int found = 0;
    slurp_contains(path, "\"live\": {", &found);
    EXPECT(found, "ladder.json has no live section");
    int f119 = 0, f120 = 0, f121 = 0;
    slurp_contains(path, "\"slide_changes\": [{\"frame\": 119,", &f119);
    slurp_contains(path, "\"slide_changes\": [{\"frame\": 120,", &f120);
    slurp_contains(path, "\"slide_changes\": [{\"frame\": 121,", &f121);
    EXPECT(f119 || f120 || f121, "the slide change at frame 120 (+-1) was not found");
    if (!(f119 || f120 || f121)) {
        char cmd[4500];
        snprintf(cmd, sizeof(cmd), "grep -A2 lecture '%s'", path);
        if (system(cmd))
            printf("(no lecture section)\n");
    }
    snprintf(path, sizeof(path), "%s/v180/index.m3u8", out);
    slurp_contains(path, "#EXT-X-ENDLIST", &found);
    EXPECT(found, "the media playlist has no ENDLIST");
    LStreamValidation *val = NULL;
    EXPECT(lstream_validate(out, &val) == 0 && lstream_validation_must_count(val) == 0, "the VOD does not validate");
    lstream_validation_free(&val);

    /* a job that fails midway (its folder removed under it): pushes return the error, close reports it */
    char gone[4300];
    snprintf(gone, sizeof(gone), "%s/gone", dir);
    EXPECT(lstream_live_open(job, &fmt, gone, &live) == 0, "open 2: %s", lstream_job_error(job));
    struct stat gst;
    EXPECT(stat(gone, &gst) == 0 && S_ISDIR(gst.st_mode), "the live folder does not exist when open returns");
    err = 0;
    for (int f = 0; f < 100000 && !err; f++) {
        if (f == 10) { /* the folder is moved away and a file takes its name: the next file written fails */
            char moved[4400];
            snprintf(moved, sizeof(moved), "%s.moved", gone);
            if (rename(gone, moved)) {
                printf("cannot move %s: the test cannot make the job fail\n", gone);
                break;
            }
            FILE *g = fopen(gone, "w");
            if (g)
                fclose(g);
        }
        draw(y, u, v, f);
        const uint8_t *planes[3] = { y, u, v };
        const ptrdiff_t strides[3] = { W, W / 2, W / 2 };
        err = lstream_live_push_video(live, planes, strides, f / 30.0);
    }
    EXPECT(err < 0, "pushes kept succeeding after the job failed");
    EXPECT(lstream_live_close(&live) < 0, "close reported success");
    EXPECT(lstream_job_error(job) != NULL, "no message");
    lstream_job_close(&job);
    free(y);
    free(u);
    free(v);
    free(pcm);
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 99;
    printf("live_test: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
