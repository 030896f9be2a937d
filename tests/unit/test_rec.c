/* test_rec.c - the record stream: round trips of every kind and level, metadata, and one
 * precise error for each kind of damage. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "common/buf.h"
#include "common/bytes.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_internal.h"
#include "stream/rec_payload.h"

/* A stream in memory. */
struct mem {
    char *p;
    size_t n;
};

/* Writes nrec records of kind built by make(i) at level into m. */
static int
write_stream(struct mem *m, int kind, int level, size_t nrec,
             int (*make)(struct buf *, size_t), const struct rec_meta *meta)
{
    FILE *fp = open_memstream(&m->p, &m->n);
    struct rec_writer *w;
    struct buf b = {0};
    if (fp == NULL || rec_writer_open(&w, fp, kind, meta, level) < 0)
        return -1;
    for (size_t i = 0; i < nrec; i++) {
        buf_clear(&b);
        if (make(&b, i) < 0 || rec_writer_put(w, b.p, b.len) < 0)
            return -1;
    }
    const int rc = rec_writer_close(w);
    buf_free(&b);
    fclose(fp);
    return rc;
}

/* Reads all of m; returns the status that ended it (0 = clean end) and the count. */
static int
read_stream(const struct mem *m, uint64_t *count, int *kind)
{
    FILE *fp = fmemopen(m->p, m->n ? m->n : 1, "rb");
    if (m->n == 0) { /* fmemopen refuses size 0: read from an empty file instead */
        fclose(fp);
        fp = tmpfile();
    }
    struct rec_reader *r;
    int rc = rec_reader_open(&r, fp);
    const unsigned char *rec;
    size_t len;
    *count = 0;
    if (rc == WP_OK) {
        *kind = rec_reader_kind(r);
        while ((rc = rec_reader_next(r, &rec, &len)) == 1)
            (*count)++;
    }
    rec_reader_free(r);
    fclose(fp);
    return rc;
}

static int
make_tokens(struct buf *b, size_t i)
{
    const unsigned char *tok[3] = {(const unsigned char *)"the", (const unsigned char *)"cat",
                                   (const unsigned char *)"sat"};
    const size_t len[3] = {3, 3, i % 4};
    return rec_tokens_encode(b, tok, len, 1 + i % 3);
}

static int
make_vector(struct buf *b, size_t i)
{
    float x[5];
    for (int k = 0; k < 5; k++)
        x[k] = (float)i * 0.5f - (float)k;
    return rec_vector_encode(b, "word", 4, x, 5);
}

static int
make_window(struct buf *b, size_t i)
{
    const uint32_t ctx[4] = {1, 300, 70000, (uint32_t)i};
    return rec_window_encode(b, (uint32_t)i, ctx, i % 5);
}

static int
make_spans(struct buf *b, size_t i)
{
    const uint32_t ids[4] = {(uint32_t)i, 0, 70000, UINT32_MAX};
    const uint32_t radii[4] = {1, 5, (uint32_t)i % 7, UINT32_MAX};
    return rec_spans_encode(b, ids, radii, i % 5);
}

static int
make_vocab(struct buf *b, size_t i)
{
    char w[32];
    const int n = snprintf(w, sizeof w, "w%zu", i);
    return rec_vocab_encode(b, 1000000 - i, w, (size_t)n);
}

static int
make_ids(struct buf *b, size_t i)
{
    const uint32_t ids[3] = {(uint32_t)i, 0, UINT32_MAX};
    return rec_ids_encode(b, ids, 1 + i % 3);
}

static int
make_cvector(struct buf *b, size_t i)
{
    const float x[6] = {1, 2, 3, 4, 5, (float)i};
    return rec_cvector_encode(b, i / 10, i % 10, "tok", 3, x, 6);
}

/* A model record is opaque to the stream layer: any bytes round-trip. */
static int
make_tensor(struct buf *b, size_t i)
{
    const float x[4] = {0.5f, -1, 2, (float)i};
    WP_TRY(buf_put_varint(b, 4));
    WP_TRY(buf_put(b, "syn0", 4));
    WP_TRY(buf_put_u8(b, 0));
    WP_TRY(buf_put_varint(b, 1));
    WP_TRY(buf_put_varint(b, 4));
    WP_TRY(buf_put_varint(b, 0));
    WP_TRY(buf_put_varint(b, 4));
    return buf_put_f32s(b, x, 4);
}

