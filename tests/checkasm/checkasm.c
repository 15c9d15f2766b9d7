/*
 * checkasm: every SIMD kernel next to its C reference, on random and worst-case inputs, odd sizes,
 * and guard-padded outputs that catch out-of-bounds writes. Prints its seed; --seed N repeats a run.
 * --bench times C against each ISA, and the whole ladder scaler against libswscale (when built with it),
 * with PSNR against a double-precision Lanczos-3 reference downscale.
 *
 * usage: checkasm [--seed N] [--bench] [--cpu LEVEL]
 */
#include "config.h"
#include "filters/filters.h"
#include "libstream/libstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if HAVE_SWSCALE_BENCH
#include <libswscale/swscale.h>
#endif

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static int passed, failed;
static const char *cur_isa = "";

static void report(const char *fn, int ok, const char *detail)
{
    if (ok)
        passed++;
    else {
        failed++;
        printf("FAIL %-10s %-8s %s\n", fn, cur_isa, detail);
    }
}

#define GUARD  64
#define CANARY 0xA5

/* buffer with guard zones on both sides */
static uint8_t *guarded(size_t n, uint8_t **base)
{
    *base = malloc(n + 2 * GUARD);
    memset(*base, CANARY, n + 2 * GUARD);
    return *base + GUARD;
}

static int guards_ok(const uint8_t *base, size_t n)
{
    for (size_t i = 0; i < GUARD; i++)
        if (base[i] != CANARY || base[GUARD + n + i] != CANARY)
            return 0;
    return 1;
}

static void fill_pixels(uint8_t *p, size_t n, int mode)
{
    for (size_t i = 0; i < n; i++)
        p[i] = mode == 0 ? (uint8_t)rnd() : mode == 1 ? 255 : mode == 2 ? 0 : (i & 1 ? 255 : 0);
}

static void check_vscale(const LSDSP *ref, const LSDSP *d)
{
    if (d->vscale == ref->vscale)
        return;
    for (int iter = 0; iter < 300; iter++) {
        const int w = 1 + (int)(rnd() % 1500), taps = 1 + (int)(rnd() % 24), mode = iter % 4;
        uint8_t *rows_mem = malloc((size_t)taps * w);
        const uint8_t *rows[LS_MAX_TAPS];
        fill_pixels(rows_mem, (size_t)taps * w, mode);
        for (int k = 0; k < taps; k++)
            rows[k] = rows_mem + (size_t)k * w; /* exact width: any over-read is a bug valgrind/asan see */
        int16_t coef[LS_MAX_TAPS];
        for (int k = 0; k < taps; k++) /* ringing filters: negative lobes, big centre */
            coef[k] = (int16_t)((int)(rnd() % 12000) - 3000);
        if (iter % 7 == 0) /* worst case: the largest positive sum */
            for (int k = 0; k < taps; k++)
                coef[k] = (int16_t)(k == 0 ? 16384 + 3000 : -3000 / taps);
        uint8_t *b1, *b2;
        int16_t *o1 = (int16_t *)guarded(w * 2, &b1), *o2 = (int16_t *)guarded(w * 2, &b2);
        ref->vscale(o1, rows, coef, taps, w);
        d->vscale(o2, rows, coef, taps, w);
        char detail[128];
        snprintf(detail, sizeof(detail), "w=%d taps=%d mode=%d", w, taps, mode);
        report("vscale", !memcmp(o1, o2, w * 2) && guards_ok(b2, w * 2), detail);
        free(b1);
        free(b2);
        free(rows_mem);
    }
}

static void check_hscale(const LSDSP *ref, const LSDSP *d)
{
    if (d->hscale == ref->hscale)
        return;
    for (int iter = 0; iter < 300; iter++) {
        const int sw = 2 + (int)(rnd() % 2000);
        const int dw = 1 + (int)(rnd() % sw);
        LSFilter1D f;
        if (ls_filter1d_init(&f, sw, dw, iter & 1 ? LS_KERNEL_LANCZOS3 : LS_KERNEL_BICUBIC))
            continue;
        int16_t *src = malloc(sizeof(int16_t) * (sw + f.taps + LS_HSCALE_OVERREAD));
        for (int i = 0; i < sw + f.taps + LS_HSCALE_OVERREAD; i++)
            src[i] = iter % 5 == 0 ? 255 << LS_MID_BITS : (int16_t)((int)(rnd() % 24000) - 2000);
        uint8_t *b1, *b2;
        uint8_t *o1 = guarded(dw, &b1), *o2 = guarded(dw, &b2);
        ref->hscale(o1, dw, src, f.pos, f.coef, f.taps, f.cpair);
        d->hscale(o2, dw, src, f.pos, f.coef, f.taps, f.cpair);
        char detail[128];
        snprintf(detail, sizeof(detail), "%d->%d taps=%d", sw, dw, f.taps);
        report("hscale", !memcmp(o1, o2, dw) && guards_ok(b2, dw), detail);
        free(b1);
        free(b2);
        free(src);
        ls_filter1d_free(&f);
    }
}

