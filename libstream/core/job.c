/* Job lifetime, errors and logging. */
#define _GNU_SOURCE
#include "config.h"
#include "libstream/internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *lstream_version(void) { return PACKAGE_VERSION; }

const char *lstream_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    case LSTREAM_ERR_INVALID_INPUT: return "input is not valid media (corrupt, truncated or not audio/video)";
    case LSTREAM_ERR_NO_STREAMS: return "input has no usable video or audio stream";
    case LSTREAM_ERR_UNSUPPORTED: return "input uses an unsupported codec or layout";
    case LSTREAM_ERR_ENCODER: return "encoder failure";
    case LSTREAM_ERR_OUTPUT: return "cannot write the output directory";
    case LSTREAM_ERR_CANCELLED: return "cancelled";
    case LSTREAM_ERR_SETTINGS: return "invalid settings";
    case LSTREAM_ERR_VALIDATION: return "output failed validation";
    case LSTREAM_ERR_BUG: return "internal error";
    case LSTREAM_ERR_SETTING_NAME: return "no setting of that name";
    case LSTREAM_ERR_SETTING_VALUE: return "invalid value for that setting";
    }
    if (err < 0 && err > -4096)
        return strerror(-err); /* glibc: thread-safe, static for known errno values */
    return "unknown error";
}

int lstream_job_open(LStreamJob **pjob, const LStreamSettings *s)
{
    *pjob = NULL;
    char why[512];
    int err = lstream_settings_check(s, why, sizeof(why));
    if (err) {
        if (s && s->log_cb)
            s->log_cb(s->log_opaque, LSTREAM_LOG_ERROR, why);
        return err;
    }
    LStreamJob *job = ls_calloc(1, sizeof(*job));
    if (!job)
        return LSTREAM_ERR(ENOMEM);
    if (pthread_mutex_init(&job->lock, NULL)) {
        free(job);
        return LSTREAM_ERR(ENOMEM);
    }
    job->s = *s;
    job->cpu_flags = lstream_cpu_flags() & s->cpu_mask;
    ls_dsp_init(&job->dsp, job->cpu_flags);
    *pjob = job;
    return 0;
}

void lstream_job_close(LStreamJob **pjob)
{
    if (!pjob || !*pjob)
        return;
    free((*pjob)->errmsg);
    pthread_mutex_destroy(&(*pjob)->lock);
    free(*pjob);
    *pjob = NULL;
}

const char *lstream_job_error(const LStreamJob *job) { return job ? job->errmsg : NULL; }

double ls_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void vlog(LStreamJob *job, int level, const char *fmt, va_list ap)
{
    if (!job->s.log_cb || level > job->s.log_level)
        return;
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = 0;
    pthread_mutex_lock(&job->lock);
    job->s.log_cb(job->s.log_opaque, level, msg);
    pthread_mutex_unlock(&job->lock);
}

void ls_log(LStreamJob *job, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(job, level, fmt, ap);
    va_end(ap);
}

int ls_fail(LStreamJob *job, int err, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&job->lock);
    const int first = !job->errmsg; /* keep the first (root-cause) message */
    if (first)
        job->errmsg = ls_strdup(msg);
    pthread_mutex_unlock(&job->lock);
    if (first)
        ls_log(job, LSTREAM_LOG_ERROR, "%s", msg);
    return err;
}

void ls_unfail(LStreamJob *job)
{
    pthread_mutex_lock(&job->lock);
    free(job->errmsg);
    job->errmsg = NULL;
    pthread_mutex_unlock(&job->lock);
}

int ls_cancelled(LStreamJob *job) { return job->s.cancel_cb && job->s.cancel_cb(job->s.cancel_opaque); }

int ls_picture_alloc(LSPicture *p, int w, int h)
{
    memset(p, 0, sizeof(*p));
    const int cw = (w + 1) / 2, ch = (h + 1) / 2;
    /* rows aligned to 64 bytes; the kernels never read past a row's width (their tails are C) */
    const ptrdiff_t ys = (w + 63) & ~63, cs = (cw + 63) & ~63;
    const size_t ysz = (size_t)ys * h, csz = (size_t)cs * ch;
    p->buf = ls_aligned_alloc(64, ysz + 2 * csz);
    if (!p->buf)
        return LSTREAM_ERR(ENOMEM);
    memset(p->buf, 0, ysz + 2 * csz);
    p->data[0] = p->buf;
    p->data[1] = p->buf + ysz;
    p->data[2] = p->buf + ysz + csz;
    p->stride[0] = ys;
    p->stride[1] = p->stride[2] = cs;
    p->w = w;
    p->h = h;
    return 0;
}

int ls_picture_ensure(LSPicture *p, int w, int h)
{
    if (p->buf && p->w == w && p->h == h)
        return 0;
    ls_picture_free(p);
    return ls_picture_alloc(p, w, h);
}

void ls_picture_free(LSPicture *p)
{
    free(p->buf);
    memset(p, 0, sizeof(*p));
}

/* room for @p need more bytes and a NUL; 0, or -1 with b->oom set */
static int buf_reserve(LSBuf *b, size_t need)
{
    if (b->oom)
        return -1;
    if (b->s && b->len + need + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->len + need + 1)
        cap *= 2;
    char *s = ls_realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void ls_buf_printf(LSBuf *b, const char *fmt, ...)
{
    for (;;) {
        if (b->oom)
            return;
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && (size_t)n < room) {
            b->len += n;
            return;
        }
        if (buf_reserve(b, (size_t)n))
            return;
    }
}

void ls_buf_append(LSBuf *b, const void *data, size_t n)
{
    if (buf_reserve(b, n))
        return;
    memcpy(b->s + b->len, data, n);
    b->len += n;
    b->s[b->len] = 0;
}

void ls_buf_free(LSBuf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}

int ls_input_check(LStreamJob *job, const char *path)
{
    struct stat st;
    if (stat(path, &st))
        return ls_fail(job, errno == ENOENT ? LSTREAM_ERR(ENOENT) : LSTREAM_ERR(errno), "input %s: %s", path,
                       errno == ENOENT ? "no such file" : strerror(errno));
    if (S_ISDIR(st.st_mode))
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "input %s: is a directory, not a media file", path);
    if (S_ISREG(st.st_mode) && st.st_size == 0)
        return ls_fail(job, LSTREAM_ERR_INVALID_INPUT, "input %s: file is empty (0 bytes)", path);
    if (access(path, R_OK))
        return ls_fail(job, LSTREAM_ERR(errno), "input %s: %s", path, strerror(errno));
    return 0;
}

int lstream_job_check(LStreamJob *job, const char *input, const char *outdir)
{
    if (!job)
        return LSTREAM_ERR(EINVAL);
    free(job->errmsg);
    job->errmsg = NULL;
    int err = 0;
    if (input && !input[0])
        err = ls_fail(job, LSTREAM_ERR(EINVAL), "the input file name is empty");
    if (!err && input)
        err = ls_input_check(job, input);
    if (!err && outdir)
        err = outdir[0] ? ls_output_check(job, outdir)
                        : ls_fail(job, LSTREAM_ERR(EINVAL), "the output directory name is empty");
    return err;
}

int ls_cpu_count(void)
{
    cpu_set_t set;
    if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
