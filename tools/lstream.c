/* lstream: the batch binary (transcode a lecture into an HLS + DASH ladder, validate a ladder, make a sample). */
#include "config.h"
#include "cli_common.h"
#include "synth.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/log.h>

/* exit codes, documented in --help and the man page */
enum {
    EXIT_OK = 0,
    EXIT_USAGE = 1,
    EXIT_INPUT = 2,
    EXIT_OUTPUT = 3,
    EXIT_FAILED = 4,
    EXIT_INVALID = 5,
    EXIT_INTERRUPTED = 130,
};

static void usage(FILE *f)
{
    fprintf(
        f, "usage: lstream transcode [INPUT] -o OUTDIR [options]\n"
           "       lstream live -o OUTDIR [--source test|GST-SOURCE] [--audio-source test|GST-SOURCE|none]\n"
           "                    [--duration S] [--window N] [--size WxH] [--fps N] [transcode's ladder options]\n"
           "       lstream finalize OUTDIR [--no-validate] [--json] [-q] [-v]\n"
           "       lstream validate PATH [--json]\n"
           "       lstream sample OUTPUT.mp4 [--kind KIND] [--duration S] [--size WxH] [--fps N] [--rotate DEG]\n"
           "                      [--no-audio] [--seed N] [--slide-times]\n"
           "                      (KIND: slides-pip, slides, screencast, talking-head)\n"
           "       lstream --version\n"
           "\n"
           "transcode: turn a lecture recording into an HLS + DASH bitrate ladder in OUTDIR\n"
           "(master.m3u8, manifest.mpd, ladder.json, one folder per rendition). Without INPUT, a built-in\n"
           "synthetic lecture (slides, camera, speech) is generated and used.\n"
           "  -o, --output DIR        output directory (replaced atomically only if it is a libstream ladder)\n"
           "  -r, --rungs LIST        rungs by short side, largest first, e.g. 720,480,240; each may carry\n"
           "                          :crf=N:max=KBPS:buf=KBIT (default: the lecture ladder from the source\n"
           "                          size, at most 1080p, down to a cellular rung <= 192 kbit/s)\n"
           "  -s, --segment SECONDS   target segment duration (default 6)\n"
           "  -p, --preset NAME       x264 preset (default veryfast)\n"
           "  -t, --threads N         threads (default: all CPUs)\n"
           "      --audio-kbps N      AAC-LC bit rate (default 64)\n"
           "      --opus-kbps N       Opus speech rendition beside AAC at N kbit/s (default 20; 0: none)\n"
           "      --vp9 N             the lowest N rungs (0..3) also in VP9 through libvpx, beside H.264 (default 0)\n"
           "      --ladder MODE       fixed: every planned rung (default); auto: probe encodes keep the rungs on\n"
           "                          the rate-quality hull that save enough bytes (ladder.json ladder_probe)\n"
           "      --stereo            keep stereo audio (default mono: lecture speech)\n"
           "      --loudness LUFS     audio loudness target, EBU R128 (-40..-5; default -16; 0: as recorded)\n"
           "      --lang CODE         audio language, BCP 47 (default und)\n"
           "      --max-fps N         frame-rate cap; faster sources are halved (default 30)\n"
           "      --cpu LEVEL         SIMD level (kernels and x264): c, sse2, ssse3, sse41, avx2, avx512, neon, or a "
           "mask\n"
           "      --no-validate       publish without running the validator\n"
           "      --no-lecture        no slide-change analysis: no slide-change IDRs, no chapters (default:\n"
           "                          lecture-aware, doc/LECTURE.md)\n"
           "      --no-thumbnails     no thumbnail sprites and chapter images\n"
           "      --no-hold           encode every frame (default: a frame that repeats the one before exactly\n"
           "                          lengthens the sample before it, at most 1 s)\n"
           "      --hold-tolerance N  a frame within N levels of the picture shown is held too (0..16, default 3:\n"
           "                          a still recording's coding noise; 0: exact repeats only)\n"
           "      --inset-fps N       lowest frame rate of a still slide on which only a camera inset or a pointer\n"
           "                          moves: the pictures between are held (default 12: 30 fps gives 15; 0: all)\n"
           "      --no-download       no download.mp4 (by default the lowest rung and the data-saver audio in one\n"
           "                          file for offline viewing, listed in ladder.json and master.m3u8)\n"
           "      --strict            refuse any damage in the input (default: conceal and count it, refuse\n"
           "                          only past 5 %% of packets damaged or frames missing)\n"
           "      --sample-duration S length of the built-in sample (default 60)\n"
           "      --chunk K/N         encode only video chunk K of N (1 <= K <= N) into OUTDIR.parts/, for a\n"
           "                          cluster; --chunk audio encodes the audio part. Same options for every\n"
           "                          part; then 'lstream finalize OUTDIR' (INPUT required)\n"
           "      --chunk-span N      segments per video encoder, the grid chunks cut on (e.g. 10: a minute);\n"
           "                          required by --chunk; give the same to a whole run to compare (default 0:\n"
           "                          one encoder for the whole lecture)\n"
           "      --json              machine-readable progress and result on stdout (JSON lines)\n"
           "  -q, --quiet             no progress bar\n"
           "  -v, --verbose           more messages\n"
           "  -h, --help              this text\n"
           "\n"
           "live: a lecture as it happens, from a capture source through GStreamer, published in OUTDIR (a new\n"
           "or empty folder, served by any web server) as live HLS (sliding window, PROGRAM-DATE-TIME) and a\n"
           "dynamic DASH MPD; when the source ends, --duration passes or Ctrl-C, the same segments become the VOD\n"
           "ladder transcode would publish (validated, ladder.json).\n"
           "      --source SRC        \"test\" (default: a test pattern with the running time and clock burned in,\n"
           "                          and a tone) or a gst-launch video source, e.g. \"v4l2src\",\n"
           "                          \"ximagesrc use-damage=false\", \"srtsrc uri=srt://:7001 ! decodebin\"\n"
           "      --audio-source SRC  \"test\", a gst-launch audio source (\"pulsesrc\", \"alsasrc\"), or none\n"
           "                          (default: test with --source test, else none)\n"
           "      --duration S        end after S seconds (default 0: when the source ends or on Ctrl-C)\n"
           "      --window N          segments in the live playlists (6..; default 10); 0: EVENT, keeps all\n"
           "      --size WxH, --fps N the test source's picture (default 1280x720, 30)\n"
           "      -s SECONDS          segment duration (live default 2)\n"
           "\n"
           "finalize: join the parts of a chunked encode in OUTDIR.parts/ into the ladder OUTDIR (manifests,\n"
           "ladder.json, validation), byte for byte what one transcode with the parts' settings makes.\n"
           "\n"
           "validate: check an HLS/DASH output (directory, .m3u8 or .mpd) against the packaging rules (doc/RULES.md).\n"
           "\n"
           "exit status:\n"
           "  0 success; 1 usage error; 2 input missing, unreadable, corrupt or without audio/video;\n"
           "  3 output directory cannot be written or replaced; 4 transcoding failed;\n"
           "  5 the ladder breaks a MUST rule (validate, or transcode before publishing); 130 interrupted.\n"
           "On any failure nothing is published and an existing OUTDIR is left as it was.\n");
}

