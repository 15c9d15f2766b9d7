/*
 * Unit tests of the packaging core: bit-rate figures (RFC 8216 peak, DASH leaky bucket, tail segments),
 * segment planning, codec strings from real encoder headers, and manifests against golden files.
 * usage: test_core GOLDEN_DIR   (set LSTREAM_UPDATE_GOLDEN=1 to rewrite the golden files after review)
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/validate/mp4read.h"
#include "libstream/encode/encoder.h"
#include "libstream/package/model.h"
#include "libstream/output/output.h"
#include "libstream/core/lecture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/expect.h"

static void test_bitrates(void)
{
    /* peak: windows of 3..9 s for a 6 s target; a 3 s tail segment alone is a valid window */
    int64_t b1[] = { 600000, 300000, 450000 };
    double d1[] = { 6, 6, 3 };
    double p = ls_peak_bitrate(b1, d1, 3, 6);
    EXPECT(fabs(p - 1200000) < 1e-6, "peak %f, want 1200000 (the 3 s tail at 1.2 Mbit/s)", p);
    /* a 2 s segment is shorter than 0.5 x target: it only counts inside a longer run */
    int64_t b2[] = { 1000000, 60000 };
    double d2[] = { 2, 6 };
    p = ls_peak_bitrate(b2, d2, 2, 6);
    EXPECT(fabs(p - 1060000) < 1e-6, "peak %f, want 1060000 (2 s + 6 s run), not the 4 Mbit/s of one short segment", p);
    /* runs longer than 1.5 x target are not windows */
    int64_t b3[] = { 450000, 450000, 900000 };
    double d3[] = { 6, 6, 6 };
    p = ls_peak_bitrate(b3, d3, 3, 6);
    EXPECT(fabs(p - 1200000) < 1e-6, "peak %f, want 1200000", p);
    /* media shorter than half a target: the whole */
    int64_t b4[] = { 100000 };
    double d4[] = { 2 };
    p = ls_peak_bitrate(b4, d4, 1, 6);
    EXPECT(fabs(p - 400000) < 1e-6, "peak %f, want 400000", p);
    double a = ls_avg_bitrate(b1, d1, 3);
    EXPECT(fabs(a - 1350000 * 8.0 / 15) < 1e-6, "average %f", a);

    /* leaky bucket: constant segments need exactly their rate when minBufferTime = segment duration */
    int64_t b5[] = { 750000, 750000, 750000 };
    double d5[] = { 6, 6, 6 };
    double bw = ls_leaky_bucket_bandwidth(b5, d5, 3, 6);
    EXPECT(fabs(bw - 1000000) < 1e-6, "bucket %f, want 1000000", bw);
    /* a burst up front: 12 Mbit must arrive within the 6 s buffer */
    int64_t b6[] = { 1500000, 0, 0 };
    bw = ls_leaky_bucket_bandwidth(b6, d5, 3, 6);
    EXPECT(fabs(bw - 2000000) < 1e-6, "bucket %f, want 2000000", bw);
    /* a late burst starting mid-stream: start at segment 2 -> 12 Mbit in 6 s as well */
    int64_t b7[] = { 0, 0, 1500000 };
    bw = ls_leaky_bucket_bandwidth(b7, d5, 3, 6);
    EXPECT(fabs(bw - 2000000) < 1e-6, "bucket %f, want 2000000 (any starting segment)", bw);
    /* with a longer buffer, the average suffices */
    bw = ls_leaky_bucket_bandwidth(b5, d5, 3, 12);
    EXPECT(bw < 1000000 && bw >= 750000 * 8 / 12.0 - 1e-6, "bucket %f with 12 s buffer", bw);
    /* the bucket value really does not stall, and 1% less does: independent time-stepped simulation */
    int64_t b8[] = { 300000, 900000, 100000, 700000, 50000 };
    double d8[] = { 6, 6, 6, 6, 4 };
    bw = ls_leaky_bucket_bandwidth(b8, d8, 5, 4);
    for (int trial = 0; trial < 2; trial++) {
        const double rate = trial ? bw * 0.99 : bw * 1.0000001;
        int stall = 0;
        for (int j = 0; j < 5; j++) { /* start at every segment */
            double t_play = 4, received_until = 0;
            for (int i = j; i < 5; i++) {
                received_until += b8[i] * 8.0 / rate; /* the channel never idles from the start */
                if (received_until > t_play + 1e-9)
                    stall = 1;
                t_play += d8[i];
            }
        }
        EXPECT(stall == trial, "leaky bucket %s at %s the computed bandwidth %f", trial ? "does not stall" : "stalls",
               trial ? "99%% of" : "", bw);
    }
}

