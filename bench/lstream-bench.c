/*
 * lstream-bench: libstream's ladder against the equivalent single FFmpeg command, side by side in the same
 * run (A B A B ...), on given files or a generated lecture set. Reports wall and CPU time, realtime factor,
 * frames per second, peak RSS, bytes and quality (PSNR/SSIM, libstream's kernels) per rung, min/median/max,
 * and libstream/FFmpeg ratios pair by pair; as a terminal table, JSON, and Markdown with SVG charts.
 * Timing is never asserted: these machines are shared and noisy, trust the ratios.
 */
#include "config.h"
#include "bench.h"
#include "libstream/libstream.h"
#include "libstream/encode/x264_cpu.h"
#include "tools/cli_common.h"
#include "tools/synth.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <x264.h>
#include <dav1d/dav1d.h>

#define MAX_INPUTS 16
#define MAX_RUNS   20
#define MAX_RUNGS  8

typedef struct Sample {
    double wall, cpu, rss_mb;
} Sample;

typedef struct Tool {
    Sample s[MAX_RUNS];
    int n;
    BenchRung rung[MAX_RUNGS];
    int n_rungs;
    char out[4096];
    int failed;
} Tool;

typedef struct Input {
    char path[4096], name[128];
    double duration;
    long long frames;
    Tool ls, ff;
    char ffmpeg_cmd[8192];
    int ff_must, ff_should;
    char ff_first[512];
} Input;

static struct {
    int runs, threads, quick, step;
    double duration;
    const char *preset, *cpu, *outdir, *lstream, *checkasm;
    char kernels[16384];
} opt;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void stats(const double *v, int n, double *mn, double *med, double *mx)
{
    double t[MAX_RUNS];
    memcpy(t, v, sizeof(double) * n);
    qsort(t, n, sizeof(double), cmp_double);
    *mn = t[0];
    *mx = t[n - 1];
    *med = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Run argv with output to @p log; measure wall, user+sys CPU and peak RSS of the child. */
static int run_measured(char *const argv[], const char *log, Sample *s)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    s->wall = now() - t0;
    s->cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    s->rss_mb = ru.ru_maxrss / 1024.0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void rm_rf(const char *path)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    if (system(cmd)) {}
}

/* Concatenate a media playlist's init and segments into @p out; returns the segments' bytes. */
static long long concat_playlist(const char *playlist, const char *out, double *duration)
{
    FILE *pl = fopen(playlist, "r"), *o = fopen(out, "wb");
    long long bytes = 0;
    *duration = 0;
    if (!pl || !o) {
        if (pl)
            fclose(pl);
        if (o)
            fclose(o);
        return -1;
    }
    char dir[4096], line[4096];
    snprintf(dir, sizeof(dir), "%s", playlist);
    char *sl = strrchr(dir, '/');
    if (sl)
        *sl = 0;
    while (fgets(line, sizeof(line), pl)) {
        line[strcspn(line, "\r\n")] = 0;
        char name[4096] = "";
        int is_seg = 0;
        if (!strncmp(line, "#EXT-X-MAP:URI=\"", 16)) {
            snprintf(name, sizeof(name), "%s", line + 16);
            name[strcspn(name, "\"")] = 0;
        } else if (!strncmp(line, "#EXTINF:", 8)) {
            *duration += atof(line + 8);
        } else if (line[0] && line[0] != '#') {
            snprintf(name, sizeof(name), "%s", line);
            is_seg = 1;
        }
        if (!name[0])
            continue;
        char path[8300];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
            fwrite(buf, 1, n, o);
            if (is_seg)
                bytes += (long long)n;
        }
        fclose(f);
    }
    fclose(pl);
    fclose(o);
    return bytes;
}

/* Rungs (name, size) from libstream's ladder.json, with crf/max from the same line. */
typedef struct RungSpec {
    char name[32];
    int w, h;
    double crf;
    int max_kbps, buf_kbits;
} RungSpec;
static int read_ladder(const char *dir, RungSpec *r, int max, double *duration)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/ladder.json", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        const char *d = strstr(line, "\"duration\": ");
        if (d && line[2] == '"')
            *duration = atof(d + 12);
        if (!strstr(line, "\"type\": \"video\"") || n >= max)
            continue;
        const char *id = strstr(line, "\"id\": \""), *w = strstr(line, "\"width\": "),
                   *h = strstr(line, "\"height\": ");
        const char *c = strstr(line, "\"crf\": "), *m = strstr(line, "\"max_kbps\": ");
        if (!id || !w || !h || !c || !m)
            continue;
        sscanf(id + 7, "%31[^\"]", r[n].name);
        r[n].w = atoi(w + 9);
        r[n].h = atoi(h + 10);
        r[n].crf = atof(c + 7);
        r[n].max_kbps = atoi(m + 12);
        const char *b = strstr(line, "\"buffer_kbits\": ");
        r[n].buf_kbits = b ? atoi(b + 16) : r[n].max_kbps;
        n++;
    }
    fclose(f);
    return n;
}

