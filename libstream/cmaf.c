/*
 * CMAF fragmented-MP4 writer: one init segment (ftyp + moov) and one file per media segment
 * (styp + moof + mdat) per rendition, written once and shared by the HLS and DASH manifests (D4).
 *
 * Why not libavformat's mov muxer: it decides timestamps itself (edit lists or shifted decode times
 * for B-frames, priming), which makes a segment's tfdt differ from its earliest presentation time and
 * the DASH SegmentTimeline from the media. Here every video segment's baseMediaDecodeTime equals the
 * presentation time of its IDR (signed composition offsets, trun version 1, no edit list), and the writer
 * knows the byte range of each moof + IDR for the I-frame playlists (M5). ISO/IEC 14496-12 and 23000-19.
 */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct Box {
    uint8_t *p;
    size_t len, cap;
    int oom;
    size_t stack[16];
    int depth;
} Box;

static void put(Box *b, const void *d, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}
static void u8(Box *b, unsigned v) { uint8_t c = (uint8_t)v; put(b, &c, 1); }
static void u16(Box *b, unsigned v) { uint8_t c[2] = { (uint8_t)(v >> 8), (uint8_t)v }; put(b, c, 2); }
static void u24(Box *b, unsigned v) { uint8_t c[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v }; put(b, c, 3); }
static void u32(Box *b, uint32_t v) { uint8_t c[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v }; put(b, c, 4); }
static void u64(Box *b, uint64_t v) { u32(b, (uint32_t)(v >> 32)); u32(b, (uint32_t)v); }
static void zeros(Box *b, int n) { while (n--) u8(b, 0); }
static void fourcc(Box *b, const char *s) { put(b, s, 4); }

static void open_box(Box *b, const char *type)
{
    b->stack[b->depth++] = b->len;
    u32(b, 0);
    fourcc(b, type);
}
static void open_full(Box *b, const char *type, int version, unsigned flags)
{
    open_box(b, type);
    u8(b, version);
    u24(b, flags);
}
static void close_box(Box *b)
{
    size_t start = b->stack[--b->depth];
    if (b->oom)
        return;
    uint32_t size = (uint32_t)(b->len - start);
    b->p[start] = (uint8_t)(size >> 24);
    b->p[start + 1] = (uint8_t)(size >> 16);
    b->p[start + 2] = (uint8_t)(size >> 8);
    b->p[start + 3] = (uint8_t)size;
}

static const uint32_t unity_matrix[9] = { 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000 };

/* MPEG-4 descriptor with a 1-byte length (all ours are < 128 bytes) */
static void descr(Box *b, int tag, int len) { u8(b, tag); u8(b, len); }

static void write_sample_entry(Box *b, const LSTrack *t)
{
    if (t->kind == LS_TRACK_VIDEO) {
        open_box(b, "avc1");
        zeros(b, 6);
        u16(b, 1);              /* data_reference_index */
        zeros(b, 16);           /* pre_defined, reserved */
        u16(b, t->width);
        u16(b, t->height);
        u32(b, 0x00480000);     /* 72 dpi */
        u32(b, 0x00480000);
        u32(b, 0);
        u16(b, 1);              /* frame_count */
        uint8_t name[32] = { 0 };
        static const char enc[] = "libstream x264";
        name[0] = sizeof(enc) - 1;
        memcpy(name + 1, enc, sizeof(enc) - 1);
        put(b, name, 32);
        u16(b, 0x0018);
        u16(b, 0xffff);
        open_box(b, "avcC");
        put(b, t->avcc, t->avcc_size);
        close_box(b);
        open_box(b, "pasp");
        u32(b, 1);
        u32(b, 1);
        close_box(b);
        open_box(b, "btrt");
        u32(b, 0);
        u32(b, t->bitrate);
        u32(b, t->bitrate);
        close_box(b);
        close_box(b);
    } else {
        open_box(b, "mp4a");
        zeros(b, 6);
        u16(b, 1);
        zeros(b, 8);
        u16(b, t->channels);
        u16(b, 16);
        u16(b, 0);
        u16(b, 0);
        u32(b, (uint32_t)t->sample_rate << 16);
        open_full(b, "esds", 0, 0);
        const int dsi = 2 + t->asc_size, dcd = 13 + dsi, esd = 3 + 2 + dcd + 3;
        descr(b, 0x03, esd);
        u16(b, 0);              /* ES_ID */
        u8(b, 0);               /* flags */
        descr(b, 0x04, dcd);
        u8(b, 0x40);            /* Audio ISO/IEC 14496-3 */
        u8(b, 0x15);            /* AudioStream, upstream 0, reserved 1 */
        u24(b, 6144 / 8 * t->channels);
        u32(b, t->bitrate);
        u32(b, t->bitrate);
        descr(b, 0x05, t->asc_size);
        put(b, t->asc, t->asc_size);
        descr(b, 0x06, 1);
        u8(b, 0x02);
        close_box(b);
        close_box(b);
    }
}

