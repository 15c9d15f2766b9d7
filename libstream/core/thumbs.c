/*
 * Thumbnails (thumbs.h): small pictures taken from the lowest rung's scaled picture as the frames pass (every
 * LS_THUMB_INTERVAL seconds for the storyboard, and the settled picture of every slide change for the chapters),
 * kept raw, and at the end made into JPEG sprite sheets of LS_THUMB_COLS x LS_THUMB_ROWS tiles and one JPEG per
 * chapter. The sheets are offered three ways: a DASH image AdaptationSet (DASH-IF IOP thumbnails,
 * http://dashif.org/thumbnail_tile; dash.js, Shaka), an HLS image media playlist (EXT-X-IMAGE-STREAM-INF,
 * EXT-X-IMAGES-ONLY, EXT-X-TILES: Roku's format, which Shaka reads) and a WebVTT storyboard (thumbs.vtt,
 * "tile.jpg#xywh=", which any page's player can use).
 */
#include "config.h"
#include "libstream/core/thumbs.h"
#include "libstream/encode/image.h"
#include "libstream/output/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Pic {
    int64_t key;
    uint8_t *raw; /* I420 tw x th, full range */
} Pic;

struct LSThumbs {
    LStreamJob *job;
    int fps_num, fps_den;
    int sw, sh, tw, th; /* source picture (the lowest rung), tile */
    LSPlaneScaler sc[3];
    LSPicture tmp;
    Pic *tile; /* storyboard tiles: key k shows time k * interval */
    int64_t n_tiles, cap_tiles;
    Pic *slide; /* slide pictures: key = the frame where the slide starts (0: the start) */
    int64_t n_slide, cap_slide;
    int64_t next_k; /* the next storyboard tile due; -1 before the first frame */
};

static size_t tile_bytes(const LSThumbs *t) { return (size_t)t->tw * t->th * 3 / 2; }

int ls_thumbs_open(LSThumbs **pt, LStreamJob *job, int sw, int sh, int fps_num, int fps_den)
{
    LSThumbs *t = ls_calloc(1, sizeof(*t));
    if (!t)
        return ls_fail(job, LSTREAM_ERR(ENOMEM), "out of memory");
    t->job = job;
    t->fps_num = fps_num;
    t->fps_den = fps_den;
    t->next_k = -1;
    t->sw = sw;
    t->sh = sh;
    t->tw = LS_THUMB_WIDTH;
    t->th = (int)lrint((double)LS_THUMB_WIDTH * sh / sw / 2) * 2;
    if (t->th < 2)
        t->th = 2;
    if (sw < t->tw) { /* a tiny source: tiles at its size */
        t->tw = sw & ~1;
        t->th = sh & ~1;
    }
    const int w[2][3] = { { sw, (sw + 1) / 2, (sw + 1) / 2 }, { t->tw, t->tw / 2, t->tw / 2 } };
    const int h[2][3] = { { sh, (sh + 1) / 2, (sh + 1) / 2 }, { t->th, t->th / 2, t->th / 2 } };
    int err = ls_picture_alloc(&t->tmp, t->tw, t->th);
    for (int p = 0; p < 3 && !err; p++)
        err = ls_plane_scaler_init(&t->sc[p], w[0][p], h[0][p], w[1][p], h[1][p], LS_KERNEL_BICUBIC);
    if (err) {
        ls_thumbs_close(&t);
        return ls_fail(job, err == -ENOMEM ? LSTREAM_ERR(ENOMEM) : LSTREAM_ERR_UNSUPPORTED,
                       "cannot set up the thumbnail scaler (%dx%d to %dx%d)", sw, sh, w[1][0], h[1][0]);
    }
    *pt = t;
    return 0;
}

void ls_thumbs_close(LSThumbs **pt)
{
    LSThumbs *t = *pt;
    if (!t)
        return;
    for (int64_t i = 0; i < t->n_tiles; i++)
        free(t->tile[i].raw);
    for (int64_t i = 0; i < t->n_slide; i++)
        free(t->slide[i].raw);
    free(t->tile);
    free(t->slide);
    for (int p = 0; p < 3; p++)
        ls_plane_scaler_free(&t->sc[p]);
    ls_picture_free(&t->tmp);
    free(t);
    *pt = NULL;
}

