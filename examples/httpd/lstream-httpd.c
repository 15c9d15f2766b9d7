/*
 * lstream-httpd: upload a lecture, get it transcoded, watch it - libstream inside a small HTTP server on
 * libmicrohttpd. An example of embedding the library in a platform's server, hardened enough to face the
 * network of a university:
 *
 *   POST   /jobs              the recording as the request body (streamed to disk, size- and rate-limited);
 *                             201 with the job's id and links
 *   GET    /jobs/ID           the job as JSON: state (queued, running, done, failed, cancelled), progress, error
 *   GET    /jobs/ID/events    the same as server-sent events, until the job ends
 *   DELETE /jobs/ID           cancel: a queued job leaves the queue, a running one stops through the job's
 *                             cancel callback (nothing is published)
 *   GET    /media/ID/...      the finished ladder: MIME types, byte ranges, caching headers
 *   GET    /                  a page to upload a recording and watch it (hls.js from --assets, if given)
 *
 * Crash isolation: each transcode runs in a worker process (this program, re-executed with --worker), which
 * calls lstream_job_run() and reports progress as JSON lines on a pipe. A worker that crashes, is killed or
 * runs out of memory fails its job; the server goes on. At most --workers run at once; at most --queue wait.
 * Files: ROOT/uploads (recordings, removed once transcoded), ROOT/media/ID (ladders, published atomically by
 * the library). Nothing is written anywhere else; request paths are checked name by name.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libstream/libstream.h"

enum { ID_LEN = 16, MAX_JOBS = 1024 };

typedef enum { QUEUED, RUNNING, DONE, FAILED, CANCELLED } State;
static const char *const state_name[] = { "queued", "running", "done", "failed", "cancelled" };

typedef struct Job {
    char id[ID_LEN + 1];
    State state;
    pid_t pid;
    int cancel;
    double done_s, total_s, speed;
    char stage[16];
    char error[512];
    time_t created;
    uint64_t seq; /* order of arrival: the oldest queued job runs first */
} Job;

