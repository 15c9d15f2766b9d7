/*
 * The output seam and the FFmpeg log setting, through the public API only:
 *  - a ladder built through a caller-supplied sink into memory is, object for object and byte for byte, the
 *    ladder the built-in output writes to a directory (same settings, one thread);
 *  - the sink's contract: commit once on success; abort (and no commit) when the job fails, also when the
 *    sink itself fails mid-ladder; a sink without read-back is refused up front while validation is on;
 *  - a host's own av_log callback survives a job run with ffmpeg_log = 0.
 */
#include "config.h"
#include "libstream/libstream.h"
#include "tools/synth.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/log.h>

#include "tests/expect.h"

/* ---- a memory sink ---- */
typedef struct Obj {
    char name[256];
    unsigned char *data;
    size_t size, cap;
    int closed;
} Obj;
typedef struct Mem {
    Obj obj[256];
    int n;
    int commits, aborts;
    int fail_at; /* fail the write of the n-th object (1-based); 0: never */
    int open_now;
} Mem;

static int mem_open(void *o, const char *name, void **h)
{
    Mem *m = o;
    if (m->open_now || m->n == 256 || strstr(name, "..") || name[0] == '/')
        return LSTREAM_ERR(EINVAL);
    Obj *b = &m->obj[m->n++];
    memset(b, 0, sizeof(*b));
    snprintf(b->name, sizeof(b->name), "%s", name);
    m->open_now = 1;
    *h = b;
    return 0;
}
static int mem_write(void *o, void *h, const void *d, size_t n)
{
    Mem *m = o;
    Obj *b = h;
    if (m->fail_at && m->n == m->fail_at)
        return LSTREAM_ERR(ENOSPC);
    if (b->size + n > b->cap) {
        size_t cap = (b->size + n) * 2;
        unsigned char *p = realloc(b->data, cap);
        if (!p)
            return LSTREAM_ERR(ENOMEM);
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->size, d, n);
    b->size += n;
    return 0;
}
static int mem_close(void *o, void *h)
{
    Mem *m = o;
    ((Obj *)h)->closed = 1;
    m->open_now = 0;
    return 0;
}
static Obj *find(Mem *m, const char *name)
{
    for (int i = m->n - 1; i >= 0; i--) /* the newest of one name */
        if (!strcmp(m->obj[i].name, name) && m->obj[i].closed)
            return &m->obj[i];
    return NULL;
}
static int mem_read(void *o, const char *name, int64_t off, size_t n, void *buf)
{
    Obj *b = find(o, name);
    if (!b)
        return LSTREAM_ERR(ENOENT);
    if (off < 0 || off + (int64_t)n > (int64_t)b->size)
        return LSTREAM_ERR(ERANGE);
    memcpy(buf, b->data + off, n);
    return 0;
}
static int64_t mem_size(void *o, const char *name)
{
    Obj *b = find(o, name);
    return b ? (int64_t)b->size : LSTREAM_ERR(ENOENT);
}
static int mem_commit(void *o)
{
    ((Mem *)o)->commits++;
    return 0;
}
static void mem_abort(void *o) { ((Mem *)o)->aborts++; }
static void mem_free(Mem *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->obj[i].data);
    m->n = 0;
}
static LStreamOutput sink(Mem *m)
{
    LStreamOutput o = { 0 };
    o.opaque = m;
    o.open = mem_open;
    o.write = mem_write;
    o.close = mem_close;
    o.read = mem_read;
    o.size = mem_size;
    o.commit = mem_commit;
    o.abort = mem_abort;
    return o;
}

/* every file below dir, as relative names; and compare each with the memory object of that name */
static int count_files(const char *root, const char *rel, Mem *m, int *same)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[512], full[1400];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof(full), "%s/%s", root, sub);
        struct stat st;
        if (stat(full, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            n += count_files(root, sub, m, same);
            continue;
        }
        n++;
        Obj *b = find(m, sub);
        FILE *f = fopen(full, "rb");
        unsigned char *buf = malloc(st.st_size + 1);
        const int ok = b && f && buf && fread(buf, 1, st.st_size, f) == (size_t)st.st_size &&
                       b->size == (size_t)st.st_size && !memcmp(buf, b->data, b->size);
        if (!ok)
            printf("differs: %s (memory %s, %zu bytes; file %lld bytes)\n", sub, b ? "has it" : "lacks it",
                   b ? b->size : 0, (long long)st.st_size);
        *same += ok;
        free(buf);
        if (f)
            fclose(f);
    }
    closedir(d);
    return n;
}

static int host_calls;
static void host_av_log(void *avcl, int level, const char *fmt, va_list ap)
{
    (void)avcl;
    (void)level;
    (void)fmt;
    (void)ap;
    host_calls++;
}

