/*
 * The built-in output: a staging directory, then an atomic publish. A ladder is built in a hidden staging directory beside OUTDIR and moved into
 * place only when complete, so a reader never sees half a ladder and a failed run never harms a previous
 * good one. An existing OUTDIR is replaced only if it is empty or was written by libstream (has
 * ladder.json): pointing -o at a home directory by mistake must not delete it.
 */
#define _GNU_SOURCE
#include "config.h"
#include "libstream/internal.h"
#include "libstream/output/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int ls_mkdir(const char *path)
{
    if (mkdir(path, 0755) == 0)
        return 0;
    return errno == EEXIST ? 0 : -1;
}

void ls_rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char sub[LS_PATH_MAX];
            snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
            struct stat st;
            if (!lstat(sub, &st) && S_ISDIR(st.st_mode))
                ls_rm_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

static void split_path(const char *outdir, char *parent, size_t psz, char *base, size_t bsz)
{
    char tmp[LS_PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", outdir);
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = 0;
    char *slash = strrchr(tmp, '/');
    if (!slash) {
        snprintf(parent, psz, ".");
        snprintf(base, bsz, "%s", tmp);
    } else {
        snprintf(base, bsz, "%s", slash + 1);
        if (slash == tmp)
            snprintf(parent, psz, "/");
        else {
            *slash = 0;
            snprintf(parent, psz, "%s", tmp);
        }
    }
}

/* 1 if @p dir is empty; 0 if it holds anything or cannot be read */
static int empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(d);
    return empty;
}

/* 1 if @p dir may be replaced: empty, or a libstream ladder, or a part of one (a chunked encode's). */
static int replaceable(const char *dir)
{
    char marker[LS_PATH_MAX];
    snprintf(marker, sizeof(marker), "%s/" LS_NAME_REPORT, dir);
    if (!access(marker, F_OK))
        return 1;
    snprintf(marker, sizeof(marker), "%s/" LS_NAME_PART, dir);
    if (!access(marker, F_OK))
        return 1;
    return empty_dir(dir);
}

int ls_output_check(LStreamJob *job, const char *outdir)
{
    char parent[LS_PATH_MAX], base[256];
    split_path(outdir, parent, sizeof(parent), base, sizeof(base));
    if (!base[0] || !strcmp(base, ".") || !strcmp(base, ".."))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "output directory '%s': give a directory name", outdir);
    struct stat st;
    errno = 0;
    if (stat(parent, &st) || !S_ISDIR(st.st_mode))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "output directory '%s': parent '%s' %s", outdir, parent,
                       errno == ENOENT ? "does not exist"
                       : !errno        ? "is not a directory"
                                       : strerror(errno));
    if (access(parent, W_OK | X_OK))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot write in '%s' (for output '%s'): %s", parent, outdir,
                       strerror(errno));
    if (!stat(outdir, &st)) {
        if (!S_ISDIR(st.st_mode))
            return ls_fail(job, LSTREAM_ERR_OUTPUT, "output '%s' exists and is not a directory", outdir);
        if (!replaceable(outdir))
            return ls_fail(job, LSTREAM_ERR_OUTPUT,
                           "output directory '%s' exists, is not empty and is not a libstream ladder "
                           "(no ladder.json); refusing to replace it",
                           outdir);
    }
    return 0;
}

/* This machine's name, for staging names: a sweep only judges the processes of its own machine (a parent
 * folder may be shared over NFS). */
static void host_name(char *out, size_t size)
{
    if (gethostname(out, size) || !out[0])
        snprintf(out, size, "localhost");
    out[size - 1] = 0;
    for (char *p = out; *p; p++)
        if (*p == '/' || *p == '.' || *p == '-')
            *p = '_';
}

/* Remove staging folders in @p parent that processes of this machine left when they died (killed, crashed,
 * power cut): their name holds the host and PID, and no process has that PID any more. A folder of a live
 * process, of another machine, or with a name not of this form is never touched. */
