/* ladder.json: the machine-readable description of a published ladder (and libstream's ownership mark). */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/package/model.h"

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

static void rendition(LSBuf *b, const LSRendition *r, const LSRendition *audio, int last)
{
    const LSCodecConfig *c = &r->cfg;
    int64_t bytes = 0;
    for (int64_t i = 0; i < r->n_seg; i++)
        bytes += r->seg[i].bytes;
    ls_buf_printf(b, "    {\"id\": ");
    json_str(b, r->id);
    ls_buf_printf(b, ", \"type\": \"%s\", \"codec\": ", c->kind == LS_TRACK_VIDEO ? "video" : "audio");
    json_str(b, c->codec);
    if (c->kind == LS_TRACK_VIDEO)
        ls_buf_printf(b, ", \"width\": %d, \"height\": %d, \"crf\": %.1f, \"max_kbps\": %d, \"buffer_kbits\": %d",
                      c->width, c->height, r->rung->rung.crf, r->rung->rung.max_kbps,
                      r->rung->rung.buffer_kbits ? r->rung->rung.buffer_kbits : r->rung->rung.max_kbps);
    else
        ls_buf_printf(b, ", \"sample_rate\": %d, \"channels\": %d, \"kbps\": %d", c->sample_rate, c->channels,
                      c->bitrate / 1000);
    const double a_peak = audio && c->kind == LS_TRACK_VIDEO ? audio->peak : 0;
    const double a_avg = audio && c->kind == LS_TRACK_VIDEO ? audio->avg : 0;
    ls_buf_printf(b,
                  ",\n     \"peak_bps\": %.0f, \"average_bps\": %.0f, \"hls_bandwidth\": %.0f, "
                  "\"hls_average_bandwidth\": %.0f, \"dash_bandwidth\": %.0f, \"segments\": %lld, \"bytes\": %lld, "
                  "\"playlist\": \"%s/%s\"}%s\n",
                  r->peak, r->avg, ceil(r->peak + a_peak), ceil(r->avg + a_avg), ceil(r->dash_bw), (long long)r->n_seg,
                  (long long)bytes, r->id, LS_NAME_PLAYLIST, last ? "" : ",");
}

/* settings.ladder = auto: every probe point and why each rung stayed or went (core/probe.c); no timings (a chunked
 * encode's ladder.json is byte for byte the whole run's) */
static void probe_report(LSBuf *b, const LSLadderProbe *pr)
{
    ls_buf_printf(b, "  \"ladder_probe\": {\"reference\": \"%dx%d\", \"frames\": %lld, \"stretches\": [", pr->ref_w,
                  pr->ref_h, (long long)pr->frames);
    for (int i = 0; i < pr->n_stretches; i++)
        ls_buf_printf(b, "%s{\"from\": %.3f, \"seconds\": %.3f}", i ? ", " : "", pr->from[i], pr->seconds[i]);
    ls_buf_printf(b, "],\n    \"points\": [");
    for (int i = 0; i < pr->n_points; i++) {
        const LSProbePoint *pt = &pr->point[i];
        ls_buf_printf(b, "%s\n      {\"rung\": ", i ? "," : "");
        json_str(b, pt->id);
        ls_buf_printf(b, ", \"crf\": %.1f, \"kbps\": %.1f, \"ssim\": %.5f, \"ssim_db\": %.3f, \"hull\": %s}", pt->crf,
                      pt->kbps, pt->ssim, pt->ssim_db, pt->hull ? "true" : "false");
    }
    ls_buf_printf(b, "],\n    \"rungs\": [");
    for (int i = 0; i < pr->n_rungs; i++) {
        const LSProbeRung *r = &pr->rung[i];
        ls_buf_printf(b, "%s\n      {\"rung\": ", i ? "," : "");
        json_str(b, r->id);
        ls_buf_printf(b, ", \"probed\": %s, ", r->probed ? "true" : "false");
        if (r->probed)
            ls_buf_printf(b, "\"crf\": %.1f, \"kbps\": %.1f, \"ssim\": %.5f, \"below_hull_db\": %.3f, ", r->crf,
                          r->kbps, r->ssim, r->below_hull_db);
        ls_buf_printf(b, "\"kept\": %s, \"reason\": ", r->kept ? "true" : "false");
        json_str(b, r->why);
        ls_buf_printf(b, "}");
    }
    ls_buf_printf(b, "]},\n");
}

