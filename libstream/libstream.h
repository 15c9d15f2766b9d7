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
 * may run concurrently in one process. One job must not be used from two threads at once. A running job
 * uses threads of its own (settings.threads): its log callback may be called from any of them, but never
 * twice at once; its cancel callback is polled from them too; progress comes from the thread running the job.
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
    LSTREAM_ERR_NO_STREAMS = -10002,    /**< input has neither a usable video nor audio stream */
    LSTREAM_ERR_UNSUPPORTED = -10003,   /**< input uses a codec or layout libstream cannot handle */
    LSTREAM_ERR_ENCODER = -10004,       /**< an encoder refused its settings or failed */
    LSTREAM_ERR_OUTPUT = -10005,        /**< output directory cannot be created or written */
    LSTREAM_ERR_CANCELLED = -10006,     /**< the cancel callback asked to stop */
    LSTREAM_ERR_SETTINGS = -10007,      /**< invalid settings (see lstream_job_error()) */
    LSTREAM_ERR_VALIDATION = -10008,    /**< the produced ladder breaks a MUST rule; nothing was published */
    LSTREAM_ERR_BUG = -10009,           /**< internal inconsistency; please report */
    LSTREAM_ERR_SETTING_NAME = -10010,  /**< lstream_settings_set(): no setting of that name */
    LSTREAM_ERR_SETTING_VALUE = -10011, /**< lstream_settings_set(): the value is not valid for that setting */
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
    LSTREAM_CODEC_VP9 = 1,  /**< VP9 through libvpx, in builds with it (else settings naming it are refused) */
};

/** Audio codecs. */
enum LStreamAudioCodec {
    LSTREAM_AUDIO_AAC = 0,  /**< AAC-LC through libavcodec */
    LSTREAM_AUDIO_OPUS = 1, /**< Opus through libopus (libavcodec); speech at 16-32 kbit/s */
};

/** How the video rungs are chosen (settings.ladder). */
enum LStreamLadderMode {
    LSTREAM_LADDER_FIXED = 0, /**< every rung of the planned ladder is encoded */
    LSTREAM_LADDER_AUTO = 1,  /**< content-adaptive: probe encodes decide which rungs are worth their bytes */
};

#define LSTREAM_MAX_RUNGS 8

/** One video rung of the ladder. */
typedef struct LStreamRung {
    /** Size of the shorter picture side in pixels (e.g. 720 for 1280x720 or for 720x1280 portrait).
     *  The other side follows the source's display aspect ratio, rounded to even. Required. */
    int short_side;
    enum LStreamCodec codec; /**< default LSTREAM_CODEC_H264 */
    /** Constant-rate-factor quality (x264 CRF, 0..51); the encoder spends only what the content needs,
     *  up to max_kbps. 0 selects pure average-bitrate mode with target_kbps. */
    float crf;
    int target_kbps;      /**< average bit rate in ABR mode (crf == 0); ignored with crf */
    int max_kbps;         /**< VBV maximum rate in kbit/s; 0 = unconstrained (CRF only) */
    int buffer_kbits;     /**< VBV buffer size in kbit; 0 = max_kbps (one second) */
    uint8_t reserved[32]; /**< must be zero (lstream_default_rung() does it): fields to come */
} LStreamRung;

/** Progress report, passed to LStreamSettings.progress_cb. Valid only during the call. */
typedef struct LStreamProgress {
    double media_done_s;  /**< seconds of input processed */
    double media_total_s; /**< input duration in seconds (estimate; 0 if unknown) */
    double elapsed_s;     /**< wall time since the job started */
    double speed;         /**< media seconds per wall second */
    int64_t frames_done;  /**< output frames (per rung) produced */
    const char *stage;    /**< "probe", "transcode", "package", "validate", "publish" */
} LStreamProgress;

