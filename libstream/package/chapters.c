/*
 * Chapters from the slide changes the lecture analysis found (core/lecture.h): a WebVTT chapters file (what a web
 * page's <track kind="chapters"> and Shaka's addChaptersTrack() take), Apple's JSON chapters referenced from the
 * HLS multivariant playlist by EXT-X-SESSION-DATA "com.apple.hls.chapters" (hls.c), and a DASH EventStream of
 * the same chapters (dash.c). Titles are "Slide N": the analysis knows where a slide changes, not what it says.
 */
#include "config.h"
#include "libstream/internal.h"
#include "libstream/output/output.h"
#include "libstream/package/model.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ls_chapters_free(LSPresentation *p)
{
    free(p->lecture.chapter);
    free(p->lecture.chapter_change);
    free(p->lecture.chapter_image);
    p->lecture.chapter = NULL;
    p->lecture.chapter_change = p->lecture.chapter_image = NULL;
    p->lecture.n_chapters = 0;
}

int ls_chapters_plan(LSPresentation *p)
{
    ls_chapters_free(p);
    if (!p->lecture.on || p->duration <= 0 || p->fps_num <= 0)
        return 0;
    const size_t m = (size_t)p->lecture.n_changes + 1;
    double *c = p->lecture.chapter = ls_malloc(m * sizeof(*c));
    int *from = p->lecture.chapter_change = ls_malloc(m * sizeof(int));
    if (!c || !from || !(p->lecture.chapter_image = ls_calloc(m, sizeof(int)))) {
        ls_chapters_free(p);
        return LSTREAM_ERR(ENOMEM);
    }
    int n = 0;
    from[n] = -1;
    c[n++] = 0;
    for (int i = 0; i < p->lecture.n_changes; i++) {
        const double t = (double)p->lecture.changes[i] * p->fps_den / p->fps_num;
        const double next =
            i + 1 < p->lecture.n_changes ? (double)p->lecture.changes[i + 1] * p->fps_den / p->fps_num : p->duration;
        if (t > 0 && t < p->duration && next - t >= LS_MIN_CHAPTER_S) {
            from[n] = i;
            c[n++] = t;
        }
    }
    p->lecture.n_chapters = n;
    return 0;
}

static void vtt_time(LSBuf *b, double t)
{
    const int64_t ms = (int64_t)llround(t * 1000);
    ls_buf_printf(b, "%02lld:%02lld:%02lld.%03lld", (long long)(ms / 3600000), (long long)(ms / 60000 % 60),
                  (long long)(ms / 1000 % 60), (long long)(ms % 1000));
}

int ls_write_chapters(LSOutput *o, const LSPresentation *p)
{
    const int n = p->lecture.n_chapters;
    if (n <= 0)
        return 0;
    LSBuf v = { 0 }, j = { 0 };
    ls_buf_printf(&v, "WEBVTT\n\n");
    ls_buf_printf(&j, "[\n");
    for (int i = 0; i < n; i++) {
        const double start = p->lecture.chapter[i], end = i + 1 < n ? p->lecture.chapter[i + 1] : p->duration;
        ls_buf_printf(&v, "slide-%d\n", i + 1);
        vtt_time(&v, start);
        ls_buf_printf(&v, " --> ");
        vtt_time(&v, end);
        ls_buf_printf(&v, "\nSlide %d\n\n", i + 1);
        ls_buf_printf(&j,
                      "  {\"chapter\": %d, \"start-time\": %.3f, \"duration\": %.3f, \"titles\": [{\"language\": "
                      "\"%s\", \"title\": \"Slide %d\"}]",
                      i + 1, start, end - start, p->lecture.language ? p->lecture.language : "und", i + 1);
        if (p->lecture.chapter_image[i])
            ls_buf_printf(&j,
                          ", \"images\": [{\"image-category\": \"chapter\", \"pixel-width\": %d, \"pixel-height\": %d, "
                          "\"url\": \"" LS_NAME_THUMB_DIR "/" LS_NAME_THUMB_CHAPTER "\"}]",
                          p->thumbs.tile_w, p->thumbs.tile_h, i + 1);
        ls_buf_printf(&j, "}%s\n", i + 1 < n ? "," : "");
    }
    ls_buf_printf(&j, "]\n");
    int err = ls_output_put_buf(o, &v, LS_NAME_CHAPTERS_VTT);
    if (!err)
        err = ls_output_put_buf(o, &j, LS_NAME_CHAPTERS_JSON);
    else
        ls_buf_free(&j);
    return err;
}
