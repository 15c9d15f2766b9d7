/*
 * The validator's common part, shared by its HLS and DASH halves: the report (findings, checks, failing closed
 * when memory runs out), reading files through a reader (real files, or an output's objects before commit),
 * and the bounded number parsing every value from a file goes through.
 */
#ifndef LSTREAM_VALIDATE_COMMON_H
#define LSTREAM_VALIDATE_COMMON_H

#include "libstream/internal.h"

struct LStreamValidation {
    LStreamFinding *f;
    int n, cap, must, checks;
    /* set when memory ran out: the report then carries one more MUST finding, "incomplete validation"
     * (fail closed: a report that lost findings must not pass) */
    int incomplete;
    LStreamFinding incomplete_f;
    char root[LS_PATH_MAX];
    LStreamOutput io; /* read and size: real files, or the objects of an output not yet committed */
};

#define MUST   1
#define SHOULD 0

/* Numbers read from playlists and MPDs are bounded before any arithmetic is done on them: a byte
 * offset or a timestamp past 2^53 means nothing in a VOD presentation, and anything within it can be
 * added to another such value without overflow. */
#define NUM_LIMIT    ((int64_t)1 << 53)
#define MAX_SEGMENTS 10000000 /* DASH timelines are expanded up to this (a MUST finding past it) */

void ls_v_finding(LStreamValidation *v, int must, const char *rule, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Record that a check ran; report it when it failed. Returns ok. */
int ls_v_check(LStreamValidation *v, int ok, int must, const char *rule, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Memory ran out: the validation is incomplete (a MUST finding of its own). */
void ls_v_oom(LStreamValidation *v);
/* @p path relative to the validated root */
const char *ls_v_rel(const LStreamValidation *v, const char *path);
/* Read @p len bytes at @p off of @p path (len < 0: the whole file); sizes are checked against the real
 * size before anything is allocated. NULL on error (errno ENOMEM also marks the validation incomplete). */
uint8_t *ls_v_slurp(LStreamValidation *v, const char *path, int64_t off, int64_t len, size_t *size);
void ls_v_dirname(const char *path, char *out, size_t n);
int ls_v_is_remote(const char *uri);
/* The leading decimal integer of @p s into *out when it lies in [lo, hi]; 0 (and *out untouched) when there
 * is none or it is out of range. Text after the digits is left to the caller. */
/* A declared codecs entry names @p actual (the string read from the init segment): equal, ignoring case, or for
 * VP9 the short form vp09.PP.LL.DD of it (VP Codec ISO Media File Format Binding: the colour fields optional) */
int ls_v_codec_eq(const char *declared, const char *actual);
int ls_v_parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out);
/* A JPEG file's picture size from its frame header (SOFn): 1, or 0 when it is not a JPEG. */
int ls_v_jpeg_size(const uint8_t *d, size_t n, int *w, int *h);
void ls_v_resolve(const char *base_dir, const char *uri, char *out, size_t n);
/* Grow *p (of *cap elements of @p size) to hold @p need; 0, or -1 after ls_v_oom(). */
int ls_v_grow(LStreamValidation *v, void **p, int64_t *cap, int64_t need, size_t size);

void ls_v_hls(LStreamValidation *v, const char *master);
void ls_v_dash(LStreamValidation *v, const char *mpd);

/* short names inside the validator */
#define finding                     ls_v_finding
#define check                       ls_v_check
#define rel                         ls_v_rel
#define slurp(path, off, len, size) ls_v_slurp(v, path, off, len, size)
#define dirname_of                  ls_v_dirname
#define is_remote                   ls_v_is_remote
#define parse_int                   ls_v_parse_int
#define resolve                     ls_v_resolve

#endif
