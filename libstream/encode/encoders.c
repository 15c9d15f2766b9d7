/* The encoder registry: one table entry per codec adapter. A new codec is a new file and one line here. */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/encode/encoder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const LSEncoderOps *const encoders[] = {
    &ls_enc_x264,
    &ls_enc_aac,
    &ls_enc_opus,
#if HAVE_VPX
    &ls_enc_vpx,
#endif
};

const LSEncoderOps *ls_encoder_find(int kind, int codec)
{
    for (size_t i = 0; i < LS_ARRAY_SIZE(encoders); i++)
        if (encoders[i]->kind == kind && encoders[i]->codec == codec)
            return encoders[i];
    return NULL;
}

int ls_encoders_check(const LStreamSettings *s, char *why, size_t why_size)
{
    /* the video codecs the rungs name (the default ladder: H.264), and VP9 for the twins */
    int want[LSTREAM_MAX_RUNGS + 2], n_want = 0, video[LSTREAM_MAX_RUNGS + 2], n = 0;
    if (!s->n_rungs)
        want[n_want++] = LSTREAM_CODEC_H264;
    for (int i = 0; i < s->n_rungs && i < LSTREAM_MAX_RUNGS; i++)
        want[n_want++] = (int)s->rungs[i].codec;
    if (s->vp9_rungs)
        want[n_want++] = LSTREAM_CODEC_VP9;
    for (int i = 0; i < n_want; i++) {
        int seen = 0;
        for (int k = 0; k < n; k++)
            seen |= video[k] == want[i];
        if (!seen)
            video[n++] = want[i];
    }
    for (int k = 0; k < n; k++) {
        const LSEncoderOps *ops = ls_encoder_find(LS_TRACK_VIDEO, video[k]);
        if (!ops) {
            snprintf(why, why_size, "rungs: video codec %s is not available in this build (configure --with-%s)",
                     video[k] == LSTREAM_CODEC_VP9 ? "VP9" : "H.264", video[k] == LSTREAM_CODEC_VP9 ? "vpx" : "x264");
            return LSTREAM_ERR_SETTINGS;
        }
        if (ops->check && ops->check(s, why, why_size))
            return LSTREAM_ERR_SETTINGS;
    }
    if (s->opus_kbps && !ls_encoder_find(LS_TRACK_AUDIO, LSTREAM_AUDIO_OPUS)) {
        snprintf(why, why_size, "opus_kbps = %d: no Opus encoder in this build", s->opus_kbps);
        return LSTREAM_ERR_SETTINGS;
    }
    const LSEncoderOps *a = ls_encoder_find(LS_TRACK_AUDIO, s->audio_codec);
    if (!a) {
        snprintf(why, why_size, "audio_codec = %d: not available in this build", s->audio_codec);
        return LSTREAM_ERR_SETTINGS;
    }
    if (a->check && a->check(s, why, why_size))
        return LSTREAM_ERR_SETTINGS;
    return 0;
}

int ls_encoder_open(LSEncoder *e, const LSEncoderOps *ops, LStreamJob *job, const LSEncoderParams *p,
                    LSCodecConfig *cfg)
{
    memset(e, 0, sizeof(*e));
    memset(cfg, 0, sizeof(*cfg));
    if (!(e->priv = ls_calloc(1, ops->priv_size)))
        return LSTREAM_ERR(ENOMEM);
    e->ops = ops;
    int err = ops->open(e->priv, job, p, cfg);
    if (err) {
        ls_encoder_close(e);
        ls_codec_config_free(cfg);
    }
    return err;
}

void ls_encoder_close(LSEncoder *e)
{
    if (e->priv)
        e->ops->close(e->priv);
    free(e->priv);
    memset(e, 0, sizeof(*e));
}

void ls_codec_config_free(LSCodecConfig *c)
{
    free(c->config);
    c->config = NULL;
    c->config_size = 0;
}

uint32_t ls_video_timescale(int fps_num, int fps_den)
{
    /* 90 kHz when a frame is a whole number of ticks, else the rate's own numerator */
    if ((90000LL * fps_den) % fps_num == 0)
        return 90000;
    return (uint32_t)fps_num;
}
