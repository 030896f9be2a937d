/* test_pairs_text.c - word2vecf's word<TAB>context lines (text/pairs_text.h): splitting and
 * its refusals, the counting pass (a copy kept, the line of an error), the grouping pass
 * (a group ended by another word, dropped or not, and by the size limit), and the u32
 * spool it writes (common/spool.h, and a whole input copied to one); the header pairs writes
 * (text/window_meta.h); the records of a corpus from its spool, counted and written
 * (text/pairs_gen.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/spool.h"
#include "common/status.h"
#include "text/pairs_gen.h"
#include "text/pairs_text.h"
#include "stream/rec_payload.h"
#include "stream/rec.h"
#include "text/vocab.h"
#include "text/window_meta.h"

static int
split(const char *text, int want, const char *word, const char *ctx)
{
    char line[64], *c = NULL;
    size_t wl = 0, cl = 0;
    snprintf(line, sizeof line, "%s", text);
    CHECK_EQ(want, pairs_text_split(line, strlen(text), &c, &wl, &cl));
    if (want == 1) {
        CHECK_EQ(strlen(word), wl);
        CHECK(memcmp(line, word, wl) == 0);
        CHECK_STR(ctx, c);
        CHECK_EQ(strlen(ctx), cl);
    }
    return 0;
}

static int
test_split(void)
{
    CHECK(split("dog\tnsubj_barks\n", 1, "dog", "nsubj_barks") == 0);
    CHECK(split("dog\tbarks\r\n", 1, "dog", "barks") == 0);
    CHECK(split("dog\tbarks", 1, "dog", "barks") == 0);
    CHECK(split("\n", 0, NULL, NULL) == 0);
    CHECK(split("\r\n", 0, NULL, NULL) == 0);
    CHECK(split("dog barks\n", WP_EFORMAT, NULL, NULL) == 0);
    CHECK(split("\tbarks\n", WP_EFORMAT, NULL, NULL) == 0);
    CHECK(split("dog\t\n", WP_EFORMAT, NULL, NULL) == 0);
    CHECK(split("dog\tbarks\tloud\n", WP_EFORMAT, NULL, NULL) == 0);
    /* a NUL byte inside the line */
    char nul[] = "do\0g\tbarks\n", *c;
    size_t wl, cl;
    CHECK_EQ(WP_EFORMAT, pairs_text_split(nul, sizeof nul - 1, &c, &wl, &cl));
    return 0;
}

static void
count_progress(void *ctx, uint64_t pairs)
{
    *(uint64_t *)ctx = pairs;
}

static int
test_count(void)
{
    static const char text[] = "a\tx\nb\ty\n\na\ty\n";
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "r"), *copy = tmpfile();
    struct vocab *v, *cv;
    struct pairs_text_err err;
    uint64_t pairs, seen = 0;
    CHECK(fp != NULL && copy != NULL);
    CHECK(vocab_create(&v, 16) == WP_OK && vocab_create(&cv, 16) == WP_OK);
    CHECK_EQ(WP_OK, pairs_text_count(fp, copy, v, cv, &pairs, count_progress, &seen, &err));
    CHECK_EQ(3, pairs);
    CHECK_EQ(3, seen);
    CHECK_EQ(2, vocab_size(v));
    CHECK_EQ(2, vocab_size(cv));
    CHECK_EQ(2, vocab_count(v, (uint32_t)vocab_lookup(v, "a", 1)));
    CHECK_EQ(2, vocab_count(cv, (uint32_t)vocab_lookup(cv, "y", 1)));
    /* the copy holds every byte, the blank line too */
    char back[64];
    rewind(copy);
    CHECK_EQ(sizeof text - 1, fread(back, 1, sizeof back, copy));
    CHECK(memcmp(back, text, sizeof text - 1) == 0);
    fclose(fp);
    fclose(copy);
    /* a bad line: its number; the words given (v NULL) are left alone */
    static const char bad[] = "a\tx\n\nb y\nc\tz\n";
    fp = fmemopen((void *)bad, sizeof bad - 1, "r");
    CHECK_EQ(WP_EFORMAT, pairs_text_count(fp, NULL, NULL, cv, &pairs, NULL, NULL, &err));
    CHECK_EQ(3, err.line);
    CHECK_EQ(1, pairs);
    CHECK_EQ(2, vocab_size(v));
    fclose(fp);
    vocab_free(v);
    vocab_free(cv);
    return 0;
}

