/*
 * Adapter: the file input, behind the input seam (input.h). libavformat demuxes; video goes to the first
 * decoder of the decoder table that takes it (dav1d for AV1, libavcodec otherwise), audio to libavcodec.
 * Frames leave in the library's own types: 8-bit (or 9-12-bit) limited-range I420 pictures, everything else
 * converted here once at source size through libswscale; audio as LSAudio. FFmpeg error codes are
 * translated here and go no further.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/decoder.h"
#include "libstream/input/input.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

static const LSDecoderOps *const video_decoders[] = {
#if HAVE_DAV1D
    &ls_dec_dav1d,
#endif
    &ls_dec_lavc,
};

typedef struct LSLavf {
    LStreamJob *job;
    AVFormatContext *fmt;
    int vidx, aidx;
    const LSDecoderOps *vops;
    void *vdec; /* the video decoder's private state */
    AVCodecContext *adec;
    AVPacket *pkt;
    AVFrame *aframe;
    int vpending, apending; /* decoder may have more frames to give */
    int eof;                /* demuxer reached its end; decoders being drained */
    int vdrained, adrained;
    double max_end;     /* furthest media time decoded */
    double first_video; /* time of the first decoded picture (NAN until one) */
    int64_t vframes, aframes;
    int64_t vpackets; /* video packets demuxed */
    int partial;      /* select() started part-way or dropped a track: no whole-file checks */
    LSSourceInfo *info;
    double last_frame_wall; /* wall clock when a frame was last decoded, or the caller last asked for one: the
                             * watchdog measures the input's own time, not a slow consumer's */
    double deadline;        /* the interrupt callback's: libavformat gives up past it */
    /* conversion of pictures the core does not take as they are */
    struct SwsContext *sws;
    int sws_fmt, sws_w, sws_h, sws_full;
    LSPicture conv;
} LSLavf;

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

/* How long the input may go without decoding anything before it is declared stuck (wall seconds): a damaged
 * file that makes the demuxer or a decoder spin ends with a clear error instead of a hung worker. Also the
 * bound on probing the file. Real files decode a frame in milliseconds; 30 s leaves room for a slow disk. */
#define STALL_LIMIT_S 30.0

/* libavformat polls this in its blocking loops (I/O, probing): give up on cancel or past the deadline */
static int interrupt_cb(void *opaque)
{
    const LSLavf *in = opaque;
    return ls_cancelled(in->job) || (in->deadline > 0 && ls_now() > in->deadline);
}

static int plausible_rate(AVRational r) { return r.num > 0 && r.den > 0 && av_q2d(r) >= 1 && av_q2d(r) <= 240; }