static int
test_round_trip_every_kind_and_level(void)
{
    int (*makers[])(struct buf *, size_t) = {make_tokens, make_vocab,   make_ids,
                                             make_window, make_vector, make_cvector,
                                             make_tensor, make_spans};
    const int kinds[] = {REC_TOKENS,  REC_VOCAB,    REC_IDS,   REC_WINDOWS,
                         REC_VECTORS, REC_CVECTORS, REC_MODEL, REC_SPANS};
    for (int k = 0; k < 8; k++) {
        for (int level = 0; level <= 9; level += 3) {
            struct mem m = {0};
            uint64_t count;
            int kind = 0;
            CHECK_EQ(0, write_stream(&m, kinds[k], level, 60000, makers[k], NULL));
            CHECK_EQ(0, read_stream(&m, &count, &kind));
            CHECK_EQ(60000, count);
            CHECK_EQ(kinds[k], kind);
            free(m.p);
        }
    }
    return 0;
}

static int
test_payload_decoders_return_what_was_encoded(void)
{
    struct buf b = {0};
    uint32_t center, ctx[8];
    size_t n, wl;
    const unsigned char *w;
    float x[5];
    uint64_t count, s, pos;

    uint32_t ids[4];
    CHECK_EQ(0, make_ids(&b, 2));
    CHECK_EQ(0, rec_ids_decode(b.p, b.len, ids, 4, &n));
    CHECK(n == 3 && ids[0] == 2 && ids[1] == 0 && ids[2] == UINT32_MAX);
    CHECK_EQ(WP_ECORRUPT, rec_ids_decode(b.p, b.len - 1, ids, 4, &n));
    buf_clear(&b);
    CHECK_EQ(0, make_window(&b, 3));
    CHECK_EQ(0, rec_window_decode(b.p, b.len, &center, ctx, 8, &n));
    CHECK_EQ(3, center);
    CHECK_EQ(3, n);
    CHECK_EQ(70000, ctx[2]);
    CHECK_EQ(WP_ERANGE, rec_window_decode(b.p, b.len, &center, ctx, 2, &n));

    uint32_t radii[8];
    buf_clear(&b);
    CHECK_EQ(0, make_spans(&b, 4));
    CHECK_EQ(0, rec_spans_count(b.p, b.len, &n));
    CHECK_EQ(4, n);
    CHECK_EQ(0, rec_spans_decode(b.p, b.len, ctx, radii, 4, &n));
    CHECK(n == 4 && ctx[0] == 4 && ctx[1] == 0 && ctx[2] == 70000 && ctx[3] == UINT32_MAX);
    CHECK(radii[0] == 1 && radii[1] == 5 && radii[2] == 4 && radii[3] == UINT32_MAX);
    CHECK_EQ(WP_ERANGE, rec_spans_decode(b.p, b.len, ctx, radii, 3, &n));
    CHECK_EQ(WP_ECORRUPT, rec_spans_decode(b.p, b.len - 1, ctx, radii, 8, &n));
    CHECK_EQ(WP_ECORRUPT, rec_spans_count(b.p, 4, &n)); /* 4 pairs cannot fit 3 bytes */
    for (int bad = 0; bad < 2; bad++) { /* an id, then a radius, past 32 bits */
        buf_clear(&b);
        CHECK_EQ(0, buf_put_varint(&b, 1));
        CHECK_EQ(0, buf_put_varint(&b, bad ? 1 : (uint64_t)UINT32_MAX + 1));
        CHECK_EQ(0, buf_put_varint(&b, bad ? (uint64_t)UINT32_MAX + 1 : 1));
        CHECK_EQ(WP_ECORRUPT, rec_spans_decode(b.p, b.len, ctx, radii, 8, &n));
    }
    buf_clear(&b);
    CHECK_EQ(0, make_spans(&b, 0)); /* an empty sentence is one byte */
    CHECK_EQ(1, b.len);
    CHECK_EQ(0, rec_spans_decode(b.p, b.len, ctx, radii, 0, &n));
    CHECK_EQ(0, n);

    buf_clear(&b);
    CHECK_EQ(0, rec_vocab_encode(&b, 12345678901ull, "héllo", 6));
    CHECK_EQ(0, rec_vocab_decode(b.p, b.len, &count, &w, &wl));
    CHECK_EQ(12345678901ll, (long long)count);
    CHECK(wl == 6 && memcmp(w, "héllo", 6) == 0);
    CHECK_EQ(WP_ECORRUPT, rec_vocab_decode(b.p, b.len - 1, &count, &w, &wl));

    buf_clear(&b);
    const float v[5] = {1.5f, -2.0f, 0.0f, 1e-30f, 3.25f};
    CHECK_EQ(0, rec_cvector_encode(&b, 7, 2, "x", 1, v, 5));
    CHECK_EQ(0, rec_cvector_decode(b.p, b.len, 5, &s, &pos, &w, &wl, x));
    CHECK(s == 7 && pos == 2 && wl == 1 && memcmp(x, v, sizeof v) == 0);
    CHECK_EQ(WP_ECORRUPT, rec_cvector_decode(b.p, b.len, 6, &s, &pos, &w, &wl, x));
    buf_free(&b);
    return 0;
}

