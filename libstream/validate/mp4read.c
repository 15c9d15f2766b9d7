/*
 * Minimal ISO-BMFF reader for the validator: what an init segment declares (timescale, codec string
 * from avcC/esds, NAL length size, trex defaults) and what a media fragment holds (tfdt, sample
 * durations, earliest presentation time, whether the first sample is an IDR). Bounds-checked throughout:
 * it reads files the validator did not write.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/validate/mp4read.h"
#include "libstream/isobmff.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) << 32 | rd32(p + 4); }

/* Times and offsets beyond 2^53 mean nothing in a VOD presentation; refusing them keeps every sum
 * below (a handful of such values plus at most MAX_SAMPLES 32-bit durations) inside int64_t. */
#define MP4_LIMIT   ((int64_t)1 << 53)
#define MAX_SAMPLES 10000000

/* Find the first box of @p type in [p, p+len). Returns its payload and sets *plen; NULL if absent.
 * @p box_start, if given, receives the box's own start. */
const uint8_t *ls_mp4_find(const uint8_t *p, size_t len, const char *type, size_t *plen, const uint8_t **box_start)
{
    size_t off = 0;
    while (off + 8 <= len) {
        uint64_t size = rd32(p + off);
        size_t hdr = 8;
        if (size == 1) {
            if (off + 16 > len)
                return NULL;
            size = rd64(p + off + 8);
            hdr = 16;
        } else if (size == 0) {
            size = len - off;
        }
        if (size < hdr || size > len - off)
            return NULL;
        if (!memcmp(p + off + 4, type, 4)) {
            *plen = (size_t)size - hdr;
            if (box_start)
                *box_start = p + off;
            return p + off + hdr;
        }
        off += (size_t)size;
    }
    return NULL;
}

/* read an MPEG-4 descriptor header: tag and length (up to 4 length bytes) */
static const uint8_t *descr(const uint8_t *p, const uint8_t *end, int *tag, size_t *len)
{
    if (p >= end)
        return NULL;
    *tag = *p++;
    size_t l = 0;
    for (int i = 0; i < 4; i++) {
        if (p >= end)
            return NULL;
        uint8_t c = *p++;
        l = l << 7 | (c & 0x7f);
        if (!(c & 0x80))
            break;
    }
    if ((size_t)(end - p) < l)
        return NULL;
    *len = l;
    return p;
}

static int parse_esds(const uint8_t *p, size_t len, LSMp4Init *init)
{
    const uint8_t *end = p + len;
    if (len < 4)
        return -1;
    p += 4; /* version + flags */
    int tag;
    size_t l;
    if (!(p = descr(p, end, &tag, &l)) || tag != 3 || l < 3)
        return -1;
    end = p + l;
    int flags = p[2];
    p += 3;
    if (flags & 0x80)
        p += 2;
    if (flags & 0x40) {
        if (p >= end)
            return -1;
        p += 1 + *p;
    }
    if (flags & 0x20)
        p += 2;
    if (p >= end || !(p = descr(p, end, &tag, &l)) || tag != 4 || l < 13)
        return -1;
    const uint8_t *dcd_end = p + l;
    init->object_type = p[0];
    p += 13;
    if (!(p = descr(p, dcd_end, &tag, &l)) || tag != 5)
        return -1;
    return ls_codec_string_asc(p, (int)l, init->codec, sizeof(init->codec));
}

