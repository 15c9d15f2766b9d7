/*
 * Adapter: VP9 encoding through libvpx's own API (vpx_encoder.h, vp8cx.h), behind the encoder seam (encoder.h).
 *
 * One pass, constrained quality (the rung's CRF mapped to VP9's cq-level, the rung's cap as the target), keyframes
 * only where the driver forces them (the shared segment grid), row-based multithreading, screen-content tuning
 * (lectures are slides; measured in BENCHMARKS.md). VP9 has no reordering in the container: libvpx packs its
 * hidden alt-reference frames with the next shown frame into one superframe, so every packet is one frame with
 * dts == pts. The sample entry is vp09 with a vpcC (VP Codec ISO Media File Format Binding, v1.0, 2.2) whose
 * level follows from the rung's picture size, frame rate and cap, and whose profile, bit depth and range are
 * checked against the first keyframe's uncompressed header (ls_vp9_keyframe(), VP9 bitstream spec 6.2).
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/encode/encoder.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

typedef struct LSVpx {
    LStreamJob *job;
    vpx_codec_ctx_t ctx;
    int open;
    vpx_image_t img;
    int checked; /* the first keyframe's header agreed with vpcC */
    uint8_t vpcc[12];
    char name[16];
    unsigned long deadline; /* VPX_DL_GOOD_QUALITY; VPX_DL_REALTIME after the second speed step (live) */
} LSVpx;

/* VP9 levels (webmproject.org/vp9/levels): max luma sample rate, max luma picture size, max bit rate (kbit/s) */
static const struct {
    int level;
    double sample_rate;
    double picture_size;
    double kbps;
} levels[] = {
    { 10, 829440, 36864, 200 },           { 11, 2764800, 73728, 800 },          { 20, 4608000, 122880, 1800 },
    { 21, 9216000, 245760, 3600 },        { 30, 20736000, 552960, 7200 },       { 31, 36864000, 983040, 12000 },
    { 40, 83558400, 2228224, 18000 },     { 41, 160432128, 2228224, 30000 },    { 50, 311951360, 8912896, 60000 },
    { 51, 588251136, 8912896, 120000 },   { 52, 1176502272, 8912896, 180000 },  { 60, 1176502272, 35651584, 180000 },
    { 61, 2353004544, 35651584, 240000 }, { 62, 4706009088, 35651584, 480000 },
};

static int vp9_level(int w, int h, double fps, int max_kbps)
{
    const double size = (double)w * h;
    for (size_t i = 0; i < LS_ARRAY_SIZE(levels); i++)
        if (size <= levels[i].picture_size && size * fps <= levels[i].sample_rate &&
            (max_kbps <= 0 || max_kbps <= levels[i].kbps))
            return levels[i].level;
    return 62;
}

/* x264's CRF scale (0..51) onto libvpx's quantizer scale (0..63), so that a rung's VP9 twin lands near its SSIM:
 * on the generated 60 s lecture, cq 46 at 360p gave SSIM-Y 0.987 (x264 CRF 25: 0.987) */
static unsigned cq_level(float crf)
{
    const long q = lrintf(crf * 1.2f + 16.0f);
    return (unsigned)(q < 0 ? 0 : q > 63 ? 63 : q);
}

static int vpx_fail(LSVpx *e, const char *what)
{
    const char *detail = vpx_codec_error_detail(&e->ctx);
    return ls_fail(e->job, LSTREAM_ERR_ENCODER, "libvpx: %s for rung %s: %s%s%s", what, e->name,
                   vpx_codec_error(&e->ctx), detail ? ": " : "", detail ? detail : "");
}

