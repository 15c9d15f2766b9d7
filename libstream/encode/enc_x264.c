/* Adapter: H.264 encoding through libx264's own API (x264.h), behind the encoder seam (encoder.h). */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/encode/encoder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <x264.h>

#include "libstream/encode/x264_cpu.h"

typedef struct LSX264 {
    LStreamJob *job;
    x264_t *h;
    /* the indexes given, in order: the n-th packet's dts is the n-th of them (the first packet, an IDR, decodes
     * when it shows; with frames held the indexes skip, so x264's own dts, built from the first frame's
     * spacing, would not keep to that) */
    int64_t *given;
    int n_given; /* ring size: more than x264 holds back */
    int64_t n_in, n_out;
    uint8_t *buf;
    size_t cap;
    char name[16];
    int recon; /* LSEncoderParams.recon */
    int width, height;
    float psy_rd, psy_trellis; /* the preset's, for camera pictures */
    int faster;                /* the last faster() level */
    /* a real-time rung (x264_open): its qcomp follows the class of the picture it starts on (x264_content) */
    int by_class;
    float qcomp_preset;
    x264_param_t param; /* as opened, for that (x264_encoder_parameters() gives them validated: qcomp 1 has
                         * turned the macroblock tree off, which a reopen at 0.6 must not inherit) */
    /* A screen's IDR where pictures are held (x264_encode, HELD_IDR_QP_OFFSET): x264's full rate-distortion
     * analysis and a lower quantiser. x264 applies a picture's own parameters when it encodes that picture and keeps
     * them for the next, so the pictures given after such an IDR carry @p cur, the settings in force (as opened,
     * then as content() and faster() set them), until x264 must have encoded one of them after the IDR: it holds
     * fewer than n_given pictures, so by the n_given-th it has encoded the IDR and at least one picture after it,
     * and nothing given later is encoded before that one (it is not a B-frame of theirs: x264's delay is longer
     * than a B-frame run). */
    x264_param_t cur;
    int screen;         /* the pictures are a screen's (content()) */
    int restore;        /* pictures still to carry @p cur */
    int hq_subme;       /* the IDR's subpel refinement / mode decision: 10 (QP-RD) where x264 allows it, else 9 */
    float *idr_offsets; /* HELD_IDR_QP_OFFSET for every macroblock */
} LSX264;

/*
 * A screen's IDR where pictures may be held. On a still lecture the IDRs (a segment's, a slide change's) are nearly
 * all the bytes (the generated slides lecture's 360p: 75 of 79 KB in 11 IDRs, its 37 other pictures 4 KB), and each
 * stands for the seconds of held pictures after it. x264 sees none of those: in frame time (x264_open) its I-frame
 * quantiser follows the recent P-frames' (over the IP ratio), and its macroblock tree weighs an IDR by the few
 * pictures actually encoded after it, where FFmpeg's 2 s GOP gives the same still slide 59 P-frames' propagation.
 * So such an IDR gets
 *   - x264's full intra analysis: subme 10 (rate-distortion mode decision with QP-RD) and trellis 2 (the preset
 *     "veryfast" has subme 2, trellis 0): 8-13 % fewer bytes for the same picture at the same SSIM (x264 CLI, five
 *     slides of the generated lecture, I-frames at CRF 23: 360p -8 %, 480p -11 %, 1080p -13 %), ~30 ms more per
 *     1080p IDR on this machine (41 against 10 ms), once a segment or a slide change;
 *   - a quantiser HELD_IDR_QP_OFFSET lower (x264's per-macroblock quant_offsets), for the pictures it stands for.
 * Measured per rung against every picture at the preset's analysis (doc/LECTURE.md, BENCHMARKS.md): on the
 * generated slides, slides + camera, a still slide recorded at 2.5 Mbit/s CBR and the slides recorded by x264 at
 * CRF 23, every rung 6-15 % smaller at an SSIM as high or higher (one rung 0.00003 lower); with the analysis alone
 * and no offset, the SSIM came out 0.0005-0.0011 lower on 720p-360p. Only on the IDRs the driver says stand for
 * held pictures (LS_IDR_STANDS: a new slide's, or a screen's where no more than a pointer is live; never live, with
 * --no-hold or --no-lecture), on a screen-tuned encoder that is not falling behind (faster()): a camera's or a
 * camera inset's IDR is followed by encoded pictures, which the tree sees.
 */
#define HELD_IDR_QP_OFFSET 2.0f

