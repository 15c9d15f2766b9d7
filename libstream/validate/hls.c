/*
 * The validator's HLS half: the multivariant playlist, every media and I-frame playlist, and every segment
 * they name, against doc/RULES.md H1-H10 and M1-M8.
 */
#include "config.h"
#include "libstream/validate/common.h"
#include "libstream/validate/mp4read.h"
#include "libstream/output/output.h"
#include "libstream/package/model.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

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
    int64_t br_off, br_len; /* byte range, len < 0 = whole file */
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
    int event, pdt;    /* live: EXT-X-PLAYLIST-TYPE:EVENT, EXT-X-PROGRAM-DATE-TIME seen */
    int64_t media_seq; /* EXT-X-MEDIA-SEQUENCE; -1 if absent */
    int has_map;
    char map_path[LS_PATH_MAX];
    LSMp4Init init;
    int init_ok;
    int ts; /* MPEG-TS segments */
    HSeg *seg;
    int n;
    double total;
    int aligned_checked; /* H9/H6 against the reference done once */
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
    m->media_seq = -1;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (first) {
            check(v, !strcmp(line, "#EXTM3U"), MUST, "H10", file, "first line is not #EXTM3U");
            first = 0;
            continue;
        }
        if (!strncmp(line, "#EXT-X-VERSION:", 15)) {
            m->n_version++;
            int64_t x = 0;
            check(v, parse_int(line + 15, 1, 1000, &x), MUST, "H10", file,
                  "EXT-X-VERSION \"%.32s\" is not a version number", line + 15);
            m->version = (int)x;
        } else if (!strncmp(line, "#EXT-X-TARGETDURATION:", 22)) {
            int64_t x = 0;
            check(v, parse_int(line + 22, 0, INT32_MAX, &x), MUST, "H1", file,
                  "EXT-X-TARGETDURATION \"%.32s\" is not a decimal integer", line + 22);
            m->target = (int)x;
        } else if (!strcmp(line, "#EXT-X-PLAYLIST-TYPE:VOD")) {
            m->vod = 1;
        } else if (!strcmp(line, "#EXT-X-PLAYLIST-TYPE:EVENT")) {
            m->event = 1;
        } else if (!strncmp(line, "#EXT-X-MEDIA-SEQUENCE:", 22)) {
            int64_t x = 0;
            if (check(v, parse_int(line + 22, 0, INT64_MAX, &x), MUST, "L1", file,
                      "EXT-X-MEDIA-SEQUENCE \"%.32s\" is not a decimal integer", line + 22))
                m->media_seq = x;
        } else if (!strncmp(line, "#EXT-X-PROGRAM-DATE-TIME:", 25)) {
            int yy, mo, dd, hh, mi;
            double ss;
            m->pdt = 1;
            check(v,
                  sscanf(line + 25, "%4d-%2d-%2dT%2d:%2d:%lf", &yy, &mo, &dd, &hh, &mi, &ss) == 6 &&
                      (strchr(line + 25, 'Z') || strchr(line + 25 + 19, '+') || strchr(line + 25 + 19, '-')),
                  MUST, "L3", file, "EXT-X-PROGRAM-DATE-TIME \"%.40s\" is not an ISO 8601 date-time with a zone",
                  line + 25);
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
            if (!check(v,
                       parse_int(line + 17, 0, NUM_LIMIT, &br_len) && (!at || parse_int(at + 1, 0, NUM_LIMIT, &br_off)),
                       MUST, "H10", file, "EXT-X-BYTERANGE \"%.40s\" is not n[@o] within 2^53", line + 17)) {
                br_len = 0; /* the segment reads as empty and fails on its own */
                br_off = 0;
            }
        } else if (line[0] != '#' && extinf_seen) {
            if (m->n == cap) {
                cap = cap ? cap * 2 : 256;
                HSeg *s = ls_realloc(m->seg, sizeof(*s) * cap);
                if (!s) {
                    ls_v_oom(v);
                    break;
                }
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
    if (float_extinf)
        m->need_version = 3;
    if (byterange || m->iframes)
        m->need_version = 4;
    if (m->has_map)
        m->need_version = m->iframes ? 5 : 6;
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
            check(v, ok, MUST, "M5", rel(v, s->path),
                  "I-frame byte range %lld@%lld does not hold a moof and its I-frame", (long long)s->br_len,
                  (long long)s->br_off);
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
    if (m->endlist) {
        check(v, m->vod || m->media_seq > 0, MUST, "H8", file,
              "a finished playlist that keeps every segment needs EXT-X-PLAYLIST-TYPE:VOD (L5)");
    } else { /* live (L1, L3) */
        check(v, m->media_seq >= 0, MUST, "L1", file, "a live playlist without EXT-X-MEDIA-SEQUENCE");
        check(v, !m->vod, MUST, "L1", file, "EXT-X-PLAYLIST-TYPE:VOD without EXT-X-ENDLIST");
        check(v, !m->event || m->media_seq <= 0, SHOULD, "L3", file,
              "an EVENT playlist removed segments (EXT-X-MEDIA-SEQUENCE %lld)", (long long)m->media_seq);
        if (m->media_seq > 0 && !m->iframes) /* the window has started to slide: it must be full */
            check(v, m->n >= 6, MUST, "L1", file, "a live window of %d segments (at least 6)", m->n);
        check(v, m->pdt, SHOULD, "L3", file, "a live playlist without EXT-X-PROGRAM-DATE-TIME");
    }
    if (!m->iframes)
        check(v, m->target <= 6, SHOULD, "H3", file, "EXT-X-TARGETDURATION is %d; 6 s is recommended", m->target);
    for (int i = 0; i < m->n; i++) {
        const HSeg *s = &m->seg[i];
        const char *sf = rel(v, s->path);
        check(v, lrint(s->extinf) <= m->target, MUST, "H1", file,
              "EXTINF %.5f of %s rounds above the target duration %d", s->extinf, sf, m->target);
        if (!m->iframes)
            check(v, s->extinf <= m->target + 0.5, SHOULD, "H3", file,
                  "segment %s lasts %.3f s, over the target %d by more than 0.5 s", sf, s->extinf, m->target);
    }
    if (!m->iframes && m->n > 1 && m->endlist)
        check(v, m->seg[m->n - 1].extinf >= 0.5 * m->target || m->seg[m->n - 1].extinf >= m->total / m->n * 0.5, SHOULD,
              "H5", file, "near-empty last segment (%.3f s)", m->seg[m->n - 1].extinf);
    if (m->iframes || !m->init_ok)
        return;
    /* fragment content: IDR first, tfdt continuity, EXTINF exactness */
    const double ts = m->init.timescale;
    const double tol = m->init.is_video ? (frame_dur > 0 ? frame_dur : 0.001)
                                        : 1024.0 / (m->init.sample_rate ? m->init.sample_rate : 48000);
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
            check(v, s->frag.tfdt == expect, MUST, "H7", sf,
                  "tfdt %lld does not continue the previous segment (%lld expected)", (long long)s->frag.tfdt,
                  (long long)expect);
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

typedef struct Rendition {
    MediaPl *pl;
    char group[64];
} Rendition;

/* Everything the multivariant playlist names; the tables grow as the playlist needs (no silent cap). */
typedef struct Hls {
    MediaPl **pls; /* each allocated once: variants keep pointers to them */
    int64_t n_pls, cap_pls;
    Variant *var;
    int64_t n_var, cap_var;
    Rendition *audio;
    int64_t n_audio, cap_audio;
} Hls;

static MediaPl *get_pl(LStreamValidation *v, Hls *h, const char *path)
{
    for (int64_t i = 0; i < h->n_pls; i++)
        if (!strcmp(h->pls[i]->path, path))
            return h->pls[i];
    MediaPl *m = ls_calloc(1, sizeof(*m));
    if (!m || ls_v_grow(v, (void **)&h->pls, &h->cap_pls, h->n_pls + 1, sizeof(*h->pls))) {
        if (!m)
            ls_v_oom(v);
        free(m);
        return NULL;
    }
    h->pls[h->n_pls++] = m;
    snprintf(m->path, sizeof(m->path), "%s", path);
    return m;
}

static Variant *new_variant(LStreamValidation *v, Hls *h)
{
    if (ls_v_grow(v, (void **)&h->var, &h->cap_var, h->n_var + 1, sizeof(*h->var)))
        return NULL;
    Variant *x = &h->var[h->n_var++];
    memset(x, 0, sizeof(*x));
    return x;
}

static void free_hls(Hls *h)
{
    for (int64_t i = 0; i < h->n_pls; i++) {
        free_pl(h->pls[i]);
        free(h->pls[i]);
    }
    free(h->pls);
    free(h->var);
    free(h->audio);
    free(h);
}

static void measure(LStreamValidation *v, const MediaPl *m, double *peak, double *avg)
{
    *peak = *avg = 0;
    if (!m || !m->n)
        return;
    int64_t *bytes = ls_malloc(sizeof(*bytes) * m->n);
    double *dur = ls_malloc(sizeof(*dur) * m->n);
    if (bytes && dur) {
        for (int i = 0; i < m->n; i++) {
            bytes[i] = m->seg[i].bytes;
            dur[i] = m->seg[i].extinf;
        }
        *peak = ls_peak_bitrate(bytes, dur, m->n, m->target);
        *avg = ls_avg_bitrate(bytes, dur, m->n);
    } else {
        ls_v_oom(v);
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
        if (ls_v_codec_eq(t, c))
            return 1;
    }
    return 0;
}

/* C2: a variant's CODECS names exactly what it needs: the codec of its own playlist's init segment and those of
 * its audio group's renditions (a client picks variants by CODECS: one naming a codec it does not use, or
 * leaving one out, is chosen or refused wrongly) */
static void check_codecs(LStreamValidation *v, const Hls *h, const Variant *x, const char *file, const char *pf)
{
    const char *need[16];
    int n = 0;
    need[n++] = x->pl->init.codec;
    for (int64_t a = 0; a < h->n_audio && x->audio_group[0] && n < (int)LS_ARRAY_SIZE(need); a++)
        if (!strcmp(h->audio[a].group, x->audio_group) && h->audio[a].pl && h->audio[a].pl->init_ok &&
            h->audio[a].pl != x->pl)
            need[n++] = h->audio[a].pl->init.codec;
    for (int i = 0; i < n; i++)
        check(v, codec_in(x->codecs, need[i]), MUST, "C2", file, "CODECS=\"%s\" of %s leaves out %s, which it plays",
              x->codecs, pf, need[i]);
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", x->codecs);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        int used = 0;
        for (int i = 0; i < n; i++)
            used |= ls_v_codec_eq(t, need[i]);
        check(v, used, MUST, "C2", file, "CODECS=\"%s\" of %s names %s, which neither it nor its audio group uses",
              x->codecs, pf, t);
    }
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

/* C4: an image media playlist (thumbnails; Roku's HLS image format, read by Shaka): EXT-X-IMAGES-ONLY, every image
 * under an EXT-X-TILES whose tile size is the variant's RESOLUTION, a JPEG of the tiled size, EXT-X-ENDLIST. */
static void check_image_playlist(LStreamValidation *v, const char *path, int tw, int th)
{
    size_t size = 0;
    char *text = (char *)slurp(path, 0, -1, &size);
    if (!text)
        return;
    char dir[LS_PATH_MAX];
    dirname_of(path, dir, sizeof(dir));
    int images_only = 0, endlist = 0, cols = 0, rows = 0, n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        if (!strcmp(line, "#EXT-X-IMAGES-ONLY")) {
            images_only = 1;
        } else if (!strcmp(line, "#EXT-X-ENDLIST")) {
            endlist = 1;
        } else if (!strncmp(line, "#EXT-X-TILES:", 13)) {
            char res[32] = "", lay[32] = "";
            int w = 0, h = 0;
            attr(line + 13, "RESOLUTION", res, sizeof(res));
            attr(line + 13, "LAYOUT", lay, sizeof(lay));
            check(v, sscanf(res, "%dx%d", &w, &h) == 2 && w == tw && h == th, MUST, "C4", rel(v, path),
                  "EXT-X-TILES RESOLUTION %s is not the image stream's %dx%d", res, tw, th);
            if (!check(v, sscanf(lay, "%dx%d", &cols, &rows) == 2 && cols > 0 && rows > 0, MUST, "C4", rel(v, path),
                       "EXT-X-TILES without a LAYOUT CxR"))
                cols = rows = 0;
        } else if (line[0] != '#') {
            n++;
            char img[LS_PATH_MAX];
            resolve(dir, line, img, sizeof(img));
            size_t isz;
            uint8_t *d = slurp(img, 0, -1, &isz);
            if (!check(v, d != NULL, MUST, "IO", rel(v, img), "image cannot be read"))
                continue;
            int jw = 0, jh = 0;
            const int is_jpeg = ls_v_jpeg_size(d, isz, &jw, &jh);
            free(d);
            check(v, is_jpeg && cols && jw == (int64_t)tw * cols && jh == (int64_t)th * rows, MUST, "C4", rel(v, img),
                  "not a JPEG of %dx%d tiles of %dx%d (%dx%d)", cols, rows, tw, th, jw, jh);
        }
    }
    free(text);
    check(v, images_only, MUST, "C4", rel(v, path), "an image playlist without EXT-X-IMAGES-ONLY");
    check(v, endlist && n > 0, MUST, "C4", rel(v, path), "an image playlist without images or EXT-X-ENDLIST");
}

/* C4: Apple's JSON chapters: an array of chapter entries, each with a start-time (>= 0, in order), a positive
 * duration if any, titles of {language, title} and images of {image-category, pixel-width, pixel-height, url}. */
static void check_chapters_json(LStreamValidation *v, const char *path)
{
    size_t size = 0;
    char *text = (char *)slurp(path, 0, -1, &size);
    if (!text)
        return; /* slurp reported it (IO) */
    json_error_t jerr;
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!check(v, root && json_is_array(root), MUST, "C4", path, "not a JSON array of chapters (%s, line %d)",
               root ? "not an array" : jerr.text, jerr.line)) {
        json_decref(root);
        return;
    }
    double last = -1;
    size_t i;
    json_t *e;
    json_array_foreach(root, i, e)
    {
        const json_t *st = json_object_get(e, "start-time"), *du = json_object_get(e, "duration");
        if (!check(v, json_is_object(e) && json_is_number(st) && json_number_value(st) >= 0, MUST, "C4", path,
                   "chapter %zu: no start-time >= 0", i + 1))
            continue;
        const double t = json_number_value(st);
        check(v, t > last, SHOULD, "C4", path, "chapter %zu starts at %.3f s, not after the one before (%.3f s)", i + 1,
              t, last);
        last = t;
        check(v, !du || (json_is_number(du) && json_number_value(du) > 0), MUST, "C4", path,
              "chapter %zu: duration must be a positive number", i + 1);
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(e, "titles"), k, x)
            check(v, json_is_string(json_object_get(x, "language")) && json_is_string(json_object_get(x, "title")),
                  MUST, "C4", path, "chapter %zu, title %zu: needs a language and a title", i + 1, k + 1);
        json_array_foreach(json_object_get(e, "images"), k, x)
            check(v,
                  json_is_string(json_object_get(x, "image-category")) &&
                      json_is_integer(json_object_get(x, "pixel-width")) &&
                      json_is_integer(json_object_get(x, "pixel-height")) && json_is_string(json_object_get(x, "url")),
                  MUST, "C4", path, "chapter %zu, image %zu: needs image-category, pixel-width, pixel-height and url",
                  i + 1, k + 1);
    }
    json_decref(root);
}

