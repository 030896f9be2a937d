/* test_w2v_resume.c - what a w2v-train checkpoint keeps beside the model (w2v_resume.h), read
 * back from a saved checkpoint and refused when it lies; the checkpoints' pace (w2v_pace.h);
 * the model as its outputs hold it (w2v_out.h); a job saved and restored (w2v_job.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/status.h"
#include "stream/rec.h"
#include "text/vocab.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"
#include "w2v/w2v.h"
#include "w2v/w2v_job.h"
#include "w2v/w2v_out.h"
#include "w2v/w2v_pace.h"
#include "w2v/w2v_resume.h"

static struct vocab *
make_vocab(const char *const *words, int n)
{
    struct vocab *v;
    if (vocab_create(&v, 8) < 0)
        return NULL;
    for (int i = 0; i < n; i++)
        if (vocab_add(v, words[i], strlen(words[i]), (uint64_t)(100 - i)) < 0)
            return NULL;
    return v;
}

static const char *const WORDS[] = {"the", "of", "cat", "sat"};

/* A checkpoint of a fresh model over v at pass 1, with the run settings rs (extra keys
 * changed by set when not NULL), saved and opened again: its reader. */
static struct rec_reader *
saved(FILE **fpp, const struct vocab *v, const struct w2v_run_settings *rs, const char *key,
      uint64_t value)
{
    struct w2v_params p;
    struct w2v_model m;
    struct w2v_worker w;
    struct rec_meta *extra;
    struct rec_reader *r = NULL;
    w2v_params_default(&p);
    p.dim = 8;
    if (w2v_model_init_vocab(&m, &p, v, NULL) < 0 || w2v_worker_init(&w, &m, 0) < 0)
        return NULL;
    FILE *fp = tmpfile();
    const struct w2v_pos pos = {.pass = 1, .records = 77, .words = 99};
    if (fp != NULL && w2v_run_meta(&extra, rs, REC_WINDOWS, 11, 22) == WP_OK) {
        if (key != NULL)
            rec_meta_set_u64(extra, key, value);
        if (w2v_ckpt_save(fp, &m, &w, 1, &pos, vocab_hash(v), 0, extra, 1) == WP_OK) {
            rewind(fp);
            if (rec_reader_open(&r, fp) < 0)
                r = NULL;
        }
        rec_meta_free(extra);
    }
    w2v_worker_free(&w);
    w2v_model_free(&m);
    *fpp = fp;
    return r;
}

static const struct w2v_run_settings RS = {.epochs = 3, .wcfg = {.window = 7, .sample = 1e-4,
                                                                 .fixed = 1},
                                           .deterministic = 1, .sync_words = 5000};

static int
test_round_trip(void)
{
    struct vocab *v = make_vocab(WORDS, 4);
    CHECK(v != NULL);
    FILE *fp;
    struct rec_reader *r = saved(&fp, v, &RS, NULL, 0);
    CHECK(r != NULL);
    struct w2v_resume res = {.run = {.epochs = 5, .wcfg = {.window = 5, .sample = 1e-3},
                                     .sync_words = 100}};
    struct w2v_resume_err err;
    CHECK_EQ(WP_OK, w2v_resume_read(&res, rec_reader_meta(r), v, rec_reader_raw_left_max(r),
                                    &err));
    CHECK_EQ(W2V_RESUME_OK, err.fail);
    CHECK(res.p.dim == 8 && res.threads == 1 && res.nctx == 0);
    CHECK(res.pos.pass == 1 && res.pos.records == 77 && res.pos.words == 99);
    CHECK(res.run.epochs == 3 && res.run.wcfg.window == 7 && res.run.wcfg.fixed == 1);
    CHECK(res.run.wcfg.sample == 1e-4);
    CHECK(res.run.deterministic == 1 && res.run.sync_words == 5000);
    CHECK(res.kind == REC_WINDOWS && res.data_first == 11 && res.data_all == 22);
    /* the input: the same fingerprint, or one half unknown on either side */
    CHECK(w2v_resume_same_input(&res, 11, 22));
    CHECK(w2v_resume_same_input(&res, 11, 0));
    CHECK(!w2v_resume_same_input(&res, 12, 22));
    CHECK(!w2v_resume_same_input(&res, 11, 23));
    res.data_all = 0;
    CHECK(w2v_resume_same_input(&res, 11, 23));
    res.data_first = 0;                   /* a checkpoint from before fingerprints */
    CHECK(w2v_resume_same_input(&res, 12, 23));
    /* the weights must fit in what is left of the file */
    struct w2v_resume r2 = {.run = RS};
    CHECK_EQ(WP_ECORRUPT, w2v_resume_read(&r2, rec_reader_meta(r), v, 4 * 8 * 4 - 1, &err));
    CHECK(err.fail == W2V_RESUME_SIZE && err.n == 4 && err.dim == 8);
    /* another vocabulary */
    static const char *const other[] = {"the", "of", "cat", "mat"};
    struct vocab *v2 = make_vocab(other, 4);
    CHECK(v2 != NULL);
    CHECK_EQ(WP_ECORRUPT, w2v_resume_read(&r2, rec_reader_meta(r), v2, UINT64_MAX, &err));
    CHECK_EQ(W2V_RESUME_VOCAB, err.fail);
    rec_reader_free(r);
    fclose(fp);
    vocab_free(v2);
    vocab_free(v);
    return 0;
}

