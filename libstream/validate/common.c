/* The validator's common part: findings, checks, failing closed, reading, bounded numbers (common.h). */
#include "config.h"
#include "libstream/validate/common.h"
#include "libstream/output/output.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <strings.h>

void ls_v_oom(LStreamValidation *v)
{
    if (v->incomplete++)
        return;
    v->incomplete_f = (LStreamFinding){
        .rule = "IO", .must = 1, .file = "", .message = "validation incomplete: out of memory (findings may be missing)"
    };
}

int ls_v_grow(LStreamValidation *v, void **p, int64_t *cap, int64_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    int64_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = (uint64_t)c > SIZE_MAX / size ? NULL : ls_realloc(*p, (size_t)c * size);
    if (!q) {
        ls_v_oom(v);
        return -1;
    }
    *p = q;
    *cap = c;
    return 0;
}

void ls_v_finding(LStreamValidation *v, int must, const char *rule, const char *file, const char *fmt, ...)
{
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 32;
        LStreamFinding *f = ls_realloc(v->f, sizeof(*f) * cap);
        if (!f) {
            ls_v_oom(v);
            return;
        }
        v->f = f;
        v->cap = cap;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    LStreamFinding *f = &v->f[v->n];
    f->rule = ls_strdup(rule);
    f->file = ls_strdup(file ? file : "");
    f->message = ls_strdup(msg);
    f->must = must;
    if (!f->rule || !f->file || !f->message) {
        free((char *)f->rule);
        free((char *)f->file);
        free((char *)f->message);
        ls_v_oom(v);
        return;
    }
    v->n++;
    v->must += must;
}

int ls_v_check(LStreamValidation *v, int ok, int must, const char *rule, const char *file, const char *fmt, ...)
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

const char *ls_v_rel(const LStreamValidation *v, const char *path)
{
    size_t n = strlen(v->root);
    if (!strncmp(path, v->root, n) && path[n] == '/')
        return path + n + 1;
    return path;
}

uint8_t *ls_v_slurp(LStreamValidation *v, const char *path, int64_t off, int64_t len, size_t *size)
{
    uint8_t *d = ls_output_slurp(&v->io, path, off, len, size);
    if (!d && errno == ENOMEM)
        ls_v_oom(v);
    return d;
}

void ls_v_dirname(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *s = strrchr(out, '/');
    if (s)
        *s = 0;
    else
        snprintf(out, n, ".");
}

int ls_v_is_remote(const char *uri) { return strstr(uri, "://") != NULL; }

int ls_v_jpeg_size(const uint8_t *d, size_t n, int *w, int *h)
{
    if (n < 4 || d[0] != 0xff || d[1] != 0xd8)
        return 0;
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xff)
            return 0;
        const int m = d[i + 1];
        if (m == 0xff) { /* fill byte */
            i++;
            continue;
        }
        const size_t len = (size_t)d[i + 2] << 8 | d[i + 3];
        if (len < 2 || i + 2 + len > n)
            return 0;
        /* SOF0..SOF15 but DHT (c4), JPG (c8), DAC (cc) */
        if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
            if (len < 7)
                return 0;
            *h = d[i + 5] << 8 | d[i + 6];
            *w = d[i + 7] << 8 | d[i + 8];
            return 1;
        }
        if (m == 0xda) /* start of scan before any frame header */
            return 0;
        i += 2 + len;
    }
    return 0;
}

int ls_v_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
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

void ls_v_resolve(const char *base_dir, const char *uri, char *out, size_t n)
{
    if (uri[0] == '/')
        snprintf(out, n, "%s", uri);
    else
        snprintf(out, n, "%s/%s", base_dir, uri);
}

int ls_v_codec_eq(const char *declared, const char *actual)
{
    if (!strcasecmp(declared, actual))
        return 1;
    const size_t short_len = strlen("vp09.PP.LL.DD");
    return !strncasecmp(actual, "vp09.", 5) && strlen(declared) == short_len && strlen(actual) > short_len &&
           !strncasecmp(declared, actual, short_len);
}