int ls_write_report(LSOutput *o, const LSPresentation *p, const LSSourceInfo *src)
{
    LStreamJob *job = o->job;
    LSBuf b = { 0 };
    ls_buf_printf(&b, "{\n  \"libstream_version\": \"%s\",\n  \"source\": {\"path\": ", lstream_version());
    json_str(&b, src->path);
    ls_buf_printf(&b, ", \"container\": ");
    json_str(&b, src->container);
    ls_buf_printf(&b, ", \"duration\": %.3f", src->duration);
    if (src->has_video) {
        ls_buf_printf(&b, ",\n    \"video\": {\"codec\": ");
        json_str(&b, src->video_codec);
        ls_buf_printf(&b,
                      ", \"width\": %d, \"height\": %d, \"display_aspect\": %.4f, \"rotation\": %d, "
                      "\"frame_rate\": \"%d/%d\", \"variable_frame_rate\": %s, \"bit_depth\": %d}",
                      src->width, src->height, src->dar, src->rotation, src->fps_num, src->fps_den,
                      src->vfr ? "true" : "false", src->bit_depth);
    }
    if (src->has_audio) {
        ls_buf_printf(&b, ",\n    \"audio\": {\"codec\": ");
        json_str(&b, src->audio_codec);
        ls_buf_printf(&b, ", \"sample_rate\": %d, \"channels\": %d}", src->sample_rate, src->channels);
    }
    const struct LSDamage *d = &src->damage;
    if (d->corrupt || d->rejected || d->concealed || d->missing || d->read_error)
        ls_buf_printf(
            &b,
            ",\n    \"damage\": {\"packets\": %lld, \"corrupt_packets\": %lld, \"undecodable_packets\": %lld, "
            "\"concealed_pictures\": %lld, \"missing_frames\": %lld, \"missing_seconds\": %.3f, "
            "\"read_error\": %s}",
            (long long)d->packets, (long long)d->corrupt, (long long)d->rejected, (long long)d->concealed,
            (long long)d->missing, d->missing_s, d->read_error ? "true" : "false");
    const LSRendition *audio = NULL;
    int n_video = 0;
    for (int k = 0; k < p->n; k++) {
        n_video += p->r[k]->cfg.kind == LS_TRACK_VIDEO;
        if (!audio && p->r[k]->cfg.kind == LS_TRACK_AUDIO)
            audio = p->r[k];
    }
    ls_buf_printf(&b, "},\n  \"duration\": %.6f,\n  \"segment_target\": %.3f,\n", p->duration, p->target);
    if (n_video)
        ls_buf_printf(&b, "  \"frame_rate\": \"%d/%d\",\n", p->fps_num, p->fps_den);
    ls_buf_printf(&b, "  \"preset\": ");
    json_str(&b, job->s.preset);
    ls_buf_printf(&b, ",\n  \"manifests\": {\"hls\": \"%s\", \"dash\": \"%s\"},\n", LS_NAME_MASTER, LS_NAME_MPD);
    if (p->loudness.measured) {
        const int silent = !isfinite(p->loudness.input_lufs);
        ls_buf_printf(&b,
                      "  \"loudness\": {\"target_lufs\": %.1f, \"input_lufs\": %.2f, \"input_peak_dbfs\": %.2f, "
                      "\"gain_db\": %.2f, \"output_lufs\": %.2f, \"limited_by\": \"%s\"},\n",
                      p->loudness.target, silent ? -99.0 : p->loudness.input_lufs,
                      isfinite(p->loudness.input_peak_db) ? p->loudness.input_peak_db : -99.0, p->loudness.gain_db,
                      silent ? -99.0 : p->loudness.input_lufs + p->loudness.gain_db, p->loudness.limit);
    }
    if (p->lecture.on) { /* what the lecture analysis found and did (core/lecture.h, doc/LECTURE.md) */
        const double fr = (double)p->fps_den / p->fps_num;
        const int64_t *k = p->lecture.class_frames;
        ls_buf_printf(&b, "  \"lecture\": {\"slide_changes\": [");
        for (int i = 0; i < p->lecture.n_changes; i++)
            ls_buf_printf(&b, "%s{\"frame\": %lld, \"time\": %.3f}", i ? ", " : "", (long long)p->lecture.changes[i],
                          p->lecture.changes[i] * fr);
        ls_buf_printf(&b, "],\n    \"chapters\": [");
        for (int i = 0; i < p->lecture.n_chapters; i++)
            ls_buf_printf(&b, "%s%.3f", i ? ", " : "", p->lecture.chapter[i]);
        ls_buf_printf(&b, "], \"chapter_files\": ");
        if (p->lecture.n_chapters)
            ls_buf_printf(&b,
                          "{\"webvtt\": \"" LS_NAME_CHAPTERS_VTT "\", \"hls_json\": \"" LS_NAME_CHAPTERS_JSON "\"}");
        else
            ls_buf_printf(&b, "null");
        if (p->lecture.restarts >= 0) /* segments started at a slide change; null: a chunked or live grid */
            ls_buf_printf(&b, ",\n    \"segments_at_changes\": %d", p->lecture.restarts);
        else
            ls_buf_printf(&b, ",\n    \"segments_at_changes\": null");
        ls_buf_printf(&b, ",\n    \"seconds\": {\"still\": %.2f, \"motion\": %.2f, \"camera\": %.2f}", k[0] * fr,
                      k[1] * fr, k[2] * fr);
        ls_buf_printf(&b, ",\n    \"encoders_tuned_seconds\": {\"screen\": %.2f, \"camera\": %.2f}},\n",
                      p->lecture.tuned[0] * fr, p->lecture.tuned[1] * fr);
    }
    if (p->held.on) /* frames not encoded again (settings.hold_repeats, hold_tolerance; doc/LECTURE.md) */
        ls_buf_printf(&b,
                      "  \"held_repeats\": {\"frames\": %lld, \"of\": %lld, \"near\": %lld, \"tolerance\": %d, "
                      "\"inset\": %lld, \"inset_every\": %d},\n",
                      (long long)p->held.frames, (long long)p->held.of, (long long)p->held.near, p->held.tolerance,
                      (long long)p->held.inset, p->held.inset_every);
    if (p->live.on) { /* a live job: what it declared while live, and how it kept up */
        ls_buf_printf(&b, "  \"live\": {\"window_segments\": %d, \"declared_bps\": {", p->live.window);
        for (int k = 0; k < p->live.n; k++) {
            ls_buf_printf(&b, "%s", k ? ", " : "");
            json_str(&b, p->live.id[k]);
            ls_buf_printf(&b, ": %.0f", p->live.declared[k]);
        }
        ls_buf_printf(&b, "}, \"segments_over_declared\": %lld, \"realtime_factor\": %.3f, \"max_lag_s\": %.2f, ",
                      (long long)p->live.over, p->live.realtime, p->live.max_lag);
        ls_buf_printf(&b, "\"faster_steps_at\": [");
        for (int i = 0; i < p->live.faster && i < 4; i++)
            ls_buf_printf(&b, "%s%.2f", i ? ", " : "", p->live.faster_at[i]);
        ls_buf_printf(&b, "]},\n");
    }
    if (p->download.file[0]) {
        ls_buf_printf(&b, "  \"download\": {\"file\": ");
        json_str(&b, p->download.file);
        ls_buf_printf(&b, ", \"video\": ");
        json_str(&b, p->download.video);
        ls_buf_printf(&b, ", \"audio\": ");
        json_str(&b, p->download.audio);
        ls_buf_printf(&b, ", \"bytes\": %lld, \"average_bps\": %.0f},\n", (long long)p->download.bytes,
                      p->duration > 0 ? p->download.bytes * 8 / p->duration : 0);
    }
    if (p->probe)
        probe_report(&b, p->probe);
    if (p->n_dropped) {
        ls_buf_printf(&b, "  \"dropped_rungs\": [");
        for (int k = 0; k < p->n_dropped; k++) {
            ls_buf_printf(&b, "%s{\"id\": ", k ? ", " : "");
            json_str(&b, p->dropped[k].id);
            ls_buf_printf(&b, ", \"reason\": ");
            json_str(&b, p->dropped[k].why);
            ls_buf_printf(&b, "}");
        }
        ls_buf_printf(&b, "],\n");
    }
    ls_buf_printf(&b, "  \"renditions\": [\n");
    for (int k = 0; k < p->n; k++)
        rendition(&b, p->r[k], audio, k == p->n - 1);
    ls_buf_printf(&b, "  ]\n}\n");
    return ls_output_put_buf(o, &b, LS_NAME_REPORT);
}