/**
 * Settings of a job. Always initialise with lstream_default_settings() first: the struct grows at its end
 * (reserved bytes; per rung too) and new fields get defaults there. A language binding compares
 * lstream_settings_size() with its own idea of sizeof(LStreamSettings), or sets every field by name with
 * lstream_settings_set() and never touches the layout. The struct owns no memory: strings are arrays.
 */
typedef struct LStreamSettings {
    /** Target segment duration in seconds (HLS EXT-X-TARGETDURATION), 1..60. Default 6.0 (Apple 7.5).
     *  Segments are planned once for every rendition; none exceeds this. */
    double segment_duration;
    /** The job's thread budget, 0..256; 0 (default) = the CPUs this process may use. The rungs of a frame are
     *  scaled and encoded in parallel on this many threads (at most one per rung), and with 2 or more the
     *  input is decoded on one more. Every encoder runs one frame at a time, so the output is byte-identical
     *  whatever the budget. (The video decoder may start threads of its own.) */
    int threads;
    /** Encoder speed preset (x264's names, "ultrafast" .. "placebo"). Default "veryfast". */
    char preset[32];
    /** Output frame rate cap in frames/s, 1..120; sources above it are halved until under. Default 30. */
    int max_fps;
    /** Audio codec (default LSTREAM_AUDIO_AAC), bit rate in kbit/s (16..320, default 64) and channels (1 or 2;
     *  default 1: lecture speech is mono). The audio rendition is shared by every rung and listed as
     *  audio-only too. */
    enum LStreamAudioCodec audio_codec;
    int audio_kbps;
    int audio_channels;
    /** Audio language (BCP 47: letters, digits and '-') for the HLS/DASH audio rendition. Default "und". */
    char audio_language[36];
    /** Run the built-in validator on the ladder before publishing; a MUST violation fails the job
     *  with LSTREAM_ERR_VALIDATION and nothing is published. Default 1. */
    int validate;
    /** Mask of CPU features the SIMD kernels and the encoders' own assembly may use (LSTREAM_CPU_* bits). The
     *  x86 levels are cumulative: a level is used only if every level below it is allowed too, and x264 is
     *  limited to the same level. Default all (~0u): everything the CPU has, x264's own detection. */
    unsigned cpu_mask;
    /** 1 (default): FFmpeg's messages (av_log) go to log_cb instead of stderr, through a process-wide
     *  av_log_set_callback() made when the first job that wants it opens an FFmpeg adapter. 0: libstream
     *  never touches av_log, so a host that uses FFmpeg itself keeps its own callback (FFmpeg's messages
     *  during jobs then go wherever the host sends them). */
    int ffmpeg_log;
    /** Opus bit rate in kbit/s for a second audio rendition beside AAC (6..256; 0: none; default 20). Opus in
     *  VoIP mode keeps lecture speech clear at 16-32 kbit/s, a third to a half of AAC's; players that take Opus
     *  in MP4 (Chrome, Firefox, Android; hls.js, dash.js, Shaka there) can choose it, the others keep AAC. */
    int opus_kbps;
    /** 0 (default): damage in the input is concealed and counted (corrupt packets go to the decoders, a read
     *  error ends the input where it stands, frames missing at the end are accepted), and the file is refused
     *  only past clear thresholds (more than 5 % of packets damaged or frames missing, or the first 10 s
     *  undecodable); the figures go to the log and ladder.json. 1: refuse at the first damaged packet, decode
     *  or read error, and any file whose media end before its header's duration. */
    int strict;

    /** Log callback; NULL (default) = discard. @p msg has no trailing newline and is valid only during
     *  the call. Called from the job's threads, one call at a time (see Threading above). */
    void (*log_cb)(void *opaque, int level, const char *msg);
    void *log_opaque;
    int log_level; /**< messages above this level are dropped; default LSTREAM_LOG_INFO */
    /** Progress callback, about twice a second; NULL (default) = none. */
    void (*progress_cb)(void *opaque, const LStreamProgress *p);
    void *progress_opaque;
    /** Cancel callback, polled often, from the job's threads; return non-zero to stop. The job then fails
     *  with LSTREAM_ERR_CANCELLED and publishes nothing. NULL (default) = never cancel. */
    int (*cancel_cb)(void *opaque);
    void *cancel_opaque;

    /** Number of video rungs in rungs[]; 0 (default) = the default lecture ladder, from the source
     *  resolution (at most 1080) down to a cellular rung whose peak, audio included, is <= 192 kbit/s. */
    int n_rungs;
    LStreamRung rungs[LSTREAM_MAX_RUNGS];

    /** Segments each video encoder makes before a fresh one takes over (with an IDR, from nothing of the
     *  encoder before): the grid a chunked encode cuts on (lstream_job_run_chunk()), and what lets it be
     *  byte-identical to a whole run with the same chunk_span. 0 (default): one encoder for the whole
     *  lecture, no chunked encodes. Each restart costs a little quality on slides (the fresh encoder's first
     *  IDR has no history): 10 (a minute at 6 s segments) costs ~0.15 dB PSNR on the generated 120 s lecture,
     *  1 costs 1-2 dB (BENCHMARKS.md). */
    int chunk_span;
    /** 1 (default): the ladder also gets download.mp4, one self-contained file of the lowest video rung and
     *  the data-saver audio (the audio rendition of the lowest bit rate: Opus by default, else AAC) for watching offline, listed in
     *  ladder.json and the HLS multivariant playlist (EXT-X-SESSION-DATA "org.libstream.download"). 0: none. */
    int download;
    /** Target integrated loudness in LUFS (EBU R128 / ITU-R BS.1770), -40..-5, or 0 for none; default -16, for
     *  phone speakers and earbuds (lectures are often recorded far too quietly). The audio is measured first (a
     *  decode of the audio alone) and one gain applied to the whole lecture, never more than lifts its sample
     *  peak to -2 dBFS, at most +-20 dB; the figures go to ladder.json ("loudness"). */
    double loudness;
    /** The lowest N rungs (0..3) of the ladder are also encoded in VP9 through libvpx, beside their H.264 twins:
     *  the same size and grid, about a third fewer bytes at equal SSIM on lecture content (BENCHMARKS.md), for
     *  the players that take VP9 in MP4 (Chrome, Firefox, Android); Safari and old devices keep H.264. HLS
     *  lists them as further variants (never the first), DASH as a second video AdaptationSet. Applies to the
     *  default ladder and to explicit rungs alike (rungs may also name VP9 themselves, ":vp9"). Default 0. */
    int vp9_rungs;
    /** 1 (default): lecture-aware encoding. The decoded pictures are analysed as they pass (doc/LECTURE.md):
     *  every slide change becomes an IDR on every rung and a chapter (WebVTT, HLS EXT-X-SESSION-DATA
     *  "com.apple.hls.chapters", a DASH EventStream), with the slide's picture when thumbnails are on; ladder.json
     *  lists the changes and how long the lecture was still, in motion or a camera picture. 0: none of it. */
    int lecture;
    /** 1 (default): thumbnails: JPEG sprite sheets of the lecture at regular intervals (a DASH image
     *  AdaptationSet, an HLS image playlist, a WebVTT storyboard) and, with lecture, one JPEG per chapter. */
    int thumbnails;
    /** Live jobs (lstream_live_open(), lstream_job_run_live()): segments each live media playlist and the
     *  dynamic MPD's time-shift buffer keep (6..100000; RFC 8216 6.2.2 asks for at least 3 target durations,
     *  Apple for 6 segments), or 0: an EVENT playlist that keeps every segment. Every segment stays on disk
     *  either way: the lecture becomes the VOD ladder when the class ends. Default 10. */
    int live_window;
    /** LSTREAM_LADDER_AUTO: a content-adaptive ladder (doc/LECTURE.md). Before the encode, short stretches of the
     *  lecture are encoded at every planned H.264 rung at three CRFs, each decoded picture scaled back to the top
     *  rung's size and compared with the source (SSIM); a middle rung stays only if it is on the rate-quality
     *  convex hull and meaningfully cheaper than the rung above it (at most 1/1.5 of its bits). The top rung and
     *  the lowest (cellular) rung always stay, audio-only too; VP9 twins follow the H.264 rungs that stay. The
     *  probe figures and the choice go to ladder.json ("ladder_probe"). Not for live jobs. Default FIXED. */
    enum LStreamLadderMode ladder;
    /** 1 (default): a picture that repeats the one before it exactly (a still slide of a screen recording, a
     *  frozen capture) is not encoded again: the sample before it lasts longer (variable sample durations in
     *  the fMP4 track, as ISO/IEC 14496-12 and CMAF allow), at most one second, never across a segment start
     *  or an IDR. The picture shown is the same; no encoder or scaler works on it (doc/LECTURE.md, measured in
     *  BENCHMARKS.md). 0: one sample per source frame (a constant frame rate). */
    int hold_repeats;
    /** 0..16 (default 3): with hold_repeats, a picture none of whose samples (Y, Cb, Cr) differs by more than this
     *  from the picture last encoded counts as a repeat too: the coding noise of a still screen recording (its
     *  encoder refining the same slide frame after frame, an I-frame re-quantising it) is not encoded again. The
     *  difference is to the picture on screen, not the frame before, so a slow fade is encoded as it goes; never
     *  while the lecture analysis calls the picture "camera". 0: exact repeats only. */
    int hold_tolerance;
    /** 0..120 (default 12): with hold_repeats and lecture, the lowest frame rate of a still stretch, one where the
     *  slide stays steady and only a small part of the picture moves (a camera inset, a pointer, a small video in
     *  a slide; doc/LECTURE.md): there every Nth picture is encoded, N the largest with the source's rate / N >= this
     *  (30 fps: 15, 25 fps: 12.5); the pictures between are held as repeats are (the sample before lasts longer).
     *  A slide change, a segment start, a full-screen camera and motion over the slide (scrolling, a slide
     *  build) keep every picture. 0: every picture. */
    int inset_fps;
    uint8_t reserved[16]; /**< must be zero (lstream_default_settings() does it) */
} LStreamSettings;