/* segment start times (s) of libstream's first video rung, for FFmpeg's -force_key_frames */
static void boundaries(const char *dir, const char *rung, char *out, size_t n)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s/index.m3u8", dir, rung);
    FILE *f = fopen(path, "r");
    double t = 0;
    size_t o = 0;
    out[0] = 0;
    char line[512];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "#EXTINF:", 8)) {
            o += snprintf(out + o, n - o, "%s%.6f", o ? "," : "", t);
            t += atof(line + 8);
        }
    if (f)
        fclose(f);
}

static void build_ffmpeg(Input *in, const RungSpec *r, int n, const char *keys, char **argv, int *argc, char *store,
                         size_t sz)
{
    /* one FFmpeg process: split, scale (swscale bicubic, like libstream's default kernel), x264 with the same
     * preset, capped CRF and IDR instants, AAC mono 64k, HLS fMP4 with 6 s segments */
    size_t o = 0;
    int a = 0;
#define ARG(...)                                                                                                       \
    do {                                                                                                               \
        argv[a++] = store + o;                                                                                         \
        o += snprintf(store + o, sz - o, __VA_ARGS__) + 1;                                                             \
    } while (0)
    ARG("ffmpeg");
    ARG("-nostdin");
    ARG("-y");
    ARG("-loglevel");
    ARG("error");
    ARG("-threads");
    ARG("%d", opt.threads);
    if (opt.cpu && strcmp(opt.cpu, "all")) {
        ARG("-cpuflags");
        ARG("%s", !strcmp(opt.cpu, "c")      ? "0"
                  : !strcmp(opt.cpu, "sse2") ? "mmx+mmxext+sse+sse2"
                  : !strcmp(opt.cpu, "avx2") ? "mmx+mmxext+sse+sse2+sse3+ssse3+sse4.1+sse4.2+avx+fma3+avx2"
                                             : "-avx512");
    }
    ARG("-i");
    ARG("%s", in->path);
    char fc[2048];
    size_t f = (size_t)snprintf(fc, sizeof(fc), "[0:v]fps=30,split=%d", n);
    for (int i = 0; i < n; i++)
        f += snprintf(fc + f, sizeof(fc) - f, "[s%d]", i);
    for (int i = 0; i < n; i++)
        f += snprintf(fc + f, sizeof(fc) - f, ";[s%d]scale=%d:%d:flags=bicubic,format=yuv420p[v%d]", i, r[i].w, r[i].h,
                      i);
    ARG("-filter_complex");
    ARG("%s", fc);
    for (int i = 0; i < n; i++) {
        ARG("-map");
        ARG("[v%d]", i);
        ARG("-c:v:%d", i);
        ARG("libx264");
        ARG("-crf:v:%d", i);
        ARG("%.1f", r[i].crf);
        ARG("-maxrate:v:%d", i);
        ARG("%dk", r[i].max_kbps);
        ARG("-bufsize:v:%d", i);
        ARG("%dk", r[i].buf_kbits);
    }
    if (opt.cpu && strcmp(opt.cpu, "all")) {
        /* x264's assembly limited exactly as lstream --cpu limits its encoders (libstream/encode/x264_cpu.h) */
        LStreamSettings s; /* what lstream --cpu makes of it: the library's own parser */
        lstream_default_settings(&s);
        const int ok = lstream_settings_set(&s, "cpu_mask", opt.cpu) == 0;
        ARG("-x264-params");
        ARG("asm=%u", ls_x264_cpu_limit(ls_x264_cpu_detected(), ok ? s.cpu_mask : ~0u));
    }
    ARG("-preset");
    ARG("%s", opt.preset);
    ARG("-profile:v");
    ARG("high");
    ARG("-g");
    ARG("100000");
    ARG("-keyint_min");
    ARG("30");
    ARG("-force_key_frames");
    ARG("%s", keys[0] ? keys : "0");
    ARG("-map");
    ARG("0:a?");
    ARG("-c:a");
    ARG("aac");
    ARG("-ac");
    ARG("1");
    ARG("-b:a");
    ARG("64k");
    ARG("-f");
    ARG("hls");
    ARG("-hls_time");
    ARG("6");
    ARG("-hls_playlist_type");
    ARG("vod");
    ARG("-hls_segment_type");
    ARG("fmp4");
    ARG("-master_pl_name");
    ARG("master.m3u8");
    char vsm[512];
    size_t v = 0;
    for (int i = 0; i < n; i++)
        v += snprintf(vsm + v, sizeof(vsm) - v, "%sv:%d,agroup:aud", i ? " " : "", i);
    v += snprintf(vsm + v, sizeof(vsm) - v, " a:0,agroup:aud");
    ARG("-var_stream_map");
    ARG("%s", vsm);
    ARG("%s/v%%v/index.m3u8", in->ff.out);
#undef ARG
    argv[a] = NULL;
    *argc = a;
    size_t c = 0;
    for (int i = 0; i < a; i++)
        c += snprintf(in->ffmpeg_cmd + c, sizeof(in->ffmpeg_cmd) - c, "%s'%s'", i ? " " : "", argv[i]);
}

