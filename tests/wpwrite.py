#!/usr/bin/python3
"""wpwrite.py - writes a contextual-vectors stream (wordpipe(5), kind 6) from text, for
inputs no tool writes: non-finite values, odd metadata. Stored blocks, XXH3-64 through
ctypes from libxxhash.

usage: wpwrite.py DIM LAYERS < lines > stream
Each input line: sentence position word v1 v2 ... (LAYERS x DIM values; nan and inf allowed).

usage: wpwrite.py --raw KIND [KEY=N ...] < lines > stream
A stream of any kind whose records are varints (windows, spans, ids): each input line is
one record, its integers written as varints in order; KEY=N are u64 metadata.
"""
import ctypes
import struct
import sys

_xxh = ctypes.CDLL("libxxhash.so.0")
_xxh.XXH3_64bits.restype = ctypes.c_uint64
_xxh.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def xxh3(b):
    return _xxh.XXH3_64bits(b, len(b))


def varint(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def meta_u64(key, v):
    k = key.encode()
    return b"\x01" + varint(len(k)) + k + varint(v)


def stream(kind, meta, records):
    head = b"\x8bWPS\r\n\x1a\n" + struct.pack("<BBHI", 1, kind, 0, len(meta)) + meta
    head += struct.pack("<Q", xxh3(head))
    payload = b"".join(varint(len(r)) + r for r in records)
    blocks, sums = b"", b""
    if records:
        bh = struct.pack("<BBHIIIQ", 0xB1, 0, 0, len(records), len(payload), len(payload),
                         xxh3(payload))
        bh += struct.pack("<I", xxh3(bh) & 0xFFFFFFFF)
        blocks = bh + payload
        sums = struct.pack("<Q", xxh3(payload))
    tr = struct.pack("<BxxxQQQ", 0xE0, 1 if records else 0, len(records), xxh3(sums))
    tr += struct.pack("<I", xxh3(tr) & 0xFFFFFFFF)
    return head + blocks + tr


def main_raw():
    kind = int(sys.argv[2])
    meta = b"".join(meta_u64(k, int(v)) for k, v in (a.split("=", 1) for a in sys.argv[3:]))
    recs = [b"".join(varint(int(x)) for x in line.split()) for line in sys.stdin if line.strip()]
    sys.stdout.buffer.write(stream(kind, meta, recs))


def main():
    if sys.argv[1] == "--raw":
        return main_raw()
    dim, layers = int(sys.argv[1]), int(sys.argv[2])
    recs = []
    for line in sys.stdin:
        f = line.split()
        if not f:
            continue
        w = f[2].encode()
        vals = [float(x) for x in f[3:]]
        recs.append(varint(int(f[0])) + varint(int(f[1])) + varint(len(w)) + w
                    + struct.pack("<%df" % len(vals), *vals))
    meta = meta_u64("dim", dim) + meta_u64("layers", layers)
    sys.stdout.buffer.write(stream(6, meta, recs))


if __name__ == "__main__":
    main()