static int exit_code(int err)
{
    switch (err) {
    case 0: return EXIT_OK;
    case LSTREAM_ERR_INVALID_INPUT:
    case LSTREAM_ERR_NO_STREAMS:
    case LSTREAM_ERR_UNSUPPORTED:
    case LSTREAM_ERR(ENOENT):
    case LSTREAM_ERR(EACCES): return EXIT_INPUT;
    case LSTREAM_ERR_OUTPUT: return EXIT_OUTPUT;
    case LSTREAM_ERR_VALIDATION: return EXIT_INVALID;
    case LSTREAM_ERR_CANCELLED: return EXIT_INTERRUPTED;
    case LSTREAM_ERR_SETTINGS: return EXIT_USAGE;
    default: return EXIT_FAILED;
    }
}

/* The job's end, as a JSON line (--json) */
static void json_error(int err, const char *msg)
{
    printf("{\"event\": \"error\", \"code\": %d, \"exit\": %d, \"message\": ", err, exit_code(err));
    cli_json_string(msg ? msg : lstream_strerror(err));
    printf("}\n");
}

static void json_done(const char *outdir, int ladder)
{
    printf("{\"event\": \"done\", \"output\": ");
    cli_json_string(outdir);
    if (ladder) {
        char lj[4200];
        snprintf(lj, sizeof(lj), "%s/ladder.json", outdir);
        printf(", \"ladder\": ");
        cli_json_string(lj);
    }
    printf("}\n");
}

