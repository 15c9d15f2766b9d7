/* SSE2 kernels (bit-exact with the C references in filters/dsp.c). Built with -msse2 only. */
#include "config.h"
#include "filters/x86/x86.h"

#include <emmintrin.h>
#include <stdlib.h>
#include <string.h>

static inline __m128i pair_coef(const int16_t *c, int k, int taps)
{
    const uint16_t c0 = (uint16_t)c[k], c1 = k + 1 < taps ? (uint16_t)c[k + 1] : 0;
    return _mm_set1_epi32((int)((uint32_t)c1 << 16 | c0));
}

void ls_vscale_sse2(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w)
{
    const int sh = LS_COEF_BITS - LS_MID_BITS;
    const __m128i rnd = _mm_set1_epi32(1 << (sh - 1)), zero = _mm_setzero_si128();
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        __m128i lo = _mm_setzero_si128(), hi = _mm_setzero_si128();
        for (int k = 0; k < taps; k += 2) {
            const uint8_t *r1 = rows[k + 1 < taps ? k + 1 : k];
            __m128i a = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(rows[k] + x)), zero);
            __m128i b = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(r1 + x)), zero);
            __m128i c = pair_coef(coef, k, taps);
            lo = _mm_add_epi32(lo, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), c));
            hi = _mm_add_epi32(hi, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), c));
        }
        lo = _mm_srai_epi32(_mm_add_epi32(lo, rnd), sh);
        hi = _mm_srai_epi32(_mm_add_epi32(hi, rnd), sh);
        _mm_storeu_si128((__m128i *)(dst + x), _mm_packs_epi32(lo, hi));
    }
    if (x < w) {
        const uint8_t *tail[LS_MAX_TAPS];
        for (int k = 0; k < taps; k++)
            tail[k] = rows[k] + x;
        ls_vscale_c(dst + x, tail, coef, taps, w - x);
    }
}

