/* CPU feature detection: cpuid + xgetbv on x86 (OS must save the wider registers), hwcap on aarch64. */
#include "config.h"
#include "filters.h"
#include "libstream/libstream.h"

#include <pthread.h>
#if ARCH_X86 && defined(HAVE_CPUID_H)
#include <cpuid.h>
#endif
#if ARCH_AARCH64 && defined(HAVE_SYS_AUXV_H)
#include <sys/auxv.h>
#endif

#if ARCH_X86 && defined(HAVE_CPUID_H)
static uint64_t xgetbv0(void)
{
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}
#endif

unsigned ls_cpu_detect(void)
{
    unsigned flags = 0;
#if ARCH_X86 && defined(HAVE_CPUID_H)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (d & (1u << 26))
        flags |= LSTREAM_CPU_SSE2;
    if (c & (1u << 9))
        flags |= LSTREAM_CPU_SSSE3;
    if (c & (1u << 19))
        flags |= LSTREAM_CPU_SSE41;
    const int osxsave = !!(c & (1u << 27)), avx = !!(c & (1u << 28));
    if (osxsave && avx && __get_cpuid_max(0, NULL) >= 7) {
        uint64_t xcr0 = xgetbv0();
        unsigned a7, b7, c7, d7;
        __cpuid_count(7, 0, a7, b7, c7, d7);
        (void)a7;
        (void)c7;
        (void)d7;
        if ((xcr0 & 0x6) == 0x6 && (b7 & (1u << 5)))
            flags |= LSTREAM_CPU_AVX2;
        /* AVX-512 F (16), BW (30), VL (31), and the OS saves opmask + ZMM state */
        if ((xcr0 & 0xe6) == 0xe6 && (b7 & (1u << 16)) && (b7 & (1u << 30)) && (b7 & (1u << 31)))
            flags |= LSTREAM_CPU_AVX512;
    }
#elif ARCH_AARCH64
    flags |= LSTREAM_CPU_NEON; /* mandatory in ARMv8-A */
#endif
    return flags;
}

static unsigned cpu_flags;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static void cpu_init(void) { cpu_flags = ls_cpu_detect(); }

unsigned lstream_cpu_flags(void)
{
    pthread_once(&cpu_once, cpu_init);
    return cpu_flags;
}