static void x264_log_cb(void *priv, int level, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    ls_log(priv,
           level <= X264_LOG_ERROR     ? LSTREAM_LOG_ERROR
           : level == X264_LOG_WARNING ? LSTREAM_LOG_WARNING
                                       : LSTREAM_LOG_DEBUG,
           "x264: %s", msg);
}

static int x264_check(const LStreamSettings *s, char *why, size_t why_size)
{
    for (int i = 0; x264_preset_names[i]; i++)
        if (!strcmp(s->preset, x264_preset_names[i]))
            return 0;
    size_t n = (size_t)snprintf(why, why_size, "preset = '%s': not an x264 preset (", s->preset);
    for (int i = 0; x264_preset_names[i] && n < why_size; i++)
        n += (size_t)snprintf(why + n, why_size - n, "%s%s", i ? ", " : "", x264_preset_names[i]);
    if (n < why_size)
        snprintf(why + n, why_size - n, ")");
    return LSTREAM_ERR_SETTINGS;
}

static int x264_open(void *priv, LStreamJob *job, const LSEncoderParams *ep, LSCodecConfig *cfg)
{
    LSX264 *e = priv;
    const LSRungPlan *r = ep->rung;
    const int fps_num = ep->fps_num, fps_den = ep->fps_den;
    x264_param_t p;
    if (x264_param_default_preset(&p, job->s.preset, NULL) < 0)
        return ls_fail(job, LSTREAM_ERR_SETTINGS, "x264 does not know preset '%s'", job->s.preset);
    /* settings.cpu_mask limits x264's assembly too (default ~0: x264's own detection, untouched) */
    p.cpu = ls_x264_cpu_limit(p.cpu, job->s.cpu_mask);
    p.pf_log = x264_log_cb;
    p.p_log_private = job;
    p.i_log_level = X264_LOG_WARNING;
    p.i_threads = ep->threads > 0 ? ep->threads : X264_THREADS_AUTO;
    p.i_width = r->width;
    p.i_height = r->height;
    p.i_csp = X264_CSP_I420;
    p.i_fps_num = fps_num;
    p.i_fps_den = fps_den;
    p.i_timebase_num = fps_den;
    p.i_timebase_den = fps_num;
    /* Rate control in frame time, not in real time. Held repeats make a picture last up to a second; x264 told the
     * real durations (b_vfr_input) rates a picture's complexity per unit of time (its SATD over its duration / 40 ms):
     * a slide held for a second looks 25 times simpler and gets a quantiser ~11 lower than the same slide in a
     * 30 fps stream at the same CRF (the generated slides lecture's 1080p IDRs grew from ~10 KB to 17-24 KB). In
     * frame time each picture is rated by what it shows: the slides lecture's 1080p-360p rungs came out 0.35-0.43 of
     * FFmpeg's bytes instead of 0.66-0.77, at its SSIM (doc/LECTURE.md). The VBV then counts 1/fps between
     * pictures where a held one lasted longer: it believes less has arrived than has, and the cap holds with room
     * to spare. A buffer under a second of the cap (the cellular rung's half second) cannot afford that belief: held
     * pictures would starve it (240p SSIM 0.9365 on the slides, measured), so such a rung keeps real time. Where
     * nothing is held (live, --no-hold) the two are the same stream, and every rung runs as x264 would. */
    const int buffer = r->rung.buffer_kbits > 0 ? r->rung.buffer_kbits : r->rung.max_kbps;
    p.b_vfr_input = ep->held && r->rung.max_kbps > 0 && buffer < r->rung.max_kbps;
    /* That rung rates pictures by what they show another way: without x264's quantiser compression (qcomp 1: no
     * complexity in the quantiser, so no per-time complexity, and no macroblock tree), each picture at the CRF's
     * quantiser and the VBV the limit. The slides lecture's 240p: 0.40 of FFmpeg's bytes at -0.0014 SSIM instead of
     * 0.58 at +0.0022; a talking head's 240p costs 28 % more there, at +0.0026 SSIM (BENCHMARKS.md). */
    e->by_class = p.b_vfr_input;
    e->qcomp_preset = p.rc.f_qcompress;
    if (p.b_vfr_input)
        p.rc.f_qcompress = 1.0f;
    p.vui.i_sar_width = 1;
    p.vui.i_sar_height = 1;
    /* IDRs are forced at the planned segment boundaries; scene cuts (slide changes) may add more. */
    p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
    p.i_keyint_min = fps_num / fps_den > 1 ? fps_num / fps_den : 1;
    p.b_open_gop = 0;
    p.b_repeat_headers = 0; /* SPS/PPS live in avcC */
    p.b_annexb = 0;         /* 4-byte NAL lengths, as MP4 wants */
    p.b_aud = 0;
    if (r->rung.crf > 0) {
        p.rc.i_rc_method = X264_RC_CRF;
        p.rc.f_rf_constant = r->rung.crf;
    } else {
        p.rc.i_rc_method = X264_RC_ABR;
        p.rc.i_bitrate = r->rung.target_kbps;
    }
    if (r->rung.max_kbps > 0) {
        p.rc.i_vbv_max_bitrate = r->rung.max_kbps;
        p.rc.i_vbv_buffer_size = buffer;
    }
    /* probe encodes want the decoded pictures: x264 hands its reconstruction out with each frame, whole only when
     * asked (it may skip deblocking a frame nothing references) */
    p.b_full_recon = ep->recon;
    if (x264_param_apply_profile(&p, "high") < 0)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "x264 refuses the High profile");
    e->job = job;
    e->recon = ep->recon;
    e->psy_rd = p.analyse.f_psy_rd;
    e->psy_trellis = p.analyse.f_psy_trellis;
    e->width = r->width;
    e->height = r->height;
    snprintf(e->name, sizeof(e->name), "%s", r->name);
    e->param = p;
    e->h = x264_encoder_open(&p);
    if (!e->h)
        return ls_fail(job, LSTREAM_ERR_ENCODER, "x264 cannot open an encoder for rung %s (%dx%d)", r->name, r->width,
                       r->height);
    x264_encoder_parameters(e->h, &e->cur);
    const int mbs = ((r->width + 15) / 16) * ((r->height + 15) / 16);
    if (!(e->idr_offsets = ls_malloc(sizeof(*e->idr_offsets) * (size_t)mbs)))
        return LSTREAM_ERR(ENOMEM);
    for (int i = 0; i < mbs; i++)
        e->idr_offsets[i] = -HELD_IDR_QP_OFFSET;
    e->hq_subme = e->cur.b_cabac && e->cur.rc.i_aq_mode > 0 ? 10 : 9; /* QP-RD needs trellis 2 (CABAC) and AQ */
    e->n_given = x264_encoder_maximum_delayed_frames(e->h) + 2;
    if (!(e->given = ls_malloc(sizeof(*e->given) * (size_t)e->n_given)))
        return LSTREAM_ERR(ENOMEM);
    x264_nal_t *nal;
    int n;
    if (x264_encoder_headers(e->h, &nal, &n) < 0) {
        return ls_fail(job, LSTREAM_ERR_ENCODER, "x264 cannot produce headers for rung %s", r->name);
    }
    const uint8_t *sps = NULL, *pps = NULL;
    int sps_len = 0, pps_len = 0;
    for (int i = 0; i < n; i++) { /* payloads carry a 4-byte length prefix */
        if (nal[i].i_type == NAL_SPS) {
            sps = nal[i].p_payload + 4;
            sps_len = nal[i].i_payload - 4;
        } else if (nal[i].i_type == NAL_PPS) {
            pps = nal[i].p_payload + 4;
            pps_len = nal[i].i_payload - 4;
        }
    }
    if (!sps || !pps || sps_len < 4) {
        return ls_fail(job, LSTREAM_ERR_ENCODER, "x264 gave no SPS/PPS for rung %s", r->name);
    }
    /* Rate control in frame time (b_vfr_input 0) makes x264 write fixed_frame_rate_flag 1 in the SPS's timing
     * information (H.264 E.2.1); held repeats make samples last longer than a frame, so the flag goes to 0: the
     * stream claims no fixed rate, the container's sample durations say how long each picture shows */
    uint8_t sps_var[512];
    const int var_len = ls_avc_sps_variable_rate(sps, sps_len, sps_var, (int)sizeof(sps_var));
    if (var_len < 0)
        return ls_fail(job, LSTREAM_ERR_BUG, "rung %s: x264's SPS cannot be read", r->name);
    if (var_len > 0) {
        sps = sps_var;
        sps_len = var_len;
    }
    /* AVCDecoderConfigurationRecord, ISO/IEC 14496-15 5.3.3.1 */
    uint8_t *c = ls_malloc(16 + sps_len + pps_len);
    if (!c)
        return LSTREAM_ERR(ENOMEM);
    int k = 0;
    c[k++] = 1;
    c[k++] = sps[1];
    c[k++] = sps[2];
    c[k++] = sps[3];
    c[k++] = 0xff; /* lengthSizeMinusOne = 3 */
    c[k++] = 0xe1; /* one SPS */
    c[k++] = (uint8_t)(sps_len >> 8);
    c[k++] = (uint8_t)sps_len;
    memcpy(c + k, sps, sps_len);
    k += sps_len;
    c[k++] = 1;
    c[k++] = (uint8_t)(pps_len >> 8);
    c[k++] = (uint8_t)pps_len;
    memcpy(c + k, pps, pps_len);
    k += pps_len;
    if (sps[1] == 100 || sps[1] == 110 || sps[1] == 122 || sps[1] == 144) {
        c[k++] = 0xfc | 1; /* chroma_format_idc 4:2:0 */
        c[k++] = 0xf8;     /* bit_depth_luma_minus8 */
        c[k++] = 0xf8;
        c[k++] = 0; /* no SPS extensions */
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->kind = LS_TRACK_VIDEO;
    memcpy(cfg->sample_entry, "avc1", 5);
    memcpy(cfg->config_box, "avcC", 5);
    cfg->config = c;
    cfg->config_size = k;
    if (ls_codec_string_avcc(c, k, cfg->codec, sizeof(cfg->codec)) < 0)
        return ls_fail(job, LSTREAM_ERR_BUG, "rung %s: x264 produced an unusable avcC", r->name);
    cfg->timescale = ls_video_timescale(fps_num, fps_den);
    cfg->width = r->width;
    cfg->height = r->height;
    cfg->bitrate = (r->rung.max_kbps ? r->rung.max_kbps : r->rung.target_kbps) * 1000;
    cfg->compressor = "libstream x264";
    return 0;
}