static int ffmpeg_has_audio_input(const char *path)
{
    AVFormatContext *f = NULL;
    int yes = 0;
    if (avformat_open_input(&f, path, NULL, NULL) == 0 && avformat_find_stream_info(f, NULL) >= 0)
        yes = av_find_best_stream(f, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) >= 0;
    avformat_close_input(&f);
    return yes;
}

static void machine(FILE *o, int md)
{
    char model[256] = "unknown", os[256] = "unknown", line[512];
    long mem_kb = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "model name", 10)) {
            snprintf(model, sizeof(model), "%s", strchr(line, ':') + 2);
            model[strcspn(model, "\n")] = 0;
            break;
        }
    if (f)
        fclose(f);
    f = fopen("/proc/meminfo", "r");
    if (f && fgets(line, sizeof(line), f))
        mem_kb = atol(line + 9);
    if (f)
        fclose(f);
    f = fopen("/etc/os-release", "r");
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "PRETTY_NAME=", 12)) {
            snprintf(os, sizeof(os), "%s", line + 13);
            os[strcspn(os, "\"\n")] = 0;
        }
    if (f)
        fclose(f);
    struct utsname u;
    uname(&u);
    unsigned cpu = lstream_cpu_flags();
    char feats[128];
    snprintf(feats, sizeof(feats), "%s%s%s%s%s%s", cpu & LSTREAM_CPU_SSE2 ? "sse2 " : "",
             cpu & LSTREAM_CPU_SSSE3 ? "ssse3 " : "", cpu & LSTREAM_CPU_SSE41 ? "sse4.1 " : "",
             cpu & LSTREAM_CPU_AVX2 ? "avx2 " : "", cpu & LSTREAM_CPU_AVX512 ? "avx512 " : "",
             cpu & LSTREAM_CPU_NEON ? "neon " : "");
    const char *fmt = md ? "| %s | %s |\n" : "%-12s %s\n";
    if (md)
        fprintf(o, "| | |\n|---|---|\n");
    char buf[512];
    fprintf(o, fmt, "CPU", model);
    snprintf(buf, sizeof(buf), "%ld online, %d used by each tool (--threads)", sysconf(_SC_NPROCESSORS_ONLN),
             opt.threads);
    fprintf(o, fmt, "cores", buf);
    snprintf(buf, sizeof(buf), "%s(detected); libstream kernels limited to: %s", feats, opt.cpu ? opt.cpu : "all");
    fprintf(o, fmt, "SIMD", buf);
    snprintf(buf, sizeof(buf), "%.1f GiB", mem_kb / 1048576.0);
    fprintf(o, fmt, "memory", buf);
    snprintf(buf, sizeof(buf), "%s, Linux %s %s", os, u.release, u.machine);
    fprintf(o, fmt, "OS", buf);
    snprintf(buf, sizeof(buf), "libstream %s, libavcodec %s, x264 build %d, dav1d %s", lstream_version(),
             AV_STRINGIFY(LIBAVCODEC_VERSION), X264_BUILD, dav1d_version());
    fprintf(o, fmt, "libraries", buf);
}

static const char *progress_name;
static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
    if (opt.quick && !isatty(2))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "\r\033[K[%s] ", progress_name ? progress_name : "bench");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

static double metric_of(const BenchRung *r, int ssim) { return ssim ? r->ssim : r->psnr; }

