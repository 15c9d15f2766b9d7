/* ISO-BMFF reading for the validator (see mp4read.c). */
#ifndef LSTREAM_MP4READ_H
#define LSTREAM_MP4READ_H

#include <stddef.h>
#include <stdint.h>

typedef struct LSMp4Init {
    uint32_t timescale;
    char handler[5];
    char sample_entry[5];
    char codec[40]; /* RFC 6381 string from avcC / esds / vpcC, "opus" from dOps, or the sample entry fourcc */
    int is_video, is_audio;
    int width, height;
    int channels, sample_rate;
    int object_type;
    int nal_length_size;
    int vp9; /* vp09 with a valid vpcC: samples are VP9 frames (superframes) */
    uint32_t trex_duration, trex_size, trex_flags;
    /* edit list (elst): presentation time = composition time + pres_offset (media timescale units):
     * leading empty edits delay, the first media edit's media_time shifts back */
    int64_t pres_offset;
    int64_t pres_start; /* presentation starts here (leading empty edits); media before it is not shown */
    int has_edits;
} LSMp4Init;

typedef struct LSMp4Frag {
    int has_tfdt;
    int64_t tfdt;     /* baseMediaDecodeTime */
    int64_t duration; /* sum of sample durations */
    int64_t ept;      /* earliest presentation time: min(dts + cts) */
    int samples;
    int64_t data_bytes;
    int first_sync; /* first sample flagged as a sync sample */
    int first_idr;  /* 1: first sample is an IDR (H.264) or a keyframe (VP9), 0: not, -1: unknown codec */
    int64_t first_offset, first_size;
    int64_t moof_offset, moof_size;
} LSMp4Frag;

const uint8_t *ls_mp4_find(const uint8_t *p, size_t len, const char *type, size_t *plen, const uint8_t **box_start);
int ls_mp4_parse_init(const uint8_t *data, size_t size, LSMp4Init *init);
int ls_mp4_parse_fragment(const uint8_t *data, size_t size, const LSMp4Init *init, LSMp4Frag *f);

#endif