static int lavf_open(void *priv, LStreamJob *job, const char *path, LSSourceInfo *info)
{
    LSLavf *in = priv;
    memset(info, 0, sizeof(*info));
    info->video_start = NAN;
    snprintf(info->path, sizeof(info->path), "%s", path);
    int err = ls_input_check(job, path);
    if (err)
        return err;
    ls_ffmpeg_log_attach(job);
    in->job = job;
    in->info = info;
    in->vidx = in->aidx = -1;
    in->first_video = NAN;
    char eb[128];
    if (!(in->fmt = avformat_alloc_context()))
        return LSTREAM_ERR(ENOMEM);
    in->fmt->interrupt_callback = (AVIOInterruptCB){ interrupt_cb, in };
    in->deadline = ls_now() + STALL_LIMIT_S;
    int ret = avformat_open_input(&in->fmt, path, NULL, NULL);
    if (ret < 0) {
        err = ret == AVERROR(EACCES) ? LSTREAM_ERR(EACCES) : LSTREAM_ERR_INVALID_INPUT;
        ls_fail(job, err, "input %s: not a readable media file (%s)", path,
                ret == AVERROR_INVALIDDATA ? "unrecognised format or damaged header" : ls_av_err(ret, eb, sizeof(eb)));
        return err;
    }
    /* FFmpeg's own "misdetection possible": no more than a weak match of a raw format's start codes (random bytes
     * take for raw H.263 about once in 160 files of 500 KB, and decode to a frame); a real recording, damaged or
     * not, matches its container far better (MP4, Matroska, MPEG-TS: 100; raw H.264 or AAC: above 50) */
    if (in->fmt->probe_score <= AVPROBE_SCORE_RETRY) {
        ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                "input %s: not a readable media file (it looks like %s only by a weak match, %d of %d: not a "
                "recording FFmpeg can tell, or one damaged from its first bytes)",
                path, in->fmt->iformat->name, in->fmt->probe_score, AVPROBE_SCORE_MAX);
        return LSTREAM_ERR_INVALID_INPUT;
    }
    /* FFmpeg's text-art demuxers (BinText, XBin, ArtWorx, iCEDraw, ANSI/tty) take any file of their names (.bin,
     * .txt, .ans, ...) and draw its bytes as characters: a picture of a file, never a recording */
    static const char *const text_art[] = { "bin", "xbin", "adf", "idf", "tty" };
    for (size_t i = 0; i < LS_ARRAY_SIZE(text_art); i++)
        if (!strcmp(in->fmt->iformat->name, text_art[i])) {
            ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                    "input %s: not a readable media file (FFmpeg would draw its bytes as text art, format %s, from "
                    "its name: not a recording)",
                    path, in->fmt->iformat->name);
            return LSTREAM_ERR_INVALID_INPUT;
        }
    ret = avformat_find_stream_info(in->fmt, NULL);
    if (ret < 0 && ls_now() > in->deadline) {
        ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                "input %s: probing the streams made no progress in %.0f s: the file "
                "is damaged in a way the demuxer cannot get past",
                path, STALL_LIMIT_S);
        return LSTREAM_ERR_INVALID_INPUT;
    }
    if (ret < 0) {
        ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "input %s: cannot read stream information: %s", path,
                ls_av_err(ret, eb, sizeof(eb)));
        return LSTREAM_ERR_INVALID_INPUT;
    }
    snprintf(info->container, sizeof(info->container), "%s", in->fmt->iformat->name);
    if (in->fmt->duration > 0)
        info->duration = in->fmt->duration / (double)AV_TIME_BASE;

    /* best video stream that is not cover art, best audio stream */
    int v = av_find_best_stream(in->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (v >= 0 && (in->fmt->streams[v]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        v = -1;
    if (v >= 0 && (in->fmt->streams[v]->codecpar->width <= 0 || in->fmt->streams[v]->codecpar->height <= 0)) {
        /* the best video stream's picture size is unknown: another video stream that has one, else refuse (an
         * audio-only ladder of a lecture whose picture is lost would look like success) */
        const int unsized = v;
        v = -1;
        for (unsigned i = 0; i < in->fmt->nb_streams && v < 0; i++) {
            const AVStream *st = in->fmt->streams[i];
            if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC) &&
                st->codecpar->width > 0 && st->codecpar->height > 0)
                v = (int)i;
        }
        if (v < 0) {
            ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                    "input %s: its video stream %d (%s) cannot be decoded: the demuxer found no picture size (no "
                    "decoder configuration in the stream, as with MPEG-4 part 2 in MPEG-TS without its VOL header, "
                    "or damage); re-mux or re-encode the video, or give the audio alone for an audio-only ladder",
                    path, unsized, avcodec_get_name(in->fmt->streams[unsized]->codecpar->codec_id));
            return LSTREAM_ERR_INVALID_INPUT;
        }
    }
    int a = av_find_best_stream(in->fmt, AVMEDIA_TYPE_AUDIO, -1, v, NULL, 0);
    if (a >= 0 &&
        (in->fmt->streams[a]->codecpar->sample_rate <= 0 || in->fmt->streams[a]->codecpar->ch_layout.nb_channels <= 0))
        a = -1;
    if (v < 0 && a < 0) {
        ls_fail(job, LSTREAM_ERR_NO_STREAMS, "input %s: no video or audio stream found (format %s)", path,
                info->container);
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
        /* the frame rate: FFmpeg's guess, else the average, else frames over duration, each only when it lies
         * in 1..240 fps (a nonsense time scale makes the first two 1/512); a slower slideshow is shown at 1 fps,
         * and when nothing is plausible, 30 */
        AVRational fr = av_guess_frame_rate(in->fmt, vs, NULL);
        const double by_count = vs->nb_frames > 0 && info->duration > 0 ? vs->nb_frames / info->duration : 0;
        if (!plausible_rate(fr))
            fr = plausible_rate(vs->avg_frame_rate)             ? vs->avg_frame_rate
                 : by_count >= 1 && by_count <= 240             ? av_d2q(by_count, 1001000)
                 : (fr.num > 0 && fr.den > 0 && av_q2d(fr) < 1) ? (AVRational){ 1, 1 }
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
        for (size_t i = 0; i < LS_ARRAY_SIZE(video_decoders) && !in->vops; i++)
            if (video_decoders[i]->probe(vs))
                in->vops = video_decoders[i];
        if (!in->vops)
            return ls_fail(job, LSTREAM_ERR_UNSUPPORTED, "%s: no decoder for video stream %d (codec %s)", path, v,
                           avcodec_get_name(vs->codecpar->codec_id));
        if (!(in->vdec = ls_calloc(1, in->vops->priv_size)))
            return LSTREAM_ERR(ENOMEM);
        err = in->vops->open(in->vdec, job, info, vs, threads);
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
        err = ls_lavc_open_decoder(job, info, as, 1, &in->adec);
    }
    in->pkt = av_packet_alloc();
    in->aframe = av_frame_alloc();
    if (!err && (!in->pkt || !in->aframe))
        err = LSTREAM_ERR(ENOMEM);
    if (err)
        return err;
    for (unsigned i = 0; i < in->fmt->nb_streams; i++)
        if ((int)i != in->vidx && (int)i != in->aidx)
            in->fmt->streams[i]->discard = AVDISCARD_ALL;
    in->deadline = 0;
    in->last_frame_wall = ls_now();
    return 0;
}