static int
test_metadata_round_trips_and_types(void)
{
    struct rec_meta *meta = rec_meta_new();
    CHECK_EQ(0, rec_meta_set_u64(meta, "dim", 100));
    CHECK_EQ(0, rec_meta_set_f64(meta, "sample", 1e-4));
    CHECK_EQ(0, rec_meta_set_str(meta, "source", "corpus.txt"));
    CHECK_EQ(0, rec_meta_set_u64(meta, "dim", 300)); /* replaces */
    CHECK_EQ(WP_ERANGE, rec_meta_set_u64(meta, "Bad-Key", 1));
    struct mem m = {0};
    CHECK_EQ(0, write_stream(&m, REC_VECTORS, 1, 3, make_vector, meta));
    FILE *fp = fmemopen(m.p, m.n, "rb");
    struct rec_reader *r;
    CHECK_EQ(0, rec_reader_open(&r, fp));
    const struct rec_meta *got = rec_reader_meta(r);
    uint64_t u;
    double f;
    const char *s;
    CHECK_EQ(2 + 1, rec_meta_count(got));
    CHECK_EQ(0, rec_meta_get_u64(got, "dim", &u));
    CHECK_EQ(300, u);
    CHECK_EQ(0, rec_meta_get_f64(got, "sample", &f));
    CHECK(f == 1e-4);
    CHECK_EQ(0, rec_meta_get_str(got, "source", &s));
    CHECK_STR("corpus.txt", s);
    CHECK_EQ(WP_ENOTFOUND, rec_meta_get_u64(got, "nope", &u));
    CHECK_EQ(WP_EKIND, rec_meta_get_u64(got, "source", &u));
    rec_reader_free(r);
    fclose(fp);
    rec_meta_free(meta);
    free(m.p);
    return 0;
}

/* Reads a damaged copy of a good stream and returns the status and where it failed. */
static int
read_damaged(const struct mem *good, size_t keep, long flip_at, char *where, size_t wn)
{
    struct mem m = {malloc(good->n), keep};
    memcpy(m.p, good->p, good->n);
    if (flip_at >= 0)
        m.p[flip_at] ^= 0x10;
    FILE *fp = m.n ? fmemopen(m.p, m.n, "rb") : tmpfile();
    struct rec_reader *r;
    const unsigned char *rec;
    size_t len;
    int rc = rec_reader_open(&r, fp);
    while (rc >= 0 && (rc = rec_reader_next(r, &rec, &len)) == 1)
        ;
    snprintf(where, wn, "%s", rec_reader_where(r));
    rec_reader_free(r);
    fclose(fp);
    free(m.p);
    return rc;
}