static void svg_chart(const Input *in, const char *path, int ssim)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    const int W = 640, H = 400, L = 70, R = 20, T = 40, B = 50;
    double xmax = 1, ymin = 100, ymax = 0;
    const Tool *tools[2] = { &in->ls, &in->ff };
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < tools[t]->n_rungs; i++) {
            const BenchRung *r = &tools[t]->rung[i];
            double kbps = r->duration > 0 ? r->bytes * 8 / r->duration / 1000 : 0;
            if (kbps > xmax)
                xmax = kbps;
            const double m = metric_of(r, ssim);
            if (!isnan(m)) {
                if (m < ymin)
                    ymin = m;
                if (m > ymax)
                    ymax = m;
            }
        }
    const double pad = ssim ? 0.005 : 1.0;
    ymin = ssim ? floor((ymin - pad) * 100) / 100 : floor(ymin - pad);
    ymax = ssim ? fmin(1.0, ceil((ymax + pad) * 100) / 100) : ceil(ymax + pad);
    if (ymax <= ymin)
        ymax = ymin + 1;
    xmax *= 1.1;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
            "font-size=\"12\">\n",
            W, H);
    fprintf(f,
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"20\" font-size=\"14\">%s: "
            "rate vs quality per rung (luma %s against the source)</text>\n",
            L, in->name, ssim ? "SSIM" : "PSNR");
    fprintf(f,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
            "y2=\"%d\" stroke=\"black\"/>\n",
            L, H - B, W - R, H - B, L, T, L, H - B);
    for (int k = 0; k <= 5; k++) {
        double xv = xmax * k / 5, yv = ymin + (ymax - ymin) * k / 5;
        int x = L + (W - L - R) * k / 5, y = H - B - (H - T - B) * k / 5;
        fprintf(f,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f</text><text x=\"%d\" y=\"%d\" "
                "text-anchor=\"end\">%.*f</text>\n",
                x, H - B + 18, xv, L - 6, y + 4, ssim ? 3 : 1, yv);
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n", L, y, W - R, y);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">average bit rate of the rung, kbit/s</text>\n",
            (L + W - R) / 2, H - 12);
    fprintf(f, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">%s</text>\n",
            (T + H - B) / 2, (T + H - B) / 2, ssim ? "SSIM-Y" : "PSNR-Y, dB");
    const char *colour[2] = { "#1f77b4", "#d62728" }, *label[2] = { "libstream", "FFmpeg" };
    /* libstream solid with dots, FFmpeg dashed with rings on top: both visible where they coincide */
    for (int t = 0; t < 2; t++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colour[t],
                t ? " stroke-dasharray=\"6 4\"" : "");
        for (int i = tools[t]->n_rungs - 1; i >= 0; i--) {
            const BenchRung *r = &tools[t]->rung[i];
            if (isnan(metric_of(r, ssim)))
                continue;
            double kbps = r->bytes * 8 / r->duration / 1000;
            fprintf(f, "%.1f,%.1f ", L + (W - L - R) * kbps / xmax,
                    H - B - (H - T - B) * (metric_of(r, ssim) - ymin) / (ymax - ymin));
        }
        fprintf(f, "\"/>\n");
        for (int i = 0; i < tools[t]->n_rungs; i++) {
            const BenchRung *r = &tools[t]->rung[i];
            if (isnan(metric_of(r, ssim)))
                continue;
            double kbps = r->bytes * 8 / r->duration / 1000;
            double x = L + (W - L - R) * kbps / xmax,
                   y = H - B - (H - T - B) * (metric_of(r, ssim) - ymin) / (ymax - ymin);
            if (t == 0)
                fprintf(f,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%dp</text>\n",
                        x, y, colour[t], x - 10, y - 9, r->height);
            else
                fprintf(f,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"white\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                        x, y, colour[t]);
        }
        fprintf(f,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/><text x=\"%d\" "
                "y=\"%d\">%s</text>\n",
                W - R - 130, H - B - 44 + 18 * t, W - R - 106, H - B - 44 + 18 * t, colour[t],
                t ? " stroke-dasharray=\"6 4\"" : "", W - R - 100, H - B - 40 + 18 * t, label[t]);
    }
    fprintf(f, "</svg>\n");
    fclose(f);
}

static void usage(void)
{
    fprintf(stderr, "usage: lstream-bench [FILE ...] [--kinds slides-pip,screencast,talking-head] [--duration S]\n"
                    "                     [--runs N] [--threads N] [--cpu c|sse2|avx2|avx512|all] [--preset P]\n"
                    "                     [--out DIR] [--lstream PATH] [--checkasm PATH] [--quick]\n"
                    "Runs libstream's ladder and the equivalent FFmpeg command alternately on each input and writes\n"
                    "DIR/report.md, DIR/bench.json and DIR/*.svg (default DIR: bench-out).\n");
}