/* A decoded picture -> the library's frame: I420 and 9-12-bit 4:2:0 (limited range) as they are, anything
 * else (other subsamplings, packed, RGB, full range) converted to 8-bit limited-range I420 by libswscale. */
static int to_frame(LSLavf *in, const LSDecodedPicture *d, LSVideoFrame *f)
{
    memset(f, 0, sizeof(*f));
    f->w = d->w;
    f->h = d->h;
    f->interlaced = d->interlaced;
    f->pts = d->pts;
    f->duration = d->duration;
    if (d->pix_fmt < 0 || d->w <= 0 || d->h <= 0)
        return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: decoder returned an unusable frame",
                       in->info->path);
    int format = -1;
    if (!d->full_range) {
        switch (d->pix_fmt) {
        case AV_PIX_FMT_YUV420P: format = LS_PIX_I420; break;
        case AV_PIX_FMT_YUV420P9: format = LS_PIX_I420P9; break;
        case AV_PIX_FMT_YUV420P10: format = LS_PIX_I420P10; break;
        case AV_PIX_FMT_YUV420P12: format = LS_PIX_I420P12; break;
        }
    }
    if (format >= 0) {
        f->format = format;
        for (int i = 0; i < 3; i++) {
            f->data[i] = d->data[i];
            f->stride[i] = d->stride[i];
        }
        return 0;
    }
    const int w = d->w, h = d->h;
    int err = ls_picture_ensure(&in->conv, w, h);
    if (err)
        return err;
    if (!in->sws || in->sws_fmt != d->pix_fmt || in->sws_w != w || in->sws_h != h || in->sws_full != d->full_range) {
        const AVPixFmtDescriptor *desc = av_pix_fmt_desc_get(d->pix_fmt);
        sws_freeContext(in->sws);
        in->sws = sws_getContext(w, h, d->pix_fmt, w, h, AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL, NULL);
        if (!in->sws)
            return ls_fail(in->job, LSTREAM_ERR_UNSUPPORTED, "input %s: pixel format %s cannot be converted",
                           in->info->path, desc ? desc->name : "unknown");
        /* the source's range, whatever its pixel format says; the encoders get limited range (x264's default) */
        int *inv, *tab, src_range, dst_range, bri, con, sat;
        if (sws_getColorspaceDetails(in->sws, &inv, &src_range, &tab, &dst_range, &bri, &con, &sat) >= 0)
            sws_setColorspaceDetails(in->sws, inv, d->full_range, tab, 0, bri, con, sat);
        in->sws_fmt = d->pix_fmt;
        in->sws_w = w;
        in->sws_h = h;
        in->sws_full = d->full_range;
    }
    int strides[4] = { (int)d->stride[0], (int)d->stride[1], (int)d->stride[2], (int)d->stride[3] };
    int dstrides[4] = { (int)in->conv.stride[0], (int)in->conv.stride[1], (int)in->conv.stride[2], 0 };
    uint8_t *dst[4] = { in->conv.data[0], in->conv.data[1], in->conv.data[2], NULL };
    sws_scale(in->sws, (const uint8_t *const *)d->data, strides, 0, h, dst, dstrides);
    f->format = LS_PIX_I420;
    for (int i = 0; i < 3; i++) {
        f->data[i] = in->conv.data[i];
        f->stride[i] = in->conv.stride[i];
    }
    return 0;
}

