#!/usr/bin/env python3
"""durations.py SEGMENT...: the sample durations of the fragments (tfhd default or trun per sample), one per line,
read from the boxes themselves (a demuxer may report a packet's duration otherwise)."""
import struct, sys
def boxes(b, o, end):
    while o + 8 <= end:
        size, typ = struct.unpack(">I4s", b[o:o + 8])
        yield typ.decode("latin1"), o + 8, o + size
        o += size
def durations(paths):
    out = []
    for p in paths:
        b = open(p, "rb").read()
        for t, s, e in boxes(b, 0, len(b)):
            if t != "moof":
                continue
            for t2, s2, e2 in boxes(b, s, e):
                if t2 != "traf":
                    continue
                default = None
                for t3, s3, e3 in boxes(b, s2, e2):
                    fl = struct.unpack(">I", b[s3:s3 + 4])[0] & 0xffffff
                    if t3 == "tfhd":
                        o = s3 + 8
                        for bit, n in ((1, 8), (2, 4)):
                            if fl & bit: o += n
                        if fl & 8: default = struct.unpack(">I", b[o:o + 4])[0]
                    if t3 == "trun":
                        n = struct.unpack(">I", b[s3 + 4:s3 + 8])[0]
                        o = s3 + 8 + (4 if fl & 1 else 0) + (4 if fl & 4 else 0)
                        for _ in range(n):
                            out.append(struct.unpack(">I", b[o:o + 4])[0] if fl & 0x100 else default)
                            o += 4 * sum(1 for bit in (0x100, 0x200, 0x400, 0x800) if fl & bit)
    return out
for d in durations(sys.argv[1:]):
    print(d)
