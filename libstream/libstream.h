/*
 * libstream public API: turn one recorded lecture into an HLS + DASH bitrate ladder.
 *
 * Use:
 *     LStreamSettings s;
 *     lstream_default_settings(&s);          // then change what you need
 *     LStreamJob *job;
 *     int err = lstream_job_open(&job, &s);
 *     if (err >= 0)
 *         err = lstream_job_run(job, "lecture.mp4", "out/lecture");
 *     if (err < 0)
 *         fprintf(stderr, "%s\n", lstream_job_error(job) ? lstream_job_error(job) : lstream_strerror(err));
 *     lstream_job_close(&job);
 *
 * Threading: every function may be called from any thread; distinct jobs share no mutable state and
 * may run concurrently in one process. One job must not be used from two threads at once, except that
 * the cancel callback is polled from the thread running lstream_job_run().
 *
 * The library never prints; messages go to the log callback.
 */
#ifndef LIBSTREAM_LIBSTREAM_H
#define LIBSTREAM_LIBSTREAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LSTREAM_API __declspec(dllexport)
#elif defined(__GNUC__)
#define LSTREAM_API __attribute__((visibility("default")))
#else
#define LSTREAM_API
#endif

#define LSTREAM_VERSION_MAJOR 0
#define LSTREAM_VERSION_MINOR 1
#define LSTREAM_VERSION_PATCH 0

/**
 * Error codes. All are negative. Values in [-4095, -1] are negated errno (e.g. LSTREAM_ERR(ENOENT));
 * the named domain errors below sit outside that range so they cannot clash with errno.
 */
#define LSTREAM_ERR(e) (-(e))
enum {
    LSTREAM_ERR_INVALID_INPUT = -10001, /**< input cannot be demuxed or decoded (corrupt, truncated, not media) */
    LSTREAM_ERR_NO_STREAMS    = -10002, /**< input has neither a usable video nor audio stream */
    LSTREAM_ERR_UNSUPPORTED   = -10003, /**< input uses a codec or layout libstream cannot handle */
    LSTREAM_ERR_ENCODER       = -10004, /**< an encoder refused its settings or failed */
    LSTREAM_ERR_OUTPUT        = -10005, /**< output directory cannot be created or written */
    LSTREAM_ERR_CANCELLED     = -10006, /**< the cancel callback asked to stop */
    LSTREAM_ERR_SETTINGS      = -10007, /**< invalid settings (see lstream_job_error()) */
    LSTREAM_ERR_VALIDATION    = -10008, /**< the produced ladder breaks a MUST rule; nothing was published */
    LSTREAM_ERR_BUG           = -10009, /**< internal inconsistency; please report */
};

/** Log levels, most severe first. */
enum LStreamLogLevel {
    LSTREAM_LOG_ERROR = 0,
    LSTREAM_LOG_WARNING = 1,
    LSTREAM_LOG_INFO = 2,
    LSTREAM_LOG_DEBUG = 3,
};

/** Video codecs a rung can be encoded with. */
enum LStreamCodec {
    LSTREAM_CODEC_H264 = 0, /**< H.264 through libx264 */
};

#define LSTREAM_MAX_RUNGS 8

/** One video rung of the ladder. */
typedef struct LStreamRung {
    /** Size of the shorter picture side in pixels (e.g. 720 for 1280x720 or for 720x1280 portrait).
     *  The other side follows the source's display aspect ratio, rounded to even. Required. */
    int short_side;
    enum LStreamCodec codec;  /**< default LSTREAM_CODEC_H264 */
    /** Constant-rate-factor quality (x264 CRF, 0..51); the encoder spends only what the content needs,
     *  up to max_kbps. 0 selects pure average-bitrate mode with target_kbps. */
    float crf;
    int target_kbps;          /**< average bit rate in ABR mode (crf == 0); ignored with crf */
    int max_kbps;             /**< VBV maximum rate in kbit/s; 0 = unconstrained (CRF only) */
    int buffer_kbits;         /**< VBV buffer size in kbit; 0 = max_kbps (one second) */
} LStreamRung;

/** Progress report, passed to LStreamSettings.progress_cb. Valid only during the call. */
typedef struct LStreamProgress {
    double media_done_s;      /**< seconds of input processed */
    double media_total_s;     /**< input duration in seconds (estimate; 0 if unknown) */
    double elapsed_s;         /**< wall time since the job started */
    double speed;             /**< media seconds per wall second */
    int64_t frames_done;      /**< output frames (per rung) produced */
    const char *stage;        /**< "probe", "transcode", "package", "validate", "publish" */
} LStreamProgress;