static void test_segplan(void)
{
    static const int fps[][2] = { { 30, 1 }, { 30000, 1001 }, { 25, 1 }, { 24000, 1001 } };
    int bad = 0;
    for (size_t f = 0; f < 4; f++) {
        for (int64_t est = 1; est < 6000; est += 7) {
            LSSegPlan p;
            ls_segplan_init(&p, 6.0, fps[f][1], fps[f][0], est);
            const double fd = (double)fps[f][1] / fps[f][0];
            int64_t prev = 0;
            for (int64_t s = 1; s <= p.n_planned; s++) {
                int64_t start = s < p.n_planned ? ls_segplan_start(&p, s) : est;
                int64_t len = start - prev;
                if (len * fd > 6.0 + 1e-9 || len < 1)
                    bad++; /* over the target */
                if (s == 1 && p.lead)
                    bad += len != p.lead || len * fd > LS_LEAD_SECONDS + 1e-9; /* the short first segment */
                else if (p.n_planned > 1 && len * fd < 3.0 - fd)
                    bad++; /* near-empty segment */
                for (int64_t u = prev; u < start; u += 13)
                    if (ls_segplan_segment_of(&p, u) != s - 1)
                        bad++;
                prev = start;
            }
        }
    }
    EXPECT(bad == 0, "%d segment-plan violations (over target, near-empty, or inconsistent lookup)", bad);
    LSSegPlan p;
    /* 60 s at 30 fps: a 2 s first segment, then ten of 5.8 s */
    ls_segplan_init(&p, 6.0, 1, 30, 1800);
    EXPECT(p.n_planned == 11 && ls_segplan_start(&p, 1) == 60 && ls_segplan_start(&p, 2) == 60 + 174,
           "60 s at 30 fps: %lld segments", (long long)p.n_planned);
    /* no short first segment where the target leaves no room for it, or the lecture is shorter than 8 s */
    ls_segplan_init(&p, 3.0, 1, 30, 1800);
    EXPECT(!p.lead && ls_segplan_start(&p, 1) == 90, "target 3 s: lead %lld", (long long)p.lead);
    ls_segplan_init(&p, 6.0, 1, 30, 239);
    EXPECT(!p.lead && p.n_planned == 2, "239 frames: lead %lld", (long long)p.lead);
    ls_segplan_init(&p, 6.0, 1, 30, 1801);
    EXPECT(p.n_planned == 11 && ls_segplan_start(&p, 10) >= 1801 - 180, "1801 frames: %lld segments",
           (long long)p.n_planned);
    /* the estimate a frame short (as MP4 demuxers often report): the last segment takes the extra frame */
    ls_segplan_init(&p, 6.0, 1, 30, 299);
    EXPECT(ls_segplan_segment_of(&p, 299) == p.n_planned - 1 && ls_segplan_segment_of(&p, 59) == 0 &&
               ls_segplan_segment_of(&p, 60) == 1,
           "one frame over the estimate");
    /* far past the estimate: the last planned segment grows to 6.47 s (EXTINF rounds to 6), then full segments */
    ls_segplan_init(&p, 6.0, 1, 30, 1800);
    EXPECT(ls_segplan_start(&p, 11) == 1626 + 194 && ls_segplan_start(&p, 12) == 1626 + 194 + 180,
           "continuation %lld %lld", (long long)ls_segplan_start(&p, 11), (long long)ls_segplan_start(&p, 12));
    EXPECT(ls_segplan_segment_of(&p, 1819) == 10 && ls_segplan_segment_of(&p, 1820) == 11, "tail lookup");
}

/* The grid restarted at slide changes: a change ends its segment there (unless that segment is younger than the
 * minimum, or the change is a boundary already); no segment is ever over the target; lookups agree both ways,
 * and earlier segments never move. Pseudo-random slide changes over many lecture lengths. */
