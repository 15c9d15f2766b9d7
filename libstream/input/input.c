/* The input seam's common part: opening and closing an input through its ops table. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int ls_input_open(LSInput *in, const LSInputOps *ops, LStreamJob *job, const char *url, LSSourceInfo *info)
{
    memset(in, 0, sizeof(*in));
    if (!(in->priv = ls_calloc(1, ops->priv_size)))
        return LSTREAM_ERR(ENOMEM);
    in->ops = ops;
    int err = ops->open(in->priv, job, url, info);
    if (err)
        ls_input_close(in);
    return err;
}

void ls_input_close(LSInput *in)
{
    if (in->priv)
        in->ops->close(in->priv);
    free(in->priv);
    memset(in, 0, sizeof(*in));
}

int ls_input_select(LSInput *in, LStreamJob *job, int tracks, double from)
{
    if (!in->ops->select)
        return ls_fail(job, LSTREAM_ERR_UNSUPPORTED, "input %s cannot start part-way or read one track only",
                       in->ops->name);
    return in->ops->select(in->priv, tracks, from);
}