/* --option VALUE -> lstream_settings_set(name, VALUE); a bad value names the option, the value and the rule */
static int set(LStreamSettings *s, const char *opt, const char *name, const char *value)
{
    int err = lstream_settings_set(s, name, value);
    if (err) {
        fprintf(stderr, "lstream: invalid %s '%s' (%s: %s)\n", opt, value, name, lstream_settings_help(name));
        return -1;
    }
    return 0;
}

/* The job's log, progress and cancel go to the terminal (or JSON lines); Ctrl-C cancels. */
static void attach(LStreamSettings *s, CliOut *out)
{
    s->log_cb = cli_log;
    s->log_opaque = out;
    /* terminal: warnings (errors are printed once at the end); --json: info too; --verbose: everything */
    s->log_level = out->verbose ? LSTREAM_LOG_DEBUG : out->json ? LSTREAM_LOG_INFO : LSTREAM_LOG_WARNING;
    s->progress_cb = cli_progress;
    s->progress_opaque = out;
    s->cancel_cb = cli_cancel;
    cli_install_signals();
}

/* The options transcode and live share (their codes: media_option() and each command's own loop) */
#define LADDER_OPTIONS                                                                                                 \
    { "output", required_argument, NULL, 'o' }, { "rungs", required_argument, NULL, 'r' },                             \
        { "segment", required_argument, NULL, 's' }, { "preset", required_argument, NULL, 'p' },                       \
        { "threads", required_argument, NULL, 't' }, { "audio-kbps", required_argument, NULL, 1 },                     \
        { "stereo", no_argument, NULL, 2 }, { "lang", required_argument, NULL, 3 },                                    \
        { "max-fps", required_argument, NULL, 4 }, { "cpu", required_argument, NULL, 5 },                              \
        { "no-validate", no_argument, NULL, 6 }, { "json", no_argument, NULL, 8 },                                     \
        { "opus-kbps", required_argument, NULL, 10 }, { "no-download", no_argument, NULL, 13 },                        \
        { "loudness", required_argument, NULL, 14 }, { "vp9", required_argument, NULL, 15 },                           \
        { "no-lecture", no_argument, NULL, 16 }, { "no-thumbnails", no_argument, NULL, 17 },                           \
        { "ladder", required_argument, NULL, 18 }, { "quiet", no_argument, NULL, 'q' },                                \
        { "no-hold", no_argument, NULL, 19 }, { "verbose", no_argument, NULL, 'v' },                                   \
        { "hold-tolerance", required_argument, NULL, 20 }, { "inset-fps", required_argument, NULL, 40 },               \
    {                                                                                                                  \
        "help", no_argument, NULL, 'h'                                                                                 \
    }

/* The options transcode and live share (what the ladder is made of): 1 if @p c is one of them */
static int media_option(LStreamSettings *s, int c, const char *arg, int *bad)
{
    switch (c) {
    case 'r': *bad = set(s, "--rungs", "rungs", arg); return 1;
    case 's': *bad = set(s, "--segment", "segment_duration", arg); return 1;
    case 'p': *bad = set(s, "--preset", "preset", arg); return 1;
    case 't': *bad = set(s, "--threads", "threads", arg); return 1;
    case 1: *bad = set(s, "--audio-kbps", "audio_kbps", arg); return 1;
    case 2: *bad = set(s, "--stereo", "audio_channels", "2"); return 1;
    case 3: *bad = set(s, "--lang", "audio_language", arg); return 1;
    case 4: *bad = set(s, "--max-fps", "max_fps", arg); return 1;
    case 5: *bad = set(s, "--cpu", "cpu_mask", arg); return 1;
    case 6: *bad = set(s, "--no-validate", "validate", "0"); return 1;
    case 10: *bad = set(s, "--opus-kbps", "opus_kbps", arg); return 1;
    case 13: *bad = set(s, "--no-download", "download", "0"); return 1;
    case 14: *bad = set(s, "--loudness", "loudness", arg); return 1;
    case 15: *bad = set(s, "--vp9", "vp9_rungs", arg); return 1;
    case 16: *bad = set(s, "--no-lecture", "lecture", "0"); return 1;
    case 17: *bad = set(s, "--no-thumbnails", "thumbnails", "0"); return 1;
    case 18: *bad = set(s, "--ladder", "ladder", arg); return 1;
    case 19: *bad = set(s, "--no-hold", "hold_repeats", "0"); return 1;
    case 20: *bad = set(s, "--hold-tolerance", "hold_tolerance", arg); return 1;
    case 40: *bad = set(s, "--inset-fps", "inset_fps", arg); return 1;
    default: return 0;
    }
}

