#!/usr/bin/env python3
"""IDRs per lecture with the segment grid fixed, restarted at every slide change, or restarted only where that saves
an IDR to the estimated end: a model of libstream/core/segplan.c (the plan: a 2 s first segment, then the fewest
equal segments of at most 6 s; a restart ends the segment a slide change falls in, unless it began under a second
before, and plans the rest again from it), run on random lectures. Frames at 30 fps.

A slide change is an IDR on every rung wherever it falls; a segment start is one too. The IDRs of a lecture are its
segment starts plus the slide changes inside a segment. This is the figure quoted in segplan.c.
usage: bench/seggrid.py [--trials 300] [--seed 1]
"""
import argparse, random

FPS, MAX, LEAD, MIN = 30, 180, 60, 30


def plan(est, lead_ok):
    """segment starts of the plan over est frames (segplan.c: plan_init, planned_start)"""
    if est <= 0:
        return [0]
    lead = LEAD if lead_ok and 2 * LEAD <= MAX and est >= LEAD + MAX else 0
    rest = est - lead
    n = (1 if lead else 0) + (rest + MAX - 1) // MAX

    def start(s):
        if s <= 0:
            return 0
        if lead:
            m = n - 1
            return lead + (2 * (s - 1) * rest + m) // (2 * m)
        return (2 * s * est + n) // (2 * n)

    return [start(s) for s in range(n)]


def idrs(est, slides, mode):
    starts = plan(est, True)
    for u in slides:
        cur = max(s for s in starts if s <= u)
        if cur == u or u - cur < MIN or mode == "fixed":
            continue
        again = [u + x for x in plan(est - u, False)]
        if mode == "saving" and len(again) - 1 >= len([s for s in starts if s > u]):
            continue
        starts = [s for s in starts if s < u] + again
    on = set(starts)
    return len(starts) + len([u for u in slides if u not in on])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    random.seed(a.seed)
    print("mean gap s | slide changes | IDRs fixed | always | saving-only | saved per slide change: always, saving-only")
    for gap in (10, 30, 60, 120):
        tot = {"fixed": 0, "always": 0, "saving": 0}
        n = 0
        for _ in range(a.trials):
            est = random.randint(20 * FPS, 360 * FPS)
            t, slides = 0, []
            while True:
                t += max(MIN, int(random.expovariate(1 / (gap * FPS))))
                if t >= est:
                    break
                slides.append(t)
            n += len(slides)
            for m in tot:
                tot[m] += idrs(est, slides, m)
        print("%d | %d | %d | %d | %d | %.2f, %.2f" % (gap, n, tot["fixed"], tot["always"], tot["saving"],
                                                        (tot["fixed"] - tot["always"]) / n,
                                                        (tot["fixed"] - tot["saving"]) / n))


if __name__ == "__main__":
    main()
