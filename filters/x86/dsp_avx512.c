/* AVX-512 (F+BW+VL) kernels, only where they pay: the vertical filter, 64 pixels per step. */
#include "config.h"
#include "filters/x86/x86.h"

#include <immintrin.h>

void ls_vscale_avx512(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w)
{
    const int sh = LS_COEF_BITS - LS_MID_BITS;
    const __m512i rnd = _mm512_set1_epi32(1 << (sh - 1));
    int x = 0;
    for (; x + 64 <= w; x += 64) {
        __m512i lo0 = _mm512_setzero_si512(), hi0 = lo0, lo1 = lo0, hi1 = lo0;
        for (int k = 0; k < taps; k += 2) {
            const uint8_t *r0 = rows[k], *r1 = rows[k + 1 < taps ? k + 1 : k];
            const uint16_t c0 = (uint16_t)coef[k], c1 = k + 1 < taps ? (uint16_t)coef[k + 1] : 0;
            const __m512i c = _mm512_set1_epi32((int)((uint32_t)c1 << 16 | c0));
            __m512i a = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r0 + x)));
            __m512i b = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r1 + x)));
            __m512i a2 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r0 + x + 32)));
            __m512i b2 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r1 + x + 32)));
            lo0 = _mm512_add_epi32(lo0, _mm512_madd_epi16(_mm512_unpacklo_epi16(a, b), c));
            hi0 = _mm512_add_epi32(hi0, _mm512_madd_epi16(_mm512_unpackhi_epi16(a, b), c));
            lo1 = _mm512_add_epi32(lo1, _mm512_madd_epi16(_mm512_unpacklo_epi16(a2, b2), c));
            hi1 = _mm512_add_epi32(hi1, _mm512_madd_epi16(_mm512_unpackhi_epi16(a2, b2), c));
        }
        lo0 = _mm512_srai_epi32(_mm512_add_epi32(lo0, rnd), sh);
        hi0 = _mm512_srai_epi32(_mm512_add_epi32(hi0, rnd), sh);
        lo1 = _mm512_srai_epi32(_mm512_add_epi32(lo1, rnd), sh);
        hi1 = _mm512_srai_epi32(_mm512_add_epi32(hi1, rnd), sh);
        _mm512_storeu_si512((void *)(dst + x), _mm512_packs_epi32(lo0, hi0));
        _mm512_storeu_si512((void *)(dst + x + 32), _mm512_packs_epi32(lo1, hi1));
    }
    if (x < w) {
        const uint8_t *tail[LS_MAX_TAPS];
        for (int k = 0; k < taps; k++)
            tail[k] = rows[k] + x;
        ls_vscale_avx2(dst + x, tail, coef, taps, w - x);
    }
}

/*
 * Horizontal filter, 16 outputs per vector without a horizontal reduction: the source window of a block
 * (64 int16 from its first pos, two registers) is permuted (vpermt2w) so that dword i holds the tap pair
 * (src[pos[x+i]+2k], src[pos[x+i]+2k+1]), multiplied by the pre-laid pair coefficients (LSFilter1D.cpair)
 * with one vpmaddwd per tap pair. Blocks whose window is wider than 64 (strong downscales) take the AVX2 path.
 */
void ls_hscale_avx512(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                      const int32_t *cpair)
{
    if (!cpair) {
        ls_hscale_avx2(dst, w, src, pos, coef, taps, NULL);
        return;
    }
    const int sh = LS_COEF_BITS + LS_MID_BITS, pairs = taps / 2;
    const __m512i rnd = _mm512_set1_epi32(1 << (sh - 1));
    const __m512i next = _mm512_set1_epi32(0x00010000); /* the pair's second word is the next sample */
    const __m512i step = _mm512_set1_epi16(2);
    const __m512i zero = _mm512_setzero_si512();
    int x = 0, wide = -1; /* wide: first x of a run of blocks left to the AVX2 path */
    for (; x + 16 <= w; x += 16) {
        const int base = pos[x];
        if (pos[x + 15] - base + taps > LS_HSCALE_OVERREAD) {
            wide = wide < 0 ? x : wide;
            continue;
        }
        if (wide >= 0) {
            ls_hscale_avx2(dst + wide, x - wide, src, pos + wide, coef + (size_t)wide * taps, taps, NULL);
            wide = -1;
        }
        const __m512i rel = _mm512_sub_epi32(_mm512_loadu_si512((const void *)(pos + x)), _mm512_set1_epi32(base));
        __m512i idx = _mm512_add_epi32(_mm512_or_si512(rel, _mm512_slli_epi32(rel, 16)), next);
        const __m512i lo = _mm512_loadu_si512((const void *)(src + base));
        const __m512i hi = _mm512_loadu_si512((const void *)(src + base + 32));
        const int32_t *c = cpair + (size_t)(x / 16) * pairs * 16;
        __m512i acc0 = zero, acc1 = zero;
        int k = 0;
        for (; k + 2 <= pairs; k += 2) {
            const __m512i p0 = _mm512_permutex2var_epi16(lo, idx, hi);
            idx = _mm512_add_epi16(idx, step);
            const __m512i p1 = _mm512_permutex2var_epi16(lo, idx, hi);
            idx = _mm512_add_epi16(idx, step);
            acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(p0, _mm512_load_si512((const void *)(c + k * 16))));
            acc1 = _mm512_add_epi32(acc1, _mm512_madd_epi16(p1, _mm512_load_si512((const void *)(c + k * 16 + 16))));
        }
        if (k < pairs)
            acc0 = _mm512_add_epi32(acc0, _mm512_madd_epi16(_mm512_permutex2var_epi16(lo, idx, hi),
                                                            _mm512_load_si512((const void *)(c + k * 16))));
        __m512i s = _mm512_srai_epi32(_mm512_add_epi32(_mm512_add_epi32(acc0, acc1), rnd), sh);
        /* clamp to 0..255: negative to 0, then unsigned saturation */
        _mm_storeu_si128((__m128i *)(dst + x), _mm512_cvtusepi32_epi8(_mm512_max_epi32(s, zero)));
    }
    x = wide >= 0 ? wide : x;
    if (x < w)
        ls_hscale_avx2(dst + x, w - x, src, pos + x, coef + (size_t)x * taps, taps, NULL);
}