int ls_track_init(LSTrack *t, LStreamJob *job, int kind, const char *dir, const char *name, uint32_t timescale)
{
    memset(t, 0, sizeof(*t));
    t->kind = kind;
    t->timescale = timescale;
    snprintf(t->dir, sizeof(t->dir), "%s", dir);
    snprintf(t->name, sizeof(t->name), "%s", name);
    if (ls_mkdir(dir) < 0)
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot create rendition folder %s: %s", dir, strerror(errno));
    return 0;
}

int ls_track_write_init(LSTrack *t, LStreamJob *job)
{
    int err = t->kind == LS_TRACK_VIDEO ? ls_codec_string_avcc(t->avcc, t->avcc_size, t->codec, sizeof(t->codec))
                                        : ls_codec_string_asc(t->asc, t->asc_size, t->codec, sizeof(t->codec));
    if (err < 0)
        return ls_fail(job, LSTREAM_ERR_BUG, "%s: encoder produced an unusable configuration record", t->name);
    Box b = { 0 };
    open_box(&b, "ftyp");
    fourcc(&b, "iso6");
    u32(&b, 0);
    fourcc(&b, "iso6");
    fourcc(&b, "cmfc");
    fourcc(&b, "mp41");
    fourcc(&b, "dash");
    close_box(&b);

    open_box(&b, "moov");
    open_full(&b, "mvhd", 0, 0);
    u32(&b, 0); u32(&b, 0);     /* creation/modification: fixed, so output is reproducible */
    u32(&b, 1000);
    u32(&b, 0);                 /* duration: fragmented */
    u32(&b, 0x00010000);
    u16(&b, 0x0100);
    zeros(&b, 10);
    for (int i = 0; i < 9; i++) u32(&b, unity_matrix[i]);
    zeros(&b, 24);
    u32(&b, 2);                 /* next_track_ID */
    close_box(&b);

    open_box(&b, "trak");
    open_full(&b, "tkhd", 0, 3); /* enabled, in movie */
    u32(&b, 0); u32(&b, 0);
    u32(&b, 1);                 /* track_ID */
    u32(&b, 0);
    u32(&b, 0);                 /* duration */
    zeros(&b, 8);
    u16(&b, 0);                 /* layer */
    u16(&b, t->kind == LS_TRACK_AUDIO ? 1 : 0);
    u16(&b, t->kind == LS_TRACK_AUDIO ? 0x0100 : 0);
    u16(&b, 0);
    for (int i = 0; i < 9; i++) u32(&b, unity_matrix[i]);
    u32(&b, t->kind == LS_TRACK_VIDEO ? (uint32_t)t->width << 16 : 0);
    u32(&b, t->kind == LS_TRACK_VIDEO ? (uint32_t)t->height << 16 : 0);
    close_box(&b);
    open_box(&b, "mdia");
    open_full(&b, "mdhd", 0, 0);
    u32(&b, 0); u32(&b, 0);
    u32(&b, t->timescale);
    u32(&b, 0);
    u16(&b, ('u' - 0x60) << 10 | ('n' - 0x60) << 5 | ('d' - 0x60));
    u16(&b, 0);
    close_box(&b);
    open_full(&b, "hdlr", 0, 0);
    u32(&b, 0);
    fourcc(&b, t->kind == LS_TRACK_VIDEO ? "vide" : "soun");
    zeros(&b, 12);
    const char *hname = t->kind == LS_TRACK_VIDEO ? "libstream video" : "libstream audio";
    put(&b, hname, strlen(hname) + 1);
    close_box(&b);
    open_box(&b, "minf");
    if (t->kind == LS_TRACK_VIDEO) {
        open_full(&b, "vmhd", 0, 1);
        zeros(&b, 8);
    } else {
        open_full(&b, "smhd", 0, 0);
        zeros(&b, 4);
    }
    close_box(&b);
    open_box(&b, "dinf");
    open_full(&b, "dref", 0, 0);
    u32(&b, 1);
    open_full(&b, "url ", 0, 1);
    close_box(&b);
    close_box(&b);
    close_box(&b);
    open_box(&b, "stbl");
    open_full(&b, "stsd", 0, 0);
    u32(&b, 1);
    write_sample_entry(&b, t);
    close_box(&b);
    open_full(&b, "stts", 0, 0); u32(&b, 0); close_box(&b);
    open_full(&b, "stsc", 0, 0); u32(&b, 0); close_box(&b);
    open_full(&b, "stsz", 0, 0); u32(&b, 0); u32(&b, 0); close_box(&b);
    open_full(&b, "stco", 0, 0); u32(&b, 0); close_box(&b);
    close_box(&b); /* stbl */
    close_box(&b); /* minf */
    close_box(&b); /* mdia */
    close_box(&b); /* trak */
    open_box(&b, "mvex");
    open_full(&b, "trex", 0, 0);
    u32(&b, 1);
    u32(&b, 1);                 /* default_sample_description_index */
    u32(&b, 0);
    u32(&b, 0);
    u32(&b, t->kind == LS_TRACK_VIDEO ? 0x01010000 : 0x02000000);
    close_box(&b);
    close_box(&b);
    close_box(&b); /* moov */

    if (b.oom) {
        free(b.p);
        return LSTREAM_ERR(ENOMEM);
    }
    char path[LS_PATH_MAX];
    snprintf(path, sizeof(path), "%s/init.mp4", t->dir);
    err = ls_write_file(job, path, b.p, b.len);
    free(b.p);
    return err;
}

