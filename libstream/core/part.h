/*
 * Parts of a chunked encode (README, "One lecture across a cluster"). Every rung shares one segment plan and
 * every chunk_span-th segment starts with an IDR from a fresh encoder, so the video can be cut there and
 * each chunk encoded on its own machine into its final segments; the audio is one more part; finalize joins
 * the parts' segment tables into the ladder. A part is a folder beside the ladder, OUTDIR.parts/<part>/,
 * published atomically like a ladder, holding its segments and part.txt: what it is, which input and
 * settings made it, and its segments. This file owns the folder names and part.txt, nothing else.
 */
#ifndef LSTREAM_CORE_PART_H
#define LSTREAM_CORE_PART_H

#include "libstream/package/model.h"

enum LSPartKind {
    LS_PART_WHOLE = 0, /* an ordinary run: the whole ladder */
    LS_PART_VIDEO,     /* video chunk k of n */
    LS_PART_AUDIO,     /* every audio rendition, whole */
    LS_PART_FINALIZE,  /* join the parts, publish the ladder */
};

typedef struct LSPart {
    int kind;
    int k, n; /* LS_PART_VIDEO: chunk k of n, 1 <= k <= n */
} LSPart;

/* The folder of part @p p ("OUTDIR.parts/video-K-of-N", "OUTDIR.parts/audio"), or with @p p NULL the
 * parts folder itself. 0, or LSTREAM_ERR(ENAMETOOLONG). */
int ls_part_dir(char *out, size_t size, const char *outdir, const LSPart *p);

/* Video chunk @p p's segments of @p plan: [*first, *end), *end = -1 for the last chunk (to the end of the
 * video, however long it turns out). Chunks cut on the encoders' grid (every @p span segments, span > 0)
 * and split its spans as evenly as they divide; a chunk may be empty when there are fewer spans than chunks. */
void ls_part_segments(const LSPart *p, const LSSegPlan *plan, int span, int64_t *first, int64_t *end);

/* One rendition's segments in a part. */
typedef struct LSPartTrack {
    char id[16];
    int64_t first; /* 0-based number of its first segment in the ladder */
    int64_t n;
    LSSegment *seg;
} LSPartTrack;

/* What a part records, and finalize reads. */
typedef struct LSPartRecord {
    LSPart part;
    char input[LS_PATH_MAX];
    int64_t input_size, input_mtime;
    char settings[2048];    /* "name=value" lines: the settings that shape the media (ls_part_settings) */
    int64_t video_frames;   /* the video's length in frames if this part read it to its end, else -1 */
    struct LSDamage damage; /* what this part saw of the input's damage */
    int n_tracks;
    LSPartTrack track[LS_MAX_RENDITIONS];
    int64_t *slides;    /* the slide changes this video part found (frames, ascending; lecture.h) */
    int64_t lecture[3]; /* and its frames still, in motion, of a camera (lecture.h) */
    int64_t held;       /* its frames held (settings.hold_repeats) */
    int64_t held_near;  /* of them, within settings.hold_tolerance of the picture shown, not exact repeats */
    int64_t held_inset; /* of them, between the pictures of a still stretch encoded (settings.inset_fps) */
    int64_t tuned[2];   /* its frames the encoders were tuned for a screen, for a camera (encoder.h content()) */
    int n_slides;
} LSPartRecord;

/* The settings that shape the media, as "name=value\n" lines that lstream_settings_set() takes back. */
int ls_part_settings(const LStreamSettings *s, char *buf, size_t size);
/* Apply such lines to @p s. 0 or ls_fail() naming the line. */
int ls_part_apply_settings(LStreamJob *job, LStreamSettings *s, const char *lines, const char *from);
/* Fill rec->input_size/input_mtime from the file; 0 or ls_fail(). */
int ls_part_stat_input(LStreamJob *job, const char *path, int64_t *size, int64_t *mtime);

/* Write @p rec, with the segments of @p r (each from its writer's first segment @p first[i]), as part.txt. */
int ls_part_write(LSOutput *o, const LSPartRecord *rec, LSRendition *const *r, const int64_t *first, int n);

/* Read every part in OUTDIR.parts: *recs (owned, ls_part_records_free()), *n of them, video chunks in
 * order then the audio part. Checks they belong together (same input, settings and chunk count; no chunk
 * missing or twice); 0 or ls_fail() saying what is missing or which part disagrees and how. */
int ls_parts_read(LStreamJob *job, const char *outdir, LSPartRecord **recs, int *n);
void ls_part_records_free(LSPartRecord **recs, int n);

#endif
