/*
 * The validator: checks an HLS and/or DASH output against the rules of doc/RULES.md from the files
 * alone, whoever wrote them. Each finding names the rule, the file and the offending value, MUST or SHOULD.
 * Segment content is checked for fMP4 (init + moof/mdat); MPEG-TS segments are only listed.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/validate/mp4read.h"
#include "libstream/output/output.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

struct LStreamValidation {
    LStreamFinding *f;
    int n, cap, must, checks;
    char root[LS_PATH_MAX];
    LStreamOutput io;       /* read and size: real files, or the objects of an output not yet committed */
};

#define MUST 1
#define SHOULD 0

static void finding(LStreamValidation *v, int must, const char *rule, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void finding(LStreamValidation *v, int must, const char *rule, const char *file, const char *fmt, ...)
{
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 32;
        LStreamFinding *f = realloc(v->f, sizeof(*f) * cap);
        if (!f)
            return;
        v->f = f;
        v->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    LStreamFinding *f = &v->f[v->n];
    f->rule = strdup(rule);
    f->file = strdup(file ? file : "");
    f->message = strdup(msg);
    f->must = must;
    if (!f->rule || !f->file || !f->message) {
        free((char *)f->rule);
        free((char *)f->file);
        free((char *)f->message);
        return;
    }
    v->n++;
    v->must += must;
}

/* Record that a check ran; report it when it failed. Returns ok. */
static int check(LStreamValidation *v, int ok, int must, const char *rule, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static int check(LStreamValidation *v, int ok, int must, const char *rule, const char *file, const char *fmt, ...)
{
    v->checks++;
    if (ok)
        return 1;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    finding(v, must, rule, file, "%s", msg);
    return 0;
}

static const char *rel(const LStreamValidation *v, const char *path)
{
    size_t n = strlen(v->root);
    if (!strncmp(path, v->root, n) && path[n] == '/')
        return path + n + 1;
    return path;
}

#define MAX_SEGMENTS 10000000  /* DASH timelines are expanded up to this */

/* Read @p len bytes at @p off of @p path (len < 0: the whole file) through the validation's reader. Sizes
 * come from files the validator did not write, so they are checked against the real size first. */
static uint8_t *slurp_v(const LStreamValidation *v, const char *path, int64_t off, int64_t len, size_t *size)
{
    return ls_output_slurp(&v->io, path, off, len, size);
}
#define slurp(path, off, len, size) slurp_v(v, path, off, len, size)

static void dirname_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *s = strrchr(out, '/');
    if (s)
        *s = 0;
    else
        snprintf(out, n, ".");
}

static int is_remote(const char *uri) { return strstr(uri, "://") != NULL; }

/* Numbers read from playlists and MPDs are bounded before any arithmetic is done on them: a byte
 * offset or a timestamp past 2^53 means nothing in a VOD presentation, and anything within it can be
 * added to another such value without overflow. */
#define NUM_LIMIT ((int64_t)1 << 53)

/* Parse the leading decimal integer of @s into *out when it lies in [lo, hi]; 0 (and *out untouched)
 * when there is none or it is out of range. Text after the digits is left to the caller. */
static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (!s)
        return 0;
    char *end;
    errno = 0;
    const long long x = strtoll(s, &end, 10);
    if (end == s || errno == ERANGE || x < lo || x > hi)
        return 0;
    *out = x;
    return 1;
}

static void resolve(const char *base_dir, const char *uri, char *out, size_t n)
{
    if (uri[0] == '/')
        snprintf(out, n, "%s", uri);
    else
        snprintf(out, n, "%s/%s", base_dir, uri);
}

/* ------------------------------------------------------------------ HLS */

/* Attribute list (RFC 8216 4.2): find NAME's value; quoted strings without quotes. */
static int attr(const char *list, const char *name, char *out, size_t n)
{
    const char *p = list;
    size_t nl = strlen(name);
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *eq = strchr(p, '=');
        if (!eq)
            return 0;
        int match = (size_t)(eq - p) == nl && !strncmp(p, name, nl);
        const char *val = eq + 1, *end;
        if (*val == '"') {
            val++;
            end = strchr(val, '"');
            if (!end)
                return 0;
            if (match) {
                snprintf(out, n, "%.*s", (int)(end - val), val);
                return 1;
            }
            p = end + 1;
        } else {
            end = strchr(val, ',');
            if (!end)
                end = val + strlen(val);
            if (match) {
                snprintf(out, n, "%.*s", (int)(end - val), val);
                return 1;
            }
            p = end;
        }
    }
    return 0;
}

typedef struct HSeg {
    char path[LS_PATH_MAX];
    double extinf;
    int64_t br_off, br_len;     /* byte range, len < 0 = whole file */
    int64_t bytes;
    int have_frag;
    LSMp4Frag frag;
} HSeg;

typedef struct MediaPl {
    char path[LS_PATH_MAX];
    int loaded, ok;
    int n_version, version, need_version;
    int target;
    int vod, endlist, iframes, independent;
    int has_map;
    char map_path[LS_PATH_MAX];
    LSMp4Init init;
    int init_ok;
    int ts;                     /* MPEG-TS segments */
    HSeg *seg;
    int n;
    double total;
    int aligned_checked;        /* H9/H6 against the reference done once */
} MediaPl;

static void free_pl(MediaPl *m)
{
    free(m->seg);
    m->seg = NULL;
}

