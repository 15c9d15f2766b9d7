/*
 * Ladder scaler: separable anti-aliased resampling of 8-bit planes. Vertical pass into a 16-bit row
 * (pixel << 6), then horizontal pass to 8-bit; both fixed-point and identical across ISAs.
 */
#include "config.h"
#include "filters.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Mitchell-Netravali family with B = 0, C = 0.6: swscale's default "bicubic". */
static double bicubic(double x)
{
    const double B = 0.0, C = 0.6;
    x = fabs(x);
    if (x < 1.0)
        return ((12 - 9 * B - 6 * C) * x * x * x + (-18 + 12 * B + 6 * C) * x * x + (6 - 2 * B)) / 6.0;
    if (x < 2.0)
        return ((-B - 6 * C) * x * x * x + (6 * B + 30 * C) * x * x + (-12 * B - 48 * C) * x + (8 * B + 24 * C)) / 6.0;
    return 0.0;
}

static double sinc(double x) { return x == 0.0 ? 1.0 : sin(M_PI * x) / (M_PI * x); }
static double lanczos3(double x) { return fabs(x) < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0; }

void ls_filter1d_free(LSFilter1D *f)
{
    free(f->pos);
    free(f->coef);
    free(f->cpair);
    f->pos = NULL;
    f->coef = NULL;
    f->cpair = NULL;
}

int ls_filter1d_init(LSFilter1D *f, int src, int dst, int kernel)
{
    memset(f, 0, sizeof(*f));
    if (src <= 0 || dst <= 0)
        return -EINVAL;
    const double scale = (double)src / dst;
    const double fscale = scale > 1.0 ? scale : 1.0;
    const double support = kernel == LS_KERNEL_LANCZOS3 ? 3.0 : 2.0;
    double (*kfn)(double) = kernel == LS_KERNEL_LANCZOS3 ? lanczos3 : bicubic;
    const double radius = support * fscale;
    int raw = (int)ceil(2 * radius) + 1;
    int taps = (raw + 3) & ~3;
    if (taps > LS_MAX_TAPS)
        return -ERANGE; /* too steep a step for one filter: the caller may go in two */
    f->src_size = src;
    f->dst_size = dst;
    f->taps = taps;
    f->pos = ls_malloc(sizeof(*f->pos) * dst);
    f->coef = ls_calloc((size_t)dst * taps, sizeof(*f->coef));
    if (!f->pos || !f->coef) {
        ls_filter1d_free(f);
        return -ENOMEM;
    }
    double w[LS_MAX_TAPS];
    for (int i = 0; i < dst; i++) {
        const double center = (i + 0.5) * scale - 0.5;
        const int first = (int)floor(center - radius) + 1;
        int start = first;
        if (start > src - taps)
            start = src - taps;
        if (start < 0)
            start = 0;
        memset(w, 0, sizeof(w));
        double total = 0.0;
        for (int k = 0; k < raw; k++) {
            const int idx0 = first + k;
            double v = kfn((idx0 - center) / fscale);
            int idx = idx0 < 0 ? 0 : idx0 >= src ? src - 1 : idx0;
            w[idx - start] += v;
            total += v;
        }
        /* quantise so the integer weights sum exactly to 1 << COEF_BITS */
        int16_t *c = f->coef + (size_t)i * taps;
        int sum = 0, big = 0;
        for (int k = 0; k < taps; k++) {
            c[k] = (int16_t)lrint(w[k] / total * (1 << LS_COEF_BITS));
            sum += c[k];
            if (abs(c[k]) > abs(c[big]))
                big = k;
        }
        c[big] = (int16_t)(c[big] + ((1 << LS_COEF_BITS) - sum));
        f->pos[i] = start;
    }
    /* the pair layout for 16 outputs per vector */
    const size_t blocks = ((size_t)dst + 15) / 16, pairs = (size_t)taps / 2;
    f->cpair = ls_aligned_alloc(64, blocks * pairs * 16 * sizeof(*f->cpair));
    if (!f->cpair) {
        ls_filter1d_free(f);
        return -ENOMEM;
    }
    for (size_t b = 0; b < blocks; b++)
        for (size_t k = 0; k < pairs; k++)
            for (size_t i = 0; i < 16; i++) {
                const size_t x = b * 16 + i;
                const int16_t *c = f->coef + x * taps + 2 * k;
                f->cpair[(b * pairs + k) * 16 + i] =
                    x < (size_t)dst ? (int32_t)((uint32_t)(uint16_t)c[0] | (uint32_t)(uint16_t)c[1] << 16) : 0;
            }
    return 0;
}

void ls_plane_scaler_free(LSPlaneScaler *s)
{
    ls_filter1d_free(&s->h);
    ls_filter1d_free(&s->v);
    free(s->mid);
    free(s->rows);
    s->mid = NULL;
    s->rows = NULL;
}

int ls_plane_scaler_init(LSPlaneScaler *s, int sw, int sh, int dw, int dh, int kernel)
{
    memset(s, 0, sizeof(*s));
    int err = ls_filter1d_init(&s->h, sw, dw, kernel);
    if (!err)
        err = ls_filter1d_init(&s->v, sh, dh, kernel);
    if (err) {
        ls_plane_scaler_free(s);
        return err;
    }
    /* a filter wider than a tiny source reads its zero-weighted taps past the last sample */
    size_t mid_len = (size_t)sw + s->h.taps + LS_HSCALE_OVERREAD;
    s->mid = ls_aligned_alloc(64, ((mid_len * sizeof(int16_t)) + 63) & ~(size_t)63);
    s->rows = ls_malloc(sizeof(*s->rows) * s->v.taps);
    if (!s->mid || !s->rows) {
        ls_plane_scaler_free(s);
        return -ENOMEM;
    }
    memset(s->mid, 0, mid_len * sizeof(int16_t));
    return 0;
}

int ls_i420_scalers_init(LSPlaneScaler sc[3], int sw, int sh, int dw, int dh)
{
    const int w[2][3] = { { sw, (sw + 1) / 2, (sw + 1) / 2 }, { dw, dw / 2, dw / 2 } };
    const int h[2][3] = { { sh, (sh + 1) / 2, (sh + 1) / 2 }, { dh, dh / 2, dh / 2 } };
    for (int p = 0; p < 3; p++) {
        int err = ls_plane_scaler_init(&sc[p], w[0][p], h[0][p], w[1][p], h[1][p], LS_KERNEL_BICUBIC);
        if (err)
            return err;
    }
    return 0;
}

void ls_plane_scale(const LSDSP *dsp, LSPlaneScaler *s, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                    ptrdiff_t src_stride)
{
    const int sh = s->v.src_size, taps = s->v.taps;
    for (int y = 0; y < s->v.dst_size; y++) {
        const int16_t *c = s->v.coef + (size_t)y * taps;
        int n = taps;
        while (n > 1 && c[n - 1] == 0) /* skip the zero padding of this row's filter */
            n--;
        for (int k = 0; k < n; k++) {
            int r = s->v.pos[y] + k;
            r = r >= sh ? sh - 1 : r;
            s->rows[k] = src + (ptrdiff_t)r * src_stride;
        }
        dsp->vscale(s->mid, s->rows, c, n, s->h.src_size);
        dsp->hscale(dst + (ptrdiff_t)y * dst_stride, s->h.dst_size, s->mid, s->h.pos, s->h.coef, s->h.taps, s->h.cpair);
    }
}
