/*
 * Settings: defaults, one table of every setting (name, help), set by name from text, and a check of the
 * whole struct that names the field that is wrong. The CLI, the bench and language bindings use these
 * instead of parsers of their own.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/encode/encoder.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void lstream_default_settings(LStreamSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->segment_duration = 6.0;
    s->threads = 0;
    snprintf(s->preset, sizeof(s->preset), "veryfast");
    s->max_fps = 30;
    s->audio_codec = LSTREAM_AUDIO_AAC;
    s->audio_kbps = 64;
    s->audio_channels = 1;
    s->opus_kbps = 20;
    s->download = 1;
    s->lecture = 1;
    s->thumbnails = 1;
    s->hold_repeats = 1;
    s->hold_tolerance = 3;
    s->inset_fps = 12;
    s->live_window = 10;
    s->loudness = -16.0;
    snprintf(s->audio_language, sizeof(s->audio_language), "und");
    s->validate = 1;
    s->cpu_mask = ~0u;
    s->ffmpeg_log = 1;
    s->log_level = LSTREAM_LOG_INFO;
}

void lstream_settings_set_log(LStreamSettings *s, void (*cb)(void *, int, const char *), void *opaque)
{
    s->log_cb = cb;
    s->log_opaque = opaque;
}

void lstream_settings_set_progress(LStreamSettings *s, void (*cb)(void *, const LStreamProgress *), void *opaque)
{
    s->progress_cb = cb;
    s->progress_opaque = opaque;
}

void lstream_settings_set_cancel(LStreamSettings *s, int (*cb)(void *), void *opaque)
{
    s->cancel_cb = cb;
    s->cancel_opaque = opaque;
}

size_t lstream_settings_size(void) { return sizeof(LStreamSettings); }

/* media: the setting shapes the ladder's bytes (the parts of a chunked encode must agree on it, part.c) */
static const struct Setting {
    const char *name, *help;
    int media;
} settings[] = {
    { "segment_duration", "number 1..60: target segment duration in seconds (default 6)", 1 },
    { "threads", "integer 0..256: threads; 0 = one per CPU (default 0)", 0 },
    { "preset",
      "encoder preset, x264's names: ultrafast, superfast, veryfast, faster, fast, medium, slow, "
      "slower, veryslow, placebo (default veryfast)",
      1 },
    { "max_fps", "integer 1..120: frame-rate cap; faster sources are halved until under it (default 30)", 1 },
    { "audio_codec", "aac or opus: the main audio rendition's codec (default aac)", 1 },
    { "opus_kbps", "integer 0 or 6..256: an Opus speech rendition beside AAC at this rate; 0: none (default 20)", 1 },
    { "audio_kbps", "integer 16..320: audio bit rate in kbit/s (default 64)", 1 },
    { "audio_channels", "1 or 2: mono or stereo audio (default 1)", 1 },
    { "audio_language", "BCP 47 tag, letters, digits and '-', at most 35 characters (default und)", 1 },
    { "validate", "boolean: validate the ladder before publishing (default 1)", 0 },
    { "cpu_mask", "c, sse2, ssse3, sse41, avx2, avx512, neon, all, or a number: SIMD levels allowed (default all)", 0 },
    { "ffmpeg_log", "boolean: route FFmpeg's messages to the log callback (default 1)", 0 },
    { "strict", "boolean: refuse any damage in the input instead of concealing it (default 0)", 1 },
    { "log_level", "error, warning, info, debug or 0..3 (default info)", 0 },
    { "loudness",
      "number -40..-5: target loudness in LUFS (EBU R128), one gain for the lecture, peaks under -2 "
      "dBFS; 0: off (default -16)",
      1 },
    { "download",
      "boolean: also write download.mp4, the lowest rung and the data-saver audio in one file for "
      "offline viewing (default 1)",
      1 },
    { "chunk_span",
      "integer 0..100000: segments per video encoder, the grid chunked encodes cut on; 0: one encoder "
      "for the whole lecture, no chunked encodes (default 0)",
      1 },
    { "rungs",
      "list of short sides, largest first, each with optional :crf=N (0..51), :max=KBPS, :buf=KBIT, "
      ":kbps=N or :vp9 (VP9 instead of H.264), e.g. 720,480:crf=24,240,240:vp9; at most 8 rungs of 16..4320; "
      "\"default\": the lecture ladder",
      1 },
    { "ladder",
      "fixed or auto: every planned rung, or a content-adaptive ladder: probe encodes keep the rungs on the "
      "rate-quality hull that save enough bytes (default fixed)",
      1 },
    { "vp9_rungs",
      "integer 0..3: the lowest N rungs of the ladder are also encoded in VP9 (libvpx), beside H.264; 0: none "
      "(default 0)",
      1 },
    { "lecture", "boolean: lecture-aware encoding: slide changes become IDRs and chapters (default 1)", 1 },
    { "hold_repeats",
      "boolean: a frame that repeats the one before exactly lengthens the sample before it instead of being "
      "encoded again (at most 1 s; default 1)",
      1 },
    { "hold_tolerance",
      "integer 0..16: with hold_repeats, a frame no sample of which differs by more than this from the picture "
      "last encoded is held too (a still recording's coding noise); 0: exact repeats only (default 3)",
      1 },
    { "inset_fps",
      "integer 0..120: with hold_repeats and lecture, the lowest frame rate of a still slide on which only a "
      "camera inset or a pointer moves: every Nth picture is encoded there, the rest held; 0: every picture "
      "(default 12: 30 fps sources give 15)",
      1 },
    { "thumbnails", "boolean: JPEG thumbnail sprites (DASH, HLS image playlist, WebVTT) and chapter images (default 1)",
      1 },
    { "live_window",
      "integer 6..100000: segments a live playlist and the MPD's time-shift buffer keep; 0: an EVENT playlist "
      "keeping all (default 10)",
      0 },
};

