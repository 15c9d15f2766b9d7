/* Parts of a chunked encode: folder names, part.txt written and read, and the check that parts belong together. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/core/part.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PART_MAGIC "libstream-part 1"

int ls_part_dir(char *out, size_t size, const char *outdir, const LSPart *p)
{
    size_t len = strlen(outdir);
    while (len > 1 && outdir[len - 1] == '/')
        len--;
    int n;
    if (!p)
        n = snprintf(out, size, "%.*s.parts", (int)len, outdir);
    else if (p->kind == LS_PART_VIDEO)
        n = snprintf(out, size, "%.*s.parts/video-%d-of-%d", (int)len, outdir, p->k, p->n);
    else
        n = snprintf(out, size, "%.*s.parts/audio", (int)len, outdir);
    return n < 0 || (size_t)n >= size ? LSTREAM_ERR(ENAMETOOLONG) : 0;
}

void ls_part_segments(const LSPart *p, const LSSegPlan *plan, int span, int64_t *first, int64_t *end)
{
    const int64_t units = (plan->n_planned + span - 1) / span; /* spans of the plan, the last maybe short */
    *first = units * (p->k - 1) / p->n * span;
    *end = p->k == p->n ? -1 : units * p->k / p->n * span;
    if (*end > plan->n_planned)
        *end = plan->n_planned;
    if (*first > plan->n_planned)
        *first = plan->n_planned;
}

/* the settings that shape the media (settings.c marks them; not threads, logging, validation or SIMD levels:
 * every SIMD kernel is checked bit-exact against C, and x264's assembly, AVX-512 left out, against its C) */
int ls_part_settings(const LStreamSettings *s, char *buf, size_t size)
{
    size_t n = 0;
    for (int i = 0; lstream_settings_name(i); i++) {
        if (!ls_settings_is_media(i))
            continue;
        const char *name = lstream_settings_name(i);
        char v[1024];
        const int len = lstream_settings_get(s, name, v, sizeof(v));
        if (len < 0 || (size_t)len >= sizeof(v))
            return LSTREAM_ERR_BUG;
        const int w = snprintf(buf + n, size - n, "%s=%s\n", name, v);
        if (w < 0 || (size_t)w >= size - n)
            return LSTREAM_ERR(ENAMETOOLONG);
        n += (size_t)w;
    }
    return 0;
}

int ls_part_apply_settings(LStreamJob *job, LStreamSettings *s, const char *lines, const char *from)
{
    const char *p = lines;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[1100];
        if (len >= sizeof(line))
            return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: setting line too long", from);
        memcpy(line, p, len);
        line[len] = 0;
        char *eq = strchr(line, '=');
        if (!eq)
            return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: not a setting: '%s'", from, line);
        *eq = 0;
        if (lstream_settings_set(s, line, eq + 1))
            return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: setting %s = '%s' is not accepted by this libstream",
                           from, line, eq + 1);
        p += len + (nl ? 1 : 0);
    }
    return 0;
}

int ls_part_stat_input(LStreamJob *job, const char *path, int64_t *size, int64_t *mtime)
{
    struct stat st;
    if (stat(path, &st))
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "input %s: %s", path, strerror(errno));
    *size = (int64_t)st.st_size;
    *mtime = (int64_t)st.st_mtime;
    return 0;
}