static int vpx_open(void *priv, LStreamJob *job, const LSEncoderParams *ep, LSCodecConfig *cfg)
{
    LSVpx *e = priv;
    const LSRungPlan *r = ep->rung;
    e->job = job;
    snprintf(e->name, sizeof(e->name), "%s", r->name);
    vpx_codec_iface_t *iface = vpx_codec_vp9_cx();
    vpx_codec_enc_cfg_t c;
    if (vpx_codec_enc_config_default(iface, &c, 0))
        return ls_fail(job, LSTREAM_ERR_ENCODER, "libvpx has no default VP9 configuration");
    c.g_w = (unsigned)r->width;
    c.g_h = (unsigned)r->height;
    c.g_timebase.num = ep->fps_den;
    c.g_timebase.den = ep->fps_num;
    c.g_threads = (unsigned)(ep->threads > 0 ? ep->threads : 1);
    c.g_profile = 0; /* 8-bit 4:2:0 */
    c.g_bit_depth = VPX_BITS_8;
    c.g_input_bit_depth = 8;
    c.g_pass = VPX_RC_ONE_PASS;
    c.g_lag_in_frames = 0; /* one-pass: libvpx made the same bytes with 16 frames of look-ahead (measured) */
    c.g_error_resilient = 0;
    /* keyframes only where the driver forces them (the segment grid, closed GOPs) */
    c.kf_mode = VPX_KF_DISABLED;
    c.kf_min_dist = 0;
    c.kf_max_dist = 1u << 30;
    if (r->rung.crf > 0) {
        /* constant quality. libvpx's constrained-quality mode (VPX_CQ, the cap as its target) spends what the cap
         * allows on keyframes whatever the cq-level on lecture content (0.996 SSIM at 360p for 2x the bytes of
         * H.264 at 0.987, any cq-level); its Q mode follows the cq-level, and has no rate control: the cap is not
         * enforced by the encoder. BANDWIDTH is measured from the segments as always, M7 rests on the H.264
         * cellular rung, and a twin dearer than its H.264 rung leaves the ladder (transcode.c). */
        c.rc_end_usage = VPX_Q;
    } else {
        /* average bit rate, with the rung's VBV in libvpx's terms: a buffer of so many milliseconds of the rate */
        c.rc_end_usage = VPX_VBR;
        c.rc_target_bitrate = (unsigned)r->rung.target_kbps;
        if (r->rung.max_kbps > 0) {
            const int buf = r->rung.buffer_kbits > 0 ? r->rung.buffer_kbits : r->rung.max_kbps;
            const unsigned ms = (unsigned)((int64_t)buf * 1000 / r->rung.target_kbps);
            c.rc_buf_sz = ms < 1 ? 1 : ms;
            c.rc_buf_initial_sz = c.rc_buf_optimal_sz = c.rc_buf_sz * 5 / 6;
            if (r->rung.max_kbps > r->rung.target_kbps) { /* the cap as the most a stretch may overshoot */
                const int64_t pct = 100LL * (r->rung.max_kbps - r->rung.target_kbps) / r->rung.target_kbps;
                c.rc_overshoot_pct = (unsigned)(pct < 100 ? pct : 100); /* libvpx's own limit */
            }
        }
    }
    c.rc_min_quantizer = 0;
    c.rc_max_quantizer = 63;
    if (vpx_codec_enc_init(&e->ctx, iface, &c, 0))
        return vpx_fail(e, "cannot open a VP9 encoder");
    e->open = 1;
    const double fps = (double)ep->fps_num / ep->fps_den;
    /* speed 4 of libvpx's good-quality mode: on the generated lecture at 360p/240p, speed 2 makes about 1 % fewer
     * bytes at 0.0006 better SSIM for 12 % more time, 5 makes 15 % more bytes at the same time (good mode spends the same
     * time from 3 to 5); realtime mode is x264's speed but at 360p made 15 % more bytes than
     * x264 at a slightly lower SSIM (27.5 vs 23.9 kbit/s, 0.986 vs 0.987). Screen-content
     * tuning is asked for (lectures are slides) though libvpx 1.12's good mode made the same bytes without it on the
     * generated lecture: its screen tools act in realtime mode */
    int tiles = 0;
    while (tiles < 6 && (r->width >> (tiles + 1)) >= 256)
        tiles++;
    if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, 4) ||
        vpx_codec_control(&e->ctx, VP8E_SET_CQ_LEVEL, r->rung.crf > 0 ? cq_level(r->rung.crf) : 32u) ||
        vpx_codec_control(&e->ctx, VP9E_SET_ROW_MT, 1u) || vpx_codec_control(&e->ctx, VP9E_SET_TILE_COLUMNS, tiles) ||
        vpx_codec_control(&e->ctx, VP9E_SET_FRAME_PARALLEL_DECODING, 0u) ||
        vpx_codec_control(&e->ctx, VP9E_SET_TUNE_CONTENT, (int)VP9E_CONTENT_SCREEN) ||
        vpx_codec_control(&e->ctx, VP9E_SET_COLOR_RANGE, 0) ||
        vpx_codec_control(&e->ctx, VP9E_SET_COLOR_SPACE, (int)VPX_CS_UNKNOWN))
        return vpx_fail(e, "refuses a control");
    /* vpcC (VP Codec ISO Media File Format Binding 2.2): a full box, version 1 */
    uint8_t *v = e->vpcc;
    v[0] = 1;
    v[1] = v[2] = v[3] = 0;
    v[4] = 0;                                                              /* profile */
    v[5] = (uint8_t)vp9_level(r->width, r->height, fps, r->rung.max_kbps); /* level */
    v[6] = (uint8_t)(8 << 4 | 0 << 1 | 0); /* bitDepth 8, chromaSubsampling 0 (4:2:0 left, as MPEG), limited range */
    v[7] = 2;                              /* colour primaries, transfer, matrix: unspecified (as the source's */
    v[8] = 2;                              /* colorimetry passes through untouched) */
    v[9] = 2;
    v[10] = v[11] = 0; /* no codec initialization data */
    memset(cfg, 0, sizeof(*cfg));
    cfg->kind = LS_TRACK_VIDEO;
    memcpy(cfg->sample_entry, "vp09", 5);
    memcpy(cfg->config_box, "vpcC", 5);
    if (!(cfg->config = ls_malloc(sizeof(e->vpcc))))
        return LSTREAM_ERR(ENOMEM);
    memcpy(cfg->config, e->vpcc, sizeof(e->vpcc));
    cfg->config_size = (int)sizeof(e->vpcc);
    if (ls_codec_string_vpcc(cfg->config, cfg->config_size, cfg->codec, sizeof(cfg->codec)) < 0)
        return ls_fail(job, LSTREAM_ERR_BUG, "rung %s: unusable vpcC", r->name);
    cfg->timescale = ls_video_timescale(ep->fps_num, ep->fps_den);
    cfg->width = r->width;
    cfg->height = r->height;
    cfg->bitrate = (r->rung.max_kbps ? r->rung.max_kbps : r->rung.target_kbps) * 1000;
    cfg->compressor = "libstream libvpx-vp9";
    return 0;
}