/**
 * Settings of a job. Always initialise with lstream_default_settings() first: the struct grows at its
 * end (reserved bytes) and new fields get defaults there. Strings are borrowed: they must stay valid
 * until lstream_job_open() returns (the job copies what it keeps).
 */
typedef struct LStreamSettings {
    /** Number of video rungs in rungs[]; 0 (default) = the default lecture ladder, from the source
     *  resolution (at most 1080) down to a cellular rung whose peak, audio included, is <= 192 kbit/s. */
    int n_rungs;
    LStreamRung rungs[LSTREAM_MAX_RUNGS];
    /** Target segment duration in seconds (HLS EXT-X-TARGETDURATION). Default 6.0 (Apple 7.5).
     *  Segments are planned once for every rendition; none exceeds this. */
    double segment_duration;
    /** Threads for decode, scaling and encode (x264 and libavcodec each use up to this many; the rungs are
     *  scaled on at most this many); 0 (default) = number of CPUs. */
    int threads;
    /** x264 preset, "ultrafast" .. "placebo". Default "veryfast". */
    const char *preset;
    /** Output frame rate cap in frames/s; sources above it are halved until under. Default 30. */
    int max_fps;
    /** Audio: AAC-LC bit rate in kbit/s (default 64) and channels (default 1: lecture speech is mono;
     *  2 keeps stereo). The audio rendition is shared by every rung and listed as audio-only too. */
    int audio_kbps;
    int audio_channels;
    /** Audio language (BCP 47) for the HLS/DASH audio rendition. Default "und". */
    const char *audio_language;
    /** Run the built-in validator on the ladder before publishing; a MUST violation fails the job
     *  with LSTREAM_ERR_VALIDATION and nothing is published. Default 1. */
    int validate;
    /** Mask of CPU features the SIMD kernels and x264's assembly may use (LSTREAM_CPU_* bits; the levels are
     *  cumulative, see libstream/x264_cpu.h for x264's flags); default all (~0u), x264's own detection. */
    unsigned cpu_mask;

    /** Log callback; NULL (default) = discard. @p msg has no trailing newline and is valid only during
     *  the call. May be called from the thread running lstream_job_run(). */
    void (*log_cb)(void *opaque, int level, const char *msg);
    void *log_opaque;
    int log_level; /**< messages above this level are dropped; default LSTREAM_LOG_INFO */
    /** Progress callback, about twice a second; NULL (default) = none. */
    void (*progress_cb)(void *opaque, const LStreamProgress *p);
    void *progress_opaque;
    /** Cancel callback, polled often; return non-zero to stop. The job then fails with
     *  LSTREAM_ERR_CANCELLED and publishes nothing. NULL (default) = never cancel. */
    int (*cancel_cb)(void *opaque);
    void *cancel_opaque;

    uint8_t reserved[64]; /**< must be zero (lstream_default_settings() does it) */
} LStreamSettings;

/** Fill @p s with defaults. Never fails. */
LSTREAM_API void lstream_default_settings(LStreamSettings *s);

/**
 * Fill @p r with the default lecture-ladder parameters for a rung of @p short_side pixels (capped CRF;
 * the parameters of the nearest default size at or below it; under 240 the cellular rung's).
 */
LSTREAM_API void lstream_default_rung(int short_side, LStreamRung *r);

/** Opaque job. */
typedef struct LStreamJob LStreamJob;

/**
 * Create a job from @p s (copied; @p s and its strings may be freed after return).
 * On success *job owns a new job (free with lstream_job_close()) and 0 is returned.
 * On error *job is set to NULL and a negative code is returned.
 */
LSTREAM_API int lstream_job_open(LStreamJob **job, const LStreamSettings *s);

/**
 * Transcode @p input (any file libavformat can demux) into a ladder in directory @p outdir.
 *
 * The ladder is built in a staging directory beside @p outdir and moved into place only when complete
 * and (with settings.validate) valid: on any error nothing is published and an existing @p outdir is left
 * untouched. On success an existing @p outdir is replaced atomically.
 * Layout: outdir/master.m3u8, outdir/manifest.mpd, outdir/ladder.json, one folder per rendition.
 *
 * Blocks until done. Returns 0 or a negative error code; lstream_job_error() then describes it.
 * A job may run several inputs one after the other. Strings are borrowed for the duration of the call.
 */