static int sample_format(int av)
{
    switch (av) {
    case AV_SAMPLE_FMT_U8: return LS_SAMPLE_U8;
    case AV_SAMPLE_FMT_S16: return LS_SAMPLE_S16;
    case AV_SAMPLE_FMT_S32: return LS_SAMPLE_S32;
    case AV_SAMPLE_FMT_FLT: return LS_SAMPLE_FLT;
    case AV_SAMPLE_FMT_DBL: return LS_SAMPLE_DBL;
    case AV_SAMPLE_FMT_U8P: return LS_SAMPLE_U8P;
    case AV_SAMPLE_FMT_S16P: return LS_SAMPLE_S16P;
    case AV_SAMPLE_FMT_S32P: return LS_SAMPLE_S32P;
    case AV_SAMPLE_FMT_FLTP: return LS_SAMPLE_FLTP;
    case AV_SAMPLE_FMT_DBLP: return LS_SAMPLE_DBLP;
    }
    return -1;
}

static void frame_decoded(LSLavf *in) { in->last_frame_wall = ls_now(); }

static void note_end(LSLavf *in, double pts, double dur)
{
    if (!isnan(pts) && pts + dur > in->max_end)
        in->max_end = pts + dur;
}

/* Try to take one decoded frame from the decoders. 1 = item filled, 0 = nothing ready. */
static int take_frame(LSLavf *in, LSInputItem *item)
{
    if (in->vpending) {
        LSDecodedPicture d = { 0 };
        const int r = in->vops->receive(in->vdec, &d);
        if (r < 0)
            return r;
        if (r == 0) {
            int err = to_frame(in, &d, &item->video);
            if (err)
                return err;
            item->type = LS_ITEM_VIDEO;
            in->vframes++;
            in->info->damage.concealed += d.concealed;
            if (isnan(in->first_video))
                in->first_video = d.pts;
            frame_decoded(in);
            note_end(in, item->video.pts, in->info->fps_den / (double)in->info->fps_num);
            return 1;
        }
        in->vpending = 0;
        /* draining, a decoder that wants more data (or keeps failing) has nothing more to give */
        if (r == LS_EOF || in->eof)
            in->vdrained = 1;
    }
    if (in->apending) {
        int r = avcodec_receive_frame(in->adec, in->aframe);
        if (r >= 0) {
            const AVFrame *fr = in->aframe;
            AVStream *st = in->fmt->streams[in->aidx];
            LSAudio *a = &item->audio;
            item->type = LS_ITEM_AUDIO;
            a->data = (const uint8_t *const *)fr->extended_data;
            a->nb_samples = fr->nb_samples;
            a->format = sample_format(fr->format);
            a->sample_rate = fr->sample_rate;
            a->channels = fr->ch_layout.nb_channels;
            a->channel_mask = fr->ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? fr->ch_layout.u.mask : 0;
            a->pts =
                fr->best_effort_timestamp == AV_NOPTS_VALUE ? NAN : fr->best_effort_timestamp * av_q2d(st->time_base);
            if (a->format < 0)
                return ls_fail(in->job, LSTREAM_ERR_UNSUPPORTED, "input %s: audio sample format %s is not supported",
                               in->info->path, av_get_sample_fmt_name(fr->format));
            in->aframes++;
            frame_decoded(in);
            note_end(in, a->pts, fr->nb_samples / (double)fr->sample_rate);
            return 1;
        }
        in->apending = 0;
        if (r == AVERROR_EOF || in->eof)
            in->adrained = 1;
    }
    return 0;
}

