/*
 * Thumbnails: a storyboard of the lecture (sprite sheets every LS_THUMB_INTERVAL seconds) and one picture per
 * chapter, taken from the lowest rung's pictures as they pass; JPEG through encode/image.h at the end. thumbs.c
 * says how they are offered (DASH, HLS image playlist, WebVTT).
 */
#ifndef LSTREAM_CORE_THUMBS_H
#define LSTREAM_CORE_THUMBS_H

#include "libstream/internal.h"
#include "libstream/package/model.h"

#define LS_THUMB_INTERVAL 10.0 /* seconds between storyboard thumbnails */
#define LS_THUMB_COLS     5
#define LS_THUMB_ROWS     5
#define LS_THUMB_WIDTH    192 /* tile width; the height keeps the picture's shape */
#define LS_THUMB_QSCALE   5   /* MJPEG quantiser */

typedef struct LSThumbs LSThumbs;

/* Thumbnails of pictures of @p sw x @p sh at the given frame rate. 0, or negative after ls_fail(). */
int ls_thumbs_open(LSThumbs **t, LStreamJob *job, int sw, int sh, int fps_num, int fps_den);
/* Frame @p index (in order, from any first one) passes: a storyboard tile if one is due; and the picture of the
 * slide that starts at frame @p slide_key (0: the start; -1: none). */
int ls_thumbs_frame(LSThumbs *t, const LSPicture *pic, int64_t index, int64_t slide_key);
/* A part's pictures, raw, for finalize (part.h); and loading them there. 0, or negative (after ls_fail()). */
int ls_thumbs_save(const LSThumbs *t, LSBuf *b);
int ls_thumbs_load(LSThumbs *t, const uint8_t *d, size_t n, const char *from);
/* The sheets, thumbs.vtt, the HLS image playlist and the chapters' pictures into @p o; fills p->thumbs and
 * p->lecture.chapter_image. 0, or negative after ls_fail(). */
int ls_thumbs_publish(LSThumbs *t, LSOutput *o, LSPresentation *p);
void ls_thumbs_close(LSThumbs **t);

#endif
