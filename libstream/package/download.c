/*
 * The offline download: one self-contained file per lecture (download.mp4) at the data-saver end of the ladder,
 * for a student to fetch once on Wi-Fi and watch without data. It is built from segments already written, not
 * encoded again: a two-track init segment (the lowest video rung and the data-saver audio rendition) followed
 * by their fragments interleaved segment by segment (styp dropped, mfhd renumbered, the audio's tfhd given
 * track 2), then an mfra index of the video's sync samples so players seek without reading the whole file.
 * moov comes first, so it plays while it downloads (ISO/IEC 14496-12 8.8: a fragmented movie file).
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/package/model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)(v >> 32));
    wr32(p + 4, (uint32_t)v);
}

/* The box of type @p type among [p, end), or NULL; *size its size. */
static uint8_t *find_box(uint8_t *p, const uint8_t *end, const char *type, size_t *size)
{
    while (end - p >= 8) {
        const uint32_t n = rd32(p);
        if (n < 8 || n > (size_t)(end - p))
            return NULL;
        if (!memcmp(p + 4, type, 4)) {
            *size = n;
            return p;
        }
        p += n;
    }
    return NULL;
}

/* Segment object @p seg as a fragment of track @p track with sequence number @p seq: returns the offset of its
 * moof in @p seg (after the styp), or -1 if it is not one of ours. */
static long make_fragment(uint8_t *seg, size_t len, uint32_t track, uint32_t seq)
{
    size_t n;
    uint8_t *moof = find_box(seg, seg + len, "moof", &n);
    if (!moof)
        return -1;
    size_t mn, tn, hn;
    uint8_t *mfhd = find_box(moof + 8, moof + n, "mfhd", &mn);
    uint8_t *traf = find_box(moof + 8, moof + n, "traf", &tn);
    uint8_t *tfhd = traf ? find_box(traf + 8, traf + tn, "tfhd", &hn) : NULL;
    if (!mfhd || mn < 16 || !tfhd || hn < 16)
        return -1;
    wr32(mfhd + 12, seq);
    wr32(tfhd + 12, track);
    return (long)(moof - seg);
}

