/* Adapter: AAC-LC encoding through libavcodec, resampling through libswresample, behind the encoder seam. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/encode/encoder.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#define LS_AAC_RATE  48000
#define LS_AAC_FRAME 1024

typedef struct LSAac {
    LStreamJob *job;
    AVCodecContext *enc;
    SwrContext *swr;
    int swr_rate, swr_channels;
    enum AVSampleFormat swr_fmt;
    uint64_t swr_mask;
    AVAudioFifo *fifo;
    AVFrame *frame;
    AVPacket *pkt;
    int64_t skip;       /* samples still to drop (priming compensation, early audio) */
    int64_t samples_in; /* samples placed on the output timeline (after skip) */
    int64_t packets_out;
    int started;
    int channels;
} LSAac;

/* MPEG-4 descriptor with a 1-byte length (all ours are < 128 bytes) */
static uint8_t *descr(uint8_t *p, int tag, int len)
{
    *p++ = (uint8_t)tag;
    *p++ = (uint8_t)len;
    return p;
}
static uint8_t *be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

/* The esds payload (ISO/IEC 14496-14 5.6): version/flags, then ES_Descriptor > DecoderConfigDescriptor
 * (with the AudioSpecificConfig) + SLConfigDescriptor. */
static int make_esds(const uint8_t *asc, int asc_size, int channels, int bitrate, LSCodecConfig *cfg)
{
    const int dsi = 2 + asc_size, dcd = 13 + dsi, esd = 3 + 2 + dcd + 3;
    uint8_t *c = ls_malloc(4 + 2 + esd), *p = c;
    if (!c)
        return LSTREAM_ERR(ENOMEM);
    p = be32(p, 0); /* version 0, flags 0 */
    p = descr(p, 0x03, esd);
    *p++ = 0;
    *p++ = 0; /* ES_ID */
    *p++ = 0; /* flags */
    p = descr(p, 0x04, dcd);
    *p++ = 0x40; /* Audio ISO/IEC 14496-3 */
    *p++ = 0x15; /* AudioStream, upstream 0, reserved 1 */
    const unsigned bufsz = 6144 / 8 * channels;
    *p++ = (uint8_t)(bufsz >> 16);
    *p++ = (uint8_t)(bufsz >> 8);
    *p++ = (uint8_t)bufsz;
    p = be32(p, (uint32_t)bitrate);
    p = be32(p, (uint32_t)bitrate);
    p = descr(p, 0x05, asc_size);
    memcpy(p, asc, asc_size);
    p += asc_size;
    p = descr(p, 0x06, 1);
    *p++ = 0x02;
    cfg->config = c;
    cfg->config_size = (int)(p - c);
    return 0;
}

static void aac_close(void *priv);

static int aac_open(void *priv, LStreamJob *job, const LSEncoderParams *ep, LSCodecConfig *cfg)
{
    LSAac *a = priv;
    const int channels = ep->channels, kbps = ep->kbps;
    const AVCodec *codec = avcodec_find_encoder_by_name("aac");
    if (!codec)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "libavcodec has no AAC encoder");
    ls_ffmpeg_log_attach(job);
    a->job = job;
    a->channels = channels;
    a->enc = avcodec_alloc_context3(codec);
    a->fifo = av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, channels, 4096);
    a->frame = av_frame_alloc();
    a->pkt = av_packet_alloc();
    if (!a->enc || !a->fifo || !a->frame || !a->pkt)
        return LSTREAM_ERR(ENOMEM);
    a->enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    a->enc->sample_rate = LS_AAC_RATE;
    av_channel_layout_default(&a->enc->ch_layout, channels);
    a->enc->bit_rate = (int64_t)kbps * 1000;
    a->enc->profile = FF_PROFILE_AAC_LOW;
    a->enc->time_base = (AVRational){ 1, LS_AAC_RATE };
    a->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    char eb[128];
    int ret = avcodec_open2(a->enc, codec, NULL);
    if (ret < 0)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "cannot open the AAC encoder: %s", ls_av_err(ret, eb, sizeof(eb)));
    if (a->enc->frame_size != LS_AAC_FRAME || a->enc->extradata_size < 2)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "AAC encoder has an unexpected frame size or no config");
    /* the encoder delays its output by initial_padding samples; drop as many input samples so that
     * decoded sample n is source sample n (no edit list needed) */
    a->skip = a->enc->initial_padding;
    a->frame->nb_samples = LS_AAC_FRAME;
    a->frame->format = AV_SAMPLE_FMT_FLTP;
    a->frame->sample_rate = LS_AAC_RATE;
    av_channel_layout_copy(&a->frame->ch_layout, &a->enc->ch_layout);
    if (av_frame_get_buffer(a->frame, 0) < 0)
        return LSTREAM_ERR(ENOMEM);
    memset(cfg, 0, sizeof(*cfg));
    cfg->kind = LS_TRACK_AUDIO;
    memcpy(cfg->sample_entry, "mp4a", 5);
    memcpy(cfg->config_box, "esds", 5);
    if (ls_codec_string_asc(a->enc->extradata, a->enc->extradata_size, cfg->codec, sizeof(cfg->codec)) < 0)
        return ls_fail(job, LSTREAM_ERR_BUG, "the AAC encoder produced an unusable AudioSpecificConfig");
    if (make_esds(a->enc->extradata, a->enc->extradata_size, channels, kbps * 1000, cfg))
        return LSTREAM_ERR(ENOMEM);
    cfg->timescale = LS_AAC_RATE;
    cfg->frame_duration = LS_AAC_FRAME;
    cfg->sample_rate = LS_AAC_RATE;
    cfg->channels = channels;
    cfg->bitrate = kbps * 1000;
    return 0;
}