static int load_media_playlist(LStreamValidation *v, MediaPl *m)
{
    size_t size;
    char *text = (char *)slurp(m->path, 0, -1, &size);
    const char *file = rel(v, m->path);
    m->loaded = 1;
    if (!check(v, text != NULL, MUST, "IO", file, "media playlist cannot be read: %s", strerror(errno)))
        return -1;
    char dir[LS_PATH_MAX];
    dirname_of(m->path, dir, sizeof(dir));
    int cap = 0, float_extinf = 0, byterange = 0, first = 1, extinf_seen = 0;
    double extinf = 0;
    int64_t br_len = -1, br_off = 0, next_off = 0;
    char *save = NULL;
    m->need_version = 1;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (first) {
            check(v, !strcmp(line, "#EXTM3U"), MUST, "H10", file, "first line is not #EXTM3U");
            first = 0;
            continue;
        }
        if (!strncmp(line, "#EXT-X-VERSION:", 15)) {
            m->n_version++;
            int64_t x = 0;
            check(v, parse_int(line + 15, 1, 1000, &x), MUST, "H10", file, "EXT-X-VERSION \"%.32s\" is not a version number",
                  line + 15);
            m->version = (int)x;
        } else if (!strncmp(line, "#EXT-X-TARGETDURATION:", 22)) {
            int64_t x = 0;
            check(v, parse_int(line + 22, 0, INT32_MAX, &x), MUST, "H1", file,
                  "EXT-X-TARGETDURATION \"%.32s\" is not a decimal integer", line + 22);
            m->target = (int)x;
        } else if (!strcmp(line, "#EXT-X-PLAYLIST-TYPE:VOD")) {
            m->vod = 1;
        } else if (!strcmp(line, "#EXT-X-ENDLIST")) {
            m->endlist = 1;
        } else if (!strcmp(line, "#EXT-X-I-FRAMES-ONLY")) {
            m->iframes = 1;
        } else if (!strcmp(line, "#EXT-X-INDEPENDENT-SEGMENTS")) {
            m->independent = 1;
        } else if (!strncmp(line, "#EXT-X-MAP:", 11)) {
            char uri[LS_PATH_MAX];
            if (attr(line + 11, "URI", uri, sizeof(uri)) && !is_remote(uri)) {
                m->has_map = 1;
                resolve(dir, uri, m->map_path, sizeof(m->map_path));
            }
        } else if (!strncmp(line, "#EXTINF:", 8)) {
            char *end;
            extinf = strtod(line + 8, &end);
            if (!check(v, end != line + 8 && isfinite(extinf) && extinf >= 0 && extinf <= 1e9, MUST, "H5", file,
                       "EXTINF \"%.32s\" is not a duration", line + 8))
                extinf = 0;
            const char *comma = strchr(line + 8, ',');
            size_t numlen = comma ? (size_t)(comma - (line + 8)) : strlen(line + 8);
            if (memchr(line + 8, '.', numlen))
                float_extinf = 1;
            extinf_seen = 1;
        } else if (!strncmp(line, "#EXT-X-BYTERANGE:", 17)) {
            byterange = 1;
            const char *at = strchr(line + 17, '@');
            br_off = next_off;
            if (!check(v, parse_int(line + 17, 0, NUM_LIMIT, &br_len) && (!at || parse_int(at + 1, 0, NUM_LIMIT, &br_off)),
                       MUST, "H10", file, "EXT-X-BYTERANGE \"%.40s\" is not n[@o] within 2^53", line + 17)) {
                br_len = 0; /* the segment reads as empty and fails on its own */
                br_off = 0;
            }
        } else if (line[0] != '#' && extinf_seen) {
            if (m->n == cap) {
                cap = cap ? cap * 2 : 256;
                HSeg *s = realloc(m->seg, sizeof(*s) * cap);
                if (!s)
                    break;
                m->seg = s;
            }
            HSeg *s = &m->seg[m->n++];
            memset(s, 0, sizeof(*s));
            if (is_remote(line))
                snprintf(s->path, sizeof(s->path), "%s", line);
            else
                resolve(dir, line, s->path, sizeof(s->path));
            s->extinf = extinf;
            s->br_off = br_off;
            s->br_len = br_len;
            next_off = br_len >= 0 ? br_off + br_len : 0;
            m->total += extinf;
            extinf_seen = 0;
            br_len = -1;
            const char *dot = strrchr(line, '.');
            if (dot && !strncmp(dot, ".ts", 3))
                m->ts = 1;
        }
    }
    free(text);
    if (float_extinf) m->need_version = 3;
    if (byterange || m->iframes) m->need_version = 4;
    if (m->has_map) m->need_version = m->iframes ? 5 : 6;
    m->ok = 1;
    return 0;
}

/* Parse the init segment and every fragment of a media playlist (fMP4 only). */
static void load_media(LStreamValidation *v, MediaPl *m)
{
    const char *file = rel(v, m->path);
    if (!m->has_map) {
        if (!m->ts)
            check(v, 0, MUST, "H7", file, "fMP4 playlist without EXT-X-MAP");
        return;
    }
    size_t size;
    uint8_t *init = slurp(m->map_path, 0, -1, &size);
    if (!check(v, init != NULL, MUST, "IO", rel(v, m->map_path), "init segment cannot be read"))
        return;
    m->init_ok = check(v, ls_mp4_parse_init(init, size, &m->init) == 0, MUST, "H7", rel(v, m->map_path),
                       "init segment is not a valid fMP4 init (ftyp/moov/trak/stsd)");
    free(init);
    if (!m->init_ok)
        return;
    for (int i = 0; i < m->n; i++) {
        HSeg *s = &m->seg[i];
        if (is_remote(s->path))
            continue;
        uint8_t *d = slurp(s->path, s->br_off, s->br_len, &size);
        if (!check(v, d != NULL, MUST, "IO", rel(v, s->path), "segment cannot be read%s",
                   s->br_len >= 0 ? " at its byte range" : ""))
            continue;
        s->bytes = (int64_t)size;
        if (m->iframes) {
            /* the byte range must start at a moof and hold the whole moof and the first sample (M5) */
            LSMp4Frag f;
            int ok = ls_mp4_parse_fragment(d, size, &m->init, &f) == 0 && f.moof_offset == 0 &&
                     f.first_offset + f.first_size <= (int64_t)size;
            check(v, ok, MUST, "M5", rel(v, s->path), "I-frame byte range %lld@%lld does not hold a moof and its I-frame",
                  (long long)s->br_len, (long long)s->br_off);
            if (ok && f.first_idr == 0)
                check(v, 0, MUST, "M5", rel(v, s->path), "I-frame byte range %lld@%lld: sample is not an IDR",
                      (long long)s->br_len, (long long)s->br_off);
        } else {
            s->have_frag = check(v, ls_mp4_parse_fragment(d, size, &m->init, &s->frag) == 0, MUST, "H7",
                                 rel(v, s->path), "not a valid CMAF fragment (moof/traf/trun)");
        }
        free(d);
    }
}

