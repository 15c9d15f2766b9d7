/* Prototypes of the x86 kernels; each is defined in the file of its ISA, built with only that ISA's flags. */
#ifndef LSTREAM_FILTERS_X86_H
#define LSTREAM_FILTERS_X86_H

#include "filters/filters.h"

void ls_vscale_sse2(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w);
void ls_hscale_sse2(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                    const int32_t *cpair);
uint64_t ls_sad_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
void ls_blockdiff_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int bw,
                       uint32_t *sad, uint8_t *max);
uint64_t ls_ssd_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
void ls_ssim_4x4_sse2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int32_t (*sums)[4], int n);
uint64_t ls_activity_sse2(const uint8_t *p, ptrdiff_t s, int w, int h);
void ls_narrow16_sse2(uint8_t *dst, const uint16_t *src, int w, int shift);

void ls_vscale_avx2(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w);
void ls_hscale_avx2(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                    const int32_t *cpair);
uint64_t ls_sad_avx2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
uint64_t ls_ssd_avx2(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
void ls_narrow16_avx2(uint8_t *dst, const uint16_t *src, int w, int shift);

void ls_vscale_avx512(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w);
void ls_hscale_avx512(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                      const int32_t *cpair);

#endif
