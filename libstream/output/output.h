/*
 * The output seam. Every byte of a ladder is one named object written through an LStreamOutput (public,
 * libstream.h): the built-in staged directory (dir.c) or the host's own. The names of every object a ladder
 * has are defined here and nowhere else.
 */
#ifndef LSTREAM_OUTPUT_OUTPUT_H
#define LSTREAM_OUTPUT_OUTPUT_H

#include "libstream/libstream.h"

#include <stddef.h>
#include <stdint.h>

struct LSBuf;

/* ---- names: the one table of what a ladder's objects are called ---- */
#define LS_NAME_MASTER         "master.m3u8"          /* HLS multivariant playlist */
#define LS_NAME_MPD            "manifest.mpd"         /* DASH MPD */
#define LS_NAME_REPORT         "ladder.json"          /* machine-readable description, and libstream's ownership mark */
#define LS_NAME_DOWNLOAD       "download.mp4"         /* the offline file: lowest rung + data-saver audio */
#define LS_NAME_CHAPTERS_VTT   "chapters.vtt"         /* chapters from slide changes: WebVTT */
#define LS_NAME_THUMB_DIR      "thumbs"               /* thumbnails (core/thumbs.c), in this folder: */
#define LS_NAME_THUMB_SHEET    "tile_%05lld.jpg"      /*   storyboard sprite sheet, numbered from 1 */
#define LS_NAME_THUMB_VTT      "thumbs.vtt"           /*   WebVTT storyboard */
#define LS_NAME_THUMB_PLAYLIST "images.m3u8"          /*   HLS image media playlist */
#define LS_NAME_THUMB_CHAPTER  "chapter_%03d.jpg"     /*   a chapter's picture */
#define LS_NAME_CHAPTERS_JSON  "chapters.json"        /* the same, Apple's HLS JSON chapters (EXT-X-SESSION-DATA) */
#define LS_NAME_PART           "part.txt"             /* a part of a chunked encode: its segments, and its mark */
#define LS_NAME_PART_THUMBS    "thumbs.raw"           /* a video part's thumbnail pictures, raw (core/thumbs.c) */
#define LS_NAME_PARTS          "%s.parts"             /* the folder of a ladder's parts, beside it */
#define LS_NAME_INIT           "init.mp4"             /* per rendition: CMAF header */
#define LS_NAME_PLAYLIST       "index.m3u8"           /* per rendition: HLS media playlist */
#define LS_NAME_IFRAMES        "iframes.m3u8"         /* per video rendition: HLS I-frame playlist */
#define LS_NAME_SEGMENT        "seg_%05lld.m4s"       /* per rendition: media segment, numbered from 1 */
#define LS_NAME_SEGMENT_DASH   "seg_$Number%05d$.m4s" /* the same names as a DASH SegmentTemplate */
#define LS_NAME_AUDIO          "audio"                /* the audio rendition's folder */
#define LS_NAME_OPUS           "opus"                 /* the Opus speech rendition\'s folder, beside the AAC one */
#define LS_NAME_VIDEO          "v%d"                  /* a video rendition's folder, by its short side */

/* "rendition/file" into @p out */
void ls_name_in(char *out, size_t size, const char *rendition, const char *file);
/* "rendition/seg_NNNNN.m4s" (number from 1) */
void ls_name_segment(char *out, size_t size, const char *rendition, int64_t number);

/* ---- writing ---- */
typedef struct LSOutput {
    LStreamOutput cb;
    LStreamJob *job;
    int64_t objects, bytes; /* written so far */
} LSOutput;

/* Check that @p cb has what a job needs (read/size when validating). 0 or ls_fail(). */
int ls_output_init(LSOutput *o, LStreamJob *job, const LStreamOutput *cb);
/* Write object @p name whole, from @p a then @p b (either may be empty). 0 or negative after ls_fail(). */
int ls_output_put(LSOutput *o, const char *name, const void *a, size_t na, const void *b, size_t nb);
/* Write a text buffer as object @p name and free it (also on error). */
int ls_output_put_buf(LSOutput *o, struct LSBuf *b, const char *name);
/* Read @p len bytes at @p off of object @p name (len < 0: all of it) into a new buffer (NUL-terminated,
 * free() it), *size its length. NULL on error with errno set (ENOENT, EFBIG, ERANGE, ENOMEM, EIO). */
uint8_t *ls_output_slurp(const LStreamOutput *cb, const char *name, int64_t off, int64_t len, size_t *size);

/* ---- the built-in output: a staging directory beside OUTDIR, published atomically ---- */
typedef struct LSDirOutput LSDirOutput;
/* Check OUTDIR, create the staging directory and fill @p cb with callbacks over it. */
int ls_dir_output_open(LSDirOutput **d, LStreamJob *job, const char *outdir, LStreamOutput *cb);
/* Live: objects written straight into OUTDIR (a new or empty folder), each by write + rename, so a web server
 * serving it never serves half a playlist; commit() leaves them, and so does abort() (what was shown stays). */
int ls_live_output_check(LStreamJob *job, const char *outdir);
int ls_dir_output_open_live(LSDirOutput **d, LStreamJob *job, const char *outdir, LStreamOutput *cb);
/* Free; a staging directory that was neither committed nor aborted is removed. */
void ls_dir_output_close(LSDirOutput **d);
/* Remove a directory tree (no error: what cannot be removed stays). */
void ls_rm_tree(const char *path);
/* Callbacks reading real files by path, for validating a directory (lstream_validate). */
void ls_file_reader(LStreamOutput *cb);

#endif
