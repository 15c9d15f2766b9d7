/* AArch64 NEON kernels (bit-exact with the C references). NEON is mandatory on ARMv8-A. */
#include "config.h"
#include "filters/filters.h"
#include "libstream/libstream.h"

#include <arm_neon.h>

static void vscale_neon(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w)
{
    int x = 0;
    for (; x + 16 <= w; x += 16) {
        int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;
        for (int k = 0; k < taps; k++) {
            const uint8x16_t p = vld1q_u8(rows[k] + x);
            const int16x8_t lo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(p)));
            const int16x8_t hi = vreinterpretq_s16_u16(vmovl_u8(vget_high_u8(p)));
            const int16_t c = coef[k];
            a0 = vmlal_n_s16(a0, vget_low_s16(lo), c);
            a1 = vmlal_n_s16(a1, vget_high_s16(lo), c);
            a2 = vmlal_n_s16(a2, vget_low_s16(hi), c);
            a3 = vmlal_n_s16(a3, vget_high_s16(hi), c);
        }
        /* (sum + 2^7) >> 8 (COEF_BITS - MID_BITS), saturated to int16: vqrshrn does exactly that */
        vst1q_s16(dst + x, vcombine_s16(vqrshrn_n_s32(a0, 8), vqrshrn_n_s32(a1, 8)));
        vst1q_s16(dst + x + 8, vcombine_s16(vqrshrn_n_s32(a2, 8), vqrshrn_n_s32(a3, 8)));
    }
    if (x < w) {
        const uint8_t *tail[LS_MAX_TAPS];
        for (int k = 0; k < taps; k++)
            tail[k] = rows[k] + x;
        ls_vscale_c(dst + x, tail, coef, taps, w - x);
    }
}

static void hscale_neon(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                        const int32_t *cpair)
{
    (void)cpair;
    int x = 0;
    for (; x + 4 <= w; x += 4) {
        int32_t s[4];
        for (int i = 0; i < 4; i++) {
            const int16_t *p = src + pos[x + i], *c = coef + (size_t)(x + i) * taps;
            int32x4_t acc = vdupq_n_s32(0);
            int k = 0;
            for (; k + 8 <= taps; k += 8) {
                int16x8_t sv = vld1q_s16(p + k), cv = vld1q_s16(c + k);
                acc = vmlal_s16(acc, vget_low_s16(sv), vget_low_s16(cv));
                acc = vmlal_s16(acc, vget_high_s16(sv), vget_high_s16(cv));
            }
            if (k < taps)
                acc = vmlal_s16(acc, vld1_s16(p + k), vld1_s16(c + k));
            s[i] = vaddvq_s32(acc);
        }
        /* (sum + 2^19) >> 20, clip to 0..255: rounding narrow shifts with saturation */
        int32x4_t v = vld1q_s32(s);
        int32x4_t r = vshrq_n_s32(vaddq_s32(v, vdupq_n_s32(1 << 19)), 20);
        uint8x8_t b = vqmovun_s16(vcombine_s16(vqmovn_s32(r), vdup_n_s16(0)));
        dst[x] = vget_lane_u8(b, 0);
        dst[x + 1] = vget_lane_u8(b, 1);
        dst[x + 2] = vget_lane_u8(b, 2);
        dst[x + 3] = vget_lane_u8(b, 3);
    }
    if (x < w)
        ls_hscale_c(dst + x, w - x, src, pos + x, coef + (size_t)x * taps, taps, NULL);
}

static uint64_t sad_neon(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~15;
    for (int y = 0; y < h; y++, a += as, b += bs) {
        uint32x4_t acc = vdupq_n_u32(0);
        for (int x = 0; x < wv; x += 16) {
            uint8x16_t d = vabdq_u8(vld1q_u8(a + x), vld1q_u8(b + x));
            acc = vpadalq_u16(acc, vpaddlq_u8(d));
        }
        total += vaddvq_u32(acc);
        if (wv < w)
            total += ls_sad_c(a + wv, as, b + wv, bs, w - wv, 1);
    }
    return total;
}

