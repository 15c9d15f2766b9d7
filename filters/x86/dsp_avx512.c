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
