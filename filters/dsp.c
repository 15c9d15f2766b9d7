/*
 * C reference kernels and the dispatcher. These are the definition of correct output: every SIMD
 * version must match them bit for bit (tests/checkasm).
 */
#include "config.h"
#include "filters.h"
#include "libstream/libstream.h"

#include <stdlib.h>

static inline int clip8(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }
static inline int clip16(int v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }

void ls_vscale_c(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w)
{
    const int sh = LS_COEF_BITS - LS_MID_BITS;
    for (int x = 0; x < w; x++) {
        int32_t sum = 0;
        for (int k = 0; k < taps; k++)
            sum += coef[k] * rows[k][x];
        dst[x] = (int16_t)clip16((sum + (1 << (sh - 1))) >> sh);
    }
}

void ls_hscale_c(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                 const int32_t *cpair)
{
    (void)cpair;
    const int sh = LS_COEF_BITS + LS_MID_BITS;
    for (int x = 0; x < w; x++) {
        const int16_t *s = src + pos[x];
        const int16_t *c = coef + (size_t)x * taps;
        int32_t sum = 0;
        for (int k = 0; k < taps; k++)
            sum += c[k] * s[k];
        dst[x] = (uint8_t)clip8((sum + (1 << (sh - 1))) >> sh);
    }
}

uint64_t ls_sad_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t sum = 0;
    for (int y = 0; y < h; y++, a += as, b += bs)
        for (int x = 0; x < w; x++)
            sum += (uint64_t)abs(a[x] - b[x]);
    return sum;
}

void ls_blockdiff_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int bw, uint32_t *sad,
                    uint8_t *max)
{
    for (int x0 = 0, i = 0; x0 < w; x0 += bw, i++) {
        const int x1 = x0 + bw < w ? x0 + bw : w;
        uint32_t s = 0;
        int m = 0;
        for (int y = 0; y < h; y++)
            for (int x = x0; x < x1; x++) {
                const int d = abs(a[y * as + x] - b[y * bs + x]);
                s += (uint32_t)d;
                m = d > m ? d : m;
            }
        sad[i] = s;
        max[i] = (uint8_t)m;
    }
}

uint64_t ls_ssd_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t sum = 0;
    for (int y = 0; y < h; y++, a += as, b += bs)
        for (int x = 0; x < w; x++) {
            int d = a[x] - b[x];
            sum += (uint64_t)(d * d);
        }
    return sum;
}

void ls_ssim_4x4_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int32_t (*sums)[4], int n)
{
    for (int i = 0; i < n; i++) {
        int32_t s1 = 0, s2 = 0, ss = 0, s12 = 0;
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                int p = a[y * as + 4 * i + x], q = b[y * bs + 4 * i + x];
                s1 += p;
                s2 += q;
                ss += p * p + q * q;
                s12 += p * q;
            }
        sums[i][0] = s1;
        sums[i][1] = s2;
        sums[i][2] = ss;
        sums[i][3] = s12;
    }
}

uint64_t ls_activity_c(const uint8_t *p, ptrdiff_t s, int w, int h)
{
    uint64_t sum = 0;
    for (int y = 0; y < h; y++, p += s)
        for (int x = 0; x < w; x++)
            sum += (uint64_t)(abs(p[x] - p[x + 1]) + abs(p[x] - p[x + s]));
    return sum;
}

void ls_narrow16_c(uint8_t *dst, const uint16_t *src, int w, int shift)
{
    const int rnd = 1 << (shift - 1);
    for (int x = 0; x < w; x++)
        dst[x] = (uint8_t)clip8((src[x] + rnd) >> shift);
}

void ls_dsp_init(LSDSP *dsp, unsigned flags)
{
    dsp->vscale = ls_vscale_c;
    dsp->hscale = ls_hscale_c;
    dsp->sad = ls_sad_c;
    dsp->blockdiff = ls_blockdiff_c;
    dsp->ssd = ls_ssd_c;
    dsp->ssim_4x4 = ls_ssim_4x4_c;
    dsp->activity = ls_activity_c;
    dsp->narrow16 = ls_narrow16_c;
#if ARCH_X86
    ls_dsp_init_x86(dsp, flags);
#elif ARCH_AARCH64
    ls_dsp_init_arm(dsp, flags);
#else
    (void)flags;
#endif
}
