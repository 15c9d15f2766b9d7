/*
 * Adapter: audio encoding through libavcodec (AAC-LC with its native encoder, Opus with libopus), resampling
 * through libswresample, behind the encoder seam. Both codecs share everything but their name, frame size,
 * sample format and configuration box (esds / dOps); each is one Spec and one ops table.
 */
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

#define LS_AUDIO_RATE 48000

struct LSAac;

typedef struct Spec {
    const char *encoder;     /* libavcodec's name for it */
    const char *label;       /* for messages */
    int frame;               /* samples per packet */
    enum AVSampleFormat fmt; /* what the encoder takes */
    int profile;             /* AVCodecContext.profile, or FF_PROFILE_UNKNOWN */
    const char *options;     /* the encoder's private options, "key=value:key=value" (av_dict_parse_string) */
    int needs_extradata;     /* its configuration box is built from the encoder's extradata */
    int (*config)(const struct LSAac *a, int kbps, LSCodecConfig *cfg); /* sample entry, box, codec string */
} Spec;

typedef struct LSAac {
    const Spec *spec;
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
    float gain;         /* linear, from LSEncoderParams.gain_db */
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

static int aac_config(const LSAac *a, int kbps, LSCodecConfig *cfg)
{
    memcpy(cfg->sample_entry, "mp4a", 5);
    memcpy(cfg->config_box, "esds", 5);
    if (ls_codec_string_asc(a->enc->extradata, a->enc->extradata_size, cfg->codec, sizeof(cfg->codec)) < 0)
        return ls_fail(a->job, LSTREAM_ERR_BUG, "the AAC encoder produced an unusable AudioSpecificConfig");
    return make_esds(a->enc->extradata, a->enc->extradata_size, a->channels, kbps * 1000, cfg);
}

/* OpusSpecificBox (Opus in ISOBMFF 4.3.2), big-endian: the encoder's delay is not signalled as PreSkip here,
 * because the adapter drops as many input samples itself (as for AAC): decoded sample n is source sample n
 * on the presentation timeline, with no edit list. */
static int opus_config(const LSAac *a, int kbps, LSCodecConfig *cfg)
{
    (void)kbps;
    memcpy(cfg->sample_entry, "Opus", 5);
    memcpy(cfg->config_box, "dOps", 5);
    snprintf(cfg->codec, sizeof(cfg->codec), "opus");
    uint8_t *c = ls_malloc(11);
    if (!c)
        return LSTREAM_ERR(ENOMEM);
    c[0] = 0;                    /* Version */
    c[1] = (uint8_t)a->channels; /* OutputChannelCount */
    c[2] = c[3] = 0;             /* PreSkip */
    be32(c + 4, LS_AUDIO_RATE);  /* InputSampleRate */
    c[8] = c[9] = 0;             /* OutputGain */
    c[10] = 0;                   /* ChannelMappingFamily: mono or stereo */
    cfg->config = c;
    cfg->config_size = 11;
    return 0;
}

static const Spec aac_spec = { "aac", "AAC", 1024, AV_SAMPLE_FMT_FLTP, FF_PROFILE_AAC_LOW, NULL, 1, aac_config };
/* speech: libopus's VoIP mode (SILK at speech rates), 20 ms frames, and constrained VBR: a steady rate suits
 * segments with a declared BANDWIDTH; measured, unconstrained VBR averaged 34.8 kbit/s for a 24 kbit/s setting
 * on the generated lecture, constrained 24.5 (CMAF overhead included) */
static const Spec opus_spec = { "libopus",
                                "Opus",
                                960,
                                AV_SAMPLE_FMT_FLT,
                                FF_PROFILE_UNKNOWN,
                                "application=voip:frame_duration=20:vbr=constrained",
                                0,
                                opus_config };

static int open_spec(LSAac *a, const Spec *spec, LStreamJob *job, const LSEncoderParams *ep, LSCodecConfig *cfg)
{
    const int channels = ep->channels, kbps = ep->kbps;
    a->spec = spec;
    const AVCodec *codec = avcodec_find_encoder_by_name(spec->encoder);
    if (!codec)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "libavcodec has no %s encoder (%s)", spec->label, spec->encoder);
    ls_ffmpeg_log_attach(job);
    a->job = job;
    a->channels = channels;
    a->gain = (float)pow(10.0, ep->gain_db / 20.0);
    a->enc = avcodec_alloc_context3(codec);
    a->fifo = av_audio_fifo_alloc(spec->fmt, channels, 4096);
    a->frame = av_frame_alloc();
    a->pkt = av_packet_alloc();
    if (!a->enc || !a->fifo || !a->frame || !a->pkt)
        return LSTREAM_ERR(ENOMEM);
    a->enc->sample_fmt = spec->fmt;
    a->enc->sample_rate = LS_AUDIO_RATE;
    av_channel_layout_default(&a->enc->ch_layout, channels);
    a->enc->bit_rate = (int64_t)kbps * 1000;
    a->enc->profile = spec->profile;
    a->enc->time_base = (AVRational){ 1, LS_AUDIO_RATE };
    a->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *opts = NULL;
    if (spec->options && av_dict_parse_string(&opts, spec->options, "=", ":", 0) < 0) {
        av_dict_free(&opts);
        return LSTREAM_ERR(ENOMEM);
    }
    char eb[128];
    int ret = avcodec_open2(a->enc, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "cannot open the %s encoder: %s", spec->label,
                       ls_av_err(ret, eb, sizeof(eb)));
    if (a->enc->frame_size != spec->frame || (spec->needs_extradata && a->enc->extradata_size < 2))
        return ls_fail(job, LSTREAM_ERR_ENCODER, "the %s encoder has an unexpected frame size or no configuration",
                       spec->label);
    /* the encoder delays its output by initial_padding samples; drop as many input samples so that
     * decoded sample n is source sample n (no edit list needed) */
    a->skip = a->enc->initial_padding;
    a->frame->nb_samples = spec->frame;
    a->frame->format = spec->fmt;
    a->frame->sample_rate = LS_AUDIO_RATE;
    av_channel_layout_copy(&a->frame->ch_layout, &a->enc->ch_layout);
    if (av_frame_get_buffer(a->frame, 0) < 0)
        return LSTREAM_ERR(ENOMEM);
    memset(cfg, 0, sizeof(*cfg));
    cfg->kind = LS_TRACK_AUDIO;
    int err = spec->config(a, kbps, cfg);
    if (err)
        return err;
    cfg->timescale = LS_AUDIO_RATE;
    cfg->frame_duration = spec->frame;
    cfg->sample_rate = LS_AUDIO_RATE;
    cfg->channels = channels;
    cfg->bitrate = kbps * 1000;
    return 0;
}