const char *lstream_settings_name(int i)
{
    return i >= 0 && i < (int)LS_ARRAY_SIZE(settings) ? settings[i].name : NULL;
}

int ls_settings_is_media(int i) { return i >= 0 && i < (int)LS_ARRAY_SIZE(settings) && settings[i].media; }

const char *lstream_settings_help(const char *name)
{
    for (size_t i = 0; name && i < LS_ARRAY_SIZE(settings); i++)
        if (!strcmp(name, settings[i].name))
            return settings[i].help;
    return NULL;
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

static int parse_double(const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !(x >= lo && x <= hi))
        return -1;
    *out = x;
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on"))
        *out = 1;
    else if (!strcmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off"))
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_cpu(const char *v, unsigned *out)
{
    static const struct {
        const char *name;
        unsigned mask;
    } levels[] = {
        { "c", 0 },
        { "none", 0 },
        { "sse2", LSTREAM_CPU_SSE2 },
        { "ssse3", LSTREAM_CPU_SSE2 | LSTREAM_CPU_SSSE3 },
        { "sse41", LSTREAM_CPU_SSE2 | LSTREAM_CPU_SSSE3 | LSTREAM_CPU_SSE41 },
        { "avx2", LSTREAM_CPU_SSE2 | LSTREAM_CPU_SSSE3 | LSTREAM_CPU_SSE41 | LSTREAM_CPU_AVX2 },
        { "avx512", ~0u },
        { "all", ~0u },
        { "neon", LSTREAM_CPU_NEON },
    };
    for (size_t i = 0; i < LS_ARRAY_SIZE(levels); i++)
        if (!strcmp(v, levels[i].name)) {
            *out = levels[i].mask;
            return 0;
        }
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 0);
    if (!*v || *end || errno || v[0] == '-' || x > 0xffffffffUL)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static int parse_rungs(const char *arg, LStreamSettings *s)
{
    if (!strcmp(arg, "default") || !arg[0]) {
        s->n_rungs = 0;
        memset(s->rungs, 0, sizeof(s->rungs));
        return 0;
    }
    char buf[512];
    if (strlen(arg) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", arg);
    char *save = NULL;
    int n = 0;
    LStreamRung rungs[LSTREAM_MAX_RUNGS];
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == LSTREAM_MAX_RUNGS)
            return -1;
        char *opt = strchr(tok, ':');
        if (opt)
            *opt++ = 0;
        size_t len = strlen(tok);
        if (len && tok[len - 1] == 'p')
            tok[len - 1] = 0;
        long side;
        if (parse_long(tok, 16, 4320, &side))
            return -1;
        LStreamRung *r = &rungs[n++];
        lstream_default_rung((int)side, r);
        while (opt && *opt) {
            char *next = strchr(opt, ':');
            if (next)
                *next++ = 0;
            double d;
            long l;
            if (!strncmp(opt, "crf=", 4) && !parse_double(opt + 4, 0, 51, &d))
                r->crf = (float)d;
            else if (!strncmp(opt, "max=", 4) && !parse_long(opt + 4, 0, 1000000, &l))
                r->max_kbps = (int)l;
            else if (!strncmp(opt, "buf=", 4) && !parse_long(opt + 4, 0, 10000000, &l))
                r->buffer_kbits = (int)l;
            else if (!strncmp(opt, "kbps=", 5) && !parse_long(opt + 5, 1, 1000000, &l)) {
                r->crf = 0;
                r->target_kbps = (int)l;
            } else if (!strcmp(opt, "vp9") || !strcmp(opt, "codec=vp9"))
                r->codec = LSTREAM_CODEC_VP9;
            else if (!strcmp(opt, "h264") || !strcmp(opt, "codec=h264"))
                r->codec = LSTREAM_CODEC_H264;
            else
                return -1;
            opt = next;
        }
    }
    if (!n)
        return -1;
    s->n_rungs = n;
    memset(s->rungs, 0, sizeof(s->rungs));
    memcpy(s->rungs, rungs, sizeof(rungs[0]) * n);
    return 0;
}

static int valid_language(const char *v)
{
    size_t n = strlen(v);
    if (!n || n >= sizeof(((LStreamSettings *)0)->audio_language))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)v[i]) && v[i] != '-')
            return 0;
    return 1;
}

