"""The Python binding against the real library (tests/python.sh runs it): transcode with progress and log
callbacks, validate and read the findings, settings by name (a bad one names itself), cancel from Python."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libstream  # noqa: E402

lstream = sys.argv[1]  # the lstream binary, to make a sample
passed = failed = 0


def expect(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


with tempfile.TemporaryDirectory(prefix="lstream-python-", dir=os.environ.get("TMPDIR")) as tmp:
    sample = os.path.join(tmp, "lecture.mp4")
    subprocess.run([lstream, "sample", sample, "--duration", "6", "--size", "640x360"], check=True)
    stages, logs = [], []
    with libstream.Job(preset="ultrafast", rungs="360,240", audio_language="km", threads=2, chunk_span=1,
                       on_progress=lambda p: stages.append((p.stage, p.media_done_s)),
                       on_log=lambda level, msg: logs.append((level, msg)), log_level="info") as job:
        out = os.path.join(tmp, "ladder")
        job.run(sample, out)
    expect(os.path.exists(os.path.join(out, "master.m3u8")), "ladder published")
    expect(any(s == "publish" for s, _ in stages) and any(d > 5 for _, d in stages), "progress seen: %s" % stages[-3:])
    expect(any(level == libstream.LOG_INFO and "rung v360" in m for level, m in logs), "log callback")

    # the same ladder in 3 chunks and the audio part, then finalize: byte for byte the whole run's
    with libstream.Job(preset="ultrafast", rungs="360,240", audio_language="km", threads=2, chunk_span=1) as job:
        chunked = os.path.join(tmp, "chunked")
        for k in (3, 1, 2):
            job.run_chunk(sample, chunked, k, 3)
        job.run_chunk(sample, chunked, "audio")
        job.finalize(chunked)
    same = sorted(os.listdir(out)) == sorted(os.listdir(chunked)) and all(
        open(os.path.join(d, f), "rb").read() == open(os.path.join(chunked, os.path.relpath(d, out), f), "rb").read()
        for d, _, files in os.walk(out) for f in files)
    expect(same, "chunked through the binding: identical to the whole run")

    report = libstream.validate(out)
    expect(report.ok and report.checks > 50, "validates: %d checks, %d MUST" % (report.checks, report.must))
    # a broken ladder: findings come back with rule, level, file and message
    os.remove(os.path.join(out, "v240", "seg_00001.m4s"))
    report = libstream.validate(out)
    expect(not report.ok and any(f.rule == "IO" and "v240/seg_00001.m4s" in f.file for f in report.findings),
           "findings of a broken ladder: %s" % report.findings[:2])

    # settings by name: a bad value and a bad name raise, naming themselves
    try:
        libstream.Job(max_fps=500)
        expect(False, "max_fps=500 accepted")
    except libstream.Error as e:
        expect(e.code == libstream.ERR_SETTING_VALUE and "max_fps" in str(e) and "1..120" in str(e), str(e))
    try:
        libstream.Job(no_such_thing=1)
        expect(False, "unknown setting accepted")
    except libstream.Error as e:
        expect(e.code == libstream.ERR_SETTING_NAME and "no_such_thing" in str(e), str(e))
    expect("rungs" in libstream.setting_names() and libstream.setting_help("preset"), "setting list")

    # cancel from Python: the job stops, nothing is published
    calls = []
    with libstream.Job(preset="ultrafast", cancel=lambda: len(calls) > 20 or calls.append(1)) as job:
        try:
            job.run(sample, os.path.join(tmp, "cancelled"))
            expect(False, "cancel ignored")
        except libstream.Error as e:
            expect(e.code == libstream.ERR_CANCELLED, "cancel gave %d %s" % (e.code, e))
    expect(not os.path.exists(os.path.join(tmp, "cancelled")), "a cancelled job published nothing")
    # a Python exception in a callback cancels the job and comes back from run()
    def boom(p):
        raise RuntimeError("from the progress callback")
    with libstream.Job(preset="ultrafast", on_progress=boom) as job:
        try:
            job.run(sample, os.path.join(tmp, "boom"))
            expect(False, "the exception was lost")
        except RuntimeError as e:
            expect("progress callback" in str(e), str(e))
    # a missing input: the library's message names it
    with libstream.Job() as job:
        try:
            job.run(os.path.join(tmp, "nope.mp4"), os.path.join(tmp, "x"))
        except libstream.Error as e:
            expect("nope.mp4" in str(e), str(e))

print("python: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