static void sweep_stale(LStreamJob *job, const char *parent)
{
    char host[128];
    host_name(host, sizeof(host));
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *m = strstr(e->d_name, ".lstream-staging-");
        if (e->d_name[0] != '.' || !m)
            continue;
        const char *h = m + strlen(".lstream-staging-");
        const size_t hl = strlen(host);
        if (strncmp(h, host, hl) || h[hl] != '-')
            continue;
        char *end;
        const long pid = strtol(h + hl + 1, &end, 10);
        if (pid <= 0 || *end != '-' || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        char path[LS_PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", parent, e->d_name) >= (int)sizeof(path))
            continue;
        ls_log(job, LSTREAM_LOG_INFO, "removing %s, left by process %ld, which no longer runs", path, pid);
        ls_rm_tree(path);
    }
    closedir(d);
}

int ls_stage_create(LStreamJob *job, const char *outdir, char *staging, size_t size)
{
    int err = ls_output_check(job, outdir);
    if (err)
        return err;
    char parent[LS_PATH_MAX], base[256], host[128];
    split_path(outdir, parent, sizeof(parent), base, sizeof(base));
    sweep_stale(job, parent);
    host_name(host, sizeof(host));
    static unsigned counter; /* distinct names for the jobs of one process */
    for (int attempt = 0; attempt < 100; attempt++) {
        snprintf(staging, size, "%s/.%s.lstream-staging-%s-%ld-%u-%ld", parent, base, host, (long)getpid(),
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED), (long)time(NULL));
        if (mkdir(staging, 0755) == 0)
            return 0;
        if (errno != EEXIST)
            return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot write in '%s' (for output '%s'): %s", parent, outdir,
                           strerror(errno));
    }
    return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot create a staging directory in '%s'", parent);
}

