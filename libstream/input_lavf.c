/*
 * Adapter: libavformat demux + libavcodec decode (every video codec but AV1, and all audio).
 * AV1 video goes to dec_dav1d.c. FFmpeg error codes are translated here and go no further.
 */
#include "config.h"
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

struct LSInput {
    LStreamJob *job;
    AVFormatContext *fmt;
    int vidx, aidx;
    AVCodecContext *vdec, *adec;
    LSDav1d *dav1d;
    AVPacket *pkt;
    AVFrame *vframe, *aframe;
    int vpending, apending;     /* decoder may have more frames to give */
    int eof;                    /* demuxer reached its end; decoders being drained */
    int vdrained, adrained;
    double max_end;             /* furthest media time decoded, for the truncation check */
    int64_t vframes, aframes, errors;
    const LSSourceInfo *info;
};

static int open_decoder(LSInput *in, AVStream *st, AVCodecContext **out, int threads)
{
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return ls_fail(in->job, LSTREAM_ERR_UNSUPPORTED, "%s: no decoder for %s stream %d (codec %s)",
                       in->info->path, av_get_media_type_string(st->codecpar->codec_type), st->index,
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
        return ls_fail(in->job, LSTREAM_ERR_UNSUPPORTED, "%s: cannot open the %s decoder: %s", in->info->path,
                       codec->name, ls_av_err(ret, eb, sizeof(eb)));
    }
    *out = c;
    return 0;
}

static int rotation_of(AVStream *st)
{
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!m)
        return 0;
    double theta = -av_display_rotation_get((const int32_t *)m); /* clockwise degrees */
    if (isnan(theta))
        return 0;
    theta -= 360 * floor(theta / 360 + 0.9 / 360);
    int r = (int)lrint(theta / 90) * 90 % 360;
    return r < 0 ? r + 360 : r;
}

