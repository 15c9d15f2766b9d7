/*
 * The public API, as a platform developer uses it: settings validation, error strings, two jobs running
 * at once in one process, cancellation, the library printing nothing, and refusal to replace a directory
 * that is not a ladder.
 */
#include "config.h"
#include "libstream/libstream.h"
#include "tools/synth.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/expect.h"

static char tmp[512];
static char sample[600];

typedef struct Run {
    char out[600];
    int err;
    int logs;
    pthread_mutex_t lock;
} Run;

static void count_log(void *opaque, int level, const char *msg)
{
    Run *r = opaque;
    (void)level;
    (void)msg;
    pthread_mutex_lock(&r->lock);
    r->logs++;
    pthread_mutex_unlock(&r->lock);
}

static void *run_job(void *arg)
{
    Run *r = arg;
    LStreamSettings s;
    lstream_default_settings(&s);
    s.threads = 1;
    snprintf(s.preset, sizeof(s.preset), "ultrafast");
    s.log_cb = count_log;
    s.log_opaque = r;
    s.log_level = LSTREAM_LOG_DEBUG;
    LStreamJob *job;
    r->err = lstream_job_open(&job, &s);
    if (r->err == 0)
        r->err = lstream_job_run(job, sample, r->out);
    lstream_job_close(&job);
    return NULL;
}

static int cancel_after;
static int cancel_cb(void *o)
{
    (void)o;
    return --cancel_after < 0;
}