int ls_write_download(LSOutput *o, LSPresentation *p, const LSRendition *video, const LSRendition *audio)
{
    const LSRendition *tr[2];
    int n = 0;
    if (video)
        tr[n++] = video;
    if (audio)
        tr[n++] = audio;
    if (!n)
        return 0;
    if (!o->cb.read || !o->cb.size) { /* built from the segments written: an output that cannot read them back */
        ls_log(o->job, LSTREAM_LOG_INFO, "%s: not made (the output has no read callback)", LS_NAME_DOWNLOAD);
        return 0;
    }
    const LSCodecConfig *cfg[2] = { &tr[0]->cfg, n > 1 ? &tr[1]->cfg : NULL };
    uint8_t *init = NULL;
    size_t init_len = 0;
    int err = ls_cmaf_init_bytes(cfg, n, &init, &init_len);
    if (err)
        return ls_fail(o->job, err, "%s: out of memory", LS_NAME_DOWNLOAD);
    /* the sync samples' index (tfra entries): the video's, or the only track's; one per segment */
    const LSRendition *idx = tr[0];
    const size_t entries = (size_t)idx->n_seg;
    uint8_t *mfra = ls_calloc(1, 8 + 24 + entries * 19 + 16);
    void *h = NULL;
    if (!mfra) {
        free(init);
        return ls_fail(o->job, LSTREAM_ERR(ENOMEM), "%s: out of memory", LS_NAME_DOWNLOAD);
    }
    if ((err = o->cb.open(o->cb.opaque, LS_NAME_DOWNLOAD, &h)) < 0) {
        free(init);
        free(mfra);
        return ls_fail(o->job, err, "cannot write %s: %s", LS_NAME_DOWNLOAD, lstream_strerror(err));
    }
    if ((err = o->cb.write(o->cb.opaque, h, init, init_len)) < 0)
        ls_fail(o->job, err, "cannot write %s: %s", LS_NAME_DOWNLOAD, lstream_strerror(err));
    uint64_t pos = init_len;
    free(init);
    uint32_t seq = 0;
    size_t k = 0;
    const int64_t segs = tr[0]->n_seg > (n > 1 ? tr[1]->n_seg : 0) ? tr[0]->n_seg : tr[1]->n_seg;
    uint8_t *e = mfra + 8 + 24; /* tfra entries: time, moof_offset (64-bit each), traf/trun/sample (8-bit) */
    for (int64_t i = 0; i < segs && !err; i++) {
        for (int t = 0; t < n && !err; t++) {
            if (i >= tr[t]->n_seg)
                continue;
            char name[64];
            ls_name_segment(name, sizeof(name), tr[t]->id, i + 1);
            size_t len = 0;
            uint8_t *seg = ls_output_slurp(&o->cb, name, 0, -1, &len);
            if (!seg) {
                err = ls_fail(o->job, LSTREAM_ERR_OUTPUT, "%s: cannot read back %s: %s", LS_NAME_DOWNLOAD, name,
                              strerror(errno));
                break;
            }
            const long at = make_fragment(seg, len, (uint32_t)t + 1, ++seq);
            if (at < 0) {
                err = ls_fail(o->job, LSTREAM_ERR_BUG, "%s: %s is not a CMAF fragment", LS_NAME_DOWNLOAD, name);
            } else {
                if (tr[t] == idx && k < entries) {
                    wr64(e, (uint64_t)tr[t]->seg[i].start);
                    wr64(e + 8, pos);
                    e[16] = e[17] = e[18] = 1;
                    e += 19;
                    k++;
                }
                if ((err = o->cb.write(o->cb.opaque, h, seg + at, len - (size_t)at)) < 0)
                    ls_fail(o->job, err, "cannot write %s: %s", LS_NAME_DOWNLOAD, lstream_strerror(err));
                pos += len - (size_t)at;
            }
            free(seg);
        }
    }
    /* mfra { tfra (version 1) , mfro } (ISO/IEC 14496-12 8.8.9-8.8.11) */
    const uint32_t tfra_size = 24 + (uint32_t)(k * 19), mfra_size = 8 + tfra_size + 16;
    wr32(mfra, mfra_size);
    memcpy(mfra + 4, "mfra", 4);
    wr32(mfra + 8, tfra_size);
    memcpy(mfra + 12, "tfra", 4);
    wr32(mfra + 16, 0x01000000); /* version 1, flags 0 */
    wr32(mfra + 20, 1);          /* track_ID */
    wr32(mfra + 24, 0);          /* reserved, and 1-byte traf/trun/sample numbers */
    wr32(mfra + 28, (uint32_t)k);
    uint8_t *mfro = mfra + 8 + tfra_size;
    wr32(mfro, 16);
    memcpy(mfro + 4, "mfro", 4);
    wr32(mfro + 8, 0);
    wr32(mfro + 12, mfra_size);
    if (!err && (err = o->cb.write(o->cb.opaque, h, mfra, mfra_size)) < 0)
        ls_fail(o->job, err, "cannot write %s: %s", LS_NAME_DOWNLOAD, lstream_strerror(err));
    pos += mfra_size;
    free(mfra);
    const int cerr = o->cb.close(o->cb.opaque, h);
    if (!err && cerr)
        err = ls_fail(o->job, cerr, "cannot write %s: %s", LS_NAME_DOWNLOAD, lstream_strerror(cerr));
    if (err)
        return err < 0 ? err : LSTREAM_ERR_OUTPUT;
    o->objects++;
    o->bytes += (int64_t)pos;
    snprintf(p->download.file, sizeof(p->download.file), "%s", LS_NAME_DOWNLOAD);
    snprintf(p->download.video, sizeof(p->download.video), "%s", video ? video->id : "");
    snprintf(p->download.audio, sizeof(p->download.audio), "%s", audio ? audio->id : "");
    p->download.bytes = (int64_t)pos;
    return 0;
}