static int deliver(LSX264 *e, x264_nal_t *nal, int n, const x264_picture_t *out, LSPacketSink sink, void *opaque)
{
    size_t size = 0;
    for (int i = 0; i < n; i++)
        size += nal[i].i_payload;
    if (size > e->cap) {
        uint8_t *b = ls_realloc(e->buf, size);
        if (!b)
            return LSTREAM_ERR(ENOMEM);
        e->buf = b;
        e->cap = size;
    }
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        memcpy(e->buf + off, nal[i].p_payload, nal[i].i_payload);
        off += nal[i].i_payload;
    }
    if (e->n_out >= e->n_in)
        return ls_fail(e->job, LSTREAM_ERR_BUG, "rung %s: x264 gave more frames than it took", e->name);
    const int64_t dts = e->given[e->n_out++ % e->n_given];
    LSPacket pkt = {
        .data = e->buf,
        .size = (int)size,
        .pts = out->i_pts,
        .dts = dts,
        .duration = 1,
        .key = out->b_keyframe,
    };
    LSPicture recon = { { out->img.plane[0] }, { out->img.i_stride[0] }, e->width, e->height, NULL };
    if (e->recon)
        pkt.recon = &recon;
    return sink(opaque, &pkt);
}

static int x264_encode(void *priv, const LSPicture *pic, int64_t index, int force_idr, LSPacketSink sink, void *opaque)
{
    LSX264 *e = priv;
    x264_nal_t *nal;
    int n;
    x264_picture_t out;
    if (pic) {
        x264_picture_t in;
        x264_picture_init(&in);
        in.img.i_csp = X264_CSP_I420;
        in.img.i_plane = 3;
        for (int i = 0; i < 3; i++) {
            in.img.plane[i] = pic->data[i];
            in.img.i_stride[i] = (int)pic->stride[i];
        }
        in.i_pts = index;
        if (e->n_in - e->n_out >= e->n_given)
            return ls_fail(e->job, LSTREAM_ERR_BUG, "rung %s: x264 holds more frames than it said it would", e->name);
        e->given[e->n_in++ % e->n_given] = index;
        in.i_type = force_idr ? X264_TYPE_IDR : X264_TYPE_AUTO;
        const int held_idr = (force_idr & LS_IDR_STANDS) && e->screen && !e->faster && e->cur.analyse.i_subpel_refine;
        if (held_idr || e->restore > 0) {
            x264_param_t *p = ls_malloc(sizeof(*p)); /* x264's: it frees it (param_free) once applied */
            if (!p)
                return LSTREAM_ERR(ENOMEM);
            *p = e->cur;
            p->opaque = NULL;
            p->param_free = free;
            if (held_idr) {
                if (p->analyse.i_subpel_refine < e->hq_subme) /* placebo's 11 stays */
                    p->analyse.i_subpel_refine = e->hq_subme;
                p->analyse.i_trellis = 2;
                in.prop.quant_offsets = e->idr_offsets; /* read within this call (x264_adaptive_quant_frame) */
            }
            in.param = p;
            e->restore = held_idr ? e->n_given : e->restore - 1;
        }
        int size = x264_encoder_encode(e->h, &nal, &n, &in, &out);
        if (size < 0)
            return ls_fail(e->job, LSTREAM_ERR_ENCODER, "x264 failed on frame %lld of rung %s", (long long)index,
                           e->name);
        return size > 0 ? deliver(e, nal, n, &out, sink, opaque) : 0;
    }
    return 0;
}