int lstream_settings_set(LStreamSettings *s, const char *name, const char *value)
{
    if (!s || !name || !lstream_settings_help(name))
        return LSTREAM_ERR_SETTING_NAME;
    if (!value)
        return LSTREAM_ERR_SETTING_VALUE;
    LStreamSettings t = *s;
    long l;
    int bad = 0;
    if (!strcmp(name, "segment_duration"))
        bad = parse_double(value, 1.0, 60.0, &t.segment_duration);
    else if (!strcmp(name, "threads"))
        bad = parse_long(value, 0, 256, &l) || (t.threads = (int)l, 0);
    else if (!strcmp(name, "preset")) {
        bad = strlen(value) >= sizeof(t.preset);
        if (!bad)
            snprintf(t.preset, sizeof(t.preset), "%s", value);
    } else if (!strcmp(name, "max_fps"))
        bad = parse_long(value, 1, 120, &l) || (t.max_fps = (int)l, 0);
    else if (!strcmp(name, "ladder")) {
        bad = strcasecmp(value, "fixed") && strcasecmp(value, "auto");
        t.ladder = strcasecmp(value, "auto") ? LSTREAM_LADDER_FIXED : LSTREAM_LADDER_AUTO;
    } else if (!strcmp(name, "audio_codec")) {
        bad = strcasecmp(value, "aac") && strcasecmp(value, "opus");
        t.audio_codec = strcasecmp(value, "opus") ? LSTREAM_AUDIO_AAC : LSTREAM_AUDIO_OPUS;
    } else if (!strcmp(name, "opus_kbps"))
        bad = parse_long(value, 0, 256, &l) || (l && l < 6) || (t.opus_kbps = (int)l, 0);
    else if (!strcmp(name, "audio_kbps"))
        bad = parse_long(value, 16, 320, &l) || (t.audio_kbps = (int)l, 0);
    else if (!strcmp(name, "audio_channels"))
        bad = parse_long(value, 1, 2, &l) || (t.audio_channels = (int)l, 0);
    else if (!strcmp(name, "audio_language")) {
        bad = !valid_language(value);
        if (!bad)
            snprintf(t.audio_language, sizeof(t.audio_language), "%s", value);
    } else if (!strcmp(name, "validate"))
        bad = parse_bool(value, &t.validate);
    else if (!strcmp(name, "cpu_mask"))
        bad = parse_cpu(value, &t.cpu_mask);
    else if (!strcmp(name, "ffmpeg_log"))
        bad = parse_bool(value, &t.ffmpeg_log);
    else if (!strcmp(name, "strict"))
        bad = parse_bool(value, &t.strict);
    else if (!strcmp(name, "download"))
        bad = parse_bool(value, &t.download);
    else if (!strcmp(name, "lecture"))
        bad = parse_bool(value, &t.lecture);
    else if (!strcmp(name, "thumbnails"))
        bad = parse_bool(value, &t.thumbnails);
    else if (!strcmp(name, "hold_repeats"))
        bad = parse_bool(value, &t.hold_repeats);
    else if (!strcmp(name, "hold_tolerance"))
        bad = parse_long(value, 0, 16, &l) || (t.hold_tolerance = (int)l, 0);
    else if (!strcmp(name, "inset_fps"))
        bad = parse_long(value, 0, 120, &l) || (t.inset_fps = (int)l, 0);
    else if (!strcmp(name, "live_window"))
        bad = parse_long(value, 0, 100000, &l) || (l > 0 && l < 6) || (t.live_window = (int)l, 0);
    else if (!strcmp(name, "loudness"))
        bad = parse_double(value, -40.0, 0.0, &t.loudness) || (t.loudness > -5.0 && t.loudness != 0.0);
    else if (!strcmp(name, "chunk_span"))
        bad = parse_long(value, 0, 100000, &l) || (t.chunk_span = (int)l, 0);
    else if (!strcmp(name, "vp9_rungs"))
        bad = parse_long(value, 0, LS_MAX_VP9_RUNGS, &l) || (t.vp9_rungs = (int)l, 0);
    else if (!strcmp(name, "log_level")) {
        static const char *const levels[] = { "error", "warning", "info", "debug" };
        bad = 1;
        for (int i = 0; i < 4; i++)
            if (!strcasecmp(value, levels[i])) {
                t.log_level = i;
                bad = 0;
            }
        if (bad && !parse_long(value, 0, 3, &l)) {
            t.log_level = (int)l;
            bad = 0;
        }
    } else if (!strcmp(name, "rungs"))
        bad = parse_rungs(value, &t);
    /* the value must also pass the whole check (an encoder's own vocabulary, for instance) */
    if (bad || lstream_settings_check(&t, NULL, 0))
        return LSTREAM_ERR_SETTING_VALUE;
    *s = t;
    return 0;
}

