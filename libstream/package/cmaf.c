/*
 * CMAF fragmented-MP4 writer: one init segment (ftyp + moov) and one file per media segment
 * (styp + moof + mdat) per rendition, written once and shared by the HLS and DASH manifests (D4).
 *
 * Why not libavformat's mov muxer: it decides timestamps itself (edit lists or shifted decode times
 * for B-frames, priming), which makes a segment's tfdt differ from its earliest presentation time and
 * the DASH SegmentTimeline from the media. Here every video segment's baseMediaDecodeTime equals the
 * presentation time of its IDR (signed composition offsets, trun version 1, no edit list), and the writer
 * knows the byte range of each moof + IDR for the I-frame playlists (M5). ISO/IEC 14496-12 and 23000-19.
 * Sample entries come from the encoder's LSCodecConfig: the writer knows track kinds, not codecs.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/isobmff.h"
#include "libstream/package/model.h"

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
        uint8_t *p = ls_realloc(b->p, cap);
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
static void u8(Box *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    put(b, &c, 1);
}
static void u16(Box *b, unsigned v)
{
    uint8_t c[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(b, c, 2);
}
static void u24(Box *b, unsigned v)
{
    uint8_t c[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    put(b, c, 3);
}
static void u32(Box *b, uint32_t v)
{
    uint8_t c[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    put(b, c, 4);
}
static void u64(Box *b, uint64_t v)
{
    u32(b, (uint32_t)(v >> 32));
    u32(b, (uint32_t)v);
}
static void zeros(Box *b, int n)
{
    while (n--)
        u8(b, 0);
}
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

/* VisualSampleEntry / AudioSampleEntry (ISO/IEC 14496-12 12.1.3, 12.2.3) around the encoder's configuration box */
static void write_sample_entry(Box *b, const LSCodecConfig *c)
{
    open_box(b, c->sample_entry);
    zeros(b, 6);
    u16(b, 1); /* data_reference_index */
    if (c->kind == LS_TRACK_VIDEO) {
        zeros(b, 16); /* pre_defined, reserved */
        u16(b, c->width);
        u16(b, c->height);
        u32(b, 0x00480000); /* 72 dpi */
        u32(b, 0x00480000);
        u32(b, 0);
        u16(b, 1); /* frame_count */
        uint8_t name[32] = { 0 };
        const char *enc = c->compressor ? c->compressor : "libstream";
        const size_t n = strlen(enc) < 31 ? strlen(enc) : 31;
        name[0] = (uint8_t)n;
        memcpy(name + 1, enc, n);
        put(b, name, 32);
        u16(b, 0x0018);
        u16(b, 0xffff);
    } else {
        zeros(b, 8);
        u16(b, c->channels);
        u16(b, 16);
        u16(b, 0);
        u16(b, 0);
        u32(b, (uint32_t)(c->sample_rate < 65536 ? c->sample_rate : 0) << 16);
    }
    open_box(b, c->config_box);
    put(b, c->config, c->config_size);
    close_box(b);
    if (c->kind == LS_TRACK_VIDEO) {
        open_box(b, "pasp");
        u32(b, 1);
        u32(b, 1);
        close_box(b);
        open_box(b, "btrt");
        u32(b, 0);
        u32(b, c->bitrate);
        u32(b, c->bitrate);
        close_box(b);
    }
    close_box(b);
}

static const char *handler(int kind)
{
    switch (kind) {
    case LS_TRACK_VIDEO: return "vide";
    case LS_TRACK_AUDIO: return "soun";
    case LS_TRACK_TEXT: return "text";
    default: return "meta";
    }
}

static int put_object(LSCmafWriter *w, Box *b, const char *name, const void *tail, size_t tail_size)
{
    if (b->oom) {
        free(b->p);
        return ls_fail(w->out->job, LSTREAM_ERR(ENOMEM), "%s: out of memory", name);
    }
    int err = ls_output_put(w->out, name, b->p, b->len, tail, tail_size);
    free(b->p);
    return err;
}