static void check_block_fns(const LSDSP *ref, const LSDSP *d)
{
    for (int iter = 0; iter < 200; iter++) {
        const int w = 1 + (int)(rnd() % 700), h = 1 + (int)(rnd() % 40), mode = iter % 4;
        const ptrdiff_t stride = w + 1 + (int)(rnd() % 64);
        uint8_t *a = malloc(stride * (h + 1) + 1), *b = malloc(stride * (h + 1) + 1);
        fill_pixels(a, stride * (h + 1) + 1, mode);
        fill_pixels(b, stride * (h + 1) + 1, mode == 1 ? 2 : mode);
        char detail[96];
        snprintf(detail, sizeof(detail), "w=%d h=%d mode=%d", w, h, mode);
        if (d->sad != ref->sad)
            report("sad", d->sad(a, stride, b, stride, w, h) == ref->sad(a, stride, b, stride, w, h), detail);
        if (d->blockdiff != ref->blockdiff && h <= 16) {
            const int bw = iter % 2 ? 16 : 8, n = (w + bw - 1) / bw;
            uint32_t *s1 = calloc(n, 4), *s2 = calloc(n, 4);
            uint8_t *m1 = calloc(n, 1), *m2 = calloc(n, 1);
            ref->blockdiff(a, stride, b, stride, w, h, bw, s1, m1);
            d->blockdiff(a, stride, b, stride, w, h, bw, s2, m2);
            report("blockdiff", !memcmp(s1, s2, 4 * n) && !memcmp(m1, m2, n), detail);
            free(s1);
            free(s2);
            free(m1);
            free(m2);
        }
        if (d->ssd != ref->ssd)
            report("ssd", d->ssd(a, stride, b, stride, w, h) == ref->ssd(a, stride, b, stride, w, h), detail);
        if (d->activity != ref->activity)
            report("activity", d->activity(a, stride, w, h) == ref->activity(a, stride, w, h), detail);
        if (d->ssim_4x4 != ref->ssim_4x4 && h >= 4 && w >= 4) {
            const int n = w / 4;
            int32_t(*s1)[4] = malloc(sizeof(*s1) * n), (*s2)[4] = malloc(sizeof(*s2) * n);
            ref->ssim_4x4(a, stride, b, stride, s1, n);
            d->ssim_4x4(a, stride, b, stride, s2, n);
            report("ssim_4x4", !memcmp(s1, s2, sizeof(*s1) * n), detail);
            free(s1);
            free(s2);
        }
        free(a);
        free(b);
    }
}

static void check_narrow16(const LSDSP *ref, const LSDSP *d)
{
    if (d->narrow16 == ref->narrow16)
        return;
    for (int iter = 0; iter < 200; iter++) {
        const int w = 1 + (int)(rnd() % 2000), shift = 1 + (int)(rnd() % 8);
        uint16_t *src = malloc(sizeof(uint16_t) * w);
        for (int i = 0; i < w; i++)
            src[i] = iter % 6 == 0 ? 65535 : (uint16_t)(rnd() % (1u << (8 + shift)));
        uint8_t *b1, *b2;
        uint8_t *o1 = guarded(w, &b1), *o2 = guarded(w, &b2);
        ref->narrow16(o1, src, w, shift);
        d->narrow16(o2, src, w, shift);
        char detail[64];
        snprintf(detail, sizeof(detail), "w=%d shift=%d", w, shift);
        report("narrow16", !memcmp(o1, o2, w) && guards_ok(b2, w), detail);
        free(b1);
        free(b2);
        free(src);
    }
}

