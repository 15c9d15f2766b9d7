/* Plane operations of the frame normaliser: deinterlace (field blend) and rotation. */
#include "config.h"
#include "filters.h"

/* Linear blend of each line with its neighbours (1-2-1 vertical): removes combing from interlaced
 * sources at the cost of some vertical detail; good enough for lecture cameras and cheap. */
void ls_plane_deinterlace(uint8_t *dst, ptrdiff_t ds, const uint8_t *src, ptrdiff_t ss, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *up = src + (y > 0 ? y - 1 : 0) * ss;
        const uint8_t *mid = src + y * ss;
        const uint8_t *dn = src + (y < h - 1 ? y + 1 : h - 1) * ss;
        uint8_t *d = dst + y * ds;
        for (int x = 0; x < w; x++)
            d[x] = (uint8_t)((up[x] + 2 * mid[x] + dn[x] + 2) >> 2);
    }
}

/* Rotate clockwise by 90, 180 or 270 degrees; dst is h x w for 90/270. */
void ls_plane_rotate(uint8_t *dst, ptrdiff_t ds, const uint8_t *src, ptrdiff_t ss, int w, int h, int degrees)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + y * ss;
        for (int x = 0; x < w; x++) {
            switch (degrees) {
            case 90: dst[x * ds + (h - 1 - y)] = s[x]; break;
            case 180: dst[(h - 1 - y) * ds + (w - 1 - x)] = s[x]; break;
            case 270: dst[(w - 1 - x) * ds + y] = s[x]; break;
            default: dst[y * ds + x] = s[x]; break;
            }
        }
    }
}