/* One track of an init segment (ISO/IEC 14496-12 8.3): tkhd, mdia with an empty sample table (fragmented) */
static void write_trak(Box *b, const LSCodecConfig *c, uint32_t track_id)
{
    const int video = c->kind == LS_TRACK_VIDEO, audio = c->kind == LS_TRACK_AUDIO;
    open_box(b, "trak");
    open_full(b, "tkhd", 0, 3); /* enabled, in movie */
    u32(b, 0);
    u32(b, 0);
    u32(b, track_id);
    u32(b, 0);
    u32(b, 0); /* duration */
    zeros(b, 8);
    u16(b, 0); /* layer */
    u16(b, audio ? 1 : 0);
    u16(b, audio ? 0x0100 : 0);
    u16(b, 0);
    for (int i = 0; i < 9; i++)
        u32(b, unity_matrix[i]);
    u32(b, video ? (uint32_t)c->width << 16 : 0);
    u32(b, video ? (uint32_t)c->height << 16 : 0);
    close_box(b);
    open_box(b, "mdia");
    open_full(b, "mdhd", 0, 0);
    u32(b, 0);
    u32(b, 0);
    u32(b, c->timescale);
    u32(b, 0);
    u16(b, ('u' - 0x60) << 10 | ('n' - 0x60) << 5 | ('d' - 0x60));
    u16(b, 0);
    close_box(b);
    open_full(b, "hdlr", 0, 0);
    u32(b, 0);
    fourcc(b, handler(c->kind));
    zeros(b, 12);
    const char *hname = video ? "libstream video" : audio ? "libstream audio" : "libstream";
    put(b, hname, strlen(hname) + 1);
    close_box(b);
    open_box(b, "minf");
    if (video) {
        open_full(b, "vmhd", 0, 1);
        zeros(b, 8);
    } else if (audio) {
        open_full(b, "smhd", 0, 0);
        zeros(b, 4);
    } else {
        open_full(b, "nmhd", 0, 0);
    }
    close_box(b);
    open_box(b, "dinf");
    open_full(b, "dref", 0, 0);
    u32(b, 1);
    open_full(b, "url ", 0, 1);
    close_box(b);
    close_box(b);
    close_box(b);
    open_box(b, "stbl");
    open_full(b, "stsd", 0, 0);
    u32(b, 1);
    write_sample_entry(b, c);
    close_box(b);
    open_full(b, "stts", 0, 0);
    u32(b, 0);
    close_box(b);
    open_full(b, "stsc", 0, 0);
    u32(b, 0);
    close_box(b);
    open_full(b, "stsz", 0, 0);
    u32(b, 0);
    u32(b, 0);
    close_box(b);
    open_full(b, "stco", 0, 0);
    u32(b, 0);
    close_box(b);
    close_box(b); /* stbl */
    close_box(b); /* minf */
    close_box(b); /* mdia */
    close_box(b); /* trak */
}

/* ftyp + moov of tracks @p c[0..n) (track_ID i + 1), each fragmented (mvex/trex), into @p b */
static void write_init(Box *b, const LSCodecConfig *const *c, int n)
{
    open_box(b, "ftyp");
    fourcc(b, "iso6");
    u32(b, 0);
    fourcc(b, "iso6");
    fourcc(b, "cmfc");
    fourcc(b, "mp41");
    fourcc(b, "dash");
    close_box(b);

    open_box(b, "moov");
    open_full(b, "mvhd", 0, 0);
    u32(b, 0);
    u32(b, 0); /* creation/modification: fixed, so output is reproducible */
    u32(b, 1000);
    u32(b, 0); /* duration: fragmented */
    u32(b, 0x00010000);
    u16(b, 0x0100);
    zeros(b, 10);
    for (int i = 0; i < 9; i++)
        u32(b, unity_matrix[i]);
    zeros(b, 24);
    u32(b, (uint32_t)n + 1); /* next_track_ID */
    close_box(b);
    for (int t = 0; t < n; t++)
        write_trak(b, c[t], (uint32_t)t + 1);
    open_box(b, "mvex");
    for (int t = 0; t < n; t++) {
        open_full(b, "trex", 0, 0);
        u32(b, (uint32_t)t + 1);
        u32(b, 1); /* default_sample_description_index */
        u32(b, 0);
        u32(b, 0);
        u32(b, c[t]->kind == LS_TRACK_VIDEO ? ISOBMFF_SAMPLE_FLAGS_NON_SYNC : ISOBMFF_SAMPLE_FLAGS_SYNC);
        close_box(b);
    }
    close_box(b);
    close_box(b); /* moov */
}