int ls_mp4_parse_init(const uint8_t *data, size_t size, LSMp4Init *init)
{
    memset(init, 0, sizeof(*init));
    size_t l_moov, l_trak, l_mdia, l_mdhd, l_hdlr, l_minf, l_stbl, l_stsd, l;
    const uint8_t *moov = ls_mp4_find(data, size, "moov", &l_moov, NULL);
    if (!moov)
        return -1;
    const uint8_t *trak = ls_mp4_find(moov, l_moov, "trak", &l_trak, NULL);
    const uint8_t *mdia = trak ? ls_mp4_find(trak, l_trak, "mdia", &l_mdia, NULL) : NULL;
    const uint8_t *mdhd = mdia ? ls_mp4_find(mdia, l_mdia, "mdhd", &l_mdhd, NULL) : NULL;
    const uint8_t *hdlr = mdia ? ls_mp4_find(mdia, l_mdia, "hdlr", &l_hdlr, NULL) : NULL;
    const uint8_t *minf = mdia ? ls_mp4_find(mdia, l_mdia, "minf", &l_minf, NULL) : NULL;
    const uint8_t *stbl = minf ? ls_mp4_find(minf, l_minf, "stbl", &l_stbl, NULL) : NULL;
    const uint8_t *stsd = stbl ? ls_mp4_find(stbl, l_stbl, "stsd", &l_stsd, NULL) : NULL;
    if (!mdhd || !hdlr || !stsd || l_hdlr < 12 || l_stsd < 16)
        return -1;
    if (mdhd[0] == 1 && l_mdhd >= 24)
        init->timescale = rd32(mdhd + 20);
    else if (l_mdhd >= 16)
        init->timescale = rd32(mdhd + 12);
    memcpy(init->handler, hdlr + 8, 4);
    const uint8_t *entry = stsd + 8;
    size_t elen = l_stsd - 8;
    uint32_t esize = rd32(entry);
    if (esize < 8 || esize > elen)
        return -1;
    memcpy(init->sample_entry, entry + 4, 4);
    const uint8_t *ep = entry + 8;
    size_t epl = esize - 8;
    if (!memcmp(init->handler, "vide", 4)) {
        init->is_video = 1;
        if (epl < 78)
            return -1;
        init->width = ep[24] << 8 | ep[25];
        init->height = ep[26] << 8 | ep[27];
        const uint8_t *avcc = ls_mp4_find(ep + 78, epl - 78, "avcC", &l, NULL);
        const uint8_t *vpcc = avcc ? NULL : ls_mp4_find(ep + 78, epl - 78, "vpcC", &l, NULL);
        if (avcc) {
            if (ls_codec_string_avcc(avcc, (int)l, init->codec, sizeof(init->codec)) < 0)
                return -1;
            init->nal_length_size = (avcc[4] & 3) + 1;
        } else if (vpcc && !memcmp(init->sample_entry, "vp09", 4)) {
            /* VPCodecConfigurationRecord, version 1 (VP Codec ISO Media File Format Binding 2.2): profile 0..3,
             * bitDepth 8/10/12, chromaSubsampling 0..3, codecIntializationDataSize 0 for VP9 */
            if (ls_codec_string_vpcc(vpcc, (int)l, init->codec, sizeof(init->codec)) < 0 || vpcc[4] > 3 ||
                ((vpcc[6] >> 4) != 8 && (vpcc[6] >> 4) != 10 && (vpcc[6] >> 4) != 12) || ((vpcc[6] >> 1) & 7) > 3 ||
                (vpcc[10] << 8 | vpcc[11]) != 0)
                return -1;
            init->vp9 = 1;
        } else {
            snprintf(init->codec, sizeof(init->codec), "%.4s", init->sample_entry);
        }
    } else if (!memcmp(init->handler, "soun", 4)) {
        init->is_audio = 1;
        if (epl < 28)
            return -1;
        init->channels = ep[16] << 8 | ep[17];
        init->sample_rate = (int)(rd32(ep + 24) >> 16);
        const uint8_t *esds = ls_mp4_find(ep + 28, epl - 28, "esds", &l, NULL);
        const uint8_t *dops = ls_mp4_find(ep + 28, epl - 28, "dOps", &l, NULL);
        if (esds) {
            if (parse_esds(esds, l, init) < 0)
                return -1;
        } else if (dops && !memcmp(init->sample_entry, "Opus", 4)) {
            /* OpusSpecificBox (Opus in ISOBMFF 4.3.2): Version 0, OutputChannelCount, PreSkip, InputSampleRate,
             * OutputGain, ChannelMappingFamily (and a table when it is not 0) */
            if (l < 11 || dops[0] != 0 || !dops[1] || (dops[10] != 0 && l < 13u + dops[1]))
                return -1;
            snprintf(init->codec, sizeof(init->codec), "opus");
        } else {
            snprintf(init->codec, sizeof(init->codec), "%.4s", init->sample_entry);
        }
    }
    /* edit list: empty edits (media_time -1) delay the track, the first media edit skips media_time */
    size_t l_mvhd, l_edts, l_elst;
    const uint8_t *mvhd = ls_mp4_find(moov, l_moov, "mvhd", &l_mvhd, NULL);
    const uint8_t *edts = ls_mp4_find(trak, l_trak, "edts", &l_edts, NULL);
    const uint8_t *elst = edts ? ls_mp4_find(edts, l_edts, "elst", &l_elst, NULL) : NULL;
    uint32_t movie_ts = 0;
    if (mvhd && l_mvhd >= 24)
        movie_ts = mvhd[0] == 1 ? rd32(mvhd + 20) : rd32(mvhd + 12);
    if (elst && l_elst >= 8 && movie_ts) {
        const int v1 = elst[0] == 1;
        const uint32_t count = rd32(elst + 4);
        const size_t esz = v1 ? 20 : 12;
        int64_t delay = 0;
        for (uint32_t i = 0; i < count && 8 + (i + 1) * esz <= l_elst; i++) {
            const uint8_t *e = elst + 8 + i * esz;
            const uint64_t dur = v1 ? rd64(e) : rd32(e);
            const int64_t media_time = v1 ? (int64_t)rd64(e + 8) : (int64_t)(int32_t)rd32(e + 4);
            init->has_edits = 1;
            if (media_time == -1) {
                const double d = (double)dur * init->timescale / movie_ts;
                if (d > MP4_LIMIT || delay + (int64_t)d > MP4_LIMIT)
                    return -1;
                delay += (int64_t)d;
                continue;
            }
            if (media_time < 0 || media_time > MP4_LIMIT)
                return -1;
            init->pres_offset = delay - media_time;
            break;
        }
        if (!init->pres_offset)
            init->pres_offset = delay;
        init->pres_start = delay;
    }
    const uint8_t *mvex = ls_mp4_find(moov, l_moov, "mvex", &l, NULL);
    size_t l_trex;
    const uint8_t *trex = mvex ? ls_mp4_find(mvex, l, "trex", &l_trex, NULL) : NULL;
    if (trex && l_trex >= 24) {
        init->trex_duration = rd32(trex + 12);
        init->trex_size = rd32(trex + 16);
        init->trex_flags = rd32(trex + 20);
    }
    return init->timescale ? 0 : -1;
}

