/*
 * The validator's DASH half: a static MPD (SegmentTemplate with SegmentTimeline or @duration), every
 * Representation's init and media segments, against doc/RULES.md D1-D3 and M3.
 */
#include "config.h"
#include "libstream/validate/common.h"
#include "libstream/validate/mp4read.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static char *xattr(xmlNode *n, const char *name) { return n ? (char *)xmlGetProp(n, (const xmlChar *)name) : NULL; }

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
static void expand(const char *tmpl, const char *rep_id, long long number, long long bw, long long time, char *out,
                   size_t n)
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
    int64_t *t, *d; /* timeline */
    int64_t *bytes;
    int aligned_ok;
} DRep;

/* What every Representation of an MPD shares. */
typedef struct DashCtx {
    const char *file;      /* the MPD, relative */
    char dir[LS_PATH_MAX]; /* the MPD's folder */
    double mbt, mpd_dur;   /* minBufferTime, mediaPresentationDuration */
} DashCtx;

/* One Representation: its SegmentTemplate, init segment, timeline, every segment against the media, and
 * the leaky bucket. */
/* An EventStream (the chapters, C4): a scheme, events in order inside the presentation, unique ids. */
static void check_event_stream(LStreamValidation *v, const char *file, xmlNode *es, double period_dur)
{
    char *scheme = xattr(es, "schemeIdUri"), *ts = xattr(es, "timescale");
    check(v, scheme && scheme[0], MUST, "C4", file, "EventStream without schemeIdUri");
    int64_t timescale = 1;
    if (ts && !ls_v_parse_int(ts, 1, INT64_MAX, &timescale))
        check(v, 0, MUST, "C4", file, "EventStream timescale '%s' is not a positive integer", ts);
    xmlFree(scheme);
    xmlFree(ts);
    int64_t last = -1, n = 0;
    char ids[64][24];
    for (xmlNode *e = es->children; e; e = e->next) {
        if (!xname(e, "Event"))
            continue;
        char *pt = xattr(e, "presentationTime"), *du = xattr(e, "duration"), *id = xattr(e, "id");
        int64_t t = 0, d = 0;
        if (check(v, !pt || ls_v_parse_int(pt, 0, INT64_MAX, &t), MUST, "C4", file,
                  "Event presentationTime '%s' is not a non-negative integer", pt ? pt : "")) {
            check(v, t > last, SHOULD, "C4", file, "Event at %lld is not after the one before", (long long)t);
            check(v, period_dur <= 0 || (double)t / timescale < period_dur + 1e-3, MUST, "C4", file,
                  "Event at %.3f s is past the presentation's end (%.3f s)", (double)t / timescale, period_dur);
            last = t;
        }
        check(v, !du || ls_v_parse_int(du, 1, INT64_MAX, &d), MUST, "C4", file,
              "Event duration '%s' is not a positive integer", du ? du : "");
        if (id) {
            for (int64_t k = 0; k < n && k < 64; k++)
                check(v, strcmp(ids[k], id), MUST, "C4", file, "two Events with id %s in one EventStream", id);
            if (n < 64)
                snprintf(ids[n], sizeof(ids[n]), "%s", id);
        }
        n++;
        xmlFree(pt);
        xmlFree(du);
        xmlFree(id);
    }
}

/* An image AdaptationSet (thumbnails, C4; DASH-IF IOP): every Representation tiled (thumbnail_tile "CxR"), with its
 * size, a SegmentTemplate of fixed duration, and every image the presentation needs there, a JPEG of that size. */
