/*
 * HLS: multivariant playlist, one media playlist and one I-frame playlist per video rendition, one
 * media playlist for audio, over the CMAF segments (RFC 8216; doc/RULES.md H1-H10, M1-M7).
 */
#include "config.h"
#include "internal.h"

#include <math.h>
#include <string.h>

/* Common EXT-X-TARGETDURATION: the largest rounded EXTINF of every playlist (H1, H6). */
static int target_duration(const LSPackage *pkg)
{
    int td = (int)lrint(pkg->target);
    for (int v = -1; v < pkg->n_video; v++) {
        const LSTrack *t = v < 0 ? (pkg->has_audio ? pkg->audio.track : NULL) : pkg->video[v].track;
        for (int i = 0; t && i < t->n_seg; i++) {
            int d = (int)lrint((double)t->seg[i].duration / t->timescale);
            if (d > td)
                td = d;
        }
    }
    return td < 1 ? 1 : td;
}

static int write_media_playlist(LStreamJob *job, const LSTrack *t, int td, const char *root, int iframes)
{
    LSBuf b = { 0 };
    ls_buf_printf(&b, "#EXTM3U\n#EXT-X-VERSION:%d\n#EXT-X-TARGETDURATION:%d\n#EXT-X-PLAYLIST-TYPE:VOD\n",
                  iframes ? 5 : 6, td);
    ls_buf_printf(&b, "#EXT-X-INDEPENDENT-SEGMENTS\n");
    if (iframes)
        ls_buf_printf(&b, "#EXT-X-I-FRAMES-ONLY\n");
    ls_buf_printf(&b, "#EXT-X-MAP:URI=\"init.mp4\"\n");
    for (int i = 0; i < t->n_seg; i++) {
        ls_buf_printf(&b, "#EXTINF:%.5f,\n", (double)t->seg[i].duration / t->timescale);
        if (iframes)
            ls_buf_printf(&b, "#EXT-X-BYTERANGE:%lld@%lld\n", (long long)t->seg[i].iframe_bytes,
                          (long long)t->seg[i].moof_offset);
        ls_buf_printf(&b, "seg_%05d.m4s\n", i + 1);
    }
    ls_buf_printf(&b, "#EXT-X-ENDLIST\n");
    char name[64];
    snprintf(name, sizeof(name), "%s/%s", t->name, iframes ? "iframes.m3u8" : "index.m3u8");
    return ls_buf_write(job, &b, root, name);
}

static void iframe_rates(const LSTrack *t, double *peak, double *avg)
{
    double bytes = 0, dur = 0;
    *peak = 0;
    for (int i = 0; i < t->n_seg; i++) {
        double d = (double)t->seg[i].duration / t->timescale;
        double r = d > 0 ? t->seg[i].iframe_bytes * 8.0 / d : 0;
        if (r > *peak)
            *peak = r;
        bytes += t->seg[i].iframe_bytes;
        dur += d;
    }
    *avg = dur > 0 ? bytes * 8.0 / dur : 0;
}

int ls_write_hls(LStreamJob *job, const LSPackage *pkg, const char *root)
{
    const int td = target_duration(pkg);
    int err;
    for (int v = 0; v < pkg->n_video; v++)
        if ((err = write_media_playlist(job, pkg->video[v].track, td, root, 0)) ||
            (err = write_media_playlist(job, pkg->video[v].track, td, root, 1)))
            return err;
    if (pkg->has_audio && (err = write_media_playlist(job, pkg->audio.track, td, root, 0)))
        return err;

    LSBuf b = { 0 };
    ls_buf_printf(&b, "#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    const double a_peak = pkg->has_audio ? pkg->audio.peak : 0, a_avg = pkg->has_audio ? pkg->audio.avg : 0;
    if (pkg->has_audio)
        ls_buf_printf(&b,
                      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",LANGUAGE=\"%s\",NAME=\"Lecture audio\","
                      "DEFAULT=YES,AUTOSELECT=YES,CHANNELS=\"%d\",URI=\"audio/index.m3u8\"\n",
                      pkg->language, pkg->audio.track->channels);
    const double fps = (double)pkg->fps_num / (pkg->fps_den ? pkg->fps_den : 1);
    for (int v = 0; v < pkg->n_video; v++) {
        const LSRendition *r = &pkg->video[v];
        ls_buf_printf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%.0f,AVERAGE-BANDWIDTH=%.0f,CODECS=\"%s%s%s\","
                          "RESOLUTION=%dx%d,FRAME-RATE=%.3f%s\n",
                      ceil(r->peak + a_peak), ceil(r->avg + a_avg), r->track->codec, pkg->has_audio ? "," : "",
                      pkg->has_audio ? pkg->audio.track->codec : "", r->track->width, r->track->height, fps,
                      pkg->has_audio ? ",AUDIO=\"audio\"" : "");
        ls_buf_printf(&b, "%s/index.m3u8\n", r->track->name);
    }
    if (pkg->has_audio) /* audio-only variant for the slowest links */
        ls_buf_printf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%.0f,AVERAGE-BANDWIDTH=%.0f,CODECS=\"%s\"\naudio/index.m3u8\n",
                      ceil(a_peak), ceil(a_avg), pkg->audio.track->codec);
    for (int v = 0; v < pkg->n_video; v++) {
        const LSRendition *r = &pkg->video[v];
        double peak, avg;
        iframe_rates(r->track, &peak, &avg);
        ls_buf_printf(&b, "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=%.0f,AVERAGE-BANDWIDTH=%.0f,CODECS=\"%s\","
                          "RESOLUTION=%dx%d,URI=\"%s/iframes.m3u8\"\n",
                      ceil(peak), ceil(avg), r->track->codec, r->track->width, r->track->height, r->track->name);
    }
    return ls_buf_write(job, &b, root, "master.m3u8");
}
