/* Adapter: AV1 decoding through libdav1d, behind the decoder seam (decoder.h). dav1d errors are translated here. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/decoder.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dav1d/dav1d.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixfmt.h>

typedef struct LSDav1d {
    LStreamJob *job;
    Dav1dContext *c;
    Dav1dData pending;
    Dav1dPicture pic;
    int have_pic;
    int draining;
    double tb; /* the stream's time base, seconds */
} LSDav1d;

static void dav1d_log(void *cookie, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    ls_log(cookie, LSTREAM_LOG_DEBUG, "dav1d: %s", msg);
}

static int dav1d_probe(const AVStream *st) { return st->codecpar->codec_id == AV_CODEC_ID_AV1; }

static int dav1d_open_(void *priv, LStreamJob *job, const LSSourceInfo *info, const AVStream *st, int threads)
{
    LSDav1d *d = priv;
    (void)info;
    (void)st;
    Dav1dSettings s;
    dav1d_default_settings(&s);
    s.n_threads = threads;
    s.logger.cookie = job;
    s.logger.callback = dav1d_log;
    d->job = job;
    d->tb = av_q2d(st->time_base);
    if (dav1d_open(&d->c, &s) < 0)
        return ls_fail(job, LSTREAM_ERR_UNSUPPORTED, "cannot open the dav1d AV1 decoder");
    return 0;
}

static int dav1d_send(void *priv, const AVPacket *pkt)
{
    LSDav1d *d = priv;
    if (!pkt) {
        d->draining = 1;
        return 0;
    }
    if (d->pending.sz) /* the caller drains after each send, so this does not happen; keep data safe anyway */
        dav1d_data_unref(&d->pending);
    uint8_t *p = dav1d_data_create(&d->pending, pkt->size);
    if (!p)
        return LSTREAM_ERR(ENOMEM);
    memcpy(p, pkt->data, pkt->size);
    const double pts = pkt->pts == AV_NOPTS_VALUE ? NAN : pkt->pts * d->tb;
    d->pending.m.timestamp = isnan(pts) ? INT64_MIN : (int64_t)llrint(pts * 1e6);
    return 0;
}

static int map_format(const Dav1dPicture *p)
{
    const int hbd = p->p.bpc > 8;
    switch (p->p.layout) {
    case DAV1D_PIXEL_LAYOUT_I400: return hbd ? AV_PIX_FMT_GRAY10 : AV_PIX_FMT_GRAY8;
    case DAV1D_PIXEL_LAYOUT_I420: return hbd ? AV_PIX_FMT_YUV420P10 : AV_PIX_FMT_YUV420P;
    case DAV1D_PIXEL_LAYOUT_I422: return hbd ? AV_PIX_FMT_YUV422P10 : AV_PIX_FMT_YUV422P;
    case DAV1D_PIXEL_LAYOUT_I444: return hbd ? AV_PIX_FMT_YUV444P10 : AV_PIX_FMT_YUV444P;
    }
    return AV_PIX_FMT_NONE;
}

static int dav1d_receive(void *priv, LSDecodedPicture *f)
{
    LSDav1d *d = priv;
    if (d->have_pic) {
        dav1d_picture_unref(&d->pic);
        d->have_pic = 0;
    }
    int spins = 0;
    for (;;) {
        if (d->pending.sz) {
            int r = dav1d_send_data(d->c, &d->pending);
            if (r < 0 && r != DAV1D_ERR(EAGAIN)) {
                ls_log(d->job, LSTREAM_LOG_WARNING, "dav1d: damaged AV1 data skipped (%d)", r);
                dav1d_data_unref(&d->pending);
            }
        }
        int r = dav1d_get_picture(d->c, &d->pic);
        if (r == 0) {
            d->have_pic = 1;
            memset(f, 0, sizeof(*f));
            for (int i = 0; i < 3; i++)
                f->data[i] = d->pic.data[i];
            f->stride[0] = d->pic.stride[0];
            f->stride[1] = f->stride[2] = d->pic.stride[1];
            f->w = d->pic.p.w;
            f->h = d->pic.p.h;
            f->pix_fmt = map_format(&d->pic);
            f->full_range = d->pic.seq_hdr && d->pic.seq_hdr->color_range;
            f->pts = d->pic.m.timestamp == INT64_MIN ? NAN : d->pic.m.timestamp / 1e6;
            return 0;
        }
        if (r != DAV1D_ERR(EAGAIN))
            return ls_fail(d->job, LSTREAM_ERR_INVALID_INPUT, "AV1 stream cannot be decoded (dav1d error %d)", r);
        if (d->pending.sz && ++spins < 1000)
            continue; /* data was refused because pictures were waiting; try again */
        if (d->pending.sz)
            return ls_fail(d->job, LSTREAM_ERR_BUG, "dav1d neither takes data nor gives pictures");
        return d->draining ? LS_EOF : LS_AGAIN;
    }
}

static void dav1d_close_(void *priv)
{
    LSDav1d *d = priv;
    if (d->have_pic)
        dav1d_picture_unref(&d->pic);
    dav1d_data_unref(&d->pending);
    if (d->c)
        dav1d_close(&d->c);
}

const LSDecoderOps ls_dec_dav1d = {
    .name = "dav1d",
    .priv_size = sizeof(LSDav1d),
    .probe = dav1d_probe,
    .open = dav1d_open_,
    .send = dav1d_send,
    .receive = dav1d_receive,
    .close = dav1d_close_,
};
