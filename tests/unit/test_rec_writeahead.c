/* test_rec_writeahead.c - records written through the write-ahead thread read back in order
 * and byte for byte, the same stream as rec_writer_put makes (empty records, records
 * larger than a batch, many batches); an error of the thread comes back to the caller. */
#undef NDEBUG
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/rng.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_writeahead.h"

enum { NREC = 20000 };

static size_t
rec_len(uint32_t i)
{
    struct rng r;
    rng_seed(&r, 5, i);
    return i % 5000 == 1 ? 600000 : (size_t)(rng_u64(&r) % 300);
}

static unsigned char buf[600000];

static void
fill(uint32_t i, size_t n)
{
    for (size_t k = 0; k < n; k++)
        buf[k] = (unsigned char)(i * 31 + k);
}

/* The whole stream, written directly (ahead 0) or through the thread (ahead 1). */
static int
write_stream(FILE *fp, int ahead)
{
    struct rec_writer *w;
    struct rec_writeahead *a = NULL;
    CHECK_EQ(WP_OK, rec_writer_open(&w, fp, REC_IDS, NULL, 1));
    if (ahead)
        CHECK_EQ(WP_OK, rec_writeahead_start(&a, w));
    for (uint32_t i = 0; i < NREC; i++) {
        const size_t n = rec_len(i);
        fill(i, n);
        CHECK_EQ(WP_OK, ahead ? rec_writeahead_put(a, buf, n) : rec_writer_put(w, buf, n));
    }
    if (ahead)
        CHECK_EQ(WP_OK, rec_writeahead_stop(a));
    CHECK_EQ(WP_OK, rec_writer_close(w));
    return 0;
}

static int
test_same_stream_as_direct_writes(void)
{
    FILE *a = tmpfile(), *b = tmpfile();
    CHECK(a != NULL && b != NULL);
    CHECK_EQ(0, write_stream(a, 0));
    CHECK_EQ(0, write_stream(b, 1));
    CHECK_EQ(ftell(a), ftell(b));
    rewind(a);
    rewind(b);
    int ca, cb;
    do {
        ca = fgetc(a);
        cb = fgetc(b);
        CHECK_EQ(ca, cb);
    } while (ca != EOF);
    /* and it reads back */
    rewind(b);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, b));
    const unsigned char *rec;
    size_t len;
    for (uint32_t i = 0; i < NREC; i++) {
        CHECK_EQ(1, rec_reader_next(r, &rec, &len));
        CHECK_EQ(rec_len(i), len);
        fill(i, len);
        CHECK(memcmp(rec, buf, len) == 0);
    }
    CHECK_EQ(0, rec_reader_next(r, &rec, &len));
    rec_reader_free(r);
    fclose(a);
    fclose(b);
    return 0;
}

/* A writer on a read-only stream fails when a block is flushed: the caller sees WP_EIO. */
static int
test_thread_error_comes_back(void)
{
    FILE *fp = fopen("/dev/full", "wb");
    if (fp == NULL)
        return 0; /* no /dev/full: nothing to test */
    setvbuf(fp, NULL, _IONBF, 0);
    struct rec_writer *w;
    struct rec_writeahead *a;
    int rc = rec_writer_open(&w, fp, REC_IDS, NULL, 0);
    if (rc < 0) { /* the header write already failed */
        fclose(fp);
        return 0;
    }
    CHECK_EQ(WP_OK, rec_writeahead_start(&a, w));
    memset(buf, 7, sizeof buf);
    int first = WP_OK;
    for (int i = 0; i < 64 && first == WP_OK; i++)
        first = rec_writeahead_put(a, buf, 100000);
    rc = rec_writeahead_stop(a);
    CHECK(first == WP_EIO || rc == WP_EIO);
    rec_writer_abort(w);
    fclose(fp);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_same_stream_as_direct_writes), CHECK_CASE(test_thread_error_comes_back))
