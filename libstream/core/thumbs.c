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

struct LSThumbs {
    LStreamJob *job;
    int fps_num, fps_den;
    int sw, sh, tw, th; /* source picture (the lowest rung), tile */
    LSPlaneScaler sc[3];
    LSPicture tmp;
    uint8_t **tile; /* storyboard tile k (time k * interval), I420 tw x th, full range */
    int64_t n_tiles, cap_tiles;
    uint8_t **slide; /* the picture of slide change j - 1 (0: the start), or NULL */
    int64_t n_slide, cap_slide;
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
        free(t->tile[i]);
    for (int64_t i = 0; i < t->n_slide; i++)
        free(t->slide[i]);
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

static int grow(void *pp, int64_t *cap, int64_t need)
{
    if (need <= *cap)
        return 0;
    int64_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void **n = ls_realloc(*(void ***)pp, (size_t)c * sizeof(void *));
    if (!n)
        return -1;
    memset(n + *cap, 0, (size_t)(c - *cap) * sizeof(void *));
    *(void ***)pp = n;
    *cap = c;
    return 0;
}

int ls_thumbs_frame(LSThumbs *t, const LSPicture *pic, int64_t index, int64_t slide_slot)
{
    const double fps = (double)t->fps_num / t->fps_den;
    while (index >= llround(t->n_tiles * LS_THUMB_INTERVAL * fps)) {
        if (grow(&t->tile, &t->cap_tiles, t->n_tiles + 1) || !(t->tile[t->n_tiles] = make_tile(t, pic)))
            return ls_fail(t->job, LSTREAM_ERR(ENOMEM), "out of memory (thumbnails)");
        t->n_tiles++;
    }
    if (slide_slot >= 0) {
        if (grow(&t->slide, &t->cap_slide, slide_slot + 1))
            return ls_fail(t->job, LSTREAM_ERR(ENOMEM), "out of memory (thumbnails)");
        if (slide_slot >= t->n_slide)
            t->n_slide = slide_slot + 1;
        free(t->slide[slide_slot]);
        if (!(t->slide[slide_slot] = make_tile(t, pic)))
            return ls_fail(t->job, LSTREAM_ERR(ENOMEM), "out of memory (thumbnails)");
    }
    return 0;
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
    /* the storyboard covers the presentation: tiles past its end (a last frame's rounding) are dropped */
    int64_t n = t->n_tiles;
    while (n > 1 && (n - 1) * LS_THUMB_INTERVAL >= p->duration - 1e-6)
        n--;
    if (n <= 0)
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
            const LSPicture v = tile_view(t, t->tile[s * per + i]);
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
    ls_buf_printf(&pl, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:1\n"
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
        ls_buf_printf(&pl, "#EXTINF:%.3f,\n#EXT-X-TILES:RESOLUTION=%dx%d,LAYOUT=%dx%d,DURATION=%.3f\n" LS_NAME_THUMB_SHEET "\n",
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
        const int64_t slot = p->lecture.chapter_change[i] + 1;
        if (slot < 0 || slot >= t->n_slide || !t->slide[slot])
            continue;
        const LSPicture v = tile_view(t, t->slide[slot]);
        char name[64];
        snprintf(name, sizeof(name), LS_NAME_THUMB_DIR "/" LS_NAME_THUMB_CHAPTER, i + 1);
        int64_t bytes;
        if ((err = put_jpeg(t, o, &v, name, &bytes)))
            return err;
        p->lecture.chapter_image[i] = 1;
    }
    return 0;
}
