"""libstream from Python: transcode a lecture into an HLS + DASH ladder, validate a ladder, read the findings.

A ctypes binding on the standard library only, for platforms written in Python (Kolibri, Open edX, Django
sites). It never mirrors the C settings struct: it allocates lstream_settings_size() bytes, fills them with
lstream_default_settings() and sets every field by name (lstream_settings_set), so a newer library with more
fields still works. Callbacks go through lstream_settings_set_log/progress/cancel.

    import libstream
    job = libstream.Job(preset="veryfast", audio_language="km", rungs="720,360,240",
                        on_progress=lambda p: print(p.stage, p.media_done_s), cancel=lambda: stop_requested)
    job.run("lecture.mp4", "/srv/lectures/42")        # raises libstream.Error on failure
    report = libstream.validate("/srv/lectures/42")
    for f in report.findings: print(f.level, f.rule, f.file, f.message)

The library is found through LIBSTREAM_LIB (a path to libstream.so), else the system's loader (pkg-config
installs it as libstream.so.0).
"""
import ctypes
import ctypes.util
import os

__all__ = ["Job", "Error", "Progress", "Finding", "Validation", "validate", "version", "setting_names", "setting_help"]


def _load():
    path = os.environ.get("LIBSTREAM_LIB") or ctypes.util.find_library("stream") or "libstream.so.0"
    return ctypes.CDLL(path)


_lib = _load()


class Progress(ctypes.Structure):
    """LStreamProgress: valid during the callback only (the binding copies what it hands over)."""
    _fields_ = [("media_done_s", ctypes.c_double), ("media_total_s", ctypes.c_double),
                ("elapsed_s", ctypes.c_double), ("speed", ctypes.c_double),
                ("frames_done", ctypes.c_int64), ("_stage", ctypes.c_char_p)]

    @property
    def stage(self):
        return self._stage.decode() if self._stage else ""


class _Finding(ctypes.Structure):
    _fields_ = [("rule", ctypes.c_char_p), ("must", ctypes.c_int), ("file", ctypes.c_char_p),
                ("message", ctypes.c_char_p)]


_LOG = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)
_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(Progress))
_CANCEL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)

_lib.lstream_settings_size.restype = ctypes.c_size_t
_lib.lstream_default_settings.argtypes = [ctypes.c_void_p]
_lib.lstream_settings_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
_lib.lstream_settings_check.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
_lib.lstream_settings_help.argtypes = [ctypes.c_char_p]
_lib.lstream_settings_help.restype = ctypes.c_char_p
_lib.lstream_settings_name.argtypes = [ctypes.c_int]
_lib.lstream_settings_name.restype = ctypes.c_char_p
_lib.lstream_settings_set_log.argtypes = [ctypes.c_void_p, _LOG, ctypes.c_void_p]
_lib.lstream_settings_set_progress.argtypes = [ctypes.c_void_p, _PROGRESS, ctypes.c_void_p]
_lib.lstream_settings_set_cancel.argtypes = [ctypes.c_void_p, _CANCEL, ctypes.c_void_p]
_lib.lstream_job_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
_lib.lstream_job_run.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
_lib.lstream_job_run_chunk.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
_lib.lstream_job_finalize.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_lib.lstream_job_error.argtypes = [ctypes.c_void_p]
_lib.lstream_job_error.restype = ctypes.c_char_p
_lib.lstream_job_close.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
_lib.lstream_strerror.argtypes = [ctypes.c_int]
_lib.lstream_strerror.restype = ctypes.c_char_p
_lib.lstream_version.restype = ctypes.c_char_p
_lib.lstream_validate.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
_lib.lstream_validation_count.argtypes = [ctypes.c_void_p]
_lib.lstream_validation_must_count.argtypes = [ctypes.c_void_p]
_lib.lstream_validation_checks.argtypes = [ctypes.c_void_p]
_lib.lstream_validation_finding.argtypes = [ctypes.c_void_p, ctypes.c_int]
_lib.lstream_validation_finding.restype = ctypes.POINTER(_Finding)
_lib.lstream_validation_free.argtypes = [ctypes.POINTER(ctypes.c_void_p)]

# error codes (libstream.h)
ERR_INVALID_INPUT, ERR_NO_STREAMS, ERR_UNSUPPORTED, ERR_ENCODER, ERR_OUTPUT = -10001, -10002, -10003, -10004, -10005
ERR_CANCELLED, ERR_SETTINGS, ERR_VALIDATION, ERR_BUG = -10006, -10007, -10008, -10009
ERR_SETTING_NAME, ERR_SETTING_VALUE = -10010, -10011
LOG_ERROR, LOG_WARNING, LOG_INFO, LOG_DEBUG = 0, 1, 2, 3


