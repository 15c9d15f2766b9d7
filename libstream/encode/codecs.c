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

static unsigned read_ue(const uint8_t *p, size_t n, size_t *pos)
{
    int zeros = 0;
    while (*pos < n * 8 && !read_bits(p, n, pos, 1))
        if (++zeros > 31)
            return ~0u;
    return zeros ? (unsigned)((1ull << zeros) - 1 + read_bits(p, n, pos, zeros)) : 0u;
}

int ls_avc_sps_variable_rate(const uint8_t *sps, int size, uint8_t *out, int out_size)
{
    /* the RBSP: emulation prevention bytes out (H.264 7.4.1) */
    uint8_t rbsp[512];
    size_t n = 0;
    for (int i = 1, zeros = 0; i < size; i++) { /* after the NAL header */
        if (zeros >= 2 && sps[i] == 3) {
            zeros = 0;
            continue;
        }
        if (n == sizeof(rbsp))
            return -EINVAL;
        zeros = sps[i] ? 0 : zeros + 1;
        rbsp[n++] = sps[i];
    }
    /* seq_parameter_set_data() (7.3.2.1.1) up to the VUI's fixed_frame_rate_flag (E.1.1) */
    size_t pos = 24; /* profile_idc, constraint flags, level_idc */
    const unsigned profile = n ? rbsp[0] : 0;
    if (n < 4 || read_ue(rbsp, n, &pos) > 31)
        return -EINVAL;
    if (profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 || profile == 83 ||
        profile == 86 || profile == 118 || profile == 128 || profile == 138 || profile == 139 || profile == 134 ||
        profile == 135) {
        if (read_ue(rbsp, n, &pos) == 3) /* chroma_format_idc */
            pos++;                       /* separate_colour_plane_flag */
        read_ue(rbsp, n, &pos);          /* bit depths */
        read_ue(rbsp, n, &pos);
        pos++;                           /* qpprime_y_zero_transform_bypass_flag */
        if (read_bits(rbsp, n, &pos, 1)) /* scaling lists: x264 writes them only for AVC-Intra */
            return 0;
    }
    read_ue(rbsp, n, &pos); /* log2_max_frame_num_minus4 */
    const unsigned poc = read_ue(rbsp, n, &pos);
    if (poc == 0)
        read_ue(rbsp, n, &pos);
    else if (poc == 1)
        return 0;           /* x264 writes type 0 or 2 */
    read_ue(rbsp, n, &pos); /* max_num_ref_frames */
    pos++;                  /* gaps_in_frame_num_value_allowed_flag */
    read_ue(rbsp, n, &pos); /* pic_width_in_mbs_minus1, pic_height_in_map_units_minus1 */
    read_ue(rbsp, n, &pos);
    if (!read_bits(rbsp, n, &pos, 1)) /* frame_mbs_only_flag */
        pos++;
    pos++;                           /* direct_8x8_inference_flag */
    if (read_bits(rbsp, n, &pos, 1)) /* frame_cropping_flag */
        for (int i = 0; i < 4; i++)
            read_ue(rbsp, n, &pos);
    if (!read_bits(rbsp, n, &pos, 1)) /* no VUI (or cut short: read_bits() reads zeros past the end) */
        return pos > n * 8 ? -EINVAL : 0;
    if (read_bits(rbsp, n, &pos, 1) && read_bits(rbsp, n, &pos, 8) == 255) /* aspect_ratio_idc: Extended_SAR */
        pos += 32;
    if (read_bits(rbsp, n, &pos, 1)) /* overscan_info_present_flag */
        pos++;
    if (read_bits(rbsp, n, &pos, 1)) { /* video_signal_type_present_flag */
        pos += 4;
        if (read_bits(rbsp, n, &pos, 1))
            pos += 24;
    }
    if (read_bits(rbsp, n, &pos, 1)) { /* chroma_loc_info_present_flag */
        read_ue(rbsp, n, &pos);
        read_ue(rbsp, n, &pos);
    }
    if (!read_bits(rbsp, n, &pos, 1)) /* no timing_info */
        return pos > n * 8 ? -EINVAL : 0;
    pos += 64; /* num_units_in_tick, time_scale */
    if (pos >= n * 8 - 1)
        return -EINVAL;
    if (!(rbsp[pos >> 3] & (0x80u >> (pos & 7))))
        return 0;
    rbsp[pos >> 3] &= (uint8_t) ~(0x80u >> (pos & 7));
    /* emulation prevention back in */
    int k = 0;
    if (out_size < 1)
        return -EINVAL;
    out[k++] = sps[0];
    for (size_t i = 0, zeros = 0; i < n; i++) {
        if (zeros >= 2 && rbsp[i] <= 3) {
            if (k == out_size)
                return -EINVAL;
            out[k++] = 3;
            zeros = 0;
        }
        if (k == out_size)
            return -EINVAL;
        zeros = rbsp[i] ? 0 : zeros + 1;
        out[k++] = rbsp[i];
    }
    return k;
}
