/* lstream-bench internals. */
#ifndef LSTREAM_BENCH_H
#define LSTREAM_BENCH_H

#include "filters/filters.h"

typedef struct BenchRung {
    char name[32];
    int width, height;
    long long bytes; /* media segments */
    double duration;
    char media[4200];  /* init + segments concatenated, for decoding */
    double psnr, ssim; /* luma, against the source downscaled with Lanczos */
    int frames;        /* frames measured */
} BenchRung;

/* Decode every rung in lockstep with @p source; measure every @p step-th frame. */
int bench_quality(const char *source, BenchRung *rungs, int n, int step);

#endif
