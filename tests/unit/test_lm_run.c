/* Unit tests for lm_run.c: the checkpoint metadata round trip, the learning-rate schedule,
 * and rollback after a step that is not finite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tiny_lm.h"
#include "common/status.h"
#include "lm/lm_eval.h"
#include "lm/lm_preset.h"
#include "lm/lm_run.h"
#include "stream/rec.h"
#include "text/vocab.h"

static int
test_meta_round_trip(void)
{
    struct lm_train_cfg tc, back;
    lm_train_cfg_default(&tc);
    tc.unroll = 7;
    tc.batch = 3;
    tc.sampled = 11;
    tc.lr = 0.3f;
    tc.seed = 99;
    struct lm_schedule sch = {.epochs = 5, .decay_start = 2, .decay = 0.5f,
                              .budget_secs = 600, .init = 0.05f, .forget_bias = 1};
    struct lm *m = tiny_lm(1);
    CHECK(m != NULL);
    uint32_t ids[41];
    for (int i = 0; i < 41; i++)
        ids[i] = i % 5 == 0 ? LM_EOS : LM_NSPECIAL + (uint32_t)(i % 4);
    struct lm_run rn = {.tc = &tc, .sch = &sch, .m = m, .train = {ids, 41}, .data_hash = 1234};
    rn.pos = (struct lm_pos){2, 1, 12.5, 40, 0.25, 9};
    struct rec_meta *x = rec_meta_new();
    CHECK(x != NULL);
    CHECK_EQ(WP_OK, lm_run_put_meta(x, &rn, 321.5, 1));

    lm_train_cfg_default(&back);
    struct lm_schedule s2 = {.epochs = 77};
    struct lm_pos p;
    uint64_t hash, ranks;
    double secs;
    const char *missing = NULL;
    CHECK_EQ(WP_OK, lm_run_get_meta(x, &back, &s2, 1, &p, &hash, &secs, &ranks, &missing));
    CHECK_EQ(7, back.unroll);
    CHECK_EQ(3, back.batch);
    CHECK_EQ(11, back.sampled);
    CHECK_EQ(99, back.seed);
    CHECK(back.lr == tc.lr);
    CHECK_EQ(77, s2.epochs);   /* kept: given on the command line */
    CHECK_EQ(2, s2.decay_start);
    CHECK(s2.decay == 0.5f);
    CHECK(s2.budget_secs == 600);
    CHECK_EQ(1234, hash);
    CHECK_EQ(1, ranks);
    CHECK(secs == 321.5);
    CHECK_EQ(2, p.epoch);
    CHECK_EQ(1, p.window);
    CHECK(p.loss == 12.5);
    CHECK_EQ(40, p.ntok);
    CHECK(p.lr_scale == 0.25);
    CHECK_EQ(9, p.batches);
    CHECK_EQ(WP_OK, lm_run_get_meta(x, &back, &s2, 0, &p, &hash, &secs, &ranks, &missing));
    CHECK_EQ(5, s2.epochs);

    /* a model file (no position) is not a checkpoint: the first absent key is named */
    struct rec_meta *y = rec_meta_new();
    CHECK(y != NULL);
    CHECK_EQ(WP_OK, lm_run_put_meta(y, &rn, 0, 0));
    CHECK_EQ(WP_ENOTFOUND, lm_run_get_meta(y, &back, &s2, 0, &p, &hash, &secs, &ranks,
                                           &missing));
    CHECK_STR("pos_epoch", missing);
    rec_meta_free(x);
    rec_meta_free(y);
    lm_free(m);
    return 0;
}

static int
test_schedule(void)
{
    struct lm_train_cfg tc;
    lm_train_cfg_default(&tc);
    tc.lr = 1.0f;
    struct lm_schedule sch = {.decay_start = 3, .decay = 0.5f};
    struct lm_run rn = {.tc = &tc, .sch = &sch};
    lm_pos_start(&rn.pos);
    CHECK(lm_run_lr(&rn) == 1.0f);
    rn.pos.epoch = 3;
    CHECK(lm_run_lr(&rn) == 0.5f);
    rn.pos.epoch = 4;
    rn.pos.lr_scale = 0.5;
    CHECK(lm_run_lr(&rn) == 0.125f);
    return 0;
}

