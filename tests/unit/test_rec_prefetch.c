/* test_rec_prefetch.c - the read-ahead reader gives the records of rec_reader_next, in
 * order and byte for byte (empty records, records larger than a batch, many batches), the
 * same final status and error position on a damaged stream, and stops cleanly mid-stream;
 * the packed bytes read so far, for progress. */
#undef NDEBUG
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "common/rng.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_prefetch.h"

enum { NREC = 20000 };

/* Record i: length from a generator (0 to a few hundred bytes, and every 5000th 600 KB,
 * more than a batch), bytes from i. */
static size_t
rec_len(uint32_t i)
{
    struct rng r;
    rng_seed(&r, 3, i);
    return i % 5000 == 1 ? 600000 : (size_t)(rng_u64(&r) % 300);
}

static unsigned char buf[600000];

static FILE *
make_stream(int level)
{
    FILE *fp = tmpfile();
    struct rec_writer *w;
    if (fp == NULL || rec_writer_open(&w, fp, REC_IDS, NULL, level) < 0)
        abort();
    for (uint32_t i = 0; i < NREC; i++) {
        const size_t n = rec_len(i);
        for (size_t k = 0; k < n; k++)
            buf[k] = (unsigned char)(i * 31 + k);
        if (rec_writer_put(w, buf, n) < 0)
            abort();
    }
    if (rec_writer_close(w) < 0)
        abort();
    rewind(fp);
    return fp;
}

/* Reads fp through the prefetcher; returns the final status, *count the records before.
 * rec_prefetch_packed_bytes never goes back, and ends at the reader's count. */
static int
read_all(FILE *fp, uint64_t *count, int verify)
{
    struct rec_reader *r;
    struct rec_prefetch *p;
    int rc = rec_reader_open(&r, fp);
    if (rc < 0)
        return rc;
    CHECK_EQ(WP_OK, rec_prefetch_start(&p, r));
    const unsigned char *rec;
    size_t len;
    uint64_t packed = 0;
    *count = 0;
    CHECK_EQ(0, rec_prefetch_packed_bytes(p));
    while ((rc = rec_prefetch_next(p, &rec, &len)) == 1) {
        const uint32_t i = (uint32_t)*count;
        CHECK(rec_prefetch_packed_bytes(p) >= packed);
        packed = rec_prefetch_packed_bytes(p);
        if (verify) {
            CHECK_EQ(rec_len(i), len);
            for (size_t k = 0; k < len; k++)
                if (rec[k] != (unsigned char)(i * 31 + k))
                    CHECK(0);
        }
        (*count)++;
    }
    CHECK_EQ(rc, rec_prefetch_next(p, &rec, &len)); /* the end stays the end */
    CHECK(rec_prefetch_packed_bytes(p) >= packed);
    packed = rec_prefetch_packed_bytes(p);
    rec_prefetch_stop(p);
    if (rc == 0)
        CHECK_EQ(rec_reader_stats(r)->packed_bytes, packed);
    rec_reader_free(r);
    return rc;
}

static int
test_same_records_in_order(void)
{
    for (int level = 0; level <= 1; level++) {
        FILE *fp = make_stream(level);
        uint64_t n;
        CHECK_EQ(0, read_all(fp, &n, 1));
        CHECK_EQ(NREC, n);
        fclose(fp);
    }
    return 0;
}

/* A flipped byte in the middle: the prefetcher stops where the plain reader does, with
 * its status, and the reader says where. */
static int
test_damage_same_status(void)
{
    FILE *fp = make_stream(1);
    fseek(fp, 0, SEEK_END);
    const long size = ftell(fp);
    fseek(fp, size / 2, SEEK_SET);
    const int c = fgetc(fp);
    fseek(fp, size / 2, SEEK_SET);
    fputc(c ^ 0x55, fp);
    rewind(fp);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    const unsigned char *rec;
    size_t len;
    uint64_t want = 0;
    int want_rc;
    while ((want_rc = rec_reader_next(r, &rec, &len)) == 1)
        want++;
    CHECK(want_rc < 0);
    CHECK(want < NREC);
    rec_reader_free(r);
    rewind(fp);
    uint64_t got;
    CHECK_EQ(want_rc, read_all(fp, &got, 0));
    CHECK_EQ(want, got);
    fclose(fp);
    return 0;
}

/* Stopping after a few records, with the thread still reading, frees everything (ASan). */
static int
test_stop_mid_stream(void)
{
    FILE *fp = make_stream(1);
    struct rec_reader *r;
    struct rec_prefetch *p;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_OK, rec_prefetch_start(&p, r));
    const unsigned char *rec;
    size_t len;
    for (int i = 0; i < 10; i++)
        CHECK_EQ(1, rec_prefetch_next(p, &rec, &len));
    rec_prefetch_stop(p);
    rec_prefetch_stop(NULL);
    rec_reader_free(r);
    fclose(fp);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_same_records_in_order), CHECK_CASE(test_damage_same_status),
           CHECK_CASE(test_stop_mid_stream))