/* @p pic scaled to a tile, its samples taken from video range (16..235, 16..240) to JPEG's full range */
static uint8_t *make_tile(LSThumbs *t, const LSPicture *pic)
{
    uint8_t *out = ls_malloc(tile_bytes(t));
    if (!out)
        return NULL;
    for (int p = 0; p < 3; p++)
        ls_plane_scale(&t->job->dsp, &t->sc[p], t->tmp.data[p], t->tmp.stride[p], pic->data[p], pic->stride[p]);
    uint8_t *d = out;
    for (int p = 0; p < 3; p++) {
        const int w = p ? t->tw / 2 : t->tw, h = p ? t->th / 2 : t->th;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const int v = t->tmp.data[p][y * t->tmp.stride[p] + x];
                const int f = p ? ((v - 128) * 255 + 112) / 224 + 128 : ((v - 16) * 255 + 109) / 219;
                *d++ = (uint8_t)(f < 0 ? 0 : f > 255 ? 255 : f);
            }
    }
    return out;
}

static int add(LSThumbs *t, Pic **arr, int64_t *n, int64_t *cap, int64_t key, uint8_t *raw)
{
    if (!raw)
        return ls_fail(t->job, LSTREAM_ERR(ENOMEM), "out of memory (thumbnails)");
    if (*n == *cap) {
        const int64_t c = *cap ? *cap * 2 : 64;
        Pic *p = ls_realloc(*arr, (size_t)c * sizeof(*p));
        if (!p) {
            free(raw);
            return ls_fail(t->job, LSTREAM_ERR(ENOMEM), "out of memory (thumbnails)");
        }
        *arr = p;
        *cap = c;
    }
    (*arr)[(*n)++] = (Pic){ key, raw };
    return 0;
}

static int64_t tile_frame(const LSThumbs *t, int64_t k)
{
    return llround(k * LS_THUMB_INTERVAL * t->fps_num / t->fps_den);
}

int ls_thumbs_frame(LSThumbs *t, const LSPicture *pic, int64_t index, int64_t slide_key)
{
    int err = 0;
    if (t->next_k < 0) /* the first frame of this run (a chunk starts part-way): the first tile due from it */
        for (t->next_k = 0; tile_frame(t, t->next_k) < index;)
            t->next_k++;
    while (!err && tile_frame(t, t->next_k) <= index)
        err = add(t, &t->tile, &t->n_tiles, &t->cap_tiles, t->next_k++, make_tile(t, pic));
    if (!err && slide_key >= 0)
        err = add(t, &t->slide, &t->n_slide, &t->cap_slide, slide_key, make_tile(t, pic));
    return err;
}

/* ---- a part's thumbnails (part.h): "LSTHUMB1 tw th\n", then per picture 'T' (tile) or 'S' (slide), its key as
 * 8 bytes big-endian, its raw planes ---- */
static void put_pics(LSBuf *b, const Pic *p, int64_t n, char kind, size_t bytes)
{
    for (int64_t i = 0; i < n; i++) {
        uint8_t h[9] = { (uint8_t)kind };
        for (int k = 0; k < 8; k++)
            h[1 + k] = (uint8_t)((uint64_t)p[i].key >> (56 - 8 * k));
        ls_buf_append(b, h, 9);
        ls_buf_append(b, p[i].raw, bytes);
    }
}

int ls_thumbs_save(const LSThumbs *t, LSBuf *b)
{
    ls_buf_printf(b, "LSTHUMB1 %d %d\n", t->tw, t->th);
    put_pics(b, t->tile, t->n_tiles, 'T', tile_bytes(t));
    put_pics(b, t->slide, t->n_slide, 'S', tile_bytes(t));
    return b->oom ? LSTREAM_ERR(ENOMEM) : 0;
}