int ls_part_write(LSOutput *o, const LSPartRecord *rec, LSRendition *const *r, const int64_t *first, int n)
{
    if (strchr(rec->input, '\n'))
        return ls_fail(o->job, LSTREAM_ERR_INVALID_INPUT, "input '%s': a chunked encode needs a path without newlines",
                       rec->input);
    LSBuf b = { 0 };
    const struct LSDamage *d = &rec->damage;
    ls_buf_printf(&b, "%s\n", PART_MAGIC);
    if (rec->part.kind == LS_PART_VIDEO)
        ls_buf_printf(&b, "part video %d %d\n", rec->part.k, rec->part.n);
    else
        ls_buf_printf(&b, "part audio\n");
    ls_buf_printf(&b, "input %" PRId64 " %" PRId64 " %s\n", rec->input_size, rec->input_mtime, rec->input);
    for (const char *p = rec->settings; *p;) {
        const char *nl = strchr(p, '\n');
        const int len = nl ? (int)(nl - p) : (int)strlen(p);
        ls_buf_printf(&b, "setting %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
    }
    ls_buf_printf(&b, "video_frames %" PRId64 "\n", rec->video_frames);
    ls_buf_printf(&b, "lecture %" PRId64 " %" PRId64 " %" PRId64 "\n", rec->lecture[0], rec->lecture[1],
                  rec->lecture[2]);
    ls_buf_printf(&b, "held %" PRId64 " %" PRId64 " %" PRId64 "\n", rec->held, rec->held_near, rec->held_inset);
    ls_buf_printf(&b, "tuned %" PRId64 " %" PRId64 "\n", rec->tuned[0], rec->tuned[1]);
    for (int i = 0; i < rec->n_slides; i++)
        ls_buf_printf(&b, "slide %" PRId64 "\n", rec->slides[i]);
    ls_buf_printf(&b, "damage %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %.17g %d\n", d->packets,
                  d->corrupt, d->rejected, d->concealed, d->missing, d->missing_s, d->read_error);
    for (int i = 0; i < n; i++) {
        ls_buf_printf(&b, "track %s %" PRId64 " %" PRId64 "\n", r[i]->id, first[i], r[i]->n_seg);
        for (int64_t k = 0; k < r[i]->n_seg; k++) {
            const LSSegment *s = &r[i]->seg[k];
            ls_buf_printf(&b, "seg %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %d\n", s->start,
                          s->duration, s->bytes, s->iframe_offset, s->iframe_size, s->samples);
        }
    }
    ls_buf_printf(&b, "end\n");
    return ls_output_put_buf(o, &b, LS_NAME_PART);
}

static void record_free(LSPartRecord *r)
{
    for (int i = 0; i < r->n_tracks; i++)
        free(r->track[i].seg);
    r->n_tracks = 0;
    free(r->slides);
    r->slides = NULL;
    r->n_slides = 0;
}

void ls_part_records_free(LSPartRecord **recs, int n)
{
    if (!*recs)
        return;
    for (int i = 0; i < n; i++)
        record_free(&(*recs)[i]);
    free(*recs);
    *recs = NULL;
}

/* Parse @p path into @p r: 0, or ls_fail() naming the file and line. */
static int read_record(LStreamJob *job, const char *path, LSPartRecord *r)
{
    memset(r, 0, sizeof(*r));
    FILE *f = fopen(path, "r");
    if (!f)
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "part %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, err = 0, ended = 0;
    size_t set_len = 0;
    LSPartTrack *t = NULL;
    int64_t want = 0;
#define BAD(what)                                                                                                      \
    do {                                                                                                               \
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "part %s, line %d: %s", path, lineno, what);                     \
        goto out;                                                                                                      \
    } while (0)
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[len - 1] == '\n')
            line[--len] = 0;
        if (ended)
            BAD("text after the end");
        if (lineno == 1) {
            if (strcmp(line, PART_MAGIC))
                BAD("not a libstream part (or one of another version)");
            continue;
        }
        int a = 0, b = 0, off = 0;
        if (!strncmp(line, "part video ", 11)) {
            if (sscanf(line + 11, "%d %d%n", &a, &b, &off) != 2 || line[11 + off] || b < 1 || a < 1 || a > b)
                BAD("bad part line");
            r->part = (LSPart){ LS_PART_VIDEO, a, b };
        } else if (!strcmp(line, "part audio")) {
            r->part = (LSPart){ LS_PART_AUDIO, 0, 0 };
        } else if (!strncmp(line, "input ", 6)) {
            if (sscanf(line + 6, "%" SCNd64 " %" SCNd64 " %n", &r->input_size, &r->input_mtime, &off) != 2 ||
                !line[6 + off])
                BAD("bad input line");
            snprintf(r->input, sizeof(r->input), "%s", line + 6 + off);
        } else if (!strncmp(line, "setting ", 8)) {
            const int w = snprintf(r->settings + set_len, sizeof(r->settings) - set_len, "%s\n", line + 8);
            if (w < 0 || (size_t)w >= sizeof(r->settings) - set_len)
                BAD("too many settings");
            set_len += (size_t)w;
        } else if (!strncmp(line, "lecture ", 8)) {
            int64_t *v = r->lecture;
            if (sscanf(line + 8, "%" SCNd64 " %" SCNd64 " %" SCNd64, &v[0], &v[1], &v[2]) != 3)
                BAD("bad lecture line");
        } else if (!strncmp(line, "tuned ", 6)) {
            if (sscanf(line + 6, "%" SCNd64 " %" SCNd64, &r->tuned[0], &r->tuned[1]) != 2 || r->tuned[0] < 0 ||
                r->tuned[1] < 0)
                BAD("bad tuned line");
        } else if (!strncmp(line, "held ", 5)) {
            if (sscanf(line + 5, "%" SCNd64 " %" SCNd64 " %" SCNd64, &r->held, &r->held_near, &r->held_inset) != 3 ||
                r->held < 0 || r->held_near < 0 || r->held_inset < 0 || r->held_near + r->held_inset > r->held)
                BAD("bad held line");
        } else if (!strncmp(line, "slide ", 6)) {
            int64_t sf;
            if (sscanf(line + 6, "%" SCNd64, &sf) != 1 || sf < 0 || (r->n_slides && sf <= r->slides[r->n_slides - 1]))
                BAD("bad slide line");
            int64_t *ns = ls_realloc(r->slides, (r->n_slides + 1) * sizeof(*ns));
            if (!ns)
                BAD("out of memory");
            r->slides = ns;
            r->slides[r->n_slides++] = sf;
        } else if (!strncmp(line, "video_frames ", 13)) {
            if (sscanf(line + 13, "%" SCNd64, &r->video_frames) != 1)
                BAD("bad video_frames line");
        } else if (!strncmp(line, "damage ", 7)) {
            struct LSDamage *d = &r->damage;
            if (sscanf(line + 7, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %lf %d", &d->packets,
                       &d->corrupt, &d->rejected, &d->concealed, &d->missing, &d->missing_s, &d->read_error) != 7)
                BAD("bad damage line");
        } else if (!strncmp(line, "track ", 6)) {
            if (t && t->n != want)
                BAD("the track before has fewer segments than it says");
            if (r->n_tracks == LS_MAX_RENDITIONS)
                BAD("too many tracks");
            t = &r->track[r->n_tracks++];
            char id[64];
            if (sscanf(line + 6, "%63s %" SCNd64 " %" SCNd64, id, &t->first, &want) != 3 ||
                strlen(id) >= sizeof(t->id) || t->first < 0 || want < 0 || want > 10000000)
                BAD("bad track line");
            snprintf(t->id, sizeof(t->id), "%s", id);
            if (want && !(t->seg = ls_calloc((size_t)want, sizeof(*t->seg))))
                BAD("out of memory");
        } else if (!strncmp(line, "seg ", 4)) {
            if (!t || t->n >= want)
                BAD("a segment outside a track");
            LSSegment *s = &t->seg[t->n];
            if (sscanf(line + 4, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %" SCNd64 " %d", &s->start,
                       &s->duration, &s->bytes, &s->iframe_offset, &s->iframe_size, &s->samples) != 6 ||
                s->duration <= 0 || s->bytes <= 0 || s->samples <= 0)
                BAD("bad segment line");
            t->n++;
        } else if (!strcmp(line, "end")) {
            if (t && t->n != want)
                BAD("the last track has fewer segments than it says");
            ended = 1;
        } else {
            BAD("unknown line");
        }
    }
    if (!ended)
        BAD("cut short (no end line)");
    if (!r->part.kind || !r->input[0])
        BAD("no part or input line");