static void test_seggrid(void)
{
    int bad = 0, restarts = 0;
    uint32_t rnd = 12345;
    for (int64_t est = 100; est < 9000; est += 97) {
        LSSegPlan p;
        ls_segplan_init(&p, 6.0, 1, 30, est);
        LSSegGrid g = { .base = &p };
        int64_t starts[1024], n = 0;                             /* segment starts, as each frame finds them */
        const int64_t frames = est + (int64_t)(rnd % 400) - 200; /* the estimate is often off */
        for (int64_t u = 0; u < frames && n < 1024; u++) {
            rnd = rnd * 1103515245u + 12345u;
            if ((rnd >> 16) % 300 == 0) { /* a slide change, about every 10 s */
                const int64_t s = ls_seggrid_segment_of(&g, u), st = ls_seggrid_start(&g, s);
                const int64_t before = ls_seggrid_segment_of(&g, est - 1) - s; /* boundaries after u to the end */
                const int r = ls_seggrid_restart(&g, u, 30);
                restarts += r == 1;
                bad += r != (st != u && u - st >= 30); /* restarted unless on a boundary or too young */
                bad += r == 1 && ls_seggrid_start(&g, ls_seggrid_segment_of(&g, u)) != u;
                /* never more IDRs to the end than before: as many boundaries after u at most (u's is the slide's) */
                bad += r == 1 && ls_seggrid_segment_of(&g, est - 1) - ls_seggrid_segment_of(&g, u) > before;
            }
            const int64_t s = ls_seggrid_segment_of(&g, u);
            if (ls_seggrid_start(&g, s) == u) {
                if (s != n)
                    bad++; /* segments numbered in order, none skipped */
                starts[n++] = u;
            }
        }
        starts[n] = frames;
        for (int64_t i = 0; i < n; i++) {
            if (starts[i + 1] - starts[i] > p.max_last || starts[i + 1] <= starts[i])
                bad++; /* over the target (the plan's last segment may absorb up to max_last) */
            if (ls_seggrid_start(&g, i) != starts[i])
                bad++; /* a segment moved after it was found */
        }
        ls_seggrid_free(&g);
    }
    EXPECT(bad == 0 && restarts > 100, "%d segment-grid violations, %d restarts", bad, restarts);
    /* 60 s at 30 fps, a slide change at 10 s: segments 0-2 s, 2-7.8 s, 7.8-10 s, then 50 s in nine of 5.56 s */
    LSSegPlan p;
    ls_segplan_init(&p, 6.0, 1, 30, 1800);
    LSSegGrid g = { .base = &p };
    EXPECT(ls_seggrid_restart(&g, 300, 30) == 1 && ls_seggrid_start(&g, 2) == 234 && ls_seggrid_start(&g, 3) == 300 &&
               ls_seggrid_start(&g, 4) == 300 + 167 && ls_seggrid_segment_of(&g, 299) == 2 &&
               ls_seggrid_segment_of(&g, 300) == 3,
           "restart at 10 s: %lld %lld %lld", (long long)ls_seggrid_start(&g, 2), (long long)ls_seggrid_start(&g, 3),
           (long long)ls_seggrid_start(&g, 4));
    /* a slide change 0.5 s into a segment does not end it; one on a boundary is that boundary */
    EXPECT(ls_seggrid_restart(&g, 315, 30) == 0 && ls_seggrid_restart(&g, 467, 30) == 0 && g.n == 1,
           "young segment or boundary restarted");
    ls_seggrid_free(&g);
}

static LStreamJob *make_job(void)
{
    LStreamSettings s;
    lstream_default_settings(&s);
    s.threads = 1;
    LStreamJob *job;
    return lstream_job_open(&job, &s) < 0 ? NULL : job;
}

/* an output over a directory that is published at once, for the writers under test */
typedef struct TestOut {
    LSDirOutput *dir;
    LStreamOutput cb;
    LSOutput out;
} TestOut;

static int test_out_open(TestOut *t, LStreamJob *job, const char *path)
{
    memset(t, 0, sizeof(*t));
    if (ls_dir_output_open(&t->dir, job, path, &t->cb) || ls_output_init(&t->out, job, &t->cb))
        return -1;
    return 0;
}

static int test_out_close(TestOut *t)
{
    int err = t->cb.commit(t->cb.opaque);
    ls_dir_output_close(&t->dir);
    return err;
}

