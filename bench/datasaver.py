#!/usr/bin/env python3
"""Data-saver bench: what a student's phone pays, and what VP9 buys, on the three generated lectures.

For each lecture kind (slides-pip, screencast, talking-head; DURATION s of 1080p from `lstream sample`):
  - the default ladder with VP9 twins of its three lowest rungs (`lstream transcode --vp9 3`): bytes per lecture
    hour of every rendition (media segments, from ladder.json), of the lowest rung plus the data-saver audio, of
    the offline file;
  - VP9 against H.264 at equal quality: both encoded at four quality points (CRF 22/26/30/34 for x264, the same
    settings mapped by libstream for libvpx) at 480p, 360p and 240p; SSIM-Y and PSNR-Y of each against the source
    scaled with Lanczos (FFmpeg's ssim/psnr filters); VP9's rate at the SSIM (and PSNR) of x264 at the ladder's own
    CRF, by linear interpolation of log rate over quality, as a ratio to x264's rate;
  - encode time: the three H.264 rungs alone against the three VP9 rungs alone (decode and scaling are in both).
usage: bench/datasaver.py [--lstream build/lstream] [--duration 60] [--bytes-only] [--out bench-out/datasaver.json]
(--bytes-only: the bytes per hour of the H.264 ladder and the audio only: no VP9 twins, no rate-quality points)
"""
import argparse, json, math, os, re, shutil, subprocess, sys, tempfile, time

KINDS = ["slides-pip", "screencast", "talking-head"]
RUNGS = [480, 360, 240]
LADDER_CRF = {480: 23.0, 360: 23.0, 240: 24.0}  # libstream's default ladder (core/ladder.c)
CRFS = [22, 26, 30, 34]


def run(cmd):
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr[-2000:]))
    return time.time() - t0, r


def quality(ladder, rid, src):
    """SSIM-Y, PSNR-Y of rendition rid against src, and its media rate in bit/s."""
    d = os.path.join(ladder, rid)
    segs = sorted(f for f in os.listdir(d) if f.startswith("seg_"))
    joined = os.path.join(ladder, rid + ".mp4")
    with open(joined, "wb") as out:
        for f in ["init.mp4"] + segs:
            with open(os.path.join(d, f), "rb") as i:
                shutil.copyfileobj(i, out)
    media = sum(os.path.getsize(os.path.join(d, f)) for f in segs)
    info = json.load(open(os.path.join(ladder, "ladder.json")))
    r = next(x for x in info["renditions"] if x["id"] == rid)
    w, h = r["width"], r["height"]
    lavfi = ("[1:v]scale=%d:%d:flags=lanczos,format=yuv420p,split[r1][r2];[0:v]format=yuv420p,split[a][b];"
             "[a][r1]ssim;[b][r2]psnr" % (w, h))
    _, p = run(["ffmpeg", "-nostdin", "-i", joined, "-i", src, "-lavfi", lavfi, "-f", "null", "-"])
    ssim = float(re.search(r"SSIM Y:([0-9.]+)", p.stderr).group(1))
    psnr = float(re.search(r"PSNR y:([0-9.inf]+)", p.stderr).group(1))
    os.unlink(joined)
    return ssim, psnr, media * 8.0 / info["duration"]


