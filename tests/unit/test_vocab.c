/* test_vocab.c - the vocabulary table, its order, identity, stream I/O and spilled runs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "common/buf.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "text/vocab.h"
#include "text/vocab_spill.h"

static int
add_str(struct vocab *v, const char *w, uint64_t n)
{
    return vocab_add(v, w, strlen(w), n);
}

static int64_t
look(const struct vocab *v, const char *w)
{
    return vocab_lookup(v, w, strlen(w));
}

static int
test_intern_lookup_grow(void)
{
    struct vocab *v;
    char w[32];
    enum { N = 200000 };
    CHECK_EQ(WP_OK, vocab_create(&v, 0));
    CHECK_EQ(0, vocab_size(v));
    CHECK_EQ(-1, look(v, "x"));
    for (int i = 0; i < N; i++) {
        snprintf(w, sizeof w, "w%d", i);
        CHECK_EQ(WP_OK, add_str(v, w, (uint64_t)i % 7 + 1));
    }
    CHECK_EQ(WP_OK, add_str(v, "w5", 100)); /* an existing word keeps its id */
    CHECK_EQ(N, vocab_size(v));
    uint64_t total = 100;
    for (int i = 0; i < N; i++) {
        snprintf(w, sizeof w, "w%d", i);
        CHECK_EQ(i, look(v, w)); /* ids in insertion order, across every growth */
        size_t len;
        CHECK_STR(w, vocab_word(v, (uint32_t)i, &len));
        CHECK_EQ(strlen(w), len);
        CHECK_EQ((uint64_t)i % 7 + 1 + (i == 5 ? 100 : 0), vocab_count(v, (uint32_t)i));
        total += (uint64_t)i % 7 + 1;
    }
    CHECK_EQ(total, vocab_total(v));
    CHECK_EQ(-1, look(v, "w200000"));
    CHECK_EQ(-1, look(v, "w"));
    CHECK(vocab_memory(v) > (size_t)N * 32);
    vocab_free(v);
    return 0;
}

/* Words that share long prefixes, differ only in length, hold NUL bytes, or are empty. */
static int
test_colliding_prefixes(void)
{
    struct vocab *v;
    char w[512];
    CHECK_EQ(WP_OK, vocab_create(&v, 4));
    memset(w, 'a', sizeof w);
    for (size_t n = 0; n <= 400; n++)
        CHECK_EQ(WP_OK, vocab_add(v, w, n, n + 1)); /* "", "a", "aa", ... */
    for (size_t n = 0; n <= 400; n++) {
        CHECK_EQ((int64_t)n, vocab_lookup(v, w, n));
        CHECK_EQ(n + 1, vocab_count(v, (uint32_t)n));
    }
    CHECK_EQ(WP_OK, vocab_add(v, "a\0b", 3, 1));
    CHECK_EQ(WP_OK, vocab_add(v, "a\0c", 3, 1));
    CHECK_EQ(401, vocab_lookup(v, "a\0b", 3));
    CHECK_EQ(402, vocab_lookup(v, "a\0c", 3));
    CHECK_EQ(1, vocab_lookup(v, "a", 1));
    size_t len;
    CHECK_EQ(0, memcmp(vocab_word(v, 402, &len), "a\0c", 4)); /* NUL-terminated too */
    CHECK_EQ(3, len);
    vocab_free(v);
    return 0;
}