int main(void)
{
    snprintf(tmp, sizeof(tmp), "%s/lstream-api-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return 99;
    LStreamSettings s;
    LStreamJob *job = (LStreamJob *)&s;
    lstream_default_settings(&s);
    s.segment_duration = 0.1;
    EXPECT(lstream_job_open(&job, &s) == LSTREAM_ERR_SETTINGS && job == NULL, "bad segment duration accepted");
    lstream_default_settings(&s);
    snprintf(s.preset, sizeof(s.preset), "warp-speed");
    EXPECT(lstream_job_open(&job, &s) == LSTREAM_ERR_SETTINGS, "unknown preset accepted");
    lstream_default_settings(&s);
    s.n_rungs = 1;
    lstream_default_rung(360, &s.rungs[0]);
    s.rungs[0].crf = 99;
    EXPECT(lstream_job_open(&job, &s) == LSTREAM_ERR_SETTINGS, "crf 99 accepted");

    /* every bad value names itself: the check's message has the field, its value and the rule */
    static const struct {
        const char *name, *value, *expect;
    } bad[] = {
        { "max_fps", "500", "max_fps = 500" },
        { "segment_duration", "0.1", "segment_duration = 0.1" },
        { "threads", "-3", "threads = -3" },
        { "audio_kbps", "8", "audio_kbps = 8" },
        { "audio_channels", "6", "audio_channels = 6" },
        { "audio_language", "k m", "audio_language = 'k m'" },
        { "preset", "warp-speed", "preset = 'warp-speed'" },
        { "rungs", "360:crf=99", "rungs[0].crf = 99" },
        { "log_level", "9", "log_level = 9" },
    };
    char why[512];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        lstream_default_settings(&s);
        EXPECT(lstream_settings_set(&s, bad[i].name, bad[i].value) == LSTREAM_ERR_SETTING_VALUE,
               "settings_set(%s, %s) accepted", bad[i].name, bad[i].value);
        LStreamSettings d;
        lstream_default_settings(&d);
        EXPECT(!memcmp(&s, &d, sizeof(s)), "settings_set(%s) changed the struct on error", bad[i].name);
        /* the same value put in the struct directly: the check names the field */
        if (!strcmp(bad[i].name, "max_fps"))
            s.max_fps = 500;
        else if (!strcmp(bad[i].name, "segment_duration"))
            s.segment_duration = 0.1;
        else if (!strcmp(bad[i].name, "threads"))
            s.threads = -3;
        else if (!strcmp(bad[i].name, "audio_kbps"))
            s.audio_kbps = 8;
        else if (!strcmp(bad[i].name, "audio_channels"))
            s.audio_channels = 6;
        else if (!strcmp(bad[i].name, "audio_language"))
            snprintf(s.audio_language, sizeof(s.audio_language), "k m");
        else if (!strcmp(bad[i].name, "preset"))
            snprintf(s.preset, sizeof(s.preset), "warp-speed");
        else if (!strcmp(bad[i].name, "rungs")) {
            s.n_rungs = 1;
            lstream_default_rung(360, &s.rungs[0]);
            s.rungs[0].crf = 99;
        } else if (!strcmp(bad[i].name, "log_level"))
            s.log_level = 9;
        EXPECT(lstream_settings_check(&s, why, sizeof(why)) == LSTREAM_ERR_SETTINGS && strstr(why, bad[i].expect),
               "check of bad %s says '%s'", bad[i].name, why);
        EXPECT(lstream_settings_help(bad[i].name) != NULL, "no help for %s", bad[i].name);
    }
    lstream_default_settings(&s);
    EXPECT(lstream_settings_set(&s, "no_such_setting", "1") == LSTREAM_ERR_SETTING_NAME, "unknown name accepted");
    EXPECT(lstream_settings_set(&s, "rungs", "720,480:crf=24:max=900,240p") == 0 && s.n_rungs == 3 &&
               s.rungs[1].short_side == 480 && s.rungs[1].crf == 24 && s.rungs[1].max_kbps == 900 &&
               s.rungs[2].short_side == 240,
           "rungs by name");
    EXPECT(lstream_settings_set(&s, "preset", "medium") == 0 && !strcmp(s.preset, "medium"), "preset by name");
    EXPECT(lstream_settings_set(&s, "cpu_mask", "avx2") == 0 && s.cpu_mask == 15, "cpu_mask by level: %u", s.cpu_mask);
    EXPECT(lstream_settings_set(&s, "validate", "no") == 0 && s.validate == 0, "boolean by name");
    EXPECT(lstream_settings_set(&s, "audio_language", "km") == 0 && !strcmp(s.audio_language, "km"), "language");
    EXPECT(lstream_settings_check(&s, why, sizeof(why)) == 0, "settings set by name fail the check: %s", why);
    int names = 0;
    for (const char *n; (n = lstream_settings_name(names)); names++)
        EXPECT(lstream_settings_help(n) && lstream_settings_set(&s, n, "\x01") != LSTREAM_ERR_SETTING_NAME,
               "setting %s listed but unknown", n);
    EXPECT(names >= 13, "only %d settings listed", names);
    /* every setting's value as text goes back in unchanged (lstream_settings_get: what parts of a chunked encode
     * record), and a short buffer is told the length it needs */
    const LStreamSettings saved = s;
    EXPECT(lstream_settings_set(&s, "chunk_span", "10") == 0 && s.chunk_span == 10, "chunk_span by name");
    EXPECT(lstream_settings_set(&s, "rungs", "720:kbps=900:max=1200,480,240:crf=27.5:buf=90") == 0, "rungs");
    for (int i = 0; lstream_settings_name(i); i++) {
        const char *n = lstream_settings_name(i);
        char v[1024], v2[1024];
        LStreamSettings t;
        lstream_default_settings(&t);
        const int len = lstream_settings_get(&s, n, v, sizeof(v));
        EXPECT(len > 0 && (size_t)len < sizeof(v), "get %s: %d", n, len);
        EXPECT(lstream_settings_set(&t, n, v) == 0, "set %s = '%s' (from get) refused", n, v);
        EXPECT(lstream_settings_get(&t, n, v2, sizeof(v2)) == len && !strcmp(v, v2), "%s: '%s' came back as '%s'", n, v,
               v2);
    }
    {
        char small[4];
        EXPECT(lstream_settings_get(&s, "rungs", small, sizeof(small)) > 4 && strlen(small) == 3, "short buffer");
        EXPECT(lstream_settings_get(&s, "nope", small, sizeof(small)) == LSTREAM_ERR_SETTING_NAME, "unknown name");
    }
    s = saved;
    EXPECT(lstream_settings_size() == sizeof(LStreamSettings), "settings size %zu, header %zu", lstream_settings_size(),
           sizeof(LStreamSettings));
    lstream_job_close(NULL);
    job = NULL;
    lstream_job_close(&job);
    const int codes[] = { LSTREAM_ERR_INVALID_INPUT,
                          LSTREAM_ERR_NO_STREAMS,
                          LSTREAM_ERR_UNSUPPORTED,
                          LSTREAM_ERR_ENCODER,
                          LSTREAM_ERR_OUTPUT,
                          LSTREAM_ERR_CANCELLED,
                          LSTREAM_ERR_SETTINGS,
                          LSTREAM_ERR_VALIDATION,
                          LSTREAM_ERR_BUG,
                          LSTREAM_ERR(2),
                          -99999 };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        EXPECT(lstream_strerror(codes[i]) && lstream_strerror(codes[i])[0], "strerror(%d)", codes[i]);
    EXPECT(!strcmp(lstream_version(), PACKAGE_VERSION), "version %s", lstream_version());

    SynthParams sp;
    synth_defaults(&sp);
    sp.width = 320;
    sp.height = 180;
    sp.duration = 4;
    snprintf(sample, sizeof(sample), "%s/sample.mp4", tmp);
    char err[256];
    EXPECT(synth_write(&sp, sample, err, sizeof(err)) == 0, "sample: %s", err);

    /* two jobs at once; and the library writes nothing to stdout/stderr meanwhile */
    char capture[600];
    snprintf(capture, sizeof(capture), "%s/stdio.txt", tmp);
    fflush(stdout);
    fflush(stderr);
    int saved1 = dup(1), saved2 = dup(2), fd = open(capture, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    Run runs[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        memset(&runs[i], 0, sizeof(runs[i]));
        pthread_mutex_init(&runs[i].lock, NULL);
        snprintf(runs[i].out, sizeof(runs[i].out), "%s/out%d", tmp, i);
        pthread_create(&th[i], NULL, run_job, &runs[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    fflush(stdout);
    fflush(stderr);
    dup2(saved1, 1);
    dup2(saved2, 2);
    close(fd);
    struct stat st;
    EXPECT(stat(capture, &st) == 0 && st.st_size == 0, "the library printed %lld bytes (see %s)", (long long)st.st_size,
           capture);
    for (int i = 0; i < 2; i++) {
        EXPECT(runs[i].err == 0, "concurrent job %d: %s", i, lstream_strerror(runs[i].err));
        EXPECT(runs[i].logs > 0, "job %d: no message reached its log callback", i);
        LStreamValidation *v = NULL;
        EXPECT(lstream_validate(runs[i].out, &v) == 0 && lstream_validation_must_count(v) == 0 &&
                   lstream_validation_checks(v) > 50,
               "job %d output does not validate (%d MUST)", i, lstream_validation_must_count(v));
        lstream_validation_free(&v);
    }

    /* cancellation: fails with CANCELLED, publishes nothing, leaves no staging directory */
    lstream_default_settings(&s);
    snprintf(s.preset, sizeof(s.preset), "ultrafast");
    s.cancel_cb = cancel_cb;
    cancel_after = 20;
    EXPECT(lstream_job_open(&job, &s) == 0, "open");
    char out[700];
    snprintf(out, sizeof(out), "%s/cancelled", tmp);
    int e = lstream_job_run(job, sample, out);
    EXPECT(e == LSTREAM_ERR_CANCELLED, "cancel gave %d", e);
    EXPECT(stat(out, &st) != 0, "a cancelled run published %s", out);
    char cmd[1400];
    snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -q staging", tmp);
    EXPECT(system(cmd) != 0, "staging directory left behind in %s", tmp);

    /* a directory that is not a ladder is never replaced */
    snprintf(out, sizeof(out), "%s/precious", tmp);
    mkdir(out, 0755);
    snprintf(cmd, sizeof(cmd), "echo keep > '%s/thesis.txt'", out);
    EXPECT(system(cmd) == 0, "setup");
    s.cancel_cb = NULL;
    lstream_job_close(&job);
    EXPECT(lstream_job_open(&job, &s) == 0, "open");
    e = lstream_job_run(job, sample, out);
    EXPECT(e == LSTREAM_ERR_OUTPUT && lstream_job_error(job) && strstr(lstream_job_error(job), "refusing"),
           "non-ladder directory: %d %s", e, lstream_job_error(job));
    snprintf(cmd, sizeof(cmd), "test -f '%s/thesis.txt' && test ! -e '%s/master.m3u8'", out, out);
    EXPECT(system(cmd) == 0, "the directory was touched");
    /* but a previous ladder is replaced, and the job error is cleared on success */
    e = lstream_job_run(job, sample, runs[0].out);
    EXPECT(e == 0 && lstream_job_error(job) == NULL, "re-run over a ladder: %d %s", e, lstream_job_error(job));
    lstream_job_close(&job);

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd))
        fprintf(stderr, "cannot remove %s\n", tmp);
    printf("api: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