static int
test_rollback(void)
{
    struct lm_train_cfg tc;
    lm_train_cfg_default(&tc);
    tc.unroll = 2;
    tc.batch = 2;
    tc.threads = 1;
    struct lm_schedule sch = {.epochs = 1};
    struct lm *m = tiny_lm(1);
    CHECK(m != NULL);
    uint32_t ids[41];
    for (int i = 0; i < 41; i++)
        ids[i] = i % 5 == 0 ? LM_EOS : LM_NSPECIAL + (uint32_t)(i % 4);
    struct lm_run rn = {.tc = &tc, .sch = &sch, .m = m, .train = {ids, 41}};
    lm_pos_start(&rn.pos);
    CHECK_EQ(WP_OK, lm_trainer_new(&rn.tr, m, &tc, &rn.train));
    CHECK((rn.snap = lm_snapshot_new(rn.tr)) != NULL);
    lm_run_snapshot(&rn);
    const float kept = m->sm_b[LM_EOS];
    double norm;
    struct lm_pos bad;
    CHECK_EQ(WP_OK, lm_run_step(&rn, &norm, &bad));
    CHECK_EQ(1, rn.pos.window);
    CHECK_EQ(1, rn.pos.batches);
    for (unsigned i = 1; i <= LM_RUN_MAX_ROLLBACKS; i++) {
        m->sm_b[LM_EOS] = NAN;
        CHECK_EQ(WP_ERANGE, lm_run_step(&rn, &norm, &bad));
        CHECK_EQ(i, rn.rollbacks);
        CHECK_EQ(1, bad.window);           /* where it failed */
        CHECK_EQ(0, rn.pos.window);        /* back to the snapshot */
        CHECK(rn.pos.lr_scale == ldexp(1.0, -(int)i));
        CHECK(m->sm_b[LM_EOS] == kept);    /* the snapshot's weights */
        CHECK_EQ(WP_OK, lm_run_step(&rn, &norm, &bad));
    }
    m->sm_b[LM_EOS] = NAN;   /* one more: diverged, nothing restored */
    CHECK_EQ(WP_ERANGE, lm_run_step(&rn, &norm, &bad));
    CHECK_EQ(LM_RUN_MAX_ROLLBACKS + 1, rn.rollbacks);
    CHECK(isnan(m->sm_b[LM_EOS]));
    lm_snapshot_free(rn.snap);
    lm_trainer_free(rn.tr);
    lm_free(m);
    return 0;
}

/* The presets (lm_preset.h), and the reports of lm_eval.h in one process. */
static int
test_preset_and_reports(void)
{
    struct lm_cfg mc = {0};
    struct lm_train_cfg tc;
    struct lm_schedule sch = {0};
    lm_train_cfg_default(&tc);
    CHECK_EQ(WP_OK, lm_preset("small", &mc, &tc, &sch));
    CHECK(mc.hidden == 200 && tc.unroll == 35 && sch.epochs == 13 && sch.char_gain == 1);
    CHECK_EQ(WP_OK, lm_preset("elmo-small", &mc, &tc, &sch));
    CHECK(mc.char_input == 1 && mc.proj == 128 && tc.optim == LM_ADAGRAD);
    CHECK(sch.char_gain == 1); /* elmo-small keeps small's */
    CHECK_EQ(WP_ENOTFOUND, lm_preset("large", &mc, &tc, &sch));
    CHECK(mc.hidden == 1024);

    struct lm_pos p = {.loss = 2 * log(5.0), .ntok = 2};
    CHECK_NEAR(5.0, lm_train_ppl(&p), 1e-9);
    p.ntok = 0;
    CHECK(lm_train_ppl(&p) == 0);

    tc.batch = 2;
    tc.unroll = 2;
    uint32_t ids[41] = {0};
    struct lm_schedule b = {.budget_tokens = 8, .budget_secs = 10};
    struct lm_run rn = {.tc = &tc, .sch = &b, .train = {ids, 41}};
    int stop;
    lm_pos_start(&rn.pos);
    rn.pos.window = 1; /* 2 rows x 2 positions trained: 4 tokens */
    CHECK_EQ(WP_OK, lm_budget_spent(&rn, 1, &stop));
    CHECK_EQ(0, stop);
    CHECK_EQ(WP_OK, lm_budget_spent(&rn, 10, &stop)); /* the time */
    CHECK_EQ(1, stop);
    rn.pos.window = 2; /* the tokens */
    CHECK_EQ(WP_OK, lm_budget_spent(&rn, 1, &stop));
    CHECK_EQ(1, stop);

    struct lm *m = tiny_lm(1);
    CHECK(m != NULL);
    uint64_t words, tokens;
    lm_cut_words(m, &words, &tokens); /* word input: nothing cut */
    CHECK(words == 0 && tokens == 0);
    for (int i = 0; i < 41; i++)
        ids[i] = i % 5 == 0 ? LM_EOS : LM_NSPECIAL + (uint32_t)(i % 4);
    struct lm_train_cfg et;
    lm_train_cfg_default(&et);
    et.unroll = 2;
    et.batch = 2;
    et.threads = 1;
    struct lm_trainer *tr;
    CHECK_EQ(WP_OK, lm_trainer_new(&tr, m, &et, &rn.train));
    double ppl[3], loss[2];
    uint64_t ntok[2];
    CHECK_EQ(WP_OK, lm_eval_ppl(tr, &rn.train, ppl));
    CHECK_EQ(WP_OK, lm_trainer_eval(tr, &rn.train, loss, ntok));
    CHECK_NEAR(exp(loss[0] / (double)ntok[0]), ppl[0], 1e-9);
    CHECK_NEAR(exp(loss[1] / (double)ntok[1]), ppl[1], 1e-9);
    CHECK(ppl[2] > 1);
    lm_trainer_free(tr);
    lm_free(m);
    return 0;
}