static int
test_sort_ties(void)
{
    struct vocab *v;
    static const char *const in[] = {"b", "ab", "\xc3\xa9", "a", "c", "aa", "B", ""};
    static const uint64_t cnt[] = {3, 3, 3, 3, 5, 1, 3, 3};
    /* count descending; ties bytewise (unsigned: 0xc3 after ASCII), shorter first */
    static const char *const want[] = {"c", "", "B", "a", "ab", "b", "\xc3\xa9", "aa"};
    CHECK_EQ(WP_OK, vocab_create(&v, 0));
    for (size_t i = 0; i < 8; i++)
        CHECK_EQ(WP_OK, add_str(v, in[i], cnt[i]));
    CHECK_EQ(WP_OK, vocab_sort_prune(v, 1, 0));
    CHECK_EQ(8, vocab_size(v));
    for (uint32_t i = 0; i < 8; i++) {
        CHECK_STR(want[i], vocab_word(v, i, NULL));
        CHECK_EQ(i, look(v, want[i]));
    }
    CHECK_EQ(24, vocab_total(v));
    vocab_free(v);
    return 0;
}

static int
test_prune(void)
{
    struct vocab *v;
    CHECK_EQ(WP_OK, vocab_create(&v, 0));
    CHECK_EQ(WP_OK, add_str(v, "rare", 1));
    CHECK_EQ(WP_OK, add_str(v, "mid", 4));
    CHECK_EQ(WP_OK, add_str(v, "top", 9));
    CHECK_EQ(WP_OK, add_str(v, "also", 4));
    CHECK_EQ(WP_OK, add_str(v, "edge", 2));
    CHECK_EQ(WP_OK, vocab_sort_prune(v, 2, 0));
    CHECK_EQ(4, vocab_size(v));
    CHECK_EQ(-1, look(v, "rare"));
    CHECK_EQ(3, look(v, "edge"));
    CHECK_EQ(19, vocab_total(v));
    CHECK_EQ(WP_OK, vocab_sort_prune(v, 1, 2)); /* max_words after the order */
    CHECK_EQ(2, vocab_size(v));
    CHECK_EQ(0, look(v, "top"));
    CHECK_EQ(1, look(v, "also"));
    CHECK_EQ(-1, look(v, "mid"));
    CHECK_EQ(13, vocab_total(v));
    CHECK_EQ(WP_OK, add_str(v, "new", 1)); /* still usable after the rebuild */
    CHECK_EQ(2, look(v, "new"));
    CHECK_EQ(WP_OK, vocab_sort_prune(v, 100, 0)); /* everything pruned */
    CHECK_EQ(0, vocab_size(v));
    CHECK_EQ(0, vocab_total(v));
    CHECK_EQ(-1, look(v, "top"));
    vocab_free(v);
    return 0;
}

static int
test_hash(void)
{
    struct vocab *v, *u;
    unsigned char buf[300];
    char w[200];
    CHECK_EQ(WP_OK, vocab_create(&v, 0));
    CHECK_EQ(XXH3_64bits(NULL, 0), vocab_hash(v));
    CHECK_EQ(WP_OK, add_str(v, "a", 7));
    CHECK_EQ(WP_OK, add_str(v, "bc", 1));
    memset(w, 'z', sizeof w);
    CHECK_EQ(WP_OK, vocab_add(v, w, 200, 1)); /* a two-byte varint length */
    size_t n = 0;
    buf[n++] = 1, buf[n++] = 'a', buf[n++] = 2, buf[n++] = 'b', buf[n++] = 'c';
    buf[n++] = 0xc8, buf[n++] = 0x01;
    memcpy(buf + n, w, 200);
    n += 200;
    CHECK_EQ(XXH3_64bits(buf, n), vocab_hash(v));
    /* pinned: the value must never change between builds or machines */
    CHECK(vocab_hash(v) == 0xe0dce8e9e625d42dULL);
    CHECK_EQ(WP_OK, vocab_create(&u, 0)); /* counts do not matter, order does */
    CHECK_EQ(WP_OK, add_str(u, "a", 1));
    CHECK_EQ(WP_OK, add_str(u, "bc", 99));
    CHECK_EQ(WP_OK, vocab_add(u, w, 200, 5));
    CHECK_EQ(vocab_hash(v), vocab_hash(u));
    CHECK_EQ(WP_OK, vocab_sort_prune(u, 1, 0)); /* bc first now */
    CHECK(vocab_hash(v) != vocab_hash(u));
    vocab_free(u);
    vocab_free(v);
    return 0;
}