/* the whole plane scaler, on odd sizes, must be identical with every ISA */
static void check_plane_scale(const LSDSP *ref, const LSDSP *d)
{
    if (d->vscale == ref->vscale && d->hscale == ref->hscale)
        return;
    static const int sizes[][4] = { { 1920, 1080, 1280, 720 }, { 1920, 1080, 426, 240 }, { 1279, 719, 853, 479 },
                                    { 641, 361, 17, 9 },       { 33, 19, 33, 19 },       { 7, 5, 3, 3 } };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        const int sw = sizes[i][0], sh = sizes[i][1], dw = sizes[i][2], dh = sizes[i][3];
        LSPlaneScaler s1, s2;
        if (ls_plane_scaler_init(&s1, sw, sh, dw, dh, LS_KERNEL_BICUBIC) ||
            ls_plane_scaler_init(&s2, sw, sh, dw, dh, LS_KERNEL_BICUBIC))
            continue;
        uint8_t *src = malloc((size_t)sw * sh);
        fill_pixels(src, (size_t)sw * sh, 0);
        uint8_t *b1, *b2;
        uint8_t *o1 = guarded((size_t)dw * dh, &b1), *o2 = guarded((size_t)dw * dh, &b2);
        ls_plane_scale(ref, &s1, o1, dw, src, sw);
        ls_plane_scale(d, &s2, o2, dw, src, sw);
        char detail[64];
        snprintf(detail, sizeof(detail), "%dx%d->%dx%d", sw, sh, dw, dh);
        report("plane_scale", !memcmp(o1, o2, (size_t)dw * dh) && guards_ok(b2, (size_t)dw * dh), detail);
        free(b1);
        free(b2);
        free(src);
        ls_plane_scaler_free(&s1);
        ls_plane_scaler_free(&s2);
    }
}

