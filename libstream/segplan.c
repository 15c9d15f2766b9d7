/*
 * Segment planning, shared by every rendition (PACKAGING-RULES H2, H3, H6, H9).
 * The estimated length is split into the fewest equal segments that each fit the target duration, so
 * no segment exceeds the target and there is no near-empty tail. Boundaries are in planning units
 * (video frames, or AAC frames for audio-only input); audio cuts at the AAC frame nearest each boundary.
 */
#include "config.h"
#include "internal.h"

#include <math.h>

void ls_segplan_init(LSSegPlan *p, double target, int64_t unit_num, int64_t unit_den, int64_t est_units)
{
    p->unit_num = unit_num;
    p->unit_den = unit_den;
    p->target = target;
    /* a tiny epsilon so 6.0 s at exactly 30 fps allows 180 frames */
    p->max_units = (int64_t)floor(target * unit_den / unit_num + 1e-9);
    if (p->max_units < 1)
        p->max_units = 1;
    p->est_units = est_units > 0 ? est_units : 0;
    p->n_planned = p->est_units ? (p->est_units + p->max_units - 1) / p->max_units : 0;
}

int64_t ls_segplan_start(const LSSegPlan *p, int64_t s)
{
    if (s <= 0)
        return 0;
    if (s < p->n_planned) /* round(s * est / n) in integers */
        return (2 * s * p->est_units + p->n_planned) / (2 * p->n_planned);
    const int64_t end = p->n_planned ? p->est_units : 0;
    return end + (s - p->n_planned) * p->max_units;
}

int64_t ls_segplan_segment_of(const LSSegPlan *p, int64_t u)
{
    if (u <= 0)
        return 0;
    if (p->n_planned && u < p->est_units) {
        int64_t s = u * p->n_planned / p->est_units; /* close guess, then fix */
        while (s > 0 && ls_segplan_start(p, s) > u)
            s--;
        while (ls_segplan_start(p, s + 1) <= u)
            s++;
        return s;
    }
    const int64_t end = p->n_planned ? p->est_units : 0;
    return p->n_planned + (u - end) / p->max_units;
}