/** Fill @p s with defaults. Never fails. */
LSTREAM_API void lstream_default_settings(LStreamSettings *s);

/** sizeof(LStreamSettings) as this library was built: a binding compares it with its own layout. */
LSTREAM_API size_t lstream_settings_size(void);

/**
 * Set one setting by name from text, as a command line or a configuration file gives it (the model is
 * x264_param_parse()). Names are the field names: "segment_duration", "threads", "preset", "max_fps",
 * "audio_codec" ("aac", "opus"), "audio_kbps", "opus_kbps", "audio_channels", "audio_language", "validate", "cpu_mask" (a level:
 * c, sse2, ssse3, sse41, avx2, avx512, neon, all; or a number), "ffmpeg_log", "strict", "chunk_span", "download", "loudness", "ladder" (fixed, auto), "hold_repeats", "hold_tolerance", "inset_fps", "log_level" (error, warning,
 * info, debug or 0..3) and "rungs": a comma-separated list of short sides, largest first, each optionally
 * followed by ":crf=N", ":max=KBPS", ":buf=KBIT" or ":kbps=N" (average bit rate instead of CRF), e.g.
 * "720,480:crf=24,240"; "default" selects the default lecture ladder. Booleans take 1/0, yes/no, true/false.
 * Returns 0, LSTREAM_ERR_SETTING_NAME (unknown name) or LSTREAM_ERR_SETTING_VALUE (the value is not valid for
 * that setting: lstream_settings_help() says what is); on error @p s is unchanged. Strings are copied.
 */