/* The source's size from ladder.json (source.video.width/height/display_aspect), read with a JSON parser. */
static int source_size(LStreamValidation *v, int *w, int *h, double *dar)
{
    char path[LS_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/%s", v->root, LS_NAME_REPORT);
    size_t size;
    char *text = (char *)slurp(path, 0, -1, &size);
    if (!text)
        return 0;
    json_error_t jerr;
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    const json_t *video = json_object_get(json_object_get(root, "source"), "video");
    const json_t *jw = json_object_get(video, "width"), *jh = json_object_get(video, "height");
    const json_t *jd = json_object_get(video, "display_aspect");
    int ok = 0;
    if (!root)
        finding(v, SHOULD, "IO", LS_NAME_REPORT, "not valid JSON (line %d: %s)", jerr.line, jerr.text);
    else if (json_is_integer(jw) && json_is_integer(jh) && json_is_number(jd) && json_integer_value(jw) > 0 &&
             json_integer_value(jw) <= 65535 && json_integer_value(jh) > 0 && json_integer_value(jh) <= 65535 &&
             json_number_value(jd) > 0 && json_number_value(jd) < 100) {
        *w = (int)json_integer_value(jw);
        *h = (int)json_integer_value(jh);
        *dar = json_number_value(jd);
        ok = 1;
    }
    json_decref(root);
    return ok;
}

/* Read the multivariant playlist's tags into @p h (variants, I-frame variants, audio renditions); returns
 * whether it has EXT-X-INDEPENDENT-SEGMENTS. Takes @p text (and frees it). */
static int parse_master(LStreamValidation *v, Hls *h, const char *master, const char *file, char *text)
{
    char dir[LS_PATH_MAX];
    dirname_of(master, dir, sizeof(dir));
    int independent = 0, n_version = 0, pending = 0;
    Variant pend; /* an EXT-X-STREAM-INF waiting for its URI line */
    memset(&pend, 0, sizeof(pend));
    char *save = NULL;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        const int stream_inf = !strncmp(line, "#EXT-X-STREAM-INF:", 18),
                  iframe_inf = !strncmp(line, "#EXT-X-I-FRAME-STREAM-INF:", 26);
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
        } else if (iframe_inf) {
            Variant *x = new_variant(v, h);
            if (!x)
                continue;
            snprintf(x->attrs, sizeof(x->attrs), "%s", line + 26);
            x->iframe = 1;
            char uri[LS_PATH_MAX], path[LS_PATH_MAX];
            if (attr(x->attrs, "URI", uri, sizeof(uri)) && !is_remote(uri)) {
                resolve(dir, uri, path, sizeof(path));
                x->pl = get_pl(v, h, path);
            }
        } else if (!strncmp(line, "#EXT-X-IMAGE-STREAM-INF:", 24)) {
            char uri[LS_PATH_MAX], res[32];
            int tw = 0, th = 0;
            if (check(v, attr(line + 24, "URI", uri, sizeof(uri)), MUST, "C4", file,
                      "EXT-X-IMAGE-STREAM-INF without URI") &&
                check(v, attr(line + 24, "RESOLUTION", res, sizeof(res)) && sscanf(res, "%dx%d", &tw, &th) == 2, MUST,
                      "C4", file, "EXT-X-IMAGE-STREAM-INF without RESOLUTION") &&
                !is_remote(uri)) {
                char path[LS_PATH_MAX];
                resolve(dir, uri, path, sizeof(path));
                check_image_playlist(v, path, tw, th);
            }
        } else if (!strncmp(line, "#EXT-X-SESSION-DATA:", 20)) {
            char id[128] = "", uri[LS_PATH_MAX] = "", value[8];
            attr(line + 20, "DATA-ID", id, sizeof(id));
            const int has_uri = attr(line + 20, "URI", uri, sizeof(uri)),
                      has_value = attr(line + 20, "VALUE", value, sizeof(value));
            check(v, id[0] && has_uri != has_value, MUST, "M1", file,
                  "EXT-X-SESSION-DATA needs a DATA-ID and exactly one of VALUE and URI: %.80s", line + 20);
            if (!strcmp(id, "com.apple.hls.chapters")) {
                if (check(v, has_uri, MUST, "C4", file, "com.apple.hls.chapters session data has no URI") &&
                    !is_remote(uri)) {
                    char path[LS_PATH_MAX];
                    resolve(dir, uri, path, sizeof(path));
                    check_chapters_json(v, path);
                }
            }
        } else if (!strncmp(line, "#EXT-X-MEDIA:", 13)) {
            char type[32] = "", uri[LS_PATH_MAX] = "", group[64] = "", lang[64], name[128];
            attr(line + 13, "TYPE", type, sizeof(type));
            attr(line + 13, "GROUP-ID", group, sizeof(group));
            if (!strcmp(type, "AUDIO")) {
                check(v, attr(line + 13, "LANGUAGE", lang, sizeof(lang)), SHOULD, "M6", file,
                      "audio rendition in group '%s' has no LANGUAGE", group);
                check(v, attr(line + 13, "NAME", name, sizeof(name)), MUST, "M6", file,
                      "audio rendition in group '%s' has no NAME", group);
                if (attr(line + 13, "URI", uri, sizeof(uri)) && !is_remote(uri) &&
                    !ls_v_grow(v, (void **)&h->audio, &h->cap_audio, h->n_audio + 1, sizeof(*h->audio))) {
                    char path[LS_PATH_MAX];
                    resolve(dir, uri, path, sizeof(path));
                    Rendition *a = &h->audio[h->n_audio++];
                    a->pl = get_pl(v, h, path);
                    snprintf(a->group, sizeof(a->group), "%s", group);
                }
            }
        } else if (pending && line[0] != '#') {
            pending = 0;
            Variant *x = new_variant(v, h);
            if (!x)
                continue;
            *x = pend;
            char path[LS_PATH_MAX];
            if (!is_remote(line)) {
                resolve(dir, line, path, sizeof(path));
                x->pl = get_pl(v, h, path);
            }
        }
    }
    free(text);
    if (pending)
        check(v, 0, MUST, "M1", file, "EXT-X-STREAM-INF:%.60s has no URI line after it", pend.attrs);
    check(v, n_version <= 1, MUST, "H10", file, "%d EXT-X-VERSION tags; at most one allowed", n_version);
    check(v, h->n_var > 0, MUST, "M1", file, "no EXT-X-STREAM-INF variant");

    return independent;
}