/* Writes records of kind to a temporary file and rewinds it. */
static FILE *
stream_of(int kind, const char *const *w, const uint64_t *c, size_t n)
{
    FILE *fp = tmpfile();
    struct rec_writer *wr;
    struct buf b = {0};
    if (fp == NULL || rec_writer_open(&wr, fp, kind, NULL, 1) < 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        buf_clear(&b);
        if (rec_vocab_encode(&b, c[i], w[i], strlen(w[i])) < 0 ||
            rec_writer_put(wr, b.p, b.len) < 0)
            return NULL;
    }
    buf_free(&b);
    if (rec_writer_close(wr) < 0)
        return NULL;
    rewind(fp);
    return fp;
}

static int
test_read_write(void)
{
    struct vocab *v, *u;
    struct rec_writer *wr;
    struct rec_reader *r;
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, vocab_create(&v, 0));
    CHECK_EQ(WP_OK, add_str(v, "the", 10));
    CHECK_EQ(WP_OK, add_str(v, "", 2));
    CHECK_EQ(WP_OK, add_str(v, "zero", 0));
    CHECK_EQ(WP_OK, add_str(v, "big", UINT64_MAX - 12));
    CHECK_EQ(WP_OK, rec_writer_open(&wr, fp, REC_VOCAB, NULL, 1));
    CHECK_EQ(WP_OK, vocab_write(v, wr));
    CHECK_EQ(WP_OK, rec_writer_close(wr));
    rewind(fp);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_OK, vocab_read(&u, r));
    CHECK_EQ(4, vocab_size(u));
    for (uint32_t i = 0; i < 4; i++) {
        size_t a, b;
        const char *wa = vocab_word(v, i, &a), *wb = vocab_word(u, i, &b);
        CHECK_EQ(a, b);
        CHECK_STR(wa, wb);
        CHECK_EQ(vocab_count(v, i), vocab_count(u, i));
    }
    CHECK_EQ(vocab_hash(v), vocab_hash(u));
    CHECK_EQ(UINT64_MAX, vocab_total(u));
    CHECK_EQ(WP_ERANGE, add_str(u, "the", 1)); /* the total would overflow */
    rec_reader_free(r);
    vocab_free(u);
    vocab_free(v);
    fclose(fp);
    return 0;
}

/* total_tokens (every token counted, pruned words too) is kept from the stream's metadata;
 * without it, or when it is below the counts (a damaged key), the counts' total. */
static int
test_tokens_counted(void)
{
    const uint64_t meta_total[3] = {0, 50, 5};
    for (int k = 0; k < 3; k++) {
        struct vocab *v, *u;
        struct rec_writer *wr;
        struct rec_reader *r;
        struct rec_meta *m = rec_meta_new();
        FILE *fp = tmpfile();
        CHECK(fp != NULL && m != NULL);
        if (meta_total[k])
            CHECK_EQ(WP_OK, rec_meta_set_u64(m, "total_tokens", meta_total[k]));
        CHECK_EQ(WP_OK, vocab_create(&v, 0));
        CHECK_EQ(WP_OK, add_str(v, "the", 10));
        CHECK_EQ(WP_OK, add_str(v, "of", 7));
        CHECK_EQ(WP_OK, rec_writer_open(&wr, fp, REC_VOCAB, m, 1));
        CHECK_EQ(WP_OK, vocab_write(v, wr));
        CHECK_EQ(WP_OK, rec_writer_close(wr));
        rewind(fp);
        CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
        CHECK_EQ(WP_OK, vocab_read(&u, r));
        CHECK_EQ(17, vocab_total(u));
        CHECK_EQ(k == 1 ? 50 : 17, vocab_tokens_counted(u));
        CHECK_EQ(17, vocab_tokens_counted(v)); /* built here: no stream, its own total */
        rec_reader_free(r);
        rec_meta_free(m);
        vocab_free(u);
        vocab_free(v);
        fclose(fp);
    }
    return 0;
}