/* the spool's records, one u32 array */
static int
read_spool(FILE *sp, uint32_t *got, size_t cap, size_t *n)
{
    CHECK_EQ(WP_OK, spool_rewind(sp));
    *n = 0;
    while (*n < cap && spool_get_u32(sp, got + *n, 1) == 1)
        ++*n;
    CHECK_EQ(0, spool_get_u32(sp, got, 1));
    return 0;
}

static int
test_group(void)
{
    /* words a=0 b=1 (c unknown), contexts x=0 y=1 (z unknown) */
    static const char text[] = "a\tx\na\ty\na\tz\nc\tx\na\tx\nb\tx\nb\ty\nb\tx\nb\ty\nb\tx\n";
    struct vocab *v, *cv;
    CHECK(vocab_create(&v, 16) == WP_OK && vocab_create(&cv, 16) == WP_OK);
    CHECK(vocab_add(v, "a", 1, 9) == WP_OK && vocab_add(v, "b", 1, 5) == WP_OK);
    CHECK(vocab_add(cv, "x", 1, 9) == WP_OK && vocab_add(cv, "y", 1, 5) == WP_OK);
    CHECK(vocab_sort_prune(v, 1, 0) == WP_OK && vocab_sort_prune(cv, 1, 0) == WP_OK);
    FILE *fp = fmemopen((void *)text, sizeof text - 1, "r"), *sp = tmpfile();
    struct pairs_text_groups g;
    struct pairs_text_err err;
    CHECK(fp != NULL && sp != NULL);
    CHECK_EQ(WP_OK, pairs_text_group(fp, v, cv, 3, sp, &g, &err));
    /* a: x y (z dropped); c ends it; a: x again; b: three, then two after the limit */
    static const uint32_t want[] = {0, 2, 0, 1, 0, 1, 0, 1, 3, 0, 1, 0, 1, 2, 1, 0};
    uint32_t got[32];
    size_t n;
    CHECK(read_spool(sp, got, 32, &n) == 0);
    CHECK_EQ(sizeof want / sizeof want[0], n);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ(want[i], got[i]);
    CHECK_EQ(4, g.groups);
    CHECK_EQ(3, g.max_ctx);
    fclose(fp);
    fclose(sp);
    vocab_free(v);
    vocab_free(cv);
    return 0;
}

static int
test_spool_truncated(void)
{
    FILE *sp = tmpfile();
    const uint32_t x[3] = {7, 8, 9};
    uint32_t y[4];
    CHECK(sp != NULL);
    CHECK_EQ(WP_OK, spool_put_u32(sp, x, 3));
    CHECK_EQ(WP_OK, spool_rewind(sp));
    CHECK_EQ(1, spool_get_u32(sp, y, 2));
    CHECK_EQ(8, y[1]);
    CHECK_EQ(WP_ETRUNC, spool_get_u32(sp, y, 2));
    CHECK_EQ(0, spool_get_u32(sp, y, 2));
    const uint32_t *map;
    size_t n;
    CHECK_EQ(WP_OK, spool_map(sp, &map, &n)); /* mapped for the passes that replay it */
    CHECK(n == 3 && map[0] == 7 && map[2] == 9);
    spool_unmap(map, n);
    fclose(sp);
    CHECK((sp = tmpfile()) != NULL);
    CHECK(spool_map(sp, &map, &n) == WP_OK && map == NULL && n == 0); /* empty */
    fclose(sp);
    return 0;
}