/* Each setting outside what its option accepts, and a pass past the epochs. */
static int
test_refused(void)
{
    struct vocab *v = make_vocab(WORDS, 4);
    CHECK(v != NULL);
    static const struct {
        const char *key;
        uint64_t value;
        enum w2v_resume_fail fail;
    } cases[] = {{"epochs", 0, W2V_RESUME_RANGE}, {"epochs", W2V_EPOCHS_MAX + 1, W2V_RESUME_RANGE},
                 {"window", 0, W2V_RESUME_RANGE}, {"window", W2V_WINDOW_MAX + 1, W2V_RESUME_RANGE},
                 {"fixed_window", 2, W2V_RESUME_RANGE}, {"epochs", 1, W2V_RESUME_PASS}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *fp;
        struct rec_reader *r = saved(&fp, v, &RS, cases[i].key, cases[i].value);
        CHECK(r != NULL);
        struct w2v_resume res = {.run = RS};
        struct w2v_resume_err err;
        CHECK_EQ(WP_ECORRUPT, w2v_resume_read(&res, rec_reader_meta(r), v, UINT64_MAX, &err));
        CHECK_EQ(cases[i].fail, err.fail);
        if (cases[i].fail == W2V_RESUME_RANGE) {
            CHECK_STR(cases[i].key, err.key);
            CHECK_EQ(cases[i].value, err.value);
            CHECK(err.lo <= err.hi && (err.value < err.lo || err.value > err.hi));
        } else {
            CHECK(res.pos.pass == 1 && res.run.epochs == 1);
        }
        rec_reader_free(r);
        fclose(fp);
    }
    /* a sample outside 0..1 */
    struct w2v_run_settings bad = RS;
    bad.wcfg.sample = 1.5;
    FILE *fp;
    struct rec_reader *r = saved(&fp, v, &bad, NULL, 0);
    CHECK(r != NULL);
    struct w2v_resume res = {.run = RS};
    struct w2v_resume_err err;
    CHECK_EQ(WP_ECORRUPT, w2v_resume_read(&res, rec_reader_meta(r), v, UINT64_MAX, &err));
    CHECK(err.fail == W2V_RESUME_SAMPLE && err.sample == 1.5);
    rec_reader_free(r);
    fclose(fp);
    /* not a checkpoint at all */
    struct rec_meta *m = rec_meta_new();
    CHECK(m != NULL);
    CHECK(w2v_resume_read(&res, m, v, UINT64_MAX, &err) < 0);
    CHECK(err.fail == W2V_RESUME_PARAMS && err.status == WP_EKIND);
    rec_meta_free(m);
    vocab_free(v);
    return 0;
}

static int
test_pace(void)
{
    struct w2v_pace p;
    /* every 100 words, resumed at 250: the next at 300, then 400 (not 350) */
    w2v_pace_start(&p, 100, 0, 250, 0);
    CHECK_EQ(0, w2v_pace_due(&p, 299, 1e9));
    CHECK_EQ(1, w2v_pace_due(&p, 300, 0));
    CHECK_EQ(0, w2v_pace_due(&p, 399, 0));
    CHECK_EQ(1, w2v_pace_due(&p, 650, 0));  /* several multiples passed: one checkpoint */
    CHECK_EQ(0, w2v_pace_due(&p, 699, 0));
    CHECK_EQ(1, w2v_pace_due(&p, 700, 0));
    /* every 10 seconds: from the start, then from the last */
    w2v_pace_start(&p, 0, 10, 0, 5);
    CHECK_EQ(0, w2v_pace_due(&p, 1000000, 14.9));
    CHECK_EQ(1, w2v_pace_due(&p, 0, 15));
    CHECK_EQ(0, w2v_pace_due(&p, 0, 24.9));
    CHECK_EQ(1, w2v_pace_due(&p, 0, 25));
    /* neither: never */
    w2v_pace_start(&p, 0, 0, 0, 0);
    CHECK_EQ(0, w2v_pace_due(&p, UINT64_MAX, 1e12));
    return 0;
}