int ls_input_open(LSInput **pin, LStreamJob *job, const char *path, LSSourceInfo *info)
{
    *pin = NULL;
    memset(info, 0, sizeof(*info));
    info->video_start = NAN;
    snprintf(info->path, sizeof(info->path), "%s", path);
    int err = ls_input_check(job, path);
    if (err)
        return err;

    LSInput *in = calloc(1, sizeof(*in));
    if (!in)
        return LSTREAM_ERR(ENOMEM);
    in->job = job;
    in->info = info;
    in->vidx = in->aidx = -1;
    char eb[128];
    int ret = avformat_open_input(&in->fmt, path, NULL, NULL);
    if (ret < 0) {
        err = ret == AVERROR(EACCES) ? LSTREAM_ERR(EACCES) : LSTREAM_ERR_INVALID_INPUT;
        ls_fail(job, err, "input %s: not a readable media file (%s)", path,
                ret == AVERROR_INVALIDDATA ? "unrecognised format or damaged header" : ls_av_err(ret, eb, sizeof(eb)));
        ls_input_close(&in);
        return err;
    }
    ret = avformat_find_stream_info(in->fmt, NULL);
    if (ret < 0) {
        ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "input %s: cannot read stream information: %s", path,
                ls_av_err(ret, eb, sizeof(eb)));
        ls_input_close(&in);
        return LSTREAM_ERR_INVALID_INPUT;
    }
    snprintf(info->container, sizeof(info->container), "%s", in->fmt->iformat->name);
    if (in->fmt->duration > 0)
        info->duration = in->fmt->duration / (double)AV_TIME_BASE;

    /* best video stream that is not cover art, best audio stream */
    int v = av_find_best_stream(in->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (v >= 0 && (in->fmt->streams[v]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        v = -1;
    if (v >= 0 && (in->fmt->streams[v]->codecpar->width <= 0 || in->fmt->streams[v]->codecpar->height <= 0))
        v = -1;
    int a = av_find_best_stream(in->fmt, AVMEDIA_TYPE_AUDIO, -1, v, NULL, 0);
    if (a >= 0 && (in->fmt->streams[a]->codecpar->sample_rate <= 0 ||
                   in->fmt->streams[a]->codecpar->ch_layout.nb_channels <= 0))
        a = -1;
    if (v < 0 && a < 0) {
        ls_fail(job, LSTREAM_ERR_NO_STREAMS, "input %s: no video or audio stream found (format %s)", path,
                info->container);
        ls_input_close(&in);
        return LSTREAM_ERR_NO_STREAMS;
    }
    const int threads = job->s.threads ? job->s.threads : 0;
    if (v >= 0) {
        AVStream *vs = in->fmt->streams[v];
        in->vidx = v;
        info->has_video = 1;
        snprintf(info->video_codec, sizeof(info->video_codec), "%s", avcodec_get_name(vs->codecpar->codec_id));
        info->coded_w = vs->codecpar->width;
        info->coded_h = vs->codecpar->height;
        info->rotation = rotation_of(vs);
        AVRational sar = av_guess_sample_aspect_ratio(in->fmt, vs, NULL);
        if (sar.num <= 0 || sar.den <= 0)
            sar = (AVRational){ 1, 1 };
        if (info->rotation == 90 || info->rotation == 270) {
            info->width = info->coded_h;
            info->height = info->coded_w;
            info->sar_num = sar.den;
            info->sar_den = sar.num;
        } else {
            info->width = info->coded_w;
            info->height = info->coded_h;
            info->sar_num = sar.num;
            info->sar_den = sar.den;
        }
        info->dar = (double)info->width * info->sar_num / ((double)info->height * info->sar_den);
        AVRational fr = av_guess_frame_rate(in->fmt, vs, NULL);
        if (fr.num <= 0 || fr.den <= 0 || av_q2d(fr) > 240 || av_q2d(fr) < 1)
            fr = vs->avg_frame_rate.num > 0 && av_q2d(vs->avg_frame_rate) <= 240 ? vs->avg_frame_rate
                                                                                 : (AVRational){ 30, 1 };
        info->fps_num = fr.num;
        info->fps_den = fr.den;
        info->vfr = vs->avg_frame_rate.num > 0 && vs->r_frame_rate.num > 0 &&
                    fabs(av_q2d(vs->avg_frame_rate) - av_q2d(vs->r_frame_rate)) > 0.01 * av_q2d(vs->r_frame_rate);
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(vs->codecpar->format);
        info->bit_depth = d ? d->comp[0].depth : 8;
        if (vs->duration > 0)
            info->video_duration = vs->duration * av_q2d(vs->time_base);
        info->video_start = vs->start_time != AV_NOPTS_VALUE ? vs->start_time * av_q2d(vs->time_base) : NAN;
        if (info->duration <= 0)
            info->duration = info->video_duration;
        if (vs->codecpar->codec_id == AV_CODEC_ID_AV1)
            err = ls_dav1d_open(&in->dav1d, job, threads);
        else
            err = open_decoder(in, vs, &in->vdec, threads);
    }
    if (!err && a >= 0) {
        AVStream *as = in->fmt->streams[a];
        in->aidx = a;
        info->has_audio = 1;
        snprintf(info->audio_codec, sizeof(info->audio_codec), "%s", avcodec_get_name(as->codecpar->codec_id));
        info->sample_rate = as->codecpar->sample_rate;
        info->channels = as->codecpar->ch_layout.nb_channels;
        if (info->duration <= 0 && as->duration > 0)
            info->duration = as->duration * av_q2d(as->time_base);
        err = open_decoder(in, as, &in->adec, 1);
    }
    in->pkt = av_packet_alloc();
    in->vframe = av_frame_alloc();
    in->aframe = av_frame_alloc();
    if (!err && (!in->pkt || !in->vframe || !in->aframe))
        err = LSTREAM_ERR(ENOMEM);
    if (err) {
        ls_input_close(&in);
        return err;
    }
    for (unsigned i = 0; i < in->fmt->nb_streams; i++)
        if ((int)i != in->vidx && (int)i != in->aidx)
            in->fmt->streams[i]->discard = AVDISCARD_ALL;
    *pin = in;
    return 0;
}

static void fill_view(LSVideoFrame *f, const AVFrame *fr, double tb)
{
    for (int i = 0; i < 4; i++) {
        f->data[i] = fr->data[i];
        f->stride[i] = fr->linesize[i];
    }
    f->w = fr->width;
    f->h = fr->height;
    f->pix_fmt = fr->format;
    f->interlaced = fr->interlaced_frame;
    f->full_range = fr->color_range == AVCOL_RANGE_JPEG || fr->format == AV_PIX_FMT_YUVJ420P ||
                    fr->format == AV_PIX_FMT_YUVJ422P || fr->format == AV_PIX_FMT_YUVJ444P;
    f->pts = fr->best_effort_timestamp == AV_NOPTS_VALUE ? NAN : fr->best_effort_timestamp * tb;
    f->duration = fr->pkt_duration > 0 ? fr->pkt_duration * tb : 0;
}

static void note_end(LSInput *in, double pts, double dur)
{
    if (!isnan(pts) && pts + dur > in->max_end)
        in->max_end = pts + dur;
}

/* Try to take one decoded frame from the decoders. 1 = item filled, 0 = nothing ready. */
static int take_frame(LSInput *in, LSInputItem *item)
{
    if (in->vpending) {
        if (in->dav1d) {
            int r = ls_dav1d_receive(in->dav1d, &item->video);
            if (r < 0)
                return r;
            if (r == 0) {
                item->type = LS_ITEM_VIDEO;
                in->vframes++;
                note_end(in, item->video.pts, in->info->fps_den / (double)in->info->fps_num);
                return 1;
            }
            in->vpending = 0;
            if (in->eof)
                in->vdrained = 1;
        } else {
            int r = avcodec_receive_frame(in->vdec, in->vframe);
            if (r >= 0) {
                AVStream *st = in->fmt->streams[in->vidx];
                fill_view(&item->video, in->vframe, av_q2d(st->time_base));
                item->type = LS_ITEM_VIDEO;
                in->vframes++;
                note_end(in, item->video.pts, in->info->fps_den / (double)in->info->fps_num);
                return 1;
            }
            in->vpending = 0;
            if (r == AVERROR_EOF)
                in->vdrained = 1;
        }
    }
    if (in->apending) {
        int r = avcodec_receive_frame(in->adec, in->aframe);
        if (r >= 0) {
            AVStream *st = in->fmt->streams[in->aidx];
            item->type = LS_ITEM_AUDIO;
            item->audio = in->aframe;
            item->audio_pts = in->aframe->best_effort_timestamp == AV_NOPTS_VALUE
                                  ? NAN
                                  : in->aframe->best_effort_timestamp * av_q2d(st->time_base);
            in->aframes++;
            note_end(in, item->audio_pts, in->aframe->nb_samples / (double)in->aframe->sample_rate);
            return 1;
        }
        in->apending = 0;
        if (r == AVERROR_EOF)
            in->adrained = 1;
    }
    return 0;
}

static int finish_checks(LSInput *in)
{
    const LSSourceInfo *info = in->info;
    if ((info->has_video && in->vframes == 0) || (!info->has_video && in->aframes == 0))
        return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: no %s frame could be decoded", info->path,
                       info->has_video ? "video" : "audio");
    /* a file cut short keeps its header's duration: refuse to make a ladder of what is left */
    const double slack = fmax(1.0, 0.02 * info->duration);
    if (info->duration > 0 && in->max_end > 0 && in->max_end + slack < info->duration)
        return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT,
                       "input %s: truncated or damaged: the header says %.2f s but media ends at %.2f s",
                       info->path, info->duration, in->max_end);
    return LS_EOF;
}