/* M8: a lower rung never costs more, and (when the source is known) no rung above the source */
static int same_video_codec(const MediaPl *a, const MediaPl *b)
{
    return a->init_ok && b->init_ok && !memcmp(a->init.sample_entry, b->init.sample_entry, 4);
}

static void check_ladder_order(LStreamValidation *v, Hls *h, const char *file)
{
    int sw = 0, sh = 0;
    double dar = 0;
    const int have_src = source_size(v, &sw, &sh, &dar);
    for (int64_t i = 0; i < h->n_var; i++) {
        const Variant *a = &h->var[i];
        if (a->iframe || !a->w)
            continue;
        if (have_src) {
            const double src_short = dar >= 1.0 ? sh : sw;
            const int short_side = a->w < a->h ? a->w : a->h;
            check(v, short_side <= src_short + 1, MUST, "M8", file,
                  "variant %dx%d is above the source (%dx%d): upscaled", a->w, a->h, sw, sh);
        }
        for (int64_t j = 0; j < h->n_var; j++) {
            const Variant *b = &h->var[j];
            /* (within one video codec: a VP9 rung may rightly cost less than the H.264 rung below it) */
            if (b->iframe || !b->w || (long)b->w * b->h >= (long)a->w * a->h || !a->pl || !b->pl ||
                !same_video_codec(a->pl, b->pl))
                continue;
            double pa, aa, pb, ab;
            measure(v, a->pl, &pa, &aa);
            measure(v, b->pl, &pb, &ab);
            check(v, ab <= aa * 1.02, MUST, "M8", file, "lower rung %dx%d averages %.0f bit/s, more than %dx%d (%.0f)",
                  b->w, b->h, ab, a->w, a->h, aa);
        }
    }
}

