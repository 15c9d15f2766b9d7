/* Adapter: video decoding through libavcodec (every codec but those an earlier decoder takes), behind the
 * decoder seam (decoder.h). FFmpeg error codes are translated here. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/decoder.h"

#include <errno.h>
#include <math.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

typedef struct LSLavc {
    LStreamJob *job;
    const LSSourceInfo *info;
    AVCodecContext *dec;
    AVFrame *frame;
    double tb;
    int draining;
} LSLavc;

static int lavc_probe(const AVStream *st) { return avcodec_find_decoder(st->codecpar->codec_id) != NULL; }

int ls_lavc_open_decoder(LStreamJob *job, const LSSourceInfo *info, const AVStream *st, int threads,
                         AVCodecContext **out)
{
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return ls_fail(job, LSTREAM_ERR_UNSUPPORTED, "%s: no decoder for %s stream %d (codec %s)", info->path,
                       av_get_media_type_string(st->codecpar->codec_type), st->index,
                       avcodec_get_name(st->codecpar->codec_id));
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c)
        return LSTREAM_ERR(ENOMEM);
    int ret = avcodec_parameters_to_context(c, st->codecpar);
    c->pkt_timebase = st->time_base;
    c->thread_count = threads;
    if (ret >= 0)
        ret = avcodec_open2(c, codec, NULL);
    if (ret < 0) {
        char eb[128];
        avcodec_free_context(&c);
        return ls_fail(job, LSTREAM_ERR_UNSUPPORTED, "%s: cannot open the %s decoder: %s", info->path, codec->name,
                       ls_av_err(ret, eb, sizeof(eb)));
    }
    *out = c;
    return 0;
}

static int lavc_open(void *priv, LStreamJob *job, const LSSourceInfo *info, const AVStream *st, int threads)
{
    LSLavc *d = priv;
    d->job = job;
    d->info = info;
    d->tb = av_q2d(st->time_base);
    if (!(d->frame = av_frame_alloc()))
        return LSTREAM_ERR(ENOMEM);
    return ls_lavc_open_decoder(job, info, st, threads, &d->dec);
}

static int lavc_send(void *priv, const AVPacket *pkt)
{
    LSLavc *d = priv;
    if (!pkt)
        d->draining = 1;
    const int r = avcodec_send_packet(d->dec, pkt);
    if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_EOF) {
        char eb[128];
        ls_log(d->job, LSTREAM_LOG_INFO, "input %s: video decoding error: %s", d->info->path,
               ls_av_err(r, eb, sizeof(eb)));
        return LSTREAM_ERR_INVALID_INPUT;
    }
    return 0;
}

static int lavc_receive(void *priv, LSDecodedPicture *f)
{
    LSLavc *d = priv;
    const int r = avcodec_receive_frame(d->dec, d->frame);
    if (r == AVERROR_EOF)
        return LS_EOF;
    if (r < 0) /* EAGAIN, or an error the next packet may recover from */
        return LS_AGAIN;
    const AVFrame *fr = d->frame;
    for (int i = 0; i < 4; i++) {
        f->data[i] = fr->data[i];
        f->stride[i] = fr->linesize[i];
    }
    f->w = fr->width;
    f->h = fr->height;
    f->pix_fmt = fr->format;
    f->interlaced = fr->interlaced_frame;
    f->concealed = fr->decode_error_flags != 0 || (fr->flags & AV_FRAME_FLAG_CORRUPT);
    f->full_range = fr->color_range == AVCOL_RANGE_JPEG || fr->format == AV_PIX_FMT_YUVJ420P ||
                    fr->format == AV_PIX_FMT_YUVJ422P || fr->format == AV_PIX_FMT_YUVJ444P;
    f->pts = fr->best_effort_timestamp == AV_NOPTS_VALUE ? NAN : fr->best_effort_timestamp * d->tb;
    f->duration = fr->pkt_duration > 0 ? fr->pkt_duration * d->tb : 0;
    return 0;
}

static void lavc_close(void *priv)
{
    LSLavc *d = priv;
    avcodec_free_context(&d->dec);
    av_frame_free(&d->frame);
}

const LSDecoderOps ls_dec_lavc = {
    .name = "libavcodec",
    .priv_size = sizeof(LSLavc),
    .probe = lavc_probe,
    .open = lavc_open,
    .send = lavc_send,
    .receive = lavc_receive,
    .close = lavc_close,
};