static int format_rungs(const LStreamSettings *s, char *buf, size_t size)
{
    if (!s->n_rungs)
        return snprintf(buf, size, "default");
    size_t n = 0;
    for (int i = 0; i < s->n_rungs && i < LSTREAM_MAX_RUNGS; i++) {
        const LStreamRung *r = &s->rungs[i];
        char one[128];
        if (r->crf > 0)
            snprintf(one, sizeof(one), "%s%d:crf=%.9g", i ? "," : "", r->short_side, r->crf);
        else
            snprintf(one, sizeof(one), "%s%d:kbps=%d", i ? "," : "", r->short_side, r->target_kbps);
        n += (size_t)snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0, "%s:max=%d:buf=%d%s", one,
                              r->max_kbps, r->buffer_kbits, r->codec == LSTREAM_CODEC_VP9 ? ":vp9" : "");
    }
    return (int)n;
}

int lstream_settings_get(const LStreamSettings *s, const char *name, char *buf, size_t size)
{
    if (!s || !name || !lstream_settings_help(name))
        return LSTREAM_ERR_SETTING_NAME;
    if (!buf && size)
        return LSTREAM_ERR(EINVAL);
    static const char *const levels[] = { "error", "warning", "info", "debug" };
    int n;
    if (!strcmp(name, "segment_duration"))
        n = snprintf(buf, size, "%.17g", s->segment_duration);
    else if (!strcmp(name, "threads"))
        n = snprintf(buf, size, "%d", s->threads);
    else if (!strcmp(name, "preset"))
        n = snprintf(buf, size, "%.*s", (int)sizeof(s->preset), s->preset);
    else if (!strcmp(name, "max_fps"))
        n = snprintf(buf, size, "%d", s->max_fps);
    else if (!strcmp(name, "audio_codec"))
        n = snprintf(buf, size, "%s", s->audio_codec == LSTREAM_AUDIO_OPUS ? "opus" : "aac");
    else if (!strcmp(name, "ladder"))
        n = snprintf(buf, size, "%s", s->ladder == LSTREAM_LADDER_AUTO ? "auto" : "fixed");
    else if (!strcmp(name, "opus_kbps"))
        n = snprintf(buf, size, "%d", s->opus_kbps);
    else if (!strcmp(name, "audio_kbps"))
        n = snprintf(buf, size, "%d", s->audio_kbps);
    else if (!strcmp(name, "audio_channels"))
        n = snprintf(buf, size, "%d", s->audio_channels);
    else if (!strcmp(name, "audio_language"))
        n = snprintf(buf, size, "%.*s", (int)sizeof(s->audio_language), s->audio_language);
    else if (!strcmp(name, "validate"))
        n = snprintf(buf, size, "%d", s->validate);
    else if (!strcmp(name, "cpu_mask"))
        n = snprintf(buf, size, "%#x", s->cpu_mask);
    else if (!strcmp(name, "ffmpeg_log"))
        n = snprintf(buf, size, "%d", s->ffmpeg_log);
    else if (!strcmp(name, "strict"))
        n = snprintf(buf, size, "%d", s->strict);
    else if (!strcmp(name, "download"))
        n = snprintf(buf, size, "%d", s->download);
    else if (!strcmp(name, "lecture"))
        n = snprintf(buf, size, "%d", s->lecture);
    else if (!strcmp(name, "thumbnails"))
        n = snprintf(buf, size, "%d", s->thumbnails);
    else if (!strcmp(name, "hold_repeats"))
        n = snprintf(buf, size, "%d", s->hold_repeats);
    else if (!strcmp(name, "hold_tolerance"))
        n = snprintf(buf, size, "%d", s->hold_tolerance);
    else if (!strcmp(name, "inset_fps"))
        n = snprintf(buf, size, "%d", s->inset_fps);
    else if (!strcmp(name, "live_window"))
        n = snprintf(buf, size, "%d", s->live_window);
    else if (!strcmp(name, "loudness"))
        n = snprintf(buf, size, "%.17g", s->loudness);
    else if (!strcmp(name, "chunk_span"))
        n = snprintf(buf, size, "%d", s->chunk_span);
    else if (!strcmp(name, "vp9_rungs"))
        n = snprintf(buf, size, "%d", s->vp9_rungs);
    else if (!strcmp(name, "log_level"))
        n = s->log_level >= 0 && s->log_level < 4 ? snprintf(buf, size, "%s", levels[s->log_level])
                                                  : snprintf(buf, size, "%d", s->log_level);
    else
        n = format_rungs(s, buf, size);
    return n;
}

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        if (why && size)                                                                                               \
            snprintf(why, size, __VA_ARGS__);                                                                          \
        return LSTREAM_ERR_SETTINGS;                                                                                   \
    } while (0)