/* The damage policy, at the end of the input (doc/RULES.md, "Damaged recordings"): damage is concealed and
 * counted, and the file is refused only past clear thresholds; settings.strict refuses any damage. */
#define DAMAGE_MAX        0.05 /* at most 5 % of the packets corrupt or refused, or of the samples missing */
#define FIRST_FRAME_MAX_S 10.0 /* the first decodable picture within 10 s (or 10 %) of the video's start */

/* Samples the demuxer's own index lists (an MP4 sample table) beyond what could be read: data cut off. */
static void count_missing(LSLavf *in)
{
    if (in->vidx < 0)
        return;
    AVStream *st = in->fmt->streams[in->vidx];
    const int entries = avformat_index_get_entries_count(st);
    if (entries <= 0 || entries <= in->vpackets)
        return;
    LSSourceInfo *info = in->info;
    info->damage.missing = entries - in->vpackets;
    const AVIndexEntry *first = avformat_index_get_entry(st, (int)in->vpackets),
                       *last = avformat_index_get_entry(st, entries - 1);
    if (first && last && last->timestamp >= first->timestamp)
        info->damage.missing_s =
            (last->timestamp - first->timestamp) * av_q2d(st->time_base) + (double)info->fps_den / info->fps_num;
}

static int finish_checks(LSLavf *in)
{
    LSSourceInfo *info = in->info;
    const struct LSDamage *d = &info->damage;
    if ((in->vidx >= 0 && in->vframes == 0) || (in->vidx < 0 && in->aframes == 0))
        return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: no %s frame could be decoded", info->path,
                       in->vidx >= 0 ? "video" : "audio");
    if (in->partial)
        return LS_EOF; /* a part of the file: the whole-file checks belong to the run that reads it all */
    count_missing(in);
    if (in->job->s.strict) {
        /* a file cut short keeps its header's duration */
        const double slack = fmax(1.0, 0.02 * info->duration);
        if (d->missing || (info->duration > 0 && in->max_end > 0 && in->max_end + slack < info->duration))
            return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT,
                           "input %s: truncated or damaged: the header says %.2f s but media ends at %.2f s (strict)",
                           info->path, info->duration, in->max_end);
    }
    const double expected = (double)in->vpackets + (double)d->missing;
    if (d->missing && d->missing > DAMAGE_MAX * expected)
        return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT,
                       "input %s: truncated: its sample table lists %.0f video frames but the file ends after %lld "
                       "(%.1f s missing, %.0f%%; at most %.0f%% is accepted)",
                       info->path, expected, (long long)in->vpackets, d->missing_s, 100.0 * d->missing / expected,
                       100 * DAMAGE_MAX);
    const int64_t bad = d->corrupt + d->rejected;
    if (bad > 1 && bad > DAMAGE_MAX * d->packets)
        return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT,
                       "input %s: damaged: %lld of %lld packets are corrupt or undecodable (%.0f%%; at most %.0f%% is "
                       "concealed)",
                       info->path, (long long)bad, (long long)d->packets, 100.0 * bad / d->packets, 100 * DAMAGE_MAX);
    const double start = isnan(info->video_start) ? 0 : info->video_start;
    const double late = in->first_video - start, allowed = fmax(FIRST_FRAME_MAX_S, 0.1 * info->video_duration);
    if (info->has_video && !isnan(in->first_video) && late > allowed)
        return ls_fail(
            in->job, LSTREAM_ERR_INVALID_INPUT,
            "input %s: damaged: the first %.1f s of the video cannot be decoded (at most %.0f s are skipped)",
            info->path, late, allowed);
    if (bad || d->missing || d->concealed || d->read_error)
        ls_log(in->job, LSTREAM_LOG_WARNING,
               "input %s: damage concealed: %lld corrupt and %lld undecodable of %lld packets, %lld concealed "
               "pictures, %lld frames (%.2f s) missing at the end%s",
               info->path, (long long)d->corrupt, (long long)d->rejected, (long long)d->packets,
               (long long)d->concealed, (long long)d->missing, d->missing_s,
               d->read_error ? ", a read error ended the file early" : "");
    return LS_EOF;
}

