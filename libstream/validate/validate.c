/*
 * The validator's entry points: lstream_validate() on any HLS/DASH output in a directory or file, and
 * ls_validate_output() on a ladder written through an output, before it is committed. Its rules are those of
 * doc/RULES.md, checked from the files alone, whoever wrote them; each finding names the rule, the file and
 * the offending value, MUST or SHOULD. Segment content is checked for fMP4; MPEG-TS segments are only listed.
 */
#include "config.h"
#include "libstream/validate/common.h"
#include "libstream/output/output.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

static int is_master(LStreamValidation *v, const char *path)
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
    LStreamValidation *v = ls_calloc(1, sizeof(*v));
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
        ls_v_hls(v, hls);
    if (mpd[0])
        ls_v_dash(v, mpd);
    *out = v;
    return 0;
}

int lstream_validation_count(const LStreamValidation *v) { return v ? v->n + (v->incomplete > 0) : 0; }
int lstream_validation_must_count(const LStreamValidation *v) { return v ? v->must + (v->incomplete > 0) : 0; }
int lstream_validation_checks(const LStreamValidation *v) { return v ? v->checks : 0; }

const LStreamFinding *lstream_validation_finding(const LStreamValidation *v, int i)
{
    if (v && i == v->n && v->incomplete)
        return &v->incomplete_f;
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
    LStreamValidation *v = ls_calloc(1, sizeof(*v));
    if (!v)
        return ls_fail(job, LSTREAM_ERR(ENOMEM), "validator: out of memory");
    v->io.opaque = (void *)out;
    v->io.read = out_read;
    v->io.size = out_size;
    snprintf(v->root, sizeof(v->root), "%s", OUT_ROOT);
    ls_v_hls(v, OUT_ROOT "/" LS_NAME_MASTER);
    ls_v_dash(v, OUT_ROOT "/" LS_NAME_MPD);
    const int n = lstream_validation_count(v), must = lstream_validation_must_count(v);
    const LStreamFinding *first = NULL;
    for (int i = 0; i < n; i++) {
        const LStreamFinding *f = lstream_validation_finding(v, i);
        ls_log(job, f->must ? LSTREAM_LOG_ERROR : LSTREAM_LOG_WARNING, "validate %s %s [%s] %s", f->rule,
               f->must ? "MUST" : "SHOULD", f->file, f->message);
        if (f->must && !first)
            first = f;
    }
    ls_log(job, LSTREAM_LOG_INFO, "validator: %d checks, %d MUST and %d SHOULD findings", v->checks, must, n - must);
    int err = 0;
    if (first)
        err = ls_fail(job, LSTREAM_ERR_VALIDATION,
                      "the ladder breaks %d MUST rule(s); first: %s [%s] %s; nothing published", must, first->rule,
                      first->file, first->message);
    lstream_validation_free(&v);
    return err;
}
