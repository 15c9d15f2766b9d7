#!/usr/bin/env python3
"""Lecture-aware bench: libstream's lecture-aware ladder, the same with the content-adaptive ladder (--ladder auto),
its own fixed ladder (--no-lecture) and the ladder an operator writes by hand with FFmpeg (2 s GOPs, CRF 23, the same
rungs and caps), on generated lectures.

For each lecture kind (slides, slides-pip, talking-head by default; DURATION s of 1080p30 from `lstream sample`,
no audio, so that all three encode the same thing):
  - bytes of every video rung, SSIM-Y and PSNR-Y against the source (scaled with Lanczos; FFmpeg's ssim/psnr
    filters), per configuration;
  - CPU time (user + system, of the process and its threads) of each configuration, RUNS times, min/median/max,
    the four run side by side in the same loop;
  - the whole ladder's video bytes per configuration (--ladder auto keeps fewer rungs: its per-rung rows are the
    rungs it kept) and which rungs --ladder auto kept;
  - slide changes found by libstream (ladder.json "lecture") against the generated lecture's true slide changes
    (`lstream sample --slide-times`): precision and recall at +-1 frame.
usage: bench/lecture.py [--lstream build/lstream] [--duration 60] [--runs 3] [--kinds slides,slides-pip,talking-head]
                        [--out bench-out/lecture.json]
"""
import argparse, json, os, re, resource, shutil, statistics, subprocess, sys, tempfile

RUNGS = [(1080, 3500, 7000), (720, 2000, 4000), (480, 1000, 2000), (360, 600, 1200), (240, 90, 45)]


def run(cmd):
    """run cmd; its CPU time (user + sys of the child) in seconds"""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr[-3000:]))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), r


def ffmpeg_ladder(src, out):
    os.makedirs(out, exist_ok=True)
    split = "[0:v]split=%d%s;" % (len(RUNGS), "".join("[s%d]" % i for i in range(len(RUNGS))))
    split += ";".join("[s%d]scale=-2:%d[o%d]" % (i, h, i) for i, (h, _, _) in enumerate(RUNGS))
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src, "-filter_complex", split]
    for i, (h, mx, buf) in enumerate(RUNGS):
        cmd += ["-map", "[o%d]" % i, "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                "-maxrate", "%dk" % mx, "-bufsize", "%dk" % buf, "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
                os.path.join(out, "v%d.mp4" % h)]
    return cmd


def frame_rate(path):
    _, p = run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=r_frame_rate", "-of",
                "csv=p=0", path])
    return p.stdout.split()[0]


def quality(video, src, w, h):
    # the rung at the source's frame rate: a held repeat (a sample lasting several frames) is compared as shown,
    # once per source frame
    lavfi = ("[1:v]scale=%d:%d:flags=lanczos,format=yuv420p,split[r1][r2];[0:v]fps=%s,format=yuv420p,split[a][b];"
             "[a][r1]ssim;[b][r2]psnr" % (w, h, frame_rate(src)))
    _, p = run(["ffmpeg", "-nostdin", "-i", video, "-i", src, "-lavfi", lavfi, "-f", "null", "-"])
    return (float(re.search(r"SSIM Y:([0-9.]+)", p.stderr).group(1)),
            float(re.search(r"PSNR y:([0-9.inf]+)", p.stderr).group(1)))


def video_bytes(path):
    _, p = run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=size", "-of", "csv=p=0", path])
    return sum(int(x) for x in p.stdout.split())