static int x264_drain(void *priv, int64_t min_packets, LSPacketSink sink, void *opaque)
{
    LSX264 *e = priv;
    x264_nal_t *nal;
    int n;
    x264_picture_t out;
    (void)min_packets;
    while (x264_encoder_delayed_frames(e->h)) {
        int size = x264_encoder_encode(e->h, &nal, &n, NULL, &out);
        if (size < 0)
            return ls_fail(e->job, LSTREAM_ERR_ENCODER, "x264 failed while draining rung %s", e->name);
        if (size > 0) {
            int err = deliver(e, nal, n, &out, sink, opaque);
            if (err)
                return err;
        }
    }
    return 0;
}

static void x264_close(void *priv)
{
    LSX264 *e = priv;
    if (e->h)
        x264_encoder_close(e->h);
    free(e->buf);
    free(e->given);
    free(e->idr_offsets);
}

/* Live, falling behind: x264_encoder_reconfig() takes analysis settings on the fly (the SPS and PPS stay, so
 * the init segment does too). Level 1 is about "superfast"'s analysis, level 2 about "ultrafast"'s (no
 * deblocking, no 8x8 transform), with CABAC, B-frames and the lookahead kept (they are in the stream's
 * configuration). */
static int x264_faster(void *priv, int level)
{
    LSX264 *e = priv;
    x264_param_t p = e->cur;
    if (level >= 1) {
        p.analyse.i_me_method = X264_ME_DIA;
        p.analyse.i_subpel_refine = p.analyse.i_subpel_refine > 1 ? 1 : p.analyse.i_subpel_refine;
        p.analyse.i_trellis = 0;
        p.analyse.b_mixed_references = 0;
        p.analyse.inter &= ~(X264_ANALYSE_PSUB16x16 | X264_ANALYSE_BSUB16x16 | X264_ANALYSE_PSUB8x8);
    }
    if (level >= 2) { /* and what the PPS lets go: the deblocking filter, 8x8 transforms, psy */
        p.analyse.i_subpel_refine = 0;
        p.analyse.inter = 0;
        p.analyse.intra = X264_ANALYSE_I4x4;
        p.analyse.b_fast_pskip = 1;
        p.analyse.b_dct_decimate = 1;
        p.analyse.i_me_range = 4;
        p.analyse.b_transform_8x8 = 0;
        p.analyse.b_chroma_me = 0;
        p.analyse.f_psy_rd = 0;
        p.analyse.f_psy_trellis = 0;
        p.b_deblocking_filter = 0;
        p.i_frame_reference = 1;
    }
    if (level > 2)
        return 1;
    if (x264_encoder_reconfig(e->h, &p) < 0)
        return ls_fail(e->job, LSTREAM_ERR_ENCODER, "x264 (rung %s) refuses faster settings", e->name);
    e->cur = p;
    e->faster = level;
    return 0;
}