int ls_cmaf_init_bytes(const LSCodecConfig *const *c, int n, uint8_t **out, size_t *len)
{
    Box b = { 0 };
    write_init(&b, c, n);
    if (b.oom) {
        free(b.p);
        return LSTREAM_ERR(ENOMEM);
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

int ls_cmaf_open(LSCmafWriter *w, LSRendition *r, LSOutput *out)
{
    memset(w, 0, sizeof(*w));
    w->r = r;
    w->out = out;
    const LSCodecConfig *c = &r->cfg;
    Box b = { 0 };
    write_init(&b, &c, 1);
    char name[64];
    ls_name_in(name, sizeof(name), r->id, LS_NAME_INIT);
    return put_object(w, &b, name, NULL, 0);
}

void ls_cmaf_start_at(LSCmafWriter *w, int64_t first)
{
    w->first = first;
    w->seq = (uint32_t)first;
}

int ls_cmaf_add(LSCmafWriter *w, const LSPacket *pkt)
{
    if (!w->open_segment) {
        w->open_segment = 1;
        w->seg_start_dts = w->n_closed ? w->next_dts : pkt->dts;
        w->n_samp = 0;
        w->mdat_size = 0;
    }
    if (w->n_samp == w->cap_samp) {
        int cap = w->cap_samp ? w->cap_samp * 2 : 512;
        void *p = ls_realloc(w->samp, sizeof(*w->samp) * cap);
        if (!p)
            return LSTREAM_ERR(ENOMEM);
        w->samp = p;
        w->cap_samp = cap;
    }
    if (w->mdat_size + pkt->size > w->mdat_cap) {
        size_t cap = w->mdat_cap ? w->mdat_cap * 2 : 1 << 20;
        while (cap < w->mdat_size + pkt->size)
            cap *= 2;
        uint8_t *p = ls_realloc(w->mdat, cap);
        if (!p)
            return LSTREAM_ERR(ENOMEM);
        w->mdat = p;
        w->mdat_cap = cap;
    }
    memcpy(w->mdat + w->mdat_size, pkt->data, pkt->size);
    w->mdat_size += pkt->size;
    struct LSSample *s = &w->samp[w->n_samp++];
    s->size = (uint32_t)pkt->size;
    s->duration = (uint32_t)pkt->duration;
    s->cts = (int32_t)(pkt->pts - pkt->dts);
    s->flags = pkt->key ? ISOBMFF_SAMPLE_FLAGS_SYNC : ISOBMFF_SAMPLE_FLAGS_NON_SYNC;
    w->next_dts = pkt->dts + pkt->duration;
    return 0;
}

int ls_cmaf_close_segment(LSCmafWriter *w)
{
    if (!w->open_segment || !w->n_samp)
        return 0;
    const int video = w->r->cfg.kind == LS_TRACK_VIDEO;
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
    u32(&b, ++w->seq);
    close_box(&b);
    /* Compact runs (every byte counts on the 240p rung, ~4 kbit/s at 30 fps otherwise): one duration for
     * all samples in tfhd when they share it; for video, first_sample_flags when only the first sample is a
     * sync sample, the trex default (non-sync) for the rest. */
    int same_dur = 1, one_sync = 1;
    for (int i = 1; i < w->n_samp; i++) {
        same_dur &= w->samp[i].duration == w->samp[0].duration;
        one_sync &= w->samp[i].flags != ISOBMFF_SAMPLE_FLAGS_SYNC;
    }
    open_box(&b, "traf");
    open_full(&b, "tfhd", 0, ISOBMFF_TFHD_DEFAULT_BASE_IS_MOOF | (same_dur ? ISOBMFF_TFHD_DEFAULT_DURATION : 0));
    u32(&b, 1);
    if (same_dur)
        u32(&b, w->samp[0].duration);
    close_box(&b);
    open_full(&b, "tfdt", 1, 0);
    u64(&b, (uint64_t)w->seg_start_dts);
    close_box(&b);
    /* data-offset, sizes; durations unless in tfhd; for video the flags (first only, or per sample) and
     * signed composition offsets (version 1) */
    const int per_flags = video && !one_sync, first_flags = video && one_sync;
    const unsigned tr_flags = ISOBMFF_TRUN_DATA_OFFSET | (first_flags ? ISOBMFF_TRUN_FIRST_SAMPLE_FLAGS : 0) |
                              (same_dur ? 0 : ISOBMFF_TRUN_SAMPLE_DURATION) | ISOBMFF_TRUN_SAMPLE_SIZE |
                              (per_flags ? ISOBMFF_TRUN_SAMPLE_FLAGS : 0) | (video ? ISOBMFF_TRUN_SAMPLE_CTS : 0);
    open_full(&b, "trun", video ? 1 : 0, tr_flags);
    u32(&b, (uint32_t)w->n_samp);
    const size_t data_off_pos = b.len;
    u32(&b, 0);
    if (first_flags)
        u32(&b, w->samp[0].flags);
    for (int i = 0; i < w->n_samp; i++) {
        if (!same_dur)
            u32(&b, w->samp[i].duration);
        u32(&b, w->samp[i].size);
        if (per_flags)
            u32(&b, w->samp[i].flags);
        if (video)
            u32(&b, (uint32_t)w->samp[i].cts);
    }
    close_box(&b);
    close_box(&b); /* traf */
    close_box(&b); /* moof */
    const size_t moof_size = b.len - moof_off;
    u32(&b, (uint32_t)(8 + w->mdat_size));
    fourcc(&b, "mdat");
    if (!b.oom) {
        const uint32_t data_off = (uint32_t)(moof_size + 8);
        b.p[data_off_pos] = (uint8_t)(data_off >> 24);
        b.p[data_off_pos + 1] = (uint8_t)(data_off >> 16);
        b.p[data_off_pos + 2] = (uint8_t)(data_off >> 8);
        b.p[data_off_pos + 3] = (uint8_t)data_off;
    }
    const LSSegment seg = {
        .start = w->seg_start_dts,
        .duration = w->next_dts - w->seg_start_dts,
        .bytes = (int64_t)(b.len + w->mdat_size),
        .iframe_offset = (int64_t)moof_off,
        .iframe_size = (int64_t)(moof_size + 8 + w->samp[0].size),
        .samples = w->n_samp,
    };
    /* kept until ls_cmaf_write_pending(), on the thread that owns the output */
    if (b.oom || w->n_pend == w->cap_pend) {
        const int cap = w->cap_pend ? w->cap_pend * 2 : 4;
        LSPendingSegment *q = b.oom ? NULL : ls_realloc(w->pend, sizeof(*q) * cap);
        if (!q) {
            free(b.p);
            return ls_fail(w->out->job, LSTREAM_ERR(ENOMEM), "%s: out of memory", w->r->id);
        }
        w->pend = q;
        w->cap_pend = cap;
    }
    LSPendingSegment *ps = &w->pend[w->n_pend];
    ps->seg = seg;
    ps->head = b.p;
    ps->head_len = b.len;
    ps->mdat = w->mdat; /* the segment takes the sample buffer; the next one takes the spare, if any */
    ps->mdat_len = w->mdat_size;
    ps->mdat_cap = w->mdat_cap;
    w->mdat = w->spare;
    w->mdat_cap = w->spare_cap;
    w->spare = NULL;
    w->spare_cap = 0;
    w->n_pend++;
    w->n_closed++;
    w->open_segment = 0;
    w->n_samp = 0;
    w->mdat_size = 0;
    return 0;
}

int ls_cmaf_write_pending(LSCmafWriter *w)
{
    int err = 0, k = 0;
    for (; k < w->n_pend && !err; k++) {
        LSPendingSegment *ps = &w->pend[k];
        char name[64];
        ls_name_segment(name, sizeof(name), w->r->id, w->first + w->r->n_seg + 1);
        err = ls_output_put(w->out, name, ps->head, ps->head_len, ps->mdat, ps->mdat_len);
        if (!err && ls_rendition_append(w->r, &ps->seg))
            err = ls_fail(w->out->job, LSTREAM_ERR(ENOMEM), "%s: out of memory", name);
        free(ps->head);
        if (!w->spare) { /* the sample buffer serves the next segment (no fresh pages to fault in) */
            w->spare = ps->mdat;
            w->spare_cap = ps->mdat_cap;
        } else {
            free(ps->mdat);
        }
    }
    for (; k < w->n_pend; k++) { /* after an error: dropped */
        free(w->pend[k].head);
        free(w->pend[k].mdat);
    }
    w->n_pend = 0;
    return err;
}

int ls_cmaf_flush(LSCmafWriter *w)
{
    int err = ls_cmaf_close_segment(w);
    return err ? err : ls_cmaf_write_pending(w);
}

void ls_cmaf_free(LSCmafWriter *w)
{
    for (int k = 0; k < w->n_pend; k++) {
        free(w->pend[k].head);
        free(w->pend[k].mdat);
    }
    free(w->pend);
    free(w->spare);
    free(w->mdat);
    free(w->samp);
    memset(w, 0, sizeof(*w));
}