static int
test_window_meta(void)
{
    struct vocab *v, *cv;
    CHECK(vocab_create(&v, 8) == WP_OK && vocab_create(&cv, 8) == WP_OK);
    CHECK(vocab_add(v, "a", 1, 3) == WP_OK && vocab_add(v, "b", 1, 2) == WP_OK);
    CHECK(vocab_add(cv, "x", 1, 1) == WP_OK);
    const struct window_cfg wc = {.window = 5, .fixed = 1, .sample = 1e-4};
    struct window_meta w = {.v = v, .wcfg = &wc, .epochs = 2, .seed = 9,
                            .expected_records = 1234, .expected_exact = 1,
                            .expected_words = 600, .max_contexts = 10};
    struct rec_meta *m = rec_meta_new();
    uint64_t u;
    double f;
    CHECK(m != NULL);
    CHECK_EQ(WP_OK, window_meta_put(m, &w));
    CHECK(rec_meta_get_u64(m, "vocab_hash", &u) == WP_OK && u == vocab_hash(v));
    CHECK(rec_meta_get_u64(m, "vocab_size", &u) == WP_OK && u == 2);
    CHECK_EQ(WP_ENOTFOUND, rec_meta_get_u64(m, "context_vocab_hash", &u));
    CHECK(rec_meta_get_u64(m, "window", &u) == WP_OK && u == 5);
    CHECK(rec_meta_get_u64(m, "fixed_window", &u) == WP_OK && u == 1);
    CHECK(rec_meta_get_f64(m, "sample", &f) == WP_OK && f == 1e-4);
    CHECK(rec_meta_get_u64(m, "epochs", &u) == WP_OK && u == 2);
    CHECK(rec_meta_get_u64(m, "seed", &u) == WP_OK && u == 9);
    CHECK(rec_meta_get_u64(m, "expected_records", &u) == WP_OK && u == 1234);
    CHECK(rec_meta_get_u64(m, "expected_exact", &u) == WP_OK && u == 1);
    CHECK(rec_meta_get_u64(m, "expected_words", &u) == WP_OK && u == 600);
    CHECK(rec_meta_get_u64(m, "max_contexts", &u) == WP_OK && u == 10);
    struct window_meta_read r; /* read back: every key but the contexts' */
    window_meta_get(m, &r);
    CHECK_EQ(0x1fffu & ~(unsigned)(WINDOW_META_CONTEXT_VOCAB_HASH
                                   | WINDOW_META_CONTEXT_VOCAB_SIZE), r.has);
    CHECK(r.vocab_hash == vocab_hash(v) && r.vocab_size == 2 && r.context_vocab_hash == 0);
    CHECK(r.window == 5 && r.fixed_window == 1 && r.sample == 1e-4 && r.epochs == 2);
    CHECK(r.seed == 9 && r.expected_records == 1234 && r.expected_exact == 1);
    CHECK(r.expected_words == 600 && r.max_contexts == 10);
    rec_meta_free(m);
    w.cv = cv; /* word2vecf: the contexts' vocabulary too */
    CHECK((m = rec_meta_new()) != NULL);
    CHECK_EQ(WP_OK, window_meta_put(m, &w));
    CHECK(rec_meta_get_u64(m, "context_vocab_hash", &u) == WP_OK && u == vocab_hash(cv));
    CHECK(rec_meta_get_u64(m, "context_vocab_size", &u) == WP_OK && u == 1);
    window_meta_get(m, &r);
    CHECK(r.has == 0x1fffu && r.context_vocab_hash == vocab_hash(cv));
    CHECK_EQ(1, r.context_vocab_size);
    CHECK_EQ(WP_OK, rec_meta_set_f64(m, "epochs", 2.0)); /* the wrong type: not held */
    window_meta_get(m, &r);
    CHECK(!(r.has & WINDOW_META_EPOCHS) && r.epochs == 0);
    rec_meta_free(m);
    vocab_free(v);
    vocab_free(cv);
    return 0;
}