LSTREAM_API int lstream_job_run(LStreamJob *job, const char *input, const char *outdir);

/**
 * Check, without doing any work, that @p input (NULL: not checked) exists and is a readable, non-empty file
 * and that @p outdir (NULL: not checked) can be written: its parent exists and is writable, and an existing
 * @p outdir is a directory that may be replaced (empty, or a libstream ladder). lstream_job_run() makes the
 * same checks first; a caller that must do expensive work before the run (e.g. fetch or generate the input)
 * calls this first. Returns 0 or the error lstream_job_run() would give; lstream_job_error() describes it.
 * Strings are borrowed for the duration of the call.
 */
LSTREAM_API int lstream_job_check(LStreamJob *job, const char *input, const char *outdir);

/**
 * Human-readable description of the last error of @p job (what, which file, why), or NULL if the last
 * run succeeded. Owned by the job; valid until the next lstream_job_run() or lstream_job_close().
 */
LSTREAM_API const char *lstream_job_error(const LStreamJob *job);

/** Free the job and set *job to NULL. Accepts NULL and *job == NULL. */
LSTREAM_API void lstream_job_close(LStreamJob **job);

/** Static English description of an error code (never NULL; not owned by the caller). */
LSTREAM_API const char *lstream_strerror(int err);

/** Version string "MAJOR.MINOR.PATCH" (static). */
LSTREAM_API const char *lstream_version(void);

/**
 * Validation of an HLS and/or DASH output against libstream's rule catalogue, doc/RULES.md in the source
 * tree (installed as share/doc/libstream/RULES.md): rule ids H*, M*, D*, each with its level and source. From
 * the files alone: playlists, MPD, init and media segments. Works on any fMP4 HLS/DASH output, not only
 * libstream's; MPEG-TS segments are listed but their content is not checked.
 */
typedef struct LStreamFinding {
    const char *rule;     /**< rule id, e.g. "H1", "M3", "D1"; "IO" for unreadable files */
    int must;             /**< 1: a MUST is broken; 0: a SHOULD (advice) */
    const char *file;     /**< file the finding is about, relative to the validated directory */
    const char *message;  /**< what is wrong, with the offending value */
} LStreamFinding;

typedef struct LStreamValidation LStreamValidation;

/**
 * Validate the output at @p path: a directory (its master.m3u8 / manifest.mpd, or the only multivariant
 * playlist and MPD found in it) or one .m3u8 / .mpd file. On success *out owns a report (free with
 * lstream_validation_free()) and 0 is returned, whatever the findings; on error (nothing to validate,
 * unreadable) *out is NULL and a negative code is returned.
 */
LSTREAM_API int lstream_validate(const char *path, LStreamValidation **out);
/** Number of findings. */
LSTREAM_API int lstream_validation_count(const LStreamValidation *v);
/** Finding @p i (0-based), owned by @p v; NULL if out of range. */
LSTREAM_API const LStreamFinding *lstream_validation_finding(const LStreamValidation *v, int i);
/** Number of MUST findings (0 = the output may be published). */
LSTREAM_API int lstream_validation_must_count(const LStreamValidation *v);
/** Number of individual checks that were carried out. */
LSTREAM_API int lstream_validation_checks(const LStreamValidation *v);
/** Free the report and set *v to NULL. Accepts NULL. */
LSTREAM_API void lstream_validation_free(LStreamValidation **v);

/** CPU feature bits for LStreamSettings.cpu_mask and lstream_cpu_flags(). */
enum {
    LSTREAM_CPU_SSE2   = 1 << 0,
    LSTREAM_CPU_SSSE3  = 1 << 1,
    LSTREAM_CPU_SSE41  = 1 << 2,
    LSTREAM_CPU_AVX2   = 1 << 3,
    LSTREAM_CPU_AVX512 = 1 << 4, /**< AVX-512 F+BW+VL */
    LSTREAM_CPU_NEON   = 1 << 8,
};

/** Features detected on this CPU (detected once, thread-safe). */
LSTREAM_API unsigned lstream_cpu_flags(void);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTREAM_LIBSTREAM_H */