static int
test_read_empty_dup_kind(void)
{
    static const char *const dup[] = {"a", "b", "a"};
    static const uint64_t c[] = {3, 2, 1};
    struct rec_reader *r;
    struct vocab *v;
    FILE *fp = stream_of(REC_VOCAB, dup, c, 0); /* empty vocabulary */
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_OK, vocab_read(&v, r));
    CHECK_EQ(0, vocab_size(v));
    CHECK_EQ(XXH3_64bits(NULL, 0), vocab_hash(v));
    vocab_free(v);
    rec_reader_free(r);
    fclose(fp);

    CHECK((fp = stream_of(REC_VOCAB, dup, c, 3)) != NULL);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_ECORRUPT, vocab_read(&v, r));
    CHECK(v == NULL);
    rec_reader_free(r);
    fclose(fp);

    CHECK((fp = stream_of(REC_TOKENS, dup, c, 0)) != NULL);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_EKIND, vocab_read(&v, r));
    rec_reader_free(r);
    fclose(fp);
    return 0;
}

/* vocab_read_dup names the word listed twice; vocab_unsorted finds a count above the one
 * before it. */
static int
test_read_dup_unsorted(void)
{
    static const char *const w[] = {"the", "of", "the"};
    static const uint64_t c[] = {3, 5, 1};
    char dup[3];
    struct rec_reader *r;
    struct vocab *v;
    FILE *fp = stream_of(REC_VOCAB, w, c, 3);
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_EFORMAT, vocab_read_dup(&v, r, dup, sizeof dup));
    CHECK(v == NULL);
    CHECK_STR("th", dup); /* cut to the buffer */
    rec_reader_free(r);
    fclose(fp);

    CHECK((fp = stream_of(REC_VOCAB, w, c, 2)) != NULL);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_OK, vocab_read_dup(&v, r, NULL, 0));
    CHECK_EQ(1, vocab_unsorted(v)); /* "of" 5 after "the" 3 */
    CHECK_EQ(WP_OK, vocab_sort_prune(v, 0, 0));
    CHECK_EQ(0, vocab_unsorted(v));
    vocab_free(v);
    rec_reader_free(r);
    fclose(fp);
    return 0;
}

struct collect {
    struct vocab *v;
    char last[64];
    size_t last_len;
    int n, ordered;
};

static int
collect_fn(void *ctx, const void *word, size_t len, uint64_t count)
{
    struct collect *c = ctx;
    if (c->n > 0) {
        const size_t m = len < c->last_len ? len : c->last_len;
        const int d = memcmp(c->last, word, m);
        c->ordered &= d < 0 || (d == 0 && c->last_len < len);
    }
    memcpy(c->last, word, len);
    c->last_len = len;
    c->n++;
    return vocab_add(c->v, word, len, count);
}

/* 40 runs (so two compactions happen) over overlapping words: the merge must give exactly
 * the counts of one table that saw everything, in bytewise order. */