static int cmd_transcode(int argc, char **argv)
{
    static const struct option opts[] = { LADDER_OPTIONS,
                                          { "sample-duration", required_argument, NULL, 7 },
                                          { "strict", no_argument, NULL, 9 },
                                          { "chunk", required_argument, NULL, 11 },
                                          { "chunk-span", required_argument, NULL, 12 },
                                          { 0 } };
    LStreamSettings s;
    lstream_default_settings(&s);
    CliOut out = { .tty = isatty(2) };
    const char *outdir = NULL;
    double sample_duration = 60.0;
    int chunk = -1, n_chunks = 0; /* -1: the whole ladder */
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:r:s:p:t:qvh", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': outdir = optarg; break;
        case 7: {
            char *end;
            sample_duration = strtod(optarg, &end);
            if (*end || !(sample_duration > 0 && sample_duration <= 36000)) {
                fprintf(stderr, "lstream: invalid --sample-duration '%s' (seconds, 0 < S <= 36000)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 8: out.json = 1; break;
        case 9: bad = set(&s, "--strict", "strict", "1"); break;
        case 12: bad = set(&s, "--chunk-span", "chunk_span", optarg); break;
        case 11: {
            int off = 0;
            if (!strcmp(optarg, "audio")) {
                chunk = LSTREAM_CHUNK_AUDIO;
            } else if (sscanf(optarg, "%d/%d%n", &chunk, &n_chunks, &off) != 2 || optarg[off] || n_chunks < 1 ||
                       chunk < 1 || chunk > n_chunks) {
                fprintf(stderr, "lstream: invalid --chunk '%s' (K/N with 1 <= K <= N, or audio)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'q': out.quiet = 1; break;
        case 'v': out.verbose = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default:
            if (!media_option(&s, c, optarg, &bad)) {
                usage(stderr);
                return EXIT_USAGE;
            }
        }
        if (bad)
            return EXIT_USAGE;
    }
    if (!outdir || argc - optind > 1 || (chunk >= 0 && optind >= argc)) {
        fprintf(stderr, "lstream transcode: %s\n",
                !outdir             ? "-o OUTDIR is required"
                : argc - optind > 1 ? "only one INPUT may be given"
                                    : "--chunk needs an INPUT (every part must read the same file)");
        usage(stderr);
        return EXIT_USAGE;
    }
    attach(&s, &out);

    char why[512];
    LStreamJob *job = NULL;
    int err = lstream_settings_check(&s, why, sizeof(why));
    if (!err)
        err = lstream_job_open(&job, &s);
    if (err < 0) {
        fprintf(stderr, "lstream: invalid settings: %s\n", why[0] ? why : lstream_strerror(err));
        return EXIT_USAGE;
    }
    /* input and output are checked before anything is generated or decoded: the real problem first */
    if ((err = lstream_job_check(job, optind < argc ? argv[optind] : NULL, outdir)) < 0) {
        const char *msg = lstream_job_error(job);
        if (out.json) {
            json_error(err, msg);
        } else {
            fprintf(stderr, "lstream: %s\n", msg ? msg : lstream_strerror(err));
        }
        lstream_job_close(&job);
        return exit_code(err);
    }
    char input[4096], tmpdir[4096] = "";
    if (optind < argc) {
        snprintf(input, sizeof(input), "%s", argv[optind]);
    } else {
        /* the built-in sample lecture */
        const char *t = getenv("TMPDIR");
        snprintf(tmpdir, sizeof(tmpdir), "%s/lstream-sample-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(tmpdir)) {
            fprintf(stderr, "lstream: cannot create a temporary directory for the sample: %s\n", strerror(errno));
            lstream_job_close(&job);
            return EXIT_OUTPUT;
        }
        snprintf(input, sizeof(input), "%s/sample-lecture.mp4", tmpdir);
        SynthParams sp;
        synth_defaults(&sp);
        sp.duration = sample_duration > 0 ? sample_duration : 60;
        if (!out.quiet && !out.json)
            fprintf(stderr,
                    "no input given: generating a %.0f s built-in sample lecture (1080p30, slides + camera + speech)\n",
                    sp.duration);
        char serr[256];
        if (synth_write(&sp, input, serr, sizeof(serr)) < 0) {
            fprintf(stderr, "lstream: %s\n", serr);
            unlink(input);
            rmdir(tmpdir);
            lstream_job_close(&job);
            return EXIT_FAILED;
        }
    }
    err = chunk >= 0 ? lstream_job_run_chunk(job, input, outdir, chunk, n_chunks) : lstream_job_run(job, input, outdir);
    cli_progress_end(&out);
    const char *msg = lstream_job_error(job);
    if (out.json) {
        if (err) {
            json_error(err, msg);
        } else {
            json_done(outdir, 1);
        }
    } else if (err) {
        fprintf(stderr, "lstream: %s\n", msg ? msg : lstream_strerror(err));
        if (err == LSTREAM_ERR_VALIDATION)
            fprintf(stderr,
                    "lstream: (`lstream validate` lists every finding of a ladder; --no-validate publishes anyway)\n");
    } else if (!out.quiet && chunk >= 0) {
        fprintf(stderr, "done: part %s of %s (then: lstream finalize %s)\n", chunk ? "video" : "audio", outdir, outdir);
    } else if (!out.quiet) {
        fprintf(stderr, "done: %s/master.m3u8 and %s/manifest.mpd (details in %s/ladder.json)\n", outdir, outdir,
                outdir);
    }
    lstream_job_close(&job);
    if (tmpdir[0]) {
        unlink(input);
        rmdir(tmpdir);
    }
    return exit_code(err);
}

/* lstream live: a lecture from a capture source (GStreamer), published as it happens, VOD when it ends */
static int cmd_live(int argc, char **argv)
{
    static const struct option opts[] = { LADDER_OPTIONS,
                                          { "source", required_argument, NULL, 20 },
                                          { "audio-source", required_argument, NULL, 21 },
                                          { "duration", required_argument, NULL, 22 },
                                          { "window", required_argument, NULL, 23 },
                                          { "size", required_argument, NULL, 24 },
                                          { "fps", required_argument, NULL, 25 },
                                          { 0 } };
    LStreamSettings s;
    lstream_default_settings(&s);
    s.segment_duration = 2.0; /* live: short segments, a short delay */
    CliOut out = { .tty = isatty(2) };
    const char *outdir = NULL, *source = "test", *audio = NULL, *size = "1280x720";
    int fps = 30, c, preset_given = 0;
    double duration = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:r:s:p:t:qvh", opts, NULL)) != -1) {
        int bad = 0;
        char *end;
        switch (c) {
        case 'o': outdir = optarg; break;
        case 'p':
            preset_given = 1;
            bad = set(&s, "--preset", "preset", optarg);
            break;
        case 20: source = optarg; break;
        case 21: audio = optarg; break;
        case 22:
            duration = strtod(optarg, &end);
            if (*end || !(duration >= 0 && duration <= 86400)) {
                fprintf(stderr, "lstream: invalid --duration '%s' (seconds, 0..86400; 0: until the source ends)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case 23: bad = set(&s, "--window", "live_window", optarg); break;
        case 24: size = optarg; break;
        case 25:
            fps = (int)strtol(optarg, &end, 10);
            if (*end || fps < 1 || fps > 120) {
                fprintf(stderr, "lstream: invalid --fps '%s' (1..120)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 8: out.json = 1; break;
        case 'q': out.quiet = 1; break;
        case 'v': out.verbose = 1; break;
        case 'h': usage(stdout); return EXIT_OK;
        default:
            if (!media_option(&s, c, optarg, &bad)) {
                usage(stderr);
                return EXIT_USAGE;
            }
        }
        if (bad)
            return EXIT_USAGE;
    }
    if (!outdir || optind < argc) {
        fprintf(stderr, "lstream live: %s\n", !outdir ? "-o OUTDIR is required" : "no INPUT: the source is --source");
        usage(stderr);
        return EXIT_USAGE;
    }
    char video[4096];
    int w = 0, h = 0, n = 0;
    /* the encoders must keep up with the class: without -p (preset_given), a 1080p (or larger) test source on fewer than 4 CPUs
     * starts at ultrafast (BENCHMARKS.md: veryfast and superfast fall behind there and drop frames even after
     * their analysis steps down; x264 cannot change CABAC or B-frames mid-stream), else veryfast; the job steps
     * faster on its own if it still falls behind */
    if (!strcmp(source, "test")) {
        if (sscanf(size, "%dx%d%n", &w, &h, &n) != 2 || size[n] || w < 16 || h < 16 || w > 7680 || h > 4320) {
            fprintf(stderr, "lstream: invalid --size '%s' (WxH, 16x16..7680x4320)\n", size);
            return EXIT_USAGE;
        }
        snprintf(video, sizeof(video), "test:%dx%d@%d", w, h, fps);
        const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (!preset_given && (w < h ? w : h) >= 1080 && cpus < 4 && set(&s, "-p", "preset", "ultrafast"))
            return EXIT_USAGE;
        if (!audio)
            audio = "test";
    } else {
        snprintf(video, sizeof(video), "%s", source);
    }
    if (audio && !strcmp(audio, "none"))
        audio = NULL;
    s.log_cb = cli_log;
    s.log_opaque = &out;
    s.log_level = out.verbose ? LSTREAM_LOG_DEBUG : out.json ? LSTREAM_LOG_INFO : LSTREAM_LOG_WARNING;
    s.progress_cb = cli_progress;
    s.progress_opaque = &out;
    char why[512];
    LStreamJob *job = NULL;
    int err = lstream_settings_check(&s, why, sizeof(why));
    if (!err)
        err = lstream_job_open(&job, &s);
    if (err < 0) {
        fprintf(stderr, "lstream: invalid settings: %s\n", why[0] ? why : lstream_strerror(err));
        return EXIT_USAGE;
    }
    /* Ctrl-C / SIGTERM end the lecture: the ladder becomes VOD; a second one kills at once */
    cli_stop_on_signal(job);
    if (!out.quiet && !out.json)
        fprintf(stderr, "live: %s -> %s/master.m3u8 and %s/manifest.mpd; Ctrl-C ends the lecture\n", video, outdir,
                outdir);
    err = lstream_job_run_live(job, video, audio, duration, outdir);
    cli_stop_on_signal(NULL);
    cli_progress_end(&out);
    const char *msg = lstream_job_error(job);
    if (out.json) {
        if (err) {
            json_error(err, msg);
        } else {
            json_done(outdir, 1); /* the VOD ladder */
        }
    } else if (err) {
        fprintf(stderr, "lstream: %s\n", msg ? msg : lstream_strerror(err));
    } else if (!out.quiet) {
        fprintf(stderr, "done: the lecture is VOD in %s (details in %s/ladder.json)\n", outdir, outdir);
    }
    lstream_job_close(&job);
    return exit_code(err);
}

static int cmd_finalize(int argc, char **argv)
{
    LStreamSettings s;
    lstream_default_settings(&s);
    CliOut out = { .tty = isatty(2) };
    const char *outdir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-validate"))
            s.validate = 0;
        else if (!strcmp(argv[i], "--json"))
            out.json = 1;
        else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            out.quiet = 1;
        else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            out.verbose = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!outdir && argv[i][0] != '-')
            outdir = argv[i];
        else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!outdir) {
        usage(stderr);
        return EXIT_USAGE;
    }
    attach(&s, &out);
    LStreamJob *job = NULL;
    int err = lstream_job_open(&job, &s);
    if (!err)
        err = lstream_job_finalize(job, outdir);
    cli_progress_end(&out);
    const char *msg = job ? lstream_job_error(job) : NULL;
    if (out.json) {
        if (err) {
            json_error(err, msg);
        } else {
            json_done(outdir, 0);
        }
    } else if (err) {
        fprintf(stderr, "lstream: %s\n", msg ? msg : lstream_strerror(err));
    } else if (!out.quiet) {
        fprintf(stderr, "done: %s/master.m3u8 and %s/manifest.mpd (details in %s/ladder.json)\n", outdir, outdir,
                outdir);
    }
    lstream_job_close(&job);
    return exit_code(err);
}

static int cmd_validate(int argc, char **argv)
{
    int json = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!path)
            path = argv[i];
        else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!path) {
        usage(stderr);
        return EXIT_USAGE;
    }
    LStreamValidation *v;
    int err = lstream_validate(path, &v);
    if (err < 0) {
        fprintf(stderr, "lstream validate: %s: no HLS multivariant playlist or DASH MPD found (%s)\n", path,
                lstream_strerror(err));
        return EXIT_INPUT;
    }
    const int n = lstream_validation_count(v), must = lstream_validation_must_count(v);
    if (json) {
        printf("{\"path\": ");
        cli_json_string(path);
        printf(", \"checks\": %d, \"must\": %d, \"should\": %d, \"findings\": [", lstream_validation_checks(v), must,
               n - must);
        for (int i = 0; i < n; i++) {
            const LStreamFinding *f = lstream_validation_finding(v, i);
            printf("%s\n  {\"rule\": \"%s\", \"level\": \"%s\", \"file\": ", i ? "," : "", f->rule,
                   f->must ? "MUST" : "SHOULD");
            cli_json_string(f->file);
            printf(", \"message\": ");
            cli_json_string(f->message);
            printf("}");
        }
        printf("]}\n");
    } else {
        for (int i = 0; i < n; i++) {
            const LStreamFinding *f = lstream_validation_finding(v, i);
            printf("%-6s %-4s %s: %s\n", f->must ? "MUST" : "SHOULD", f->rule, f->file, f->message);
        }
        printf("%s: %d checks, %d MUST and %d SHOULD findings\n", path, lstream_validation_checks(v), must, n - must);
    }
    lstream_validation_free(&v);
    return must ? EXIT_INVALID : EXIT_OK;
}

static int cmd_sample(int argc, char **argv)
{
    SynthParams sp;
    synth_defaults(&sp);
    const char *out = NULL;
    int slide_times = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--kind") && i + 1 < argc) {
            const char *k = argv[++i];
            if (!strcmp(k, "slides-pip"))
                sp.kind = SYNTH_SLIDES_PIP;
            else if (!strcmp(k, "screencast"))
                sp.kind = SYNTH_SCREENCAST;
            else if (!strcmp(k, "talking-head"))
                sp.kind = SYNTH_TALKING_HEAD;
            else if (!strcmp(k, "slides"))
                sp.kind = SYNTH_SLIDES;
            else {
                fprintf(stderr, "lstream sample: unknown kind '%s' (slides-pip, slides, screencast, talking-head)\n",
                        k);
                return EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
            sp.duration = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            if (sscanf(argv[++i], "%dx%d", &sp.width, &sp.height) != 2 || sp.width < 16 || sp.height < 16 ||
                (sp.width | sp.height) & 1) {
                fprintf(stderr, "lstream sample: --size wants WxH, even, at least 16x16\n");
                return EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--fps") && i + 1 < argc) {
            sp.fps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--rotate") && i + 1 < argc) {
            sp.rotate = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--no-audio")) {
            sp.audio = 0;
        } else if (!strcmp(argv[i], "--slide-times")) {
            slide_times = 1;
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            sp.seed = (unsigned)atoi(argv[++i]);
        } else if (!out && argv[i][0] != '-') {
            out = argv[i];
        } else {
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!out || sp.duration <= 0 || sp.fps <= 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    char err[256];
    if (synth_write(&sp, out, err, sizeof(err)) < 0) {
        fprintf(stderr, "lstream: %s\n", err);
        return EXIT_OUTPUT;
    }
    if (slide_times &&
        sp.kind != SYNTH_TALKING_HEAD) /* the true slide changes, in seconds (frame index / fps), one per line */
        for (int f = 1; f < (int)(sp.duration * sp.fps); f++)
            if (synth_slide_at(&sp, f) != synth_slide_at(&sp, f - 1))
                printf("%d %.6f\n", f, (double)f / sp.fps);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    av_log_set_level(AV_LOG_ERROR); /* the sample writer's own FFmpeg calls: errors only */
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("lstream %s\n", lstream_version());
        /* what this build encodes: a setting that needs an encoder is refused when the build lacks it */
        LStreamSettings s;
        lstream_default_settings(&s);
        printf("video encoders: h264 (x264)%s\n", lstream_settings_set(&s, "vp9_rungs", "1") ? "" : ", vp9 (libvpx)");
#if HAVE_GSTREAMER
        printf("live capture: gstreamer\n");
#else
        printf("live capture: none (the push API only)\n");
#endif
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "transcode"))
        return cmd_transcode(argc - 1, argv + 1);
    if (!strcmp(argv[1], "live"))
        return cmd_live(argc - 1, argv + 1);
    if (!strcmp(argv[1], "finalize"))
        return cmd_finalize(argc - 1, argv + 1);
    if (!strcmp(argv[1], "validate"))
        return cmd_validate(argc - 1, argv + 1);
    if (!strcmp(argv[1], "sample"))
        return cmd_sample(argc - 1, argv + 1);
    fprintf(stderr, "lstream: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