static int first_sample_is_idr(const uint8_t *s, size_t size, int nls)
{
    size_t off = 0;
    while (nls > 0 && off + (size_t)nls <= size) {
        size_t n = 0;
        for (int i = 0; i < nls; i++)
            n = n << 8 | s[off + i];
        off += nls;
        if (n == 0 || n > size - off)
            return 0;
        if ((s[off] & 0x1f) == H264_NAL_IDR)
            return 1;
        off += n;
    }
    return 0;
}

int ls_mp4_parse_fragment(const uint8_t *data, size_t size, const LSMp4Init *init, LSMp4Frag *f)
{
    memset(f, 0, sizeof(*f));
    size_t l_moof, l_traf, l;
    const uint8_t *moof_box;
    const uint8_t *moof = ls_mp4_find(data, size, "moof", &l_moof, &moof_box);
    if (!moof)
        return -1;
    f->moof_offset = moof_box - data;
    f->moof_size = (int64_t)(moof - moof_box) + (int64_t)l_moof;
    const uint8_t *traf = ls_mp4_find(moof, l_moof, "traf", &l_traf, NULL);
    if (!traf)
        return -1;
    const uint8_t *tfhd = ls_mp4_find(traf, l_traf, "tfhd", &l, NULL);
    if (!tfhd || l < 8)
        return -1;
    const uint32_t tf_flags = rd32(tfhd) & 0xffffff;
    size_t k = 8;
    uint32_t def_dur = init->trex_duration, def_size = init->trex_size, def_flags = init->trex_flags;
    int64_t base = f->moof_offset;
    if (tf_flags & ISOBMFF_TFHD_BASE_DATA_OFFSET) {
        if (k + 8 > l || rd64(tfhd + k) > (uint64_t)MP4_LIMIT)
            return -1;
        base = (int64_t)rd64(tfhd + k);
        k += 8;
    }
    if (tf_flags & ISOBMFF_TFHD_SAMPLE_DESCRIPTION)
        k += 4;
    if (tf_flags & ISOBMFF_TFHD_DEFAULT_DURATION) {
        if (k + 4 > l)
            return -1;
        def_dur = rd32(tfhd + k);
        k += 4;
    }
    if (tf_flags & ISOBMFF_TFHD_DEFAULT_SIZE) {
        if (k + 4 > l)
            return -1;
        def_size = rd32(tfhd + k);
        k += 4;
    }
    if (tf_flags & ISOBMFF_TFHD_DEFAULT_FLAGS) {
        if (k + 4 > l)
            return -1;
        def_flags = rd32(tfhd + k);
        k += 4;
    }
    const uint8_t *tfdt = ls_mp4_find(traf, l_traf, "tfdt", &l, NULL);
    if (tfdt && l >= 8) {
        f->has_tfdt = 1;
        const uint64_t t = tfdt[0] == 1 && l >= 12 ? rd64(tfdt + 4) : rd32(tfdt + 4);
        if (t > (uint64_t)MP4_LIMIT)
            return -1;
        f->tfdt = (int64_t)t;
    }
    /* walk every trun of the traf */
    size_t off = 0;
    int64_t dts = f->tfdt;
    int first = 1;
    f->ept = INT64_MAX;
    while (off < l_traf) {
        size_t l_trun;
        const uint8_t *bs;
        const uint8_t *trun = ls_mp4_find(traf + off, l_traf - off, "trun", &l_trun, &bs);
        if (!trun)
            break;
        off = (size_t)(trun - traf) + l_trun;
        if (l_trun < 8)
            return -1;
        const int version = trun[0];
        const uint32_t fl = rd32(trun) & 0xffffff;
        const uint32_t count = rd32(trun + 4);
        size_t p = 8;
        int32_t data_off = 0;
        uint32_t first_flags = 0;
        int has_first_flags = 0;
        if (fl & ISOBMFF_TRUN_DATA_OFFSET) {
            if (p + 4 > l_trun)
                return -1;
            data_off = (int32_t)rd32(trun + p);
            p += 4;
        }
        if (fl & ISOBMFF_TRUN_FIRST_SAMPLE_FLAGS) {
            if (p + 4 > l_trun)
                return -1;
            first_flags = rd32(trun + p);
            has_first_flags = 1;
            p += 4;
        }
        const size_t per = 4 * (!!(fl & ISOBMFF_TRUN_SAMPLE_DURATION) + !!(fl & ISOBMFF_TRUN_SAMPLE_SIZE) +
                                !!(fl & ISOBMFF_TRUN_SAMPLE_FLAGS) + !!(fl & ISOBMFF_TRUN_SAMPLE_CTS));
        if ((per && count > (l_trun - p) / per) || count > (uint32_t)(MAX_SAMPLES - f->samples))
            return -1;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t dur = def_dur, sz = def_size, sflags = def_flags;
            int64_t cts = 0;
            if (fl & ISOBMFF_TRUN_SAMPLE_DURATION) {
                dur = rd32(trun + p);
                p += 4;
            }
            if (fl & ISOBMFF_TRUN_SAMPLE_SIZE) {
                sz = rd32(trun + p);
                p += 4;
            }
            if (fl & ISOBMFF_TRUN_SAMPLE_FLAGS) {
                sflags = rd32(trun + p);
                p += 4;
            }
            if (fl & ISOBMFF_TRUN_SAMPLE_CTS) {
                uint32_t c = rd32(trun + p);
                cts = version ? (int64_t)(int32_t)c : (int64_t)c;
                p += 4;
            }
            if (i == 0 && has_first_flags)
                sflags = first_flags;
            if (first && i == 0) {
                f->first_sync = !(sflags & ISOBMFF_SAMPLE_NON_SYNC);
                f->first_size = sz;
                f->first_offset = base + data_off;
            }
            if (dts + cts < f->ept)
                f->ept = dts + cts;
            dts += dur;
            f->samples++;
            f->data_bytes += sz;
        }
        first = 0;
    }
    if (!f->samples)
        return -1;
    f->duration = dts - f->tfdt;
    if (init->is_video && init->nal_length_size && f->first_offset >= 0 &&
        (uint64_t)f->first_offset + f->first_size <= size)
        f->first_idr = first_sample_is_idr(data + f->first_offset, f->first_size, init->nal_length_size);
    else if (init->vp9 && f->first_offset >= 0 && (uint64_t)f->first_offset + f->first_size <= size)
        f->first_idr = ls_vp9_keyframe(data + f->first_offset, (size_t)f->first_size, &(LSVp9Key){ 0 }) == 0;
    else
        f->first_idr = -1; /* unknown: not H.264 */
    return 0;
}