static int
test_spill_merge(void)
{
    struct vocab_spill *s;
    struct vocab *all, *part;
    struct collect c = {.ordered = 1};
    char w[32];
    CHECK_EQ(WP_OK, vocab_spill_create(&s, "/tmp"));
    CHECK_EQ(WP_OK, vocab_create(&all, 0));
    for (int run = 0; run < 40; run++) {
        CHECK_EQ(WP_OK, vocab_create(&part, 0));
        for (int i = 0; i < 500; i++) {
            const int k = (run * 37 + i * i) % 1500;
            snprintf(w, sizeof w, k % 3 ? "w%d" : "w%dx", k);
            CHECK_EQ(WP_OK, add_str(part, w, (uint64_t)(run + 1)));
            CHECK_EQ(WP_OK, add_str(all, w, (uint64_t)(run + 1)));
        }
        CHECK_EQ(WP_OK, vocab_spill_run(s, part));
        CHECK(vocab_spill_runs(s) < 2 * VOCAB_SPILL_FANIN);
        vocab_free(part);
    }
    CHECK(vocab_spill_bytes(s) > 0);
    CHECK_EQ(WP_OK, vocab_create(&c.v, 0));
    CHECK_EQ(WP_OK, vocab_spill_merge(s, collect_fn, &c));
    CHECK(c.ordered);
    CHECK_EQ(vocab_size(all), vocab_size(c.v));
    CHECK_EQ(vocab_total(all), vocab_total(c.v));
    for (uint32_t id = 0; id < vocab_size(all); id++) {
        size_t len;
        const char *word = vocab_word(all, id, &len);
        const int64_t j = vocab_lookup(c.v, word, len);
        CHECK(j >= 0);
        CHECK_EQ(vocab_count(all, id), vocab_count(c.v, (uint32_t)j));
    }
    vocab_free(c.v);
    vocab_free(all);
    vocab_spill_free(s);
    return 0;
}

/* vocab_record_ids looks tokens up several at a time (prefetching ahead): for records
 * shorter and longer than its look-ahead, with words outside the vocabulary among them,
 * it gives what looking each token up alone gives, in order. */
static int
test_record_ids(void)
{
    struct vocab *v;
    CHECK_EQ(WP_OK, vocab_create(&v, 0));
    char w[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(w, sizeof w, "w%d", i * 2); /* odd numbers stay outside */
        CHECK_EQ(WP_OK, add_str(v, w, 1));
    }
    static const size_t lens[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 100, 1000};
    char words[1000][32];
    const unsigned char *tok[1000];
    size_t tlen[1000];
    uint32_t *ids = NULL, want[1000];
    size_t cap = 0;
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
        const size_t n = lens[li];
        size_t nwant = 0;
        for (size_t i = 0; i < n; i++) {
            snprintf(words[i], sizeof words[i], "w%zu", (i * 7919 + li) % 2000);
            tok[i] = (const unsigned char *)words[i];
            tlen[i] = strlen(words[i]);
            const int64_t id = vocab_lookup(v, words[i], tlen[i]);
            if (id >= 0)
                want[nwant++] = (uint32_t)id;
        }
        struct buf b = {0};
        CHECK_EQ(WP_OK, rec_tokens_encode(&b, tok, tlen, n));
        size_t kept = SIZE_MAX;
        uint64_t tokens = UINT64_MAX;
        ids = realloc(ids, 2 * sizeof *ids); /* one id before the record's, kept */
        cap = 2;
        ids[0] = 12345;
        CHECK_EQ(WP_OK, vocab_record_ids(v, b.p, b.len, &ids, &cap, 1, &kept, &tokens));
        CHECK_EQ(n, tokens);
        CHECK_EQ(nwant, kept);
        CHECK_EQ(12345, ids[0]);
        CHECK(nwant == 0 || memcmp(ids + 1, want, nwant * sizeof *want) == 0);
        if (n > 0) { /* the last token cut short: corrupt, whatever was looked up before */
            CHECK_EQ(WP_ECORRUPT, vocab_record_ids(v, b.p, b.len - 1, &ids, &cap, 0, &kept,
                                                   &tokens));
        }
        buf_free(&b);
    }
    free(ids);
    vocab_free(v);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_intern_lookup_grow), CHECK_CASE(test_record_ids), CHECK_CASE(test_tokens_counted), CHECK_CASE(test_colliding_prefixes),
           CHECK_CASE(test_sort_ties), CHECK_CASE(test_prune), CHECK_CASE(test_hash),
           CHECK_CASE(test_read_write), CHECK_CASE(test_read_empty_dup_kind),
           CHECK_CASE(test_read_dup_unsorted),
           CHECK_CASE(test_spill_merge))
