/*
 * Quality of ladder rungs against their source, for the bench: every rung (of libstream and of FFmpeg) is
 * decoded in lockstep with the source; the source is downscaled once per rung size with swscale's Lanczos
 * (the same reference for both tools) and PSNR / SSIM of the luma are taken with libstream's own kernels.
 */
#include "config.h"
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

typedef struct Stream {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    int idx;
    AVPacket *pkt;
    AVFrame *frame;
    int eof;
} Stream;

static int stream_open(Stream *s, const char *path)
{
    memset(s, 0, sizeof(*s));
    if (avformat_open_input(&s->fmt, path, NULL, NULL) < 0 || avformat_find_stream_info(s->fmt, NULL) < 0)
        return -1;
    s->idx = av_find_best_stream(s->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (s->idx < 0)
        return -1;
    const AVCodec *c = avcodec_find_decoder(s->fmt->streams[s->idx]->codecpar->codec_id);
    s->dec = avcodec_alloc_context3(c);
    if (!c || !s->dec || avcodec_parameters_to_context(s->dec, s->fmt->streams[s->idx]->codecpar) < 0)
        return -1;
    s->dec->thread_count = 1;
    if (avcodec_open2(s->dec, c, NULL) < 0)
        return -1;
    s->pkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    return s->pkt && s->frame ? 0 : -1;
}

/* next decoded frame in presentation order, or NULL at the end */
static AVFrame *stream_next(Stream *s)
{
    for (;;) {
        int r = avcodec_receive_frame(s->dec, s->frame);
        if (r >= 0)
            return s->frame;
        if (r != AVERROR(EAGAIN) || s->eof)
            return NULL;
        r = av_read_frame(s->fmt, s->pkt);
        if (r < 0) {
            s->eof = 1;
            avcodec_send_packet(s->dec, NULL);
            continue;
        }
        if (s->pkt->stream_index == s->idx)
            avcodec_send_packet(s->dec, s->pkt);
        av_packet_unref(s->pkt);
    }
}

static void stream_close(Stream *s)
{
    avcodec_free_context(&s->dec);
    av_packet_free(&s->pkt);
    av_frame_free(&s->frame);
    avformat_close_input(&s->fmt);
}

int bench_quality(const char *source, BenchRung *rungs, int n, int step)
{
    Stream src, *st = calloc(n, sizeof(*st));
    LSDSP dsp;
    ls_dsp_init(&dsp, ls_cpu_detect());
    if (!st || stream_open(&src, source) < 0) {
        free(st);
        return -1;
    }
    struct SwsContext **sws = calloc(n, sizeof(*sws));
    uint8_t **ref = calloc(n, sizeof(*ref));
    for (int i = 0; i < n; i++) {
        rungs[i].psnr = rungs[i].ssim = NAN;
        rungs[i].frames = 0;
        if (stream_open(&st[i], rungs[i].media) < 0)
            rungs[i].media[0] = 0; /* unreadable: no figure */
        ref[i] = malloc((size_t)rungs[i].width * rungs[i].height);
    }
    double *sum_p = calloc(n, sizeof(double)), *sum_s = calloc(n, sizeof(double));
    int64_t frame_no = 0;
    AVFrame *sf;
    while ((sf = stream_next(&src))) {
        const int measure = frame_no % step == 0;
        for (int i = 0; i < n; i++) {
            if (!rungs[i].media[0])
                continue;
            AVFrame *rf = stream_next(&st[i]);
            if (!rf || !measure)
                continue;
            const int w = rungs[i].width, h = rungs[i].height;
            if (rf->width != w || rf->height != h)
                continue;
            /* the luma plane alone, as GRAY8 to GRAY8: a YUV -> GRAY conversion would expand the range */
            const int yuv8 = sf->format == AV_PIX_FMT_YUV420P || sf->format == AV_PIX_FMT_YUVJ420P ||
                             sf->format == AV_PIX_FMT_YUV422P || sf->format == AV_PIX_FMT_YUV444P;
            if (!sws[i])
                sws[i] = sws_getContext(sf->width, sf->height, yuv8 ? AV_PIX_FMT_GRAY8 : sf->format, w, h,
                                        AV_PIX_FMT_GRAY8, SWS_LANCZOS | SWS_ACCURATE_RND, NULL, NULL, NULL);
            int ls = w;
            sws_scale(sws[i], (const uint8_t *const *)sf->data, sf->linesize, 0, sf->height, &ref[i], &ls);
            sum_p[i] += ls_plane_psnr(&dsp, rf->data[0], rf->linesize[0], ref[i], w, w, h);
            sum_s[i] += ls_plane_ssim(&dsp, rf->data[0], rf->linesize[0], ref[i], w, w, h);
            rungs[i].frames++;
        }
        frame_no++;
    }
    for (int i = 0; i < n; i++) {
        if (rungs[i].frames) {
            rungs[i].psnr = sum_p[i] / rungs[i].frames;
            rungs[i].ssim = sum_s[i] / rungs[i].frames;
        }
        if (st[i].fmt)
            stream_close(&st[i]);
        sws_freeContext(sws[i]);
        free(ref[i]);
    }
    stream_close(&src);
    free(st);
    free(sws);
    free(ref);
    free(sum_p);
    free(sum_s);
    return 0;
}
