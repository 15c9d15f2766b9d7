/*
 * Lecture analysis, in the pass that already runs: every normalised picture is compared with the one before it
 * on a grid of 8x8 blocks (the SIMD SAD kernel of filters/), which gives
 *   - a per-block motion mask (blocks that keep changing: a camera picture, a video inside a slide, a pointer);
 *   - slide changes: a short burst of change over much of the rest of the picture, with a steady picture after
 *     it (decided with a look-ahead of half a second, so the frame that shows the new slide gets the IDR);
 *   - the content class of every frame (still, motion, camera);
 *   - exact repeats (a still screen recording decodes to the same picture frame after frame), which the driver
 *     need not encode again (settings.hold_repeats).
 * Thresholds and how they were chosen: doc/LECTURE.md. The pictures are handed on unchanged (a "hold" that gave
 * the encoders unchanged blocks again exactly was measured and cost bytes: doc/LECTURE.md).
 *
 * Deterministic over a bounded history: the measures depend on the last ls_lecture_history() frames, so a chunk
 * that starts decoding that many frames early makes the same decisions as a whole run (part.h).
 */
#ifndef LSTREAM_CORE_LECTURE_H
#define LSTREAM_CORE_LECTURE_H

#include "libstream/internal.h"

/* flags handed downstream with every picture */
enum {
    LS_LECT_SLIDE = 1,   /* a new slide: an IDR on every rung here; its chapter starts LS_LECT_SLIDE_AGO(flags)
                          * frames before (a transition's start; 0 for a cut) */
    LS_LECT_PICTURE = 2, /* the picture of the slide change LS_LECT_PICTURE_AGO(flags) frames before this one,
                          * settled (steady since): the chapter's thumbnail */
    LS_LECT_REPEAT = 4,  /* every sample of this picture equals the one before it (all three planes) */
    LS_LECT_INSET = 8,   /* still: the slide steady, and at most INSET_FRAC of the picture live (a camera inset, a
                          * pointer): what moves may be shown at a lower rate (settings.inset_fps) */
    LS_LECT_LIVE = 64,   /* more than LIVE_FRAC of the picture live (a camera inset, a video: more than a pointer
                          * or handwriting): the pictures after this one are encoded, not held */
};
#define LS_LECT_PICTURE_AGO(flags) (((flags) >> 8) & 1023)
#define LS_LECT_AGO_SHIFT          18
#define LS_LECT_SLIDE_AGO(flags)   (((flags) >> LS_LECT_AGO_SHIFT) & 1023)
/* bits 4-5: the frame's enum LSContentClass (internal.h) */
#define LS_LECT_CLASS(flags) (((flags) >> 4) & 3)

/* @p pic is the analysis's copy, which it never looks at again: the sink may take its buffers, leaving @p pic a
 * picture of the same size with its own allocation (ls_fq_push_video()). */
typedef int (*LSLectureSink)(void *opaque, LSPicture *pic, int64_t index, int flags);

typedef struct LSLectureParams {
    int w, h; /* set from the first picture */
    int fps_num, fps_den;
    int detect;    /* slide changes */
    int64_t first; /* pictures before it are analysed (history) but not handed on */
} LSLectureParams;

typedef struct LSLecture LSLecture;

/* Frames of history the analysis looks back on (a chunk must decode at least this many before its first). */
int ls_lecture_history(int fps_num, int fps_den);
int ls_lecture_open(LSLecture **l, LStreamJob *job, const LSLectureParams *p, LSLectureSink sink, void *opaque);
/* An LSFrameSink (the normaliser's): pictures in index order, consecutive; an owned picture is taken by exchange. */
int ls_lecture_push(void *l, LSPicture *pic, int64_t index, int repeat);
/* End of the pictures: hand on the ones still held for look-ahead. */
int ls_lecture_finish(LSLecture *l);
void ls_lecture_close(LSLecture **l);

#endif