static void check_thumbnails(LStreamValidation *v, const DashCtx *ctx, xmlNode *as)
{
    const char *file = ctx->file;
    xmlNode *as_tmpl = xchild(as, "SegmentTemplate");
    for (xmlNode *rn = as->children; rn; rn = rn->next) {
        if (!xname(rn, "Representation"))
            continue;
        char *id = xattr(rn, "id"), *ws = xattr(rn, "width"), *hs = xattr(rn, "height"), *bw = xattr(rn, "bandwidth");
        xmlNode *tmpl = xchild(rn, "SegmentTemplate");
        if (!tmpl)
            tmpl = as_tmpl;
        char *media = tattr(tmpl, as_tmpl, "media"), *dur_s = tattr(tmpl, as_tmpl, "duration");
        char *ts_s = tattr(tmpl, as_tmpl, "timescale"), *start_s = tattr(tmpl, as_tmpl, "startNumber");
        char *layout = NULL;
        for (xmlNode *e = rn->children; e && !layout; e = e->next)
            if (xname(e, "EssentialProperty")) {
                char *scheme = xattr(e, "schemeIdUri");
                if (scheme && !strcmp(scheme, "http://dashif.org/thumbnail_tile"))
                    layout = xattr(e, "value");
                xmlFree(scheme);
            }
        int64_t w = 0, h = 0, dur = 0, ts = 1, start = 1, b = 0;
        int cols = 0, rows = 0;
        const char *rid = id ? id : "";
        check(v, ls_v_parse_int(bw, 1, UINT32_MAX, &b), MUST, "D1", file, "Representation %s has no valid @bandwidth",
              rid);
        int ok = check(v, ls_v_parse_int(ws, 1, 65535, &w) && ls_v_parse_int(hs, 1, 65535, &h), MUST, "C4", file,
                       "thumbnail Representation %s: no width and height", rid);
        ok &= check(v, layout && sscanf(layout, "%dx%d", &cols, &rows) == 2 && cols > 0 && rows > 0, MUST, "C4", file,
                    "thumbnail Representation %s: no EssentialProperty http://dashif.org/thumbnail_tile \"CxR\"", rid);
        ok &= check(
            v,
            media && ls_v_parse_int(dur_s, 1, INT64_MAX, &dur) && (!ts_s || ls_v_parse_int(ts_s, 1, INT32_MAX, &ts)) &&
                (!start_s || ls_v_parse_int(start_s, 0, INT32_MAX, &start)),
            MUST, "C4", file, "thumbnail Representation %s: needs a SegmentTemplate with media and duration", rid);
        if (ok) {
            const double seg = (double)dur / ts;
            const int64_t n = ctx->mpd_dur > 0 ? (int64_t)ceil(ctx->mpd_dur / seg - 1e-9) : 0;
            for (int64_t k = 0; k < n && k < 100000; k++) {
                char uri[LS_PATH_MAX], path[LS_PATH_MAX];
                expand(media, rid, start + k, b, 0, uri, sizeof(uri));
                resolve(ctx->dir, uri, path, sizeof(path));
                size_t size;
                uint8_t *d = slurp(path, 0, -1, &size);
                if (!check(v, d != NULL, MUST, "IO", rel(v, path), "thumbnail image cannot be read"))
                    break;
                int jw = 0, jh = 0;
                const int is_jpeg = ls_v_jpeg_size(d, size, &jw, &jh);
                check(v, is_jpeg && jw == w && jh == h, MUST, "C4", rel(v, path), "not a %lldx%lld JPEG (%dx%d)",
                      (long long)w, (long long)h, jw, jh);
                free(d);
            }
        }
        xmlFree(id);
        xmlFree(ws);
        xmlFree(hs);
        xmlFree(bw);
        xmlFree(media);
        xmlFree(dur_s);
        xmlFree(ts_s);
        xmlFree(start_s);
        xmlFree(layout);
    }
}

/* xs:dateTime with a zone (what MPD times are), as Unix seconds; NAN if not one */
static double iso_date(const char *s)
{
    int y, mo, d, h, mi, n = 0;
    double sec;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || mo < 1 || mo > 12 ||
        d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 || sec >= 61)
        return NAN;
    const char *z = s + n;
    double off = 0;
    if (*z == '+' || *z == '-') {
        int zh, zm;
        if (sscanf(z + 1, "%2d:%2d", &zh, &zm) != 2)
            return NAN;
        off = (*z == '-' ? -1 : 1) * (zh * 3600.0 + zm * 60.0);
    } else if (strcmp(z, "Z")) {
        return NAN;
    }
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi };
    return (double)timegm(&tm) + sec - off;
}