/* x264's SPS and PPS (payloads without their 4-byte length prefix) into @p out, concatenated: their size, or -1 */
static int param_sets(x264_t *h, uint8_t *out, int size)
{
    x264_nal_t *nal;
    int n, k = 0;
    if (x264_encoder_headers(h, &nal, &n) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (nal[i].i_type != NAL_SPS && nal[i].i_type != NAL_PPS)
            continue;
        if (nal[i].i_payload - 4 > size - k)
            return -1;
        memcpy(out + k, nal[i].p_payload + 4, (size_t)nal[i].i_payload - 4);
        k += nal[i].i_payload - 4;
    }
    return k;
}

/* The real-time rung's qcomp (x264_open) by what its encoder starts on, while it has taken no picture: a lecture
 * that starts on a camera (a talking head, whose pictures are never held) keeps the preset's qcomp and so its
 * bytes (qcomp 1 cost the talking head's 240p 28 % more, BENCHMARKS.md); one that starts on a screen gets qcomp 1.
 * qcomp cannot change in a running x264, so the encoder is opened again, before its first picture; the SPS and
 * PPS do not depend on it (checked: the init segment stays valid). Whole runs, chunks and every span's fresh
 * encoder decide on the same picture (a chunk starts where a span does), so they stay byte-identical. */