static void check_media_playlist(LStreamValidation *v, MediaPl *m, double frame_dur)
{
    const char *file = rel(v, m->path);
    check(v, m->n > 0, MUST, "H5", file, "playlist lists no segment");
    check(v, m->n_version <= 1, MUST, "H10", file, "%d EXT-X-VERSION tags; at most one allowed", m->n_version);
    const int version = m->n_version ? m->version : 1;
    check(v, version >= m->need_version, MUST, "H10", file, "EXT-X-VERSION %d but the tags used need %d", version,
          m->need_version);
    check(v, version <= m->need_version, SHOULD, "H10", file,
          "EXT-X-VERSION %d is above the %d the tags need (older players may refuse it)", version, m->need_version);
    check(v, m->target > 0, MUST, "H1", file, "EXT-X-TARGETDURATION missing");
    check(v, m->vod && m->endlist, MUST, "H8", file, "VOD playlist needs EXT-X-PLAYLIST-TYPE:VOD and EXT-X-ENDLIST");
    if (!m->iframes)
        check(v, m->target <= 6, SHOULD, "H3", file, "EXT-X-TARGETDURATION is %d; 6 s is recommended", m->target);
    for (int i = 0; i < m->n; i++) {
        const HSeg *s = &m->seg[i];
        const char *sf = rel(v, s->path);
        check(v, lrint(s->extinf) <= m->target, MUST, "H1", file, "EXTINF %.5f of %s rounds above the target duration %d",
              s->extinf, sf, m->target);
        if (!m->iframes)
            check(v, s->extinf <= m->target + 0.5, SHOULD, "H3", file, "segment %s lasts %.3f s, over the target %d by more than 0.5 s",
                  sf, s->extinf, m->target);
    }
    if (!m->iframes && m->n > 1)
        check(v, m->seg[m->n - 1].extinf >= 0.5 * m->target || m->seg[m->n - 1].extinf >= m->total / m->n * 0.5,
              SHOULD, "H5", file, "near-empty last segment (%.3f s)", m->seg[m->n - 1].extinf);
    if (m->iframes || !m->init_ok)
        return;
    /* fragment content: IDR first, tfdt continuity, EXTINF exactness */
    const double ts = m->init.timescale;
    const double tol = m->init.is_video ? (frame_dur > 0 ? frame_dur : 0.001) : 1024.0 / (m->init.sample_rate ? m->init.sample_rate : 48000);
    int64_t expect = -1;
    double sum_extinf = 0, sum_media = 0;
    for (int i = 0; i < m->n; i++) {
        const HSeg *s = &m->seg[i];
        if (!s->have_frag)
            continue;
        const char *sf = rel(v, s->path);
        if (m->init.is_video) {
            check(v, s->frag.first_sync, MUST, "H3", sf, "first sample is not flagged as a sync sample");
            if (s->frag.first_idr >= 0)
                check(v, s->frag.first_idr == 1, MUST, "H3", sf, "segment does not start with an IDR picture");
        }
        check(v, s->frag.has_tfdt, MUST, "H7", sf, "fragment has no tfdt");
        if (expect >= 0)
            check(v, s->frag.tfdt == expect, MUST, "H7", sf, "tfdt %lld does not continue the previous segment (%lld expected)",
                  (long long)s->frag.tfdt, (long long)expect);
        expect = s->frag.tfdt + s->frag.duration;
        const double media = s->frag.duration / ts;
        check(v, fabs(media - s->extinf) <= 0.0015 || fabs(media - s->extinf) < tol * 0.5, MUST, "H5", file,
              "EXTINF %.5f of %s differs from its media duration %.5f", s->extinf, sf, media);
        sum_extinf += s->extinf;
        sum_media += media;
    }
    check(v, fabs(sum_extinf - sum_media) <= tol, MUST, "H5", file,
          "EXTINFs add up to %.4f s but the media lasts %.4f s (more than one frame apart)", sum_extinf, sum_media);
}

typedef struct Variant {
    char attrs[2048];
    MediaPl *pl;
    int iframe;
    double bandwidth, avg_bw;
    char codecs[128];
    char audio_group[64];
    int w, h;
} Variant;

typedef struct Hls {
    MediaPl pls[64];
    int n_pls;
    Variant var[64];
    int n_var;
    MediaPl *audio[16];
    char audio_group[16][64];
    int n_audio;
} Hls;

static MediaPl *get_pl(Hls *h, const char *path)
{
    for (int i = 0; i < h->n_pls; i++)
        if (!strcmp(h->pls[i].path, path))
            return &h->pls[i];
    if (h->n_pls == (int)LS_ARRAY_SIZE(h->pls))
        return NULL;
    MediaPl *m = &h->pls[h->n_pls++];
    memset(m, 0, sizeof(*m));
    snprintf(m->path, sizeof(m->path), "%s", path);
    return m;
}

static void measure(const MediaPl *m, double *peak, double *avg)
{
    *peak = *avg = 0;
    if (!m || !m->n)
        return;
    int64_t *bytes = malloc(sizeof(*bytes) * m->n);
    double *dur = malloc(sizeof(*dur) * m->n);
    if (bytes && dur) {
        for (int i = 0; i < m->n; i++) {
            bytes[i] = m->seg[i].bytes;
            dur[i] = m->seg[i].extinf;
        }
        *peak = ls_peak_bitrate(bytes, dur, m->n, m->target);
        *avg = ls_avg_bitrate(bytes, dur, m->n);
    }
    free(bytes);
    free(dur);
}

static int codec_in(const char *codecs, const char *c)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", codecs);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!strcasecmp(t, c))
            return 1;
    }
    return 0;
}

/* Segment start times of a playlist, from tfdt when known (else EXTINF sums). */
static double seg_start(const MediaPl *m, int i)
{
    if (m->init_ok && m->seg[i].have_frag)
        return (double)(m->seg[i].frag.ept + m->init.pres_offset) / m->init.timescale;
    double t = 0;
    for (int k = 0; k < i; k++)
        t += m->seg[k].extinf;
    return t;
}