/* L4: a dynamic MPD: the live attributes, a UTCTiming element, and segment availability consistent with them:
 * every segment its timelines list exists, none is announced before it was published, and the time-shift
 * buffer covers what is listed. */
static void check_dynamic(LStreamValidation *v, const DashCtx *ctx, xmlNode *mpd)
{
    const char *file = ctx->file;
    char *s_ast = xattr(mpd, "availabilityStartTime"), *s_pub = xattr(mpd, "publishTime"),
         *s_mup = xattr(mpd, "minimumUpdatePeriod"), *s_tsb = xattr(mpd, "timeShiftBufferDepth"),
         *s_spd = xattr(mpd, "suggestedPresentationDelay"), *s_msd = xattr(mpd, "maxSegmentDuration");
    const double ast = iso_date(s_ast), pub = iso_date(s_pub), mup = iso_duration(s_mup), tsb = iso_duration(s_tsb),
                 spd = iso_duration(s_spd), msd = iso_duration(s_msd);
    check(v, isfinite(ast), MUST, "L4", file, "dynamic MPD: availabilityStartTime missing or not a date-time (%s)",
          s_ast ? s_ast : "none");
    check(v, isfinite(pub), MUST, "L4", file, "dynamic MPD: publishTime missing or not a date-time (%s)",
          s_pub ? s_pub : "none");
    check(v, mup > 0, MUST, "L4", file, "dynamic MPD: minimumUpdatePeriod missing or invalid (%s)",
          s_mup ? s_mup : "none");
    check(v, tsb > 0, MUST, "L4", file, "dynamic MPD: timeShiftBufferDepth missing or invalid (%s)",
          s_tsb ? s_tsb : "none");
    check(v, spd > 0, MUST, "L4", file, "dynamic MPD: suggestedPresentationDelay missing or invalid (%s)",
          s_spd ? s_spd : "none");
    check(v, xchild(mpd, "UTCTiming") != NULL, MUST, "L4", file, "dynamic MPD without a UTCTiming element");
    xmlFree(s_ast);
    xmlFree(s_pub);
    xmlFree(s_mup);
    xmlFree(s_tsb);
    xmlFree(s_spd);
    xmlFree(s_msd);
    xmlNode *period = xchild(mpd, "Period");
    for (xmlNode *as = period ? period->children : NULL; as; as = as->next) {
        if (!xname(as, "AdaptationSet"))
            continue;
        xmlNode *as_tmpl = xchild(as, "SegmentTemplate");
        for (xmlNode *rn = as->children; rn; rn = rn->next) {
            if (!xname(rn, "Representation"))
                continue;
            xmlNode *tmpl = xchild(rn, "SegmentTemplate");
            if (!tmpl)
                tmpl = as_tmpl;
            xmlNode *tl = xchild(tmpl, "SegmentTimeline");
            char *id = xattr(rn, "id"), *media = tattr(tmpl, as_tmpl, "media"),
                 *ts_s = tattr(tmpl, as_tmpl, "timescale"), *start_s = tattr(tmpl, as_tmpl, "startNumber");
            int64_t ts = 1, number = 1;
            if (check(v,
                      tl && media && (!ts_s || ls_v_parse_int(ts_s, 1, INT32_MAX, &ts)) &&
                          (!start_s || ls_v_parse_int(start_s, 0, INT32_MAX, &number)),
                      MUST, "L4", file, "dynamic MPD: Representation %s has no SegmentTemplate with a timeline",
                      id ? id : "?")) {
                int64_t t = -1, first_t = -1, end_t = 0, n = 0;
                int missing = 0;
                for (xmlNode *e = tl->children; e && n < 100000; e = e->next) {
                    if (!xname(e, "S"))
                        continue;
                    char *st = xattr(e, "t"), *sd = xattr(e, "d"), *sr = xattr(e, "r");
                    int64_t tt = t, d = 0, r = 0;
                    if (st)
                        ls_v_parse_int(st, 0, INT64_MAX / 4, &tt);
                    ls_v_parse_int(sd, 1, INT64_MAX / 4, &d);
                    if (sr)
                        ls_v_parse_int(sr, 0, 100000, &r);
                    xmlFree(st);
                    xmlFree(sd);
                    xmlFree(sr);
                    if (tt < 0 || d <= 0)
                        break;
                    for (int64_t k = 0; k <= r && n < 100000; k++, n++, number++) {
                        if (first_t < 0)
                            first_t = tt;
                        char uri[LS_PATH_MAX], path[LS_PATH_MAX];
                        expand(media, id ? id : "", number, 0, tt, uri, sizeof(uri));
                        resolve(ctx->dir, uri, path, sizeof(path));
                        missing += access(path, R_OK) != 0;
                        tt += d;
                    }
                    t = end_t = tt;
                }
                check(v, n > 0, MUST, "L4", file, "dynamic MPD: Representation %s lists no segment", id ? id : "?");
                check(v, !missing, MUST, "L4", file,
                      "dynamic MPD: %d segment(s) Representation %s lists are not on the server", missing,
                      id ? id : "?");
                if (n > 0 && isfinite(ast) && isfinite(pub)) {
                    const double avail = ast + (double)end_t / ts; /* the last one listed becomes available */
                    check(v, avail <= pub + (msd > 0 ? msd : 0) + 0.001, MUST, "L4", file,
                          "dynamic MPD: the last segment of %s is announced available %.3f s after publishTime",
                          id ? id : "?", avail - pub);
                    if (tsb > 0)
                        check(v, (double)(end_t - first_t) / ts <= tsb + (msd > 0 ? msd : 0) + 0.001, SHOULD, "L4",
                              file, "dynamic MPD: %s lists %.3f s, more than timeShiftBufferDepth %.3f s",
                              id ? id : "?", (double)(end_t - first_t) / ts, tsb);
                }
            }
            xmlFree(id);
            xmlFree(media);
            xmlFree(ts_s);
            xmlFree(start_s);
        }
    }
}