static void start_drain(LSLavf *in)
{
    in->eof = 1;
    if (in->vidx >= 0) {
        in->vops->send(in->vdec, NULL);
        in->vpending = 1;
    }
    if (in->aidx >= 0) {
        avcodec_send_packet(in->adec, NULL);
        in->apending = 1;
    }
}

static int lavf_read(void *priv, LSInputItem *item)
{
    LSLavf *in = priv;
    char eb[128];
    struct LSDamage *d = &in->info->damage;
    memset(item, 0, sizeof(*item));
    in->last_frame_wall = ls_now(); /* time the caller spent elsewhere (a full queue, a slow output) is not ours */
    for (;;) {
        if (ls_cancelled(in->job))
            return ls_fail(in->job, LSTREAM_ERR_CANCELLED, "cancelled");
        int r = take_frame(in, item);
        if (r)
            return r < 0 ? r : 0;
        /* the watchdog: packets that never become frames (a bitstream the decoder cannot get past, an index
         * that sends the demuxer in circles) end the job instead of spinning */
        const double idle = ls_now() - in->last_frame_wall;
        if (idle > STALL_LIMIT_S)
            return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT,
                           "input %s: no frame decoded for %.0f s after %lld video and %lld audio frames (at %.1f s): "
                           "the file is damaged in a way the decoder cannot get past",
                           in->info->path, idle, (long long)in->vframes, (long long)in->aframes, in->max_end);
        if (in->eof) {
            if ((in->vidx < 0 || in->vdrained) && (in->aidx < 0 || in->adrained))
                return finish_checks(in);
            continue;
        }
        in->deadline = in->last_frame_wall + STALL_LIMIT_S; /* the demuxer's own loops stop there too */
        r = av_read_frame(in->fmt, in->pkt);
        in->deadline = 0;
        if (r == AVERROR_EOF || (r < 0 && avio_feof(in->fmt->pb))) {
            start_drain(in);
            continue;
        }
        if (r < 0 && r != AVERROR(EAGAIN)) {
            /* as FFmpeg's own tools do: an error that is not the end ends the input where it stands */
            if (in->job->s.strict || ls_cancelled(in->job))
                return ls_fail(in->job, ls_cancelled(in->job) ? LSTREAM_ERR_CANCELLED : LSTREAM_ERR_INVALID_INPUT,
                               "input %s: read error: %s", in->info->path, ls_av_err(r, eb, sizeof(eb)));
            ls_log(in->job, LSTREAM_LOG_WARNING, "input %s: read error at byte %lld (%s): reading stops there",
                   in->info->path, (long long)avio_tell(in->fmt->pb), ls_av_err(r, eb, sizeof(eb)));
            d->read_error = 1;
            start_drain(in);
            continue;
        }
        if (r < 0)
            continue;
        const int used = in->pkt->stream_index == in->vidx || in->pkt->stream_index == in->aidx;
        if (used) {
            d->packets++;
            in->vpackets += in->pkt->stream_index == in->vidx;
        }
        if (used && (in->pkt->flags & AV_PKT_FLAG_CORRUPT)) {
            if (in->job->s.strict) {
                av_packet_unref(in->pkt);
                return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT,
                               "input %s: truncated or corrupt data at byte %lld (strict)", in->info->path,
                               (long long)avio_tell(in->fmt->pb));
            }
            d->corrupt++; /* the decoder conceals what it can of it */
        }
        if (in->pkt->stream_index == in->vidx) {
            r = in->vops->send(in->vdec, in->pkt);
            in->vpending = 1;
        } else if (in->pkt->stream_index == in->aidx) {
            r = avcodec_send_packet(in->adec, in->pkt);
            if (r < 0 && r != AVERROR(EAGAIN))
                ls_log(in->job, LSTREAM_LOG_INFO, "input %s: audio decoding error: %s", in->info->path,
                       ls_av_err(r, eb, sizeof(eb)));
            in->apending = 1;
        } else {
            r = 0;
        }
        av_packet_unref(in->pkt);
        if (r < 0 && r != AVERROR(EAGAIN)) {
            if (in->job->s.strict)
                return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: undecodable packet (strict)",
                               in->info->path);
            d->rejected++;
        }
    }
}

