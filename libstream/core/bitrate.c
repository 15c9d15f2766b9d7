/* Bit-rate figures for the manifests: RFC 8216 peak, average, and the DASH leaky bucket. */
#include "config.h"
#include "libstream/internal.h"

double ls_avg_bitrate(const int64_t *bytes, const double *dur, int n)
{
    double b = 0, d = 0;
    for (int i = 0; i < n; i++) {
        b += bytes[i];
        d += dur[i];
    }
    return d > 0 ? b * 8.0 / d : 0.0;
}

double ls_peak_bitrate(const int64_t *bytes, const double *dur, int n, double target)
{
    /* RFC 8216 4.3.4.2: the largest bit rate of any set of contiguous segments whose total duration is
     * between 0.5 and 1.5 times the target duration. With fewer than 0.5 x target of media, the whole. */
    double peak = 0.0;
    int found = 0;
    for (int i = 0; i < n; i++) {
        double b = 0, d = 0;
        for (int j = i; j < n; j++) {
            b += bytes[j];
            d += dur[j];
            if (d > 1.5 * target + 1e-9)
                break;
            if (d >= 0.5 * target - 1e-9) {
                found = 1;
                if (b * 8.0 / d > peak)
                    peak = b * 8.0 / d;
            }
        }
    }
    if (!found) /* all media shorter than 0.5 x target (then one segment), or segments over 1.5 x target */
        for (int i = 0; i < n; i++)
            if (dur[i] > 0 && bytes[i] * 8.0 / dur[i] > peak)
                peak = bytes[i] * 8.0 / dur[i];
    return peak;
}

double ls_leaky_bucket_bandwidth(const int64_t *bytes, const double *dur, int n, double min_buffer)
{
    /* Delivery at a constant B from segment j on; playout of segment j starts after min_buffer seconds.
     * Segment i (>= j) must be complete when its playout starts: sum_{k=j..i} bits_k <= B * (min_buffer + t_i - t_j).
     * B is the maximum of the ratio over all (j, i): O(n^2), fine for the thousands of segments of a lecture. */
    double bw = 0.0;
    for (int j = 0; j < n; j++) {
        double bits = 0.0, t = 0.0; /* t = t_i - t_j */
        for (int i = j; i < n; i++) {
            bits += bytes[i] * 8.0;
            double need = bits / (min_buffer + t);
            if (need > bw)
                bw = need;
            t += dur[i];
        }
    }
    return bw;
}