static void check_representation(LStreamValidation *v, const DashCtx *ctx, xmlNode *as, xmlNode *as_tmpl, xmlNode *rn,
                                 DRep *r)
{
    const char *file = ctx->file, *dir = ctx->dir;
    const double mbt = ctx->mbt, mpd_dur = ctx->mpd_dur;
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
    if (!check(v, tmpl != NULL, SHOULD, "D3", file,
               "Representation %s: no SegmentTemplate (other addressing is not checked)", r->id)) {
        xmlFree(id);
        xmlFree(bw);
        xmlFree(codecs);
        return;
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
            check(v, codecs && ls_v_codec_eq(codecs, init.codec), MUST, "M3", file,
                  "Representation %s: @codecs=\"%s\" but the init segment says %s", r->id, codecs ? codecs : "(none)",
                  init.codec);
            check(v, (long long)init.timescale == timescale, MUST, "D2", file,
                  "Representation %s: @timescale %lld but the media timescale is %u", r->id, (long long)timescale,
                  init.timescale);
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
            const int ok = check(v,
                                 (!st || parse_int(st, 0, NUM_LIMIT, &t)) && parse_int(sd, 1, NUM_LIMIT, &d) &&
                                     (!sr || parse_int(sr, -1, NUM_LIMIT, &rep)),
                                 MUST, "D3", file,
                                 "Representation %s: <S t=\"%.24s\" d=\"%.24s\" r=\"%.24s\">"
                                 " is not a timeline entry (integers within 2^53, d > 0)",
                                 r->id, st ? st : "", sd ? sd : "", sr ? sr : "");
            xmlFree(st);
            xmlFree(sd);
            xmlFree(sr);
            if (!ok)
                break;
            if (rep < 0) { /* r = -1: until the end of the period */
                double until = d > 0 && mpd_dur > 0 ? ceil((mpd_dur * timescale - t) / d) - 1 : 0;
                rep = until > 0 && until < MAX_SEGMENTS ? (int64_t)until : 0;
            }
            if (rep >= MAX_SEGMENTS || r->n + rep >= MAX_SEGMENTS) {
                check(v, 0, MUST, "D3", file, "Representation %s: SegmentTimeline lists more than %d segments", r->id,
                      MAX_SEGMENTS);
                break;
            }
            for (int64_t k = 0; k <= rep && d > 0; k++) {
                if (r->n == cap) {
                    int64_t ct = cap, cd = cap;
                    if (ls_v_grow(v, (void **)&r->t, &ct, cap + 1, sizeof(*r->t)) ||
                        ls_v_grow(v, (void **)&r->d, &cd, cap + 1, sizeof(*r->d)) ||
                        ls_v_grow(v, (void **)&r->bytes, &cap, cap + 1, sizeof(*r->bytes)))
                        break;
                }
                if (t > NUM_LIMIT) /* t and d are each within 2^53: the sum cannot overflow */
                    break;
                r->t[r->n] = t;
                r->d[r->n] = d;
                r->n++;
                t += d;
            }
            if (!check(v, t <= NUM_LIMIT, MUST, "D3", file, "Representation %s: SegmentTimeline runs past 2^53", r->id))
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
        r->t = ls_malloc(sizeof(*r->t) * (count ? count : 1));
        r->d = ls_malloc(sizeof(*r->d) * (count ? count : 1));
        r->bytes = ls_malloc(sizeof(*r->bytes) * (count ? count : 1));
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
                      "Representation %s: presentationTimeOffset %lld but the first segment starts at %lld%s", r->id,
                      (long long)pto, (long long)ept, init.has_edits ? " (after the edit list)" : "");
            check(v, ept == r->t[k], MUST, "D3", sf, "SegmentTimeline t=%lld but the media starts at %lld%s",
                  (long long)r->t[k], (long long)ept, init.has_edits ? " (after the edit list)" : "");
            check(v, dur == r->d[k], MUST, "D3", sf, "SegmentTimeline d=%lld but the media lasts %lld",
                  (long long)r->d[k], (long long)dur);
            if (expect_tfdt >= 0)
                check(v, f.tfdt == expect_tfdt, MUST, "H7", sf,
                      "tfdt %lld does not continue the previous segment (%lld)", (long long)f.tfdt,
                      (long long)expect_tfdt);
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
        double *dur = ls_malloc(sizeof(*dur) * r->n);
        if (!dur)
            ls_v_oom(v);
        if (dur) {
            for (int64_t k = 0; k < r->n; k++)
                dur[k] = (double)r->d[k] / timescale;
            const double need = ls_leaky_bucket_bandwidth(r->bytes, dur, (int)r->n, mbt);
            check(v, r->bandwidth + 1 >= need, MUST, "D1", file,
                  "Representation %s: @bandwidth %.0f fails the leaky bucket; %.0f bit/s needed with minBufferTime "
                  "%.3f s",
                  r->id, r->bandwidth, need, mbt);
            check(v, r->bandwidth <= need * 1.25 + 1000, SHOULD, "D1", file,
                  "Representation %s: @bandwidth %.0f is far above the %.0f bit/s it needs", r->id, r->bandwidth, need);
            free(dur);
        }
    }
    xmlFree(id);
    xmlFree(bw);
    xmlFree(codecs);
    xmlFree(ts_s);
    xmlFree(pto_s);
    xmlFree(init_s);
    xmlFree(media_s);
    xmlFree(start_s);
    xmlFree(dur_s);
}

