/*
 * The packaging model: what a ladder is, independent of how it was muxed. The CMAF writer appends one
 * LSSegment per written segment to its LSRendition; the HLS and DASH writers, ladder.json and the bandwidth
 * figures read only this (never the muxer's state), over a window of segments, final or still growing.
 */
#ifndef LSTREAM_PACKAGE_MODEL_H
#define LSTREAM_PACKAGE_MODEL_H

#include "libstream/encode/encoder.h"
#include "libstream/output/output.h"

typedef struct LSSegment {
    int64_t start;         /* earliest presentation time == baseMediaDecodeTime, track timescale */
    int64_t duration;      /* track timescale */
    int64_t bytes;         /* size of the segment object */
    int64_t iframe_offset; /* byte range of moof + mdat header + the first (sync) sample */
    int64_t iframe_size;
    int samples;
} LSSegment;

#define LS_MAX_RENDITIONS (LSTREAM_MAX_RUNGS + 4)

typedef struct LSRendition {
    char id[16];            /* its folder, and its id in the manifests */
    LSCodecConfig cfg;      /* owned */
    const LSRungPlan *rung; /* video: the rung it encodes (ladder.json); NULL otherwise */
    char language[36];      /* audio/text: BCP 47 */
    LSSegment *seg;
    int64_t n_seg, cap_seg;
    double peak, avg, dash_bw; /* measured bit/s (ls_rendition_measure): RFC 8216 peak, average, leaky bucket */
} LSRendition;

/* Append @p s; 0 or LSTREAM_ERR(ENOMEM). */
int ls_rendition_append(LSRendition *r, const LSSegment *s);
/* The bandwidth figures of segments [first, first + count) (count < 0: to the end). */
int ls_rendition_measure(LSRendition *r, double target, double min_buffer, int64_t first, int64_t count);
void ls_rendition_free(LSRendition *r);
static inline double ls_seg_seconds(const LSRendition *r, int64_t i)
{
    return (double)r->seg[i].duration / r->cfg.timescale;
}

typedef struct LSPresentation {
    LSRendition *r[LS_MAX_RENDITIONS]; /* video renditions largest first, then audio, in listing order */
    int n;
    int fps_num, fps_den;      /* video frame rate */
    double target;             /* planned target segment duration, seconds */
    double duration;           /* presentation duration, seconds (of the window, when live) */
    double min_buffer;         /* DASH minBufferTime */
    double availability_start; /* live: wall-clock time (Unix seconds) of presentation time 0 */
    double program_date;       /* live: wall-clock time (Unix seconds) time 0 was captured (HLS PROGRAM-DATE-TIME) */
    int event;                 /* live: the window keeps every segment (HLS PLAYLIST-TYPE:EVENT) */
    struct {
        int on;                             /* a live job made this ladder */
        int window;                         /* settings.live_window */
        double declared[LS_MAX_RENDITIONS]; /* bit/s each rendition was declared with while live (L6) */
        char id[LS_MAX_RENDITIONS][16];     /* of those renditions */
        int n;
        int64_t over;        /* segments that went over their declared rate */
        double realtime;     /* media seconds per wall-clock second over the run */
        double max_lag;      /* the most the pipeline was behind its source, seconds */
        int faster;          /* encoder speed steps taken to keep up */
        double faster_at[4]; /* media time of each step */
    } live;
    struct {
        char id[16];
        char why[160];
    } dropped[LSTREAM_MAX_RUNGS]; /* rungs encoded but left out of the manifests, and why */
    int n_dropped;
    struct {
        char file[32], video[16], audio[16]; /* empty file: none */
        int64_t bytes;
    } download;                 /* the offline file (ls_write_download) */
    const LSLadderProbe *probe; /* settings.ladder = auto: the probe that chose the rungs; else NULL */
    struct {
        int measured;
        double target, input_lufs, input_peak_db, gain_db; /* LUFS, dBFS, dB */
        const char *limit; /* what set the gain: "target", "peak" (-1 dBFS), "range" (+-20 dB), "silence" */
    } loudness;
    struct {
        int on;          /* settings.hold_repeats */
        int64_t frames;  /* frames not encoded, lengthening the sample before them instead */
        int64_t near;    /* of them, within tolerance of the picture shown (the others: exact repeats) */
        int tolerance;   /* settings.hold_tolerance */
        int64_t inset;   /* of them, between the pictures of a still stretch encoded (settings.inset_fps) */
        int inset_every; /* a still stretch encoded every this many pictures (1: every one) */
        int64_t of;      /* of the video's frames */
    } held;
    struct {
        int on;                 /* the lecture analysis ran (lecture.h) */
        const int64_t *changes; /* slide changes found: frames, ascending */
        int n_changes;
        int restarts;            /* segments started at a slide change (segplan.c); -1: the grid was fixed */
        int64_t class_frames[3]; /* still, motion, camera */
        int64_t tuned[2];        /* frames the encoders were tuned for a screen, for a camera */
        double *chapter;         /* chapter starts, seconds (the first at 0); ls_chapters_plan() */
        int *chapter_change;     /* the slide change each starts at (-1: the start) */
        int *chapter_image;      /* 1: it has a picture (thumbs/chapter_NNN.jpg) */
        int n_chapters;
        const char *language; /* of the titles (BCP 47) */
    } lecture;
    struct {
        int64_t sheets; /* storyboard sprite sheets (0: no thumbnails) */
        int tile_w, tile_h;
        int cols, rows;           /* tiles per sheet */
        double interval;          /* seconds per tile */
        int64_t bytes, bandwidth; /* all sheets; the largest sheet's bits over its duration */
    } thumbs;
} LSPresentation;