/* sum of the 4 int32 lanes of each of a, b, c, d -> one vector {sa, sb, sc, sd} */
static inline __m128i hsum4(__m128i a, __m128i b, __m128i c, __m128i d)
{
    __m128i ab0 = _mm_unpacklo_epi32(a, b), ab1 = _mm_unpackhi_epi32(a, b);
    __m128i cd0 = _mm_unpacklo_epi32(c, d), cd1 = _mm_unpackhi_epi32(c, d);
    __m128i ab = _mm_add_epi32(ab0, ab1), cd = _mm_add_epi32(cd0, cd1); /* a0+a2 b0+b2 a1+a3 b1+b3 */
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

static inline __m128i dot(const int16_t *s, const int16_t *c, int taps)
{
    __m128i acc = _mm_setzero_si128();
    int k = 0;
    for (; k + 8 <= taps; k += 8)
        acc = _mm_add_epi32(
            acc, _mm_madd_epi16(_mm_loadu_si128((const __m128i *)(s + k)), _mm_loadu_si128((const __m128i *)(c + k))));
    if (k < taps) /* taps is a multiple of 4 */
        acc = _mm_add_epi32(
            acc, _mm_madd_epi16(_mm_loadl_epi64((const __m128i *)(s + k)), _mm_loadl_epi64((const __m128i *)(c + k))));
    return acc;
}

void ls_hscale_sse2(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                    const int32_t *cpair)
{
    (void)cpair;
    const int sh = LS_COEF_BITS + LS_MID_BITS;
    const __m128i rnd = _mm_set1_epi32(1 << (sh - 1));
    int x = 0;
    for (; x + 4 <= w; x += 4) {
        const int16_t *c = coef + (size_t)x * taps;
        __m128i s = hsum4(dot(src + pos[x], c, taps), dot(src + pos[x + 1], c + taps, taps),
                          dot(src + pos[x + 2], c + 2 * taps, taps), dot(src + pos[x + 3], c + 3 * taps, taps));
        s = _mm_srai_epi32(_mm_add_epi32(s, rnd), sh);
        s = _mm_packs_epi32(s, s);
        s = _mm_packus_epi16(s, s);
        const int32_t four = _mm_cvtsi128_si32(s);
        memcpy(dst + x, &four, 4); /* unaligned: memcpy is the defined way, and one movd */
    }
    if (x < w)
        ls_hscale_c(dst + x, w - x, src, pos + x, coef + (size_t)x * taps, taps, NULL);
}

/* 16 bytes at a time: |a-b| per byte; its psadbw gives the two 8-byte halves' sums (two 8-wide blocks, or one
 * 16-wide block's two halves), max_epu8 accumulates the maxima, reduced per 64-bit half at the end */
void ls_blockdiff_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int bw,
                       uint32_t *sad, uint8_t *max)
{
    const int wv = w & ~15;
    const __m128i zero = _mm_setzero_si128();
    for (int x = 0; x < wv; x += 16) {
        __m128i s = zero, m = zero;
        for (int y = 0; y < h; y++) {
            const __m128i va = _mm_loadu_si128((const __m128i *)(a + y * as + x));
            const __m128i vb = _mm_loadu_si128((const __m128i *)(b + y * bs + x));
            const __m128i d = _mm_or_si128(_mm_subs_epu8(va, vb), _mm_subs_epu8(vb, va));
            s = _mm_add_epi64(s, _mm_sad_epu8(d, zero));
            m = _mm_max_epu8(m, d);
        }
        m = _mm_max_epu8(m, _mm_srli_epi64(m, 32));
        m = _mm_max_epu8(m, _mm_srli_epi64(m, 16));
        m = _mm_max_epu8(m, _mm_srli_epi64(m, 8));
        const uint32_t s0 = (uint32_t)_mm_cvtsi128_si32(s), s1 = (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(s, 8));
        const int m0 = _mm_cvtsi128_si32(m) & 0xff, m1 = _mm_extract_epi16(m, 4) & 0xff;
        if (bw == 8) {
            sad[x / 8] = s0;
            sad[x / 8 + 1] = s1;
            max[x / 8] = (uint8_t)m0;
            max[x / 8 + 1] = (uint8_t)m1;
        } else {
            sad[x / 16] = s0 + s1;
            max[x / 16] = (uint8_t)(m0 > m1 ? m0 : m1);
        }
    }
    if (wv < w)
        ls_blockdiff_c(a + wv, as, b + wv, bs, w - wv, h, bw, sad + wv / bw, max + wv / bw);
}

uint64_t ls_sad_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~15;
    for (int y = 0; y < h; y++, a += as, b += bs) {
        __m128i acc = _mm_setzero_si128();
        for (int x = 0; x < wv; x += 16)
            acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_loadu_si128((const __m128i *)(a + x)),
                                                  _mm_loadu_si128((const __m128i *)(b + x))));
        total += (uint64_t)_mm_cvtsi128_si32(acc) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
        if (wv < w)
            total += ls_sad_c(a + wv, as, b + wv, bs, w - wv, 1);
    }
    return total;
}

uint64_t ls_ssd_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~15;
    const __m128i zero = _mm_setzero_si128();
    for (int y = 0; y < h; y++, a += as, b += bs) {
        __m128i acc = _mm_setzero_si128(); /* per row: at most 4096 * 65025 / 4 per lane, fits int32 */
        for (int x = 0; x < wv; x += 16) {
            __m128i va = _mm_loadu_si128((const __m128i *)(a + x)), vb = _mm_loadu_si128((const __m128i *)(b + x));
            __m128i d0 = _mm_sub_epi16(_mm_unpacklo_epi8(va, zero), _mm_unpacklo_epi8(vb, zero));
            __m128i d1 = _mm_sub_epi16(_mm_unpackhi_epi8(va, zero), _mm_unpackhi_epi8(vb, zero));
            acc = _mm_add_epi32(acc, _mm_add_epi32(_mm_madd_epi16(d0, d0), _mm_madd_epi16(d1, d1)));
        }
        uint32_t l[4];
        _mm_storeu_si128((__m128i *)l, acc);
        total += (uint64_t)l[0] + l[1] + l[2] + l[3];
        if (wv < w)
            total += ls_ssd_c(a + wv, as, b + wv, bs, w - wv, 1);
    }
    return total;
}