void ls_v_dash(LStreamValidation *v, const char *mpd_path)
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
    DashCtx ctx = { .file = file };
    dirname_of(mpd_path, ctx.dir, sizeof(ctx.dir));
    char *s_mbt = xattr(mpd, "minBufferTime"), *s_type = xattr(mpd, "type"),
         *s_mpd_dur = xattr(mpd, "mediaPresentationDuration");
    const double mbt = iso_duration(s_mbt), mpd_dur = iso_duration(s_mpd_dur);
    ctx.mbt = mbt;
    ctx.mpd_dur = mpd_dur;
    check(v, mbt > 0, MUST, "D1", file, "minBufferTime missing or invalid (%s)", s_mbt ? s_mbt : "none");
    const int is_static = !s_type || !strcmp(s_type, "static");
    xmlFree(s_mbt);
    xmlFree(s_type);
    xmlFree(s_mpd_dur);
    if (!is_static) { /* live: its own rules (L4); the VOD rules apply when it becomes static (L5) */
        check_dynamic(v, &ctx, mpd);
        xmlFreeDoc(doc);
        return;
    }
    xmlNode *period = xchild(mpd, "Period");
    for (xmlNode *es = period ? period->children : NULL; es; es = es->next)
        if (xname(es, "EventStream"))
            check_event_stream(v, file, es, ctx.mpd_dur);
    for (xmlNode *as = period ? period->children : NULL; as; as = as->next) {
        if (!xname(as, "AdaptationSet"))
            continue;
        char *ct = xattr(as, "contentType");
        const int image = ct && !strcmp(ct, "image");
        xmlFree(ct);
        if (image) {
            check_thumbnails(v, &ctx, as);
            continue;
        }
        char *seg_align = xattr(as, "segmentAlignment");
        const int claims_aligned = seg_align && (!strcmp(seg_align, "true") || !strcmp(seg_align, "1"));
        xmlFree(seg_align);
        DRep *reps = NULL;
        int64_t n_reps = 0, cap_reps = 0;
        xmlNode *as_tmpl = xchild(as, "SegmentTemplate");
        /* C2: one codec per AdaptationSet (the sample entry, what @codecs names before its first '.') */
        char family[16] = "";
        char *as_codecs = xattr(as, "codecs");
        for (xmlNode *rn = as->children; rn; rn = rn->next) {
            if (!xname(rn, "Representation"))
                continue;
            char *rc = xattr(rn, "codecs");
            const char *c = rc ? rc : as_codecs;
            if (c) {
                const size_t n = strcspn(c, ".");
                if (!family[0])
                    snprintf(family, sizeof(family), "%.*s", (int)(n < sizeof(family) ? n : sizeof(family) - 1), c);
                else
                    check(v, strlen(family) == n && !strncasecmp(family, c, n), MUST, "C2", file,
                          "AdaptationSet mixes codecs: %s and %.*s (one codec per AdaptationSet)", family, (int)n, c);
            }
            xmlFree(rc);
        }
        xmlFree(as_codecs);
        for (xmlNode *rn = as->children; rn; rn = rn->next) {
            if (!xname(rn, "Representation"))
                continue;
            DRep *r = NULL;
            if (!ls_v_grow(v, (void **)&reps, &cap_reps, n_reps + 1, sizeof(*reps))) {
                r = &reps[n_reps++];
                memset(r, 0, sizeof(*r));
                check_representation(v, &ctx, as, as_tmpl, rn, r);
            }
        }
        if (claims_aligned && n_reps > 1) {
            int same = 1;
            for (int64_t i = 1; i < n_reps && same; i++) {
                same = reps[i].n == reps[0].n;
                for (int64_t k = 0; same && k < reps[0].n; k++)
                    same = reps[i].t[k] == reps[0].t[k] && reps[i].d[k] == reps[0].d[k];
            }
            check(v, same, MUST, "D3", file, "segmentAlignment=\"true\" but the Representations' timelines differ");
        }
        for (int64_t i = 0; i < n_reps; i++) {
            free(reps[i].t);
            free(reps[i].d);
            free(reps[i].bytes);
        }
        free(reps);
    }
    xmlFreeDoc(doc);
}