int ls_stage_publish(LStreamJob *job, const char *staging, const char *outdir)
{
    struct stat st;
    if (stat(outdir, &st) != 0) {
        if (rename(staging, outdir) == 0)
            return 0;
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot move the ladder into '%s': %s", outdir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode) || !replaceable(outdir))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "output '%s' changed during the run; not replacing it", outdir);
#if HAVE_RENAMEAT2
    /* one atomic step: readers see either the old ladder or the new one */
    if (renameat2(AT_FDCWD, staging, AT_FDCWD, outdir, RENAME_EXCHANGE) == 0) {
        ls_rm_tree(staging); /* now holds the old ladder */
        return 0;
    }
#endif
    char old[LS_PATH_MAX + 16];
    snprintf(old, sizeof(old), "%s.old", staging);
    if (rename(outdir, old))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot replace '%s': %s", outdir, strerror(errno));
    if (rename(staging, outdir)) {
        int e = errno;
        rename(old, outdir); /* put the good ladder back */
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot replace '%s': %s", outdir, strerror(e));
    }
    ls_rm_tree(old);
    return 0;
}

void ls_stage_discard(const char *staging)
{
    if (staging && staging[0])
        ls_rm_tree(staging);
}

/* ---- the callbacks (LStreamOutput) over the staging directory ---- */
struct LSDirOutput {
    LStreamJob *job;
    char outdir[LS_PATH_MAX];
    char staging[LS_PATH_MAX]; /* "" once published or discarded; live: OUTDIR itself */
    char path[LS_PATH_MAX];    /* of the object being written */
    int live;                  /* objects are written in OUTDIR as they come, each by write + rename */
    int shown;                 /* live: a playlist or MPD was published (someone may have watched) */
};

/* names are relative and '/'-separated, never "..": output.h's table makes them */
static int dir_path(LSDirOutput *d, const char *name, char *out, size_t size)
{
    if (!name[0] || name[0] == '/' || strstr(name, "..") || snprintf(out, size, "%s/%s", d->staging, name) >= (int)size)
        return ls_fail(d->job, LSTREAM_ERR_BUG, "output: bad object name '%s'", name);
    return 0;
}

static int dir_open(void *opaque, const char *name, void **handle)
{
    LSDirOutput *d = opaque;
    int err = dir_path(d, name, d->path, sizeof(d->path));
    if (err)
        return err;
    for (char *p = strchr(d->path + strlen(d->staging) + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = 0; /* the rendition folders */
        int r = ls_mkdir(d->path);
        *p = '/';
        if (r)
            return ls_fail(d->job, LSTREAM_ERR_OUTPUT, "cannot create folder for %s: %s", d->path, strerror(errno));
    }
    char tmp[LS_PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s%s", d->path, d->live ? ".tmp" : "");
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return ls_fail(d->job, LSTREAM_ERR_OUTPUT, "cannot create %s: %s", tmp, strerror(errno));
    *handle = f;
    return 0;
}

static int dir_write(void *opaque, void *handle, const void *data, size_t size)
{
    LSDirOutput *d = opaque;
    if (fwrite(data, 1, size, handle) != size)
        return ls_fail(d->job, LSTREAM_ERR_OUTPUT, "cannot write %s: %s", d->path, strerror(errno));
    return 0;
}

static int dir_close(void *opaque, void *handle)
{
    LSDirOutput *d = opaque;
    if (fclose(handle))
        return ls_fail(d->job, LSTREAM_ERR_OUTPUT, "cannot write %s: %s", d->path, strerror(errno));
    if (d->live) { /* L2: a web server serving OUTDIR never reads half an object */
        char tmp[LS_PATH_MAX + 8];
        snprintf(tmp, sizeof(tmp), "%s.tmp", d->path);
        if (rename(tmp, d->path))
            return ls_fail(d->job, LSTREAM_ERR_OUTPUT, "cannot rename %s to %s: %s", tmp, d->path, strerror(errno));
        const size_t n = strlen(d->path);
        d->shown |= (n > 5 && !strcmp(d->path + n - 5, ".m3u8")) || (n > 4 && !strcmp(d->path + n - 4, ".mpd"));
    }
    return 0;
}

static int file_read(const char *path, int64_t offset, size_t size, void *buf)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return LSTREAM_ERR(errno);
    int err = 0;
    if (fseeko(f, (off_t)offset, SEEK_SET) || fread(buf, 1, size, f) != size)
        err = LSTREAM_ERR(ferror(f) ? EIO : ERANGE);
    fclose(f);
    return err;
}

static int64_t file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st))
        return LSTREAM_ERR(errno);
    if (!S_ISREG(st.st_mode))
        return LSTREAM_ERR(EISDIR);
    return st.st_size;
}

