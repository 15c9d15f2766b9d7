/*
 * Deterministic mutation fuzzing of what libstream reads from others:
 *  - the validator, on a real ladder whose files are corrupted one at a time (bit flips, byte runs, box sizes
 *    set to hostile values, truncation, spliced playlist lines), in process;
 *  - the transcoder, on a real input whose bytes are corrupted the same way.
 * Every call must return (a report, or a negative code), never crash or hang; built with ASan/UBSan (the
 * sanitizer stage of the test run) memory errors and leaks fail it too.
 * usage: fuzz LADDER_DIR INPUT.mp4 [iterations] [seed]
 */
#include "config.h"
#include "libstream/libstream.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
    *n = b && len > 0 ? fread(b, 1, (size_t)len, f) : 0;
    fclose(f);
    return b;
}

static void spit(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

/* one mutation of @p b (size *n, capacity cap) */
static void mutate(unsigned char *b, size_t *n, size_t cap)
{
    if (!*n)
        return;
    switch (rnd() % 6) {
    case 0: /* bit flips */
        for (int i = 0, k = 1 + rnd() % 8; i < k; i++)
            b[rnd() % *n] ^= (unsigned char)(1u << (rnd() % 8));
        break;
    case 1: { /* a run of one byte value */
        size_t at = rnd() % *n, len = 1 + rnd() % 64;
        memset(b + at, (int)(rnd() & 0xff), at + len > *n ? *n - at : len);
        break;
    }
    case 2: { /* a hostile 32-bit value where a box size or count may stand */
        static const uint32_t evil[] = { 0, 1, 7, 8, 0x7fffffff, 0xffffffff, 0x10000, 0xfffffff8 };
        size_t at = (rnd() % *n) & ~(size_t)3;
        uint32_t v = evil[rnd() % 8];
        for (int i = 0; i < 4 && at + i < *n; i++)
            b[at + i] = (unsigned char)(v >> (24 - 8 * i));
        break;
    }
    case 3: /* truncation */ *n = rnd() % *n; break;
    case 4: { /* duplicate a chunk (repeated boxes, repeated playlist lines) */
        size_t at = rnd() % *n, len = 1 + rnd() % 256;
        if (at + len > *n)
            len = *n - at;
        if (*n + len <= cap) {
            memmove(b + at + len, b + at, *n - at);
            *n += len;
        }
        break;
    }
    default: /* digits in text: huge or negative numbers in playlists and MPDs */
        for (size_t i = rnd() % *n; i < *n; i++)
            if (b[i] >= '0' && b[i] <= '9') {
                static const char *rep[] = { "99999999999",
                                             "-1",
                                             "0",
                                             "1e308",
                                             "nan",
                                             "inf",
                                             "1e-320",
                                             "4294967296",
                                             "9223372036854775807",
                                             "18446744073709551616",
                                             "-9223372036854775808" };
                const char *r = rep[rnd() % (sizeof(rep) / sizeof(rep[0]))];
                size_t rl = strlen(r);
                if (*n + rl <= cap) {
                    memmove(b + i + rl, b + i + 1, *n - i - 1);
                    memcpy(b + i, r, rl);
                    *n += rl - 1;
                }
                break;
            }
        break;
    }
}

/* every regular file below @p dir */
static int list_files(const char *dir, char files[][600], int max, int n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        if (e->d_name[0] == '.')
            continue;
        char p[600];
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st))
            continue;
        if (S_ISDIR(st.st_mode))
            n = list_files(p, files, max, n);
        else
            snprintf(files[n++], 600, "%s", p);
    }
    if (d)
        closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fuzz LADDER_DIR INPUT.mp4 [iterations] [seed]\n");
        return 2;
    }
    const char *ladder = argv[1], *input = argv[2];
    const int iters = argc > 3 ? atoi(argv[3]) : 2000;
    const unsigned seed = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 0) : 12345;
    rng = seed * 2654435761u + 1;
    printf("fuzz: seed %u, %d validator iterations\n", seed, iters);
    static char files[512][600];
    const int nf = list_files(ladder, files, 512, 0);
    if (nf < 3) {
        fprintf(stderr, "fuzz: %s has no ladder\n", ladder);
        return 2;
    }
    int reports = 0, refused = 0;
    for (int it = 0; it < iters; it++) {
        const char *victim = files[rnd() % nf];
        size_t n;
        unsigned char *orig = slurp(victim, &n);
        if (!orig)
            continue;
        const size_t cap = n + 4096;
        unsigned char *m = malloc(cap);
        memcpy(m, orig, n);
        size_t mn = n;
        for (int k = 0, times = 1 + rnd() % 3; k < times; k++)
            mutate(m, &mn, cap);
        spit(victim, m, mn);
        LStreamValidation *v = NULL;
        if (lstream_validate(ladder, &v) == 0) {
            reports++;
            for (int i = 0; i < lstream_validation_count(v); i++) /* touch every finding */
                if (!lstream_validation_finding(v, i)->message)
                    return 1;
        } else {
            refused++;
        }
        lstream_validation_free(&v);
        spit(victim, orig, n); /* restore */
        free(orig);
        free(m);
    }
    printf("fuzz: validator returned %d reports and %d refusals, no crash\n", reports, refused);

    /* the transcoder on corrupted input: must fail cleanly or succeed, and publish only valid ladders */
    size_t n;
    unsigned char *orig = slurp(input, &n);
    if (!orig)
        return 2;
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s/lstream-fuzz-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return 2;
    char in[700], out[700];
    snprintf(in, sizeof(in), "%s/in.mp4", tmp);
    snprintf(out, sizeof(out), "%s/out", tmp);
    LStreamSettings s;
    lstream_default_settings(&s);
    snprintf(s.preset, sizeof(s.preset), "ultrafast");
    s.threads = 1;
    LStreamJob *job;
    if (lstream_job_open(&job, &s) < 0)
        return 1;
    int ok = 0, failed_clean = 0, bad = 0;
    const int runs = iters / 100 > 4 ? iters / 100 : 4;
    for (int it = 0; it < runs; it++) {
        const size_t cap = n + 4096;
        unsigned char *m = malloc(cap);
        memcpy(m, orig, n);
        size_t mn = n;
        mutate(m, &mn, cap);
        spit(in, m, mn);
        free(m);
        int err = lstream_job_run(job, in, out);
        if (err == 0) {
            LStreamValidation *v = NULL;
            if (lstream_validate(out, &v) < 0 || lstream_validation_must_count(v)) {
                bad++;
                printf("FAIL: a corrupted input gave a published ladder that is not valid\n");
            }
            lstream_validation_free(&v);
            ok++;
        } else {
            const char *msg = lstream_job_error(job);
            struct stat st;
            if (!msg || !msg[0] || !stat(out, &st)) { /* no reason, or something published */
                bad++;
                printf("FAIL: error %d without a message or with output published\n", err);
            }
            failed_clean++;
        }
        char cmd[800];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", out);
        if (system(cmd))
            bad++;
    }
    lstream_job_close(&job);
    unlink(in);
    rmdir(tmp);
    free(orig);
    printf("fuzz: transcoder: %d corrupted inputs, %d transcoded (valid), %d refused with a message\n", runs, ok,
           failed_clean);
    printf("fuzz: %d passed, %d failed\n", iters + runs - bad, bad);
    return bad ? 1 : 0;
}
