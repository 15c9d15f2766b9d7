/* Deterministic synthetic lecture generator (see synth.h). */
#include "config.h"
#include "synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

void synth_defaults(SynthParams *p)
{
    memset(p, 0, sizeof(*p));
    p->kind = SYNTH_SLIDES_PIP;
    p->width = 1920;
    p->height = 1080;
    p->fps = 30;
    p->duration = 60.0;
    p->slide_period = 10.0;
    p->audio = 1;
    p->seed = 1;
}

const char *synth_kind_name(enum SynthKind k)
{
    switch (k) {
    case SYNTH_SLIDES_PIP: return "slides-pip";
    case SYNTH_SCREENCAST: return "screencast";
    case SYNTH_TALKING_HEAD: return "talking-head";
    case SYNTH_SLIDES: return "slides";
    }
    return "?";
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

int synth_slide_at(const SynthParams *p, int frame)
{
    const double period = p->fps * p->slide_period;
    if (p->kind != SYNTH_SLIDES)
        return (int)(frame / period);
    /* slide k lasts 0.4 .. 1.6 periods, whole frames, at least one second */
    int slide = 0, start = 0;
    for (;;) {
        uint32_t h = ((uint32_t)slide + 1) * 2654435761u ^ p->seed * 40503u;
        h ^= h >> 13;
        h *= 0x5bd1e995u;
        h ^= h >> 15;
        int len = (int)(period * (0.4 + 1.2 * (h % 1000) / 1000.0));
        if (len < p->fps)
            len = p->fps;
        if (frame < start + len)
            return slide;
        start += len;
        slide++;
    }
}

static void fill_rect(AVFrame *f, int x0, int y0, int w, int h, int Y, int U, int V)
{
    if (x0 < 0) {
        w += x0;
        x0 = 0;
    }
    if (y0 < 0) {
        h += y0;
        y0 = 0;
    }
    if (x0 + w > f->width)
        w = f->width - x0;
    if (y0 + h > f->height)
        h = f->height - y0;
    if (w <= 0 || h <= 0)
        return;
    for (int y = y0; y < y0 + h; y++)
        memset(f->data[0] + y * f->linesize[0] + x0, Y, w);
    for (int y = y0 / 2; y < (y0 + h) / 2; y++) {
        memset(f->data[1] + y * f->linesize[1] + x0 / 2, U, w / 2);
        memset(f->data[2] + y * f->linesize[2] + x0 / 2, V, w / 2);
    }
}

/* A slide: title bar, then lines of "words" (dark blocks of varying width), like text at a distance. */
static void draw_slide(AVFrame *f, int slide, unsigned seed)
{
    const int W = f->width, H = f->height;
    fill_rect(f, 0, 0, W, H, 235, 128, 128);
    uint32_t s = seed * 7919u + (unsigned)slide * 104729u;
    const int hue = (int)(lcg(&s) % 3);
    static const int bar[3][3] = { { 60, 170, 110 }, { 90, 100, 170 }, { 70, 150, 90 } };
    fill_rect(f, 0, 0, W, H / 9, bar[hue][0], bar[hue][1], bar[hue][2]);
    /* title words in white on the bar */
    int x = W / 20;
    for (int w = 0; w < 4 + (int)(lcg(&s) % 3); w++) {
        int ww = W / 40 + (int)(lcg(&s) % (W / 12));
        fill_rect(f, x, H / 30, ww, H / 22, 230, 128, 128);
        x += ww + W / 60;
    }
    const int line_h = H / 28, gap = H / 22;
    const int lines = 8 + (int)(lcg(&s) % 5);
    for (int l = 0; l < lines; l++) {
        int y = H / 6 + l * (line_h + gap);
        if (y + line_h > H * 9 / 10)
            break;
        x = W / 14 + ((l % 3 == 0) ? 0 : W / 30);
        if (l % 3 != 0) /* bullet */
            fill_rect(f, x - W / 50, y + line_h / 4, line_h / 2, line_h / 2, 40, 128, 128);
        int end = W * (55 + (int)(lcg(&s) % 40)) / 100;
        while (x < end) {
            int ww = W / 70 + (int)(lcg(&s) % (W / 18));
            fill_rect(f, x, y, ww, line_h, 25 + (int)(lcg(&s) % 30), 128, 128);
            x += ww + W / 110;
        }
    }
    /* a figure on some slides: a gradient box */
    if (slide % 2 == 1) {
        int bx = W * 62 / 100, by = H * 30 / 100, bw = W / 3, bh = H / 3;
        for (int y = by; y < by + bh && y < H; y++)
            for (int xx = bx; xx < bx + bw && xx < W; xx++)
                f->data[0][y * f->linesize[0] + xx] = (uint8_t)(60 + 150 * (xx - bx) / bw);
        fill_rect(f, bx, by + bh - bh / 5, bw, bh / 5, 150, 90, 180);
    }
}

/* A camera picture: textured background, a moving "head and shoulders", sensor noise. */
static void draw_camera(AVFrame *f, int x0, int y0, int cw, int ch, int frame, int fps, uint32_t *noise)
{
    const double t = (double)frame / fps;
    const double hx = cw * (0.5 + 0.05 * sin(t * 0.9)), hy = ch * (0.42 + 0.02 * sin(t * 1.7));
    const double rx = cw * 0.16, ry = ch * 0.24;
    for (int y = 0; y < ch; y++) {
        uint8_t *row = f->data[0] + (y0 + y) * f->linesize[0] + x0;
        for (int x = 0; x < cw; x++) {
            double dx = (x - hx) / rx, dy = (y - hy) / ry;
            int v;
            if (dx * dx + dy * dy < 1.0)
                v = 170 + (int)(25 * dy); /* face */
            else if (y > hy + ry * 0.8 && fabs(x - hx) < rx * 2.2)
                v = 60 + (int)(10 * sin(x * 0.05)); /* shoulders */
            else
                v = 100 + (int)(30 * sin(x * 0.02 + y * 0.013)) + ((x / 24 + y / 24) % 2) * 12; /* wall */
            v += (int)(lcg(noise) % 9) - 4;
            row[x] = (uint8_t)(v < 16 ? 16 : v > 235 ? 235 : v);
        }
    }
    for (int y = 0; y < ch / 2; y++) {
        uint8_t *u = f->data[1] + (y0 / 2 + y) * f->linesize[1] + x0 / 2;
        uint8_t *vv = f->data[2] + (y0 / 2 + y) * f->linesize[2] + x0 / 2;
        for (int x = 0; x < cw / 2; x++) {
            double dx = (2 * x - hx) / rx, dy = (2 * y - hy) / ry;
            int skin = dx * dx + dy * dy < 1.0;
            u[x] = skin ? 110 : 124;
            vv[x] = skin ? 150 : 132;
        }
    }
}

static void draw_frame(const SynthParams *p, AVFrame *f, int frame, uint32_t *noise)
{
    const int W = f->width, H = f->height;
    const int slide = synth_slide_at(p, frame);
    switch (p->kind) {
    case SYNTH_SLIDES: draw_slide(f, slide, p->seed); break;
    case SYNTH_SLIDES_PIP: {
        draw_slide(f, slide, p->seed);
        int cw = (W / 4) & ~1, ch = (H / 4) & ~1;
        draw_camera(f, (W - cw - W / 40) & ~1, (H - ch - H / 40) & ~1, cw, ch, frame, p->fps, noise);
        break;
    }
    case SYNTH_SCREENCAST: {
        draw_slide(f, slide, p->seed);
        double t = (double)frame / p->fps;
        int px = (int)(W * (0.3 + 0.25 * sin(t * 0.7))), py = (int)(H * (0.45 + 0.2 * sin(t * 1.1)));
        for (int k = 0; k < H / 40; k++) /* arrow pointer */
            fill_rect(f, px, py + k, H / 40 - k, 1, 16, 128, 128);
        break;
    }
    case SYNTH_TALKING_HEAD: draw_camera(f, 0, 0, W & ~1, H & ~1, frame, p->fps, noise); break;
    }
}

/* Speech-like audio: a glottal pulse train (pitch ~120 Hz with intonation) through three formant
 * resonators whose targets change per syllable (~5 per second), with pauses between phrases. */
typedef struct Speech {
    double phase, f0;
    double y1[3], y2[3];
    uint32_t rng;
    int sample;
} Speech;

static float speech_sample(Speech *s, int rate)
{
    static const double vowels[5][3] = {
        { 730, 1090, 2440 }, { 270, 2290, 3010 }, { 530, 1840, 2480 }, { 570, 840, 2410 }, { 300, 870, 2240 }
    };
    const double t = (double)s->sample / rate;
    const int syl = (int)(t * 5.0);
    uint32_t h = (uint32_t)syl * 2654435761u;
    const double *fm = vowels[(h >> 7) % 5];
    const double in_syl = t * 5.0 - syl;
    const int phrase_pause = ((int)(t / 2.4) % 3 == 2) && fmod(t, 2.4) > 1.8; /* breath pauses */
    double env = phrase_pause ? 0.0 : sin(M_PI * in_syl);
    env *= env;
    s->f0 = 110 + 25 * sin(t * 2.1) + 10 * sin(t * 7.3);
    s->phase += s->f0 / rate;
    double src = 0;
    if (s->phase >= 1.0) {
        s->phase -= 1.0;
        src = 1.0;
    }
    src += ((int)(lcg(&s->rng) % 2001) - 1000) / 1000.0 * 0.02; /* aspiration */
    double out = 0;
    for (int k = 0; k < 3; k++) { /* two-pole resonators */
        const double bw = 80 + 40 * k, r = exp(-M_PI * bw / rate);
        const double a1 = 2 * r * cos(2 * M_PI * fm[k] / rate), a2 = -r * r;
        double y = src * (1 - r) + a1 * s->y1[k] + a2 * s->y2[k];
        s->y2[k] = s->y1[k];
        s->y1[k] = y;
        out += y / (k + 1);
    }
    s->sample++;
    return (float)(out * env * 2.5);
}

static int encode_write(AVFormatContext *oc, AVCodecContext *c, AVStream *st, AVFrame *f, AVPacket *pkt)
{
    int ret = avcodec_send_frame(c, f);
    while (ret >= 0) {
        ret = avcodec_receive_packet(c, pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            return ret;
        av_packet_rescale_ts(pkt, c->time_base, st->time_base);
        pkt->stream_index = st->index;
        ret = av_interleaved_write_frame(oc, pkt);
    }
    return ret;
}

int synth_write(const SynthParams *p, const char *path, char *err, int err_size)
{
    AVFormatContext *oc = NULL;
    AVCodecContext *vc = NULL, *ac = NULL;
    AVStream *vs, *as = NULL;
    AVFrame *vf = av_frame_alloc(), *af = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int ret = avformat_alloc_output_context2(&oc, NULL, "mp4", path);
    if (ret < 0 || !vf || !af || !pkt)
        goto fail;
    const AVCodec *venc = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    vs = avformat_new_stream(oc, NULL);
    vc = avcodec_alloc_context3(venc);
    if (!venc || !vs || !vc) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    vc->width = p->width;
    vc->height = p->height;
    vc->pix_fmt = AV_PIX_FMT_YUV420P;
    vc->time_base = (AVRational){ 1, p->fps };
    vc->framerate = (AVRational){ p->fps, 1 };
    vc->gop_size = p->fps * 2;
    vc->max_b_frames = 0;
    vc->flags |= AV_CODEC_FLAG_QSCALE;
    vc->global_quality = FF_QP2LAMBDA * 3; /* near-transparent source quality */
    vc->thread_count = 0;
    if (oc->oformat->flags & AVFMT_GLOBALHEADER)
        vc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((ret = avcodec_open2(vc, venc, NULL)) < 0 || (ret = avcodec_parameters_from_context(vs->codecpar, vc)) < 0)
        goto fail;
    vs->time_base = vc->time_base;
    if (p->rotate) { /* display matrix: players (and libstream) turn the picture by p->rotate clockwise */
        uint8_t *m = av_stream_new_side_data(vs, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t));
        if (!m) {
            ret = AVERROR(ENOMEM);
            goto fail;
        }
        av_display_rotation_set((int32_t *)m, -p->rotate);
    }
    if (p->audio) {
        const AVCodec *aenc = avcodec_find_encoder(AV_CODEC_ID_AAC);
        as = avformat_new_stream(oc, NULL);
        ac = avcodec_alloc_context3(aenc);
        if (!aenc || !as || !ac) {
            ret = AVERROR(ENOMEM);
            goto fail;
        }
        ac->sample_rate = 48000;
        ac->sample_fmt = AV_SAMPLE_FMT_FLTP;
        av_channel_layout_default(&ac->ch_layout, 1);
        ac->bit_rate = 128000;
        ac->time_base = (AVRational){ 1, 48000 };
        if (oc->oformat->flags & AVFMT_GLOBALHEADER)
            ac->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        if ((ret = avcodec_open2(ac, aenc, NULL)) < 0 || (ret = avcodec_parameters_from_context(as->codecpar, ac)) < 0)
            goto fail;
        as->time_base = ac->time_base;
        af->format = AV_SAMPLE_FMT_FLTP;
        af->sample_rate = 48000;
        av_channel_layout_copy(&af->ch_layout, &ac->ch_layout);
        af->nb_samples = ac->frame_size;
        if ((ret = av_frame_get_buffer(af, 0)) < 0)
            goto fail;
    }
    if ((ret = avio_open(&oc->pb, path, AVIO_FLAG_WRITE)) < 0)
        goto fail;
    AVDictionary *opts = NULL;
    av_dict_set(&opts, "movflags", "+faststart", 0); /* header first: a truncated copy still opens */
    av_dict_set(&opts, "fflags", "+bitexact", 0);
    ret = avformat_write_header(oc, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        goto fail;
    vf->format = AV_PIX_FMT_YUV420P;
    vf->width = p->width;
    vf->height = p->height;
    if ((ret = av_frame_get_buffer(vf, 0)) < 0)
        goto fail;
    const int frames = (int)lrint(p->duration * p->fps);
    const int64_t samples = (int64_t)llrint(p->duration * 48000);
    uint32_t noise = p->seed * 2246822519u + 1;
    Speech sp = { .rng = p->seed + 17 };
    int64_t apts = 0;
    for (int i = 0; i < frames; i++) {
        if ((ret = av_frame_make_writable(vf)) < 0)
            goto fail;
        draw_frame(p, vf, i, &noise);
        vf->pts = i;
        if ((ret = encode_write(oc, vc, vs, vf, pkt)) < 0)
            goto fail;
        /* audio up to this video time, interleaved */
        while (ac && apts < samples && apts < (int64_t)(i + 1) * 48000 / p->fps) {
            if ((ret = av_frame_make_writable(af)) < 0)
                goto fail;
            float *d = (float *)af->data[0];
            for (int k = 0; k < af->nb_samples; k++)
                d[k] = apts + k < samples ? speech_sample(&sp, 48000) : 0.0f;
            af->pts = apts;
            apts += af->nb_samples;
            if ((ret = encode_write(oc, ac, as, af, pkt)) < 0)
                goto fail;
        }
    }
    if ((ret = encode_write(oc, vc, vs, NULL, pkt)) < 0)
        goto fail;
    if (ac && (ret = encode_write(oc, ac, as, NULL, pkt)) < 0)
        goto fail;
    ret = av_write_trailer(oc);
fail:
    if (ret < 0 && err) {
        char eb[128];
        av_strerror(ret, eb, sizeof(eb));
        snprintf(err, err_size, "cannot write sample %s: %s", path, eb);
    }
    avcodec_free_context(&vc);
    avcodec_free_context(&ac);
    av_frame_free(&vf);
    av_frame_free(&af);
    av_packet_free(&pkt);
    if (oc && oc->pb)
        avio_closep(&oc->pb);
    avformat_free_context(oc);
    return ret < 0 ? ret : 0;
}
