/* The output seam's common part: object names, whole-object writes and read-back through LStreamOutput. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/output/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OBJECT (1LL << 30) /* an object above 1 GiB is not read back */

void ls_name_in(char *out, size_t size, const char *rendition, const char *file)
{
    snprintf(out, size, "%s/%s", rendition, file);
}

void ls_name_segment(char *out, size_t size, const char *rendition, int64_t number)
{
    char file[64];
    snprintf(file, sizeof(file), LS_NAME_SEGMENT, (long long)number);
    ls_name_in(out, size, rendition, file);
}

int ls_output_init(LSOutput *o, LStreamJob *job, const LStreamOutput *cb)
{
    memset(o, 0, sizeof(*o));
    o->job = job;
    if (!cb || !cb->open || !cb->write || !cb->close || !cb->commit || !cb->abort)
        return ls_fail(job, LSTREAM_ERR(EINVAL),
                       "output: the open, write, close, commit and abort callbacks are required");
    if (job->s.validate && (!cb->read || !cb->size))
        return ls_fail(job, LSTREAM_ERR(EINVAL),
                       "output: validation (settings.validate) needs the read and size "
                       "callbacks, to read the ladder back before commit");
    o->cb = *cb;
    return 0;
}

static int failed(LSOutput *o, int err, const char *name)
{
    if (err >= 0)
        err = LSTREAM_ERR_OUTPUT;
    return ls_fail(o->job, err, "output %s: %s", name, lstream_strerror(err));
}

int ls_output_put(LSOutput *o, const char *name, const void *a, size_t na, const void *b, size_t nb)
{
    void *h = NULL;
    int err = o->cb.open(o->cb.opaque, name, &h);
    if (err)
        return failed(o, err, name);
    if (na)
        err = o->cb.write(o->cb.opaque, h, a, na);
    if (!err && nb)
        err = o->cb.write(o->cb.opaque, h, b, nb);
    const int cerr = o->cb.close(o->cb.opaque, h);
    if (err || cerr)
        return failed(o, err ? err : cerr, name);
    o->objects++;
    o->bytes += (int64_t)(na + nb);
    return 0;
}

int ls_output_put_buf(LSOutput *o, LSBuf *b, const char *name)
{
    int err = b->oom ? ls_fail(o->job, LSTREAM_ERR(ENOMEM), "output %s: out of memory", name)
                     : ls_output_put(o, name, b->s, b->len, NULL, 0);
    ls_buf_free(b);
    return err;
}

uint8_t *ls_output_slurp(const LStreamOutput *cb, const char *name, int64_t off, int64_t len, size_t *size)
{
    const int64_t total = cb->size(cb->opaque, name);
    if (total < 0) {
        errno = total > -4096 ? (int)-total : EIO;
        return NULL;
    }
    if (total > MAX_OBJECT) {
        errno = EFBIG;
        return NULL;
    }
    if (len < 0) {
        len = total;
        off = 0;
    } else if (off < 0 || len > total || off > total - len) {
        errno = ERANGE;
        return NULL;
    }
    uint8_t *buf = ls_malloc((size_t)len + 1);
    if (!buf) {
        errno = ENOMEM;
        return NULL;
    }
    int err = len ? cb->read(cb->opaque, name, off, (size_t)len, buf) : 0;
    if (err) {
        free(buf);
        errno = err > -4096 && err < 0 ? -err : EIO;
        return NULL;
    }
    buf[len] = 0;
    *size = (size_t)len;
    return buf;
}