int lstream_settings_check(const LStreamSettings *s, char *why, size_t size)
{
    if (why && size)
        why[0] = 0;
    if (!s)
        FAIL("settings: NULL");
    if (!(s->segment_duration >= 1.0 && s->segment_duration <= 60.0))
        FAIL("segment_duration = %g: out of range 1..60 seconds", s->segment_duration);
    if (s->threads < 0 || s->threads > 256)
        FAIL("threads = %d: out of range 0..256", s->threads);
    if (!memchr(s->preset, 0, sizeof(s->preset)) || !s->preset[0])
        FAIL("preset: empty or not terminated");
    if (s->max_fps < 1 || s->max_fps > 120)
        FAIL("max_fps = %d: out of range 1..120", s->max_fps);
    if (s->audio_kbps < 16 || s->audio_kbps > 320)
        FAIL("audio_kbps = %d: out of range 16..320", s->audio_kbps);
    if (s->opus_kbps < 0 || (s->opus_kbps && s->opus_kbps < 6) || s->opus_kbps > 256)
        FAIL("opus_kbps = %d: 0 or 6..256", s->opus_kbps);
    if (s->audio_channels < 1 || s->audio_channels > 2)
        FAIL("audio_channels = %d: must be 1 or 2", s->audio_channels);
    if (!memchr(s->audio_language, 0, sizeof(s->audio_language)) || !valid_language(s->audio_language))
        FAIL("audio_language = '%.35s': not a BCP 47 tag (letters, digits and '-')", s->audio_language);
    if (s->validate != 0 && s->validate != 1)
        FAIL("validate = %d: must be 0 or 1", s->validate);
    if (s->ffmpeg_log != 0 && s->ffmpeg_log != 1)
        FAIL("ffmpeg_log = %d: must be 0 or 1", s->ffmpeg_log);
    if (s->strict != 0 && s->strict != 1)
        FAIL("strict = %d: must be 0 or 1", s->strict);
    if (!(s->loudness == 0.0 || (s->loudness >= -40.0 && s->loudness <= -5.0)))
        FAIL("loudness = %g: -40..-5 LUFS, or 0 (off)", s->loudness);
    if (s->download != 0 && s->download != 1)
        FAIL("download = %d: must be 0 or 1", s->download);
    if (s->lecture != 0 && s->lecture != 1)
        FAIL("lecture = %d: must be 0 or 1", s->lecture);
    if (s->thumbnails != 0 && s->thumbnails != 1)
        FAIL("thumbnails = %d: must be 0 or 1", s->thumbnails);
    if (s->ladder != LSTREAM_LADDER_FIXED && s->ladder != LSTREAM_LADDER_AUTO)
        FAIL("ladder = %d: LSTREAM_LADDER_FIXED (0) or LSTREAM_LADDER_AUTO (1)", (int)s->ladder);
    if (s->hold_tolerance < 0 || s->hold_tolerance > 16)
        FAIL("hold_tolerance = %d: out of range 0..16", s->hold_tolerance);
    if (s->inset_fps < 0 || s->inset_fps > 120)
        FAIL("inset_fps = %d: out of range 0..120", s->inset_fps);
    if (s->live_window != 0 && (s->live_window < 6 || s->live_window > 100000))
        FAIL("live_window = %d: 6..100000, or 0 (EVENT: keep every segment)", s->live_window);
    if (s->chunk_span < 0 || s->chunk_span > 100000)
        FAIL("chunk_span = %d: out of range 0..100000", s->chunk_span);
    if (s->vp9_rungs < 0 || s->vp9_rungs > LS_MAX_VP9_RUNGS)
        FAIL("vp9_rungs = %d: out of range 0..%d", s->vp9_rungs, LS_MAX_VP9_RUNGS);
    if (s->log_level < LSTREAM_LOG_ERROR || s->log_level > LSTREAM_LOG_DEBUG)
        FAIL("log_level = %d: out of range 0..3", s->log_level);
    if (s->n_rungs < 0 || s->n_rungs > LSTREAM_MAX_RUNGS)
        FAIL("n_rungs = %d: out of range 0..%d", s->n_rungs, LSTREAM_MAX_RUNGS);
    for (int i = 0; i < s->n_rungs; i++) {
        const LStreamRung *r = &s->rungs[i];
        if (r->short_side < 16 || r->short_side > 4320)
            FAIL("rungs[%d].short_side = %d: out of range 16..4320", i, r->short_side);
        if (!(r->crf >= 0 && r->crf <= 51))
            FAIL("rungs[%d].crf = %g: out of range 0..51", i, r->crf);
        if (r->crf == 0 && r->target_kbps <= 0)
            FAIL("rungs[%d].target_kbps = %d: crf 0 (average bit rate) needs a positive target_kbps", i,
                 r->target_kbps);
        if (r->max_kbps < 0)
            FAIL("rungs[%d].max_kbps = %d: must not be negative", i, r->max_kbps);
        if (r->buffer_kbits < 0)
            FAIL("rungs[%d].buffer_kbits = %d: must not be negative", i, r->buffer_kbits);
        if (r->codec != LSTREAM_CODEC_H264 && r->codec != LSTREAM_CODEC_VP9)
            FAIL("rungs[%d].codec = %d: not a video codec (LSTREAM_CODEC_H264, LSTREAM_CODEC_VP9)", i, (int)r->codec);
        for (size_t k = 0; k < sizeof(r->reserved); k++)
            if (r->reserved[k])
                FAIL("rungs[%d].reserved: not zero (initialise rungs with lstream_default_rung())", i);
    }
    for (size_t k = 0; k < sizeof(s->reserved); k++)
        if (s->reserved[k])
            FAIL("reserved: not zero (initialise with lstream_default_settings())");
    char enc[256];
    if (ls_encoders_check(s, enc, sizeof(enc)))
        FAIL("%s", enc);
    return 0;
}