static void test_codec_strings(const char *tmp)
{
    LStreamJob *job = make_job();
    EXPECT(job != NULL, "job");
    if (!job)
        return;
    static const struct {
        int w, h;
        const char *want;
    } cases[] = { { 1920, 1080, "avc1.640028" }, { 1280, 720, "avc1.64001F" }, { 426, 240, "avc1.640015" } };
    char outdir[600];
    snprintf(outdir, sizeof(outdir), "%s/codecs", tmp);
    TestOut to;
    EXPECT(test_out_open(&to, job, outdir) == 0, "output");
    for (size_t i = 0; i < 3; i++) {
        LSRungPlan r = { 0 };
        snprintf(r.name, sizeof(r.name), "t%zu", i);
        r.width = cases[i].w;
        r.height = cases[i].h;
        lstream_default_rung(cases[i].h, &r.rung);
        LSEncoder e;
        LSRendition rd = { 0 };
        snprintf(rd.id, sizeof(rd.id), "%s", r.name);
        const LSEncoderParams ep = { .rung = &r, .fps_num = 30, .fps_den = 1 };
        EXPECT(ls_encoder_open(&e, ls_encoder_find(LS_TRACK_VIDEO, LSTREAM_CODEC_H264), job, &ep, &rd.cfg) == 0,
               "x264 open %dx%d", r.width, r.height);
        LSCmafWriter w;
        EXPECT(ls_cmaf_open(&w, &rd, &to.out) == 0, "init");
        EXPECT(!strcmp(rd.cfg.codec, cases[i].want) && !strcmp(rd.cfg.sample_entry, "avc1") &&
                   rd.cfg.timescale == 90000,
               "%dx%d: codec %s, want %s (from the SPS x264 wrote)", r.width, r.height, rd.cfg.codec, cases[i].want);
        /* and read back from the init segment, as the validator does */
        char name[64];
        ls_name_in(name, sizeof(name), rd.id, LS_NAME_INIT);
        size_t n = 0;
        uint8_t *buf = ls_output_slurp(&to.cb, name, 0, -1, &n);
        LSMp4Init init;
        EXPECT(buf && ls_mp4_parse_init(buf, n, &init) == 0 && !strcmp(init.codec, cases[i].want) &&
                   init.width == r.width,
               "init segment round trip: %s", buf ? init.codec : "(unreadable)");
        free(buf);
        ls_cmaf_free(&w);
        ls_encoder_close(&e);
        ls_rendition_free(&rd);
    }
    LSEncoder a;
    LSCodecConfig cfg;
    const LSEncoderParams ap = { .channels = 1, .kbps = 64 };
    EXPECT(ls_encoder_open(&a, ls_encoder_find(LS_TRACK_AUDIO, LSTREAM_AUDIO_AAC), job, &ap, &cfg) == 0, "aac open");
    EXPECT(!strcmp(cfg.codec, "mp4a.40.2") && !strcmp(cfg.config_box, "esds") && cfg.frame_duration == 1024 &&
               cfg.timescale == 48000,
           "AAC-LC codec string %s", cfg.codec);
    ls_codec_config_free(&cfg);
    ls_encoder_close(&a);
    test_out_close(&to);
    /* escape-coded audio object type (AOT 42 = USAC: 31 then 6 bits of 10) */
    char codec[32] = "";
    const uint8_t usac[] = { 0xf9, 0x40 };
    EXPECT(ls_codec_string_asc(usac, 2, codec, sizeof(codec)) == 0 && !strcmp(codec, "mp4a.40.42"), "escape AOT %s",
           codec);
    lstream_job_close(&job);
}

/* ---- golden manifests ---- */

static void fake_rendition(LSRendition *r, int kind, const char *id, uint32_t ts, const int64_t *dur,
                           const int64_t *bytes, int n)
{
    memset(r, 0, sizeof(*r));
    r->cfg.kind = kind;
    snprintf(r->id, sizeof(r->id), "%s", id);
    r->cfg.timescale = ts;
    int64_t start = 0;
    for (int i = 0; i < n; i++) {
        const LSSegment sg = {
            .start = start, .duration = dur[i], .bytes = bytes[i], .iframe_offset = 28, .iframe_size = bytes[i] / 10
        };
        ls_rendition_append(r, &sg);
        start += dur[i];
    }
}

static int compare_file(const char *got, const char *golden)
{
    FILE *a = fopen(got, "rb"), *b = fopen(golden, "rb");
    int same = a && b;
    while (same) {
        int x = fgetc(a), y = fgetc(b);
        if (x != y)
            same = 0;
        if (x == EOF || y == EOF)
            break;
    }
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    if (!same && getenv("LSTREAM_UPDATE_GOLDEN")) {
        char cmd[2048];
        snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", got, golden);
        same = system(cmd) == 0;
    }
    return same;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *t = calloc(1, 1 << 16);
    if (t)
        (void)!fread(t, 1, (1 << 16) - 1, f);
    fclose(f);
    return t;
}

