/*
 * GStreamer, for capture only: a live source (a camera, the projector's screen, a microphone, a stream pushed
 * from OBS, or the test sources) as raw pictures and samples through appsink, handed to the core like any other
 * input. Everything after capture is libstream's own: normaliser, scaler, encoders, CMAF, manifests.
 *
 * The pipeline is the source branch given, then conversion to what the core takes (I420 8-bit; interleaved
 * 32-bit float), then an appsink with a bounded queue that drops the oldest when the pipeline falls more than
 * about two seconds behind (1.22's appsink has max-buffers and drop, not max-time). Timestamps are the
 * pipeline's running time (the pipeline clock), shared by video and audio.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/input.h"

#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SILENCE_END_S 5.0 /* a source that sends nothing this long has ended (a camera unplugged) */

typedef struct Gst {
    LStreamJob *job;
    double duration;
    GstElement *pipe;
    GstAppSink *vsink, *asink;
    GstSample *pending_v, *pending_a; /* pulled, not yet handed on */
    GstSample *cur;                   /* handed on: its buffer is mapped until the next read */
    GstBuffer *cur_buf;
    GstMapInfo map;
    GstVideoInfo vinfo;
    GstAudioInfo ainfo;
    int veos, aeos;
    int has_audio;
    double last_v;    /* running time of the last picture handed on */
    double last_data; /* ls_now() of the last sample pulled */
    double first;     /* running time of the first picture (the duration counts from it) */
    int ended;        /* EOS sent to the pipeline */
    const uint8_t *aplanes[1];
    int64_t late_gaps; /* picture gaps of more than two frames (frames the appsink dropped, or the source lost) */
    int stamp;         /* the test source: the capture's wall-clock time is stamped into each picture */
    uint8_t *luma;     /* the stamped picture's luma (the capture's buffer is read-only) */
    size_t luma_size;
} Gst;

static double sample_time(GstSample *s)
{
    GstBuffer *b = gst_sample_get_buffer(s);
    const GstSegment *seg = gst_sample_get_segment(s);
    if (!b || !GST_BUFFER_PTS_IS_VALID(b))
        return NAN;
    guint64 t = GST_BUFFER_PTS(b);
    if (seg && seg->format == GST_FORMAT_TIME) {
        const guint64 rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, t);
        if (rt != GST_CLOCK_TIME_NONE)
            t = rt;
    }
    return t / 1e9;
}

/* The test sources: a moving pattern with the running time and the wall clock burned in (latency can be read
 * off the picture), and a tone. */
static int describe(LStreamJob *job, const char *video, const char *audio, char *out, size_t size)
{
    char v[2048], a[1024] = "";
    int w = 1280, h = 720, fps = 30;
    if (!strcmp(video, "test") || !strncmp(video, "test:", 5)) {
        if (video[4] == ':' && (sscanf(video + 5, "%dx%d@%d", &w, &h, &fps) < 2 || w < 16 || h < 16 || w > 7680 ||
                                h > 4320 || fps < 1 || fps > 120))
            return ls_fail(job, LSTREAM_ERR(EINVAL), "live source '%s': test, or test:WxH@FPS (e.g. test:1920x1080@30)",
                           video);
        /* I420 from the source on (the overlays blend into it); small text: pango renders the time anew every
         * frame, and at 45 pt that alone cost 20 ms a 1080p frame, more than the capture of a real camera */
        const int pt = h / 54 > 8 ? h / 54 : 8;
        snprintf(v, sizeof(v),
                 "videotestsrc is-live=true pattern=smpte horizontal-speed=2 ! "
                 "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
                 "timeoverlay halignment=left valignment=bottom font-desc=\"Sans %d\" ! "
                 "clockoverlay halignment=right valignment=bottom time-format=\"%%H:%%M:%%S\" font-desc=\"Sans %d\"",
                 w & ~1, h & ~1, fps, pt, pt);
    } else {
        snprintf(v, sizeof(v), "%s", video);
    }
    if (audio && !strcmp(audio, "test"))
        snprintf(a, sizeof(a), "audiotestsrc is-live=true wave=sine freq=440 volume=0.2");
    else if (audio && audio[0])
        snprintf(a, sizeof(a), "%s", audio);
    const int n = snprintf(out, size,
                           "%s ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 leaky=downstream ! "
                           "videoconvert ! video/x-raw,format=I420 ! appsink name=lsv max-buffers=60 drop=true "
                           "sync=false enable-last-sample=false",
                           v);
    if (a[0] && n > 0 && (size_t)n < size)
        snprintf(out + n, size - n,
                 " %s ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 leaky=downstream ! "
                 "audioconvert ! audioresample ! audio/x-raw,format=F32LE,layout=interleaved ! "
                 "appsink name=lsa max-buffers=400 drop=true sync=false enable-last-sample=false",
                 a);
    return 0;
}