static int deliver(LSVpx *e, LSPacketSink sink, void *opaque, int *count)
{
    vpx_codec_iter_t it = NULL;
    const vpx_codec_cx_pkt_t *pk;
    while ((pk = vpx_codec_get_cx_data(&e->ctx, &it))) {
        if (pk->kind != VPX_CODEC_CX_FRAME_PKT)
            continue;
        const int key = !!(pk->data.frame.flags & VPX_FRAME_IS_KEY);
        if (!e->checked) {
            /* the first keyframe's header against what vpcC says: profile, 8 bits, range */
            LSVp9Key k;
            if (!key || ls_vp9_keyframe(pk->data.frame.buf, pk->data.frame.sz, &k) < 0 || k.profile != e->vpcc[4] ||
                k.bit_depth != 8 || k.full_range != (e->vpcc[6] & 1))
                return ls_fail(e->job, LSTREAM_ERR_BUG,
                               "rung %s: libvpx's first frame is not a keyframe of the profile, depth and range its "
                               "vpcC declares",
                               e->name);
            e->checked = 1;
        }
        if (pk->data.frame.flags & VPX_FRAME_IS_INVISIBLE)
            return ls_fail(e->job, LSTREAM_ERR_BUG, "rung %s: libvpx gave a hidden frame outside a superframe",
                           e->name);
        LSPacket pkt = {
            .data = pk->data.frame.buf,
            .size = (int)pk->data.frame.sz,
            .pts = pk->data.frame.pts,
            .dts = pk->data.frame.pts,
            .duration = 1,
            .key = key,
        };
        int err = sink(opaque, &pkt);
        if (err)
            return err;
        if (count)
            (*count)++;
    }
    return 0;
}