int ls_track_add(LSTrack *t, LStreamJob *job, const LSPacket *pkt)
{
    if (!t->open_segment) {
        t->open_segment = 1;
        t->seg_start_dts = t->n_seg ? t->next_dts : pkt->dts;
        t->n_samp = 0;
        t->mdat_size = 0;
    }
    if (t->n_samp == t->cap_samp) {
        int cap = t->cap_samp ? t->cap_samp * 2 : 512;
        void *p = realloc(t->samp, sizeof(*t->samp) * cap);
        if (!p)
            return LSTREAM_ERR(ENOMEM);
        t->samp = p;
        t->cap_samp = cap;
    }
    if (t->mdat_size + pkt->size > t->mdat_cap) {
        size_t cap = t->mdat_cap ? t->mdat_cap * 2 : 1 << 20;
        while (cap < t->mdat_size + pkt->size)
            cap *= 2;
        uint8_t *p = realloc(t->mdat, cap);
        if (!p)
            return LSTREAM_ERR(ENOMEM);
        t->mdat = p;
        t->mdat_cap = cap;
    }
    memcpy(t->mdat + t->mdat_size, pkt->data, pkt->size);
    t->mdat_size += pkt->size;
    struct LSSample *s = &t->samp[t->n_samp++];
    s->size = (uint32_t)pkt->size;
    s->duration = (uint32_t)pkt->duration;
    s->cts = (int32_t)(pkt->pts - pkt->dts);
    s->flags = pkt->key ? 0x02000000 : 0x01010000;
    t->next_dts = pkt->dts + pkt->duration;
    (void)job;
    return 0;
}

