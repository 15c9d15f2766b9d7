/*
 * filters/: the pixel kernels of the ladder (scale, frame difference, quality metrics, format
 * conversion). Each kernel has a C reference (*_c) and optional per-ISA versions; ls_dsp_init() fills a
 * table of function pointers with the best versions the CPU (masked) supports.
 * Internal to libstream (ls_ prefix); the bench and checkasm link the same objects.
 */
#ifndef LSTREAM_FILTERS_H
#define LSTREAM_FILTERS_H

#include <stddef.h>
#include <stdint.h>

/* Fixed-point formats shared by every implementation (bit-exact across ISAs). */
#define LS_COEF_BITS       14 /* filter coefficients: sum = 1 << 14 */
#define LS_MID_BITS        6  /* vertical pass output: pixel << 6, int16 */
#define LS_MAX_TAPS        64
#define LS_HSCALE_OVERREAD 64 /* hscale may read this many int16 from a block's first pos */

typedef struct LSDSP {
    /* Vertical filter: dst[x] = clip16(round(sum_k coef[k] * rows[k][x] >> (COEF_BITS - MID_BITS))).
     * taps >= 1, w >= 1; rows[] may repeat (edge clamp). Reads and writes exactly w elements per row. */
    void (*vscale)(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w);
    /* Horizontal filter: dst[x] = clip8(round(sum_k coef[x*taps+k] * src[pos[x]+k] >> (COEF_BITS+MID_BITS))).
     * taps is a multiple of 4. @cpair is the same filter laid out for 16 outputs per vector
     * (LSFilter1D.cpair, blocks from pos[0]) or NULL; kernels that want it fall back without it.
     * src must be readable up to src[pos[w-1] + LS_HSCALE_OVERREAD - 1] (at least pos[x] + taps - 1). */
    void (*hscale)(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                   const int32_t *cpair);
    /* Sum of absolute differences over a w x h block. */
    uint64_t (*sad)(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
    /* Differences of one row of blocks (lecture analysis): block i covers columns [i*bw, min(i*bw+bw, w)) of the
     * h rows (h <= 16); sad[i] = sum |a-b|, max[i] = max |a-b| over it. bw is 8 or 16; (w + bw - 1) / bw blocks. */
    void (*blockdiff)(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int bw,
                      uint32_t *sad, uint8_t *max);
    /* Sum of squared differences over a w x h block (PSNR). */
    uint64_t (*ssd)(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
    /* SSIM partial sums of one row of 4x4 blocks (x264 style): for block i, sums[i] = {sa, sb, saa+sbb, sab}
     * over the 4x4 block at x = 4*i. n blocks. */
    void (*ssim_4x4)(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int32_t (*sums)[4], int n);
    /* Spatial activity: sum |p[x]-p[x+1]| + |p[x]-p[x+stride]| over a w x h block (needs one more row/col). */
    uint64_t (*activity)(const uint8_t *p, ptrdiff_t s, int w, int h);
    /* 10-bit (or 9..16-bit) samples to 8-bit with rounding: dst[x] = clip8((src[x] + (1<<(shift-1))) >> shift). */
    void (*narrow16)(uint8_t *dst, const uint16_t *src, int w, int shift);
} LSDSP;

void ls_dsp_init(LSDSP *dsp, unsigned cpu_flags);
unsigned ls_cpu_detect(void);

/* Per-ISA upgraders: only replace what they implement. */
void ls_dsp_init_x86(LSDSP *dsp, unsigned cpu_flags);
void ls_dsp_init_arm(LSDSP *dsp, unsigned cpu_flags);

/* A 1-D resampling filter plan (one dimension of one plane). */
typedef struct LSFilter1D {
    int src_size, dst_size;
    int taps;      /* padded to a multiple of 4 */
    int32_t *pos;  /* dst_size: first source index (may be clamped into range) */
    int16_t *coef; /* dst_size * taps */
    /* the same coefficients for 16 outputs per vector: for each block of 16 outputs and each tap pair k,
     * 16 dwords (coef[x][2k] | coef[x][2k+1] << 16) for x = 16 * block + 0..15 (zero past dst_size);
     * 64-byte aligned. */
    int32_t *cpair;
} LSFilter1D;

/* Build a bicubic (Catmull-Rom-like, B=0 C=0.6 like swscale's default) or Lanczos-3 filter, widened by the
 * downscale ratio so it anti-aliases. Edge samples are clamped. Returns 0 or -ENOMEM/-EINVAL. */
enum { LS_KERNEL_BICUBIC = 0, LS_KERNEL_LANCZOS3 = 1 };
int ls_filter1d_init(LSFilter1D *f, int src_size, int dst_size, int kernel);
void ls_filter1d_free(LSFilter1D *f);

/* Scaler of one 8-bit plane. */
typedef struct LSPlaneScaler {
    LSFilter1D h, v;
    int16_t *mid;         /* one vertically filtered row, src width + padding */
    const uint8_t **rows; /* taps row pointers */
} LSPlaneScaler;

/* 0, -ENOMEM, or -ERANGE when the step needs more than LS_MAX_TAPS taps (about 16:1 with bicubic). */
int ls_plane_scaler_init(LSPlaneScaler *s, int sw, int sh, int dw, int dh, int kernel);
void ls_plane_scaler_free(LSPlaneScaler *s);
/* The three planes of a 4:2:0 picture (bicubic; chroma of an odd size rounded up at the source, down at the
 * destination, which is even). 0 or the first plane's error; the caller frees all three either way. */
int ls_i420_scalers_init(LSPlaneScaler sc[3], int sw, int sh, int dw, int dh);
void ls_plane_scale(const LSDSP *dsp, LSPlaneScaler *s, uint8_t *dst, ptrdiff_t dst_stride, const uint8_t *src,
                    ptrdiff_t src_stride);

/* Metrics over a whole plane. */
double ls_plane_psnr(const LSDSP *dsp, const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
double ls_plane_ssim(const LSDSP *dsp, const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);

/* Simple plane ops used by the frame normaliser (C; not hot enough for SIMD). */
void ls_plane_deinterlace(uint8_t *dst, ptrdiff_t ds, const uint8_t *src, ptrdiff_t ss, int w, int h);
void ls_plane_rotate(uint8_t *dst, ptrdiff_t ds, const uint8_t *src, ptrdiff_t ss, int w, int h, int degrees);

/* C references, exported for checkasm. */
void ls_vscale_c(int16_t *dst, const uint8_t *const *rows, const int16_t *coef, int taps, int w);
void ls_hscale_c(uint8_t *dst, int w, const int16_t *src, const int32_t *pos, const int16_t *coef, int taps,
                 const int32_t *cpair);
uint64_t ls_sad_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
void ls_blockdiff_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h, int bw, uint32_t *sad,
                    uint8_t *max);
uint64_t ls_ssd_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h);
void ls_ssim_4x4_c(const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int32_t (*sums)[4], int n);
uint64_t ls_activity_c(const uint8_t *p, ptrdiff_t s, int w, int h);
void ls_narrow16_c(uint8_t *dst, const uint16_t *src, int w, int shift);

/* ---- allocation (mem.c): every allocation of libstream and its kernels; tests can make one fail ---- */
void *ls_malloc(size_t n);
void *ls_calloc(size_t n, size_t size);
void *ls_realloc(void *p, size_t n);
void *ls_aligned_alloc(size_t align, size_t n);
char *ls_strdup(const char *s);
/* Tests: allocation number @p n from now fails (0: the next one); -1: none. */
void ls_alloc_fail_after(long n);
/* Allocations made so far (for a test to know how many there are to fail). */
long ls_alloc_count(void);

#endif