static int drain_encoder(LSAac *a, LSPacketSink sink, void *opaque)
{
    for (;;) {
        int r = avcodec_receive_packet(a->enc, a->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return ls_fail(a->job, LSTREAM_ERR_ENCODER, "AAC encoder failed");
        int err = 0;
        {
            LSPacket p = {
                .data = a->pkt->data,
                .size = a->pkt->size,
                .pts = a->packets_out * LS_AAC_FRAME,
                .dts = a->packets_out * LS_AAC_FRAME,
                .duration = LS_AAC_FRAME,
                .key = 1,
            };
            err = sink(opaque, &p);
            a->packets_out++;
        }
        av_packet_unref(a->pkt);
        if (err)
            return err;
    }
}

static int encode_fifo(LSAac *a, int final, LSPacketSink sink, void *opaque)
{
    while (av_audio_fifo_size(a->fifo) >= LS_AAC_FRAME || (final && av_audio_fifo_size(a->fifo) > 0)) {
        int err = av_frame_make_writable(a->frame);
        if (err < 0)
            return LSTREAM_ERR(ENOMEM);
        int n = av_audio_fifo_read(a->fifo, (void **)a->frame->data, LS_AAC_FRAME);
        for (int c = 0; c < a->channels && n < LS_AAC_FRAME; c++) /* last frame: pad with silence */
            memset((float *)a->frame->data[c] + n, 0, sizeof(float) * (LS_AAC_FRAME - n));
        a->frame->pts = a->packets_out * LS_AAC_FRAME;
        if (avcodec_send_frame(a->enc, a->frame) < 0)
            return ls_fail(a->job, LSTREAM_ERR_ENCODER, "AAC encoder refused a frame");
        if ((err = drain_encoder(a, sink, opaque)))
            return err;
    }
    return 0;
}

/* Put @p n samples of silence on the timeline (after any pending skip). */
static int push_silence(LSAac *a, int64_t n)
{
    float zero[1024] = { 0 };
    void *planes[2] = { zero, zero };
    while (n > 0) {
        int k = n > 1024 ? 1024 : (int)n;
        if (a->skip) {
            int s = a->skip < k ? (int)a->skip : k;
            a->skip -= s;
            n -= s;
            continue;
        }
        if (av_audio_fifo_write(a->fifo, planes, k) < k)
            return LSTREAM_ERR(ENOMEM);
        a->samples_in += k;
        n -= k;
    }
    return 0;
}

static enum AVSampleFormat av_format(int f)
{
    static const enum AVSampleFormat map[] = {
        [LS_SAMPLE_U8] = AV_SAMPLE_FMT_U8,     [LS_SAMPLE_S16] = AV_SAMPLE_FMT_S16,
        [LS_SAMPLE_S32] = AV_SAMPLE_FMT_S32,   [LS_SAMPLE_FLT] = AV_SAMPLE_FMT_FLT,
        [LS_SAMPLE_DBL] = AV_SAMPLE_FMT_DBL,   [LS_SAMPLE_U8P] = AV_SAMPLE_FMT_U8P,
        [LS_SAMPLE_S16P] = AV_SAMPLE_FMT_S16P, [LS_SAMPLE_S32P] = AV_SAMPLE_FMT_S32P,
        [LS_SAMPLE_FLTP] = AV_SAMPLE_FMT_FLTP, [LS_SAMPLE_DBLP] = AV_SAMPLE_FMT_DBLP,
    };
    return f >= 0 && f < (int)LS_ARRAY_SIZE(map) ? map[f] : AV_SAMPLE_FMT_NONE;
}

static int aac_push(void *priv, const LSAudio *f, double offset, LSPacketSink sink, void *opaque)
{
    LSAac *a = priv;
    char eb[128];
    const enum AVSampleFormat fmt = av_format(f->format);
    if (fmt == AV_SAMPLE_FMT_NONE || f->channels < 1 || f->sample_rate < 1)
        return ls_fail(a->job, LSTREAM_ERR_UNSUPPORTED,
                       "audio in an unsupported sample format (%d, %d Hz, %d channels)", f->format, f->sample_rate,
                       f->channels);
    if (!a->swr || a->swr_rate != f->sample_rate || a->swr_fmt != fmt || a->swr_mask != f->channel_mask ||
        a->swr_channels != f->channels) {
        /* first buffer, or the input changed format: (re)build the resampler; downmix to mono when asked */
        swr_free(&a->swr);
        AVChannelLayout in_layout;
        if (!f->channel_mask || av_channel_layout_from_mask(&in_layout, f->channel_mask) < 0 ||
            in_layout.nb_channels != f->channels)
            av_channel_layout_default(&in_layout, f->channels);
        int ret = swr_alloc_set_opts2(&a->swr, &a->enc->ch_layout, AV_SAMPLE_FMT_FLTP, LS_AAC_RATE, &in_layout, fmt,
                                      f->sample_rate, 0, NULL);
        av_channel_layout_uninit(&in_layout);
        if (ret >= 0)
            ret = swr_init(a->swr);
        if (ret < 0)
            return ls_fail(a->job, LSTREAM_ERR_UNSUPPORTED, "cannot resample the input audio (%d Hz, %d channels): %s",
                           f->sample_rate, f->channels, ls_av_err(ret, eb, sizeof(eb)));
        a->swr_rate = f->sample_rate;
        a->swr_fmt = fmt;
        a->swr_mask = f->channel_mask;
        a->swr_channels = f->channels;
    }
    if (!a->started) {
        a->started = 1;
        int64_t off = (int64_t)llrint(offset * LS_AAC_RATE);
        if (off > 0) { /* audio starts after the video: silence first */
            int err = push_silence(a, off);
            if (err)
                return err;
        } else { /* audio starts before the video: drop what precedes it */
            a->skip += -off;
        }
    }
    const int max_out = swr_get_out_samples(a->swr, f->nb_samples);
    uint8_t *tmp[2] = { NULL, NULL };
    if (av_samples_alloc(tmp, NULL, a->channels, max_out > 0 ? max_out : 1, AV_SAMPLE_FMT_FLTP, 0) < 0)
        return LSTREAM_ERR(ENOMEM);
    int n = swr_convert(a->swr, tmp, max_out, (const uint8_t **)f->data, f->nb_samples);
    int err = 0;
    if (n < 0)
        err = ls_fail(a->job, LSTREAM_ERR_INVALID_INPUT, "audio resampling failed");
    int start = 0;
    if (!err && a->skip > 0) {
        start = a->skip < n ? (int)a->skip : n;
        a->skip -= start;
    }
    if (!err && n - start > 0) {
        void *planes[2] = { tmp[0] + start * sizeof(float), a->channels > 1 ? tmp[1] + start * sizeof(float) : NULL };
        if (av_audio_fifo_write(a->fifo, planes, n - start) < n - start)
            err = LSTREAM_ERR(ENOMEM);
        a->samples_in += n - start;
    }
    av_freep(&tmp[0]);
    return err ? err : encode_fifo(a, 0, sink, opaque);
}

static int aac_finish(void *priv, int64_t packets, LSPacketSink sink, void *opaque)
{
    LSAac *a = priv;
    int err = 0;
    if (packets > 0) {
        /* packet i (after the priming one) holds samples [1024 (i-1), 1024 i) of what we fed:
         * feed exactly enough for the wanted count, padding with silence */
        const int64_t want = (packets - 1) * LS_AAC_FRAME + 1; /* at least one sample into the last */
        if (a->samples_in < want)
            err = push_silence(a, want - a->samples_in);
    }
    if (!err)
        err = encode_fifo(a, 1, sink, opaque);
    if (!err && avcodec_send_frame(a->enc, NULL) < 0)
        err = ls_fail(a->job, LSTREAM_ERR_ENCODER, "AAC encoder cannot be drained");
    if (!err)
        err = drain_encoder(a, sink, opaque);
    if (!err && packets > 0 && a->packets_out < packets)
        err = ls_fail(a->job, LSTREAM_ERR_BUG, "AAC encoder gave %lld packets, %lld wanted", (long long)a->packets_out,
                      (long long)packets);
    return err;
}

static void aac_close(void *priv)
{
    LSAac *a = priv;
    avcodec_free_context(&a->enc);
    swr_free(&a->swr);
    av_audio_fifo_free(a->fifo);
    av_frame_free(&a->frame);
    av_packet_free(&a->pkt);
}

const LSEncoderOps ls_enc_aac = {
    .name = "aac",
    .kind = LS_TRACK_AUDIO,
    .codec = LSTREAM_AUDIO_AAC,
    .priv_size = sizeof(LSAac),
    .open = aac_open,
    .encode_audio = aac_push,
    .drain = aac_finish,
    .close = aac_close,
};
