/*
 * Segment planning, shared by every rendition (doc/RULES.md: H2, H3, H6, H9, S1).
 * The first segment is short (LS_LEAD_SECONDS, when the target is at least twice that): a player's start costs
 * its first segment, and on a 400 kbit/s link a 6 s segment of a camera picture is 2-3 s of waiting (S1; measured
 * by tests/startup.sh, BENCHMARKS.md); it costs one IDR more per lecture. The rest of the estimated length is split
 * into the fewest equal segments that each fit the target duration, so no segment exceeds the target and there is
 * no near-empty tail. Boundaries are in planning units (video frames, or AAC frames for audio-only input); audio
 * cuts at the AAC frame nearest each boundary.
 */
#include "config.h"
#include "libstream/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static void plan_init(LSSegPlan *p, double target, int64_t unit_num, int64_t unit_den, int64_t est_units, int lead_ok)
{
    p->unit_num = unit_num;
    p->unit_den = unit_den;
    p->target = target;
    /* a tiny epsilon so 6.0 s at exactly 30 fps allows 180 frames */
    p->max_units = (int64_t)floor(target * unit_den / unit_num + 1e-9);
    if (p->max_units < 1)
        p->max_units = 1;
    /* the last planned segment absorbs an estimate that was short (containers often report the length a
     * frame or two off): it may grow while its EXTINF still rounds to the target (H1, Apple 7.7: < +0.5 s) */
    p->max_last = (int64_t)floor((target + 0.49) * unit_den / unit_num);
    if (p->max_last < p->max_units)
        p->max_last = p->max_units;
    p->est_units = est_units > 0 ? est_units : 0;
    /* the short first segment: when the target leaves room for it and the rest is at least a full segment */
    const int64_t lead = (int64_t)floor(LS_LEAD_SECONDS * unit_den / unit_num + 1e-9);
    p->lead = lead_ok && lead >= 1 && 2 * lead <= p->max_units && p->est_units >= lead + p->max_units ? lead : 0;
    const int64_t rest = p->est_units - p->lead;
    p->n_planned = p->est_units ? (p->lead ? 1 : 0) + (rest + p->max_units - 1) / p->max_units : 0;
}

void ls_segplan_init(LSSegPlan *p, double target, int64_t unit_num, int64_t unit_den, int64_t est_units)
{
    plan_init(p, target, unit_num, unit_den, est_units, 1);
}

static int64_t planned_start(const LSSegPlan *p, int64_t s)
{
    if (p->lead) { /* segment 0 is the lead; the rest split evenly */
        if (s <= 0)
            return 0;
        const int64_t n = p->n_planned - 1, rest = p->est_units - p->lead;
        return p->lead + (2 * (s - 1) * rest + n) / (2 * n);
    }
    return (2 * s * p->est_units + p->n_planned) / (2 * p->n_planned); /* round(s * est / n) in integers */
}

/* first unit after the plan: where the last planned segment stops absorbing */
static int64_t tail_start(const LSSegPlan *p)
{
    if (!p->n_planned)
        return 0;
    const int64_t grown = planned_start(p, p->n_planned - 1) + p->max_last;
    return grown > p->est_units ? grown : p->est_units;
}

int64_t ls_segplan_start(const LSSegPlan *p, int64_t s)
{
    if (s <= 0)
        return 0;
    if (s < p->n_planned)
        return planned_start(p, s);
    return tail_start(p) + (s - p->n_planned) * p->max_units;
}

int64_t ls_segplan_segment_of(const LSSegPlan *p, int64_t u)
{
    if (u <= 0)
        return 0;
    const int64_t tail = tail_start(p);
    if (p->n_planned && u < tail) {
        if (u < p->lead)
            return 0;
        int64_t s = u * p->n_planned / p->est_units; /* close guess, then fix */
        if (s >= p->n_planned)
            s = p->n_planned - 1;
        while (s > 0 && planned_start(p, s) > u)
            s--;
        while (s + 1 < p->n_planned && planned_start(p, s + 1) <= u)
            s++;
        return s;
    }
    return p->n_planned + (u - tail) / p->max_units;
}

/*
 * The grid a lecture is cut on: the plan, restarted at slide changes. A slide change needs an IDR on every rung; in
 * the middle of a segment that is one IDR more than the grid's. Ending the segment there instead and planning the
 * rest of the lecture from the slide change (the fewest equal segments that fit the target, as above) makes the
 * slide's IDR the next segment's: no segment grows, so every rule above holds (H1, H3: none over the target), and a
 * lecture pays one IDR per segment again, not one per segment plus one per slide. A segment already shorter than
 * min_units when the slide changes keeps going (no near-empty segment; the slide's IDR stays inside it).
 * A restart can leave the IDRs to the end as many as before (the rest, split again, may need as many segments), but
 * never more, and what comes after a slide change is more often another slide change than the end: over random
 * lectures of 20 s to 6 min with a slide change every 10-120 s (exponential gaps), restarting every time saves
 * 0.30-0.39 IDR per slide change; restarting only where it saves one to the estimated end, 0.10-0.21
 * (bench/seggrid.py, a model of this file).
 * Each restart only moves the next boundary earlier, never a past one: a unit's segment is known once the unit is
 * seen, which is what the audio cut and the writers rely on.
 */
int64_t ls_seggrid_start(const LSSegGrid *g, int64_t s)
{
    for (int i = g->n - 1; i >= 0; i--)
        if (g->r[i].seg <= s)
            return g->r[i].unit + ls_segplan_start(&g->r[i].plan, s - g->r[i].seg);
    return ls_segplan_start(g->base, s);
}

int64_t ls_seggrid_segment_of(const LSSegGrid *g, int64_t u)
{
    for (int i = g->n - 1; i >= 0; i--)
        if (g->r[i].unit <= u)
            return g->r[i].seg + ls_segplan_segment_of(&g->r[i].plan, u - g->r[i].unit);
    return ls_segplan_segment_of(g->base, u);
}

int ls_seggrid_restart(LSSegGrid *g, int64_t u, int64_t min_units)
{
    const int64_t s = ls_seggrid_segment_of(g, u), start = ls_seggrid_start(g, s);
    if (start == u || u - start < min_units)
        return 0;
    LSSegPlan rest;
    plan_init(&rest, g->base->target, g->base->unit_num, g->base->unit_den,
              g->base->est_units > u ? g->base->est_units - u : 0, 0);
    if (g->n == g->cap) {
        const int cap = g->cap ? 2 * g->cap : 16;
        void *r = ls_realloc(g->r, cap * sizeof(*g->r));
        if (!r)
            return LSTREAM_ERR(ENOMEM);
        g->r = r;
        g->cap = cap;
    }
    LSSegRestart *r = &g->r[g->n++];
    r->seg = s + 1;
    r->unit = u;
    r->plan = rest;
    return 1;
}

void ls_seggrid_free(LSSegGrid *g)
{
    free(g->r);
    g->r = NULL;
    g->n = g->cap = 0;
}