LSTREAM_API int lstream_settings_set(LStreamSettings *s, const char *name, const char *value);

/**
 * The callbacks of @p s, for language bindings that set everything else by name and never mirror the
 * struct's layout (the same fields as log_cb/log_opaque, progress_cb/progress_opaque, cancel_cb/cancel_opaque;
 * NULL turns one off).
 */
LSTREAM_API void lstream_settings_set_log(LStreamSettings *s, void (*cb)(void *opaque, int level, const char *msg),
                                          void *opaque);
LSTREAM_API void lstream_settings_set_progress(LStreamSettings *s, void (*cb)(void *opaque, const LStreamProgress *p),
                                               void *opaque);
LSTREAM_API void lstream_settings_set_cancel(LStreamSettings *s, int (*cb)(void *opaque), void *opaque);

/**
 * The value of setting @p name as text that lstream_settings_set() takes back unchanged (rungs in their
 * full form: "720:crf=23:max=1500:buf=3000,..."). Writes at most @p size bytes, NUL-terminated, into @p buf
 * (borrowed; NULL with size 0 asks for the length). Returns the length the whole value needs (as snprintf:
 * compare with @p size), or LSTREAM_ERR_SETTING_NAME.
 */
LSTREAM_API int lstream_settings_get(const LStreamSettings *s, const char *name, char *buf, size_t size);

