#!/usr/bin/env python3
"""wpstream.py - a small pure-Python reader of wordpipe record streams (wordpipe(5)), for
the benchmarks and for Python users: header with its metadata, blocks of records (stored
or raw deflate), trailer, concatenated streams (the metadata of the first is kept).

Checksums (XXH3-64) are verified when the C library libxxhash can be loaded through
ctypes (Debian's libxxhash0); otherwise they are skipped, and `checked` says so. The
structure (tags, sizes, record counts, trailer counts) is always checked.

    import wpstream
    with wpstream.open_stream("model.elmo") as s:
        print(s.kind, s.meta)
        for rec in s:             # bytes of each record
            ...
    meta, tensors = wpstream.load_model("model.elmo")   # REC_MODEL: name -> numpy array

Command line: wpstream.py [--stat | --tensors] FILE  (FILE '-' is stdin).
  --stat     kind, streams, blocks, records, raw and packed bytes, metadata
  --tensors  for a model stream: each tensor's name, dtype and shape
"""
import ctypes
import ctypes.util
import struct
import sys
import zlib

import numpy as np

SIGNATURE = b"\x8bWPS\r\n\x1a\n"
VERSION = 1
TAG_BLOCK, TAG_END = 0xB1, 0xE0
BLOCK_HEADER, TRAILER = 28, 32
BLOCK_MAX = 1 << 30
KINDS = {1: "tokens", 2: "vocabulary", 3: "ids", 4: "windows", 5: "vectors",
         6: "contextual vectors", 7: "model"}
REC_TOKENS, REC_VOCAB, REC_IDS, REC_WINDOWS, REC_VECTORS, REC_CVECTORS, REC_MODEL = range(1, 8)
DT_F32, DT_BYTES, DT_VARINT = 0, 1, 2


class StreamError(Exception):
    pass


def _load_xxh3():
    for name in (ctypes.util.find_library("xxhash"), "libxxhash.so.0", "libxxhash.so"):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            f = lib.XXH3_64bits
        except (OSError, AttributeError):
            continue
        f.restype = ctypes.c_uint64
        f.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        return lambda b: f(bytes(b), len(b))
    return None


xxh3 = _load_xxh3()


def varint(buf, pos):
    """(value, new position) of the LEB128 varint at buf[pos]."""
    v = shift = 0
    while True:
        if pos >= len(buf):
            raise StreamError("truncated varint")
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        if b < 0x80:
            return v, pos
        shift += 7
        if shift > 63:
            raise StreamError("varint too long")


def parse_meta(buf):
    meta, pos = {}, 0
    while pos < len(buf):
        typ = buf[pos]
        pos += 1
        klen, pos = varint(buf, pos)
        key = buf[pos:pos + klen].decode("ascii")
        pos += klen
        if typ == 1:
            val, pos = varint(buf, pos)
        elif typ == 2:
            (val,) = struct.unpack_from("<d", buf, pos)
            pos += 8
        elif typ == 3:
            n, pos = varint(buf, pos)
            val = bytes(buf[pos:pos + n]).decode("utf-8")
            pos += n
        else:
            raise StreamError(f"metadata entry of type {typ}")
        if pos > len(buf):
            raise StreamError("truncated metadata")
        meta[key] = val
    return meta


