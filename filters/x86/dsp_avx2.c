/* AVX2 kernels (bit-exact with the C references). Built with -mavx2 only. */
#include "config.h"
#include "filters/x86/x86.h"

#include <immintrin.h>

void ls_vscale_avx2(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w)
{
    const int sh = LS_COEF_BITS - LS_MID_BITS;
    const __m256i rnd = _mm256_set1_epi32(1 << (sh - 1));
    int x = 0;
    for (; x + 32 <= w; x += 32) {
        __m256i lo0 = _mm256_setzero_si256(), hi0 = lo0, lo1 = lo0, hi1 = lo0;
        for (int k = 0; k < taps; k += 2) {
            const uint8_t *r0 = rows[k], *r1 = rows[k + 1 < taps ? k + 1 : k];
            const uint16_t c0 = (uint16_t)coef[k], c1 = k + 1 < taps ? (uint16_t)coef[k + 1] : 0;
            const __m256i c = _mm256_set1_epi32((int)((uint32_t)c1 << 16 | c0));
            /* cvtepu8 keeps pixel order; unpack lo/hi within lanes and packs undo each other */
            __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r0 + x)));
            __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r1 + x)));
            __m256i a2 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r0 + x + 16)));
            __m256i b2 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r1 + x + 16)));
            lo0 = _mm256_add_epi32(lo0, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), c));
            hi0 = _mm256_add_epi32(hi0, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), c));
            lo1 = _mm256_add_epi32(lo1, _mm256_madd_epi16(_mm256_unpacklo_epi16(a2, b2), c));
            hi1 = _mm256_add_epi32(hi1, _mm256_madd_epi16(_mm256_unpackhi_epi16(a2, b2), c));
        }
        lo0 = _mm256_srai_epi32(_mm256_add_epi32(lo0, rnd), sh);
        hi0 = _mm256_srai_epi32(_mm256_add_epi32(hi0, rnd), sh);
        lo1 = _mm256_srai_epi32(_mm256_add_epi32(lo1, rnd), sh);
        hi1 = _mm256_srai_epi32(_mm256_add_epi32(hi1, rnd), sh);
        _mm256_storeu_si256((__m256i *)(dst + x), _mm256_packs_epi32(lo0, hi0));
        _mm256_storeu_si256((__m256i *)(dst + x + 16), _mm256_packs_epi32(lo1, hi1));
    }
    if (x < w) {
        const uint8_t *tail[LS_MAX_TAPS];
        for (int k = 0; k < taps; k++)
            tail[k] = rows[k] + x;
        ls_vscale_sse2(dst + x, tail, coef, taps, w - x);
    }
}

/* two outputs per register: output x in the low lane, x + 1 in the high lane */
static inline __m256i dot2(const int16_t *s0, const int16_t *s1, const int16_t *c0, const int16_t *c1, int taps)
{
    __m256i acc = _mm256_setzero_si256();
    int k = 0;
    for (; k + 8 <= taps; k += 8) {
        __m256i s = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(s0 + k))),
                                            _mm_loadu_si128((const __m128i *)(s1 + k)), 1);
        __m256i c = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(c0 + k))),
                                            _mm_loadu_si128((const __m128i *)(c1 + k)), 1);
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s, c));
    }
    if (k < taps) {
        __m256i s = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)(s0 + k))),
                                            _mm_loadl_epi64((const __m128i *)(s1 + k)), 1);
        __m256i c = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)(c0 + k))),
                                            _mm_loadl_epi64((const __m128i *)(c1 + k)), 1);
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s, c));
    }
    return acc;
}

void ls_hscale_avx2(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                    const int32_t *cpair)
{
    (void)cpair;
    const int sh = LS_COEF_BITS + LS_MID_BITS;
    const __m256i rnd = _mm256_set1_epi32(1 << (sh - 1));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        const int16_t *c = coef + (size_t)x * taps;
        __m256i a0 = dot2(src + pos[x], src + pos[x + 1], c, c + taps, taps);
        __m256i a1 = dot2(src + pos[x + 2], src + pos[x + 3], c + 2 * taps, c + 3 * taps, taps);
        __m256i a2 = dot2(src + pos[x + 4], src + pos[x + 5], c + 4 * taps, c + 5 * taps, taps);
        __m256i a3 = dot2(src + pos[x + 6], src + pos[x + 7], c + 6 * taps, c + 7 * taps, taps);
        /* hadd twice: lanes become {x0 x2 x4 x6 | x1 x3 x5 x7} */
        __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a0, a1), _mm256_hadd_epi32(a2, a3));
        h = _mm256_permutevar8x32_epi32(h, order);
        h = _mm256_srai_epi32(_mm256_add_epi32(h, rnd), sh);
        __m128i p = _mm_packs_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
        _mm_storel_epi64((__m128i *)(dst + x), _mm_packus_epi16(p, p));
    }
    if (x < w)
        ls_hscale_sse2(dst + x, w - x, src, pos + x, coef + (size_t)x * taps, taps, NULL);
}

uint64_t ls_sad_avx2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~31;
    for (int y = 0; y < h; y++, a += as, b += bs) {
        __m256i acc = _mm256_setzero_si256();
        for (int x = 0; x < wv; x += 32)
            acc = _mm256_add_epi64(acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i *)(a + x)),
                                                        _mm256_loadu_si256((const __m256i *)(b + x))));
        __m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        total += (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(s, 8));
        if (wv < w)
            total += ls_sad_sse2(a + wv, as, b + wv, bs, w - wv, 1);
    }
    return total;
}

uint64_t ls_ssd_avx2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t total = 0;
    const int wv = w & ~15;
    for (int y = 0; y < h; y++, a += as, b += bs) {
        __m256i acc = _mm256_setzero_si256();
        for (int x = 0; x < wv; x += 16) {
            __m256i d = _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(a + x))),
                                         _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(b + x))));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(d, d));
        }
        uint32_t l[8];
        _mm256_storeu_si256((__m256i *)l, acc);
        for (int i = 0; i < 8; i++)
            total += l[i];
        if (wv < w)
            total += ls_ssd_c(a + wv, as, b + wv, bs, w - wv, 1);
    }
    return total;
}

void ls_narrow16_avx2(uint8_t *dst, const uint16_t *src, int w, int shift)
{
    const __m256i rnd = _mm256_set1_epi16((short)(1 << (shift - 1)));
    const __m128i cnt = _mm_cvtsi32_si128(shift);
    int x = 0;
    for (; x + 32 <= w; x += 32) {
        __m256i a = _mm256_srl_epi16(_mm256_adds_epu16(_mm256_loadu_si256((const __m256i *)(src + x)), rnd), cnt);
        __m256i b = _mm256_srl_epi16(_mm256_adds_epu16(_mm256_loadu_si256((const __m256i *)(src + x + 16)), rnd), cnt);
        /* packus works per lane: fix the order with a 64-bit permute */
        _mm256_storeu_si256((__m256i *)(dst + x), _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xd8));
    }
    if (x < w)
        ls_narrow16_c(dst + x, src + x, w - x, shift);
}
