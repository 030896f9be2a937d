#!/usr/bin/python3
"""wpmeta.py - rewrites the header metadata of a wordpipe stream (wordpipe(5)): sets u64
keys (KEY=N) or drops keys (-KEY: a file from before the key) and recomputes the header
check; the blocks and trailer are kept as they are.
For well-formed streams that are wrong for the job (tests/semantic.bats). Only the first
header of a concatenation is rewritten.

usage: wpmeta.py KEY=N | -KEY ... < stream > stream
       wpmeta.py --nan TENSOR < model > model
The second form sets the first value of the f32 tensor TENSOR of a model stream (kind 7)
to NaN, re-encoding its records into one stored block (checksums valid).
"""
import math
import struct
import sys
import zlib

from wpwrite import meta_u64, stream, varint, xxh3


def varint_get(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def entries(meta):
    """[(key, raw entry bytes)] in order"""
    out, i = [], 0
    while i < len(meta):
        start, t = i, meta[i]
        klen, i = varint_get(meta, i + 1)
        key = meta[i:i + klen].decode()
        i += klen
        if t == 1:
            _, i = varint_get(meta, i)
        elif t == 2:
            i += 8
        else:
            n, i = varint_get(meta, i)
            i += n
        out.append((key, meta[start:i]))
    return out


def records(data):
    """(kind, raw meta, [record bytes]) of a single stream"""
    kind = data[9]
    meta_size = struct.unpack("<I", data[12:16])[0]
    meta = data[16:16 + meta_size]
    i, recs = 16 + meta_size + 8, []
    while data[i] == 0xB1:
        codec, _, count, raw, packed = struct.unpack("<BHIII", data[i + 1:i + 16])
        body = data[i + 28:i + 28 + packed]
        body = zlib.decompress(body, -15) if codec == 1 else body
        j = 0
        for _ in range(count):
            n, j = varint_get(body, j)
            recs.append(body[j:j + n])
            j += n
        i += 28 + packed
    return kind, meta, recs


def set_nan(rec, name):
    """rec with the first element set to NaN if it is the f32 tensor name, else rec"""
    n, i = varint_get(rec, 0)
    if rec[i:i + n] != name.encode() or rec[i + n] != 0:   # dtype 0: f32
        return rec
    i += n + 1
    ndim, i = varint_get(rec, i)
    for _ in range(ndim + 2):       # dims, offset, count
        _, i = varint_get(rec, i)
    return rec[:i] + struct.pack("<f", math.nan) + rec[i + 4:]


def main():
    if sys.argv[1] == "--nan":
        kind, meta, recs = records(sys.stdin.buffer.read())
        recs = [set_nan(r, sys.argv[2]) for r in recs]
        sys.stdout.buffer.write(stream(kind, meta, recs))
        return
    data = sys.stdin.buffer.read()
    meta_size = struct.unpack("<I", data[12:16])[0]
    ents = entries(data[16:16 + meta_size])
    for arg in sys.argv[1:]:
        if arg.startswith("-"):
            ents = [(k, e) for k, e in ents if k != arg[1:]]
            continue
        key, val = arg.split("=", 1)
        new = meta_u64(key, int(val))
        ents = [(k, new if k == key else e) for k, e in ents]
        if key not in [k for k, _ in ents]:
            ents.append((key, new))
    meta = b"".join(e for _, e in ents)
    head = data[:12] + struct.pack("<I", len(meta)) + meta
    rest = data[16 + meta_size + 8:]
    sys.stdout.buffer.write(head + struct.pack("<Q", xxh3(head)) + rest)


if __name__ == "__main__":
    main()