#undef BAD
out:
    free(line);
    fclose(f);
    if (err)
        record_free(r);
    return err;
}

static int cmp_part(const void *a, const void *b)
{
    const LSPartRecord *x = a, *y = b;
    if (x->part.kind != y->part.kind)
        return x->part.kind - y->part.kind; /* video, then audio */
    return x->part.k - y->part.k;
}

int ls_parts_read(LStreamJob *job, const char *outdir, LSPartRecord **recs, int *n)
{
    char dir[LS_PATH_MAX];
    *recs = NULL;
    *n = 0;
    if (ls_part_dir(dir, sizeof(dir), outdir, NULL))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "output %s: path too long", outdir);
    DIR *d = opendir(dir);
    if (!d)
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                       "%s: %s (run 'lstream transcode IN -o %s --chunk K/N' for every chunk, and --chunk audio, "
                       "before finalize)",
                       dir, strerror(errno), outdir);
    LSPartRecord *r = NULL;
    int count = 0, cap = 0, err = 0;
    struct dirent *e;
    while ((e = readdir(d)) && !err) {
        int k, total, off = 0;
        const int video = sscanf(e->d_name, "video-%d-of-%d%n", &k, &total, &off) == 2 && !e->d_name[off];
        if (!video && strcmp(e->d_name, "audio"))
            continue; /* ".", "..", staging folders of running or dead parts */
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            LSPartRecord *q = ls_realloc(r, sizeof(*r) * (size_t)cap);
            if (!q) {
                err = LSTREAM_ERR(ENOMEM);
                break;
            }
            r = q;
        }
        char path[LS_PATH_MAX + 300];
        snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, LS_NAME_PART);
        if (!(err = read_record(job, path, &r[count])))
            count++;
    }
    closedir(d);
    if (!err)
        qsort(r, (size_t)count, sizeof(*r), cmp_part);
    /* they belong together: one input, one set of settings, one chunk count, every chunk once */
    int chunks = 0, videos = 0;
    for (int i = 0; i < count && !err; i++) {
        const LSPartRecord *p = &r[i];
        if (p->part.kind == LS_PART_VIDEO) {
            if (!chunks)
                chunks = p->part.n;
            if (p->part.n != chunks)
                err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                              "%s: parts of two different chunkings (video-%d-of-%d and of %d): remove the folder and "
                              "encode again with one --chunk K/N",
                              dir, p->part.k, p->part.n, chunks);
            else if (p->part.k != ++videos)
                err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: chunk %d of %d is missing (video-%d-of-%d)", dir,
                              videos, chunks, videos, chunks);
        }
        if (!err &&
            (strcmp(p->input, r[0].input) || p->input_size != r[0].input_size || p->input_mtime != r[0].input_mtime))
            err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT,
                          "%s: parts of different inputs (%s and %s, or the file changed)", dir, r[0].input, p->input);
        if (!err && strcmp(p->settings, r[0].settings))
            err =
                ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: parts encoded with different settings:\n%s--- and ---\n%s",
                        dir, r[0].settings, p->settings);
    }
    if (!err && videos < chunks)
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: chunk %d of %d is missing (video-%d-of-%d)", dir, videos + 1,
                      chunks, videos + 1, chunks);
    if (!err && !count)
        err = ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "%s: no parts", dir);
    if (err) {
        ls_part_records_free(&r, count);
        return err;
    }
    *recs = r;
    *n = count;
    return 0;
}