/* An error or warning the pipeline posted, as text (NULL: none pending) */
static char *bus_error(Gst *g, int *is_error)
{
    GstBus *bus = gst_element_get_bus(g->pipe);
    GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    gst_object_unref(bus);
    if (!m)
        return NULL;
    char *text = NULL;
    *is_error = GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR;
    if (*is_error) {
        GError *e = NULL;
        gchar *dbg = NULL;
        gst_message_parse_error(m, &e, &dbg);
        const size_t n = 64 + (e ? strlen(e->message) : 0) + strlen(GST_OBJECT_NAME(GST_MESSAGE_SRC(m)));
        text = malloc(n);
        if (text)
            snprintf(text, n, "%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(m)), e ? e->message : "error");
        g_clear_error(&e);
        g_free(dbg);
    } else {
        text = strdup("end of stream");
    }
    gst_message_unref(m);
    return text;
}

/* The test source's pictures carry the wall-clock time they were captured at, machine-readable, so a player's
 * latency can be measured glass to glass (tests/players/live.mjs reads it back from the picture it shows): a band
 * along the top, a twelfth of the height, of 34 blocks across the width, grey (no colour): white, black (the
 * references), then the 32 low bits of the Unix time in milliseconds, most significant first, white for 1. Blocks
 * that wide survive scaling to 240p and the cellular rung's compression. */
static void stamp_picture(Gst *g, LSVideoFrame *f, double t_running)
{
    const int cw = f->w / 2, ch = f->h / 2;
    const size_t ysz = (size_t)f->w * f->h, csz = (size_t)cw * ch;
    if (g->luma_size < ysz + 2 * csz) {
        uint8_t *n = realloc(g->luma, ysz + 2 * csz);
        if (!n)
            return; /* no stamp on this picture: the measurement skips it */
        g->luma = n;
        g->luma_size = ysz + 2 * csz;
    }
    uint8_t *pl[3] = { g->luma, g->luma + ysz, g->luma + ysz + csz };
    for (int p = 0; p < 3; p++) {
        const int w = p ? cw : f->w, h = p ? ch : f->h;
        for (int y = 0; y < h; y++)
            memcpy(pl[p] + (size_t)y * w, f->data[p] + y * f->stride[p], w);
    }
    /* capture time: the pipeline clock (monotonic) at base time + running time, on the wall clock */
    GstClock *clock = gst_element_get_clock(g->pipe);
    double wall = 0;
    if (clock) {
        const double now_clock = gst_clock_get_time(clock) / 1e9;
        const double capture = gst_element_get_base_time(g->pipe) / 1e9 + t_running;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        wall = ts.tv_sec + ts.tv_nsec * 1e-9 - (now_clock - capture);
        gst_object_unref(clock);
    }
    const uint32_t ms = (uint32_t)(uint64_t)llround(wall * 1000);
    const int bh = (f->h / 12) & ~1;
    if (f->w < 68 || bh < 2)
        return;
    for (int b = 0; b < 34; b++) { /* block b spans [b w / 34, (b + 1) w / 34): a reader scales it exactly */
        const int on = b == 0 ? 1 : b == 1 ? 0 : (ms >> (31 - (b - 2))) & 1;
        const int x0 = b * f->w / 34, x1 = (b + 1) * f->w / 34;
        for (int y = 0; y < bh; y++)
            memset(pl[0] + (size_t)y * f->w + x0, on ? 235 : 16, x1 - x0);
    }
    for (int y = 0; y < bh / 2; y++) { /* grey: the colour of the bars under it would tint it */
        memset(pl[1] + (size_t)y * cw, 128, cw);
        memset(pl[2] + (size_t)y * cw, 128, cw);
    }
    for (int p = 0; p < 3; p++) {
        f->data[p] = pl[p];
        f->stride[p] = p ? cw : f->w;
    }
}

static GstSample *pull(GstAppSink *s, double timeout_s)
{
    return gst_app_sink_try_pull_sample(s, (GstClockTime)(timeout_s * GST_SECOND));
}

static int gst_open(void *priv, LStreamJob *job, const char *url, LSSourceInfo *info)
{
    Gst *g = priv;
    g->job = job;
    const LSLiveSource *src = job->live_src;
    if (!src)
        return ls_fail(job, LSTREAM_ERR_BUG, "GStreamer input without a live source");
    g->duration = src->duration;
    g->stamp = !strcmp(src->video, "test") || !strncmp(src->video, "test:", 5);
    GError *e = NULL;
    if (!gst_init_check(NULL, NULL, &e)) {
        int err = ls_fail(job, LSTREAM_ERR_UNSUPPORTED, "GStreamer cannot start: %s", e ? e->message : "?");
        g_clear_error(&e);
        return err;
    }
    char desc[4096];
    int err = describe(job, src->video, src->audio, desc, sizeof(desc));
    if (err)
        return err;
    ls_log(job, LSTREAM_LOG_DEBUG, "live: GStreamer pipeline: %s", desc);
    g->pipe = gst_parse_launch(desc, &e);
    if (!g->pipe || e) {
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "live source '%s'%s%s: GStreamer cannot build it: %s", src->video,
                      src->audio && src->audio[0] ? " with audio " : "", src->audio ? src->audio : "",
                      e ? e->message : "?");
        g_clear_error(&e);
        return err;
    }
    GstElement *v = gst_bin_get_by_name(GST_BIN(g->pipe), "lsv"), *a = gst_bin_get_by_name(GST_BIN(g->pipe), "lsa");
    g->vsink = v ? GST_APP_SINK(v) : NULL;
    g->asink = a ? GST_APP_SINK(a) : NULL;
    if (!g->vsink)
        return ls_fail(job, LSTREAM_ERR_BUG, "live: no video sink in the pipeline");
    if (gst_element_set_state(g->pipe, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        int is_error = 0;
        char *why = bus_error(g, &is_error);
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "live source '%s' cannot start: %s", src->video,
                      why ? why : "the pipeline refused to play");
        free(why);
        return err;
    }
    /* the first picture (its caps say what the source is), then the first sound: a source that has neither
     * within 10 s is not working */
    const double t_start = ls_now();
    while (!g->pending_v && ls_now() - t_start < 10) {
        g->pending_v = pull(g->vsink, 0.2);
        int is_error = 0;
        char *why = !g->pending_v ? bus_error(g, &is_error) : NULL;
        if (why) {
            err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "live source '%s': %s before the first picture", src->video,
                          why);
            free(why);
            return err;
        }
    }
    if (!g->pending_v)
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "live source '%s': no picture within 10 s", src->video);
    if (!gst_video_info_from_caps(&g->vinfo, gst_sample_get_caps(g->pending_v)) ||
        GST_VIDEO_INFO_FORMAT(&g->vinfo) != GST_VIDEO_FORMAT_I420)
        return ls_fail(job, LSTREAM_ERR_UNSUPPORTED, "live source '%s': its pictures cannot be read", src->video);
    if (g->asink) {
        g->pending_a = pull(g->asink, 5.0);
        if (!g->pending_a || !gst_audio_info_from_caps(&g->ainfo, gst_sample_get_caps(g->pending_a)) ||
            GST_AUDIO_INFO_FORMAT(&g->ainfo) != GST_AUDIO_FORMAT_F32LE) {
            ls_log(job, LSTREAM_LOG_WARNING, "live audio source '%s': no usable sound within 5 s: video only",
                   src->audio);
            if (g->pending_a)
                gst_sample_unref(g->pending_a);
            g->pending_a = NULL;
            g->asink = NULL;
            gst_object_unref(a);
            a = NULL;
        } else {
            g->has_audio = 1;
        }
    }
    if (v)
        gst_object_unref(v); /* the pipeline keeps its own references */
    if (a)
        gst_object_unref(a);
    const GstVideoInfo *vi = &g->vinfo;
    const int vfr = GST_VIDEO_INFO_FPS_N(vi) <= 0 || GST_VIDEO_INFO_FPS_D(vi) <= 0; /* a screen grab: 30, CFR after */
    ls_source_info_live(info, url, "gstreamer", GST_VIDEO_INFO_WIDTH(vi) & ~1, GST_VIDEO_INFO_HEIGHT(vi) & ~1,
                        GST_VIDEO_INFO_PAR_N(vi), GST_VIDEO_INFO_PAR_D(vi), vfr ? 30 : GST_VIDEO_INFO_FPS_N(vi),
                        vfr ? 1 : GST_VIDEO_INFO_FPS_D(vi), g->has_audio ? GST_AUDIO_INFO_RATE(&g->ainfo) : 0,
                        g->has_audio ? GST_AUDIO_INFO_CHANNELS(&g->ainfo) : 0);
    info->vfr = vfr;
    g->first = sample_time(g->pending_v);
    g->last_v = NAN;
    g->last_data = ls_now();
    ls_log(job, LSTREAM_LOG_INFO, "live: capturing %dx%d at %d/%d%s", info->width, info->height, info->fps_num,
           info->fps_den, g->has_audio ? " with audio" : ", no audio");
    return 0;
}