/* Chapters from the slide changes: one at 0, then one per slide change whose slide stays at least
 * LS_MIN_CHAPTER_S (a teacher flipping through slides makes one chapter, at the slide kept). Fills
 * p->lecture.chapter, chapter_change, chapter_image (ls_chapters_free()). 0 or LSTREAM_ERR(ENOMEM). */
void ls_chapters_free(LSPresentation *p);
#define LS_MIN_CHAPTER_S 4.0
/* The DASH EventStream scheme of the chapters (no standard one exists; documented in doc/RULES.md, L-rules) */
#define LS_CHAPTER_SCHEME "urn:libstream:chapters:2026"
int ls_chapters_plan(LSPresentation *p);
/* chapters.vtt and chapters.json (nothing without chapters). */
int ls_write_chapters(LSOutput *o, const LSPresentation *p);

/* p->r[k] is a video rendition, the first of its codec (sample entry) in listing order: one per video codec */
int ls_first_of_codec(const LSPresentation *p, int k);

/* A window of a rendition's segments: [first, first + count), clamped to what it has (count < 0: to the end) */
typedef struct LSWindow {
    int64_t first, count;
} LSWindow;
LSWindow ls_window(const LSRendition *r, int64_t first, int64_t count);

/* Unix time @p t as UTC with milliseconds, "2026-12-02T22:34:38.878Z" (xs:dateTime, RFC 3339): the MPD's times
 * and HLS EXT-X-PROGRAM-DATE-TIME */
void ls_utc_iso(char *out, size_t size, double t);

/* S1 (doc/RULES.md): the variant listed first starts within about LS_S1_SECONDS on a LS_S1_BPS link */
#define LS_S1_BPS     400000.0
#define LS_S1_SECONDS 1.5

/* Manifests over segments [first, first + count) of every rendition (count < 0: all). @p final: the
 * presentation is complete (VOD: HLS ENDLIST, static MPD); otherwise a live window (no ENDLIST,
 * EXT-X-MEDIA-SEQUENCE = first, dynamic MPD). */
int ls_write_hls(LSOutput *o, const LSPresentation *p, int64_t first, int64_t count, int final);
int ls_write_dash(LSOutput *o, const LSPresentation *p, int64_t first, int64_t count, int final);
int ls_write_report(LSOutput *o, const LSPresentation *p, const LSSourceInfo *src);
/* The offline file from the segments already written of @p video and @p audio (either may be NULL); fills
 * p->download. 0 or negative after ls_fail(). */
int ls_write_download(LSOutput *o, LSPresentation *p, const LSRendition *video, const LSRendition *audio);

/* ---- the CMAF writer: init segment, then one media segment object per closed segment ---- */
typedef struct LSPendingSegment {
    LSSegment seg;
    uint8_t *head, *mdat; /* styp + moof + mdat header, and the samples */
    size_t head_len, mdat_len, mdat_cap;
} LSPendingSegment;

typedef struct LSCmafWriter {
    LSRendition *r;
    LSOutput *out;
    uint8_t *mdat;
    size_t mdat_size, mdat_cap;
    struct LSSample {
        uint32_t size, duration, flags;
        int32_t cts;
    } * samp;
    int n_samp, cap_samp;
    int64_t seg_start_dts, next_dts;
    uint32_t seq;
    int64_t first; /* number of segments before this writer's first (a run that starts part-way) */
    int open_segment;
    int64_t n_closed;       /* segments closed so far */
    LSPendingSegment *pend; /* closed, not yet written */
    int n_pend, cap_pend;
    uint8_t *spare; /* a written segment\'s sample buffer, for the next one */
    size_t spare_cap;
} LSCmafWriter;

/* An init segment of @p n tracks (track_ID 1..n, in order): *out (free()) of *len bytes. 0 or ENOMEM. */
int ls_cmaf_init_bytes(const LSCodecConfig *const *c, int n, uint8_t **out, size_t *len);
/* Write @p r's init segment (from r->cfg) and get ready for samples. */
int ls_cmaf_open(LSCmafWriter *w, LSRendition *r, LSOutput *out);
/* The first segment this writer closes is segment @p first (0-based) of the rendition: its name, its
 * sequence number. Before any sample. */
void ls_cmaf_start_at(LSCmafWriter *w, int64_t first);
/* Append a sample to the current segment (opening one if needed). */
int ls_cmaf_add(LSCmafWriter *w, const LSPacket *pkt);
/* Close the current segment into memory (no-op if empty): safe on a worker thread, as it touches only @p w.
 * The output is written by ls_cmaf_write_pending(), on the thread that owns the output, in order. */
int ls_cmaf_close_segment(LSCmafWriter *w);
int ls_cmaf_write_pending(LSCmafWriter *w);
/* Both: close the current segment and write it. */
int ls_cmaf_flush(LSCmafWriter *w);
void ls_cmaf_free(LSCmafWriter *w);

#endif
