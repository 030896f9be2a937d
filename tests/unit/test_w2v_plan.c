/* test_w2v_plan.c - a w2v-train run planned from its input's header (w2v_plan.h): tokens from
 * a file or a pipe, to one thread or Hogwild ones, windows with the stream's epochs, a count
 * that differs from the header, spans' window, and each refusal. */
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "stream/rec.h"
#include "text/vocab.h"
#include "text/window.h"
#include "w2v/w2v.h"
#include "w2v/w2v_plan.h"

static struct vocab *
make_vocab(void)
{
    static const char *const words[] = {"the", "of", "cat", "sat"};
    static const uint64_t counts[] = {1000, 400, 30, 20};
    struct vocab *v;
    if (vocab_create(&v, 8) < 0)
        return NULL;
    for (int i = 0; i < 4; i++)
        if (vocab_add(v, words[i], strlen(words[i]), counts[i]) < 0)
            return NULL;
    return v;
}

static int
test_tokens(void)
{
    struct vocab *v = make_vocab();
    CHECK(v != NULL);
    struct w2v_plan p;
    struct w2v_plan_in in = {.kind = REC_TOKENS, .v = v, .sample = 1e-2, .window = 5,
                             .epochs = 3};
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK_EQ(W2V_IN_TOKENS, p.input);
    CHECK(p.passes == 3 && p.window == 5 && p.counted_here == 1);
    CHECK_EQ(0, p.total_records);          /* spooled and counted first */
    CHECK_EQ(1450 * 3, p.total_words);
    CHECK(p.words_per_record == 0);
    CHECK_EQ(7, w2v_plan_words_at(&p, &(struct w2v_pos){.records = 3, .words = 7}));
    in.pipe = 1;                            /* a pipe of three epochs: spooled too */
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK_EQ(0, p.total_records);
    in.epochs = 1;                          /* one epoch from a pipe: estimated */
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    struct subsampler sub;
    CHECK_EQ(WP_OK, subsample_init(&sub, v, 1e-2));
    CHECK_EQ(subsample_expected(&sub, v), p.total_records);
    CHECK(p.total_records > 0);
    in.pipe = 0;                            /* Hogwild threads: estimated, every epoch */
    in.epochs = 3;
    in.hogwild = 1;
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK(p.passes == 3 && p.counted_here == 1);
    CHECK_EQ(3 * subsample_expected(&sub, v), p.total_records);
    CHECK_EQ(1450 * 3, p.total_words);
    subsample_free(&sub);
    vocab_free(v);
    return 0;
}