static int aac_open(void *priv, LStreamJob *job, const LSEncoderParams *ep, LSCodecConfig *cfg)
{
    return open_spec(priv, &aac_spec, job, ep, cfg);
}

static int opus_open(void *priv, LStreamJob *job, const LSEncoderParams *ep, LSCodecConfig *cfg)
{
    return open_spec(priv, &opus_spec, job, ep, cfg);
}

static int drain_encoder(LSAac *a, LSPacketSink sink, void *opaque)
{
    for (;;) {
        int r = avcodec_receive_packet(a->enc, a->pkt);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return 0;
        if (r < 0)
            return ls_fail(a->job, LSTREAM_ERR_ENCODER, "%s encoder failed", a->spec->label);
        int err = 0;
        {
            LSPacket p = {
                .data = a->pkt->data,
                .size = a->pkt->size,
                .pts = a->packets_out * a->spec->frame,
                .dts = a->packets_out * a->spec->frame,
                .duration = a->spec->frame,
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
    while (av_audio_fifo_size(a->fifo) >= a->spec->frame || (final && av_audio_fifo_size(a->fifo) > 0)) {
        int err = av_frame_make_writable(a->frame);
        if (err < 0)
            return LSTREAM_ERR(ENOMEM);
        int n = av_audio_fifo_read(a->fifo, (void **)a->frame->data, a->spec->frame);
        if (n < a->spec->frame && a->spec->fmt == AV_SAMPLE_FMT_FLT) /* last frame: pad with silence */
            memset((float *)a->frame->data[0] + n * a->channels, 0, sizeof(float) * (a->spec->frame - n) * a->channels);
        for (int c = 0; c < a->channels && n < a->spec->frame && a->spec->fmt == AV_SAMPLE_FMT_FLTP; c++)
            memset((float *)a->frame->data[c] + n, 0, sizeof(float) * (a->spec->frame - n));
        a->frame->pts = a->packets_out * a->spec->frame;
        if (avcodec_send_frame(a->enc, a->frame) < 0)
            return ls_fail(a->job, LSTREAM_ERR_ENCODER, "%s encoder refused a frame", a->spec->label);
        if ((err = drain_encoder(a, sink, opaque)))
            return err;
    }
    return 0;
}

/* Put @p n samples of silence on the timeline (after any pending skip). */
static int push_silence(LSAac *a, int64_t n)
{
    float zero[2048] = { 0 }; /* 1024 samples of two channels, planar or interleaved */
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
        int ret = swr_alloc_set_opts2(&a->swr, &a->enc->ch_layout, a->spec->fmt, LS_AUDIO_RATE, &in_layout, fmt,
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
        int64_t off = (int64_t)llrint(offset * LS_AUDIO_RATE);
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
    if (av_samples_alloc(tmp, NULL, a->channels, max_out > 0 ? max_out : 1, a->spec->fmt, 0) < 0)
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
        const int planar = a->spec->fmt == AV_SAMPLE_FMT_FLTP;
        if (a->gain != 1.0f) /* float samples, as every spec's encoder takes them */
            for (int p = 0; p < (planar ? a->channels : 1); p++) {
                float *s = (float *)(void *)tmp[p];
                for (int i = 0, e = n * (planar ? 1 : a->channels); i < e; i++)
                    s[i] *= a->gain;
            }
        void *planes[2] = { tmp[0] + start * sizeof(float) * (planar ? 1 : a->channels),
                            planar && a->channels > 1 ? tmp[1] + start * sizeof(float) : NULL };
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
        const int64_t want = (packets - 1) * a->spec->frame + 1; /* at least one sample into the last */
        if (a->samples_in < want)
            err = push_silence(a, want - a->samples_in);
    }
    if (!err)
        err = encode_fifo(a, 1, sink, opaque);
    if (!err && avcodec_send_frame(a->enc, NULL) < 0)
        err = ls_fail(a->job, LSTREAM_ERR_ENCODER, "%s encoder cannot be drained", a->spec->label);
    if (!err)
        err = drain_encoder(a, sink, opaque);
    if (!err && packets > 0 && a->packets_out < packets)
        err = ls_fail(a->job, LSTREAM_ERR_BUG, "%s encoder gave %lld packets, %lld wanted", a->spec->label,
                      (long long)a->packets_out, (long long)packets);
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

const LSEncoderOps ls_enc_opus = {
    .name = "opus",
    .kind = LS_TRACK_AUDIO,
    .codec = LSTREAM_AUDIO_OPUS,
    .priv_size = sizeof(LSAac),
    .open = opus_open,
    .encode_audio = aac_push,
    .drain = aac_finish,
    .close = aac_close,
};