/* ---------------------------------------------------------------- bench */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* a lecture-like test plane: text-like edges, gradients, noise */
static void lecture_plane(uint8_t *p, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = 235;
            if ((y / 24) % 3 == 1 && (x / 9) % 7 != 0 && x > w / 12 && x < w * 3 / 4)
                v = 30;
            if (x > w * 2 / 3 && y > h / 2)
                v = 60 + 150 * (x - w * 2 / 3) / (w / 3) + (int)(rnd() % 7) - 3;
            p[(size_t)y * w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

static double sinc(double x) { return x == 0 ? 1 : sin(M_PI * x) / (M_PI * x); }

/* reference: separable Lanczos-3 in double precision, anti-aliased by the ratio */
static void reference_downscale(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh)
{
    double *tmp = malloc(sizeof(double) * sw * dh);
    const double sy = (double)sh / dh, sx = (double)sw / dw, fy = sy > 1 ? sy : 1, fx = sx > 1 ? sx : 1;
    for (int y = 0; y < dh; y++) {
        const double c = (y + 0.5) * sy - 0.5;
        for (int x = 0; x < sw; x++) {
            double acc = 0, wsum = 0;
            for (int k = (int)floor(c - 3 * fy); k <= (int)ceil(c + 3 * fy); k++) {
                double t = (k - c) / fy, wt = fabs(t) < 3 ? sinc(t) * sinc(t / 3) : 0;
                int kk = k < 0 ? 0 : k >= sh ? sh - 1 : k;
                acc += wt * src[(size_t)kk * sw + x];
                wsum += wt;
            }
            tmp[(size_t)y * sw + x] = acc / wsum;
        }
    }
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            const double c = (x + 0.5) * sx - 0.5;
            double acc = 0, wsum = 0;
            for (int k = (int)floor(c - 3 * fx); k <= (int)ceil(c + 3 * fx); k++) {
                double t = (k - c) / fx, wt = fabs(t) < 3 ? sinc(t) * sinc(t / 3) : 0;
                int kk = k < 0 ? 0 : k >= sw ? sw - 1 : k;
                acc += wt * tmp[(size_t)y * sw + kk];
                wsum += wt;
            }
            double v = acc / wsum;
            dst[(size_t)y * dw + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
        }
    free(tmp);
}

static void hscale_none(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                        const int32_t *cpair)
{
    (void)dst;
    (void)w;
    (void)src;
    (void)pos;
    (void)coef;
    (void)taps;
    (void)cpair;
}

/* the median of 15 timings (sorts them) */
static double median15(double *times)
{
    for (int i = 1; i < 15; i++) /* insertion sort */
        for (int j = i; j > 0 && times[j] < times[j - 1]; j--) {
            double t = times[j];
            times[j] = times[j - 1];
            times[j - 1] = t;
        }
    return times[7];
}

/* median of 15 timed calls of the scaler */
static double time_scale(const LSDSP *d, LSPlaneScaler *s, uint8_t *dst, int dw, const uint8_t *src, int sw)
{
    double times[15];
    for (int i = 0; i < 15; i++) {
        double t = now();
        ls_plane_scale(d, s, dst, dw, src, sw);
        times[i] = now() - t;
    }
    return median15(times);
}

static void bench_kernels(unsigned cpu)
{
    /* each level: the bit it needs, and the cumulative mask it runs with */
    static const struct {
        const char *name;
        unsigned need, flags;
    } levels[] = { { "c", 0, 0 },
                   { "sse2", LSTREAM_CPU_SSE2, LSTREAM_CPU_SSE2 },
                   { "avx2", LSTREAM_CPU_AVX2,
                     LSTREAM_CPU_SSE2 | LSTREAM_CPU_SSSE3 | LSTREAM_CPU_SSE41 | LSTREAM_CPU_AVX2 },
                   { "avx512", LSTREAM_CPU_AVX512, ~0u },
                   { "neon", LSTREAM_CPU_NEON, LSTREAM_CPU_NEON } };
    const int sw = 1920, sh = 1080;
    uint8_t *src = malloc((size_t)sw * sh), *src2 = malloc((size_t)sw * sh);
    lecture_plane(src, sw, sh);
    lecture_plane(src2, sw, sh);
    static const int rungs[][2] = { { 1280, 720 }, { 854, 480 }, { 640, 360 }, { 426, 240 } };
    printf("bench: 1920x1080 luma plane, ns per call, median of 15 runs\n");
    printf("%-22s %10s %8s\n", "kernel", "ns", "vs C");
    for (size_t r = 0; r < 4; r++) {
        const int dw = rungs[r][0], dh = rungs[r][1];
        uint8_t *dst = malloc((size_t)dw * dh), *refimg = malloc((size_t)dw * dh);
        reference_downscale(src, sw, sh, refimg, dw, dh);
        double c_ns = 0;
        for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
            if (levels[l].need && !(cpu & levels[l].need))
                continue;
            LSDSP d;
            ls_dsp_init(&d, levels[l].flags & cpu);
            LSPlaneScaler s;
            ls_plane_scaler_init(&s, sw, sh, dw, dh, LS_KERNEL_BICUBIC);
            /* the vertical pass alone: the same run with the horizontal kernel a no-op (then the real one, so
             * dst holds the real result for the PSNR) */
            LSDSP vonly = d;
            vonly.hscale = hscale_none;
            const double v_ns = time_scale(&vonly, &s, dst, dw, src, sw) * 1e9;
            const double ns = time_scale(&d, &s, dst, dw, src, sw) * 1e9;
            if (l == 0)
                c_ns = ns;
            char name[48];
            snprintf(name, sizeof(name), "scale->%dx%d %s", dw, dh, levels[l].name);
            LSDSP cdsp;
            ls_dsp_init(&cdsp, 0);
            printf("%-22s %10.0f %7.2fx  PSNR vs lanczos-ref %.2f dB  (vertical %.0f + horizontal %.0f ns)\n", name, ns,
                   c_ns / ns, ls_plane_psnr(&cdsp, dst, dw, refimg, dw, dw, dh), v_ns, ns - v_ns);
            ls_plane_scaler_free(&s);
        }
#if HAVE_SWSCALE_BENCH
        struct SwsContext *sws =
            sws_getContext(sw, sh, AV_PIX_FMT_GRAY8, dw, dh, AV_PIX_FMT_GRAY8, SWS_BICUBIC, NULL, NULL, NULL);
        double times[15];
        const uint8_t *sp[4] = { src };
        int ss[4] = { sw };
        uint8_t *dp[4] = { dst };
        int ds[4] = { dw };
        for (int i = 0; i < 15; i++) {
            double t = now();
            sws_scale(sws, sp, ss, 0, sh, dp, ds);
            times[i] = now() - t;
        }
        LSDSP cdsp;
        ls_dsp_init(&cdsp, 0);
        const double sws_ns = median15(times) * 1e9;
        printf("%-22s %10.0f %7.2fx  PSNR vs lanczos-ref %.2f dB\n", "  swscale bicubic", sws_ns, c_ns / sws_ns,
               ls_plane_psnr(&cdsp, dst, dw, refimg, dw, dw, dh));
        sws_freeContext(sws);
#endif
        free(dst);
        free(refimg);
    }
    /* The alternative the pipeline does not use: a cascade, each rung scaled from the next larger one. It
     * is cheaper, but the small non-integer steps (480 -> 360 is 4:3) blur and alias text: printed so the
     * choice stays measured. */
    {
        LSDSP d, cdsp;
        ls_dsp_init(&d, cpu);
        ls_dsp_init(&cdsp, 0);
        uint8_t *out[4], *refs[4];
        LSPlaneScaler sc[4];
        int pw = sw, ph = sh;
        for (int r = 0; r < 4; r++) {
            out[r] = malloc((size_t)rungs[r][0] * rungs[r][1]);
            refs[r] = malloc((size_t)rungs[r][0] * rungs[r][1]);
            reference_downscale(src, sw, sh, refs[r], rungs[r][0], rungs[r][1]);
            ls_plane_scaler_init(&sc[r], pw, ph, rungs[r][0], rungs[r][1], LS_KERNEL_BICUBIC);
            pw = rungs[r][0];
            ph = rungs[r][1];
        }
        double times[15];
        for (int i = 0; i < 15; i++) {
            double t = now();
            const uint8_t *in = src;
            int is = sw;
            for (int r = 0; r < 4; r++) {
                ls_plane_scale(&d, &sc[r], out[r], rungs[r][0], in, is);
                in = out[r];
                is = rungs[r][0];
            }
            times[i] = now() - t;
        }
        printf("cascade 720>480>360>240 (not used) %10.0f ns for all four, PSNR vs lanczos-ref", median15(times) * 1e9);
        for (int r = 0; r < 4; r++) {
            printf(" %.2f", ls_plane_psnr(&cdsp, out[r], rungs[r][0], refs[r], rungs[r][0], rungs[r][0], rungs[r][1]));
            ls_plane_scaler_free(&sc[r]);
            free(out[r]);
            free(refs[r]);
        }
        printf(" dB\n");
    }
    /* metrics */
    for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
        if (levels[l].need && !(cpu & levels[l].need))
            continue;
        LSDSP d;
        ls_dsp_init(&d, levels[l].flags & cpu);
        double t0 = now();
        double p = 0, q = 0;
        for (int i = 0; i < 5; i++)
            p += ls_plane_psnr(&d, src, sw, src2, sw, sw, sh);
        double t1 = now();
        for (int i = 0; i < 5; i++)
            q += ls_plane_ssim(&d, src, sw, src2, sw, sw, sh);
        double t2 = now();
        uint64_t sad = 0;
        for (int i = 0; i < 5; i++)
            sad += d.sad(src, sw, src2, sw, sw, sh);
        double t3 = now();
        printf("metrics %-7s psnr %8.0f ns  ssim %9.0f ns  sad %8.0f ns  (psnr %.2f ssim %.4f sad %llu)\n",
               levels[l].name, (t1 - t0) / 5 * 1e9, (t2 - t1) / 5 * 1e9, (t3 - t2) / 5 * 1e9, p / 5, q / 5,
               (unsigned long long)sad / 5);
    }
    free(src);
    free(src2);
}