static int
test_windows(void)
{
    struct vocab *v = make_vocab();
    struct rec_meta *meta = rec_meta_new();
    CHECK(v != NULL && meta != NULL);
    struct w2v_plan p;
    struct w2v_plan_in in = {.kind = REC_WINDOWS, .meta = meta, .v = v, .window = 5,
                             .epochs = 4};
    CHECK_EQ(WP_ENOTFOUND, w2v_plan_make(&p, &in));
    CHECK_EQ(W2V_PLAN_NO_EXPECTED, p.fail);
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "expected_records", 0));
    CHECK_EQ(WP_EEMPTY, w2v_plan_make(&p, &in));
    CHECK_EQ(W2V_PLAN_EMPTY, p.fail);
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "epochs", 2));
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "expected_records", 100));
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "expected_words", 500));
    /* without -e: the stream's epochs once */
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK(p.input == W2V_IN_WINDOWS && p.passes == 1 && p.counted_here == 0);
    CHECK_EQ(100, p.total_records);
    CHECK_EQ(1000, p.total_words);          /* 500 words an epoch, two epochs */
    CHECK(p.words_per_record == 10);
    /* -e 4 over a stream of 2 epochs: read twice */
    in.epochs_set = 1;
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK(p.passes == 2 && p.total_records == 200 && p.total_words == 2000);
    in.epochs = 3;
    CHECK_EQ(WP_ERANGE, w2v_plan_make(&p, &in));
    CHECK_EQ(W2V_PLAN_EPOCHS, p.fail);
    CHECK_EQ(2, p.stream_epochs);
    /* the file holds 150 windows, not the header's 100: the schedule follows the file */
    in.epochs = 2;
    in.counted = 150;
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK(p.miscounted == 1 && p.warn == 1 && p.header_records == 100);
    CHECK_EQ(150, p.total_records);
    CHECK_EQ(1500, p.total_words);
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "expected_exact", 0));   /* an estimate */
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK(p.miscounted == 1 && p.warn == 0 && p.estimated == 1);
    /* an estimate may be passed by chance (the subsampling draws), an exact count not at
     * all: by four spreads of the coin tosses, sqrt(n), on a small stream, by 1% on a big */
    CHECK_EQ(400, w2v_plan_slack(&p, 10000));
    CHECK(!w2v_plan_overrun(&p, 10400, 10000) && w2v_plan_overrun(&p, 10401, 10000));
    CHECK(!w2v_plan_overrun(&p, 9000, 10000));
    CHECK_EQ(10000000, w2v_plan_slack(&p, 1000000000));
    CHECK(!w2v_plan_overrun(&p, 1010000000, 1000000000));
    CHECK(w2v_plan_overrun(&p, 1010000001, 1000000000));
    CHECK_EQ(4, w2v_plan_slack(&p, 1));
    p.estimated = 0;
    CHECK_EQ(0, w2v_plan_slack(&p, 10000));
    CHECK(!w2v_plan_overrun(&p, 10000, 10000) && w2v_plan_overrun(&p, 10001, 10000));
    in.counted = 100;                       /* the same count: nothing to say */
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK(p.miscounted == 0 && p.total_records == 100);
    /* spans: the window they were drawn with; a count applies to windows files only */
    in.kind = REC_SPANS;
    in.counted = 150;
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "window", 7));
    CHECK_EQ(WP_OK, w2v_plan_make(&p, &in));
    CHECK(p.input == W2V_IN_SPANS && p.window == 7 && p.miscounted == 0);
    CHECK_EQ(100, p.total_records);
    /* into the engine's settings, and the raw words of windows for progress */
    struct w2v_run_cfg cfg = {0};
    w2v_plan_apply(&p, &cfg);
    CHECK(cfg.input == W2V_IN_SPANS && cfg.passes == 1 && cfg.wcfg.window == 7);
    CHECK_EQ(100, cfg.total_records);
    CHECK_EQ(50, w2v_plan_words(&p, 5));    /* 1000 words over 100 windows */
    CHECK_EQ(30, w2v_plan_words_at(&p, &(struct w2v_pos){.records = 3, .words = 1}));
    rec_meta_free(meta);
    vocab_free(v);
    return 0;
}

/* w2v_plan_read: a windows file counted from its blocks (two streams of 3 windows whose
 * headers say 3 each); a tokens input from standard input that is a file is no pipe. */
static int
test_read(void)
{
    struct vocab *v = make_vocab();
    struct rec_meta *meta = rec_meta_new();
    FILE *fp = tmpfile();
    CHECK(v != NULL && meta != NULL && fp != NULL);
    CHECK_EQ(WP_OK, rec_meta_set_u64(meta, "expected_records", 3));
    for (int s = 0; s < 2; s++) {
        struct rec_writer *w;
        CHECK_EQ(WP_OK, rec_writer_open(&w, fp, REC_WINDOWS, meta, 0));
        for (int i = 0; i < 3; i++)
            CHECK_EQ(WP_OK, rec_writer_put(w, "\x01\x01\x02", 3));
        CHECK_EQ(WP_OK, rec_writer_close(w));
    }
    rewind(fp);
    struct rec_reader *rd;
    CHECK_EQ(WP_OK, rec_reader_open(&rd, fp));
    struct w2v_plan p;
    struct w2v_plan_in in = {.kind = REC_WINDOWS, .meta = rec_reader_meta(rd), .v = v,
                             .window = 5, .epochs = 1};
    CHECK_EQ(WP_OK, w2v_plan_read(&p, &in, rd, fp, 0, 0)); /* not counted (--mpi) */
    CHECK(in.counted == 0 && p.total_records == 3 && p.miscounted == 0);
    CHECK_EQ(WP_OK, w2v_plan_read(&p, &in, rd, fp, 1, 1));
    CHECK(in.counted == 6 && p.total_records == 6 && p.warn == 1 && in.pipe == 0);
    in = (struct w2v_plan_in){.kind = REC_TOKENS, .v = v, .sample = 1e-2, .window = 5,
                              .epochs = 1};
    CHECK_EQ(WP_OK, w2v_plan_read(&p, &in, rd, fp, 1, 1));
    CHECK(in.pipe == 0 && p.total_records == 0); /* a file: spooled and counted */
    rec_reader_free(rd);
    fclose(fp);
    rec_meta_free(meta);
    vocab_free(v);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_tokens), CHECK_CASE(test_windows), CHECK_CASE(test_read))