static int vpx_encode(void *priv, const LSPicture *pic, int64_t index, int force_idr, LSPacketSink sink, void *opaque)
{
    LSVpx *e = priv;
    if (!pic)
        return 0;
    vpx_image_t *img = &e->img;
    memset(img, 0, sizeof(*img));
    img->fmt = VPX_IMG_FMT_I420;
    img->cs = VPX_CS_UNKNOWN;
    img->range = VPX_CR_STUDIO_RANGE;
    img->w = img->d_w = (unsigned)pic->w;
    img->h = img->d_h = (unsigned)pic->h;
    img->x_chroma_shift = img->y_chroma_shift = 1;
    img->bit_depth = 8;
    img->bps = 12;
    for (int i = 0; i < 3; i++) {
        img->planes[i] = pic->data[i];
        img->stride[i] = (int)pic->stride[i];
    }
    if (vpx_codec_encode(&e->ctx, img, index, 1, force_idr ? VPX_EFLAG_FORCE_KF : 0,
                         e->deadline ? e->deadline : VPX_DL_GOOD_QUALITY))
        return vpx_fail(e, "cannot encode a frame");
    return deliver(e, sink, opaque, NULL);
}

static int vpx_drain(void *priv, int64_t min_packets, LSPacketSink sink, void *opaque)
{
    LSVpx *e = priv;
    (void)min_packets;
    for (;;) { /* flush calls give packets until the look-ahead is empty */
        if (vpx_codec_encode(&e->ctx, NULL, 0, 1, 0, VPX_DL_GOOD_QUALITY))
            return vpx_fail(e, "cannot drain");
        int n = 0, err = deliver(e, sink, opaque, &n);
        if (err || !n)
            return err;
    }
}

static void vpx_close(void *priv)
{
    LSVpx *e = priv;
    if (e->open)
        vpx_codec_destroy(&e->ctx);
}

/* Live, falling behind: libvpx takes its speed per frame: cpu-used 5 (the fastest "good" speed), then the realtime
 * deadline at cpu-used 8; the stream's configuration (vpcC) stays. */
static int vpx_faster(void *priv, int level)
{
    LSVpx *e = priv;
    if (level > 2)
        return 1;
    if (vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, level >= 2 ? 8 : 5))
        return vpx_fail(e, "refuses a faster speed");
    if (level >= 2)
        e->deadline = VPX_DL_REALTIME;
    return 0;
}

/* A camera picture is not screen content: libvpx's screen tools (palette-like intra, no noise sensitivity) act in
 * realtime mode, which live runs reach when they fall behind */
static int vpx_content(void *priv, int cls)
{
    LSVpx *e = priv;
    const int tune = cls == LS_CLASS_CAMERA ? VP9E_CONTENT_DEFAULT : VP9E_CONTENT_SCREEN;
    if (vpx_codec_control(&e->ctx, VP9E_SET_TUNE_CONTENT, tune))
        return vpx_fail(e, "refuses a content tuning");
    return 0;
}

const LSEncoderOps ls_enc_vpx = {
    .name = "libvpx-vp9",
    .kind = LS_TRACK_VIDEO,
    .codec = LSTREAM_CODEC_VP9,
    .priv_size = sizeof(LSVpx),
    .open = vpx_open,
    .encode_picture = vpx_encode,
    .drain = vpx_drain,
    .close = vpx_close,
    .faster = vpx_faster,
    .content = vpx_content,
};