static int dir_read(void *opaque, const char *name, int64_t offset, size_t size, void *buf)
{
    LSDirOutput *d = opaque;
    char path[LS_PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", d->staging, name) >= (int)sizeof(path))
        return LSTREAM_ERR(ENAMETOOLONG);
    return file_read(path, offset, size, buf);
}

static int64_t dir_size(void *opaque, const char *name)
{
    LSDirOutput *d = opaque;
    char path[LS_PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", d->staging, name) >= (int)sizeof(path))
        return LSTREAM_ERR(ENAMETOOLONG);
    return file_size(path);
}

static int dir_remove(void *opaque, const char *name)
{
    LSDirOutput *d = opaque;
    char path[LS_PATH_MAX];
    if (dir_path(d, name, path, sizeof(path)))
        return LSTREAM_ERR_BUG;
    if (unlink(path))
        return LSTREAM_ERR(errno);
    char *slash = strrchr(path, '/'); /* the rendition's folder, once empty */
    if (slash && slash > path + strlen(d->staging)) {
        *slash = 0;
        rmdir(path);
    }
    return 0;
}

static int dir_commit(void *opaque)
{
    LSDirOutput *d = opaque;
    if (d->live) { /* already in place, object by object */
        d->staging[0] = 0;
        return 0;
    }
    int err = ls_stage_publish(d->job, d->staging, d->outdir);
    if (!err)
        d->staging[0] = 0;
    return err;
}

static void dir_abort(void *opaque)
{
    LSDirOutput *d = opaque;
    if (d->live && d->shown) /* what students were shown stays, and the recording with it: without ladder.json
                              * and with playlists that never end, it is not taken for a finished ladder */
        ls_log(d->job, LSTREAM_LOG_WARNING, "live output %s left as it was when the job failed (no ladder.json)",
               d->outdir);
    else if (d->live) /* nothing was published: the folder (new or empty before) goes */
        ls_rm_tree(d->outdir);
    else
        ls_stage_discard(d->staging);
    d->staging[0] = 0;
}

static void dir_callbacks(LSDirOutput *d, LStreamOutput *cb)
{
    memset(cb, 0, sizeof(*cb));
    cb->opaque = d;
    cb->open = dir_open;
    cb->write = dir_write;
    cb->close = dir_close;
    cb->read = dir_read;
    cb->size = dir_size;
    cb->commit = dir_commit;
    cb->abort = dir_abort;
    cb->remove = dir_remove;
}

int ls_dir_output_open(LSDirOutput **pd, LStreamJob *job, const char *outdir, LStreamOutput *cb)
{
    *pd = NULL;
    LSDirOutput *d = ls_calloc(1, sizeof(*d));
    if (!d)
        return LSTREAM_ERR(ENOMEM);
    d->job = job;
    snprintf(d->outdir, sizeof(d->outdir), "%s", outdir);
    int err = ls_stage_create(job, outdir, d->staging, sizeof(d->staging));
    if (err) {
        free(d);
        return err;
    }
    dir_callbacks(d, cb);
    *pd = d;
    return 0;
}

int ls_live_output_check(LStreamJob *job, const char *outdir)
{
    int err = ls_output_check(job, outdir);
    if (err)
        return err;
    struct stat st;
    if (!stat(outdir, &st) && !empty_dir(outdir))
        return ls_fail(job, LSTREAM_ERR_OUTPUT,
                       "output directory '%s' is not empty: a live job writes its files in place as the lecture goes, "
                       "so it needs a new or empty folder (a finished ladder there is never overwritten)",
                       outdir);
    return 0;
}

int ls_dir_output_open_live(LSDirOutput **pd, LStreamJob *job, const char *outdir, LStreamOutput *cb)
{
    *pd = NULL;
    int err = ls_live_output_check(job, outdir);
    if (err)
        return err;
    if (ls_mkdir(outdir))
        return ls_fail(job, LSTREAM_ERR_OUTPUT, "cannot create %s: %s", outdir, strerror(errno));
    LSDirOutput *d = ls_calloc(1, sizeof(*d));
    if (!d)
        return LSTREAM_ERR(ENOMEM);
    d->job = job;
    d->live = 1;
    snprintf(d->outdir, sizeof(d->outdir), "%s", outdir);
    snprintf(d->staging, sizeof(d->staging), "%s", outdir);
    dir_callbacks(d, cb);
    *pd = d;
    return 0;
}

void ls_dir_output_close(LSDirOutput **pd)
{
    LSDirOutput *d = *pd;
    if (!d)
        return;
    if (!d->live)
        ls_stage_discard(d->staging);
    free(d);
    *pd = NULL;
}

/* ---- reading any directory (lstream_validate): names are paths ---- */
static int path_read(void *opaque, const char *name, int64_t offset, size_t size, void *buf)
{
    (void)opaque;
    return file_read(name, offset, size, buf);
}

static int64_t path_size(void *opaque, const char *name)
{
    (void)opaque;
    return file_size(name);
}

void ls_file_reader(LStreamOutput *cb)
{
    memset(cb, 0, sizeof(*cb));
    cb->read = path_read;
    cb->size = path_size;
}