class Stream:
    """Iterates the records (bytes) of one file object holding one or more streams."""

    def __init__(self, fp, verify=True):
        self.fp = fp
        self.verify = verify and xxh3 is not None
        self.checked = self.verify
        self.kind = None
        self.meta = None
        self.streams = self.blocks = self.records = 0
        self.raw_bytes = self.packed_bytes = 0
        if not self._header(first=True):
            raise StreamError("empty input, not a wordpipe stream")

    def _read(self, n, what):
        b = self.fp.read(n)
        if len(b) != n:
            raise StreamError(f"truncated {what}")
        return b

    def _header(self, first):
        sig = self.fp.read(8)
        if not first and sig == b"":
            return False
        if sig != SIGNATURE:
            raise StreamError("not a wordpipe stream (bad signature)" if first or sig
                              else "truncated")
        fixed = self._read(8, "header")
        version, kind, flags, msize = struct.unpack("<BBHI", fixed)
        if version > VERSION:
            raise StreamError(f"format version {version} is newer than {VERSION}")
        if flags != 0:
            raise StreamError("header flags not 0")
        if msize > 1 << 20:
            raise StreamError("metadata over 1 MiB")
        mbuf = self._read(msize, "header metadata")
        (check,) = struct.unpack("<Q", self._read(8, "header"))
        if self.verify and xxh3(sig + fixed + mbuf) != check:
            raise StreamError("header checksum mismatch")
        if first:
            self.kind, self.meta = kind, parse_meta(mbuf)
        elif kind != self.kind:
            raise StreamError(f"concatenated stream of kind {kind} after kind {self.kind}")
        self.streams += 1
        self._sblocks = self._srecords = 0
        self._hashes = []
        return True

    def __iter__(self):
        while True:
            tag = self._read(1, "stream (no trailer)")[0]
            if tag == TAG_BLOCK:
                yield from self._block()
            elif tag == TAG_END:
                self._trailer()
                if not self._header(first=False):
                    return
            else:
                raise StreamError(f"bad block tag 0x{tag:02x}")

    def _block(self):
        rest = self._read(BLOCK_HEADER - 1, "block header")
        codec, res, nrec, raw, packed, csum, hcheck = struct.unpack("<BHIIIQI", rest)
        if self.verify and xxh3(bytes([TAG_BLOCK]) + rest[:23]) & 0xFFFFFFFF != hcheck:
            raise StreamError("block header checksum mismatch")
        if res != 0 or raw > BLOCK_MAX or codec not in (0, 1):
            raise StreamError("bad block header")
        data = self._read(packed, "block payload")
        if codec == 1:
            d = zlib.decompressobj(-15)
            data = d.decompress(data, raw + 1)
            if not d.eof or d.unused_data:
                raise StreamError("bad deflate payload")
        if len(data) != raw:
            raise StreamError("block payload size mismatch")
        if self.verify and xxh3(data) != csum:
            raise StreamError("block checksum mismatch")
        self._hashes.append(struct.pack("<Q", csum))
        self.blocks += 1
        self._sblocks += 1
        self.raw_bytes += raw
        self.packed_bytes += packed
        mv = memoryview(data)
        pos = 0
        for _ in range(nrec):
            n, pos = varint(mv, pos)
            if pos + n > raw:
                raise StreamError("record past the end of its block")
            yield bytes(mv[pos:pos + n])
            pos += n
        if pos != raw:
            raise StreamError("block payload does not end at its last record")
        self.records += nrec
        self._srecords += nrec

    def _trailer(self):
        rest = self._read(TRAILER - 1, "trailer")
        res, nblocks, nrecs, shash, tcheck = struct.unpack("<3sQQQI", rest)
        if self.verify:
            if xxh3(bytes([TAG_END]) + rest[:27]) & 0xFFFFFFFF != tcheck:
                raise StreamError("trailer checksum mismatch")
            if xxh3(b"".join(self._hashes)) != shash:
                raise StreamError("stream hash mismatch")
        if res != b"\0\0\0" or nblocks != self._sblocks or nrecs != self._srecords:
            raise StreamError("trailer counts do not match the stream")

    def close(self):
        self.fp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_stream(path, verify=True):
    fp = sys.stdin.buffer if path == "-" else open(path, "rb")
    return Stream(fp, verify)


# ---- record payloads ----

def decode_tokens(rec):
    n, pos = varint(rec, 0)
    out = []
    for _ in range(n):
        ln, pos = varint(rec, pos)
        out.append(rec[pos:pos + ln].decode("utf-8"))
        pos += ln
    return out


def decode_vocab(rec):
    """(count, word)"""
    count, pos = varint(rec, 0)
    ln, pos = varint(rec, pos)
    return count, rec[pos:pos + ln].decode("utf-8")


