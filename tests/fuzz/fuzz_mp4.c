/*
 * libFuzzer harness: the validator's ISO-BMFF reader (libstream/mp4read.c) on arbitrary bytes. The input is
 * parsed as an init segment and, whether or not that succeeds, as a media fragment against both the parsed
 * init and a plain H.264 one; every field read back must stay within the input.
 * Built only with --enable-libfuzzer (clang); run by tests/fuzz/libfuzzer.sh.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/validate/mp4read.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    LSMp4Init init, plain;
    memset(&plain, 0, sizeof(plain));
    plain.timescale = 90000;
    plain.is_video = 1;
    plain.nal_length_size = 4;
    LSMp4Frag f;
    if (ls_mp4_parse_init(data, size, &init) == 0) {
        if (ls_mp4_parse_fragment(data, size, &init, &f) == 0 && f.first_idr >= 0 &&
            (f.first_offset < 0 || f.first_offset + f.first_size > (int64_t)size))
            __builtin_trap(); /* an IDR verdict about bytes outside the input */
    }
    if (ls_mp4_parse_fragment(data, size, &plain, &f) == 0 && f.first_idr >= 0 &&
        (f.first_offset < 0 || f.first_offset + f.first_size > (int64_t)size))
        __builtin_trap();
    return 0;
}