static struct {
    char root[PATH_MAX], uploads[PATH_MAX], media[PATH_MAX], assets[PATH_MAX];
    int64_t max_upload;     /* bytes */
    double min_rate;        /* bytes per second an upload must keep up after its first 10 s */
    int workers, queue_max; /* concurrent transcodes; waiting jobs */
    int max_uploads;        /* concurrent uploads */
    unsigned timeout;       /* seconds a connection may stay silent */
    char self[PATH_MAX];    /* this program, for the workers */
    char **worker_opts;     /* lstream settings name=value for every job */
    int n_worker_opts;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    Job jobs[MAX_JOBS];
    int n_jobs;
    int uploading, running;
    uint64_t seq;
    volatile sig_atomic_t stop;
} S = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static void say(const char *fmt, ...)
{
    char ts[32];
    time_t t = time(NULL);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", gmtime(&t));
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s lstream-httpd: ", ts);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---------------------------------------------------------------- the worker process */
static volatile sig_atomic_t worker_cancel;
static void on_term(int sig) { (void)sig, worker_cancel = 1; }
static int worker_cancelled(void *opaque) { return (void)opaque, worker_cancel; }

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void worker_progress(void *opaque, const LStreamProgress *p)
{
    (void)opaque;
    printf("{\"done\": %.3f, \"total\": %.3f, \"speed\": %.3f, \"stage\": \"%s\"}\n", p->media_done_s, p->media_total_s,
           p->speed, p->stage ? p->stage : "");
    fflush(stdout);
}

static void worker_log(void *opaque, int level, const char *msg)
{
    (void)opaque;
    if (level <= LSTREAM_LOG_WARNING)
        fprintf(stderr, "worker %d: %s\n", (int)getpid(), msg);
}

/* The worker's store of a ladder, through libstream's output interface (LStreamOutput) rather than its
 * built-in directory: objects arrive in MEDIA/.ID.incoming (invisible to the server, which serves no
 * dot-first name), commit() renames that to MEDIA/ID whole, abort() removes it. A platform would put its own
 * object store here. */
typedef struct Store {
    char dir[PATH_MAX];   /* MEDIA/.ID.incoming */
    char final[PATH_MAX]; /* MEDIA/ID */
} Store;

static int store_path(Store *st, const char *name, char *out, size_t size)
{
    if (!name[0] || name[0] == '/' || strstr(name, "..") || snprintf(out, size, "%s/%s", st->dir, name) >= (int)size)
        return -EINVAL;
    return 0;
}

static int store_open(void *opaque, const char *name, void **handle)
{
    char path[PATH_MAX * 2];
    int err = store_path(opaque, name, path, sizeof(path));
    if (err)
        return err;
    for (char *p = strchr(path + strlen(((Store *)opaque)->dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = 0; /* the rendition's folder */
        if (mkdir(path, 0755) && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -errno;
    *handle = f;
    return 0;
}

static int store_write(void *opaque, void *handle, const void *data, size_t size)
{
    (void)opaque;
    return fwrite(data, 1, size, handle) == size ? 0 : -EIO;
}

static int store_close(void *opaque, void *handle)
{
    (void)opaque;
    return fclose(handle) ? -EIO : 0;
}

static int store_read(void *opaque, const char *name, int64_t offset, size_t size, void *buf)
{
    char path[PATH_MAX * 2];
    int err = store_path(opaque, name, path, sizeof(path));
    if (err)
        return err;
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    const ssize_t n = pread(fd, buf, size, (off_t)offset);
    close(fd);
    return n == (ssize_t)size ? 0 : -EIO;
}

static int64_t store_size(void *opaque, const char *name)
{
    char path[PATH_MAX * 2];
    struct stat st;
    if (store_path(opaque, name, path, sizeof(path)) || stat(path, &st))
        return -ENOENT;
    return (int64_t)st.st_size;
}

static int store_remove(void *opaque, const char *name)
{
    char path[PATH_MAX * 2];
    int err = store_path(opaque, name, path, sizeof(path));
    return err ? err : unlink(path) ? -errno : 0;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[PATH_MAX + 300];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (!lstat(path, &st) && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static int store_commit(void *opaque)
{
    Store *st = opaque;
    return rename(st->dir, st->final) ? -errno : 0;
}

static void store_abort(void *opaque) { remove_tree(((Store *)opaque)->dir); }

/* lstream-httpd --worker INPUT OUTDIR [name=value...]: one transcode through the library, into OUTDIR through
 * the Store above; the last line on stdout is the result. Exit 0 on success. */
static int worker_main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    struct sigaction sa = { .sa_handler = on_term };
    sigaction(SIGTERM, &sa, NULL);
    LStreamSettings s;
    lstream_default_settings(&s);
    for (int i = 4; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return 2;
        *eq = 0;
        if (lstream_settings_set(&s, argv[i], eq + 1)) {
            printf("{\"error\": \"bad setting %s\"}\n", argv[i]);
            return 2;
        }
    }
    lstream_settings_set_progress(&s, worker_progress, NULL);
    lstream_settings_set_cancel(&s, worker_cancelled, NULL);
    lstream_settings_set_log(&s, worker_log, NULL);
    s.log_level = LSTREAM_LOG_WARNING;
    Store st;
    const char *slash = strrchr(argv[3], '/');
    if (!slash || snprintf(st.final, sizeof(st.final), "%s", argv[3]) >= (int)sizeof(st.final) ||
        snprintf(st.dir, sizeof(st.dir), "%.*s/.%s.incoming", (int)(slash - argv[3]), argv[3], slash + 1) >=
            (int)sizeof(st.dir))
        return 2;
    remove_tree(st.dir); /* a worker killed before it could abort left it */
    LStreamJob *job = NULL;
    int err = lstream_job_open(&job, &s);
    if (!err && mkdir(st.dir, 0755))
        err = -errno;
    if (!err) {
        const LStreamOutput out = { .opaque = &st,
                                    .open = store_open,
                                    .write = store_write,
                                    .close = store_close,
                                    .read = store_read,
                                    .size = store_size,
                                    .commit = store_commit,
                                    .abort = store_abort,
                                    .remove = store_remove };
        err = lstream_job_run_output(job, argv[2], &out);
    }
    const char *msg = job ? lstream_job_error(job) : NULL;
    printf("{\"result\": %d, \"error\": ", err);
    json_string(stdout, err ? (msg ? msg : lstream_strerror(err)) : "");
    printf("}\n");
    fflush(stdout);
    lstream_job_close(&job);
    return err == LSTREAM_ERR_CANCELLED ? 3 : err ? 1 : 0;
}

/* ---------------------------------------------------------------- jobs */
static Job *find_job(const char *id) /* with S.lock */
{
    for (int i = 0; i < S.n_jobs; i++)
        if (!strcmp(S.jobs[i].id, id))
            return &S.jobs[i];
    return NULL;
}

static int valid_id(const char *s, size_t n)
{
    if (n != ID_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int new_id(char *out)
{
    unsigned char b[ID_LEN / 2];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    for (size_t i = 0; i < sizeof(b); i++)
        sprintf(out + 2 * i, "%02x", b[i]);
    return 0;
}

/* Parse one line of a worker's output into its job. */
static void worker_line(Job *j, char *line)
{
    double d, t, sp;
    char stage[16];
    int result;
    if (sscanf(line, "{\"done\": %lf, \"total\": %lf, \"speed\": %lf, \"stage\": \"%15[a-z]\"}", &d, &t, &sp, stage) ==
        4) {
        j->done_s = d;
        j->total_s = t;
        j->speed = sp;
        snprintf(j->stage, sizeof(j->stage), "%s", stage);
    } else if (sscanf(line, "{\"result\": %d, \"error\": ", &result) == 1) {
        const char *e = strstr(line, "\"error\": \"");
        if (result && e) {
            e += 10;
            size_t n = strlen(e);
            while (n && (e[n - 1] == '}' || e[n - 1] == '"' || e[n - 1] == '\n'))
                n--;
            snprintf(j->error, sizeof(j->error), "%.*s", (int)n, e);
            /* the client sees "the recording", not where this server keeps it */
            char path[PATH_MAX + 64], *at;
            snprintf(path, sizeof(path), "input %s/%s.upload", S.uploads, j->id);
            if ((at = strstr(j->error, path))) {
                const size_t pl = strlen(path), tail = strlen(at + pl);
                memcpy(at, "the recording", 13);
                memmove(at + 13, at + pl, tail + 1);
            }
        }
    }
}

/* Run job @p j in a worker process; returns when the worker has ended. */
static void run_worker(Job *j)
{
    char in[PATH_MAX + 64], out[PATH_MAX + 64];
    snprintf(in, sizeof(in), "%s/%s.upload", S.uploads, j->id);
    snprintf(out, sizeof(out), "%s/%s", S.media, j->id);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
        snprintf(j->error, sizeof(j->error), "cannot start a worker: %s", strerror(errno));
        j->state = FAILED;
        return;
    }
    char **argv = calloc((size_t)S.n_worker_opts + 5, sizeof(*argv));
    argv[0] = S.self;
    argv[1] = "--worker";
    argv[2] = in;
    argv[3] = out;
    for (int i = 0; i < S.n_worker_opts; i++)
        argv[4 + i] = S.worker_opts[i];
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        execv(S.self, argv);
        _exit(127);
    }
    free(argv);
    close(fds[1]);
    pthread_mutex_lock(&S.lock);
    j->pid = pid;
    const int cancel = j->cancel;
    pthread_mutex_unlock(&S.lock);
    if (pid < 0) {
        close(fds[0]);
        snprintf(j->error, sizeof(j->error), "cannot start a worker: %s", strerror(errno));
        j->state = FAILED;
        return;
    }
    if (cancel)
        kill(pid, SIGTERM);
    FILE *f = fdopen(fds[0], "r");
    char line[2048];
    while (f && fgets(line, sizeof(line), f)) {
        pthread_mutex_lock(&S.lock);
        worker_line(j, line);
        pthread_mutex_unlock(&S.lock);
    }
    if (f)
        fclose(f);
    pthread_mutex_lock(&S.lock);
    j->pid = 0; /* not yet reaped, so the number is not reused before this: no DELETE signals another process */
    pthread_mutex_unlock(&S.lock);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* the files first, the state after: a client that sees the job ended finds its upload gone and nothing
     * half-written in media/ (what a worker that was killed or crashed could not remove itself) */
    unlink(in);
    const int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok) {
        char incoming[PATH_MAX + 64];
        snprintf(incoming, sizeof(incoming), "%s/.%s.incoming", S.media, j->id);
        remove_tree(incoming);
    }
    pthread_mutex_lock(&S.lock);
    if (ok)
        j->state = DONE;
    else if (j->cancel || (WIFEXITED(status) && WEXITSTATUS(status) == 3))
        j->state = CANCELLED;
    else {
        j->state = FAILED;
        if (WIFSIGNALED(status))
            snprintf(j->error, sizeof(j->error), "the worker ended on signal %d (%s); the server goes on",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
        else if (!j->error[0])
            snprintf(j->error, sizeof(j->error), "the worker failed (exit %d)", WEXITSTATUS(status));
    }
    pthread_mutex_unlock(&S.lock);
    say("job %s: %s%s%s", j->id, state_name[j->state], j->error[0] ? ": " : "", j->error);
}

/* The pool: each thread takes the oldest queued job. */
static void *pool_thread(void *opaque)
{
    (void)opaque;
    pthread_mutex_lock(&S.lock);
    while (!S.stop) {
        Job *j = NULL;
        for (int i = 0; i < S.n_jobs; i++)
            if (S.jobs[i].state == QUEUED && (!j || S.jobs[i].seq < j->seq))
                j = &S.jobs[i];
        if (!j) {
            pthread_cond_wait(&S.wake, &S.lock);
            continue;
        }
        j->state = RUNNING;
        S.running++;
        pthread_mutex_unlock(&S.lock);
        run_worker(j);
        pthread_mutex_lock(&S.lock);
        S.running--;
        pthread_cond_broadcast(&S.wake);
    }
    pthread_mutex_unlock(&S.lock);
    return NULL;
}

/* ---------------------------------------------------------------- HTTP */
typedef struct Upload {
    int fd;
    char path[PATH_MAX + 64];
    char id[ID_LEN + 1];
    int64_t bytes;
    double t0;
    int counted; /* in S.uploading */
    int status;  /* an error response decided while receiving (0: none) */
    const char *why;
} Upload;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum MHD_Result send_text(struct MHD_Connection *c, int status, const char *type, const char *body)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *msg)
{
    char body[768];
    snprintf(body, sizeof(body), "{\"error\": \"%s\"}\n", msg);
    return send_text(c, status, "application/json", body);
}

static void job_json(const Job *j, char *out, size_t size) /* with S.lock */
{
    char err[1100] = "";
    size_t k = 0;
    for (const char *p = j->error; *p && k + 8 < sizeof(err); p++) {
        if (*p == '"' || *p == '\\')
            err[k++] = '\\';
        err[k++] = (unsigned char)*p < 0x20 ? ' ' : *p;
    }
    err[k] = 0;
    snprintf(out, size,
             "{\"id\": \"%s\", \"state\": \"%s\", \"stage\": \"%s\", \"media_done_s\": %.2f, \"media_total_s\": %.2f, "
             "\"speed\": %.2f, \"error\": \"%s\", \"hls\": \"/media/%s/master.m3u8\", \"dash\": "
             "\"/media/%s/manifest.mpd\"}",
             j->id, state_name[j->state], j->stage, j->done_s, j->total_s, j->speed, err, j->id, j->id);
}

static const struct {
    const char *ext, *type, *cache;
} mime[] = {
    { ".m3u8", "application/vnd.apple.mpegurl", "public, max-age=60" },
    { ".mpd", "application/dash+xml", "public, max-age=60" },
    { ".m4s", "video/iso.segment", "public, max-age=31536000, immutable" },
    { ".mp4", "video/mp4", "public, max-age=31536000, immutable" },
    { ".json", "application/json", "public, max-age=60" },
    { ".vtt", "text/vtt", "public, max-age=3600" },
    { ".jpg", "image/jpeg", "public, max-age=31536000, immutable" },
    { ".png", "image/png", "public, max-age=31536000, immutable" },
    { ".js", "text/javascript", "public, max-age=3600" },
};

/* A path of plain names under a base folder: letters, digits, '.', '_', '-'; no empty or dot-first names. */
static int safe_subpath(const char *p)
{
    if (!*p || strlen(p) > 512)
        return 0;
    const char *name = p;
    for (const char *q = p;; q++) {
        if (*q == '/' || !*q) {
            if (q == name || *name == '.')
                return 0;
            if (!*q)
                return 1;
            name = q + 1;
            continue;
        }
        const char c = *q;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return 0;
    }
}

/* Serve a file under @p base (a folder of ours) with byte ranges. */
static enum MHD_Result serve_file(struct MHD_Connection *c, const char *base, const char *sub)
{
    if (!safe_subpath(sub))
        return send_error(c, 404, "no such file");
    char path[PATH_MAX * 2], real[PATH_MAX], rbase[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", base, sub);
    /* no symbolic link leads out of the folder */
    if (!realpath(path, real) || !realpath(base, rbase) || strncmp(real, rbase, strlen(rbase)) ||
        real[strlen(rbase)] != '/')
        return send_error(c, 404, "no such file");
    const char *type = NULL, *cache = "no-cache";
    const size_t n = strlen(real);
    for (size_t i = 0; i < sizeof(mime) / sizeof(mime[0]); i++) {
        const size_t e = strlen(mime[i].ext);
        if (n > e && !strcmp(real + n - e, mime[i].ext)) {
            type = mime[i].type;
            cache = mime[i].cache;
        }
    }
    if (!type)
        return send_error(c, 404, "no such file");
    const int fd = open(real, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return send_error(c, 404, "no such file");
    }
    uint64_t size = (uint64_t)st.st_size, first = 0, last = size ? size - 1 : 0;
    int status = 200;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    if (range && size) {
        unsigned long long a = 0, b = 0;
        int off = 0;
        if (sscanf(range, "bytes=%llu-%llu%n", &a, &b, &off) == 2 && !range[off] && a <= b && a < size) {
            first = a;
            last = b < size ? b : size - 1;
        } else if (sscanf(range, "bytes=%llu-%n", &a, &off) == 1 && !range[off] && a < size) {
            first = a;
        } else if (sscanf(range, "bytes=-%llu%n", &b, &off) == 1 && !range[off] && b > 0) {
            first = b >= size ? 0 : size - b;
        } else {
            close(fd);
            char cr[64];
            snprintf(cr, sizeof(cr), "bytes */%" PRIu64, size);
            struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header(r, "Content-Range", cr);
            enum MHD_Result ret = MHD_queue_response(c, 416, r);
            MHD_destroy_response(r);
            return ret;
        }
        status = 206;
    }
    struct MHD_Response *r = MHD_create_response_from_fd_at_offset64(last - first + 1, fd, first);
    if (!r) {
        close(fd);
        return send_error(c, 500, "cannot read the file");
    }
    char etag[64], cr[96];
    snprintf(etag, sizeof(etag), "\"%" PRIx64 "-%" PRIx64 "\"", (uint64_t)st.st_size, (uint64_t)st.st_mtime);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", cache);
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == 206) {
        snprintf(cr, sizeof(cr), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first, last, size);
        MHD_add_response_header(r, "Content-Range", cr);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Server-sent events: the job's state every half second until it ends. */
typedef struct Events {
    char id[ID_LEN + 1];
    int ended;
} Events;

static ssize_t events_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    Events *e = cls;
    if (e->ended || S.stop)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (pos)
        usleep(500000);
    char json[2048];
    pthread_mutex_lock(&S.lock);
    Job *j = find_job(e->id);
    const int end = !j || j->state >= DONE;
    if (j)
        job_json(j, json, sizeof(json));
    else
        snprintf(json, sizeof(json), "{\"error\": \"no such job\"}");
    pthread_mutex_unlock(&S.lock);
    e->ended = end;
    const int n = snprintf(buf, max, "event: %s\ndata: %s\n\n", end ? "end" : "progress", json);
    return n < 0 || (size_t)n >= max ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void events_free(void *cls) { free(cls); }

static const char page[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>libstream: upload a lecture</title>\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<script src=\"/assets/hls.min.js\"></script>\n"
    "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;padding:0 1em}video{width:100%;background:#000}"
    "</style></head><body>\n<h1>Upload a lecture</h1>\n"
    "<form id=\"f\"><input type=\"file\" id=\"file\" accept=\"video/*,audio/*\"> <button "
    "id=\"go\">Upload</button></form>\n"
    "<p id=\"status\">Choose a recording.</p>\n<video id=\"v\" controls muted playsinline></video>\n<script>\n"
    "const st = document.getElementById('status'), v = document.getElementById('v');\n"
    "function play(url) {\n"
    "  if (window.Hls && Hls.isSupported()) { const h = new Hls(); h.loadSource(url); h.attachMedia(v); window.hls = "
    "h; }\n"
    "  else v.src = url;\n  v.play().catch(() => {});\n}\n"
    "document.getElementById('f').onsubmit = (ev) => {\n  ev.preventDefault();\n"
    "  const file = document.getElementById('file').files[0]; if (!file) return;\n"
    "  const x = new XMLHttpRequest(); x.open('POST', '/jobs');\n"
    "  x.upload.onprogress = (e) => { st.textContent = 'uploading ' + Math.round(100 * e.loaded / e.total) + ' %'; };\n"
    "  x.onload = () => {\n    if (x.status != 201) { st.textContent = 'upload refused: ' + x.responseText; return; }\n"
    "    const job = JSON.parse(x.responseText); const es = new EventSource('/jobs/' + job.id + '/events');\n"
    "    es.addEventListener('progress', (e) => { const j = JSON.parse(e.data);\n"
    "      st.textContent = j.state + ' ' + j.stage + ' ' + j.media_done_s.toFixed(0) + ' / ' + "
    "j.media_total_s.toFixed(0) + ' s'; });\n"
    "    es.addEventListener('end', (e) => { es.close(); const j = JSON.parse(e.data);\n"
    "      st.textContent = j.state + (j.error ? ': ' + j.error : ''); st.dataset.state = j.state;\n"
    "      if (j.state == 'done') play(j.hls); });\n  };\n"
    "  x.send(file);\n};\n</script></body></html>\n";

static enum MHD_Result handle_upload(struct MHD_Connection *c, Upload *u, const char *data, size_t *size)
{
    if (*size) { /* a piece of the body */
        if (!u->status) {
            u->bytes += (int64_t)*size;
            const double t = now_s() - u->t0;
            if (u->bytes > S.max_upload) {
                u->status = 413;
                u->why = "the recording is larger than this server takes (--max-upload)";
            } else if (write(u->fd, data, *size) != (ssize_t)*size) {
                u->status = 507;
                u->why = "cannot store the recording (disk full?)";
            } else if (t > 10 && u->bytes / t < S.min_rate) {
                say("upload %s: %.0f bytes/s after %.0f s, under --min-rate: cut off", u->id, u->bytes / t, t);
                return MHD_NO; /* a trickle holds a connection and a slot: close it */
            }
        }
        *size = 0;
        return MHD_YES;
    }
    /* the end of the body */
    close(u->fd);
    u->fd = -1;
    if (u->status) {
        unlink(u->path);
        return send_error(c, u->status, u->why);
    }
    if (!u->bytes) {
        unlink(u->path);
        return send_error(c, 400, "empty body: send the recording as the request body");
    }
    char final[PATH_MAX + 64], json[2048];
    snprintf(final, sizeof(final), "%s/%s.upload", S.uploads, u->id);
    pthread_mutex_lock(&S.lock);
    int queued = 0;
    for (int i = 0; i < S.n_jobs; i++)
        queued += S.jobs[i].state == QUEUED;
    /* a slot: a new one, or that of the oldest ended job (its ladder stays on disk and is still served) */
    Job *j = S.n_jobs < MAX_JOBS ? &S.jobs[S.n_jobs] : NULL;
    for (int i = 0; S.n_jobs == MAX_JOBS && i < S.n_jobs; i++)
        if (S.jobs[i].state >= DONE && (!j || S.jobs[i].seq < j->seq))
            j = &S.jobs[i];
    if (queued >= S.queue_max || !j) {
        pthread_mutex_unlock(&S.lock);
        unlink(u->path);
        return send_error(c, 503, "the transcode queue is full; try again later");
    }
    if (rename(u->path, final)) {
        pthread_mutex_unlock(&S.lock);
        unlink(u->path);
        return send_error(c, 500, "cannot store the recording");
    }
    if (j == &S.jobs[S.n_jobs])
        S.n_jobs++;
    memset(j, 0, sizeof(*j));
    j->seq = ++S.seq;
    snprintf(j->id, sizeof(j->id), "%s", u->id);
    j->state = QUEUED;
    j->created = time(NULL);
    job_json(j, json, sizeof(json));
    pthread_cond_broadcast(&S.wake);
    pthread_mutex_unlock(&S.lock);
    say("job %s: %" PRId64 " bytes received, queued", u->id, u->bytes);
    strcat(json, "\n");
    return send_text(c, 201, "application/json", json);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *data, size_t *size, void **state)
{
    (void)cls, (void)version;
    const int post = !strcmp(method, "POST"), get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (post && !strcmp(url, "/jobs")) {
        Upload *u = *state;
        if (!u) { /* the headers: decide before any byte of the body is taken */
            const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            if (len && strtoll(len, NULL, 10) > S.max_upload)
                return send_error(c, 413, "the recording is larger than this server takes (--max-upload)");
            if (!(u = calloc(1, sizeof(*u))))
                return MHD_NO;
            u->fd = -1;
            pthread_mutex_lock(&S.lock);
            const int busy = S.uploading >= S.max_uploads;
            if (!busy)
                S.uploading++;
            pthread_mutex_unlock(&S.lock);
            u->counted = !busy;
            *state = u;
            if (busy) {
                u->status = 503;
                u->why = "too many uploads at once; try again later";
                return MHD_YES;
            }
            if (new_id(u->id)) {
                u->status = 500;
                u->why = "no randomness for a job id";
                return MHD_YES;
            }
            snprintf(u->path, sizeof(u->path), "%s/%s.part", S.uploads, u->id);
            u->fd = open(u->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (u->fd < 0) {
                u->status = 507;
                u->why = "cannot store the recording";
            }
            u->t0 = now_s();
            return MHD_YES;
        }
        if (u->status && !*size && u->fd < 0)
            return send_error(c, u->status, u->why);
        return handle_upload(c, u, data, size);
    }
    if (*size) /* a body on anything else: not taken */
        return MHD_NO;
    if (get && !strcmp(url, "/"))
        return send_text(c, 200, "text/html; charset=utf-8", page);
    if (get && !strncmp(url, "/assets/", 8)) {
        if (!S.assets[0])
            return send_error(c, 404, "no assets folder (--assets)");
        return serve_file(c, S.assets, url + 8);
    }
    if (!strncmp(url, "/jobs/", 6)) {
        const char *id = url + 6, *rest = strchr(id, '/');
        const size_t n = rest ? (size_t)(rest - id) : strlen(id);
        if (!valid_id(id, n))
            return send_error(c, 404, "no such job");
        char key[ID_LEN + 1];
        memcpy(key, id, ID_LEN);
        key[ID_LEN] = 0;
        if (get && rest && !strcmp(rest, "/events")) {
            Events *e = calloc(1, sizeof(*e));
            if (!e)
                return MHD_NO;
            memcpy(e->id, key, sizeof(key));
            struct MHD_Response *r =
                MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, events_read, e, events_free);
            MHD_add_response_header(r, "Content-Type", "text/event-stream");
            MHD_add_response_header(r, "Cache-Control", "no-store");
            enum MHD_Result ret = MHD_queue_response(c, 200, r);
            MHD_destroy_response(r);
            return ret;
        }
        if (rest)
            return send_error(c, 404, "no such resource");
        char json[2048];
        pthread_mutex_lock(&S.lock);
        Job *j = find_job(key);
        if (j && !strcmp(method, "DELETE") && j->state <= RUNNING) {
            j->cancel = 1;
            if (j->state == QUEUED) {
                j->state = CANCELLED;
                char in[PATH_MAX + 64];
                snprintf(in, sizeof(in), "%s/%s.upload", S.uploads, j->id);
                unlink(in);
            } else if (j->pid > 0) {
                kill(j->pid, SIGTERM); /* the worker's cancel callback stops the job; nothing is published */
            }
        }
        if (j)
            job_json(j, json, sizeof(json));
        pthread_mutex_unlock(&S.lock);
        if (!j)
            return send_error(c, 404, "no such job");
        if (!get && strcmp(method, "DELETE"))
            return send_error(c, 405, "GET or DELETE");
        strcat(json, "\n");
        return send_text(c, !strcmp(method, "DELETE") ? 202 : 200, "application/json", json);
    }
    if (get && !strncmp(url, "/media/", 7)) {
        const char *id = url + 7, *rest = strchr(id, '/');
        if (!rest || !valid_id(id, (size_t)(rest - id)))
            return send_error(c, 404, "no such file");
        return serve_file(c, S.media, id);
    }
    return send_error(c, get || post ? 404 : 405, "no such resource");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    Upload *u = *state;
    if (!u)
        return;
    if (u->fd >= 0) { /* cut off before the end: nothing of it stays */
        close(u->fd);
        unlink(u->path);
    }
    if (u->counted) {
        pthread_mutex_lock(&S.lock);
        S.uploading--;
        pthread_mutex_unlock(&S.lock);
    }
    free(u);
    *state = NULL;
}

/* %XX decoding of the request path, where a control character (%00 above all, which would cut the path
 * short) becomes DEL, which no served name contains */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    char *w = s;
    for (const char *r = s; *r; r++) {
        unsigned v;
        if (r[0] == '%' && sscanf(r + 1, "%2x", &v) == 1 && isxdigit((unsigned char)r[1]) &&
            isxdigit((unsigned char)r[2])) {
            *w++ = (char)(v < 0x20 || v == 0x7f ? 0x7f : v);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

static void on_signal(int sig) { (void)sig, S.stop = 1; }

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: lstream-httpd --port N --root DIR [--bind ADDR] [--workers N] [--queue N] [--uploads N]\n"
        "                     [--max-upload MB] [--min-rate KBPS] [--timeout S] [--assets DIR] [--set NAME=VALUE]...\n"
        "Upload a lecture (POST /jobs), follow its transcode (GET /jobs/ID, /jobs/ID/events), cancel it\n"
        "(DELETE /jobs/ID) and stream the ladder (GET /media/ID/master.m3u8 or manifest.mpd).\n"
        "  --port N          TCP port; 0: one the system finds free (the log's \"listening on\" line names it)\n"
        "  --root DIR        data folder: uploads/ and media/ are made in it; nothing is written elsewhere\n"
        "  --bind ADDR       IPv4 address to listen on (default 127.0.0.1)\n"
        "  --workers N       transcodes at once, each in its own process (default 1)\n"
        "  --queue N         jobs that may wait (default 16)\n"
        "  --uploads N       uploads at once (default 4)\n"
        "  --max-upload MB   largest recording taken (default 4096)\n"
        "  --min-rate KBPS   an upload slower than this after 10 s is cut off (default 16)\n"
        "  --timeout S       a connection silent for S seconds is closed (default 30)\n"
        "  --assets DIR      folder with hls.min.js for the page's player\n"
        "  --set NAME=VALUE  a libstream setting for every transcode (lstream_settings_set)\n");
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--worker"))
        return worker_main(argc, argv);
    static const struct option opts[] = { { "port", required_argument, NULL, 'p' },
                                          { "root", required_argument, NULL, 'r' },
                                          { "bind", required_argument, NULL, 'b' },
                                          { "workers", required_argument, NULL, 'w' },
                                          { "queue", required_argument, NULL, 'q' },
                                          { "uploads", required_argument, NULL, 'u' },
                                          { "max-upload", required_argument, NULL, 'm' },
                                          { "min-rate", required_argument, NULL, 'R' },
                                          { "assets", required_argument, NULL, 'a' },
                                          { "set", required_argument, NULL, 's' },
                                          { "timeout", required_argument, NULL, 't' },
                                          { "help", no_argument, NULL, 'h' },
                                          { 0 } };
    int port = -1, c;
    const char *root = NULL, *bind_addr = "127.0.0.1";
    S.workers = 1;
    S.queue_max = 16;
    S.max_uploads = 4;
    S.max_upload = 4096LL << 20;
    S.min_rate = 16 * 1024;
    S.timeout = 30;
    S.worker_opts = calloc((size_t)argc, sizeof(char *));
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': {
            char *end;
            const long v = strtol(optarg, &end, 10);
            port = end != optarg && !*end && v >= 0 && v <= 65535 ? (int)v : -1;
            break;
        }
        case 'r': root = optarg; break;
        case 'b': bind_addr = optarg; break;
        case 'w': S.workers = atoi(optarg); break;
        case 'q': S.queue_max = atoi(optarg); break;
        case 'u': S.max_uploads = atoi(optarg); break;
        case 'm': S.max_upload = (int64_t)(atof(optarg) * 1048576.0); break;
        case 'R': S.min_rate = atof(optarg) * 1024; break;
        case 't': S.timeout = (unsigned)atoi(optarg); break;
        case 'a':
            if (!realpath(optarg, S.assets)) {
                fprintf(stderr, "lstream-httpd: --assets %s: %s\n", optarg, strerror(errno));
                return 1;
            }
            break;
        case 's': {
            LStreamSettings t;
            lstream_default_settings(&t);
            char name[64];
            const char *eq = strchr(optarg, '=');
            if (!eq || eq - optarg >= (int)sizeof(name)) {
                fprintf(stderr, "lstream-httpd: --set wants NAME=VALUE\n");
                return 1;
            }
            snprintf(name, sizeof(name), "%.*s", (int)(eq - optarg), optarg);
            if (lstream_settings_set(&t, name, eq + 1)) {
                fprintf(stderr, "lstream-httpd: --set %s: %s\n", optarg,
                        lstream_settings_help(name) ? lstream_settings_help(name) : "no such setting");
                return 1;
            }
            S.worker_opts[S.n_worker_opts++] = optarg;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (!root || port < 0 || S.workers < 1 || S.queue_max < 1 || S.max_uploads < 1 || S.max_upload <= 0 ||
        optind < argc) {
        usage(stderr);
        return 1;
    }
    if (mkdir(root, 0755) && errno != EEXIST) {
        fprintf(stderr, "lstream-httpd: --root %s: %s\n", root, strerror(errno));
        return 1;
    }
    if (!realpath(root, S.root) || readlink("/proc/self/exe", S.self, sizeof(S.self) - 1) < 0) {
        fprintf(stderr, "lstream-httpd: --root %s: %s\n", root, strerror(errno));
        return 1;
    }
    snprintf(S.uploads, sizeof(S.uploads), "%s/uploads", S.root);
    snprintf(S.media, sizeof(S.media), "%s/media", S.root);
    if ((mkdir(S.uploads, 0700) && errno != EEXIST) || (mkdir(S.media, 0755) && errno != EEXIST)) {
        fprintf(stderr, "lstream-httpd: cannot make the folders in %s: %s\n", S.root, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pthread_t *pool = calloc((size_t)S.workers, sizeof(*pool));
    for (int i = 0; i < S.workers; i++)
        pthread_create(&pool[i], NULL, pool_thread, NULL);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, bind_addr, &addr.sin_addr) != 1) {
        fprintf(stderr, "lstream-httpd: --bind %s: not an IPv4 address\n", bind_addr);
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
        on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_CONNECTION_TIMEOUT, S.timeout,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "lstream-httpd: cannot listen on %s:%d\n", bind_addr, port);
        return 1;
    }
    if (port == 0) { /* the port the system chose */
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        port = di ? di->port : 0;
    }
    say("listening on http://%s:%d/, data in %s, %d worker(s), libstream %s", bind_addr, port, S.root, S.workers,
        lstream_version());
    while (!S.stop)
        pause();
    say("stopping");
    MHD_stop_daemon(d);
    pthread_mutex_lock(&S.lock);
    for (int i = 0; i < S.n_jobs; i++)
        if (S.jobs[i].pid > 0) {
            S.jobs[i].cancel = 1;
            kill(S.jobs[i].pid, SIGTERM);
        }
    pthread_cond_broadcast(&S.wake);
    pthread_mutex_unlock(&S.lock);
    for (int i = 0; i < S.workers; i++)
        pthread_join(pool[i], NULL);
    free(pool);
    free(S.worker_opts);
    return 0;
}
