#!/usr/bin/env python3
"""Damage real-looking recordings the ways real uploads are damaged (tests/e2e/damage.sh runs the results).

usage: damage.py KIND SRC DST [SEED]

MP4 kinds parse the box tree of SRC (ISO/IEC 14496-12) and change one thing; TS kinds work on 188-byte
packets (ISO/IEC 13818-1); the rest are byte-level. Every kind is deterministic for a seed.
"""
import random
import struct
import sys


def boxes(data, start, end):
    """(offset, size, type, header_size) of the boxes in data[start:end]"""
    out = []
    p = start
    while p + 8 <= end:
        size, typ = struct.unpack(">I4s", data[p:p + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[p + 8:p + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - p
        if size < hdr or p + size > end:
            break
        out.append((p, size, typ.decode("latin-1"), hdr))
        p += size
    return out


CONTAINERS = {"moov", "trak", "mdia", "minf", "stbl", "edts", "mvex", "moof", "traf", "dinf"}


def find_all(data, typ, start=0, end=None):
    """every box of type typ, depth first"""
    end = len(data) if end is None else end
    found = []
    for off, size, t, hdr in boxes(data, start, end):
        if t == typ:
            found.append((off, size, hdr))
        if t in CONTAINERS:
            found += find_all(data, typ, off + hdr, off + size)
    return found


def mp4_mdhd_timescale(data, value):
    d = bytearray(data)
    for off, size, hdr in find_all(d, "mdhd"):
        version = d[off + hdr]
        ts_at = off + hdr + 4 + (16 if version == 1 else 8)
        d[ts_at:ts_at + 4] = struct.pack(">I", value)
        break  # the first track (video, as FFmpeg writes it)
    return bytes(d)


def mp4_chunk_offsets(data, delta):
    d = bytearray(data)
    for off, size, hdr in find_all(d, "stco"):
        n = struct.unpack(">I", d[off + hdr + 4:off + hdr + 8])[0]
        for i in range(n):
            at = off + hdr + 8 + 4 * i
            d[at:at + 4] = struct.pack(">I", max(0, struct.unpack(">I", d[at:at + 4])[0] + delta))
    return bytes(d)


def mp4_dimensions(data, width, height):
    """the visual sample entry (avc1) and tkhd claim a size the stream does not have"""
    d = bytearray(data)
    for off, size, hdr in find_all(d, "stsd"):
        entry = off + hdr + 8  # version/flags + entry_count
        if d[entry + 4:entry + 8] in (b"avc1", b"avc3", b"hvc1", b"vp09"):
            d[entry + 32:entry + 36] = struct.pack(">HH", width, height)
            break
    for off, size, hdr in find_all(d, "tkhd"):
        version = d[off + hdr]
        at = off + hdr + 4 + (92 if version == 1 else 80) - 8
        d[at:at + 8] = struct.pack(">II", width << 16, height << 16)
        break
    return bytes(d)


def mp4_interleave(data):
    """the first track's chunk offsets in reverse order: its samples read back to front (a writer that
    interleaved badly, or a table damaged in transfer)"""
    d = bytearray(data)
    for off, size, hdr in find_all(d, "stco"):
        n = struct.unpack(">I", d[off + hdr + 4:off + hdr + 8])[0]
        start = off + hdr + 8
        vals = [d[start + 4 * i:start + 4 * i + 4] for i in range(n)]
        for i, v in enumerate(reversed(vals)):
            d[start + 4 * i:start + 4 * i + 4] = v
        break
    return bytes(d)


def mp4_duration(data, seconds):
    """mvhd and every mdhd/tkhd claim a bogus duration (as some fragmented writers leave them)"""
    d = bytearray(data)
    for typ, field in (("mvhd", 12), ("mdhd", 12)):
        for off, size, hdr in find_all(d, typ):
            version = d[off + hdr]
            body = off + hdr + 4
            if version == 1:
                ts = struct.unpack(">I", d[body + 16:body + 20])[0]
                d[body + 20:body + 28] = struct.pack(">Q", int(seconds * ts))
            else:
                ts = struct.unpack(">I", d[body + 8:body + 12])[0]
                d[body + 12:body + 16] = struct.pack(">I", min(0xFFFFFFFF, int(seconds * ts)))
    for off, size, hdr in find_all(d, "mehd"):
        version = d[off + hdr]
        if version == 1:
            d[off + hdr + 4:off + hdr + 12] = struct.pack(">Q", 10 ** 9)
        else:
            d[off + hdr + 4:off + hdr + 8] = struct.pack(">I", 10 ** 9)
    return bytes(d)


def mp4_cut_points(data):
    """every top-level box boundary, and points inside the media data"""
    pts = []
    for off, size, typ, hdr in boxes(data, 0, len(data)):
        pts.append(off)
        pts.append(off + hdr)
        if typ == "mdat":
            for frac in (0.25, 0.5, 0.9, 0.97, 0.995):
                pts.append(off + hdr + int((size - hdr) * frac))
    return sorted(set(p for p in pts if 0 < p < len(data)))


def ts_damage(data, rng, kind):
    d = bytearray(data)
    n = len(d) // 188
    if kind == "ts-first-pes":
        # the first video PES: a wrong PES_packet_length and garbage in its payload
        for i in range(n):
            p = i * 188
            if d[p] != 0x47 or not d[p + 1] & 0x40:  # payload_unit_start
                continue
            pid = (d[p + 1] & 0x1F) << 8 | d[p + 2]
            adapt = (d[p + 3] >> 4) & 3
            q = p + 4 + (1 + d[p + 4] if adapt & 2 else 0)
            if q + 6 <= p + 188 and d[q:q + 3] == b"\x00\x00\x01" and 0xE0 <= d[q + 3] <= 0xEF and pid:
                d[q + 4:q + 6] = b"\x12\x34"
                d[p + 1] |= 0x80  # and flagged: transport_error_indicator
                for k in range(q + 20, p + 188):
                    d[k] = rng.randrange(256)
                break
    elif kind == "ts-error-bits":
        # a few packets flagged transport_error_indicator, with scrambled payload (a poor antenna)
        for i in rng.sample(range(n), max(1, n // 800)):
            p = i * 188
            d[p + 1] |= 0x80
            for k in range(p + 8, p + 188):
                d[k] = rng.randrange(256)
    elif kind == "ts-midstream":
        # a capture that begins in the middle of a GOP and of a PES
        cut = (n // 5) * 188 + 188 * 7
        d = d[cut:]
    return bytes(d)


def flip(data, rng, rate, skip=4096):
    """random byte errors at @rate past the headers (a bad disk, a broken transfer)"""
    d = bytearray(data)
    for _ in range(max(1, int((len(d) - skip) * rate))):
        i = rng.randrange(skip, len(d))
        d[i] ^= 1 << rng.randrange(8)
    return bytes(d)


def webm_vp9_width(data, width):
    """the VP9 track's PixelWidth element (0xB0) set to a nonsense width"""
    d = bytearray(data)
    i = d.find(b"\xb0")
    while i >= 0:
        size_byte = d[i + 1] if i + 1 < len(d) else 0
        if size_byte in (0x81, 0x82):
            n = size_byte & 0x7F
            if n == 2:
                d[i + 2:i + 4] = struct.pack(">H", width)
            else:
                d[i + 2] = width & 0xFF
            return bytes(d)
        i = d.find(b"\xb0", i + 1)
    return bytes(d)


def webm_garbage_frames(data, rng):
    """the payload of every SimpleBlock (0xA3) after the first replaced by random bytes"""
    d = bytearray(data)
    i = d.find(b"\xa3")
    seen = 0
    while i >= 0 and i + 10 < len(d):
        # EBML size: leading-one length
        b = d[i + 1]
        n = 1
        while n <= 8 and not b & (0x80 >> (n - 1)):
            n += 1
        if n <= 8:
            size = b & (0xFF >> n)
            for k in range(1, n):
                size = size << 8 | d[i + 1 + k]
            start = i + 1 + n + 4  # track number (1 byte), timecode (2), flags (1)
            if 16 < size < 2_000_000 and start + size - 4 <= len(d):
                seen += 1
                if seen > 1:
                    for k in range(start, start + size - 4):
                        d[k] = rng.randrange(256)
                i = start + size - 4
        i = d.find(b"\xa3", i + 1)
    return bytes(d)


def main():
    kind, src, dst = sys.argv[1:4]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    rng = random.Random(seed)
    data = open(src, "rb").read()
    if kind.startswith("cut-points"):
        print(" ".join(str(p) for p in mp4_cut_points(data)))
        return
    if kind.startswith("cut:"):
        out = data[:int(kind[4:])]
    elif kind == "mdhd-timescale":
        out = mp4_mdhd_timescale(data, 1)
    elif kind == "mdhd-timescale-huge":
        out = mp4_mdhd_timescale(data, 0x7FFFFFFF)
    elif kind == "chunk-offsets":
        out = mp4_chunk_offsets(data, 1024)
    elif kind == "dimensions":
        out = mp4_dimensions(data, 12336, 16)
    elif kind == "interleave":
        out = mp4_interleave(data)
    elif kind == "bogus-duration":
        out = mp4_duration(data, 86400 * 3)
    elif kind.startswith("ts-"):
        out = ts_damage(data, rng, kind)
    elif kind == "flip":
        out = flip(data, rng, 2e-5)
    elif kind == "vp9-width":
        out = webm_vp9_width(data, 12336)
    elif kind == "vp9-garbage":
        out = webm_garbage_frames(data, rng)
    else:
        sys.exit("unknown kind " + kind)
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