static int
test_each_damage_has_its_own_error(void)
{
    struct mem good = {0};
    char where[64];
    CHECK_EQ(0, write_stream(&good, REC_TOKENS, 1, 300000, make_tokens, NULL));
    const size_t header = 8 + 8 + 8; /* fixed part, no metadata, header check */

    CHECK_EQ(WP_EEMPTY, read_damaged(&good, 0, -1, where, sizeof where));
    CHECK_EQ(WP_EMAGIC, read_damaged(&good, good.n, 0, where, sizeof where));
    CHECK_EQ(WP_ETRUNC, read_damaged(&good, 12, -1, where, sizeof where));
    CHECK_STR("header", where);

    /* a future version: patch the byte and its header check */
    struct mem v2 = {malloc(good.n), good.n};
    memcpy(v2.p, good.p, good.n);
    v2.p[8] = 2;
    FILE *fp = fmemopen(v2.p, v2.n, "rb");
    struct rec_reader *r;
    CHECK_EQ(WP_EVERSION, rec_reader_open(&r, fp));
    CHECK(strstr(rec_reader_detail(r), "version 2") != NULL);
    rec_reader_free(r);
    fclose(fp);
    free(v2.p);

    /* a flipped bit in the first block's payload: inflate or the checksum catches it */
    const int flipped = read_damaged(&good, good.n, (long)header + 40, where, sizeof where);
    CHECK(flipped == WP_ECHECKSUM || flipped == WP_ECORRUPT);
    CHECK_STR("block 1", where);
    struct mem stored = {0};
    CHECK_EQ(0, write_stream(&stored, REC_TOKENS, 0, 1000, make_tokens, NULL));
    CHECK_EQ(WP_ECHECKSUM, read_damaged(&stored, stored.n, (long)header + 40, where, sizeof where));
    free(stored.p);
    /* a flipped bit in the first block's header */
    CHECK_EQ(WP_ECHECKSUM, read_damaged(&good, good.n, (long)header + 5, where, sizeof where));
    /* truncated anywhere after the header: never a silent short read */
    for (size_t keep = header; keep < good.n; keep += good.n / 97 + 1)
        CHECK_EQ(WP_ETRUNC, read_damaged(&good, keep, -1, where, sizeof where));
    CHECK_EQ(WP_ETRUNC, read_damaged(&good, good.n - 1, -1, where, sizeof where));
    CHECK_STR("trailer", where);
    /* a damaged trailer */
    CHECK_EQ(WP_ECHECKSUM, read_damaged(&good, good.n, (long)good.n - 10, where, sizeof where));
    free(good.p);
    return 0;
}

static int
test_empty_stream_and_concatenation(void)
{
    struct mem a = {0}, b = {0};
    uint64_t count;
    int kind;
    CHECK_EQ(0, write_stream(&a, REC_TOKENS, 1, 0, make_tokens, NULL));
    CHECK_EQ(0, read_stream(&a, &count, &kind));
    CHECK_EQ(0, count);
    CHECK_EQ(0, write_stream(&b, REC_TOKENS, 0, 5, make_tokens, NULL));
    struct mem ab = {malloc(a.n + b.n + b.n), a.n + b.n + b.n};
    memcpy(ab.p, b.p, b.n);
    memcpy(ab.p + b.n, a.p, a.n);
    memcpy(ab.p + b.n + a.n, b.p, b.n);
    CHECK_EQ(0, read_stream(&ab, &count, &kind));
    CHECK_EQ(10, count);
    free(ab.p);
    free(b.p);
    b.p = NULL;
    /* a vectors stream after tokens is refused */
    CHECK_EQ(0, write_stream(&b, REC_VECTORS, 0, 2, make_vector, NULL));
    struct mem mixed = {malloc(a.n + b.n), a.n + b.n};
    memcpy(mixed.p, a.p, a.n);
    memcpy(mixed.p + a.n, b.p, b.n);
    CHECK_EQ(WP_EKIND, read_stream(&mixed, &count, &kind));
    free(mixed.p);
    free(a.p);
    free(b.p);
    return 0;
}