/** Name of setting @p i (0-based), or NULL past the last one: what lstream_settings_set() accepts. */
LSTREAM_API const char *lstream_settings_name(int i);

/** One line on setting @p name: its type, range and default (static), or NULL for an unknown name. */
LSTREAM_API const char *lstream_settings_help(const char *name);

/**
 * Check every field of @p s. Returns 0, or LSTREAM_ERR_SETTINGS with a message naming the field, its value
 * and what is allowed (e.g. "max_fps = 500: out of range 1..120") in @p why (@p size bytes, always
 * terminated; may be NULL). lstream_job_open() makes the same check and logs the message through log_cb.
 */
LSTREAM_API int lstream_settings_check(const LStreamSettings *s, char *why, size_t size);

/**
 * Fill @p r with the default lecture-ladder parameters for a rung of @p short_side pixels (capped CRF;
 * the parameters of the nearest default size at or below it; under 240 the cellular rung's).
 */
LSTREAM_API void lstream_default_rung(int short_side, LStreamRung *r);

/** Opaque job. */
typedef struct LStreamJob LStreamJob;

/**
 * Create a job from @p s (copied; @p s may be freed after return).
 * On success *job owns a new job (free with lstream_job_close()) and 0 is returned.
 * On error *job is set to NULL and a negative code is returned: LSTREAM_ERR_SETTINGS when a field is wrong,
 * after the message naming it (lstream_settings_check()) went to s->log_cb.
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
 * Where a ladder goes: every byte the library writes (init and media segments, playlists, the MPD,
 * ladder.json) is one named object written through these callbacks. lstream_job_run() uses a built-in
 * implementation (a hidden staging directory beside OUTDIR, published atomically); a host passes its own to
 * lstream_job_run_output() to stream a ladder into memory, an object store or an HTTP response.
 *
 * Names are relative, '/'-separated, without "." or ".." components (e.g. "master.m3u8", "v720/init.mp4",
 * "v720/seg_00001.m4s"). An object is written by open, any number of writes, then close; objects are written
 * one after the other from the thread running the job (never two open at once). Every callback returns 0 or
 * a negative error code (LSTREAM_ERR(errno) or LSTREAM_ERR_OUTPUT); the job then fails with that code.
 * Data passed to write() is borrowed for the duration of the call.
 *
 * A job ends with exactly one of commit() (the ladder is complete and, with settings.validate, valid: make
 * it visible) or abort() (it failed or was cancelled: discard every object of this job). Nothing written
 * before commit() may be shown to readers as a complete ladder.
 */
