/*
 * Adapter: still images (JPEG thumbnails and sprite sheets) through libavcodec's MJPEG encoder. One call, one
 * picture in, one JFIF file out; baseline JPEG, 4:2:0, full range (the caller hands full-range samples).
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/encode/image.h"

#include <errno.h>
#include <string.h>

#include <libavcodec/avcodec.h>

int ls_jpeg_encode(LStreamJob *job, const LSPicture *pic, int qscale, LSBuf *out)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!codec)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "this FFmpeg has no MJPEG encoder (thumbnails)");
    AVCodecContext *c = avcodec_alloc_context3(codec);
    AVFrame *f = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int ret = AVERROR(ENOMEM);
    char eb[128];
    if (!c || !f || !pkt)
        goto end;
    c->width = pic->w;
    c->height = pic->h;
    c->pix_fmt = AV_PIX_FMT_YUVJ420P; /* full range, as JFIF wants */
    c->color_range = AVCOL_RANGE_JPEG;
    c->time_base = (AVRational){ 1, 1 };
    c->flags |= AV_CODEC_FLAG_QSCALE;
    c->global_quality = FF_QP2LAMBDA * qscale;
    c->thread_count = 1;
    if ((ret = avcodec_open2(c, codec, NULL)) < 0)
        goto end;
    f->width = pic->w;
    f->height = pic->h;
    f->format = AV_PIX_FMT_YUVJ420P;
    f->quality = c->global_quality;
    f->pts = 0;
    for (int p = 0; p < 3; p++) {
        f->data[p] = pic->data[p];
        f->linesize[p] = (int)pic->stride[p];
    }
    if ((ret = avcodec_send_frame(c, f)) < 0 || (ret = avcodec_send_frame(c, NULL)) < 0 ||
        (ret = avcodec_receive_packet(c, pkt)) < 0)
        goto end;
    ls_buf_append(out, pkt->data, pkt->size);
    ret = out->oom ? AVERROR(ENOMEM) : 0;
end:
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&c);
    if (ret < 0)
        return ls_fail(job, ret == AVERROR(ENOMEM) ? LSTREAM_ERR(ENOMEM) : LSTREAM_ERR_ENCODER,
                       "cannot encode a %dx%d JPEG thumbnail: %s", pic->w, pic->h, ls_av_err(ret, eb, sizeof(eb)));
    return 0;
}