static int
test_varints_reject_overlong_and_overflow(void)
{
    unsigned char p[VARINT_MAX];
    const uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        const size_t n = varint_put(p, vals[i]);
        const unsigned char *q = p;
        uint64_t v;
        CHECK_EQ(0, varint_get(&q, p + n, &v));
        CHECK(v == vals[i] && q == p + n);
        q = p;
        CHECK_EQ(-1, varint_get(&q, p + n - 1, &v)); /* cut short */
    }
    const unsigned char overlong[2] = {0x81, 0x00};
    const unsigned char too_big[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    const unsigned char *q = overlong;
    uint64_t v;
    CHECK_EQ(-1, varint_get(&q, overlong + 2, &v));
    q = too_big;
    CHECK_EQ(-1, varint_get(&q, too_big + 10, &v));
    return 0;
}

/* lib/stream/rec.c's hook, not in rec.h: 0 packs every block on the calling thread. */

/* Records for the codec tests: compressible sentences mixed with runs of random bytes, so
 * that some blocks deflate and some are stored (deflate saves nothing on noise). */
static int
make_mixed(struct buf *b, size_t i)
{
    if (i % 200000 >= 180000) { /* ~1.6 MB of sentences, then 2 MB of noise */
        unsigned char x[100];
        uint64_t s = 0x9e3779b97f4a7c15ull * (i + 1);
        for (size_t k = 0; k < sizeof x; k++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            x[k] = (unsigned char)(s >> 24);
        }
        return buf_put(b, x, sizeof x);
    }
    return make_tokens(b, i);
}

/* Writes nrec records of make() at level, threaded or not, into m. */
static int
write_mode(struct mem *m, int level, int threaded, size_t nrec,
           int (*make)(struct buf *, size_t))
{
    FILE *fp = open_memstream(&m->p, &m->n);
    struct rec_writer *w;
    struct buf b = {0};
    int rc = fp == NULL ? WP_EIO : rec_writer_open(&w, fp, REC_TOKENS, NULL, level);
    if (rc == WP_OK && (rc = rec_writer_set_threaded(w, threaded)) < 0)
        rec_writer_abort(w);
    for (size_t i = 0; rc == WP_OK && i < nrec; i++) {
        buf_clear(&b);
        if ((rc = make(&b, i)) < 0 || (rc = rec_writer_put(w, b.p, b.len)) < 0)
            rec_writer_abort(w);
    }
    if (rc == WP_OK)
        rc = rec_writer_close(w);
    buf_free(&b);
    if (fp != NULL)
        fclose(fp);
    return rc;
}

static int
test_threaded_writer_writes_the_same_bytes(void)
{
    const size_t counts[] = {0, 1, 60000, 400000}; /* none, one, ~2 and ~9 blocks */
    const int levels[] = {1, 6, 9};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            struct mem ref = {0}, thr = {0};
            uint64_t count;
            int kind;
            CHECK_EQ(0, write_mode(&ref, levels[l], 0, counts[c], make_mixed));
            CHECK_EQ(0, write_mode(&thr, levels[l], 1, counts[c], make_mixed));
            CHECK_EQ(ref.n, thr.n);
            CHECK(memcmp(ref.p, thr.p, ref.n) == 0);
            CHECK_EQ(0, read_stream(&thr, &count, &kind));
            CHECK_EQ(counts[c], count);
            if (counts[c] == 400000) { /* both codecs occur, or the test proves less */
                FILE *fp = fmemopen(thr.p, thr.n, "rb");
                struct rec_reader *r;
                const unsigned char *rec;
                size_t len;
                CHECK_EQ(0, rec_reader_open(&r, fp));
                while (rec_reader_next(r, &rec, &len) == 1)
                    ;
                const struct rec_stats *st = rec_reader_stats(r);
                CHECK(st->blocks >= 6);
                CHECK(st->packed_bytes < st->raw_bytes);
                rec_reader_free(r);
                fclose(fp);
                int stored = 0, zlib = 0;
                size_t off = 8 + 8 + 8; /* header without metadata */
                while ((unsigned char)thr.p[off] == REC_TAG_BLOCK) {
                    const unsigned char *h = (const unsigned char *)thr.p + off;
                    stored += h[1] == REC_CODEC_STORED;
                    zlib += h[1] == REC_CODEC_ZLIB;
                    off += REC_BLOCK_HEADER_SIZE + le32_load(h + 12);
                }
                CHECK(stored > 0 && zlib > 0);
            }
            free(ref.p);
            free(thr.p);
        }
    }
    return 0;
}