static int run_input(Input *in, int idx, int count)
{
    char log[4300];
    snprintf(in->ls.out, sizeof(in->ls.out), "%s/work/%s-libstream", opt.outdir, in->name);
    snprintf(in->ff.out, sizeof(in->ff.out), "%s/work/%s-ffmpeg", opt.outdir, in->name);
    char threads[16];
    snprintf(threads, sizeof(threads), "%d", opt.threads);
    char *ls_argv[32];
    int a = 0;
    ls_argv[a++] = (char *)opt.lstream;
    ls_argv[a++] = "transcode";
    ls_argv[a++] = in->path;
    ls_argv[a++] = "-o";
    ls_argv[a++] = in->ls.out;
    ls_argv[a++] = "-q";
    ls_argv[a++] = "-t";
    ls_argv[a++] = threads;
    ls_argv[a++] = "-p";
    ls_argv[a++] = (char *)opt.preset;
    ls_argv[a++] = "--no-validate";
    ls_argv[a++] = "--opus-kbps"; /* the same work as the FFmpeg command: AAC only */
    ls_argv[a++] = "0";
    if (opt.cpu) {
        ls_argv[a++] = "--cpu";
        ls_argv[a++] = (char *)opt.cpu;
    }
    ls_argv[a] = NULL;
    char *ff_argv[256];
    static char ff_store[65536];
    int ffa = 0;
    for (int run = 0; run < opt.runs; run++) {
        /* A: libstream */
        progress("input %d/%d %s, run %d/%d: libstream ...", idx + 1, count, in->name, run + 1, opt.runs);
        rm_rf(in->ls.out);
        snprintf(log, sizeof(log), "%s/work/%s-libstream.log", opt.outdir, in->name);
        int rc = run_measured(ls_argv, log, &in->ls.s[in->ls.n]);
        if (rc) {
            fprintf(stderr, "\nlibstream failed on %s (exit %d), see %s\n", in->path, rc, log);
            in->ls.failed = 1;
            return -1;
        }
        in->ls.n++;
        if (run == 0) { /* the FFmpeg command copies libstream's rungs and IDR instants */
            RungSpec r[MAX_RUNGS];
            int n = read_ladder(in->ls.out, r, MAX_RUNGS, &in->duration);
            if (n <= 0)
                return -1;
            char keys[65536];
            boundaries(in->ls.out, r[0].name, keys, sizeof(keys));
            build_ffmpeg(in, r, n, keys, ff_argv, &ffa, ff_store, sizeof(ff_store));
            if (!ffmpeg_has_audio_input(in->path)) /* drop the audio group */
                for (int i = 0; i < ffa; i++)
                    if (!strcmp(ff_argv[i], "-var_stream_map")) {
                        char *m = strstr(ff_argv[i + 1], " a:0");
                        if (m)
                            *m = 0;
                    }
        }
        /* B: FFmpeg */
        progress("input %d/%d %s, run %d/%d: FFmpeg ...   ", idx + 1, count, in->name, run + 1, opt.runs);
        rm_rf(in->ff.out);
        mkdir(in->ff.out, 0755);
        snprintf(log, sizeof(log), "%s/work/%s-ffmpeg.log", opt.outdir, in->name);
        rc = run_measured(ff_argv, log, &in->ff.s[in->ff.n]);
        if (rc) {
            fprintf(stderr, "\nFFmpeg failed on %s (exit %d), see %s\n", in->path, rc, log);
            in->ff.failed = 1;
            return -1;
        }
        in->ff.n++;
    }
    /* bytes and quality per rung, from the last run of each */
    RungSpec r[MAX_RUNGS];
    int n = read_ladder(in->ls.out, r, MAX_RUNGS, &in->duration);
    BenchRung all[2 * MAX_RUNGS];
    for (int i = 0; i < n; i++) {
        for (int t = 0; t < 2; t++) {
            BenchRung *b = &all[t * n + i];
            memset(b, 0, sizeof(*b));
            snprintf(b->name, sizeof(b->name), "%s", r[i].name);
            b->width = r[i].w;
            b->height = r[i].h;
            char pl[4400];
            if (t == 0)
                snprintf(pl, sizeof(pl), "%s/%s/index.m3u8", in->ls.out, r[i].name);
            else
                snprintf(pl, sizeof(pl), "%s/v%d/index.m3u8", in->ff.out, i);
            snprintf(b->media, sizeof(b->media), "%s/work/%s-%s-%s.mp4", opt.outdir, in->name, t ? "ff" : "ls",
                     r[i].name);
            b->bytes = concat_playlist(pl, b->media, &b->duration);
        }
    }
    progress("input %d/%d %s: measuring quality of %d rungs x 2 ...", idx + 1, count, in->name, n);
    bench_quality(in->path, all, 2 * n, opt.step);
    for (int i = 0; i < n; i++) {
        in->ls.rung[i] = all[i];
        in->ff.rung[i] = all[n + i];
        unlink(all[i].media);
        unlink(all[n + i].media);
    }
    in->ls.n_rungs = in->ff.n_rungs = n;
    /* what the validator says of FFmpeg's HLS output */
    LStreamValidation *v;
    if (lstream_validate(in->ff.out, &v) == 0) {
        in->ff_must = lstream_validation_must_count(v);
        in->ff_should = lstream_validation_count(v) - in->ff_must;
        for (int i = 0; i < lstream_validation_count(v); i++) {
            const LStreamFinding *f = lstream_validation_finding(v, i);
            if (f->must) {
                snprintf(in->ff_first, sizeof(in->ff_first), "%s %s: %s", f->rule, f->file, f->message);
                break;
            }
        }
        lstream_validation_free(&v);
    }
    in->frames = (long long)llrint(in->duration * 30);
    return 0;
}