int ls_track_flush(LSTrack *t, LStreamJob *job)
{
    if (!t->open_segment || !t->n_samp)
        return 0;
    const int video = t->kind == LS_TRACK_VIDEO;
    Box b = { 0 };
    open_box(&b, "styp");
    fourcc(&b, "msdh");
    u32(&b, 0);
    fourcc(&b, "msdh");
    fourcc(&b, "msix");
    fourcc(&b, "cmfs");
    close_box(&b);
    const size_t moof_off = b.len;
    open_box(&b, "moof");
    open_full(&b, "mfhd", 0, 0);
    u32(&b, ++t->seq);
    close_box(&b);
    /* Compact runs (every byte counts on the 240p rung, ~4 kbit/s at 30 fps otherwise): one duration for
     * all samples in tfhd when they share it; for video, first_sample_flags when only the first sample is a
     * sync sample, the trex default (non-sync) for the rest. */
    int same_dur = 1, one_sync = 1;
    for (int i = 1; i < t->n_samp; i++) {
        same_dur &= t->samp[i].duration == t->samp[0].duration;
        one_sync &= t->samp[i].flags != 0x02000000;
    }
    open_box(&b, "traf");
    open_full(&b, "tfhd", 0, 0x020000 | (same_dur ? 0x08 : 0)); /* default-base-is-moof */
    u32(&b, 1);
    if (same_dur)
        u32(&b, t->samp[0].duration);
    close_box(&b);
    open_full(&b, "tfdt", 1, 0);
    u64(&b, (uint64_t)t->seg_start_dts);
    close_box(&b);
    /* data-offset, sizes; durations unless in tfhd; for video the flags (first only, or per sample) and
     * signed composition offsets (version 1) */
    const int per_flags = video && !one_sync, first_flags = video && one_sync;
    const unsigned tr_flags = 0x1 | (first_flags ? 0x4 : 0) | (same_dur ? 0 : 0x100) | 0x200 |
                              (per_flags ? 0x400 : 0) | (video ? 0x800 : 0);
    open_full(&b, "trun", video ? 1 : 0, tr_flags);
    u32(&b, (uint32_t)t->n_samp);
    const size_t data_off_pos = b.len;
    u32(&b, 0);
    if (first_flags)
        u32(&b, t->samp[0].flags);
    for (int i = 0; i < t->n_samp; i++) {
        if (!same_dur)
            u32(&b, t->samp[i].duration);
        u32(&b, t->samp[i].size);
        if (per_flags)
            u32(&b, t->samp[i].flags);
        if (video)
            u32(&b, (uint32_t)t->samp[i].cts);
    }
    close_box(&b);
    close_box(&b); /* traf */
    close_box(&b); /* moof */
    const size_t moof_size = b.len - moof_off;
    u32(&b, (uint32_t)(8 + t->mdat_size));
    fourcc(&b, "mdat");
    if (b.oom) {
        free(b.p);
        return LSTREAM_ERR(ENOMEM);
    }
    const uint32_t data_off = (uint32_t)(moof_size + 8);
    b.p[data_off_pos] = (uint8_t)(data_off >> 24);
    b.p[data_off_pos + 1] = (uint8_t)(data_off >> 16);
    b.p[data_off_pos + 2] = (uint8_t)(data_off >> 8);
    b.p[data_off_pos + 3] = (uint8_t)data_off;

    if (t->n_seg == t->cap_seg) {
        int cap = t->cap_seg ? t->cap_seg * 2 : 64;
        void *p = realloc(t->seg, sizeof(*t->seg) * cap);
        if (!p) {
            free(b.p);
            return LSTREAM_ERR(ENOMEM);
        }
        t->seg = p;
        t->cap_seg = cap;
    }
    LSSegInfo *si = &t->seg[t->n_seg];
    si->start = t->seg_start_dts;
    si->duration = t->next_dts - t->seg_start_dts;
    si->bytes = (int64_t)(b.len + t->mdat_size);
    si->moof_offset = (int64_t)moof_off;
    si->iframe_bytes = (int64_t)(moof_size + 8 + t->samp[0].size);
    si->samples = t->n_samp;

    char path[LS_PATH_MAX];
    snprintf(path, sizeof(path), "%s/seg_%05d.m4s", t->dir, t->n_seg + 1);
    int err = 0;
    FILE *f = fopen(path, "wb");
    if (!f)
        err = ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot create %s: %s", path, strerror(errno));
    else {
        if (fwrite(b.p, 1, b.len, f) != b.len || fwrite(t->mdat, 1, t->mdat_size, f) != t->mdat_size)
            err = ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot write %s: %s", path, strerror(errno));
        if (fclose(f) && !err)
            err = ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot write %s: %s", path, strerror(errno));
    }
    free(b.p);
    if (err)
        return err;
    t->n_seg++;
    t->open_segment = 0;
    t->n_samp = 0;
    t->mdat_size = 0;
    return 0;
}

void ls_track_free(LSTrack *t)
{
    free(t->avcc);
    free(t->asc);
    free(t->seg);
    free(t->mdat);
    free(t->samp);
    memset(t, 0, sizeof(*t));
}
