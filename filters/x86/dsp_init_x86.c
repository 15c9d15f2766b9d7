/* x86 dispatch: upgrade the C table step by step, as far as the (masked) CPU flags and the ISAs this compiler
 * could build (configure probes each) allow. Built without ISA flags. */
#include "config.h"
#include "filters/x86/x86.h"
#include "libstream/libstream.h"

void ls_dsp_init_x86(LSDSP *d, unsigned flags)
{
#if HAVE_SSE2
    if (!(flags & LSTREAM_CPU_SSE2))
        return;
    d->vscale = ls_vscale_sse2;
    d->hscale = ls_hscale_sse2;
    d->sad = ls_sad_sse2;
    d->blockdiff = ls_blockdiff_sse2;
    d->ssd = ls_ssd_sse2;
    d->ssim_4x4 = ls_ssim_4x4_sse2;
    d->activity = ls_activity_sse2;
    d->narrow16 = ls_narrow16_sse2;
#if HAVE_AVX2
    if (!(flags & LSTREAM_CPU_AVX2))
        return;
    d->vscale = ls_vscale_avx2;
    d->hscale = ls_hscale_avx2;
    d->sad = ls_sad_avx2;
    d->ssd = ls_ssd_avx2;
    d->narrow16 = ls_narrow16_avx2;
#if HAVE_AVX512
    if (!(flags & LSTREAM_CPU_AVX512))
        return;
    d->vscale = ls_vscale_avx512;
    d->hscale = ls_hscale_avx512;
#endif
#endif
#else
    (void)d;
    (void)flags;
#endif
}
