/*
 * Loudness of a programme, ITU-R BS.1770-4 / EBU R128: K-weighting (a high shelf and a high-pass, designed for
 * any sample rate by the bilinear transform of the recommendation's analogue prototypes), mean square over
 * 400 ms blocks every 100 ms, an absolute gate at -70 LUFS and a relative gate 10 LU below the ungated mean.
 * What is measured is what the encoders get: the input mixed as the audio adapter's libswresample mixes it by
 * default (stereo to mono: (L + R) x 0.7071; mono to stereo: 0.7071 in each; more channels to mono: front pair
 * x 0.7071, centre x 1, the rest x 0.5, an approximation of its matrix), checked against FFmpeg's ebur128 filter
 * on the encoded renditions (tests/e2e/loudness.sh). Channels are weighted 1. Also the sample peak.
 */
#include "config.h"
#include "libstream/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Biquad {
    double b0, b1, b2, a1, a2;
} Biquad;

struct LSLoudness {
    int rate, channels;
    Biquad shelf, hp;
    double (*z)[4]; /* per channel: the two stages' state */
    double sub;     /* sum of weighted squares of the current 100 ms step, all channels */
    int sub_n, step;
    double *steps; /* energy of each 100 ms step */
    int64_t n_steps, cap_steps;
    double peak;
};

/* the two K-weighting stages for sample rate @p fs (pyloudnorm's and libebur128's derivation of BS.1770's
 * 48 kHz coefficients) */
static void k_weighting(double fs, Biquad *shelf, Biquad *hp)
{
    double f0 = 1681.974450955533, G = 3.999843853973347, Q = 0.7071752369554196;
    double K = tan(M_PI * f0 / fs), Vh = pow(10.0, G / 20.0), Vb = pow(Vh, 0.4996667741545416);
    double a0 = 1.0 + K / Q + K * K;
    shelf->b0 = (Vh + Vb * K / Q + K * K) / a0;
    shelf->b1 = 2.0 * (K * K - Vh) / a0;
    shelf->b2 = (Vh - Vb * K / Q + K * K) / a0;
    shelf->a1 = 2.0 * (K * K - 1.0) / a0;
    shelf->a2 = (1.0 - K / Q + K * K) / a0;
    f0 = 38.13547087602444;
    Q = 0.5003270373238773;
    K = tan(M_PI * f0 / fs);
    a0 = 1.0 + K / Q + K * K;
    hp->b0 = 1.0 / a0;
    hp->b1 = -2.0 / a0;
    hp->b2 = 1.0 / a0;
    hp->a1 = 2.0 * (K * K - 1.0) / a0;
    hp->a2 = (1.0 - K / Q + K * K) / a0;
}

int ls_loudness_open(LSLoudness **pl, int rate, int channels)
{
    if (rate < 8000 || channels < 1 || channels > 64)
        return LSTREAM_ERR(EINVAL);
    LSLoudness *l = ls_calloc(1, sizeof(*l));
    if (!l || !(l->z = ls_calloc((size_t)channels, sizeof(*l->z)))) {
        free(l);
        return LSTREAM_ERR(ENOMEM);
    }
    l->rate = rate;
    l->channels = channels;
    l->step = rate / 10;
    k_weighting(rate, &l->shelf, &l->hp);
    *pl = l;
    return 0;
}

static double sample(const LSAudio *a, int i, int ch)
{
    const int planar = a->format >= LS_SAMPLE_U8P;
    const int f = planar ? a->format - (LS_SAMPLE_U8P - LS_SAMPLE_U8) : a->format;
    const uint8_t *p = planar ? a->data[ch] : a->data[0];
    const size_t k = planar ? (size_t)i : (size_t)i * (size_t)a->channels + (size_t)ch;
    switch (f) {
    case LS_SAMPLE_U8: return (p[k] - 128) / 128.0;
    case LS_SAMPLE_S16: return ((const int16_t *)(const void *)p)[k] / 32768.0;
    case LS_SAMPLE_S32: return ((const int32_t *)(const void *)p)[k] / 2147483648.0;
    case LS_SAMPLE_FLT: return ((const float *)(const void *)p)[k];
    default: return ((const double *)(const void *)p)[k];
    }
}

