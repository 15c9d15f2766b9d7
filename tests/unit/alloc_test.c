/*
 * Allocation failure, one allocation at a time: libstream's n-th allocation fails (filters/mem.c), for every
 * n of a small transcode and a validation (or an even sample of them: ALLOC_TEST_MAX caps the runs). Each
 * failure must end in an error (or, for the validator, a report that does not pass), publish nothing and leave
 * no staging folder; under AddressSanitizer (./run.sh test runs it there too) it must also leak nothing.
 */
#include "config.h"
#include "libstream/internal.h"
#include "tools/synth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/expect.h"

static int run(const LStreamSettings *s, const char *in, const char *out)
{
    LStreamJob *job = NULL;
    int err = lstream_job_open(&job, s);
    if (!err)
        err = lstream_job_run(job, in, out);
    lstream_job_close(&job);
    return err;
}

static int exists(const char *p)
{
    struct stat st;
    return !stat(p, &st);
}

int main(void)
{
    char tmp[512], in[700], good[700], out[700], cmd[1600], err[256];
    snprintf(tmp, sizeof(tmp), "%s/lstream-alloc-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return 99;
    snprintf(in, sizeof(in), "%s/in.mp4", tmp);
    snprintf(good, sizeof(good), "%s/good", tmp);
    snprintf(out, sizeof(out), "%s/out", tmp);
    SynthParams sp;
    synth_defaults(&sp);
    sp.width = 320;
    sp.height = 180;
    sp.duration = 2;
    if (synth_write(&sp, in, err, sizeof(err)) < 0) {
        printf("sample: %s\n", err);
        return 99;
    }
    LStreamSettings s;
    lstream_default_settings(&s);
    lstream_settings_set(&s, "preset", "ultrafast");
    lstream_settings_set(&s, "rungs", "180,90");
    lstream_settings_set(&s, "threads", "2"); /* the input thread and the pool too */

    /* how many allocations a clean run makes */
    long before = ls_alloc_count();
    EXPECT(run(&s, in, good) == 0, "clean run");
    const long total = ls_alloc_count() - before;
    const long max_runs = getenv("ALLOC_TEST_MAX") ? atol(getenv("ALLOC_TEST_MAX")) : 150;
    const long step = total > max_runs ? (total + max_runs - 1) / max_runs : 1;
    printf("transcode: %ld allocations; failing every %ld%s\n", total, step, step > 1 ? " (a sample)" : "");
    int runs = 0;
    for (long n = 0; n < total; n += step) {
        ls_alloc_fail_after(n);
        const int e = run(&s, in, out);
        ls_alloc_fail_after(-1);
        runs++;
        snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -q lstream-staging", tmp);
        const int debris = system(cmd) == 0;
        EXPECT(e < 0 && !exists(out) && !debris, "allocation %ld of %ld failing: err %d, published %d, staging left %d",
               n, total, e, exists(out), debris);
        if (exists(out)) {
            snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
            if (system(cmd))
                return 99;
        }
    }

    /* the validator on the good ladder: an error, or a report with a MUST finding (incomplete) */
    before = ls_alloc_count();
    LStreamValidation *v = NULL;
    EXPECT(lstream_validate(good, &v) == 0 && lstream_validation_must_count(v) == 0, "clean validation");
    lstream_validation_free(&v);
    const long vtotal = ls_alloc_count() - before;
    const long vstep = vtotal > max_runs ? (vtotal + max_runs - 1) / max_runs : 1;
    printf("validate: %ld allocations; failing every %ld\n", vtotal, vstep);
    for (long n = 0; n < vtotal; n += vstep) {
        ls_alloc_fail_after(n);
        const int e = lstream_validate(good, &v);
        ls_alloc_fail_after(-1);
        runs++;
        EXPECT(e < 0 || lstream_validation_must_count(v) > 0,
               "validation with allocation %ld of %ld failing passed (err %d, %d MUST)", n, vtotal, e,
               v ? lstream_validation_must_count(v) : -1);
        lstream_validation_free(&v);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd))
        fprintf(stderr, "cannot remove %s\n", tmp);
    printf("alloc: %d runs; %d passed, %d failed\n", runs, passed, failed);
    return failed ? 1 : 0;
}