/* ls_avc_sps_variable_rate(): x264's 640x360 High SPS (two emulation prevention bytes in its timing information)
 * with fixed_frame_rate_flag 1 becomes the same SPS with 0 (the bytes FFmpeg's trace_headers reads as 0); one with 0
 * is left alone; a cut one is refused */
static void test_sps_variable_rate(void)
{
    static const uint8_t fixed[] = { 0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00,
                                     0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x8f, 0x16, 0x2d, 0x96 };
    static const uint8_t variable[] = { 0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f, 0xf9, 0x70, 0x11, 0x00,
                                        0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x0f, 0x16, 0x2d, 0x96 };
    uint8_t out[64];
    const int n = ls_avc_sps_variable_rate(fixed, (int)sizeof(fixed), out, (int)sizeof(out));
    EXPECT(n == (int)sizeof(variable) && !memcmp(out, variable, sizeof(variable)),
           "SPS: fixed_frame_rate_flag 1 rewritten to 0 (%d bytes)", n);
    EXPECT(ls_avc_sps_variable_rate(variable, (int)sizeof(variable), out, (int)sizeof(out)) == 0,
           "SPS: fixed_frame_rate_flag 0 left alone");
    /* written by x264 itself with fixed_frame_rate_flag 1 (FFmpeg 5.1: testsrc 640x360 -> libx264 -preset veryfast
     * -x264-params force-cfr=1: High 4:4:4, chroma_format_idc 3); the flag at bit 165 of FFmpeg's trace_headers. FFmpeg's
     * h264_metadata=fixed_frame_rate_flag=0 cannot rewrite this one ("low_delay_hrd_flag does not match inferred
     * value ... Failed to write extradata"), which is why codecs.c does. */
    static const uint8_t x264_cfr[] = { 0x67, 0xf4, 0x00, 0x1e, 0x91, 0x9b, 0x28, 0x14, 0x05,
                                        0xff, 0x13, 0x80, 0x88, 0x00, 0x00, 0x03, 0x00, 0x08,
                                        0x00, 0x00, 0x03, 0x01, 0xe4, 0x78, 0xb1, 0x6c, 0xb0 };
    static const uint8_t x264_vfr[] = { 0x67, 0xf4, 0x00, 0x1e, 0x91, 0x9b, 0x28, 0x14, 0x05,
                                        0xff, 0x13, 0x80, 0x88, 0x00, 0x00, 0x03, 0x00, 0x08,
                                        0x00, 0x00, 0x03, 0x01, 0xe0, 0x78, 0xb1, 0x6c, 0xb0 };
    const int m = ls_avc_sps_variable_rate(x264_cfr, (int)sizeof(x264_cfr), out, (int)sizeof(out));
    EXPECT(m == (int)sizeof(x264_vfr) && !memcmp(out, x264_vfr, sizeof(x264_vfr)),
           "SPS: x264's own fixed-rate 4:4:4 SPS rewritten to variable (%d bytes)", m);
    EXPECT(ls_avc_sps_variable_rate(fixed, 12, out, (int)sizeof(out)) < 0, "SPS: a cut SPS refused");
    EXPECT(ls_avc_sps_variable_rate(fixed, (int)sizeof(fixed), out, 8) < 0, "SPS: too small an output refused");
}

