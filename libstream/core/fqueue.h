/* The frame queue between the input thread and the driver (fqueue.c). */
#ifndef LSTREAM_CORE_FQUEUE_H
#define LSTREAM_CORE_FQUEUE_H

#include "libstream/internal.h"

enum { LSQ_VIDEO = 1, LSQ_PACKET, LSQ_END };

typedef struct LSQItem {
    int type;
    LSPicture pic;   /* LSQ_VIDEO: a copy, owned by the queue */
    int64_t index;   /* its constant-rate slot */
    int flags;       /* LSQ_VIDEO: the lecture analysis's (lecture.h) */
    LSPacket packet; /* LSQ_PACKET: an encoded audio packet, its data in audio_buf */
    int track;       /* LSQ_PACKET: which audio rendition */
    int status;      /* LSQ_END: the input thread's result (0 or a negative error) */
    uint8_t *audio_buf;
} LSQItem;

typedef struct LSFrameQueue LSFrameQueue;

int ls_fq_open(LSFrameQueue **q, int depth);
/* Producer (blocks while the queue is full; LSTREAM_ERR_CANCELLED once the consumer stopped). A picture with its
 * own allocation (pic->buf) is taken, not copied: @p pic gets the queue slot's buffers instead, a picture of the
 * same size whose samples are undefined. A view (pic->buf NULL) is copied. */
int ls_fq_push_video(LSFrameQueue *q, LSPicture *pic, int64_t index, int flags);
int ls_fq_push_packet(LSFrameQueue *q, const LSPacket *pkt, int track);
void ls_fq_push_end(LSFrameQueue *q, int status);
/* Consumer: the oldest item (blocks until there is one), valid until ls_fq_release(). */
LSQItem *ls_fq_pop(LSFrameQueue *q);
void ls_fq_release(LSFrameQueue *q);
/* The consumer gives up: the producer's pushes fail from now on. */
void ls_fq_stop(LSFrameQueue *q);
void ls_fq_close(LSFrameQueue **q);

#endif
