/*
 * The encoder seam. An encoder is an ops table (one file per codec library: enc_x264.c, enc_aac.c) registered
 * in encoders.c; the driver and the CMAF writer never branch on a codec's name. Opening an encoder yields its
 * LSCodecConfig: everything the muxer and the manifests need to describe its stream.
 */
#ifndef LSTREAM_ENCODE_ENCODER_H
#define LSTREAM_ENCODE_ENCODER_H

#include "libstream/internal.h"

/* What a track is: the muxer writes a sample entry per kind, the manifests list it per kind. */
enum LSTrackKind { LS_TRACK_VIDEO = 1, LS_TRACK_AUDIO = 2, LS_TRACK_TEXT = 3, LS_TRACK_IMAGE = 4 };

/* A stream's description, filled by the encoder from its real bitstream configuration. */
typedef struct LSCodecConfig {
    int kind;             /* enum LSTrackKind */
    char sample_entry[5]; /* ISO BMFF sample entry type: "avc1", "mp4a", ... */
    char config_box[5];   /* configuration box inside it: "avcC", "esds", ... */
    uint8_t *config;      /* that box's payload (after size and type; full boxes include version/flags) */
    int config_size;
    char codec[64];            /* RFC 6381 string, from the configuration record */
    uint32_t timescale;        /* of the track: packets' pts/dts/duration are in it */
    int64_t frame_duration;    /* audio: samples per packet (every packet but maybe the last); video: 0 */
    int width, height;         /* video */
    int sample_rate, channels; /* audio */
    int bitrate;               /* nominal bit/s (btrt; esds carries its own) */
    const char *compressor;    /* VisualSampleEntry compressorname */
} LSCodecConfig;

void ls_codec_config_free(LSCodecConfig *c);
/* The track timescale for a frame rate: 90 kHz when a frame is a whole number of ticks, else fps_num. */
uint32_t ls_video_timescale(int fps_num, int fps_den);

/* What the driver asks of an encoder. */
typedef struct LSEncoderParams {
    const LSRungPlan *rung; /* video: size and rate control; NULL for audio */
    int fps_num, fps_den;   /* video frame rate */
    int channels, kbps;     /* audio */
    double gain_db;         /* audio: applied to every sample before encoding (loudness normalisation) */
    int threads;            /* this encoder's share of the job's thread budget (>= 1) */
    int recon;              /* video, probe encodes (core/probe.c): each packet carries its decoded picture */
    int held;               /* video: pictures may be held (settings.hold_repeats, not live): indexes skip */
} LSEncoderParams;

typedef int (*LSPacketSink)(void *opaque, const LSPacket *pkt);

/* LSEncoderOps.encode_picture's force_idr */
#define LS_IDR_FORCE  1
#define LS_IDR_STANDS 2

typedef struct LSEncoderOps {
    const char *name; /* "x264", "aac": for messages */
    int kind;         /* LS_TRACK_VIDEO or LS_TRACK_AUDIO */
    int codec;        /* enum LStreamCodec / LStreamAudioCodec it implements */
    size_t priv_size;
    /* Check the job's settings that belong to this encoder (preset names, ...): 0 or ls_fail() naming the
     * setting. Called at job open for every encoder the settings select. */
    int (*check)(const LStreamSettings *s, char *why, size_t why_size);
    /* Open; fill @p cfg (its config buffer is then owned by the caller). */
    int (*open)(void *priv, LStreamJob *job, const LSEncoderParams *p, LSCodecConfig *cfg);
    /* Video: encode @p pic as frame @p index, its presentation time in frames of the frame rate. Indexes rise
     * but may skip (a held repeat: the picture before lasts longer, settings.hold_repeats). Packets' pts and
     * dts are in frames too: a packet's dts is the index of the picture given that many packets earlier (the
     * first packet's dts is its pts); its duration is not used (a video sample lasts until the next dts).
     * @p force_idr: 0, or LS_IDR_FORCE, with LS_IDR_STANDS when the pictures after it will mostly be held (a still
     * screen: it is what they show, and an encoder that sees only the pictures it is given may spend more on it). */
    int (*encode_picture)(void *priv, const LSPicture *pic, int64_t index, int force_idr, LSPacketSink sink,
                          void *opaque);
    /* Audio: feed samples whose first one is at @p offset seconds on the output timeline (only the first
     * call's offset is used: silence before it, or what precedes time 0 dropped). */
    int (*encode_audio)(void *priv, const LSAudio *a, double offset, LSPacketSink sink, void *opaque);
    /* End of stream. Audio: pad with silence so that at least @p min_packets packets come out (0: none). */
    int (*drain)(void *priv, int64_t min_packets, LSPacketSink sink, void *opaque);
    void (*close)(void *priv);
    /* Optional (live): spend less time per picture from the next one on, without changing the stream's
     * configuration (the init segment stays valid). @p level 1, 2, ...: each faster than the one before.
     * 0 = done, 1 = already as fast as it goes. */
    int (*faster)(void *priv, int level);
    /* Optional: the pictures from the next one on are of content class @p cls (enum LSContentClass, the lecture
     * analysis's): tune for it without changing the stream's configuration (the init segment stays valid), keeping
     * what faster() took away. 0 or a negative error. */
    int (*content)(void *priv, int cls);
    /* 1: takes LSEncoderParams.recon (every packet's LSPacket.recon is filled) */
    int recon;
} LSEncoderOps;

/* An open encoder: ops + private state. */
typedef struct LSEncoder {
    const LSEncoderOps *ops;
    void *priv;
} LSEncoder;

/* The encoder for video codec / audio codec @p codec, or NULL. */
const LSEncoderOps *ls_encoder_find(int kind, int codec);
/* Every encoder the settings select passes its check(); 0 or LSTREAM_ERR_SETTINGS with @p why filled. */
int ls_encoders_check(const LStreamSettings *s, char *why, size_t why_size);
int ls_encoder_open(LSEncoder *e, const LSEncoderOps *ops, LStreamJob *job, const LSEncoderParams *p,
                    LSCodecConfig *cfg);
void ls_encoder_close(LSEncoder *e);

extern const LSEncoderOps ls_enc_x264;
extern const LSEncoderOps ls_enc_aac;
extern const LSEncoderOps ls_enc_opus;
extern const LSEncoderOps ls_enc_vpx; /* with libvpx (HAVE_VPX) */

#endif