/* bits of the first segment of video variant @p x plus that of its audio group; < 0 if unknown */
static double start_bits(const Hls *h, const Variant *x)
{
    if (x->iframe || !x->pl || !x->pl->ok || !x->pl->n || !x->pl->init_ok || !x->pl->init.is_video)
        return -1;
    double bits = x->pl->seg[0].bytes * 8.0;
    for (int64_t a = 0; a < h->n_audio && x->audio_group[0]; a++)
        if (!strcmp(h->audio[a].group, x->audio_group) && h->audio[a].pl && h->audio[a].pl->ok && h->audio[a].pl->n)
            return bits + h->audio[a].pl->seg[0].bytes * 8.0;
    return bits;
}

/* S1: the variant listed first (where hls.js starts by default) starts in about a second at 400 kbit/s, or
 * is at least the one that starts soonest */
static void check_start(LStreamValidation *v, Hls *h, const char *file)
{
    const Variant *first = NULL;
    double best = -1;
    for (int64_t i = 0; i < h->n_var; i++) {
        const double bits = start_bits(h, &h->var[i]);
        if (h->var[i].iframe)
            continue;
        if (!first) {
            first = &h->var[i];
            if (bits < 0)
                return; /* audio-only or unreadable first: nothing to say */
        }
        /* (against variants of the first one's video codec: a client that lacks VP9 cannot start on a VP9 one) */
        if (bits >= 0 && (best < 0 || bits < best) && same_video_codec(first->pl, h->var[i].pl))
            best = bits;
    }
    if (!first)
        return;
    const double bits = start_bits(h, first);
    check(v, bits <= LS_S1_BPS * LS_S1_SECONDS || bits <= best, SHOULD, "S1", file,
          "the first variant listed, %s, needs %.1f s for its first segment and audio at %.0f kbit/s, and another "
          "would start in %.1f s; list first one that starts in about a second",
          rel(v, first->pl->path), bits / LS_S1_BPS, LS_S1_BPS / 1000, best / LS_S1_BPS);
}