static int
test_spool_copy(void)
{
    static const char text[] = "bytes of a pipe, copied whole";
    FILE *in = fmemopen((void *)text, sizeof text - 1, "r"), *sp = tmpfile();
    char back[64];
    int at_input = -1;
    CHECK(in != NULL && sp != NULL);
    CHECK_EQ(WP_OK, spool_copy(sp, in, &at_input));
    CHECK_EQ(1, at_input);
    CHECK_EQ(WP_OK, spool_rewind(sp));
    CHECK_EQ(sizeof text - 1, fread(back, 1, sizeof back, sp));
    CHECK(memcmp(back, text, sizeof text - 1) == 0);
    fclose(in);
    fclose(sp);
    return 0;
}

/* records put by the generator: their count and the centers and contexts in a row */
struct got_recs {
    size_t n, spans;
    uint32_t flat[256];
    size_t nflat;
};

static int
put_rec(void *ctx, const unsigned char *rec, size_t len)
{
    struct got_recs *g = ctx;
    uint32_t center, c[16], ids[16], radii[16];
    size_t n;
    if (g->spans) {
        WP_TRY(rec_spans_count(rec, len, &n));
        WP_TRY(rec_spans_decode(rec, len, ids, radii, 16, &n));
        g->n += n;
        return WP_OK;
    }
    WP_TRY(rec_window_decode(rec, len, &center, c, 16, &n));
    g->flat[g->nflat++] = center;
    for (size_t i = 0; i < n; i++)
        g->flat[g->nflat++] = c[i];
    g->n++;
    return WP_OK;
}

static int
test_gen(void)
{
    struct vocab *v;
    CHECK(vocab_create(&v, 16) == WP_OK);
    CHECK(vocab_add(v, "a", 1, 9) == WP_OK && vocab_add(v, "b", 1, 5) == WP_OK);
    CHECK(vocab_add(v, "c", 1, 3) == WP_OK && vocab_sort_prune(v, 1, 0) == WP_OK);
    /* two sentences: a b c, then c a */
    static const uint32_t spool[] = {3, 0, 1, 2, 2, 2, 0};
    FILE *sp = tmpfile();
    CHECK(sp != NULL);
    CHECK_EQ(WP_OK, spool_put_u32(sp, spool, 7));
    struct window_cfg w = {.window = 1, .fixed = 1, .sample = 0};
    struct subsampler sub;
    struct pairs_gen g = {0};
    struct got_recs got = {0};
    CHECK_EQ(WP_OK, subsample_init(&sub, v, 0));
    CHECK_EQ(WP_OK, pairs_gen_init(&g, &w, &sub));
    /* counting: two epochs of 5 kept words; nothing put */
    CHECK_EQ(WP_OK, pairs_gen_epochs(&g, sp, 2, 1, NULL, NULL));
    CHECK_EQ(10, g.records);
    CHECK_EQ(10, g.done);
    /* writing one epoch: every word kept, window 1 fixed */
    g.put = put_rec;
    g.put_ctx = &got;
    CHECK_EQ(WP_OK, pairs_gen_epochs(&g, sp, 1, 1, NULL, NULL));
    CHECK_EQ(5, got.n);
    static const uint32_t want[] = {0, 1, 1, 0, 2, 2, 1, 2, 0, 0, 2};
    CHECK_EQ(sizeof want / sizeof want[0], got.nflat);
    for (size_t i = 0; i < got.nflat; i++)
        CHECK_EQ(want[i], got.flat[i]);
    /* spans: one record per sentence, the same kept words */
    memset(&got, 0, sizeof got);
    got.spans = g.spans = 1;
    CHECK_EQ(WP_OK, pairs_gen_epochs(&g, sp, 1, 1, NULL, NULL));
    CHECK_EQ(5, got.n);
    CHECK_EQ(5, g.records);
    pairs_gen_free(&g);
    subsample_free(&sub);
    vocab_free(v);
    fclose(sp);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_split), CHECK_CASE(test_count), CHECK_CASE(test_group),
           CHECK_CASE(test_spool_truncated), CHECK_CASE(test_window_meta),
           CHECK_CASE(test_spool_copy), CHECK_CASE(test_gen))