int ls_thumbs_load(LSThumbs *t, const uint8_t *d, size_t n, const char *from)
{
    int tw = 0, th = 0, off = 0;
    if (n < 10 || sscanf((const char *)d, "LSTHUMB1 %d %d\n%n", &tw, &th, &off) != 2 || !off || tw != t->tw ||
        th != t->th)
        return ls_fail(t->job, LSTREAM_ERR_INVALID_INPUT, "%s: not thumbnails of %dx%d", from, t->tw, t->th);
    const size_t bytes = tile_bytes(t);
    for (size_t i = (size_t)off; i < n;) {
        if (n - i < 9 + bytes || (d[i] != 'T' && d[i] != 'S'))
            return ls_fail(t->job, LSTREAM_ERR_INVALID_INPUT, "%s: truncated or damaged", from);
        int64_t key = 0;
        for (int k = 0; k < 8; k++)
            key = (int64_t)((uint64_t)key << 8 | d[i + 1 + k]);
        uint8_t *raw = ls_malloc(bytes);
        if (raw)
            memcpy(raw, d + i + 9, bytes);
        const int err = d[i] == 'T' ? add(t, &t->tile, &t->n_tiles, &t->cap_tiles, key, raw)
                                    : add(t, &t->slide, &t->n_slide, &t->cap_slide, key, raw);
        if (err)
            return err;
        i += 9 + bytes;
    }
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    const int64_t x = ((const Pic *)a)->key, y = ((const Pic *)b)->key;
    return (x > y) - (x < y);
}

static const Pic *find(const Pic *p, int64_t n, int64_t key)
{
    const Pic k = { key, NULL };
    return n ? bsearch(&k, p, (size_t)n, sizeof(*p), cmp_key) : NULL;
}

static int put_jpeg(LSThumbs *t, LSOutput *o, const LSPicture *pic, const char *name, int64_t *bytes)
{
    LSBuf b = { 0 };
    int err = ls_jpeg_encode(t->job, pic, LS_THUMB_QSCALE, &b);
    if (err) {
        ls_buf_free(&b);
        return err;
    }
    *bytes = (int64_t)b.len;
    return ls_output_put_buf(o, &b, name);
}

/* a tile's raw planes as a picture view */
static LSPicture tile_view(const LSThumbs *t, uint8_t *p)
{
    LSPicture v = { .w = t->tw, .h = t->th };
    v.data[0] = p;
    v.data[1] = p + t->tw * t->th;
    v.data[2] = v.data[1] + (t->tw / 2) * (t->th / 2);
    v.stride[0] = t->tw;
    v.stride[1] = v.stride[2] = t->tw / 2;
    return v;
}