static void blockdiff_neon(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int bw,
                           uint32_t *sad, uint8_t *max)
{
    const int wv = w & ~15;
    for (int x = 0; x < wv; x += 16) {
        uint16x8_t s = vdupq_n_u16(0);
        uint8x16_t m = vdupq_n_u8(0);
        for (int y = 0; y < h; y++) {
            const uint8x16_t d = vabdq_u8(vld1q_u8(a + y * as + x), vld1q_u8(b + y * bs + x));
            s = vpadalq_u8(s, d); /* h <= 16: at most 16 * 2 * 255 per lane */
            m = vmaxq_u8(m, d);
        }
        const uint32_t s0 = vaddlv_u16(vget_low_u16(s)), s1 = vaddlv_u16(vget_high_u16(s));
        const uint8_t m0 = vmaxv_u8(vget_low_u8(m)), m1 = vmaxv_u8(vget_high_u8(m));
        if (bw == 8) {
            sad[x / 8] = s0;
            sad[x / 8 + 1] = s1;
            max[x / 8] = m0;
            max[x / 8 + 1] = m1;
        } else {
            sad[x / 16] = s0 + s1;
            max[x / 16] = m0 > m1 ? m0 : m1;
        }
    }
    if (wv < w)
        ls_blockdiff_c(a + wv, as, b + wv, bs, w - wv, h, bw, sad + wv / bw, max + wv / bw);
}

static uint64_t ssd_neon(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~15;
    for (int y = 0; y < h; y++, a += as, b += bs) {
        uint32x4_t acc = vdupq_n_u32(0);
        for (int x = 0; x < wv; x += 16) {
            uint8x16_t d = vabdq_u8(vld1q_u8(a + x), vld1q_u8(b + x));
            uint16x8_t lo = vmull_u8(vget_low_u8(d), vget_low_u8(d)), hi = vmull_u8(vget_high_u8(d), vget_high_u8(d));
            acc = vpadalq_u16(acc, lo);
            acc = vpadalq_u16(acc, hi);
        }
        total += vaddlvq_u32(acc);
        if (wv < w)
            total += ls_ssd_c(a + wv, as, b + wv, bs, w - wv, 1);
    }
    return total;
}

static uint64_t activity_neon(const uint8_t *p, ptrdiff_t s, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~15;
    for (int y = 0; y < h; y++, p += s) {
        uint32x4_t acc = vdupq_n_u32(0);
        for (int x = 0; x < wv; x += 16) {
            uint8x16_t c = vld1q_u8(p + x);
            acc = vpadalq_u16(acc, vpaddlq_u8(vabdq_u8(c, vld1q_u8(p + x + 1))));
            acc = vpadalq_u16(acc, vpaddlq_u8(vabdq_u8(c, vld1q_u8(p + x + s))));
        }
        total += vaddvq_u32(acc);
        if (wv < w)
            total += ls_activity_c(p + wv, s, w - wv, 1);
    }
    return total;
}

static void narrow16_neon(uint8_t *dst, const uint16_t *src, int w, int shift)
{
    const int16x8_t sh = vdupq_n_s16((int16_t)-shift);
    int x = 0;
    for (; x + 16 <= w; x += 16) {
        /* vrshl: rounding shift right without intermediate overflow; vqmovn: clip to 255 */
        uint16x8_t a = vrshlq_u16(vld1q_u16(src + x), sh), b = vrshlq_u16(vld1q_u16(src + x + 8), sh);
        vst1q_u8(dst + x, vcombine_u8(vqmovn_u16(a), vqmovn_u16(b)));
    }
    if (x < w)
        ls_narrow16_c(dst + x, src + x, w - x, shift);
}

void ls_dsp_init_arm(LSDSP *d, unsigned flags)
{
    if (!(flags & LSTREAM_CPU_NEON))
        return;
    d->vscale = vscale_neon;
    d->hscale = hscale_neon;
    d->sad = sad_neon;
    d->blockdiff = blockdiff_neon;
    d->ssd = ssd_neon;
    d->activity = activity_neon;
    d->narrow16 = narrow16_neon;
}
