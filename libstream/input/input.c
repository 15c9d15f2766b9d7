/* The input seam's common part: opening and closing an input through its ops table. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/input.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
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

void ls_source_info_live(LSSourceInfo *info, const char *url, const char *container, int w, int h, int sar_num,
                         int sar_den, int fps_num, int fps_den, int sample_rate, int channels)
{
    memset(info, 0, sizeof(*info));
    snprintf(info->path, sizeof(info->path), "%s", url);
    snprintf(info->container, sizeof(info->container), "%s", container);
    info->video_start = NAN; /* the first picture's time is time 0 */
    info->has_video = 1;
    snprintf(info->video_codec, sizeof(info->video_codec), "rawvideo");
    info->coded_w = info->width = w;
    info->coded_h = info->height = h;
    info->sar_num = sar_num > 0 ? sar_num : 1;
    info->sar_den = sar_den > 0 ? sar_den : 1;
    info->dar = (double)w * info->sar_num / ((double)h * info->sar_den);
    info->fps_num = fps_num;
    info->fps_den = fps_den;
    info->bit_depth = 8;
    if (sample_rate > 0) {
        info->has_audio = 1;
        snprintf(info->audio_codec, sizeof(info->audio_codec), "pcm_f32le");
        info->sample_rate = sample_rate;
        info->channels = channels;
    }
}