static int source_size(const LStreamValidation *v, int *w, int *h, double *dar)
{
    char path[LS_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/%s", v->root, LS_NAME_REPORT);
    size_t size;
    char *j = (char *)slurp(path, 0, -1, &size);
    if (!j)
        return 0;
    const char *vid = strstr(j, "\"video\": {");
    int ok = 0;
    if (vid) {
        const char *pw = strstr(vid, "\"width\": "), *ph = strstr(vid, "\"height\": "), *pd = strstr(vid, "\"display_aspect\": ");
        if (pw && ph && pd) {
            *w = atoi(pw + 9);
            *h = atoi(ph + 10);
            *dar = atof(pd + 18);
            ok = 1;
        }
    }
    free(j);
    return ok;
}

static void validate_hls(LStreamValidation *v, const char *master)
{
    Hls *h = calloc(1, sizeof(*h));
    if (!h)
        return;
    const char *file = rel(v, master);
    size_t size;
    char *text = (char *)slurp(master, 0, -1, &size);
    if (!check(v, text != NULL, MUST, "IO", file, "multivariant playlist cannot be read")) {
        free(h);
        return;
    }
    char dir[LS_PATH_MAX];
    dirname_of(master, dir, sizeof(dir));
    int independent = 0, n_version = 0, pending = 0;
    Variant pend;               /* an EXT-X-STREAM-INF waiting for its URI line */
    memset(&pend, 0, sizeof(pend));
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        const int stream_inf = !strncmp(line, "#EXT-X-STREAM-INF:", 18), iframe_inf = !strncmp(line, "#EXT-X-I-FRAME-STREAM-INF:", 26);
        if (pending && (stream_inf || iframe_inf)) { /* RFC 8216 4.3.4.2: the URI line must come next */
            check(v, 0, MUST, "M1", file, "EXT-X-STREAM-INF:%.60s has no URI line after it", pend.attrs);
            pending = 0;
        }
        if (!strcmp(line, "#EXT-X-INDEPENDENT-SEGMENTS")) {
            independent = 1;
        } else if (!strncmp(line, "#EXT-X-VERSION:", 15)) {
            n_version++;
        } else if (stream_inf) {
            memset(&pend, 0, sizeof(pend));
            snprintf(pend.attrs, sizeof(pend.attrs), "%s", line + 18);
            pending = 1;
        } else if (iframe_inf && h->n_var < (int)LS_ARRAY_SIZE(h->var)) {
            Variant *x = &h->var[h->n_var];
            memset(x, 0, sizeof(*x));
            snprintf(x->attrs, sizeof(x->attrs), "%s", line + 26);
            x->iframe = 1;
            char uri[LS_PATH_MAX], path[LS_PATH_MAX];
            if (attr(x->attrs, "URI", uri, sizeof(uri)) && !is_remote(uri)) {
                resolve(dir, uri, path, sizeof(path));
                x->pl = get_pl(h, path);
            }
            h->n_var++;
        } else if (!strncmp(line, "#EXT-X-MEDIA:", 13)) {
            char type[32] = "", uri[LS_PATH_MAX] = "", group[64] = "", lang[64], name[128];
            attr(line + 13, "TYPE", type, sizeof(type));
            attr(line + 13, "GROUP-ID", group, sizeof(group));
            if (!strcmp(type, "AUDIO")) {
                check(v, attr(line + 13, "LANGUAGE", lang, sizeof(lang)), SHOULD, "M6", file,
                      "audio rendition in group '%s' has no LANGUAGE", group);
                check(v, attr(line + 13, "NAME", name, sizeof(name)), MUST, "M6", file,
                      "audio rendition in group '%s' has no NAME", group);
                if (attr(line + 13, "URI", uri, sizeof(uri)) && !is_remote(uri) && h->n_audio < 16) {
                    char path[LS_PATH_MAX];
                    resolve(dir, uri, path, sizeof(path));
                    h->audio[h->n_audio] = get_pl(h, path);
                    snprintf(h->audio_group[h->n_audio], 64, "%s", group);
                    h->n_audio++;
                }
            }
        } else if (pending && line[0] != '#') {
            pending = 0;
            if (h->n_var == (int)LS_ARRAY_SIZE(h->var))
                continue; /* more variants than are checked */
            Variant *x = &h->var[h->n_var++];
            *x = pend;
            char path[LS_PATH_MAX];
            if (!is_remote(line)) {
                resolve(dir, line, path, sizeof(path));
                x->pl = get_pl(h, path);
            }
        }
    }
    free(text);
    if (pending)
        check(v, 0, MUST, "M1", file, "EXT-X-STREAM-INF:%.60s has no URI line after it", pend.attrs);
    check(v, n_version <= 1, MUST, "H10", file, "%d EXT-X-VERSION tags; at most one allowed", n_version);
    check(v, h->n_var > 0, MUST, "M1", file, "no EXT-X-STREAM-INF variant");

    /* load every media playlist once */
    for (int i = 0; i < h->n_pls; i++) {
        if (!load_media_playlist(v, &h->pls[i]))
            load_media(v, &h->pls[i]);
    }
    int all_idr = 1, has_iframe_pl = 0, has_video = 0, cellular = 0;
    double frame_dur = 0;
    for (int i = 0; i < h->n_var; i++) {
        Variant *x = &h->var[i];
        char val[256];
        /* decimal-integers (RFC 8216 4.2); anything else reads as absent */
        int64_t bw = 0, avg = 0;
        if (attr(x->attrs, "BANDWIDTH", val, sizeof(val)) && !parse_int(val, 1, NUM_LIMIT, &bw))
            bw = 0;
        if (attr(x->attrs, "AVERAGE-BANDWIDTH", val, sizeof(val)) && !parse_int(val, 1, NUM_LIMIT, &avg))
            avg = 0;
        x->bandwidth = (double)bw;
        x->avg_bw = (double)avg;
        attr(x->attrs, "CODECS", x->codecs, sizeof(x->codecs));
        attr(x->attrs, "AUDIO", x->audio_group, sizeof(x->audio_group));
        int64_t rw = 0, rh = 0;
        const char *xs = attr(x->attrs, "RESOLUTION", val, sizeof(val)) ? strchr(val, 'x') : NULL;
        if (xs && parse_int(val, 1, 65535, &rw) && parse_int(xs + 1, 1, 65535, &rh)) {
            x->w = (int)rw;
            x->h = (int)rh;
        }
        if (x->pl && x->pl->init_ok && x->pl->init.is_video && !x->iframe) {
            char fr[32];
            const double rate = attr(x->attrs, "FRAME-RATE", fr, sizeof(fr)) ? atof(fr) : 0;
            if (isfinite(rate) && rate > 0.1)
                frame_dur = fmax(frame_dur, 1.0 / rate);
        }
    }
    for (int i = 0; i < h->n_pls; i++)
        if (h->pls[i].ok)
            check_media_playlist(v, &h->pls[i], frame_dur);

    MediaPl *ref = NULL; /* first video playlist, for alignment */
    for (int i = 0; i < h->n_var; i++) {
        Variant *x = &h->var[i];
        MediaPl *m = x->pl;
        const char *tag = x->iframe ? "EXT-X-I-FRAME-STREAM-INF" : "EXT-X-STREAM-INF";
        if (!m || !m->ok)
            continue;
        const char *pf = rel(v, m->path);
        check(v, x->bandwidth > 0, MUST, "M1", file, "%s for %s has no valid BANDWIDTH", tag, pf);
        check(v, x->avg_bw > 0, SHOULD, "M2", file, "%s for %s has no valid AVERAGE-BANDWIDTH", tag, pf);
        check(v, x->codecs[0], MUST, "M3", file, "%s for %s has no CODECS", tag, pf);
        const int video = m->init_ok && m->init.is_video;
        if (m->init_ok)
            check(v, !x->codecs[0] || codec_in(x->codecs, m->init.codec), MUST, "M3", file,
                  "CODECS=\"%s\" of %s does not list %s, the codec of its init segment", x->codecs, pf, m->init.codec);
        if (video) {
            has_video = 1;
            check(v, x->w > 0 && x->h > 0, MUST, "M3", file, "video variant %s has no RESOLUTION", pf);
            if (x->w > 0 && m->init.width > 0)
                check(v, x->w == m->init.width && x->h == m->init.height, MUST, "M3", file,
                      "RESOLUTION %dx%d of %s differs from its init segment (%dx%d)", x->w, x->h, pf, m->init.width,
                      m->init.height);
        }
        if (x->iframe) {
            has_iframe_pl = 1;
            check(v, m->iframes, MUST, "M5", pf, "referenced as I-frame playlist but has no EXT-X-I-FRAMES-ONLY");
            continue;
        }
        if (video) {
            char fr[32];
            int has_fr = attr(x->attrs, "FRAME-RATE", fr, sizeof(fr));
            const char *dot = has_fr ? strchr(fr, '.') : NULL;
            check(v, has_fr && dot && strlen(dot + 1) == 3, MUST, "M3", file,
                  "video variant %s: FRAME-RATE %s (must be present, decimal with 3 places)", pf, has_fr ? fr : "missing");
            for (int s = 0; s < m->n; s++)
                if (m->seg[s].have_frag && !m->seg[s].frag.first_sync)
                    all_idr = 0;
        }
        /* measured peak and average, with the audio rendition it plays with */
        double peak, avg, apeak = 0, aavg = 0;
        measure(m, &peak, &avg);
        MediaPl *am = NULL;
        for (int a = 0; a < h->n_audio && x->audio_group[0]; a++)
            if (!strcmp(h->audio_group[a], x->audio_group) && h->audio[a] != m)
                am = h->audio[a];
        if (am && am->ok)
            measure(am, &apeak, &aavg);
        const double mpeak = peak + apeak, mavg = avg + aavg;
        if (m->ts)
            continue;
        check(v, mpeak <= x->bandwidth * 1.10 + 1, MUST, "M1", file,
              "BANDWIDTH=%.0f of %s is below the measured RFC 8216 peak %.0f by more than 10%%", x->bandwidth, pf, mpeak);
        check(v, mpeak >= x->bandwidth * 0.90, MUST, "M2", file,
              "measured peak %.0f of %s is not within 10%% of BANDWIDTH=%.0f", mpeak, pf, x->bandwidth);
        if (x->avg_bw > 0)
            check(v, fabs(mavg - x->avg_bw) <= 0.10 * x->avg_bw, MUST, "M2", file,
                  "measured average %.0f of %s is not within 10%% of AVERAGE-BANDWIDTH=%.0f", mavg, pf, x->avg_bw);
        if (video && x->bandwidth <= 192000)
            cellular = 1;
        if (video) {
            if (!ref)
                ref = m;
            /* H9: same boundaries in every video variant and the audio */
            MediaPl *others[2] = { m, am };
            for (int o = 0; o < 2; o++) {
                MediaPl *q = others[o];
                if (!q || !q->ok || q == ref || q->aligned_checked)
                    continue;
                q->aligned_checked = 1;
                const double tol = q->init_ok && q->init.is_audio ? 1024.0 / (q->init.sample_rate ? q->init.sample_rate : 48000) * 0.51 + 1e-3 : 1e-3;
                int aligned = q->n == ref->n;
                double worst = 0;
                for (int s = 0; aligned && s < q->n; s++) {
                    double d = fabs(seg_start(q, s) - seg_start(ref, s));
                    worst = fmax(worst, d);
                    if (d > tol)
                        aligned = 0;
                }
                check(v, aligned, MUST, "H9", rel(v, q->path),
                      "segment boundaries differ from %s (%d vs %d segments, up to %.4f s apart)", rel(v, ref->path), q->n,
                      ref->n, worst);
                check(v, q->target == ref->target, MUST, "H6", rel(v, q->path), "EXT-X-TARGETDURATION %d differs from %d in %s",
                      q->target, ref->target, rel(v, ref->path));
                check(v, fabs(q->total - ref->total) <= frame_dur + 1024.0 / 48000 + 1e-3, SHOULD, "H6", rel(v, q->path),
                      "covers %.3f s but %s covers %.3f s", q->total, rel(v, ref->path), ref->total);
            }
        }
    }
    if (has_video) {
        check(v, has_iframe_pl, MUST, "M5", file, "no EXT-X-I-FRAME-STREAM-INF (I-frame playlists are required)");
        check(v, cellular, MUST, "M7", file, "no video variant with a peak BANDWIDTH <= 192000 bit/s");
        if (all_idr)
            check(v, independent, SHOULD, "M4", file, "every segment starts with an IDR but EXT-X-INDEPENDENT-SEGMENTS is missing");
    }
    /* M8: a lower rung never costs more, and (when the source is known) no rung above the source */
    int sw = 0, sh = 0;
    double dar = 0;
    const int have_src = source_size(v, &sw, &sh, &dar);
    for (int i = 0; i < h->n_var; i++) {
        const Variant *a = &h->var[i];
        if (a->iframe || !a->w)
            continue;
        if (have_src) {
            const double src_short = dar >= 1.0 ? sh : sw;
            const int short_side = a->w < a->h ? a->w : a->h;
            check(v, short_side <= src_short + 1, MUST, "M8", file, "variant %dx%d is above the source (%dx%d): upscaled",
                  a->w, a->h, sw, sh);
        }
        for (int j = 0; j < h->n_var; j++) {
            const Variant *b = &h->var[j];
            if (b->iframe || !b->w || (long)b->w * b->h >= (long)a->w * a->h || !a->pl || !b->pl)
                continue;
            double pa, aa, pb, ab;
            measure(a->pl, &pa, &aa);
            measure(b->pl, &pb, &ab);
            check(v, ab <= aa * 1.02, MUST, "M8", file, "lower rung %dx%d averages %.0f bit/s, more than %dx%d (%.0f)",
                  b->w, b->h, ab, a->w, a->h, aa);
        }
    }
    for (int i = 0; i < h->n_pls; i++)
        free_pl(&h->pls[i]);
    free(h);
}