static void print_reports(Input *in, int n_in)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/report.md", opt.outdir);
    FILE *md = fopen(path, "w");
    snprintf(path, sizeof(path), "%s/bench.json", opt.outdir);
    FILE *js = fopen(path, "w");
    if (!md || !js) {
        fprintf(stderr, "cannot write the reports in %s\n", opt.outdir);
        if (md)
            fclose(md);
        if (js)
            fclose(js);
        return;
    }
    printf("\n");
    machine(stdout, 0);
    fprintf(md, "# libstream bench\n\n");
    machine(md, 1);
    fprintf(md,
            "\nPreset %s, %d run(s) per tool, alternating libstream / FFmpeg. Ratios are libstream / FFmpeg, "
            "run by run (lower time and memory are better). Timing is min / median / max.\n",
            opt.preset, opt.runs);
    fprintf(js,
            "{\n  \"libstream_version\": \"%s\", \"preset\": \"%s\", \"runs\": %d, \"threads\": %d, \"cpu\": \"%s\",\n "
            " \"inputs\": [\n",
            lstream_version(), opt.preset, opt.runs, opt.threads, opt.cpu ? opt.cpu : "all");
    for (int k = 0; k < n_in; k++) {
        Input *x = &in[k];
        if (!x->ls.n || !x->ff.n)
            continue;
        const int n = x->ls.n < x->ff.n ? x->ls.n : x->ff.n;
        double lw[MAX_RUNS], fw[MAX_RUNS], lc[MAX_RUNS], fc[MAX_RUNS], lr[MAX_RUNS], fr[MAX_RUNS];
        double rw[MAX_RUNS], rc[MAX_RUNS], rr[MAX_RUNS];
        for (int i = 0; i < n; i++) {
            lw[i] = x->ls.s[i].wall;
            fw[i] = x->ff.s[i].wall;
            lc[i] = x->ls.s[i].cpu;
            fc[i] = x->ff.s[i].cpu;
            lr[i] = x->ls.s[i].rss_mb;
            fr[i] = x->ff.s[i].rss_mb;
            rw[i] = lw[i] / fw[i];
            rc[i] = lc[i] / fc[i];
            rr[i] = lr[i] / fr[i];
        }
        double s[9][3];
        double *series[9] = { lw, fw, rw, lc, fc, rc, lr, fr, rr };
        for (int j = 0; j < 9; j++)
            stats(series[j], n, &s[j][0], &s[j][1], &s[j][2]);
        const double D = x->duration;
        printf("\n%s (%.1f s, %lld frames)\n", x->name, D, x->frames);
        printf("  %-10s %-26s %-26s %-22s\n", "", "libstream", "FFmpeg", "ratio ls/ff");
        printf("  %-10s %7.2f %7.2f %7.2f s    %7.2f %7.2f %7.2f s    %5.2f %5.2f %5.2f\n", "wall", s[0][0], s[0][1],
               s[0][2], s[1][0], s[1][1], s[1][2], s[2][0], s[2][1], s[2][2]);
        printf("  %-10s %7.2f %7.2f %7.2f s    %7.2f %7.2f %7.2f s    %5.2f %5.2f %5.2f\n", "cpu", s[3][0], s[3][1],
               s[3][2], s[4][0], s[4][1], s[4][2], s[5][0], s[5][1], s[5][2]);
        printf("  %-10s %7.0f %7.0f %7.0f MB   %7.0f %7.0f %7.0f MB   %5.2f %5.2f %5.2f\n", "peak RSS", s[6][0],
               s[6][1], s[6][2], s[7][0], s[7][1], s[7][2], s[8][0], s[8][1], s[8][2]);
        printf("  %-10s %7.2fx realtime, %5.1f fps  %7.2fx realtime, %5.1f fps   (median)\n", "speed", D / s[0][1],
               x->frames / s[0][1], D / s[1][1], x->frames / s[1][1]);
        printf("  %-8s %-10s %10s %8s %7s %10s %8s %7s\n", "rung", "size", "ls kbit/s", "PSNR", "SSIM", "ff kbit/s",
               "PSNR", "SSIM");
        for (int i = 0; i < x->ls.n_rungs; i++) {
            const BenchRung *a = &x->ls.rung[i], *b = &x->ff.rung[i];
            printf("  %-8s %4dx%-5d %10.1f %8.2f %7.4f %10.1f %8.2f %7.4f\n", a->name, a->width, a->height,
                   a->bytes * 8 / a->duration / 1000, a->psnr, a->ssim, b->bytes * 8 / b->duration / 1000, b->psnr,
                   b->ssim);
        }
        printf("  validator on FFmpeg's HLS output: %d MUST, %d SHOULD%s%s\n", x->ff_must, x->ff_should,
               x->ff_first[0] ? "; first: " : "", x->ff_first);

        fprintf(md, "\n## %s\n\n%.1f s, %lld frames at 30 fps (`%s`)\n\n", x->name, D, x->frames, x->path);
        fprintf(md, "| | libstream min / median / max | FFmpeg min / median / max | ratio ls/ff min / median / max "
                    "|\n|---|---|---|---|\n");
        const char *rows[3] = { "wall time (s)", "CPU time (s)", "peak RSS (MB)" };
        for (int j = 0; j < 3; j++)
            fprintf(md, "| %s | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f |\n", rows[j], s[3 * j][0],
                    s[3 * j][1], s[3 * j][2], s[3 * j + 1][0], s[3 * j + 1][1], s[3 * j + 1][2], s[3 * j + 2][0],
                    s[3 * j + 2][1], s[3 * j + 2][2]);
        fprintf(md, "| realtime factor (median) | %.2fx | %.2fx | |\n| frames/s (median) | %.1f | %.1f | |\n\n",
                D / s[0][1], D / s[1][1], x->frames / s[0][1], x->frames / s[1][1]);
        fprintf(md, "| rung | size | libstream kbit/s | PSNR-Y | SSIM-Y | FFmpeg kbit/s | PSNR-Y | SSIM-Y "
                    "|\n|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < x->ls.n_rungs; i++) {
            const BenchRung *a = &x->ls.rung[i], *b = &x->ff.rung[i];
            fprintf(md, "| %s | %dx%d | %.1f | %.2f | %.4f | %.1f | %.2f | %.4f |\n", a->name, a->width, a->height,
                    a->bytes * 8 / a->duration / 1000, a->psnr, a->ssim, b->bytes * 8 / b->duration / 1000, b->psnr,
                    b->ssim);
        }
        char svg[4300];
        snprintf(svg, sizeof(svg), "%s/%s-psnr.svg", opt.outdir, x->name);
        svg_chart(x, svg, 0);
        snprintf(svg, sizeof(svg), "%s/%s-ssim.svg", opt.outdir, x->name);
        svg_chart(x, svg, 1);
        fprintf(md,
                "\n![rate-PSNR %s](%s-psnr.svg) ![rate-SSIM %s](%s-ssim.svg)\n\nValidator on FFmpeg's HLS output: %d "
                "MUST, %d SHOULD findings%s%s.\n\n"
                "FFmpeg command:\n\n```\n%s\n```\n",
                x->name, x->name, x->name, x->name, x->ff_must, x->ff_should, x->ff_first[0] ? "; first MUST: " : "",
                x->ff_first, x->ffmpeg_cmd);
        fprintf(js, "    {\"name\": \"%s\", \"duration\": %.3f, \"frames\": %lld,\n", x->name, D, x->frames);
        const char *keys[9] = { "libstream_wall", "ffmpeg_wall",      "ratio_wall",    "libstream_cpu", "ffmpeg_cpu",
                                "ratio_cpu",      "libstream_rss_mb", "ffmpeg_rss_mb", "ratio_rss" };
        for (int j = 0; j < 9; j++)
            fprintf(js, "     \"%s\": {\"min\": %.4f, \"median\": %.4f, \"max\": %.4f},\n", keys[j], s[j][0], s[j][1],
                    s[j][2]);
        fprintf(js, "     \"rungs\": [");
        for (int i = 0; i < x->ls.n_rungs; i++) {
            const BenchRung *a = &x->ls.rung[i], *b = &x->ff.rung[i];
            fprintf(js,
                    "%s\n       {\"name\": \"%s\", \"width\": %d, \"height\": %d, \"libstream\": {\"bytes\": %lld, "
                    "\"psnr\": %.3f, \"ssim\": %.5f}, "
                    "\"ffmpeg\": {\"bytes\": %lld, \"psnr\": %.3f, \"ssim\": %.5f}}",
                    i ? "," : "", a->name, a->width, a->height, a->bytes, isnan(a->psnr) ? 0 : a->psnr,
                    isnan(a->ssim) ? 0 : a->ssim, b->bytes, isnan(b->psnr) ? 0 : b->psnr, isnan(b->ssim) ? 0 : b->ssim);
        }
        fprintf(js, "],\n     \"ffmpeg_validator\": {\"must\": %d, \"should\": %d}}%s\n", x->ff_must, x->ff_should,
                k == n_in - 1 ? "" : ",");
    }
    fprintf(js, "  ]\n}\n");
    if (opt.kernels[0]) {
        printf("\nkernels (checkasm --bench):\n%s", opt.kernels);
        fprintf(md, "\n## Kernels (`checkasm --bench`)\n\n```\n%s```\n", opt.kernels);
    }
    fclose(md);
    fclose(js);
    printf("\nreports: %s/report.md, %s/bench.json\n", opt.outdir, opt.outdir);
}