int ls_input_read(LSInput *in, LSInputItem *item)
{
    char eb[128];
    memset(item, 0, sizeof(*item));
    for (;;) {
        if (ls_cancelled(in->job))
            return ls_fail(in->job, LSTREAM_ERR_CANCELLED, "cancelled");
        int r = take_frame(in, item);
        if (r)
            return r < 0 ? r : 0;
        if (in->eof) {
            if ((in->vidx < 0 || in->vdrained) && (in->aidx < 0 || in->adrained))
                return finish_checks(in);
            continue;
        }
        r = av_read_frame(in->fmt, in->pkt);
        if (r == AVERROR_EOF || (r < 0 && avio_feof(in->fmt->pb))) {
            in->eof = 1;
            if (in->vidx >= 0) {
                if (in->dav1d)
                    ls_dav1d_send(in->dav1d, NULL, 0, NAN);
                else
                    avcodec_send_packet(in->vdec, NULL);
                in->vpending = 1;
            }
            if (in->aidx >= 0) {
                avcodec_send_packet(in->adec, NULL);
                in->apending = 1;
            }
            continue;
        }
        if (r < 0)
            return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: read error: %s", in->info->path,
                           ls_av_err(r, eb, sizeof(eb)));
        if (in->pkt->flags & AV_PKT_FLAG_CORRUPT) {
            av_packet_unref(in->pkt);
            return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: truncated or corrupt data at byte %lld",
                           in->info->path, (long long)avio_tell(in->fmt->pb));
        }
        if (in->pkt->stream_index == in->vidx) {
            AVStream *st = in->fmt->streams[in->vidx];
            if (in->dav1d) {
                double pts = in->pkt->pts == AV_NOPTS_VALUE ? NAN : in->pkt->pts * av_q2d(st->time_base);
                r = ls_dav1d_send(in->dav1d, in->pkt->data, in->pkt->size, pts);
            } else {
                r = avcodec_send_packet(in->vdec, in->pkt);
            }
            in->vpending = 1;
        } else if (in->pkt->stream_index == in->aidx) {
            r = avcodec_send_packet(in->adec, in->pkt);
            in->apending = 1;
        } else {
            r = 0;
        }
        av_packet_unref(in->pkt);
        if (r < 0 && r != AVERROR(EAGAIN)) {
            /* a damaged packet: decoders conceal; too many and the input is not usable */
            if (++in->errors > 100)
                return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: too many decoding errors (%s)",
                               in->info->path, ls_av_err(r, eb, sizeof(eb)));
            ls_log(in->job, LSTREAM_LOG_WARNING, "input %s: decoding error: %s", in->info->path,
                   ls_av_err(r, eb, sizeof(eb)));
        }
    }
}

void ls_input_close(LSInput **pin)
{
    LSInput *in = *pin;
    if (!in)
        return;
    avcodec_free_context(&in->vdec);
    avcodec_free_context(&in->adec);
    ls_dav1d_close(&in->dav1d);
    av_packet_free(&in->pkt);
    av_frame_free(&in->vframe);
    av_frame_free(&in->aframe);
    avformat_close_input(&in->fmt);
    free(in);
    *pin = NULL;
}
