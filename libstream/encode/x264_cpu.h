/*
 * x264's own assembly limited to the CPU features LStreamSettings.cpu_mask allows, so that a masked run
 * (lstream --cpu sse2, lstream-bench --cpu ...) emulates an older machine's encoder as well as its pixel
 * kernels. Shared by the encoder adapter and the bench, which passes the same mask to FFmpeg's libx264
 * (-x264-params asm=N) so both tools encode with the same instruction sets.
 */
#ifndef LSTREAM_X264_CPU_H
#define LSTREAM_X264_CPU_H

#include <stdint.h>
#include <x264.h>

#include "libstream/libstream.h"

/* @detected: x264's flags (ls_x264_cpu_detected()); @allowed: LSTREAM_CPU_* bits the run may use. The levels are
 * cumulative like the kernels': without AVX2 also no AVX, FMA, BMI or LZCNT (what Haswell added); without
 * SSSE3 also no SSE3; without SSE2 no assembly at all. */
static inline uint32_t ls_x264_cpu_limit(uint32_t detected, unsigned allowed)
{
    uint32_t cpu = detected;
#if defined(__x86_64__) || defined(__i386__)
    /* Never x264's AVX-512 code (x264 0.164, Debian 12): with it, an encoder opened after another one in the
     * same process gives output that changes from run to run and with the thread count of the decoder
     * beside it (seen on the 2nd to last segments of a 240p rung, each segment being a fresh encoder); with
     * AVX2 and below, and in C, the output is the same every time. A segment must not depend on what ran
     * before it in the process (chunked encodes are byte-identical to a whole run), so x264 stops at AVX2. */
    cpu &= ~X264_CPU_AVX512;
    if (!(allowed & LSTREAM_CPU_AVX2))
        cpu &= ~(X264_CPU_AVX2 | X264_CPU_AVX | X264_CPU_FMA3 | X264_CPU_FMA4 | X264_CPU_XOP | X264_CPU_BMI1 |
                 X264_CPU_BMI2 | X264_CPU_LZCNT);
    if (!(allowed & LSTREAM_CPU_SSE41))
        cpu &= ~(X264_CPU_SSE4 | X264_CPU_SSE42);
    if (!(allowed & LSTREAM_CPU_SSSE3))
        cpu &= ~(X264_CPU_SSSE3 | X264_CPU_SSE3);
    if (!(allowed & LSTREAM_CPU_SSE2))
        cpu = 0;
#elif defined(__aarch64__) || defined(__arm__)
    if (!(allowed & LSTREAM_CPU_NEON))
        cpu &= ~X264_CPU_NEON;
#else
    (void)allowed;
#endif
    return cpu;
}

/* x264's own detection, through its public API (x264_param_default() fills param.cpu) */
static inline uint32_t ls_x264_cpu_detected(void)
{
    x264_param_t p;
    x264_param_default(&p);
    return p.cpu;
}

#endif
