/* Whole-plane quality metrics on top of the SSD and SSIM kernels. */
#include "config.h"
#include "filters.h"

#include <math.h>
#include <stdlib.h>

double ls_plane_psnr(const LSDSP *dsp, const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    uint64_t ssd = dsp->ssd(a, as, b, bs, w, h);
    if (ssd == 0)
        return 100.0;
    double mse = (double)ssd / ((double)w * h);
    return 10.0 * log10(255.0 * 255.0 / mse);
}

/* SSIM over 8x8 windows at a 4-pixel step (as x264 and FFmpeg's ssim filter): each window is 2x2 4x4 blocks. */
static double ssim_end(const int32_t s[4], int n)
{
    const double c1 = .01 * .01 * 255 * 255 * 64, c2 = .03 * .03 * 255 * 255 * 64 * 63;
    double s1 = s[0], s2 = s[1], ss = s[2], s12 = s[3];
    (void)n;
    double vars = ss * 64 - s1 * s1 - s2 * s2;
    double covar = s12 * 64 - s1 * s2;
    return (2 * s1 * s2 + c1) * (2 * covar + c2) / ((s1 * s1 + s2 * s2 + c1) * (vars + c2));
}

double ls_plane_ssim(const LSDSP *dsp, const uint8_t *a, ptrdiff_t as, const uint8_t *b, ptrdiff_t bs, int w, int h)
{
    const int bw = w / 4, bh = h / 4;
    if (bw < 2 || bh < 2)
        return 1.0;
    int32_t(*rows[2])[4];
    rows[0] = ls_malloc(sizeof(*rows[0]) * bw);
    rows[1] = ls_malloc(sizeof(*rows[1]) * bw);
    if (!rows[0] || !rows[1]) {
        free(rows[0]);
        free(rows[1]);
        return NAN;
    }
    double total = 0.0;
    dsp->ssim_4x4(a, as, b, bs, rows[0], bw);
    for (int y = 1; y < bh; y++) {
        int32_t(*prev)[4] = rows[(y - 1) & 1], (*cur)[4] = rows[y & 1];
        dsp->ssim_4x4(a + 4 * y * as, as, b + 4 * y * bs, bs, cur, bw);
        for (int x = 0; x < bw - 1; x++) {
            int32_t s[4];
            for (int i = 0; i < 4; i++)
                s[i] = prev[x][i] + prev[x + 1][i] + cur[x][i] + cur[x + 1][i];
            total += ssim_end(s, 64);
        }
    }
    free(rows[0]);
    free(rows[1]);
    return total / ((double)(bw - 1) * (bh - 1));
}