void ls_ssim_4x4_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int32_t (*sums)[4], int n)
{
    const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi16(1);
    int i = 0;
    for (; i + 2 <= n; i += 2) { /* two 4x4 blocks = 8 pixels wide */
        __m128i s1 = zero, s2 = zero, ss = zero, s12 = zero;
        for (int y = 0; y < 4; y++) {
            __m128i pa = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(a + y * as + 4 * i)), zero);
            __m128i pb = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(b + y * bs + 4 * i)), zero);
            s1 = _mm_add_epi16(s1, pa);
            s2 = _mm_add_epi16(s2, pb);
            ss = _mm_add_epi32(ss, _mm_add_epi32(_mm_madd_epi16(pa, pa), _mm_madd_epi16(pb, pb)));
            s12 = _mm_add_epi32(s12, _mm_madd_epi16(pa, pb));
        }
        s1 = _mm_madd_epi16(s1, ones);
        s2 = _mm_madd_epi16(s2, ones);
        /* lanes {0,1} belong to block i, {2,3} to block i+1 */
        __m128i v[4] = { s1, s2, ss, s12 };
        for (int k = 0; k < 4; k++) {
            __m128i t = _mm_add_epi32(v[k], _mm_srli_epi64(v[k], 32));
            sums[i][k] = _mm_cvtsi128_si32(t);
            sums[i + 1][k] = _mm_cvtsi128_si32(_mm_srli_si128(t, 8));
        }
    }
    if (i < n)
        ls_ssim_4x4_c(a + 4 * i, as, b + 4 * i, bs, sums + i, n - i);
}

uint64_t ls_activity_sse2(const uint8_t *p, ptrdiff_t s, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~15;
    for (int y = 0; y < h; y++, p += s) {
        __m128i acc = _mm_setzero_si128();
        for (int x = 0; x < wv; x += 16) {
            __m128i c = _mm_loadu_si128((const __m128i *)(p + x));
            acc = _mm_add_epi64(acc, _mm_sad_epu8(c, _mm_loadu_si128((const __m128i *)(p + x + 1))));
            acc = _mm_add_epi64(acc, _mm_sad_epu8(c, _mm_loadu_si128((const __m128i *)(p + x + s))));
        }
        total += (uint64_t)_mm_cvtsi128_si32(acc) + (uint64_t)_mm_cvtsi128_si32(_mm_srli_si128(acc, 8));
        if (wv < w)
            total += ls_activity_c(p + wv, s, w - wv, 1);
    }
    return total;
}

void ls_narrow16_sse2(uint8_t *dst, const uint16_t *src, int w, int shift)
{
    const __m128i rnd = _mm_set1_epi16((short)(1 << (shift - 1))), cnt = _mm_cvtsi32_si128(shift);
    int x = 0;
    for (; x + 16 <= w; x += 16) {
        /* a saturating add only changes sums >= 2^16, whose result the C code clips to 255 anyway */
        __m128i a = _mm_adds_epu16(_mm_loadu_si128((const __m128i *)(src + x)), rnd);
        __m128i b = _mm_adds_epu16(_mm_loadu_si128((const __m128i *)(src + x + 8)), rnd);
        _mm_storeu_si128((__m128i *)(dst + x), _mm_packus_epi16(_mm_srl_epi16(a, cnt), _mm_srl_epi16(b, cnt)));
    }
    if (x < w)
        ls_narrow16_c(dst + x, src + x, w - x, shift);
}