int ls_loudness_add(LSLoudness *l, const LSAudio *a)
{
    if (a->sample_rate != l->rate || a->channels < 1 || a->format < LS_SAMPLE_U8 || a->format > LS_SAMPLE_DBLP)
        return LSTREAM_ERR_UNSUPPORTED; /* the caller measures one stream at one rate */
    for (int i = 0; i < a->nb_samples; i++) {
        for (int c = 0; c < l->channels; c++) {
            double x;
            if (l->channels == 1 && a->channels > 1) { /* the mono mix */
                x = M_SQRT1_2 * (sample(a, i, 0) + sample(a, i, 1));
                for (int k = 2; k < a->channels; k++)
                    x += (k == 2 ? 1.0 : 0.5) * sample(a, i, k);
            } else if (a->channels == 1) {
                x = l->channels > 1 ? M_SQRT1_2 * sample(a, i, 0) : sample(a, i, 0);
            } else {
                x = sample(a, i, c < a->channels ? c : a->channels - 1);
            }
            if (fabs(x) > l->peak)
                l->peak = fabs(x);
            double *z = l->z[c];
            const Biquad *s = &l->shelf, *h = &l->hp;
            const double y1 = s->b0 * x + z[0];
            z[0] = s->b1 * x - s->a1 * y1 + z[1];
            z[1] = s->b2 * x - s->a2 * y1;
            const double y2 = h->b0 * y1 + z[2];
            z[2] = h->b1 * y1 - h->a1 * y2 + z[3];
            z[3] = h->b2 * y1 - h->a2 * y2;
            l->sub += y2 * y2;
        }
        if (++l->sub_n == l->step) {
            if (l->n_steps == l->cap_steps) {
                const int64_t cap = l->cap_steps ? l->cap_steps * 2 : 4096;
                double *s = ls_realloc(l->steps, sizeof(*s) * (size_t)cap);
                if (!s)
                    return LSTREAM_ERR(ENOMEM);
                l->steps = s;
                l->cap_steps = cap;
            }
            l->steps[l->n_steps++] = l->sub;
            l->sub = 0;
            l->sub_n = 0;
        }
    }
    return 0;
}

double ls_loudness_integrated(const LSLoudness *l)
{
    /* 400 ms blocks (4 steps), 75 % overlap; loudness of a mean square z: -0.691 + 10 log10(z) */
    const int64_t blocks = l->n_steps >= 4 ? l->n_steps - 3 : 0;
    const double block_n = 4.0 * l->step;
    double sum = 0;
    int64_t n = 0;
    for (int pass = 0; pass < 2; pass++) {
        const double gate = pass == 0 ? -70.0 : fmax(-70.0, -0.691 + 10 * log10(sum / (double)(n ? n : 1)) - 10.0);
        if (pass == 1 && !n)
            break;
        double s2 = 0;
        int64_t n2 = 0;
        for (int64_t b = 0; b < blocks; b++) {
            const double z = (l->steps[b] + l->steps[b + 1] + l->steps[b + 2] + l->steps[b + 3]) / block_n;
            if (z > 0 && -0.691 + 10 * log10(z) > gate) {
                s2 += z;
                n2++;
            }
        }
        sum = s2;
        n = n2;
    }
    return n ? -0.691 + 10 * log10(sum / n) : -INFINITY;
}

double ls_loudness_peak_db(const LSLoudness *l) { return l->peak > 0 ? 20 * log10(l->peak) : -INFINITY; }

void ls_loudness_close(LSLoudness **pl)
{
    LSLoudness *l = *pl;
    if (!l)
        return;
    free(l->z);
    free(l->steps);
    free(l);
    *pl = NULL;
}