/* A new model over a vocabulary (lm_new_vocab), and a run's corpus checked (lm_run_check)
 * with its test results (lm_run_put_test). */
static int
test_new_and_check(void)
{
    struct vocab *v;
    CHECK(vocab_create(&v, 8) == WP_OK);
    static const char *const words[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        CHECK(vocab_add(v, words[i], 1, 1) == WP_OK);
    struct lm_cfg mc = {.layers = 1, .hidden = 4, .proj = 3, .directions = 2};
    struct lm_schedule sch = {.init = 0.1f, .forget_bias = 1, .char_gain = 1};
    struct lm *m = NULL, *t = tiny_lm(1);
    int bad_cfg = 0;
    mc.hidden = 0; /* refused: the vocabulary stays the caller's */
    CHECK_EQ(WP_ERANGE, lm_new_vocab(&m, &mc, v, &sch, 1, &bad_cfg));
    CHECK_EQ(1, bad_cfg);
    CHECK(m == NULL);
    mc.hidden = 4;
    CHECK_EQ(WP_OK, lm_new_vocab(&m, &mc, v, &sch, 1, &bad_cfg));
    CHECK_EQ(0, bad_cfg);
    CHECK_EQ(4 + LM_NSPECIAL, m->c.vocab);
    CHECK(m->vocab == v);
    /* the same initialisation as tiny_lm's from the same seed */
    CHECK(t != NULL && t->nparams == m->nparams);
    CHECK(memcmp(t->w, m->w, m->nparams * sizeof *m->w) == 0);

    struct lm_train_cfg tc;
    lm_train_cfg_default(&tc);
    tc.unroll = 2;
    tc.batch = 2;
    uint32_t ids[41];
    for (int i = 0; i < 41; i++)
        ids[i] = i % 5 == 0 ? LM_EOS : LM_NSPECIAL + (uint32_t)(i % 4);
    struct lm_run rn = {.tc = &tc, .sch = &sch, .m = m, .train = {ids, 41}};
    size_t nw;
    CHECK_EQ(LM_RUN_FITS, lm_run_check(&rn, 0, 0, &nw));
    CHECK_EQ(lm_stream_hash(&rn.train), rn.data_hash);
    CHECK_EQ(lm_stream_windows(&rn.train, &tc), nw);
    CHECK(nw > 0);
    CHECK_EQ(LM_RUN_FITS, lm_run_check(&rn, 1, rn.data_hash, &nw));
    CHECK_EQ(LM_RUN_OTHER_CORPUS, lm_run_check(&rn, 1, rn.data_hash + 1, &nw));
    tc.sampled = m->c.vocab;
    CHECK_EQ(LM_RUN_SAMPLED, lm_run_check(&rn, 0, 0, &nw));
    tc.sampled = 0;
    rn.train.n = 2; /* fewer tokens than one window's rows */
    CHECK_EQ(LM_RUN_TOO_SHORT, lm_run_check(&rn, 0, 0, &nw));
    CHECK_EQ(0, nw);

    struct rec_meta *res = rec_meta_new();
    double f;
    CHECK(res != NULL);
    CHECK_EQ(WP_OK, lm_run_put_test(res, (const double[3]){12.5, 13.5, 13}));
    CHECK(rec_meta_get_f64(res, "test_ppl_fwd", &f) == WP_OK && f == 12.5);
    CHECK(rec_meta_get_f64(res, "test_ppl_bwd", &f) == WP_OK && f == 13.5);
    rec_meta_free(res);
    lm_free(t);
    lm_free(m);
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_meta_round_trip),
        CHECK_CASE(test_schedule),
        CHECK_CASE(test_rollback),
        CHECK_CASE(test_preset_and_reports),
        CHECK_CASE(test_new_and_check),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