typedef struct LStreamOutput {
    void *opaque; /**< passed to every callback */
    /** Start object @p name; *handle receives the host's handle for it. */
    int (*open)(void *opaque, const char *name, void **handle);
    int (*write)(void *opaque, void *handle, const void *data, size_t size);
    /** Finish the object (its bytes must now be stored or queued). Called once per successful open(). */
    int (*close)(void *opaque, void *handle);
    /** Read back @p size bytes at @p offset of a closed object into @p buf (0 or negative). Optional, but
     *  required when settings.validate is on: the validator reads the ladder before commit(). */
    int (*read)(void *opaque, const char *name, int64_t offset, size_t size, void *buf);
    /** Size in bytes of a closed object, or LSTREAM_ERR(ENOENT). Required with read(). */
    int64_t (*size)(void *opaque, const char *name);
    int (*commit)(void *opaque);
    void (*abort)(void *opaque);
    /** Remove a closed object the ladder no longer uses (a rung dropped after encoding). Optional: without
     *  it such objects stay in the output, unreferenced by the manifests. */
    int (*remove)(void *opaque, const char *name);
    uint8_t reserved[32]; /**< must be zero */
} LStreamOutput;

/**
 * Like lstream_job_run(), but every object of the ladder goes to @p out (borrowed for the duration of the
 * call). Returns 0 after a successful commit(), else a negative code after abort() (or before anything was
 * opened, when the input cannot be used or @p out lacks a callback it needs).
 */
LSTREAM_API int lstream_job_run_output(LStreamJob *job, const char *input, const LStreamOutput *out);

/** lstream_job_run_chunk()'s @p chunk for the audio part. */
#define LSTREAM_CHUNK_AUDIO 0

/**
 * One part of a chunked encode, for spreading one lecture over many machines (a cluster's job array).
 * Every rung shares one segment plan and every segment is encoded by a fresh encoder from an IDR, so the
 * video splits at segment boundaries: @p chunk K of @p n_chunks N (1 <= K <= N) encodes its share of the
 * planned segments for every rung, decoding from the key frame before it; @p chunk LSTREAM_CHUNK_AUDIO
 * encodes every audio rendition whole (so there is no encoder priming at joins). Each part is published
 * atomically as its own folder in OUTDIR.parts/ (beside @p outdir, which is not touched), holding its final
 * segments and part.txt (the input, the settings that shape the media, and its segments). Run the same
 * settings for every part; parts can run in any order, at the same time, on different machines sharing the
 * folder. Needs a seekable input whose video has a start time. Returns 0 or a negative code (see
 * lstream_job_error()); a failed part leaves nothing in OUTDIR.parts.
 */
LSTREAM_API int lstream_job_run_chunk(LStreamJob *job, const char *input, const char *outdir, int chunk, int n_chunks);

/**
 * Join the parts in OUTDIR.parts into the ladder at @p outdir: the manifests, measured bandwidths and
 * ladder.json over the parts' segments, the validator (if settings.validate), then published as
 * lstream_job_run() publishes, and OUTDIR.parts removed. The ladder is byte for byte the one
 * lstream_job_run() makes with the same settings. The parts' recorded settings replace the job's media
 * settings; the input must still be where and as it was. A missing chunk, parts of another input or
 * settings, or a part cut short fail with a message naming it, and nothing is published.
 */
LSTREAM_API int lstream_job_finalize(LStreamJob *job, const char *outdir);

/* ---- live lectures ----
 * A live job publishes the ladder while the lecture happens, in OUTDIR (a new or empty folder, served as it
 * is by any web server): CMAF segments as they are encoded, HLS media playlists over a sliding window
 * (settings.live_window; 0: an EVENT playlist) with EXT-X-PROGRAM-DATE-TIME, a dynamic DASH MPD, each file
 * replaced atomically. BANDWIDTH is declared from the rungs' VBV caps and the segments are checked against it.
 * When the source ends the same segments become the VOD ladder lstream_job_run() would publish: EXT-X-ENDLIST,
 * a static MPD, measured bandwidths, chapters and thumbnails, ladder.json, the validator (settings.validate).
 * A job that fails midway leaves what it published, without ladder.json and with playlists that never end. */