static int
test_out(void)
{
    static const char *const spaced[] = {"the", "of", "a cat", "sat"};
    struct vocab *v = make_vocab(WORDS, 4), *vs = make_vocab(spaced, 4);
    CHECK(v != NULL && vs != NULL);
    uint32_t bad = 99;
    CHECK_EQ(1, w2v_words_writable(v, &bad));
    CHECK_EQ(99, bad);
    CHECK_EQ(0, w2v_words_writable(vs, &bad));
    CHECK_EQ(2, bad);
    struct w2v_params p;
    struct w2v_model m;
    w2v_params_default(&p);
    p.dim = 4;
    CHECK_EQ(WP_OK, w2v_model_init_vocab(&m, &p, v, NULL));
    /* without subwords, the word vectors are syn0's rows */
    float *x;
    CHECK_EQ(WP_OK, w2v_word_vectors(&x, &m, v, &RS));
    CHECK(memcmp(x, m.syn0, 4 * 4 * sizeof *x) == 0);
    free(x);
    /* fastText's view: the model's sizes and rows, the run's settings in its args */
    struct fasttext ft;
    CHECK_EQ(WP_OK, w2v_fasttext_view(&ft, &m, v, &RS));
    CHECK(ft.dim == 4 && ft.nwords == 4 && ft.bucket == 0 && ft.maxn == 0);
    CHECK(ft.input == m.syn0 && ft.output == m.syn1neg && ft.has_args);
    CHECK_STR("cat", ft.words[2]);
    CHECK_EQ(98, ft.counts[2]);
    CHECK_EQ(7, ft.args[4]);              /* ws */
    CHECK_EQ(3, ft.args[8]);              /* epoch */
    CHECK_EQ(97, ft.args[12]);            /* minCount: the rarest word's count */
    w2v_fasttext_view_free(&ft);
    /* the text format: a header and one line per word; a word with a space refused */
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, w2v_out_model(fp, W2VFMT_TEXT, &m, v, &RS, 1));
    rewind(fp);
    char line[512];
    CHECK(fgets(line, sizeof line, fp) != NULL);
    CHECK_STR("4 4\n", line);
    CHECK(fgets(line, sizeof line, fp) != NULL && strncmp(line, "the ", 4) == 0);
    fclose(fp);
    fp = tmpfile();
    CHECK(fp != NULL);
    CHECK_EQ(WP_EFORMAT, w2v_out_vectors(fp, W2VFMT_TEXT, vs, m.syn0, 4, 1));
    fclose(fp);
    w2v_model_free(&m);
    vocab_free(v);
    vocab_free(vs);
    return 0;
}

/* A job of two workers saved with its settings and restored into a fresh job: the same
 * weights, generators and settings; parameters the model refuses are refused. */
static int
test_job(void)
{
    struct vocab *v = make_vocab(WORDS, 4);
    CHECK(v != NULL);
    struct w2v_params p;
    w2v_params_default(&p);
    p.dim = 8;
    struct w2v_job a, b;
    CHECK_EQ(WP_OK, w2v_job_init(&a, &p, v, NULL, 2, 0));
    CHECK_EQ(WP_OK, w2v_job_keep(&a, &RS, REC_TOKENS, 5, 6));
    a.m.syn0[3] = 0.25f;
    (void)rng_u64(&a.workers[1].nrng);
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    const struct w2v_pos pos = {.pass = 2, .records = 9, .words = 10};
    CHECK_EQ(WP_OK, w2v_job_save(&a, fp, a.workers, &pos, 1));
    rewind(fp);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    struct w2v_resume res = {.run = {.epochs = 1, .wcfg = {.window = 5}}};
    struct w2v_resume_err err;
    CHECK_EQ(WP_OK, w2v_resume_read(&res, rec_reader_meta(r), v, UINT64_MAX, &err));
    CHECK(res.threads == 2 && res.pos.pass == 2 && res.run.epochs == 3);
    CHECK(res.kind == REC_TOKENS && res.data_first == 5 && res.data_all == 6);
    CHECK_EQ(WP_OK, w2v_job_init(&b, &res.p, v, NULL, res.threads, 0));
    CHECK_EQ(WP_OK, w2v_job_restore(&b, r));
    CHECK(b.m.syn0[3] == 0.25f);
    CHECK(memcmp(a.m.syn0, b.m.syn0, 4 * 8 * sizeof(float)) == 0);
    CHECK(memcmp(&a.workers[1].nrng, &b.workers[1].nrng, sizeof a.workers[1].nrng) == 0);
    rec_reader_free(r);
    fclose(fp);
    w2v_job_free(&a);
    w2v_job_free(&b);
    p.dim = 0; /* the model's refusal, and nothing left to free */
    CHECK_EQ(WP_ERANGE, w2v_job_init(&a, &p, v, NULL, 2, 0));
    CHECK(a.workers == NULL && a.threads == 0);
    w2v_job_free(&a);
    vocab_free(v);
    return 0;
}