def rate_at(points, q):
    """log-linear interpolation of rate at quality q over (quality, rate) points; None outside the measured span"""
    pts = sorted(points)
    for (q0, r0), (q1, r1) in zip(pts, pts[1:]):
        if q0 <= q <= q1 and q1 > q0:
            return math.exp(math.log(r0) + (math.log(r1) - math.log(r0)) * (q - q0) / (q1 - q0))
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lstream", default="build/lstream")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--bytes-only", action="store_true")
    ap.add_argument("--out", default="bench-out/datasaver.json")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lstream-datasaver-")
    report = {"duration": a.duration, "kinds": {}}
    try:
        for kind in KINDS:
            src = os.path.join(tmp, kind + ".mp4")
            run([a.lstream, "sample", src, "--kind", kind, "--duration", str(a.duration)])
            k = report["kinds"][kind] = {}
            # 1. the default ladder with VP9 twins: bytes per hour
            lad = os.path.join(tmp, kind + "-ladder")
            run([a.lstream, "transcode", src, "-o", lad, "-q", "--vp9", "0" if a.bytes_only else "3"])
            info = json.load(open(os.path.join(lad, "ladder.json")))
            mbh = lambda b: b / info["duration"] * 3600 / 1e6
            k["mb_per_hour"] = {r["id"]: round(mbh(r["bytes"]), 2) for r in info["renditions"]}
            video = [r for r in info["renditions"] if r["type"] == "video" and r["codec"].startswith("avc1")]
            audio = [r for r in info["renditions"] if r["type"] == "audio"]
            low, saver = video[-1], min(audio, key=lambda r: r["bytes"])
            k["data_saver"] = {"rung": low["id"], "audio": saver["id"],
                               "mb_per_hour": round(mbh(low["bytes"] + saver["bytes"]), 2)}
            if info.get("download"):
                k["download_mb_per_hour"] = round(mbh(info["download"]["bytes"]), 2)
            if a.bytes_only:
                print(json.dumps({kind: k}, indent=1))
                continue
            # 2. rate-quality points per codec
            pts = {}
            for crf in CRFS:
                d = os.path.join(tmp, "%s-crf%d" % (kind, crf))
                rungs = ",".join("%d:crf=%d" % (s, crf) for s in RUNGS)
                run([a.lstream, "transcode", src, "-o", d, "-q", "--no-validate", "--no-download", "--opus-kbps", "0",
                     "--loudness", "0", "-r", rungs + "," + ",".join("%d:crf=%d:vp9" % (s, crf) for s in RUNGS)])
                for s in RUNGS:
                    for codec, rid in (("h264", "v%d" % s), ("vp9", "v%d-vp9" % s)):
                        pts.setdefault((s, codec), []).append((crf,) + quality(d, rid, src))
                shutil.rmtree(d)
            k["rungs"] = {}
            for s in RUNGS:
                x, v = pts[(s, "h264")], pts[(s, "vp9")]
                # x264 at the ladder's CRF: its quality, interpolated over its own points
                ssim_ref = rate = None
                xs = sorted(x)
                for (c0, s0, p0, r0), (c1, s1, p1, r1) in zip(xs, xs[1:]):
                    if c0 <= LADDER_CRF[s] <= c1:
                        f = (LADDER_CRF[s] - c0) / (c1 - c0)
                        ssim_ref, psnr_ref = s0 + (s1 - s0) * f, p0 + (p1 - p0) * f
                        rate = math.exp(math.log(r0) + (math.log(r1) - math.log(r0)) * f)
                vs = rate_at([(q, r) for _, q, _, r in v], ssim_ref)
                vp = rate_at([(q, r) for _, _, q, r in v], psnr_ref)
                k["rungs"]["%dp" % s] = {
                    "points": {"h264": x, "vp9": v},
                    "h264_kbps_at_ladder_crf": round(rate / 1000, 2), "ssim": round(ssim_ref, 5),
                    "psnr": round(psnr_ref, 3),
                    "vp9_kbps_at_equal_ssim": vs and round(vs / 1000, 2),
                    "vp9_vs_h264_at_equal_ssim": vs and round(vs / rate, 3),
                    "vp9_vs_h264_at_equal_psnr": vp and round(vp / rate, 3)}
            # 3. encode time, the three rungs in each codec alone (best of 2)
            times = {}
            for codec, suffix in (("h264", ""), ("vp9", ":vp9")):
                best = None
                for _ in range(2):
                    d = os.path.join(tmp, kind + "-t")
                    t, _ = run([a.lstream, "transcode", src, "-o", d, "-q", "--no-validate", "--no-download",
                                "--opus-kbps", "0", "--loudness", "0", "-r",
                                ",".join("%d%s" % (s, suffix) for s in RUNGS)])
                    shutil.rmtree(d)
                    best = t if best is None else min(best, t)
                times[codec] = round(best, 2)
            k["encode_s"] = times
            k["vp9_time_vs_h264"] = round(times["vp9"] / times["h264"], 2)
            print(json.dumps({kind: k}, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    json.dump(report, open(a.out, "w"), indent=1)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