static int rate_for_class(LSX264 *e, int cls)
{
    const float q = cls == LS_CLASS_CAMERA ? e->qcomp_preset : 1.0f;
    if (!e->by_class || e->n_in || e->param.rc.f_qcompress == q)
        return 0;
    x264_param_t p = e->param;
    p.rc.f_qcompress = q;
    x264_t *h = x264_encoder_open(&p);
    if (!h)
        return ls_fail(e->job, LSTREAM_ERR_ENCODER, "x264 cannot open an encoder for rung %s (qcomp %.1f)", e->name, q);
    uint8_t a[1024], b[1024];
    const int na = param_sets(e->h, a, (int)sizeof(a)), nb = param_sets(h, b, (int)sizeof(b));
    if (na < 0 || na != nb || memcmp(a, b, (size_t)na)) {
        x264_encoder_close(h);
        return ls_fail(e->job, LSTREAM_ERR_BUG, "rung %s: x264's SPS/PPS changed with qcomp", e->name);
    }
    const int need = x264_encoder_maximum_delayed_frames(h) + 2;
    if (need > e->n_given) {
        int64_t *g = ls_realloc(e->given, sizeof(*g) * (size_t)need);
        if (!g) {
            x264_encoder_close(h);
            return LSTREAM_ERR(ENOMEM);
        }
        e->given = g;
        e->n_given = need;
    }
    x264_encoder_close(e->h);
    e->h = h;
    e->param = p;
    x264_encoder_parameters(h, &e->cur);
    ls_log(e->job, LSTREAM_LOG_INFO, "rung %s: qcomp %.2f, the lecture starting on a %s", e->name, q,
           cls == LS_CLASS_CAMERA ? "camera" : "screen");
    return 0;
}

/* Screen content (slides, handwriting, a screencast: flat areas, text, sharp edges) without psychovisual
 * optimisation: psy-RD and psy-trellis keep a texture's energy (film grain, skin, foliage) at the cost of
 * fidelity, and a screen has no texture to keep. They act from subme 6 on (x264's presets "fast" and slower): at
 * "medium" the slides + camera lecture's rungs came out 3-21 % smaller at the same SSIM (doc/LECTURE.md); at the
 * default "veryfast" nothing changes. A camera picture gets the preset's. The rest of the analysis is the preset's
 * either way (AQ cannot change mid-stream). */
static int x264_content(void *priv, int cls)
{
    LSX264 *e = priv;
    int err = rate_for_class(e, cls);
    if (err)
        return err;
    e->screen = cls != LS_CLASS_CAMERA;
    x264_param_t p = e->cur;
    const int camera = cls == LS_CLASS_CAMERA && e->faster < 2; /* level 2 took psy away for speed */
    const float rd = camera ? e->psy_rd : 0, trellis = camera ? e->psy_trellis : 0;
    if (p.analyse.f_psy_rd == rd && p.analyse.f_psy_trellis == trellis)
        return 0;
    p.analyse.f_psy_rd = rd;
    p.analyse.f_psy_trellis = trellis;
    if (x264_encoder_reconfig(e->h, &p) < 0)
        return ls_fail(e->job, LSTREAM_ERR_ENCODER, "x264 (rung %s) refuses content settings", e->name);
    e->cur = p;
    return 0;
}

const LSEncoderOps ls_enc_x264 = {
    .name = "x264",
    .kind = LS_TRACK_VIDEO,
    .codec = LSTREAM_CODEC_H264,
    .priv_size = sizeof(LSX264),
    .check = x264_check,
    .open = x264_open,
    .encode_picture = x264_encode,
    .drain = x264_drain,
    .close = x264_close,
    .faster = x264_faster,
    .content = x264_content,
    .recon = 1,
};
