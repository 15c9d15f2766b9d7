/*
 * Deterministic synthetic lectures: the built-in sample of `lstream transcode`, the bench's input set
 * and test media. Rendered in C and written with FFmpeg's libraries (MPEG-4 Part 2 at high quality +
 * AAC in MP4), so nothing is downloaded and every run makes the same bytes.
 */
#ifndef LSTREAM_SYNTH_H
#define LSTREAM_SYNTH_H

enum SynthKind {
    SYNTH_SLIDES_PIP = 0,   /* slides with a camera picture-in-picture and speech */
    SYNTH_SCREENCAST = 1,   /* slides + moving pointer, speech */
    SYNTH_TALKING_HEAD = 2, /* camera only, speech */
    SYNTH_SLIDES = 3,       /* slides only (no camera, no pointer), slides of irregular length, speech */
};

typedef struct SynthParams {
    enum SynthKind kind;
    int width, height;   /* default 1920x1080 */
    int fps;             /* default 30 */
    double duration;     /* seconds, default 60 */
    double slide_period; /* seconds between slide changes, default 10 */
    int audio;           /* 1 = speech-like audio track (default) */
    int rotate;          /* display rotation to write in the container (clockwise degrees), default 0 */
    unsigned seed;
} SynthParams;

void synth_defaults(SynthParams *p);
/* The slide shown at frame @p frame (0, 1, ...): the kinds other than SYNTH_SLIDES change slides every
 * slide_period seconds; SYNTH_SLIDES holds each slide between 0.4 and 1.6 slide periods (from the seed). The true
 * slide-change times of a generated lecture are the frames where this changes. */
int synth_slide_at(const SynthParams *p, int frame);
const char *synth_kind_name(enum SynthKind k);
/* Write the lecture to @p path (MP4). Returns 0 or a negative AVERROR; @p err gets a message. */
int synth_write(const SynthParams *p, const char *path, char *err, int err_size);

#endif