/* ------------------------------------------------------------------ DASH */

static char *xattr(xmlNode *n, const char *name)
{
    return n ? (char *)xmlGetProp(n, (const xmlChar *)name) : NULL;
}

static int xname(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* attribute of a SegmentTemplate, inherited from the AdaptationSet's when absent (caller frees) */
static char *tattr(xmlNode *tmpl, xmlNode *as_tmpl, const char *name)
{
    char *v = xattr(tmpl, name);
    if (!v && as_tmpl && as_tmpl != tmpl)
        v = xattr(as_tmpl, name);
    return v;
}

static xmlNode *xchild(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (xname(c, name))
            return c;
    return NULL;
}

static double iso_duration(const char *s)
{
    /* PnDTnHnMnS (the subset MPDs use) */
    if (!s || s[0] != 'P')
        return -1;
    double total = 0;
    int in_time = 0;
    const char *p = s + 1;
    while (*p) {
        if (*p == 'T') {
            in_time = 1;
            p++;
            continue;
        }
        char *end;
        double val = strtod(p, &end);
        if (end == p)
            return -1;
        switch (*end) {
        case 'D': total += val * 86400; break;
        case 'H': total += val * 3600; break;
        case 'M': total += in_time ? val * 60 : val * 2592000; break;
        case 'S': total += val; break;
        default: return -1;
        }
        p = end + 1;
    }
    return isfinite(total) && total >= 0 && total < 1e10 ? total : -1;
}

/* expand $RepresentationID$, $Number%0Nd$, $Bandwidth$, $Time$ */
static void expand(const char *tmpl, const char *rep_id, long long number, long long bw, long long time, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < n;) {
        if (*p == '$') {
            const char *end = strchr(p + 1, '$');
            if (!end)
                break;
            char id[64];
            snprintf(id, sizeof(id), "%.*s", (int)(end - p - 1), p + 1);
            /* "$Number%05d$": the format tag is %0[width]d; only its width is taken (never the text itself
             * as a format), capped: a wider name matches no file anyway */
            int width = 0;
            char *pct = strchr(id, '%');
            if (pct) {
                for (const char *q = pct + 1; *q >= '0' && *q <= '9'; q++)
                    width = width < 32 ? width * 10 + (*q - '0') : 32;
                width = width > 32 ? 32 : width;
                *pct = 0;
            }
            char val[128] = "";
            if (!strcmp(id, "RepresentationID"))
                snprintf(val, sizeof(val), "%s", rep_id);
            else if (!strcmp(id, "Number"))
                snprintf(val, sizeof(val), "%0*lld", width, number);
            else if (!strcmp(id, "Bandwidth"))
                snprintf(val, sizeof(val), "%0*lld", width, bw);
            else if (!strcmp(id, "Time"))
                snprintf(val, sizeof(val), "%0*lld", width, time);
            else if (!id[0])
                snprintf(val, sizeof(val), "$");
            o += (size_t)snprintf(out + o, n - o, "%s", val);
            p = end + 1;
        } else {
            out[o++] = *p++;
        }
    }
    out[o < n ? o : n - 1] = 0;
}