/* The whole of a file. */
static char *
slurp(FILE *fp, long *len)
{
    char *s = NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (*len = ftell(fp)) > 0 && (s = malloc((size_t)*len)))
        if (fseek(fp, 0, SEEK_SET) != 0 || fread(s, 1, (size_t)*len, fp) != (size_t)*len) {
            free(s);
            s = NULL;
        }
    return s;
}

/* Rows padded to whole cache lines (w2v_model_relayout, as w2v_run trains): the values
 * stay, the padding is zero, a checkpoint saved padded is the same file as one saved
 * dense, one restored into a padded model lands in the padded rows, and the way back gives
 * the dense matrices again. */
static int
test_padded_rows(void)
{
    struct vocab *v = make_vocab(WORDS, 4);
    CHECK(v != NULL);
    struct w2v_params p;
    w2v_params_default(&p);
    p.dim = 12;
    const size_t d = 12, pitch = w2v_row_pitch(d);
    CHECK_EQ(16, pitch);
    CHECK_EQ(16, w2v_row_pitch(16));
    CHECK_EQ(112, w2v_row_pitch(100));
    struct w2v_job a, b;
    CHECK_EQ(WP_OK, w2v_job_init(&a, &p, v, NULL, 2, 0));
    CHECK_EQ(WP_OK, w2v_job_keep(&a, &RS, REC_TOKENS, 5, 6));
    CHECK_EQ(d, a.m.stride);
    float want[4 * 12], want1[4 * 12];
    for (size_t i = 0; i < 4 * d; i++)
        a.m.syn1neg[i] = (float)i * 0.5f - 3.0f;
    memcpy(want, a.m.syn0, sizeof want);
    memcpy(want1, a.m.syn1neg, sizeof want1);
    const struct w2v_pos pos = {.pass = 1, .records = 3, .words = 4};
    FILE *dense = tmpfile(), *padded = tmpfile();
    CHECK(dense != NULL && padded != NULL);
    CHECK_EQ(WP_OK, w2v_job_save(&a, dense, a.workers, &pos, 1));
    w2v_model_relayout(&a.m, pitch);
    CHECK_EQ(pitch, a.m.stride);
    for (size_t r = 0; r < 4; r++) {
        CHECK(memcmp(a.m.syn0 + r * pitch, want + r * d, d * sizeof(float)) == 0);
        CHECK(memcmp(a.m.syn1neg + r * pitch, want1 + r * d, d * sizeof(float)) == 0);
        for (size_t j = d; j < pitch; j++)
            CHECK(a.m.syn0[r * pitch + j] == 0.0f && a.m.syn1neg[r * pitch + j] == 0.0f);
    }
    CHECK_EQ(WP_OK, w2v_job_save(&a, padded, a.workers, &pos, 1));
    long n1 = 0, n2 = 0;
    char *s1 = slurp(dense, &n1), *s2 = slurp(padded, &n2);
    CHECK(s1 != NULL && s2 != NULL && n1 == n2 && memcmp(s1, s2, (size_t)n1) == 0);
    free(s1);
    free(s2);
    /* restored into a padded model */
    rewind(dense);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, dense));
    struct w2v_resume res = {.run = {.epochs = 1, .wcfg = {.window = 5}}};
    struct w2v_resume_err err;
    CHECK_EQ(WP_OK, w2v_resume_read(&res, rec_reader_meta(r), v, UINT64_MAX, &err));
    CHECK_EQ(WP_OK, w2v_job_init(&b, &res.p, v, NULL, res.threads, 0));
    w2v_model_relayout(&b.m, pitch);
    memset(b.m.syn0, 0, 4 * pitch * sizeof(float));
    CHECK_EQ(WP_OK, w2v_job_restore(&b, r));
    for (size_t row = 0; row < 4; row++)
        CHECK(memcmp(b.m.syn0 + row * pitch, want + row * d, d * sizeof(float)) == 0);
    /* and back */
    w2v_model_relayout(&a.m, d);
    CHECK_EQ(d, a.m.stride);
    CHECK(memcmp(a.m.syn0, want, sizeof want) == 0 && memcmp(a.m.syn1neg, want1, sizeof want1) == 0);
    rec_reader_free(r);
    fclose(dense);
    fclose(padded);
    w2v_job_free(&a);
    w2v_job_free(&b);
    vocab_free(v);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_job), CHECK_CASE(test_round_trip), CHECK_CASE(test_refused),
           CHECK_CASE(test_pace), CHECK_CASE(test_out), CHECK_CASE(test_padded_rows))