class Error(Exception):
    """A libstream error: .code (negative, errno or ERR_*) and the library's message (what, which file, why)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def version():
    return _lib.lstream_version().decode()


def setting_names():
    """Every name Job(...) accepts as a keyword (the library's own list)."""
    names, i = [], 0
    while True:
        n = _lib.lstream_settings_name(i)
        if not n:
            return names
        names.append(n.decode())
        i += 1


def setting_help(name):
    h = _lib.lstream_settings_help(name.encode())
    return h.decode() if h else None


class Job:
    """A transcoding job. Keyword settings are the library's setting names (setting_names()); values are
    given as Python values and passed as text. on_log(level, message), on_progress(Progress) and cancel() are
    called from the job's threads while run() blocks (one at a time)."""

    def __init__(self, on_log=None, on_progress=None, cancel=None, **settings):
        self._buf = ctypes.create_string_buffer(_lib.lstream_settings_size())
        _lib.lstream_default_settings(self._buf)
        for name, value in settings.items():
            if isinstance(value, bool):
                value = int(value)
            err = _lib.lstream_settings_set(self._buf, name.encode(), str(value).encode())
            if err == ERR_SETTING_NAME:
                raise Error(err, "unknown setting %r (known: %s)" % (name, ", ".join(setting_names())))
            if err:
                raise Error(err, "invalid value %r for %s: %s" % (value, name, setting_help(name)))
        # the ctypes callbacks must outlive the job: kept on self
        self._cbs = []
        self._exc = None
        if on_log:
            cb = _LOG(lambda _o, level, msg: self._guard(on_log, level, msg.decode(errors="replace")))
            self._cbs.append(cb)
            _lib.lstream_settings_set_log(self._buf, cb, None)
        if on_progress:
            cb = _PROGRESS(lambda _o, p: self._guard(on_progress, _copy_progress(p.contents)))
            self._cbs.append(cb)
            _lib.lstream_settings_set_progress(self._buf, cb, None)
        if cancel:
            cb = _CANCEL(lambda _o: 1 if self._guard(cancel) else 0)
            self._cbs.append(cb)
            _lib.lstream_settings_set_cancel(self._buf, cb, None)
        why = ctypes.create_string_buffer(512)
        err = _lib.lstream_settings_check(self._buf, why, len(why))
        if err:
            raise Error(err, why.value.decode())
        self._job = ctypes.c_void_p()
        err = _lib.lstream_job_open(ctypes.byref(self._job), self._buf)
        if err:
            raise Error(err, _lib.lstream_strerror(err).decode())

    def _guard(self, fn, *args):
        """An exception in a Python callback must not cross the C library: it is kept, the job cancelled."""
        try:
            return fn(*args)
        except BaseException as e:  # noqa: BLE001 -- re-raised from run()
            self._exc = self._exc or e
            return True

    def run(self, input_path, outdir):
        """Transcode input_path into a ladder published at outdir (atomically; nothing on failure)."""
        self._call(_lib.lstream_job_run, os.fsencode(input_path), os.fsencode(outdir))

    def run_chunk(self, input_path, outdir, chunk, chunks=0):
        """One part of a chunked encode into outdir.parts/: video chunk `chunk` of `chunks` (1-based), or
        the audio part with chunk="audio". Then finalize(outdir)."""
        k = 0 if chunk == "audio" else int(chunk)
        self._call(_lib.lstream_job_run_chunk, os.fsencode(input_path), os.fsencode(outdir), k, int(chunks))

    def finalize(self, outdir):
        """Join the parts in outdir.parts/ into the ladder at outdir (byte for byte a whole run's)."""
        self._call(_lib.lstream_job_finalize, os.fsencode(outdir))

    def _call(self, fn, *args):
        self._exc = None
        err = fn(self._job, *args)
        if self._exc:
            raise self._exc
        if err:
            msg = _lib.lstream_job_error(self._job)
            raise Error(err, msg.decode(errors="replace") if msg else _lib.lstream_strerror(err).decode())

    def close(self):
        if self._job:
            _lib.lstream_job_close(ctypes.byref(self._job))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 -- interpreter shutdown
            pass


def _copy_progress(p):
    """a plain copy of the C struct: it is valid during the callback only"""
    return _Snapshot(p.media_done_s, p.media_total_s, p.elapsed_s, p.speed, p.frames_done, p.stage)


class _Snapshot:
    __slots__ = ("media_done_s", "media_total_s", "elapsed_s", "speed", "frames_done", "stage")

    def __init__(self, *values):
        for k, v in zip(self.__slots__, values):
            setattr(self, k, v)


class Finding:
    def __init__(self, rule, must, file, message):
        self.rule, self.must, self.file, self.message = rule, must, file, message
        self.level = "MUST" if must else "SHOULD"

    def __repr__(self):
        return "Finding(%s %s %s: %s)" % (self.level, self.rule, self.file, self.message)


class Validation:
    def __init__(self, checks, findings):
        self.checks = checks
        self.findings = findings
        self.must = sum(f.must for f in findings)

    @property
    def ok(self):
        return self.must == 0


def validate(path):
    """Validate an HLS/DASH output (a directory, .m3u8 or .mpd) against libstream's rules (doc/RULES.md)."""
    v = ctypes.c_void_p()
    err = _lib.lstream_validate(os.fsencode(path), ctypes.byref(v))
    if err:
        raise Error(err, "%s: %s" % (path, _lib.lstream_strerror(err).decode()))
    try:
        findings = []
        for i in range(_lib.lstream_validation_count(v)):
            f = _lib.lstream_validation_finding(v, i).contents
            findings.append(Finding(f.rule.decode(), bool(f.must), f.file.decode(errors="replace"),
                                    f.message.decode(errors="replace")))
        return Validation(_lib.lstream_validation_checks(v), findings)
    finally:
        _lib.lstream_validation_free(ctypes.byref(v))
