/*
 * The video decoder seam inside the libavformat input: every video stream libavformat demuxes goes to the
 * first decoder in the table that takes it (dav1d for AV1, libavcodec for everything else). Frames come out
 * in FFmpeg's pixel formats; the input converts them to the library's own (input_lavf.c).
 */
#ifndef LSTREAM_INPUT_DECODER_H
#define LSTREAM_INPUT_DECODER_H

#include "libstream/internal.h"

struct AVStream;
struct AVPacket;

/* A decoded picture as a decoder hands it over (FFmpeg pixel format). */
typedef struct LSDecodedPicture {
    const uint8_t *data[4];
    ptrdiff_t stride[4];
    int w, h;
    int pix_fmt;    /* enum AVPixelFormat */
    int full_range; /* 0-255 samples (JPEG range) */
    int interlaced;
    int concealed;        /* the decoder hid damage in it */
    double pts, duration; /* seconds; NAN / 0 if unknown */
} LSDecodedPicture;

#define LS_AGAIN 2 /* the decoder wants more data */

typedef struct LSDecoderOps {
    const char *name;
    size_t priv_size;
    /* 1 if this decoder takes the stream */
    int (*probe)(const struct AVStream *st);
    int (*open)(void *priv, LStreamJob *job, const LSSourceInfo *info, const struct AVStream *st, int threads);
    /* Feed one packet (NULL: end of stream, drain). 0, or LSTREAM_ERR_INVALID_INPUT for a packet the decoder
     * rejects (logged; the input counts them). */
    int (*send)(void *priv, const struct AVPacket *pkt);
    /* 0 and *p filled (valid until the next call), LS_AGAIN, LS_EOF when drained, negative after ls_fail(). */
    int (*receive)(void *priv, LSDecodedPicture *p);
    void (*close)(void *priv);
} LSDecoderOps;

/* Open a libavcodec decoder for @p st (also used for audio by the input). */
struct AVCodecContext;
int ls_lavc_open_decoder(LStreamJob *job, const LSSourceInfo *info, const struct AVStream *st, int threads,
                         struct AVCodecContext **out);

extern const LSDecoderOps ls_dec_dav1d;
extern const LSDecoderOps ls_dec_lavc;

#endif