int main(int argc, char **argv)
{
    av_log_set_level(AV_LOG_ERROR);
    opt.runs = 3;
    opt.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    opt.duration = 60;
    opt.preset = "veryfast";
    opt.outdir = "bench-out";
    opt.step = 3;
    const char *kinds = "slides-pip,screencast,talking-head";
    static Input in[MAX_INPUTS];
    int n_in = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--runs") && v)
            opt.runs = atoi(argv[++i]);
        else if (!strcmp(a, "--threads") && v)
            opt.threads = atoi(argv[++i]);
        else if (!strcmp(a, "--duration") && v)
            opt.duration = atof(argv[++i]);
        else if (!strcmp(a, "--preset") && v)
            opt.preset = argv[++i];
        else if (!strcmp(a, "--cpu") && v)
            opt.cpu = argv[++i];
        else if (!strcmp(a, "--out") && v)
            opt.outdir = argv[++i];
        else if (!strcmp(a, "--kinds") && v)
            kinds = argv[++i];
        else if (!strcmp(a, "--lstream") && v)
            opt.lstream = argv[++i];
        else if (!strcmp(a, "--checkasm") && v)
            opt.checkasm = argv[++i];
        else if (!strcmp(a, "--quick"))
            opt.quick = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (a[0] != '-' && n_in < MAX_INPUTS) {
            snprintf(in[n_in].path, sizeof(in[n_in].path), "%s", a);
            const char *b = strrchr(a, '/');
            snprintf(in[n_in].name, sizeof(in[n_in].name), "%s", b ? b + 1 : a);
            n_in++;
        } else {
            usage();
            return 1;
        }
    }
    if (opt.quick) { /* the smoke test of make check: tiny, one run */
        opt.runs = 1;
        opt.duration = opt.duration < 3 ? opt.duration : 3;
        opt.step = 1;
        if (!strcmp(kinds, "slides-pip,screencast,talking-head"))
            kinds = "slides-pip";
    }
    if (opt.runs < 1 || opt.runs > MAX_RUNS || opt.threads < 1 || opt.duration <= 0) {
        usage();
        return 1;
    }
    /* lstream and checkasm next to this binary (build tree), else on PATH */
    static char self_dir[4096], ls_path[4200], ca_path[4200];
    ssize_t l = readlink("/proc/self/exe", self_dir, sizeof(self_dir) - 1);
    if (l > 0) {
        self_dir[l] = 0;
        char *s = strrchr(self_dir, '/');
        if (s)
            *s = 0;
        if (strstr(self_dir, "/.libs"))
            *strstr(self_dir, "/.libs") = 0;
    }
    if (!opt.lstream) {
        snprintf(ls_path, sizeof(ls_path), "%s/lstream", self_dir);
        opt.lstream = access(ls_path, X_OK) ? "lstream" : ls_path;
    }
    if (!opt.checkasm) {
        snprintf(ca_path, sizeof(ca_path), "%s/tests/checkasm/checkasm", self_dir);
        opt.checkasm = access(ca_path, X_OK) ? NULL : ca_path;
    }
    char work[4200];
    mkdir(opt.outdir, 0755);
    snprintf(work, sizeof(work), "%s/work", opt.outdir);
    mkdir(work, 0755);
    if (!n_in) { /* the generated lecture set: deterministic, cached by its parameters */
        char list[256];
        snprintf(list, sizeof(list), "%s", kinds);
        for (char *save = NULL, *k = strtok_r(list, ",", &save); k && n_in < MAX_INPUTS;
             k = strtok_r(NULL, ",", &save)) {
            SynthParams sp;
            synth_defaults(&sp);
            sp.duration = opt.duration;
            if (!strcmp(k, "screencast"))
                sp.kind = SYNTH_SCREENCAST;
            else if (!strcmp(k, "talking-head"))
                sp.kind = SYNTH_TALKING_HEAD;
            else if (strcmp(k, "slides-pip")) {
                fprintf(stderr, "unknown kind %s\n", k);
                return 1;
            }
            if (opt.quick) {
                sp.width = 320;
                sp.height = 180;
            }
            Input *x = &in[n_in++];
            snprintf(x->name, sizeof(x->name), "%s-%dp-%.0fs", k, sp.height, sp.duration);
            char name[sizeof(x->name)];
            memcpy(name, x->name, sizeof(name));
            snprintf(x->path, sizeof(x->path), "%s/inputs-%s.mp4", opt.outdir, name);
            struct stat st;
            if (stat(x->path, &st)) {
                progress_name = "generate";
                progress("%s ...", x->name);
                char err[256];
                char tmp[4300];
                snprintf(tmp, sizeof(tmp), "%s.tmp.mp4", x->path);
                if (synth_write(&sp, tmp, err, sizeof(err)) < 0 || rename(tmp, x->path)) {
                    fprintf(stderr, "\n%s\n", err);
                    return 1;
                }
            }
        }
    }
    progress_name = "bench";
    int failures = 0;
    for (int i = 0; i < n_in; i++)
        if (run_input(&in[i], i, n_in) < 0)
            failures++;
    if (opt.checkasm) {
        progress("kernel micro-benchmarks ...");
        char cmd[4400];
        snprintf(cmd, sizeof(cmd),
                 "'%s' --bench --seed 1 2>&1 | sed -n '/^bench:/,/^checkasm:/p' | grep -v '^checkasm:'", opt.checkasm);
        FILE *p = popen(cmd, "r");
        size_t o = 0, n;
        while (p && (n = fread(opt.kernels + o, 1, sizeof(opt.kernels) - 1 - o, p)) > 0)
            o += n;
        opt.kernels[o] = 0;
        if (p)
            pclose(p);
    }
    if (!opt.quick || isatty(2))
        fprintf(stderr, "\r\033[K");
    print_reports(in, n_in);
    if (!opt.quick)
        rm_rf(work);
    return failures ? 1 : 0;
}