/* Writes to /dev/full until a put fails (at most limit records); returns that status or
 * the status of close, with errno as the writer left it. */
static int
write_to_full(int threaded, size_t limit, int *put_failed, int *err)
{
    FILE *fp = fopen("/dev/full", "wb");
    struct rec_writer *w;
    struct buf b = {0};
    int rc = fp == NULL ? WP_EIO : rec_writer_open(&w, fp, REC_TOKENS, NULL, 1);
    *put_failed = 0;
    if (rc < 0)
        return rc;
    rec_writer_set_threaded(w, threaded);
    for (size_t i = 0; i < limit && rc == WP_OK; i++) {
        buf_clear(&b);
        make_mixed(&b, i);
        rc = rec_writer_put(w, b.p, b.len);
    }
    if (rc < 0) {
        *put_failed = 1;
        errno = 0;
        rc = rec_writer_put(w, b.p, b.len); /* the error is sticky */
        *err = errno;
        const int close_rc = rec_writer_close(w);
        if (close_rc != rc)
            rc = -100; /* close must report the same error */
    } else {
        errno = 0;
        rc = rec_writer_close(w);
        *err = errno;
    }
    buf_free(&b);
    fclose(fp);
    return rc;
}

static int
test_worker_errors_surface_with_errno(void)
{
    int put_failed, err;
    for (int threaded = 0; threaded <= 1; threaded++) {
        /* many blocks: a later put reports the worker's failure, and so does close */
        CHECK_EQ(WP_EIO, write_to_full(threaded, 2000000, &put_failed, &err));
        CHECK_EQ(1, put_failed);
        CHECK_EQ(ENOSPC, err);
        /* one full block for the worker, then close: the error is not lost */
        CHECK_EQ(WP_EIO, write_to_full(threaded, 130000, &put_failed, &err));
        CHECK_EQ(ENOSPC, err);
        /* nothing but the header and trailer: fflush in close fails */
        CHECK_EQ(WP_EIO, write_to_full(threaded, 0, &put_failed, &err));
        CHECK_EQ(0, put_failed);
    }
    return 0;
}

static int
test_abort_joins_a_busy_worker(void)
{
    for (int nblocks = 1; nblocks <= 3; nblocks++) {
        char *p = NULL;
        size_t n = 0;
        FILE *fp = open_memstream(&p, &n);
        struct rec_writer *w;
        struct buf b = {0};
        CHECK_EQ(0, rec_writer_open(&w, fp, REC_TOKENS, NULL, 9));
        for (size_t i = 0; i < 180000 + (size_t)nblocks * 11000; i++) {
            buf_clear(&b);
            CHECK_EQ(0, make_mixed(&b, i));
            CHECK_EQ(0, rec_writer_put(w, b.p, b.len));
        }
        CHECK_EQ(WP_ERANGE, rec_writer_set_threaded(w, 0)); /* too late: it runs */
        rec_writer_abort(w); /* ASan/TSan: no leak, no race, no write after free */
        buf_free(&b);
        fclose(fp);
        free(p);
    }
    return 0;
}

/* Found fuzzing with tests/fuzz/fuzz_rec (regress/rec/huge-block-sizes): a block
 * header claiming a 1 GiB payload made the reader allocate 1 GiB (stored) or 2 GiB (zlib)
 * before reading a byte of it, so a 60-byte stream cost gigabytes and, under a memory
 * limit, reported "out of memory" instead of truncation. Reads the stream with the
 * data segment limited to 256 MiB in a child (not under ASan, whose shadow needs more). */