static void release_cur(Gst *g)
{
    if (g->cur_buf) {
        gst_buffer_unmap(g->cur_buf, &g->map);
        g->cur_buf = NULL;
    }
    if (g->cur) {
        gst_sample_unref(g->cur);
        g->cur = NULL;
    }
}

/* End the capture: EOS into the pipeline, so what its queues hold still comes out */
static void end_capture(Gst *g, const char *why)
{
    if (g->ended)
        return;
    g->ended = 1;
    ls_log(g->job, LSTREAM_LOG_INFO, "live: the lecture ends (%s)", why);
    gst_element_send_event(g->pipe, gst_event_new_eos());
}

static int hand_on(Gst *g, GstSample *s, int video, LSInputItem *item)
{
    g->cur = s;
    g->cur_buf = gst_sample_get_buffer(s);
    if (!g->cur_buf || !gst_buffer_map(g->cur_buf, &g->map, GST_MAP_READ)) {
        g->cur_buf = NULL;
        return 1; /* nothing to read in it: skip */
    }
    memset(item, 0, sizeof(*item));
    const double t = sample_time(s);
    if (video) {
        const GstVideoInfo *vi = &g->vinfo;
        if (g->map.size < GST_VIDEO_INFO_SIZE(vi))
            return 1;
        item->type = LS_ITEM_VIDEO;
        LSVideoFrame *f = &item->video;
        for (int p = 0; p < 3; p++) {
            f->data[p] = g->map.data + GST_VIDEO_INFO_PLANE_OFFSET(vi, p);
            f->stride[p] = GST_VIDEO_INFO_PLANE_STRIDE(vi, p);
        }
        f->w = GST_VIDEO_INFO_WIDTH(vi) & ~1;
        f->h = GST_VIDEO_INFO_HEIGHT(vi) & ~1;
        f->format = LS_PIX_I420;
        f->pts = t;
        const double fd =
            GST_VIDEO_INFO_FPS_N(vi) > 0 ? (double)GST_VIDEO_INFO_FPS_D(vi) / GST_VIDEO_INFO_FPS_N(vi) : 0;
        if (fd > 0 && !isnan(g->last_v) && t - g->last_v > 2.5 * fd)
            g->late_gaps++;
        f->duration = fd;
        g->last_v = t;
        if (g->stamp)
            stamp_picture(g, f, t);
    } else {
        const int bpf = GST_AUDIO_INFO_BPF(&g->ainfo);
        if (bpf <= 0)
            return 1;
        item->type = LS_ITEM_AUDIO;
        LSAudio *a = &item->audio;
        g->aplanes[0] = g->map.data;
        a->data = g->aplanes;
        a->nb_samples = (int)(g->map.size / bpf);
        a->format = LS_SAMPLE_FLT;
        a->sample_rate = GST_AUDIO_INFO_RATE(&g->ainfo);
        a->channels = GST_AUDIO_INFO_CHANNELS(&g->ainfo);
        a->pts = t;
    }
    return 0;
}