typedef struct DRep {
    char id[64];
    double bandwidth;
    int64_t n;
    int64_t *t, *d;             /* timeline */
    int64_t *bytes;
    int aligned_ok;
} DRep;

static void validate_dash(LStreamValidation *v, const char *mpd_path)
{
    const char *file = rel(v, mpd_path);
    size_t mpd_size = 0;
    char *mpd_text = (char *)slurp(mpd_path, 0, -1, &mpd_size);
    xmlDoc *doc = mpd_text && mpd_size < INT_MAX
                      ? xmlReadMemory(mpd_text, (int)mpd_size, mpd_path, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
                      : NULL;
    free(mpd_text);
    if (!check(v, doc != NULL, MUST, "IO", file, "MPD is not well-formed XML"))
        return;
    xmlNode *mpd = xmlDocGetRootElement(doc);
    if (!check(v, mpd && xname(mpd, "MPD"), MUST, "D1", file, "root element is not MPD")) {
        xmlFreeDoc(doc);
        return;
    }
    char dir[LS_PATH_MAX];
    dirname_of(mpd_path, dir, sizeof(dir));
    char *s_mbt = xattr(mpd, "minBufferTime"), *s_type = xattr(mpd, "type"), *s_mpd_dur = xattr(mpd, "mediaPresentationDuration");
    const double mbt = iso_duration(s_mbt), mpd_dur = iso_duration(s_mpd_dur);
    check(v, mbt > 0, MUST, "D1", file, "minBufferTime missing or invalid (%s)", s_mbt ? s_mbt : "none");
    const int is_static = !s_type || !strcmp(s_type, "static");
    xmlFree(s_mbt);
    xmlFree(s_type);
    xmlFree(s_mpd_dur);
    if (!is_static) {
        finding(v, SHOULD, "D2", file, "dynamic MPD: only static MPDs are checked");
        xmlFreeDoc(doc);
        return;
    }
    xmlNode *period = xchild(mpd, "Period");
    for (xmlNode *as = period ? period->children : NULL; as; as = as->next) {
        if (!xname(as, "AdaptationSet"))
            continue;
        char *seg_align = xattr(as, "segmentAlignment");
        const int claims_aligned = seg_align && (!strcmp(seg_align, "true") || !strcmp(seg_align, "1"));
        xmlFree(seg_align);
        DRep reps[16];
        int n_reps = 0;
        xmlNode *as_tmpl = xchild(as, "SegmentTemplate");
        for (xmlNode *rn = as->children; rn && n_reps < 16; rn = rn->next) {
            if (!xname(rn, "Representation"))
                continue;
            DRep *r = &reps[n_reps++];
            memset(r, 0, sizeof(*r));
            char *id = xattr(rn, "id"), *bw = xattr(rn, "bandwidth"), *codecs = xattr(rn, "codecs");
            if (!codecs)
                codecs = xattr(as, "codecs");
            snprintf(r->id, sizeof(r->id), "%s", id ? (char *)id : "");
            int64_t bw_i = 0;
            if (bw && !parse_int(bw, 1, UINT32_MAX, &bw_i)) /* xs:unsignedInt */
                bw_i = 0;
            r->bandwidth = (double)bw_i;
            check(v, r->bandwidth > 0, MUST, "D1", file, "Representation %s has no valid @bandwidth", r->id);
            xmlNode *tmpl = xchild(rn, "SegmentTemplate");
            if (!tmpl)
                tmpl = as_tmpl;
            if (!check(v, tmpl != NULL, SHOULD, "D3", file, "Representation %s: no SegmentTemplate (other addressing is not checked)", r->id)) {
                xmlFree(id); xmlFree(bw); xmlFree(codecs);
                continue;
            }
            /* SegmentTemplate attributes: the Representation's, else the AdaptationSet's */
            char *ts_s = tattr(tmpl, as_tmpl, "timescale"), *pto_s = tattr(tmpl, as_tmpl, "presentationTimeOffset");
            char *init_s = tattr(tmpl, as_tmpl, "initialization"), *media_s = tattr(tmpl, as_tmpl, "media");
            char *start_s = tattr(tmpl, as_tmpl, "startNumber"), *dur_s = tattr(tmpl, as_tmpl, "duration");
            int64_t timescale = 1, pto = 0, start_number = 1;
            check(v, !ts_s || parse_int(ts_s, 1, INT32_MAX, &timescale), MUST, "D2", file,
                  "Representation %s: @timescale \"%.32s\" is not a positive 32-bit integer", r->id, ts_s);
            check(v, !pto_s || parse_int(pto_s, 0, NUM_LIMIT, &pto), MUST, "D2", file,
                  "Representation %s: @presentationTimeOffset \"%.32s\" is not an integer within 2^53", r->id, pto_s);
            check(v, !start_s || parse_int(start_s, 0, NUM_LIMIT, &start_number), MUST, "D3", file,
                  "Representation %s: @startNumber \"%.32s\" is not an integer within 2^53", r->id, start_s);
            char init_path[LS_PATH_MAX], uri[LS_PATH_MAX];
            LSMp4Init init;
            int init_ok = 0;
            if (init_s) {
                expand(init_s, r->id, 0, (long long)r->bandwidth, 0, uri, sizeof(uri));
                resolve(dir, uri, init_path, sizeof(init_path));
                size_t size;
                uint8_t *d = slurp(init_path, 0, -1, &size);
                if (check(v, d != NULL, MUST, "IO", rel(v, init_path), "init segment cannot be read"))
                    init_ok = check(v, ls_mp4_parse_init(d, size, &init) == 0, MUST, "D2", rel(v, init_path),
                                    "not a valid fMP4 init segment");
                free(d);
                if (init_ok) {
                    check(v, codecs && !strcasecmp(codecs, init.codec), MUST, "M3", file,
                          "Representation %s: @codecs=\"%s\" but the init segment says %s", r->id,
                          codecs ? codecs : "(none)", init.codec);
                    check(v, (long long)init.timescale == timescale, MUST, "D2", file,
                          "Representation %s: @timescale %lld but the media timescale is %u", r->id,
                          (long long)timescale, init.timescale);
                }
            }
            /* build the timeline */
            xmlNode *tl = xchild(tmpl, "SegmentTimeline");
            if (!tl && tmpl != as_tmpl)
                tl = NULL;
            int64_t cap = 0;
            if (tl) {
                int64_t t = 0;
                for (xmlNode *sn = tl->children; sn; sn = sn->next) {
                    if (!xname(sn, "S"))
                        continue;
                    char *st = xattr(sn, "t"), *sd = xattr(sn, "d"), *sr = xattr(sn, "r");
                    int64_t d = 0, rep = 0;
                    const int ok = check(v, (!st || parse_int(st, 0, NUM_LIMIT, &t)) && parse_int(sd, 1, NUM_LIMIT, &d) &&
                                                (!sr || parse_int(sr, -1, NUM_LIMIT, &rep)),
                                         MUST, "D3", file, "Representation %s: <S t=\"%.24s\" d=\"%.24s\" r=\"%.24s\">"
                                         " is not a timeline entry (integers within 2^53, d > 0)", r->id,
                                         st ? st : "", sd ? sd : "", sr ? sr : "");
                    xmlFree(st); xmlFree(sd); xmlFree(sr);
                    if (!ok)
                        break;
                    if (rep < 0) { /* r = -1: until the end of the period */
                        double until = d > 0 && mpd_dur > 0 ? ceil((mpd_dur * timescale - t) / d) - 1 : 0;
                        rep = until > 0 && until < MAX_SEGMENTS ? (int64_t)until : 0;
                    }
                    if (rep >= MAX_SEGMENTS || r->n + rep >= MAX_SEGMENTS) {
                        check(v, 0, MUST, "D3", file, "Representation %s: SegmentTimeline lists more than %d segments",
                              r->id, MAX_SEGMENTS);
                        break;
                    }
                    for (int64_t k = 0; k <= rep && d > 0; k++) {
                        if (r->n == cap) {
                            cap = cap ? cap * 2 : 256;
                            r->t = realloc(r->t, sizeof(*r->t) * cap);
                            r->d = realloc(r->d, sizeof(*r->d) * cap);
                            r->bytes = realloc(r->bytes, sizeof(*r->bytes) * cap);
                            if (!r->t || !r->d || !r->bytes)
                                break;
                        }
                        if (t > NUM_LIMIT) /* t and d are each within 2^53: the sum cannot overflow */
                            break;
                        r->t[r->n] = t;
                        r->d[r->n] = d;
                        r->n++;
                        t += d;
                    }
                    if (!check(v, t <= NUM_LIMIT, MUST, "D3", file, "Representation %s: SegmentTimeline runs past 2^53",
                               r->id))
                        break;
                }
            } else if (dur_s && mpd_dur > 0) {
                int64_t d = 0;
                check(v, parse_int(dur_s, 1, NUM_LIMIT, &d), MUST, "D3", file,
                      "Representation %s: @duration \"%.32s\" is not a positive integer within 2^53", r->id, dur_s);
                const double c = d > 0 ? ceil(mpd_dur * timescale / d - 1e-9) : 0;
                const int64_t count = c > 0 && c < MAX_SEGMENTS ? (int64_t)c : 0;
                check(v, c < MAX_SEGMENTS, MUST, "D3", file, "Representation %s: @duration gives %.0f segments", r->id, c);
                cap = count;
                r->t = malloc(sizeof(*r->t) * (count ? count : 1));
                r->d = malloc(sizeof(*r->d) * (count ? count : 1));
                r->bytes = malloc(sizeof(*r->bytes) * (count ? count : 1));
                for (int64_t k = 0; r->t && r->d && r->bytes && k < count && pto + k * (double)d <= NUM_LIMIT; k++) {
                    r->t[k] = pto + k * d;
                    r->d[k] = d;
                    r->n++;
                }
            }
            check(v, r->n > 0, MUST, "D3", file, "Representation %s: no segments addressed", r->id);
            /* each segment against its media */
            double worst_fail = 0;
            int64_t expect_tfdt = -1;
            for (int64_t k = 0; k < r->n && media_s && init_ok; k++) {
                char seg_path[LS_PATH_MAX];
                expand(media_s, r->id, start_number + k, (long long)r->bandwidth, r->t[k], uri, sizeof(uri));
                resolve(dir, uri, seg_path, sizeof(seg_path));
                size_t size;
                uint8_t *d = slurp(seg_path, 0, -1, &size);
                const char *sf = rel(v, seg_path);
                r->bytes[k] = d ? (int64_t)size : 0;
                if (!check(v, d != NULL, MUST, "IO", sf, "segment cannot be read"))
                    continue;
                LSMp4Frag f;
                if (check(v, ls_mp4_parse_fragment(d, size, &init, &f) == 0, MUST, "D3", sf, "not a valid CMAF fragment")) {
                    /* through the init segment's edit list; media before the presentation start (AAC
                     * priming, B-frame delay) is not presented and does not count */
                    int64_t ept = f.ept + init.pres_offset, dur = f.duration;
                    if (init.has_edits && ept < init.pres_start) {
                        dur -= init.pres_start - ept;
                        ept = init.pres_start;
                    }
                    if (k == 0)
                        check(v, ept == pto, MUST, "D2", file,
                              "Representation %s: presentationTimeOffset %lld but the first segment starts at %lld%s",
                              r->id, (long long)pto, (long long)ept, init.has_edits ? " (after the edit list)" : "");
                    check(v, ept == r->t[k], MUST, "D3", sf, "SegmentTimeline t=%lld but the media starts at %lld%s",
                          (long long)r->t[k], (long long)ept, init.has_edits ? " (after the edit list)" : "");
                    check(v, dur == r->d[k], MUST, "D3", sf, "SegmentTimeline d=%lld but the media lasts %lld",
                          (long long)r->d[k], (long long)dur);
                    if (expect_tfdt >= 0)
                        check(v, f.tfdt == expect_tfdt, MUST, "H7", sf, "tfdt %lld does not continue the previous segment (%lld)",
                              (long long)f.tfdt, (long long)expect_tfdt);
                    expect_tfdt = f.tfdt + f.duration;
                    if (init.is_video) {
                        check(v, f.first_sync, MUST, "H3", sf, "segment does not start with a sync sample");
                        if (f.first_idr >= 0)
                            check(v, f.first_idr == 1, MUST, "H3", sf, "segment does not start with an IDR picture");
                    }
                }
                free(d);
            }
            (void)worst_fail;
            /* D1: leaky bucket with minBufferTime */
            if (r->n && mbt > 0 && init_ok) {
                double *dur = malloc(sizeof(*dur) * r->n);
                if (dur) {
                    for (int64_t k = 0; k < r->n; k++)
                        dur[k] = (double)r->d[k] / timescale;
                    const double need = ls_leaky_bucket_bandwidth(r->bytes, dur, (int)r->n, mbt);
                    check(v, r->bandwidth + 1 >= need, MUST, "D1", file,
                          "Representation %s: @bandwidth %.0f fails the leaky bucket; %.0f bit/s needed with minBufferTime %.3f s",
                          r->id, r->bandwidth, need, mbt);
                    check(v, r->bandwidth <= need * 1.25 + 1000, SHOULD, "D1", file,
                          "Representation %s: @bandwidth %.0f is far above the %.0f bit/s it needs", r->id, r->bandwidth, need);
                    free(dur);
                }
            }
            xmlFree(id); xmlFree(bw); xmlFree(codecs);
            xmlFree(ts_s); xmlFree(pto_s); xmlFree(init_s); xmlFree(media_s); xmlFree(start_s); xmlFree(dur_s);
        }
        if (claims_aligned && n_reps > 1) {
            int same = 1;
            for (int i = 1; i < n_reps && same; i++) {
                same = reps[i].n == reps[0].n;
                for (int64_t k = 0; same && k < reps[0].n; k++)
                    same = reps[i].t[k] == reps[0].t[k] && reps[i].d[k] == reps[0].d[k];
            }
            check(v, same, MUST, "D3", file, "segmentAlignment=\"true\" but the Representations' timelines differ");
        }
        for (int i = 0; i < n_reps; i++) {
            free(reps[i].t);
            free(reps[i].d);
            free(reps[i].bytes);
        }
    }
    xmlFreeDoc(doc);
}

/* ------------------------------------------------------------------ entry points */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

static int is_master(const LStreamValidation *v, const char *path)
{
    size_t size;
    char *t = (char *)slurp(path, 0, -1, &size);
    int yes = t && strstr(t, "#EXT-X-STREAM-INF") != NULL;
    free(t);
    return yes;
}

int lstream_validate(const char *path, LStreamValidation **out)
{
    LIBXML_TEST_VERSION
    *out = NULL;
    struct stat st;
    if (!path || stat(path, &st))
        return LSTREAM_ERR(ENOENT);
    LStreamValidation *v = calloc(1, sizeof(*v));
    if (!v)
        return LSTREAM_ERR(ENOMEM);
    ls_file_reader(&v->io);
    char hls[LS_PATH_MAX] = "", mpd[LS_PATH_MAX] = "";
    if (S_ISDIR(st.st_mode)) {
        snprintf(v->root, sizeof(v->root), "%s", path);
        size_t n = strlen(v->root);
        while (n > 1 && v->root[n - 1] == '/')
            v->root[--n] = 0;
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            char full[LS_PATH_MAX];
            snprintf(full, sizeof(full), "%s/%s", v->root, e->d_name);
            if (ends_with(e->d_name, ".m3u8") && is_master(v, full) && (!hls[0] || !strcmp(e->d_name, "master.m3u8")))
                snprintf(hls, sizeof(hls), "%s", full);
            if (ends_with(e->d_name, ".mpd") && (!mpd[0] || !strcmp(e->d_name, "manifest.mpd")))
                snprintf(mpd, sizeof(mpd), "%s", full);
        }
        if (d)
            closedir(d);
    } else {
        dirname_of(path, v->root, sizeof(v->root));
        if (ends_with(path, ".mpd"))
            snprintf(mpd, sizeof(mpd), "%s", path);
        else
            snprintf(hls, sizeof(hls), "%s", path);
    }
    if (!hls[0] && !mpd[0]) {
        free(v);
        return LSTREAM_ERR(ENOENT);
    }
    if (hls[0])
        validate_hls(v, hls);
    if (mpd[0])
        validate_dash(v, mpd);
    *out = v;
    return 0;
}