int main(void)
{
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s/lstream-output-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return 99;
    char sample[700], dir[700], cmd[1500], err[256];
    snprintf(sample, sizeof(sample), "%s/in.mp4", tmp);
    snprintf(dir, sizeof(dir), "%s/ladder", tmp);
    SynthParams sp;
    synth_defaults(&sp);
    sp.width = 640;
    sp.height = 360;
    sp.duration = 7;
    if (synth_write(&sp, sample, err, sizeof(err)) < 0) {
        printf("sample: %s\n", err);
        return 99;
    }
    /* the host's own FFmpeg log callback, installed before any job */
    av_log_set_callback(host_av_log);

    LStreamSettings s;
    lstream_default_settings(&s);
    lstream_settings_set(&s, "threads", "1");
    lstream_settings_set(&s, "preset", "ultrafast");
    lstream_settings_set(&s, "ffmpeg_log", "0");
    LStreamJob *job = NULL;
    EXPECT(lstream_job_open(&job, &s) == 0, "open");

    Mem *m = calloc(1, sizeof(*m));
    LStreamOutput o = sink(m);
    int e = lstream_job_run_output(job, sample, &o);
    EXPECT(e == 0, "run into memory: %d %s", e, lstream_job_error(job) ? lstream_job_error(job) : "");
    EXPECT(m->commits == 1 && m->aborts == 0, "memory: %d commits, %d aborts", m->commits, m->aborts);
    e = lstream_job_run(job, sample, dir);
    EXPECT(e == 0, "run into a directory: %d", e);
    int same = 0;
    const int files = count_files(dir, "", m, &same);
    EXPECT(files > 10 && files == m->n && same == files, "directory: %d files, memory: %d objects, %d identical", files,
           m->n, same);
    EXPECT(find(m, "master.m3u8") && find(m, "manifest.mpd") && find(m, "ladder.json"), "manifests in memory");

    /* host callback survived both runs (ffmpeg_log = 0: libstream never touched av_log) */
    host_calls = 0;
    av_log(NULL, AV_LOG_ERROR, "host message\n");
    EXPECT(host_calls == 1, "the host's av_log callback was replaced (%d calls)", host_calls);

    /* a sink that fails mid-ladder: the job fails with the sink's error, abort, no commit */
    mem_free(m);
    memset(m, 0, sizeof(*m));
    m->fail_at = 5;
    e = lstream_job_run_output(job, sample, &o);
    EXPECT(e == LSTREAM_ERR(ENOSPC) && m->commits == 0 && m->aborts == 1, "failing sink: %d, %d commits, %d aborts", e,
           m->commits, m->aborts);
    EXPECT(lstream_job_error(job) && strstr(lstream_job_error(job), "output"), "failing sink message: %s",
           lstream_job_error(job) ? lstream_job_error(job) : "(none)");
    /* a bad input: abort, no commit, the input named */
    mem_free(m);
    memset(m, 0, sizeof(*m));
    char missing[760];
    snprintf(missing, sizeof(missing), "%s/nope.mp4", tmp);
    e = lstream_job_run_output(job, missing, &o);
    EXPECT(e < 0 && m->commits == 0 && m->n == 0 && strstr(lstream_job_error(job), "nope.mp4"),
           "missing input through a sink: %d, %d objects", e, m->n);
    lstream_job_close(&job);

    /* without read-back the validator cannot run: refused before any work, named */
    LStreamOutput noread = o;
    noread.read = NULL;
    noread.size = NULL;
    mem_free(m);
    memset(m, 0, sizeof(*m));
    EXPECT(lstream_job_open(&job, &s) == 0, "open");
    e = lstream_job_run_output(job, sample, &noread);
    EXPECT(e == LSTREAM_ERR(EINVAL) && m->n == 0 && strstr(lstream_job_error(job), "read"), "sink without read: %d %s",
           e, lstream_job_error(job));
    lstream_job_close(&job);
    /* ... and accepted with validation off */
    lstream_settings_set(&s, "validate", "0");
    EXPECT(lstream_job_open(&job, &s) == 0, "open");
    e = lstream_job_run_output(job, sample, &noread);
    EXPECT(e == 0 && m->commits == 1, "sink without read, no validation: %d", e);
    lstream_job_close(&job);

    /* ffmpeg_log = 1 (the default): FFmpeg's messages go to libstream from then on (documented) */
    lstream_settings_set(&s, "ffmpeg_log", "1");
    EXPECT(lstream_job_open(&job, &s) == 0, "open");
    e = lstream_job_run(job, sample, dir);
    lstream_job_close(&job);
    host_calls = 0;
    av_log(NULL, AV_LOG_ERROR, "host message\n");
    EXPECT(e == 0 && host_calls == 0, "with ffmpeg_log = 1 the hook is libstream's (%d host calls)", host_calls);

    mem_free(m);
    free(m);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd))
        fprintf(stderr, "cannot remove %s\n", tmp);
    printf("output: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