static void test_manifests(const char *tmp, const char *golden)
{
    LStreamJob *job = make_job();
    if (!job)
        return;
    const int64_t vd[] = { 540000, 540000, 270000 }, vb[] = { 300000, 450000, 100000 };
    const int64_t ad[] = { 287744, 288768, 143360 }, ab[] = { 48000, 48100, 24050 };
    LSRendition v, v2, au;
    fake_rendition(&v, LS_TRACK_VIDEO, "v720", 90000, vd, vb, 3);
    v.cfg.width = 1280;
    v.cfg.height = 720;
    snprintf(v.cfg.codec, sizeof(v.cfg.codec), "avc1.64001F");
    const int64_t vb2[] = { 20000, 25000, 9000 };
    fake_rendition(&v2, LS_TRACK_VIDEO, "v240", 90000, vd, vb2, 3);
    v2.cfg.width = 426;
    v2.cfg.height = 240;
    snprintf(v2.cfg.codec, sizeof(v2.cfg.codec), "avc1.640015");
    fake_rendition(&au, LS_TRACK_AUDIO, "audio", 48000, ad, ab, 3);
    au.cfg.channels = 1;
    au.cfg.sample_rate = 48000;
    snprintf(au.cfg.codec, sizeof(au.cfg.codec), "mp4a.40.2");
    snprintf(au.language, sizeof(au.language), "km");
    LSRungPlan r720 = { .width = 1280, .height = 720 }, r240 = { .width = 426, .height = 240 };
    v.rung = &r720;
    v2.rung = &r240;
    LSPresentation p = {
        .r = { &v, &v2, &au }, .n = 3, .fps_num = 30000, .fps_den = 1001, .target = 6, .duration = 15, .min_buffer = 6
    };
    for (int i = 0; i < 3; i++)
        EXPECT(ls_rendition_measure(p.r[i], 6, 6, 0, -1) == 0, "measure");
    /* by hand: v720's peak is segment 2, 450000 B in 6 s = 600 kbit/s (runs: 6+3 s = 488.9k, tail 266.7k) */
    EXPECT(fabs(v.peak - 600000) < 1e-6, "v720 peak %f", v.peak);
    char out[600];
    snprintf(out, sizeof(out), "%s/manifests", tmp);
    TestOut to;
    EXPECT(test_out_open(&to, job, out) == 0, "output");
    EXPECT(ls_write_hls(&to.out, &p, 0, -1, 1) == 0, "write hls");
    EXPECT(ls_write_dash(&to.out, &p, 0, -1, 1) == 0, "write dash");
    EXPECT(test_out_close(&to) == 0, "publish");
    static const char *files[][2] = { { "master.m3u8", "master.m3u8" },
                                      { "manifest.mpd", "manifest.mpd" },
                                      { "v720/index.m3u8", "v720_index.m3u8" },
                                      { "v720/iframes.m3u8", "v720_iframes.m3u8" },
                                      { "audio/index.m3u8", "audio_index.m3u8" } };
    for (size_t i = 0; i < 5; i++) {
        char got[700], want[600];
        snprintf(got, sizeof(got), "%s/%s", out, files[i][0]);
        snprintf(want, sizeof(want), "%s/%s", golden, files[i][1]);
        EXPECT(compare_file(got, want), "%s differs from golden %s (diff them; LSTREAM_UPDATE_GOLDEN=1 rewrites)", got,
               want);
    }

    /* the same writers over a live window: segments 2..3 (first = 1), not final */
    snprintf(out, sizeof(out), "%s/live", tmp);
    p.availability_start = 1700000000.0;
    EXPECT(test_out_open(&to, job, out) == 0, "output");
    for (int i = 0; i < 3; i++)
        ls_rendition_measure(p.r[i], 6, 6, 1, 2);
    EXPECT(ls_write_hls(&to.out, &p, 1, 2, 0) == 0, "write live hls");
    EXPECT(ls_write_dash(&to.out, &p, 1, 2, 0) == 0, "write live dash");
    EXPECT(test_out_close(&to) == 0, "publish");
    char path[800];
    snprintf(path, sizeof(path), "%s/v720/index.m3u8", out);
    char *t = read_text(path);
    EXPECT(t && strstr(t, "#EXT-X-MEDIA-SEQUENCE:1\n") && !strstr(t, "ENDLIST") && !strstr(t, "PLAYLIST-TYPE") &&
               !strstr(t, "seg_00001.m4s") && strstr(t, "seg_00002.m4s") && strstr(t, "seg_00003.m4s"),
           "live media playlist:\n%s", t ? t : "(missing)");
    free(t);
    snprintf(path, sizeof(path), "%s/manifest.mpd", out);
    t = read_text(path);
    EXPECT(t && strstr(t, "type=\"dynamic\"") && strstr(t, "availabilityStartTime=\"2023-11-14T22:13:20.000Z\"") &&
               strstr(t, "startNumber=\"2\"") && strstr(t, "<S t=\"540000\" d=\"540000\"/>") &&
               strstr(t, "UTCTiming") && strstr(t, "timeShiftBufferDepth=\"PT9.003S\"") &&
               !strstr(t, "mediaPresentationDuration"),
           "live MPD:\n%s", t ? t : "(missing)");
    free(t);
    ls_rendition_free(&v);
    ls_rendition_free(&v2);
    ls_rendition_free(&au);
    lstream_job_close(&job);
}

/* ---- the lecture analysis on pictures drawn here: what it flags, frame by frame ---- */
#define LW 640
#define LH 360
#define LN 90

typedef struct Flags {
    int n;
    int f[LN];
} Flags;

