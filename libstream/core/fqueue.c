/*
 * The frame queue between the two halves of the pipeline: the input thread decodes and normalises frame n+1
 * while the driver scales and encodes frame n. A bounded ring of slots that own their copies (pictures are
 * recycled, packet buffers grow once), in order: video frames, and the audio already encoded on the input
 * thread, interleaved as the input gives them.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/core/fqueue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct LSFrameQueue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    LSQItem *slot;
    size_t *audio_cap;      /* bytes allocated per slot for audio */
    int depth, head, count; /* ring: items [head, head + count) are filled */
    int popped;             /* the consumer holds the head item */
    int stopped;            /* the consumer gave up: pushes fail */
};

int ls_fq_open(LSFrameQueue **pq, int depth)
{
    LSFrameQueue *q = ls_calloc(1, sizeof(*q));
    if (!q)
        return LSTREAM_ERR(ENOMEM);
    q->slot = ls_calloc(depth, sizeof(*q->slot));
    q->audio_cap = ls_calloc(depth, sizeof(*q->audio_cap));
    if (!q->slot || !q->audio_cap || pthread_mutex_init(&q->lock, NULL)) {
        free(q->slot);
        free(q->audio_cap);
        free(q);
        return LSTREAM_ERR(ENOMEM);
    }
    if (pthread_cond_init(&q->changed, NULL)) {
        pthread_mutex_destroy(&q->lock);
        free(q->slot);
        free(q->audio_cap);
        free(q);
        return LSTREAM_ERR(ENOMEM);
    }
    q->depth = depth;
    *pq = q;
    return 0;
}

/* Wait for a free slot; NULL once the consumer stopped. */
static LSQItem *claim(LSFrameQueue *q, int *index)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->depth && !q->stopped)
        pthread_cond_wait(&q->changed, &q->lock);
    LSQItem *it = NULL;
    if (!q->stopped) {
        *index = (q->head + q->count) % q->depth;
        it = &q->slot[*index];
    }
    pthread_mutex_unlock(&q->lock);
    return it;
}

static void publish(LSFrameQueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->count++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

int ls_fq_push_video(LSFrameQueue *q, LSPicture *pic, int64_t index, int flags)
{
    int k;
    LSQItem *it = claim(q, &k);
    if (!it)
        return LSTREAM_ERR_CANCELLED;
    int err = ls_picture_ensure(&it->pic, pic->w, pic->h);
    if (err)
        return err;
    if (pic->buf) { /* an exchange of two pictures of one size: no copy */
        const LSPicture t = it->pic;
        it->pic = *pic;
        *pic = t;
    } else {
        for (int p = 0; p < 3; p++) {
            const int w = p ? (pic->w + 1) / 2 : pic->w, h = p ? (pic->h + 1) / 2 : pic->h;
            for (int y = 0; y < h; y++)
                memcpy(it->pic.data[p] + y * it->pic.stride[p], pic->data[p] + y * pic->stride[p], w);
        }
    }
    it->type = LSQ_VIDEO;
    it->index = index;
    it->flags = flags;
    publish(q);
    return 0;
}

int ls_fq_push_packet(LSFrameQueue *q, const LSPacket *pkt, int track)
{
    int k;
    LSQItem *it = claim(q, &k);
    if (!it)
        return LSTREAM_ERR_CANCELLED;
    const size_t size = pkt->size > 0 ? (size_t)pkt->size : 1;
    if (size > q->audio_cap[k]) {
        uint8_t *b = ls_realloc(it->audio_buf, size);
        if (!b)
            return LSTREAM_ERR(ENOMEM);
        it->audio_buf = b;
        q->audio_cap[k] = size;
    }
    memcpy(it->audio_buf, pkt->data, (size_t)pkt->size);
    it->packet = *pkt;
    it->packet.data = it->audio_buf;
    it->track = track;
    it->type = LSQ_PACKET;
    publish(q);
    return 0;
}

void ls_fq_push_end(LSFrameQueue *q, int status)
{
    int k;
    LSQItem *it = claim(q, &k);
    if (!it)
        return;
    it->type = LSQ_END;
    it->status = status;
    publish(q);
}

LSQItem *ls_fq_pop(LSFrameQueue *q)
{
    pthread_mutex_lock(&q->lock);
    while (!q->count)
        pthread_cond_wait(&q->changed, &q->lock);
    LSQItem *it = &q->slot[q->head];
    pthread_mutex_unlock(&q->lock);
    return it;
}

void ls_fq_release(LSFrameQueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->head = (q->head + 1) % q->depth;
    q->count--;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void ls_fq_stop(LSFrameQueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stopped = 1;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}

void ls_fq_close(LSFrameQueue **pq)
{
    LSFrameQueue *q = *pq;
    if (!q)
        return;
    for (int i = 0; i < q->depth; i++) {
        ls_picture_free(&q->slot[i].pic);
        free(q->slot[i].audio_buf);
    }
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q->slot);
    free(q->audio_cap);
    free(q);
    *pq = NULL;
}