def ladder_rungs(lad, tmp):
    """{short side: (joined mp4, w, h, media bytes)} of a libstream ladder's H.264 rungs"""
    info = json.load(open(os.path.join(lad, "ladder.json")))
    out = {}
    for r in info["renditions"]:
        if r.get("type") != "video" or not r["codec"].startswith("avc1"):
            continue
        d = os.path.join(lad, r["id"])
        segs = sorted(f for f in os.listdir(d) if f.startswith("seg_"))
        joined = os.path.join(tmp, os.path.basename(lad) + "-" + r["id"] + ".mp4")
        with open(joined, "wb") as o:
            for f in ["init.mp4"] + segs:
                with open(os.path.join(d, f), "rb") as i:
                    shutil.copyfileobj(i, o)
        out[min(r["width"], r["height"])] = (joined, r["width"], r["height"], r["bytes"])
    return out, info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lstream", default="build/lstream")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kinds", default="slides,slides-pip,talking-head")
    ap.add_argument("--out", default="bench-out/lecture.json")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="lstream-lecture-")
    report = {"duration": a.duration, "runs": a.runs, "kinds": {}}
    try:
        for kind in a.kinds.split(","):
            src = os.path.join(tmp, kind + ".mp4")
            _, p = run([a.lstream, "sample", src, "--kind", kind, "--duration", str(a.duration), "--no-audio",
                        "--slide-times"])
            truth = [int(l.split()[0]) for l in p.stdout.split("\n") if l.strip()]
            confs = {
                "lecture": [a.lstream, "transcode", src, "-o", os.path.join(tmp, kind + "-lecture"), "-q",
                            "--no-download", "--no-validate"],
                "auto": [a.lstream, "transcode", src, "-o", os.path.join(tmp, kind + "-auto"), "-q",
                         "--no-download", "--no-validate", "--ladder", "auto"],
                "fixed": [a.lstream, "transcode", src, "-o", os.path.join(tmp, kind + "-fixed"), "-q",
                          "--no-download", "--no-validate", "--no-lecture", "--no-thumbnails", "--no-hold"],
                "ffmpeg": ffmpeg_ladder(src, os.path.join(tmp, kind + "-ffmpeg")),
            }
            cpu = {c: [] for c in confs}
            for i in range(a.runs):
                for c, cmd in confs.items():
                    if c != "ffmpeg" and os.path.isdir(cmd[4]):
                        shutil.rmtree(cmd[4])
                    t, _ = run(cmd)
                    cpu[c].append(t)
                    print("%s run %d %s: %.1f s CPU" % (kind, i + 1, c, t), file=sys.stderr)
            k = report["kinds"][kind] = {"cpu_s": {c: {"min": min(v), "median": statistics.median(v), "max": max(v)}
                                                   for c, v in cpu.items()}}
            k["cpu_ratio_vs_ffmpeg"] = {c: round(k["cpu_s"][c]["median"] / k["cpu_s"]["ffmpeg"]["median"], 3)
                                        for c in ("lecture", "auto", "fixed")}
            rungs = {}
            lec, info = ladder_rungs(confs["lecture"][4], tmp)
            aut, _ = ladder_rungs(confs["auto"][4], tmp)
            fix, _ = ladder_rungs(confs["fixed"][4], tmp)
            k["auto_kept"] = sorted(aut, reverse=True)
            for h, _, _ in RUNGS:
                ff = os.path.join(confs["ffmpeg"][-1].rsplit("/", 1)[0], "v%d.mp4" % h)
                if h not in lec:
                    continue
                row = {}
                confs_h = [("lecture", lec[h]), ("fixed", fix[h]), ("ffmpeg", (ff, lec[h][1], lec[h][2], None))]
                if h in aut:
                    confs_h.append(("auto", aut[h]))
                for name, (path, w, hh, b) in confs_h:
                    ssim, psnr = quality(path, src, w, hh)
                    row[name] = {"bytes": b if b is not None else video_bytes(path), "ssim": ssim, "psnr": psnr}
                for name in [n for n, _ in confs_h if n != "ffmpeg"]:
                    row[name]["bytes_vs_ffmpeg"] = round(row[name]["bytes"] / row["ffmpeg"]["bytes"], 3)
                    row[name]["ssim_minus_ffmpeg"] = round(row[name]["ssim"] - row["ffmpeg"]["ssim"], 4)
                rungs[h] = row
            k["rungs"] = rungs
            k["ladder_bytes"] = {c: sum(r[c]["bytes"] for r in rungs.values() if c in r)
                                 for c in ("lecture", "auto", "fixed", "ffmpeg")}
            found = info.get("lecture", {}).get("slide_changes", [])
            found_frames = [c["frame"] for c in found]
            tp = sum(1 for f in found_frames if any(abs(f - t) <= 1 for t in truth))
            hit = sum(1 for t in truth if any(abs(f - t) <= 1 for f in found_frames))
            k["slides"] = {"true": truth, "found": found_frames,
                           "precision": tp / len(found_frames) if found_frames else (1.0 if not truth else 0.0),
                           "recall": hit / len(truth) if truth else 1.0}
            print(json.dumps({kind: k}, indent=1), file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)
    print("%-13s %-5s %10s %8s %10s %8s %10s %8s" % ("lecture", "rung", "aware B", "SSIM", "fixed B", "SSIM",
                                                    "ffmpeg B", "SSIM"))
    for kind, k in report["kinds"].items():
        for h, r in k["rungs"].items():
            print("%-13s %-5s %10d %8.4f %10d %8.4f %10d %8.4f  aware/ff %.2f" % (
                kind, h, r["lecture"]["bytes"], r["lecture"]["ssim"], r["fixed"]["bytes"], r["fixed"]["ssim"],
                r["ffmpeg"]["bytes"], r["ffmpeg"]["ssim"], r["lecture"]["bytes_vs_ffmpeg"]))
        print("%-13s CPU median s: aware %.1f auto %.1f fixed %.1f ffmpeg %.1f (aware/ff %.2f, auto/ff %.2f); "
              "slides precision %.2f recall %.2f" % (
            kind, k["cpu_s"]["lecture"]["median"], k["cpu_s"]["auto"]["median"], k["cpu_s"]["fixed"]["median"],
            k["cpu_s"]["ffmpeg"]["median"], k["cpu_ratio_vs_ffmpeg"]["lecture"], k["cpu_ratio_vs_ffmpeg"]["auto"],
            k["slides"]["precision"], k["slides"]["recall"]))
        lb = k["ladder_bytes"]
        print("%-13s ladder bytes: aware %d auto %d (rungs %s) fixed %d ffmpeg %d (auto/ff %.2f)" % (
            kind, lb["lecture"], lb["auto"], ",".join(map(str, k["auto_kept"])), lb["fixed"],
            lb["ffmpeg"], lb["auto"] / lb["ffmpeg"]))
        for h, r in k["rungs"].items():
            if "auto" in r:
                print("%-13s %-5s auto %10d %8.4f  auto/ff %.2f" % (kind, h, r["auto"]["bytes"], r["auto"]["ssim"],
                                                                    r["auto"]["bytes_vs_ffmpeg"]))


if __name__ == "__main__":
    main()
