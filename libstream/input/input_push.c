/*
 * The push input: pictures and audio a host hands to a live job (lstream_live_push_video/_audio), through a
 * bounded queue, read by the pipeline's input thread like any other input. The host blocks while the queue is
 * full (a second of pictures), so memory stays bounded when the encoders fall behind.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/input/input.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct PushItem {
    int type;      /* LS_ITEM_VIDEO, LS_ITEM_AUDIO */
    uint8_t *data; /* video: I420 planes, packed; audio: interleaved float */
    int nb_samples;
    double pts;
} PushItem;

struct LSPushQueue {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* any change: an item in, an item out, the end, the reader gone */
    PushItem *items;
    int cap, head, n;
    int videos; /* pictures in the queue (the bound) */
    int max_videos;
    int ended;  /* the host closed: read the rest, then LS_EOF */
    int failed; /* the reader is gone (the job failed or ended): pushes return this */
    LStreamLiveFormat fmt;
};

int ls_push_queue_open(LSPushQueue **out, const LStreamLiveFormat *fmt)
{
    LSPushQueue *q = ls_calloc(1, sizeof(*q));
    if (!q)
        return LSTREAM_ERR(ENOMEM);
    q->fmt = *fmt;
    const double fps = (double)fmt->fps_num / fmt->fps_den;
    q->max_videos = (int)ceil(fps) < 8 ? 8 : (int)ceil(fps);
    q->cap = q->max_videos * 8 + 64; /* room for the audio between the pictures */
    if (!(q->items = ls_calloc(q->cap, sizeof(*q->items)))) {
        free(q);
        return LSTREAM_ERR(ENOMEM);
    }
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    *out = q;
    return 0;
}

void ls_push_queue_close(LSPushQueue **pq)
{
    LSPushQueue *q = *pq;
    if (!q)
        return;
    for (int i = 0; i < q->n; i++)
        free(q->items[(q->head + i) % q->cap].data);
    free(q->items);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q);
    *pq = NULL;
}

/* Queue @p data (owned from here on). 0, or @p q->failed (the data is freed). */
static int put(LSPushQueue *q, int type, uint8_t *data, int nb_samples, double pts)
{
    pthread_mutex_lock(&q->lock);
    while (!q->failed && !q->ended && (q->n == q->cap || (type == LS_ITEM_VIDEO && q->videos >= q->max_videos)))
        pthread_cond_wait(&q->cond, &q->lock);
    int err = q->failed ? q->failed : q->ended ? LSTREAM_ERR(EINVAL) : 0;
    if (!err) {
        q->items[(q->head + q->n) % q->cap] = (PushItem){ type, data, nb_samples, pts };
        q->n++;
        q->videos += type == LS_ITEM_VIDEO;
        pthread_cond_broadcast(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    if (err)
        free(data);
    return err;
}

int ls_push_video(LSPushQueue *q, const uint8_t *const planes[3], const ptrdiff_t strides[3], double pts)
{
    const int w = q->fmt.width, h = q->fmt.height, cw = w / 2, ch = h / 2;
    uint8_t *d = ls_malloc((size_t)w * h + 2 * (size_t)cw * ch);
    if (!d)
        return LSTREAM_ERR(ENOMEM);
    uint8_t *p = d;
    for (int pl = 0; pl < 3; pl++) {
        const int pw = pl ? cw : w, ph = pl ? ch : h;
        for (int y = 0; y < ph; y++, p += pw)
            memcpy(p, planes[pl] + y * strides[pl], pw);
    }
    return put(q, LS_ITEM_VIDEO, d, 0, pts);
}

int ls_push_audio(LSPushQueue *q, const float *samples, int nb_samples, double pts)
{
    const size_t n = (size_t)nb_samples * q->fmt.channels;
    uint8_t *d = ls_malloc(n ? n * sizeof(float) : 1);
    if (!d)
        return LSTREAM_ERR(ENOMEM);
    memcpy(d, samples, n * sizeof(float));
    return put(q, LS_ITEM_AUDIO, d, nb_samples, pts);
}

void ls_push_end(LSPushQueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->ended = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void ls_push_fail(LSPushQueue *q, int err)
{
    pthread_mutex_lock(&q->lock);
    if (!q->failed)
        q->failed = err < 0 ? err : LSTREAM_ERR(EPIPE);
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

/* ---- the input ops table over the queue ---- */
typedef struct Push {
    LSPushQueue *q;
    PushItem cur; /* the item last read: its data lives until the next read */
    const uint8_t *planes[1];
} Push;

static int push_open(void *priv, LStreamJob *job, const char *url, LSSourceInfo *info)
{
    Push *p = priv;
    if (!job->push)
        return ls_fail(job, LSTREAM_ERR_BUG, "push input without a queue");
    p->q = job->push;
    const LStreamLiveFormat *f = &p->q->fmt;
    ls_source_info_live(info, url, "push", f->width, f->height, 1, 1, f->fps_num, f->fps_den, f->sample_rate,
                        f->channels);
    return 0;
}

static int push_read(void *priv, LSInputItem *item)
{
    Push *p = priv;
    LSPushQueue *q = p->q;
    free(p->cur.data);
    p->cur.data = NULL;
    pthread_mutex_lock(&q->lock);
    while (!q->n && !q->ended)
        pthread_cond_wait(&q->cond, &q->lock);
    if (!q->n) {
        pthread_mutex_unlock(&q->lock);
        return LS_EOF;
    }
    p->cur = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    q->videos -= p->cur.type == LS_ITEM_VIDEO;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    const LStreamLiveFormat *f = &q->fmt;
    memset(item, 0, sizeof(*item));
    item->type = p->cur.type;
    if (item->type == LS_ITEM_VIDEO) {
        LSVideoFrame *v = &item->video;
        const size_t ys = (size_t)f->width * f->height, cs = ys / 4;
        v->data[0] = p->cur.data;
        v->data[1] = p->cur.data + ys;
        v->data[2] = p->cur.data + ys + cs;
        v->stride[0] = f->width;
        v->stride[1] = v->stride[2] = f->width / 2;
        v->w = f->width;
        v->h = f->height;
        v->format = LS_PIX_I420;
        v->pts = p->cur.pts;
        v->duration = (double)f->fps_den / f->fps_num;
    } else {
        LSAudio *a = &item->audio;
        p->planes[0] = p->cur.data;
        a->data = p->planes;
        a->nb_samples = p->cur.nb_samples;
        a->format = LS_SAMPLE_FLT;
        a->sample_rate = f->sample_rate;
        a->channels = f->channels;
        a->pts = p->cur.pts;
    }
    return 0;
}

static void push_close(void *priv)
{
    Push *p = priv;
    free(p->cur.data);
    p->cur.data = NULL;
}

const LSInputOps ls_input_push = {
    .name = "push",
    .priv_size = sizeof(Push),
    .open = push_open,
    .read = push_read,
    .close = push_close,
};