int lstream_validation_count(const LStreamValidation *v) { return v ? v->n : 0; }
int lstream_validation_must_count(const LStreamValidation *v) { return v ? v->must : 0; }
int lstream_validation_checks(const LStreamValidation *v) { return v ? v->checks : 0; }

const LStreamFinding *lstream_validation_finding(const LStreamValidation *v, int i)
{
    return v && i >= 0 && i < v->n ? &v->f[i] : NULL;
}

void lstream_validation_free(LStreamValidation **pv)
{
    if (!pv || !*pv)
        return;
    LStreamValidation *v = *pv;
    for (int i = 0; i < v->n; i++) {
        free((char *)v->f[i].rule);
        free((char *)v->f[i].file);
        free((char *)v->f[i].message);
    }
    free(v->f);
    free(v);
    *pv = NULL;
}

/* ---- validating an output's objects before commit: paths are "@out/NAME" ---- */
#define OUT_ROOT "@out"

/* "@out/a/./b/../c" -> "a/c"; 0 if the path leaves the output */
static int out_name(const char *path, char *name, size_t size)
{
    const size_t rl = strlen(OUT_ROOT);
    if (strncmp(path, OUT_ROOT "/", rl + 1))
        return 0;
    char *parts[256];
    int n = 0;
    char tmp[LS_PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path + rl + 1);
    char *save = NULL;
    for (char *t = strtok_r(tmp, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (!strcmp(t, "."))
            continue;
        if (!strcmp(t, "..")) {
            if (!n)
                return 0;
            n--;
            continue;
        }
        if (n == (int)LS_ARRAY_SIZE(parts))
            return 0;
        parts[n++] = t;
    }
    size_t k = 0;
    name[0] = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(name + k, k < size ? size - k : 0, "%s%s", i ? "/" : "", parts[i]);
    return n > 0 && k < size;
}

static int out_read(void *opaque, const char *path, int64_t offset, size_t size, void *buf)
{
    const LStreamOutput *o = opaque;
    char name[LS_PATH_MAX];
    return out_name(path, name, sizeof(name)) ? o->read(o->opaque, name, offset, size, buf) : LSTREAM_ERR(ENOENT);
}

static int64_t out_size(void *opaque, const char *path)
{
    const LStreamOutput *o = opaque;
    char name[LS_PATH_MAX];
    return out_name(path, name, sizeof(name)) ? o->size(o->opaque, name) : LSTREAM_ERR(ENOENT);
}

int ls_validate_output(LStreamJob *job, const LStreamOutput *out)
{
    LIBXML_TEST_VERSION
    LStreamValidation *v = calloc(1, sizeof(*v));
    if (!v)
        return ls_fail(job, LSTREAM_ERR(ENOMEM), "validator: out of memory");
    v->io.opaque = (void *)out;
    v->io.read = out_read;
    v->io.size = out_size;
    snprintf(v->root, sizeof(v->root), "%s", OUT_ROOT);
    validate_hls(v, OUT_ROOT "/" LS_NAME_MASTER);
    validate_dash(v, OUT_ROOT "/" LS_NAME_MPD);
    for (int i = 0; i < v->n; i++)
        ls_log(job, v->f[i].must ? LSTREAM_LOG_ERROR : LSTREAM_LOG_WARNING, "validate %s %s [%s] %s", v->f[i].rule,
               v->f[i].must ? "MUST" : "SHOULD", v->f[i].file, v->f[i].message);
    ls_log(job, LSTREAM_LOG_INFO, "validator: %d checks, %d MUST and %d SHOULD findings", v->checks, v->must,
           v->n - v->must);
    int err = 0;
    if (v->must) {
        const LStreamFinding *f = NULL;
        for (int i = 0; i < v->n && !f; i++)
            if (v->f[i].must)
                f = &v->f[i];
        err = ls_fail(job, LSTREAM_ERR_VALIDATION, "the ladder breaks %d MUST rule(s); first: %s [%s] %s; nothing published",
                      v->must, f->rule, f->file, f->message);
    }
    lstream_validation_free(&v);
    return err;
}