static int gst_read(void *priv, LSInputItem *item)
{
    Gst *g = priv;
    release_cur(g);
    for (;;) {
        /* the end: the job was told to stop, the duration is reached, or the source went silent */
        if (!g->ended) {
            if (__atomic_load_n(&g->job->stop, __ATOMIC_RELAXED))
                end_capture(g, "stopped");
            else if (ls_cancelled(g->job))
                return ls_fail(g->job, LSTREAM_ERR_CANCELLED, "cancelled");
            else if (ls_now() - g->last_data > SILENCE_END_S)
                end_capture(g, "the source sent nothing for 5 s");
        } else if (ls_now() - g->last_data > 2 * SILENCE_END_S) {
            g->veos = g->aeos = 1; /* a source that does not drain on EOS: end anyway */
        }
        if (!g->pending_v && !g->veos) {
            g->pending_v = pull(g->vsink, g->has_audio ? 0.01 : 0.1);
            if (!g->pending_v && gst_app_sink_is_eos(g->vsink))
                g->veos = 1;
        }
        if (g->has_audio && !g->pending_a && !g->aeos) {
            g->pending_a = pull(g->asink, g->pending_v ? 0 : 0.01);
            if (!g->pending_a && gst_app_sink_is_eos(g->asink))
                g->aeos = 1;
        }
        if (g->pending_v || g->pending_a)
            g->last_data = ls_now();
        const int a_done = !g->has_audio || g->aeos;
        GstSample *s = NULL;
        int video = 0;
        /* in time order; a picture waits for the sound before it, but sound never waits long for a picture */
        if (g->pending_v && g->pending_a) {
            video = sample_time(g->pending_v) <= sample_time(g->pending_a);
        } else if (g->pending_v && a_done) {
            video = 1;
        } else if (g->pending_a && (g->veos || isnan(g->last_v) || sample_time(g->pending_a) < g->last_v + 0.5)) {
            video = 0;
        } else if (g->veos && a_done) {
            return LS_EOF;
        } else {
            int is_error = 0;
            char *why = bus_error(g, &is_error);
            if (why) { /* an error mid-lecture (a camera unplugged): the lecture ends there, cleanly */
                if (is_error)
                    ls_log(g->job, LSTREAM_LOG_WARNING, "live source: %s", why);
                free(why);
                end_capture(g, is_error ? "the source failed" : "end of stream");
                if (is_error)
                    g->veos = g->aeos = 1;
            }
            continue;
        }
        s = video ? g->pending_v : g->pending_a;
        if (video)
            g->pending_v = NULL;
        else
            g->pending_a = NULL;
        if (video && g->duration > 0 && sample_time(s) - g->first >= g->duration - 1e-6) {
            gst_sample_unref(s); /* past the duration asked for: the lecture ends before this picture */
            end_capture(g, "duration reached");
            g->veos = 1;
            continue;
        }
        if (!hand_on(g, s, video, item))
            return 0;
        release_cur(g);
    }
}

static void gst_close(void *priv)
{
    Gst *g = priv;
    release_cur(g);
    free(g->luma);
    if (g->pending_v)
        gst_sample_unref(g->pending_v);
    if (g->pending_a)
        gst_sample_unref(g->pending_a);
    if (g->late_gaps && g->job)
        ls_log(g->job, LSTREAM_LOG_WARNING,
               "live: %lld gaps in the pictures (frames the source lost, or dropped "
               "because the pipeline fell behind): filled by repeating the picture before",
               (long long)g->late_gaps);
    if (g->pipe) {
        gst_element_set_state(g->pipe, GST_STATE_NULL);
        gst_object_unref(g->pipe);
    }
}

const LSInputOps ls_input_gst = {
    .name = "gstreamer",
    .priv_size = sizeof(Gst),
    .open = gst_open,
    .read = gst_read,
    .close = gst_close,
};
