/*
 * ISO/IEC 14496-12 constants shared by the CMAF writer (package/cmaf.c) and the validator's reader
 * (validate/mp4read.c). Only the numbers are shared: the reader stays an independent implementation, so a
 * misunderstanding in the writer is not silently repeated by the checker.
 */
#ifndef LSTREAM_ISOBMFF_H
#define LSTREAM_ISOBMFF_H

/* tfhd flags (8.8.7) */
#define ISOBMFF_TFHD_BASE_DATA_OFFSET     0x000001
#define ISOBMFF_TFHD_SAMPLE_DESCRIPTION   0x000002
#define ISOBMFF_TFHD_DEFAULT_DURATION     0x000008
#define ISOBMFF_TFHD_DEFAULT_SIZE         0x000010
#define ISOBMFF_TFHD_DEFAULT_FLAGS        0x000020
#define ISOBMFF_TFHD_DEFAULT_BASE_IS_MOOF 0x020000

/* trun flags (8.8.8) */
#define ISOBMFF_TRUN_DATA_OFFSET        0x000001
#define ISOBMFF_TRUN_FIRST_SAMPLE_FLAGS 0x000004
#define ISOBMFF_TRUN_SAMPLE_DURATION    0x000100
#define ISOBMFF_TRUN_SAMPLE_SIZE        0x000200
#define ISOBMFF_TRUN_SAMPLE_FLAGS       0x000400
#define ISOBMFF_TRUN_SAMPLE_CTS         0x000800

/* sample flags (8.8.3.1) */
#define ISOBMFF_SAMPLE_DEPENDS_ON_NONE   0x02000000 /* sample_depends_on = 2: an I picture */
#define ISOBMFF_SAMPLE_DEPENDS_ON_OTHERS 0x01000000 /* sample_depends_on = 1 */
#define ISOBMFF_SAMPLE_NON_SYNC          0x00010000 /* sample_is_non_sync_sample */
#define ISOBMFF_SAMPLE_FLAGS_SYNC        ISOBMFF_SAMPLE_DEPENDS_ON_NONE
#define ISOBMFF_SAMPLE_FLAGS_NON_SYNC    (ISOBMFF_SAMPLE_DEPENDS_ON_OTHERS | ISOBMFF_SAMPLE_NON_SYNC)

/* H.264 NAL unit type of an IDR slice (ISO/IEC 14496-10 7.4.1) */
#define H264_NAL_IDR 5

#endif