def decode_model(rec):
    """One tensor slice: dict name, dtype, dims, offset, count, data (float32 numpy array,
    bytes, or a list of ints)."""
    ln, pos = varint(rec, 0)
    name = rec[pos:pos + ln].decode("utf-8")
    pos += ln
    dtype = rec[pos]
    pos += 1
    ndim, pos = varint(rec, pos)
    dims = []
    for _ in range(ndim):
        d, pos = varint(rec, pos)
        dims.append(d)
    offset, pos = varint(rec, pos)
    count, pos = varint(rec, pos)
    if dtype == DT_F32:
        if pos + 4 * count != len(rec):
            raise StreamError(f"tensor {name}: {count} floats do not fill the record")
        data = np.frombuffer(rec, dtype="<f4", count=count, offset=pos).astype(np.float32)
    elif dtype == DT_BYTES:
        data = rec[pos:pos + count]
        if len(data) != count:
            raise StreamError(f"tensor {name}: truncated bytes")
    elif dtype == DT_VARINT:
        data = []
        for _ in range(count):
            v, pos = varint(rec, pos)
            data.append(v)
    else:
        raise StreamError(f"tensor {name}: dtype {dtype}")
    return {"name": name, "dtype": dtype, "dims": dims, "offset": offset, "count": count,
            "data": data}


def load_model(path, verify=True):
    """(header metadata, {name: tensor}) of a REC_MODEL stream; slices are joined in offset
    order; float tensors are numpy float32 arrays of their dims (a 0-dimensional tensor
    becomes a 1-D array), bytes tensors bytes, varint tensors lists."""
    parts = {}
    with open_stream(path, verify) as s:
        if s.kind != REC_MODEL:
            raise StreamError(f"{path}: a {KINDS.get(s.kind, s.kind)} stream, not a model")
        meta = s.meta
        for rec in s:
            t = decode_model(rec)
            p = parts.setdefault(t["name"], {"dtype": t["dtype"], "dims": t["dims"],
                                             "slices": []})
            if p["dtype"] != t["dtype"] or p["dims"] != t["dims"]:
                raise StreamError(f"tensor {t['name']}: slices disagree on dtype or shape")
            p["slices"].append((t["offset"], t["data"]))
    tensors = {}
    for name, p in parts.items():
        sl = sorted(p["slices"], key=lambda x: x[0])
        total = int(np.prod(p["dims"])) if p["dims"] else sum(len(d) for _, d in sl)
        pos = 0
        for off, d in sl:
            if off != pos:
                raise StreamError(f"tensor {name}: slice at {off}, expected {pos}")
            pos += len(d)
        if pos != total:
            raise StreamError(f"tensor {name}: {pos} of {total} elements")
        if p["dtype"] == DT_F32:
            a = np.concatenate([d for _, d in sl]) if sl else np.zeros(0, np.float32)
            tensors[name] = a.reshape(p["dims"]) if p["dims"] else a
        elif p["dtype"] == DT_BYTES:
            tensors[name] = b"".join(d for _, d in sl)
        else:
            tensors[name] = [v for _, d in sl for v in d]
    return meta, tensors


def main(argv):
    mode = "--stat"
    if argv and argv[0] in ("--stat", "--tensors"):
        mode = argv.pop(0)
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.split("Command line: ")[1].rstrip(), file=sys.stderr)
        return 2
    try:
        if mode == "--tensors":
            meta, tensors = load_model(argv[0])
            for name, t in tensors.items():
                if isinstance(t, np.ndarray):
                    print(f"{name}\tf32\t{'x'.join(map(str, t.shape))}")
                else:
                    print(f"{name}\t{'bytes' if isinstance(t, bytes) else 'varint'}\t{len(t)}")
            return 0
        with open_stream(argv[0]) as s:
            for _ in s:
                pass
            print(f"kind\t{s.kind} ({KINDS.get(s.kind, '?')})")
            print(f"streams\t{s.streams}")
            print(f"blocks\t{s.blocks}")
            print(f"records\t{s.records}")
            print(f"raw_bytes\t{s.raw_bytes}")
            print(f"packed_bytes\t{s.packed_bytes}")
            print(f"checksums\t{'verified' if s.checked else 'not verified (no libxxhash)'}")
            for k, v in s.meta.items():
                print(f"meta.{k}\t{v}")
    except (StreamError, OSError) as e:
        print(f"wpstream.py: {argv[0]}: {e}", file=sys.stderr)
        return 3 if isinstance(e, StreamError) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