void ls_v_hls(LStreamValidation *v, const char *master)
{
    Hls *h = ls_calloc(1, sizeof(*h));
    if (!h) {
        ls_v_oom(v);
        return;
    }
    const char *file = rel(v, master);
    size_t size;
    char *text = (char *)slurp(master, 0, -1, &size);
    if (!check(v, text != NULL, MUST, "IO", file, "multivariant playlist cannot be read")) {
        free_hls(h);
        return;
    }
    const int independent = parse_master(v, h, master, file, text);

    /* load every media playlist once */
    for (int64_t i = 0; i < h->n_pls; i++) {
        if (!load_media_playlist(v, h->pls[i]))
            load_media(v, h->pls[i]);
    }
    int all_idr = 1, has_iframe_pl = 0, has_video = 0, cellular = 0;
    double frame_dur = 0;
    for (int64_t i = 0; i < h->n_var; i++) {
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
    for (int64_t i = 0; i < h->n_pls; i++)
        if (h->pls[i]->ok)
            check_media_playlist(v, h->pls[i], frame_dur);

    MediaPl *ref = NULL; /* first video playlist, for alignment */
    for (int64_t i = 0; i < h->n_var; i++) {
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
        if (m->init_ok && !x->iframe && x->codecs[0])
            check_codecs(v, h, x, file, pf);
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
                  "video variant %s: FRAME-RATE %s (must be present, decimal with 3 places)", pf,
                  has_fr ? fr : "missing");
            for (int s = 0; s < m->n; s++)
                if (m->seg[s].have_frag && !m->seg[s].frag.first_sync)
                    all_idr = 0;
        }
        /* measured peak and average, with the audio rendition it plays with */
        double peak, avg, apeak = 0, aavg = 0;
        measure(v, m, &peak, &avg);
        MediaPl *am = NULL;
        for (int64_t a = 0; a < h->n_audio && x->audio_group[0]; a++)
            if (!strcmp(h->audio[a].group, x->audio_group) && h->audio[a].pl != m)
                am = h->audio[a].pl;
        if (am && am->ok)
            measure(v, am, &apeak, &aavg);
        const double mpeak = peak + apeak, mavg = avg + aavg;
        if (m->ts)
            continue;
        if (!m->endlist) { /* live: BANDWIDTH is declared from the encoders' caps, the segments stay under it (L6) */
            check(v, mpeak <= x->bandwidth + 1, MUST, "L6", file,
                  "live: the segments of %s peak at %.0f bit/s, over the declared BANDWIDTH=%.0f", pf, mpeak,
                  x->bandwidth);
        } else {
            check(v, mpeak <= x->bandwidth * 1.10 + 1, MUST, "M1", file,
                  "BANDWIDTH=%.0f of %s is below the measured RFC 8216 peak %.0f by more than 10%%", x->bandwidth, pf,
                  mpeak);
            check(v, mpeak >= x->bandwidth * 0.90, MUST, "M2", file,
                  "measured peak %.0f of %s is not within 10%% of BANDWIDTH=%.0f", mpeak, pf, x->bandwidth);
            if (x->avg_bw > 0)
                check(v, fabs(mavg - x->avg_bw) <= 0.10 * x->avg_bw, MUST, "M2", file,
                      "measured average %.0f of %s is not within 10%% of AVERAGE-BANDWIDTH=%.0f", mavg, pf, x->avg_bw);
        }
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
                const double tol = q->init_ok && q->init.is_audio
                                       ? 1024.0 / (q->init.sample_rate ? q->init.sample_rate : 48000) * 0.51 + 1e-3
                                       : 1e-3;
                int aligned = q->n == ref->n;
                double worst = 0;
                for (int s = 0; aligned && s < q->n; s++) {
                    double d = fabs(seg_start(q, s) - seg_start(ref, s));
                    worst = fmax(worst, d);
                    if (d > tol)
                        aligned = 0;
                }
                check(v, aligned, MUST, "H9", rel(v, q->path),
                      "segment boundaries differ from %s (%d vs %d segments, up to %.4f s apart)", rel(v, ref->path),
                      q->n, ref->n, worst);
                check(v, q->target == ref->target, MUST, "H6", rel(v, q->path),
                      "EXT-X-TARGETDURATION %d differs from %d in %s", q->target, ref->target, rel(v, ref->path));
                check(v, fabs(q->total - ref->total) <= frame_dur + 1024.0 / 48000 + 1e-3, SHOULD, "H6",
                      rel(v, q->path), "covers %.3f s but %s covers %.3f s", q->total, rel(v, ref->path), ref->total);
            }
        }
    }
    if (has_video) {
        check(v, has_iframe_pl, MUST, "M5", file, "no EXT-X-I-FRAME-STREAM-INF (I-frame playlists are required)");
        check(v, cellular, MUST, "M7", file, "no video variant with a peak BANDWIDTH <= 192000 bit/s");
        if (all_idr)
            check(v, independent, SHOULD, "M4", file,
                  "every segment starts with an IDR but EXT-X-INDEPENDENT-SEGMENTS is missing");
    }
    check_ladder_order(v, h, file);
    check_start(v, h, file);
    free_hls(h);
}
