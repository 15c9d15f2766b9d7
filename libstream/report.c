/* ladder.json: the machine-readable description of a published ladder (and libstream's ownership mark). */
#include "config.h"
#include "internal.h"

#include <math.h>
#include <string.h>

static void json_str(LSBuf *b, const char *s)
{
    ls_buf_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            ls_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            ls_buf_printf(b, "\\u%04x", *p);
        else
            ls_buf_printf(b, "%c", *p);
    }
    ls_buf_printf(b, "\"");
}

static void rendition(LSBuf *b, const LSRendition *r, const LSPackage *pkg, int last)
{
    const LSTrack *t = r->track;
    int64_t bytes = 0;
    for (int i = 0; i < t->n_seg; i++)
        bytes += t->seg[i].bytes;
    ls_buf_printf(b, "    {\"id\": ");
    json_str(b, t->name);
    ls_buf_printf(b, ", \"type\": \"%s\", \"codec\": ", t->kind == LS_TRACK_VIDEO ? "video" : "audio");
    json_str(b, t->codec);
    if (t->kind == LS_TRACK_VIDEO)
        ls_buf_printf(b, ", \"width\": %d, \"height\": %d, \"crf\": %.1f, \"max_kbps\": %d, \"buffer_kbits\": %d",
                      t->width, t->height, r->rung->rung.crf, r->rung->rung.max_kbps,
                      r->rung->rung.buffer_kbits ? r->rung->rung.buffer_kbits : r->rung->rung.max_kbps);
    else
        ls_buf_printf(b, ", \"sample_rate\": %d, \"channels\": %d, \"kbps\": %d", t->sample_rate, t->channels,
                      t->bitrate / 1000);
    const double a_peak = pkg->has_audio && t->kind == LS_TRACK_VIDEO ? pkg->audio.peak : 0;
    const double a_avg = pkg->has_audio && t->kind == LS_TRACK_VIDEO ? pkg->audio.avg : 0;
    ls_buf_printf(b, ",\n     \"peak_bps\": %.0f, \"average_bps\": %.0f, \"hls_bandwidth\": %.0f, "
                     "\"hls_average_bandwidth\": %.0f, \"dash_bandwidth\": %.0f, \"segments\": %d, \"bytes\": %lld, "
                     "\"playlist\": \"%s/index.m3u8\"}%s\n",
                  r->peak, r->avg, ceil(r->peak + a_peak), ceil(r->avg + a_avg), ceil(r->dash_bw), t->n_seg,
                  (long long)bytes, t->name, last ? "" : ",");
}

int ls_write_report(LStreamJob *job, const LSPackage *pkg, const LSSourceInfo *src, const char *root)
{
    LSBuf b = { 0 };
    ls_buf_printf(&b, "{\n  \"libstream_version\": \"%s\",\n  \"source\": {\"path\": ", lstream_version());
    json_str(&b, src->path);
    ls_buf_printf(&b, ", \"container\": ");
    json_str(&b, src->container);
    ls_buf_printf(&b, ", \"duration\": %.3f", src->duration);
    if (src->has_video) {
        ls_buf_printf(&b, ",\n    \"video\": {\"codec\": ");
        json_str(&b, src->video_codec);
        ls_buf_printf(&b, ", \"width\": %d, \"height\": %d, \"display_aspect\": %.4f, \"rotation\": %d, "
                          "\"frame_rate\": \"%d/%d\", \"variable_frame_rate\": %s, \"bit_depth\": %d}",
                      src->width, src->height, src->dar, src->rotation, src->fps_num, src->fps_den,
                      src->vfr ? "true" : "false", src->bit_depth);
    }
    if (src->has_audio) {
        ls_buf_printf(&b, ",\n    \"audio\": {\"codec\": ");
        json_str(&b, src->audio_codec);
        ls_buf_printf(&b, ", \"sample_rate\": %d, \"channels\": %d}", src->sample_rate, src->channels);
    }
    ls_buf_printf(&b, "},\n  \"duration\": %.6f,\n  \"segment_target\": %.3f,\n", pkg->duration, pkg->target);
    if (pkg->n_video)
        ls_buf_printf(&b, "  \"frame_rate\": \"%d/%d\",\n", pkg->fps_num, pkg->fps_den);
    ls_buf_printf(&b, "  \"preset\": ");
    json_str(&b, job->s.preset);
    ls_buf_printf(&b, ",\n  \"manifests\": {\"hls\": \"master.m3u8\", \"dash\": \"manifest.mpd\"},\n");
    ls_buf_printf(&b, "  \"renditions\": [\n");
    for (int v = 0; v < pkg->n_video; v++)
        rendition(&b, &pkg->video[v], pkg, v == pkg->n_video - 1 && !pkg->has_audio);
    if (pkg->has_audio)
        rendition(&b, &pkg->audio, pkg, 1);
    ls_buf_printf(&b, "  ]\n}\n");
    return ls_buf_write(job, &b, root, "ladder.json");
}
