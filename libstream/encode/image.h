/*
 * Still images (thumbnails): the adapter behind it is enc_lavc_image.c.
 */
#ifndef LSTREAM_ENCODE_IMAGE_H
#define LSTREAM_ENCODE_IMAGE_H

#include "libstream/internal.h"

/* Append @p pic (I420, full-range samples) as a JPEG file to @p out, at MJPEG quantiser @p qscale (2 best ..
 * 31). 0, or negative after ls_fail(). */
int ls_jpeg_encode(LStreamJob *job, const LSPicture *pic, int qscale, LSBuf *out);

#endif