/** What a host pushes: 8-bit I420 pictures (limited range) of one size, and interleaved 32-bit float audio. */
typedef struct LStreamLiveFormat {
    int width, height;         /**< the pictures, even sizes 16..8192. Required. */
    int fps_num, fps_den;      /**< nominal frame rate (0/0: 30); pictures are placed by their timestamps */
    int sample_rate, channels; /**< the audio (8000..192000 Hz, 1..8 channels); 0: no audio */
    uint8_t reserved[32];      /**< must be zero */
} LStreamLiveFormat;

typedef struct LStreamLive LStreamLive;

/**
 * Start a live job on @p job (borrowed until lstream_live_close()) writing to @p outdir. The pipeline runs on
 * threads of its own; push media with the functions below. On success *live owns the live job (0); else a
 * negative code, lstream_job_error() says why, and nothing was started.
 */
LSTREAM_API int lstream_live_open(LStreamJob *job, const LStreamLiveFormat *fmt, const char *outdir,
                                  LStreamLive **live);
/**
 * Push one picture (copied; the caller keeps @p planes) at @p pts seconds on the host's clock (the same clock
 * as the audio's; increasing). Blocks while the pipeline is a second of pictures behind. 0, or the job's
 * error once it has failed (then stop pushing and close).
 */
LSTREAM_API int lstream_live_push_video(LStreamLive *live, const uint8_t *const planes[3], const ptrdiff_t strides[3],
                                        double pts);
/** Push @p nb_samples interleaved float samples (copied) starting at @p pts seconds. As push_video. */
LSTREAM_API int lstream_live_push_audio(LStreamLive *live, const float *samples, int nb_samples, double pts);
/**
 * End of the lecture: the ladder becomes VOD (see above), then the live job is freed and *live set to NULL.
 * Returns the job's result: 0, or a negative code with lstream_job_error().
 */
LSTREAM_API int lstream_live_close(LStreamLive **live);

/**
 * A live job from a capture source through GStreamer (builds configured --with-gstreamer; else
 * LSTREAM_ERR_UNSUPPORTED). @p video: "test" (videotestsrc with a running clock burned in; "test:WxH@FPS"
 * for a size and rate) or a gst-launch description of a video source branch, e.g. "v4l2src device=/dev/video0",
 * "ximagesrc use-damage=false", "srtsrc uri=srt://:7001 ! tsdemux ! h264parse ! avdec_h264"; @p audio: "test",
 * a description such as "pulsesrc" or "alsasrc device=hw:1", or NULL/"" for none. Runs until the source
 * ends, lstream_job_stop(), or @p duration seconds (0: no limit), then publishes the VOD ladder as
 * lstream_live_close() does. A source that stops sending for 5 s ends the lecture there.
 */
LSTREAM_API int lstream_job_run_live(LStreamJob *job, const char *video, const char *audio, double duration,
                                     const char *outdir);

/** End a running live job (lstream_job_run_live()) as its source ending would: it publishes the VOD ladder.
 *  Only sets a flag: safe from a signal handler and from any thread. */
LSTREAM_API void lstream_job_stop(LStreamJob *job);

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
    const char *rule;    /**< rule id, e.g. "H1", "M3", "D1"; "IO" for unreadable files */
    int must;            /**< 1: a MUST is broken; 0: a SHOULD (advice) */
    const char *file;    /**< file the finding is about, relative to the validated directory */
    const char *message; /**< what is wrong, with the offending value */
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
    LSTREAM_CPU_SSE2 = 1 << 0,
    LSTREAM_CPU_SSSE3 = 1 << 1,
    LSTREAM_CPU_SSE41 = 1 << 2,
    LSTREAM_CPU_AVX2 = 1 << 3,
    LSTREAM_CPU_AVX512 = 1 << 4, /**< AVX-512 F+BW+VL */
    LSTREAM_CPU_NEON = 1 << 8,
};

/** Features detected on this CPU (detected once, thread-safe). */
LSTREAM_API unsigned lstream_cpu_flags(void);

#ifdef __cplusplus
}
#endif
#endif /* LIBSTREAM_LIBSTREAM_H */