static int
read_with_huge_block(int codec, uint32_t raw, uint32_t packed)
{
    struct mem m = {0};
    if (write_stream(&m, REC_TOKENS, 0, 0, make_tokens, NULL) != 0)
        return 99;
    m.n -= REC_TRAILER_SIZE; /* replace the trailer by a block and 10 payload bytes */
    unsigned char blk[REC_BLOCK_HEADER_SIZE + 10] = {REC_TAG_BLOCK, (unsigned char)codec};
    le32_store(blk + 4, 1);
    le32_store(blk + 8, raw);
    le32_store(blk + 12, packed);
    le32_store(blk + 24, (uint32_t)XXH3_64bits(blk, 24));
    char *np = realloc(m.p, m.n + sizeof blk);
    if (np == NULL)
        return 99;
    m.p = np;
    memcpy(m.p + m.n, blk, sizeof blk);
    m.n += sizeof blk;
    uint64_t count;
    int kind, rc;
#if defined(__SANITIZE_ADDRESS__)
    rc = read_stream(&m, &count, &kind);
#else
    fflush(NULL);
    const pid_t pid = fork();
    if (pid == 0) {
        const struct rlimit lim = {256u << 20, 256u << 20};
        setrlimit(RLIMIT_DATA, &lim);
        _exit(-read_stream(&m, &count, &kind));
    }
    int st;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        rc = 99;
    else
        rc = -WEXITSTATUS(st);
#endif
    free(m.p);
    return rc;
}

static int
test_huge_block_size_is_not_allocated_up_front(void)
{
    CHECK_EQ(WP_ETRUNC, read_with_huge_block(REC_CODEC_STORED, 1u << 30, 1u << 30));
    /* deflate cannot expand 10 bytes to 1 GiB: corrupt before any allocation */
    CHECK_EQ(WP_ECORRUPT, read_with_huge_block(REC_CODEC_ZLIB, 1u << 30, 10));
    CHECK_EQ(WP_ETRUNC, read_with_huge_block(REC_CODEC_ZLIB, 1u << 30, 1u << 20));
    return 0;
}

/* A non-seekable input (fmemopen has no file descriptor, like a pipe it has no size)
 * moved to a spool file: its size becomes known and every record still reads back. */
static int
test_spool_makes_a_pipe_measurable(void)
{
    struct mem m = {0};
    CHECK(write_stream(&m, REC_TOKENS, 6, 3000, make_tokens, NULL) == WP_OK);
    FILE *fp = fmemopen(m.p, m.n, "rb");
    struct rec_reader *r;
    CHECK(fp != NULL && rec_reader_open(&r, fp) == WP_OK);
    CHECK(rec_reader_raw_left_max(r) == UINT64_MAX);
    CHECK_EQ(WP_OK, rec_reader_spool(r, tmpfile()));
    const uint64_t left = rec_reader_raw_left_max(r);
    CHECK(left != UINT64_MAX && left >= rec_reader_stats(r)->raw_bytes);
    uint64_t n;
    CHECK_EQ(WP_ENOTFOUND, rec_reader_count_records(r, &n)); /* the spool lacks the header */
    const unsigned char *rec;
    size_t len;
    uint64_t seen = 0;
    int rc;
    while ((rc = rec_reader_next(r, &rec, &len)) == 1) {
        struct buf want = {0};
        CHECK(make_tokens(&want, seen) == WP_OK);
        CHECK(len == want.len && memcmp(rec, want.p, len) == 0);
        buf_free(&want);
        seen++;
    }
    CHECK_EQ(0, rc);
    CHECK_EQ(3000, seen);
    rec_reader_free(r); /* closes the spool */
    fclose(fp);
    free(m.p);
    return 0;
}

/* Concatenated streams: every header is checked against the first on the keys that say
 * what a record means (vocab_hash, dim ...); the records of a file are counted from its
 * block headers alone. */