static int collect(void *opaque, LSPicture *pic, int64_t index, int flags)
{
    Flags *c = opaque;
    (void)pic;
    if (index >= 0 && index < LN)
        c->f[index] = flags;
    c->n++;
    return 0;
}

static uint32_t rnd(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* A slide: a light page with dark "lines of text" (seed: which slide). */
static void draw_slide(LSPicture *p, uint32_t seed)
{
    for (int y = 0; y < LH; y++)
        memset(p->data[0] + y * p->stride[0], 235, LW);
    for (int p_ = 1; p_ < 3; p_++)
        for (int y = 0; y < LH / 2; y++)
            memset(p->data[p_] + y * p->stride[p_], 128, LW / 2);
    for (int line = 0; line < 12; line++) {
        const int y0 = 30 + line * 26;
        for (int x = 40; x < LW - 40;) {
            const int wlen = 10 + (int)(rnd(&seed) % 50);
            for (int y = y0; y < y0 + 12; y++)
                for (int i = x; i < x + wlen && i < LW - 40; i++)
                    p->data[0][y * p->stride[0] + i] = (uint8_t)(16 + (i * 7 + y * 3) % 40);
            x += wlen + 8;
        }
    }
}

enum { POINTER = 1, INSET = 2, PEN = 4, TONE = 8, FADE = 16 };

/* FADE: slide 1 fades into slide 2 over frames 45-65 (0.7 s, PowerPoint's fade); the motion mask lets go of the
 * faded blocks half a second after */
#define FADE_LEN 21
static int in_fade(int i) { return i >= LN / 2 && i < LN / 2 + FADE_LEN + 15; }

/* TONE: the camera's exposure changes, a step at frame 20 and a ramp over frames 60-66 (brighter, less contrast) */
static int tone_change(int i) { return i == 20 || (i >= 60 && i <= 66); }

/* Frame @p i of a lecture: slide 1, slide 2 from frame LN / 2, with what moves on top (@p what). */
static void draw_frame(LSPicture *p, int i, int what)
{
    draw_slide(p, i < LN / 2 ? 1 : 2);
    if ((what & FADE) && i >= LN / 2 && i < LN / 2 + FADE_LEN) {
        static uint8_t one[LW * LH];
        LSPicture a = *p;
        draw_slide(&a, 1);
        for (int y = 0; y < LH; y++)
            memcpy(one + y * LW, p->data[0] + y * p->stride[0], LW);
        draw_slide(p, 2);
        const int w = i - LN / 2 + 1; /* of FADE_LEN + 1 */
        for (int y = 0; y < LH; y++)
            for (int x = 0; x < LW; x++) {
                uint8_t *v = &p->data[0][y * p->stride[0] + x];
                *v = (uint8_t)((one[y * LW + x] * (FADE_LEN + 1 - w) + *v * w) / (FADE_LEN + 1));
            }
    }
    if (what & POINTER) /* a 10x10 pointer, 3 px a frame to the right */
        for (int y = 200; y < 210; y++)
            memset(p->data[0] + y * p->stride[0] + 100 + 3 * i, 0, 10);
    if (what & PEN) /* handwriting: a stroke 2 px longer every frame */
        for (int y = 320; y < 323; y++)
            memset(p->data[0] + y * p->stride[0] + 60, 20, (size_t)(2 * i + 1));
    if (what & TONE)
        for (int y = 0; y < LH; y++)
            for (int x = 0; x < LW; x++) {
                uint8_t *v = &p->data[0][y * p->stride[0] + x];
                const int r = i < 60 ? 0 : i > 66 ? 6 : i - 60, o = *v * (100 - 2 * r) / 100 + (i >= 20) * 20 + 4 * r;
                *v = (uint8_t)(o > 255 ? 255 : o);
            }
    if (what & INSET) { /* a camera picture-in-picture, 160x96 bottom right: a face that moves, and sensor noise */
        uint32_t seed = 77u + (uint32_t)i;
        for (int y = LH - 96; y < LH; y++)
            for (int x = LW - 160; x < LW; x++) {
                const int dx = x - (LW - 80) - (i % 10), dy = y - (LH - 48);
                const int face = dx * dx + dy * dy < 900 ? 170 : 90;
                p->data[0][y * p->stride[0] + x] = (uint8_t)(face + (int)(rnd(&seed) % 9));
            }
    }
}

static void lecture_run(LStreamJob *job, int what, Flags *c)
{
    memset(c, 0, sizeof(*c));
    LSLecture *l = NULL;
    const LSLectureParams lp = { .fps_num = 30, .fps_den = 1, .detect = 1 };
    LSPicture pic = { 0 };
    EXPECT(!ls_lecture_open(&l, job, &lp, collect, c) && !ls_picture_alloc(&pic, LW, LH), "lecture analysis opens");
    int err = 0, i = 0;
    for (; i < LN && l && pic.buf && !err; i++) {
        draw_frame(&pic, i, what); /* the picture may be another allocation after each push (an exchange) */
        err = ls_lecture_push(l, &pic, i, 0);
    }
    EXPECT(!err && l && !ls_lecture_finish(l), "every picture pushed (%d of %d), the end", i, LN);
    ls_lecture_close(&l);
    ls_picture_free(&pic);
}

static void test_lecture(void)
{
    LStreamSettings st;
    lstream_default_settings(&st);
    LStreamJob *job = NULL;
    if (lstream_job_open(&job, &st)) {
        EXPECT(0, "a job for the lecture analysis");
        return;
    }
    static const struct {
        int what, live;
        const char *name;
    } cases[] = {
        { 0, 0, "slides only" },
        { POINTER, 0, "a moving pointer" },
        { PEN, 0, "handwriting" },
        { POINTER | PEN, 0, "a pointer and handwriting" },
        { INSET, 1, "a camera inset" },
        { INSET | POINTER, 1, "a camera inset and a pointer" },
        { TONE | POINTER, 0, "exposure changes (a step, a ramp) and a pointer" },
        { FADE, 0, "a fade of 0.7 s between the slides" },
        { FADE | INSET, 1, "a fade of 0.7 s between the slides, a camera inset" },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        Flags c;
        lecture_run(job, cases[k].what, &c);
        EXPECT(c.n == LN, "%s: %d of %d pictures handed on", cases[k].name, c.n, LN);
        int slides = 0, live = 0, live_expected = 0, still = 0, inset = 0, settled = 0;
        for (int i = 0; i < LN; i++) {
            const int f = c.f[i], at_change = i == LN / 2;
            slides += !!(f & LS_LECT_SLIDE);
            /* (the chapter starts where the change began: a fade's IDR is where it settled) */
            if (f & LS_LECT_SLIDE)
                EXPECT(i - LS_LECT_SLIDE_AGO(f) == LN / 2, "%s: a slide change at frame %d (IDR at %d; true: %d)",
                       cases[k].name, i - LS_LECT_SLIDE_AGO(f), i, LN / 2);
            /* the slide change's own frame differs almost everywhere: live there, whatever else moves (and so do
             * the frames whose tone changes: no slide change there) */
            if (at_change || ((cases[k].what & TONE) && tone_change(i)) || ((cases[k].what & FADE) && in_fade(i)))
                continue;
            /* (the first picture has nothing to differ from: it is flagged as the one after it) */
            live += !!(f & LS_LECT_LIVE);
            live_expected++;
            /* still once the motion mask has what moves (half a second: an inset's blocks change, but are not
             * yet known to keep changing, in the first frames) */
            if (i >= 15) {
                settled++;
                still += LS_LECT_CLASS(f) == LS_CLASS_STILL;
                inset += !!(f & LS_LECT_INSET);
            }
        }
        EXPECT(slides == 1, "%s: %d slide changes, want 1 (frame %d)", cases[k].name, slides, LN / 2);
        /* the flag the encoder's held IDR depends on (transcode.c: LS_IDR_STANDS) */
        if (cases[k].live)
            EXPECT(live == live_expected, "%s: live on %d of %d frames, want all", cases[k].name, live, live_expected);
        else
            EXPECT(live == 0, "%s: live on %d frames, want none (only a pointer or a pen moves)", cases[k].name, live);
        /* none of these is a camera picture: the slide stays steady, what moves is small */
        EXPECT(still == settled && inset == settled, "%s: still on %d, inset on %d of %d frames", cases[k].name, still,
               inset, settled);
    }
    lstream_job_close(&job);
}

int main(int argc, char **argv)
{
    const char *golden = argc > 1 ? argv[1] : "tests/golden";
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s/lstream-unit-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return 99;
    test_bitrates();
    test_segplan();
    test_seggrid();
    test_codec_strings(tmp);
    test_sps_variable_rate();
    test_manifests(tmp, golden);
    test_lecture();
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd))
        printf("could not remove %s\n", tmp);
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
