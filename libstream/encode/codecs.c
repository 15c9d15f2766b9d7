/* RFC 6381 codec strings from real configuration records (doc/RULES.md: M3), never from settings. */
#include "config.h"
#include "libstream/internal.h"

#include <errno.h>

int ls_codec_string_avcc(const uint8_t *avcc, int size, char *out, size_t out_size)
{
    /* AVCDecoderConfigurationRecord: version(1) profile(1) compat(1) level(1) ... (ISO/IEC 14496-15 5.3.3.1) */
    if (size < 7 || avcc[0] != 1)
        return -EINVAL;
    snprintf(out, out_size, "avc1.%02X%02X%02X", avcc[1], avcc[2], avcc[3]);
    return 0;
}

int ls_codec_string_asc(const uint8_t *asc, int size, char *out, size_t out_size)
{
    /* AudioSpecificConfig: audioObjectType 5 bits, 31 = escape to 6 more bits + 32 (ISO/IEC 14496-3 1.6.2.1) */
    if (size < 2)
        return -EINVAL;
    int aot = asc[0] >> 3;
    if (aot == 31)
        aot = 32 + (((asc[0] & 7) << 3) | (asc[1] >> 5));
    if (aot == 0)
        return -EINVAL;
    snprintf(out, out_size, "mp4a.40.%d", aot);
    return 0;
}

int ls_codec_string_vpcc(const uint8_t *v, int size, char *out, size_t out_size)
{
    /* VPCodecConfigurationRecord (VP Codec ISO Media File Format Binding 2.2, version 1): profile, level,
     * bitDepth(4) chromaSubsampling(3) videoFullRangeFlag(1), colourPrimaries, transferCharacteristics,
     * matrixCoefficients; the codecs parameter (ibid. "Codecs Parameter String") names them all, two digits each */
    if (size < 12 || v[0] != 1)
        return -EINVAL;
    snprintf(out, out_size, "vp09.%02u.%02u.%02u.%02u.%02u.%02u.%02u.%02u", v[4], v[5], v[6] >> 4, (v[6] >> 1) & 7u,
             v[7], v[8], v[9], v[6] & 1u);
    return 0;
}

static unsigned read_bits(const uint8_t *p, size_t n, size_t *pos, int k)
{
    unsigned v = 0;
    for (int i = 0; i < k; i++, (*pos)++)
        v = v << 1 | (*pos < n * 8 ? (unsigned)(p[*pos >> 3] >> (7 - (*pos & 7))) & 1u : 0u);
    return v;
}

int ls_vp9_keyframe(const uint8_t *p, size_t n, LSVp9Key *k)
{
    size_t pos = 0;
    if (n < 5 || read_bits(p, n, &pos, 2) != 2) /* frame_marker */
        return -1;
    const unsigned lo = read_bits(p, n, &pos, 1);
    k->profile = (int)(read_bits(p, n, &pos, 1) << 1 | lo);
    if (k->profile == 3)
        pos++;                                                /* reserved_zero */
    if (read_bits(p, n, &pos, 1) || read_bits(p, n, &pos, 1)) /* show_existing_frame; frame_type 1: non-key */
        return -1;
    pos += 2;                                  /* show_frame, error_resilient_mode */
    if (read_bits(p, n, &pos, 24) != 0x498342) /* frame_sync_code */
        return -1;
    k->bit_depth = k->profile >= 2 ? (read_bits(p, n, &pos, 1) ? 12 : 10) : 8;
    const unsigned cs = read_bits(p, n, &pos, 3);
    k->full_range = cs == 7 ? 1 : (int)read_bits(p, n, &pos, 1); /* CS_RGB is full range */
    return pos <= n * 8 ? 0 : -1;
}
