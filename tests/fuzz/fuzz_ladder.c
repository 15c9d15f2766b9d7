/*
 * libFuzzer harness: lstream_validate() on a whole one-rung ladder made from the input. The input is a
 * sequence of files separated by the 4-byte marker "\0LS\n"; section i is written to kFiles[i] in a private
 * directory, which is then validated. Seeds (tests/fuzz/libfuzzer.sh) are real ladders packed this way, so
 * mutations reach every parser: playlists, the MPD (libxml2), init segments and fragments, byte ranges,
 * chapters (JSON, WebVTT), the thumbnail image playlist and its JPEG tiles.
 * The report must be readable; nothing may crash, hang, leak or read out of bounds. With
 * LSTREAM_FUZZ_EXPECT_CLEAN=1 a MUST finding fails too (libfuzzer.sh checks its seed that way).
 */
#define _GNU_SOURCE 1 /* memmem */
#include "config.h"
#include "libstream/libstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kFiles[] = {
    "master.m3u8",           "manifest.mpd",           "v/index.m3u8",     "v/iframes.m3u8",     "v/init.mp4",
    "v/seg_00001.m4s",       "v/seg_00002.m4s",        "audio/index.m3u8", "audio/init.mp4",     "audio/seg_00001.m4s",
    "audio/seg_00002.m4s",   "chapters.json",          "chapters.vtt",     "thumbs/images.m3u8", "thumbs/thumbs.vtt",
    "thumbs/tile_00001.jpg", "thumbs/chapter_001.jpg",
};
#define N_FILES (sizeof(kFiles) / sizeof(kFiles[0]))

static char root[256];

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[320];
    snprintf(path, sizeof(path), "%s/%s", root, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (n && fwrite(p, 1, n, f) != n)
        abort();
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root[0]) {
        /* $LSTREAM_FUZZ_DIR (the script's own directory), else a per-process one, on tmpfs when there is
         * one: the harness writes a ladder per input */
        const char *dir = getenv("LSTREAM_FUZZ_DIR");
        if (dir && dir[0])
            snprintf(root, sizeof(root), "%s", dir);
        else
            snprintf(root, sizeof(root), "%s/lstream-libfuzzer-%d", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm",
                     (int)getpid());
        char d[300];
        mkdir(root, 0700);
        snprintf(d, sizeof(d), "%s/v", root);
        mkdir(d, 0700);
        snprintf(d, sizeof(d), "%s/audio", root);
        mkdir(d, 0700);
        snprintf(d, sizeof(d), "%s/thumbs", root);
        mkdir(d, 0700);
    }
    static const uint8_t marker[4] = { 0, 'L', 'S', '\n' };
    size_t at = 0;
    for (size_t i = 0; i < N_FILES; i++) {
        const uint8_t *end = at <= size ? memmem(data + at, size - at, marker, 4) : NULL;
        const size_t n = end ? (size_t)(end - (data + at)) : (at <= size ? size - at : 0);
        put(kFiles[i], data + (at <= size ? at : size), n);
        at += n + 4;
    }
    LStreamValidation *v = NULL;
    if (lstream_validate(root, &v) == 0) {
        const int n = lstream_validation_count(v);
        int must = 0;
        for (int i = 0; i < n; i++) {
            const LStreamFinding *f = lstream_validation_finding(v, i);
            if (!f || !f->rule || !f->file || !f->message || strlen(f->message) > 1024)
                __builtin_trap();
            must += f->must != 0;
        }
        if (must != lstream_validation_must_count(v))
            __builtin_trap();
        /* LSTREAM_FUZZ_EXPECT_CLEAN: the input is a seed, and a seed must unpack into a valid ladder */
        const char *clean = getenv("LSTREAM_FUZZ_EXPECT_CLEAN");
        if (clean && clean[0] == '1' && must)
            __builtin_trap();
    }
    lstream_validation_free(&v);
    return 0;
}