static int lavf_select(void *priv, int tracks, double from)
{
    LSLavf *in = priv;
    if (in->vpackets || in->vframes || in->aframes || in->eof)
        return ls_fail(in->job, LSTREAM_ERR_BUG, "input %s: select() after reading", in->info->path);
    if (!(tracks & LS_ITEM_VIDEO) && in->vidx >= 0) {
        in->fmt->streams[in->vidx]->discard = AVDISCARD_ALL;
        in->vidx = -1;
        in->partial = 1;
    }
    if (!(tracks & LS_ITEM_AUDIO) && in->aidx >= 0) {
        in->fmt->streams[in->aidx]->discard = AVDISCARD_ALL;
        in->aidx = -1;
        in->partial = 1;
    }
    if (isnan(from) || in->vidx < 0)
        return 0;
    /* the key frame at or before @p from: decoding starts there (seek in the video stream's own units) */
    AVStream *st = in->fmt->streams[in->vidx];
    const int64_t ts = (int64_t)floor(from / av_q2d(st->time_base));
    in->deadline = ls_now() + STALL_LIMIT_S;
    int r = avformat_seek_file(in->fmt, in->vidx, INT64_MIN, ts, ts, 0);
    in->deadline = 0;
    if (r < 0) {
        char eb[128];
        return ls_fail(in->job, LSTREAM_ERR_INVALID_INPUT, "input %s: cannot seek to %.3f s: %s", in->info->path, from,
                       ls_av_err(r, eb, sizeof(eb)));
    }
    in->partial = 1;
    return 0;
}

static void lavf_close(void *priv)
{
    LSLavf *in = priv;
    avcodec_free_context(&in->adec);
    if (in->vdec)
        in->vops->close(in->vdec);
    free(in->vdec);
    av_packet_free(&in->pkt);
    av_frame_free(&in->aframe);
    avformat_close_input(&in->fmt);
    sws_freeContext(in->sws);
    ls_picture_free(&in->conv);
}

const LSInputOps ls_input_lavf = {
    .name = "libavformat",
    .priv_size = sizeof(LSLavf),
    .open = lavf_open,
    .read = lavf_read,
    .select = lavf_select,
    .close = lavf_close,
};