int main(int argc, char **argv)
{
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)clock();
    int bench = 0;
    unsigned cpu = ls_cpu_detect();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--bench"))
            bench = 1;
        else if (!strcmp(argv[i], "--cpu-mask") && i + 1 < argc)
            cpu &= (unsigned)strtoul(argv[++i], NULL, 0);
        else {
            fprintf(stderr, "usage: checkasm [--seed N] [--bench] [--cpu-mask MASK]\n");
            return 2;
        }
    }
    printf("checkasm: seed %u, cpu flags 0x%x\n", seed, cpu);
    LSDSP ref;
    ls_dsp_init(&ref, 0);
    static const struct {
        const char *name;
        unsigned flags;
    } levels[] = { { "sse2", LSTREAM_CPU_SSE2 },
                   { "avx2", LSTREAM_CPU_SSE2 | LSTREAM_CPU_SSSE3 | LSTREAM_CPU_SSE41 | LSTREAM_CPU_AVX2 },
                   { "avx512",
                     LSTREAM_CPU_SSE2 | LSTREAM_CPU_SSSE3 | LSTREAM_CPU_SSE41 | LSTREAM_CPU_AVX2 | LSTREAM_CPU_AVX512 },
                   { "neon", LSTREAM_CPU_NEON } };
    int tested = 0;
    for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
        if ((levels[l].flags & cpu) != levels[l].flags)
            continue;
        LSDSP d;
        ls_dsp_init(&d, levels[l].flags);
        cur_isa = levels[l].name;
        rng_state = seed * 2654435761u + (unsigned)l + 1;
        const int before = passed + failed;
        check_vscale(&ref, &d);
        check_hscale(&ref, &d);
        check_block_fns(&ref, &d);
        check_narrow16(&ref, &d);
        check_plane_scale(&ref, &d);
        printf("  %-7s %d checks\n", cur_isa, passed + failed - before);
        tested++;
    }
    if (!tested)
        printf("  no SIMD instruction set available on this CPU: only the C reference is in use\n");
    if (bench)
        bench_kernels(cpu);
    printf("checkasm: %d passed, %d failed\n", passed, failed);
    if (failed)
        printf("repeat with: checkasm --seed %u\n", seed);
    return failed ? 1 : 0;
}