static void vtt_time(LSBuf *b, double s)
{
    const int64_t ms = llround(s * 1000);
    ls_buf_printf(b, "%02lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
                  (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

int ls_thumbs_publish(LSThumbs *t, LSOutput *o, LSPresentation *p)
{
    LStreamJob *job = t->job;
    const int per = LS_THUMB_COLS * LS_THUMB_ROWS;
    if (t->n_tiles > 1)
        qsort(t->tile, (size_t)t->n_tiles, sizeof(*t->tile), cmp_key);
    if (t->n_slide > 1)
        qsort(t->slide, (size_t)t->n_slide, sizeof(*t->slide), cmp_key);
    /* the storyboard covers the presentation: one tile per interval that starts before its end */
    const int64_t n = (int64_t)ceil(p->duration / LS_THUMB_INTERVAL - 1e-6);
    if (n <= 0 || !t->n_tiles)
        return 0;
    const int64_t sheets = (n + per - 1) / per;
    LSPicture sheet = { 0 };
    int err = ls_picture_alloc(&sheet, t->tw * LS_THUMB_COLS, t->th * LS_THUMB_ROWS);
    if (err)
        return ls_fail(job, LSTREAM_ERR(ENOMEM), "out of memory (thumbnails)");
    int64_t max_bytes = 0, total = 0;
    for (int64_t s = 0; s < sheets && !err; s++) {
        for (int pl = 0; pl < 3; pl++) /* black where no tile is */
            for (int y = 0; y < (pl ? sheet.h / 2 : sheet.h); y++)
                memset(sheet.data[pl] + y * sheet.stride[pl], pl ? 128 : 0, pl ? sheet.w / 2 : sheet.w);
        for (int i = 0; i < per && s * per + i < n; i++) {
            const Pic *tp = find(t->tile, t->n_tiles, s * per + i);
            if (!tp)
                continue; /* none (cannot happen in one run; parts each make theirs) */
            const LSPicture v = tile_view(t, tp->raw);
            const int x0 = (i % LS_THUMB_COLS) * t->tw, y0 = (i / LS_THUMB_COLS) * t->th;
            for (int pl = 0; pl < 3; pl++) {
                const int sh = pl ? 1 : 0, w = t->tw >> sh, h = t->th >> sh;
                for (int y = 0; y < h; y++)
                    memcpy(sheet.data[pl] + ((y0 >> sh) + y) * sheet.stride[pl] + (x0 >> sh),
                           v.data[pl] + y * v.stride[pl], w);
            }
        }
        char name[64];
        snprintf(name, sizeof(name), LS_NAME_THUMB_DIR "/" LS_NAME_THUMB_SHEET, (long long)s + 1);
        int64_t bytes = 0;
        err = put_jpeg(t, o, &sheet, name, &bytes);
        max_bytes = bytes > max_bytes ? bytes : max_bytes;
        total += bytes;
    }
    ls_picture_free(&sheet);
    if (err)
        return err;
    const double sheet_s = per * LS_THUMB_INTERVAL;
    p->thumbs.sheets = sheets;
    p->thumbs.tile_w = t->tw;
    p->thumbs.tile_h = t->th;
    p->thumbs.cols = LS_THUMB_COLS;
    p->thumbs.rows = LS_THUMB_ROWS;
    p->thumbs.interval = LS_THUMB_INTERVAL;
    p->thumbs.bytes = total;
    p->thumbs.bandwidth = (int64_t)ceil(max_bytes * 8 / sheet_s);

    /* the WebVTT storyboard and the HLS image playlist, both beside the sheets */
    LSBuf vtt = { 0 }, pl = { 0 };
    ls_buf_printf(&vtt, "WEBVTT\n\n");
    ls_buf_printf(&pl,
                  "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:1\n"
                  "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-IMAGES-ONLY\n",
                  (int)ceil(sheet_s));
    for (int64_t k = 0; k < n; k++) {
        const double a = k * LS_THUMB_INTERVAL, b = fmin((k + 1) * LS_THUMB_INTERVAL, p->duration);
        const int i = (int)(k % per);
        vtt_time(&vtt, a);
        ls_buf_printf(&vtt, " --> ");
        vtt_time(&vtt, b);
        ls_buf_printf(&vtt, "\n" LS_NAME_THUMB_SHEET "#xywh=%d,%d,%d,%d\n\n", (long long)(k / per) + 1,
                      (i % LS_THUMB_COLS) * t->tw, (i / LS_THUMB_COLS) * t->th, t->tw, t->th);
    }
    for (int64_t s = 0; s < sheets; s++) {
        const double a = s * sheet_s, b = fmin((s + 1) * sheet_s, p->duration);
        ls_buf_printf(
            &pl, "#EXTINF:%.3f,\n#EXT-X-TILES:RESOLUTION=%dx%d,LAYOUT=%dx%d,DURATION=%.3f\n" LS_NAME_THUMB_SHEET "\n",
            b - a, t->tw, t->th, LS_THUMB_COLS, LS_THUMB_ROWS, LS_THUMB_INTERVAL, (long long)s + 1);
    }
    ls_buf_printf(&pl, "#EXT-X-ENDLIST\n");
    if ((err = ls_output_put_buf(o, &vtt, LS_NAME_THUMB_DIR "/" LS_NAME_THUMB_VTT))) {
        ls_buf_free(&pl);
        return err;
    }
    if ((err = ls_output_put_buf(o, &pl, LS_NAME_THUMB_DIR "/" LS_NAME_THUMB_PLAYLIST)))
        return err;

    /* one picture per chapter: the settled picture of its slide change */
    for (int i = 0; i < p->lecture.n_chapters; i++) {
        const int j = p->lecture.chapter_change[i];
        const Pic *sp = find(t->slide, t->n_slide, j < 0 ? 0 : p->lecture.changes[j]);
        if (!sp)
            continue;
        const LSPicture v = tile_view(t, sp->raw);
        char name[64];
        snprintf(name, sizeof(name), LS_NAME_THUMB_DIR "/" LS_NAME_THUMB_CHAPTER, i + 1);
        int64_t bytes;
        if ((err = put_jpeg(t, o, &v, name, &bytes)))
            return err;
        p->lecture.chapter_image[i] = 1;
    }
    return 0;
}
