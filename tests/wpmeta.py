#!/usr/bin/python3
"""wpmeta.py - rewrites the header metadata of a wordpipe stream (wordpipe(5)): sets u64
keys (KEY=N) and recomputes the header check; the blocks and trailer are kept as they are.
For well-formed streams that are wrong for the job (tests/semantic.bats). Only the first
header of a concatenation is rewritten.

usage: wpmeta.py KEY=N ... < stream > stream
"""
import struct
import sys

from wpwrite import meta_u64, xxh3


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


def main():
    data = sys.stdin.buffer.read()
    meta_size = struct.unpack("<I", data[12:16])[0]
    ents = entries(data[16:16 + meta_size])
    for arg in sys.argv[1:]:
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