static int
test_concatenation_checks_headers_and_counts(void)
{
    struct rec_meta *a = rec_meta_new(), *b = rec_meta_new();
    CHECK(a != NULL && b != NULL);
    CHECK(rec_meta_set_u64(a, "vocab_hash", 1) == WP_OK && rec_meta_set_u64(b, "vocab_hash", 2) == WP_OK);
    CHECK(rec_meta_set_u64(a, "seed", 1) == WP_OK && rec_meta_set_u64(b, "seed", 9) == WP_OK);
    struct mem ma = {0}, mb = {0};
    CHECK(write_stream(&ma, REC_WINDOWS, 1, 300, make_window, a) == WP_OK);
    CHECK(write_stream(&mb, REC_WINDOWS, 0, 7, make_window, b) == WP_OK);
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK(fwrite(ma.p, 1, ma.n, fp) == ma.n && fwrite(ma.p, 1, ma.n, fp) == ma.n);
    rewind(fp);
    struct rec_reader *r;
    uint64_t n = 0, seen = 0;
    const unsigned char *rec;
    size_t len;
    CHECK(rec_reader_open(&r, fp) == WP_OK);
    CHECK(rec_reader_count_records(r, &n) == WP_OK);
    CHECK_EQ(600, n);
    /* the fingerprint walked over the block headers is the one of the blocks read to the
     * end (a pipe's, rec_reader_fingerprint_read), and none is given before the end */
    uint64_t first, all, got;
    CHECK(rec_reader_fingerprint(r, &first, &all) == WP_OK && all != 0 && first != 0);
    CHECK_EQ(WP_ERANGE, rec_reader_fingerprint_read(r, &got));
    int rc;
    while ((rc = rec_reader_next(r, &rec, &len)) == 1) /* position restored: all are read */
        seen++;
    CHECK_EQ(0, rc);
    CHECK_EQ(600, seen);
    CHECK(rec_reader_fingerprint_read(r, &got) == WP_OK && got == all);
    rec_reader_free(r);
    CHECK(fwrite(mb.p, 1, mb.n, fp) == mb.n); /* a third stream, of another vocabulary */
    rewind(fp);
    CHECK(rec_reader_open(&r, fp) == WP_OK);
    CHECK(rec_reader_count_records(r, &n) == WP_OK);
    CHECK_EQ(607, n);
    while ((rc = rec_reader_next(r, &rec, &len)) == 1)
        ;
    CHECK_EQ(WP_EVOCAB, rc);
    CHECK_STR("stream 3", rec_reader_where(r));
    CHECK(strstr(rec_reader_detail(r), "another vocabulary") != NULL);
    rec_reader_free(r);
    fclose(fp);
    free(ma.p);
    free(mb.p);
    rec_meta_free(a);
    rec_meta_free(b);
    return 0;
}

/* rec_tokens_open bounds the count by the bytes after it (each token takes at least its
 * length byte): every decoder of token records sizes its arrays by that count. */
static int
test_tokens_count_bounded_by_bytes(void)
{
    /* 4 empty tokens: a count, then four zero lengths */
    const unsigned char four[] = {4, 0, 0, 0, 0}, five[] = {5, 0, 0, 0, 0};
    struct rec_cursor c;
    uint64_t n = 0;
    CHECK_EQ(WP_OK, rec_tokens_open(&c, four, sizeof four, &n));
    CHECK_EQ(4, n);
    CHECK_EQ(WP_ECORRUPT, rec_tokens_open(&c, five, sizeof five, &n));
    CHECK_EQ(WP_ECORRUPT, rec_tokens_open(&c, four, 0, &n)); /* no count at all */
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_round_trip_every_kind_and_level),
           CHECK_CASE(test_tokens_count_bounded_by_bytes),
           CHECK_CASE(test_concatenation_checks_headers_and_counts),
           CHECK_CASE(test_payload_decoders_return_what_was_encoded),
           CHECK_CASE(test_metadata_round_trips_and_types),
           CHECK_CASE(test_each_damage_has_its_own_error),
           CHECK_CASE(test_empty_stream_and_concatenation),
           CHECK_CASE(test_varints_reject_overlong_and_overflow),
           CHECK_CASE(test_threaded_writer_writes_the_same_bytes),
           CHECK_CASE(test_worker_errors_surface_with_errno),
           CHECK_CASE(test_abort_joins_a_busy_worker),
           CHECK_CASE(test_huge_block_size_is_not_allocated_up_front),
           CHECK_CASE(test_spool_makes_a_pipe_measurable))
