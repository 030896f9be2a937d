/* Unit tests for lm_loop.c (the epochs of a run: pacing of checkpoints, --max-batches, a
 * token budget, rollback and divergence, seen through the hooks) and for resuming in one read
 * (lm_load_head, lm_trainer_load_rest; lm_resume_head, lm_run_start): a checkpoint read back
 * continues bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tiny_lm.h"
#include "common/status.h"
#include "lm/lm_loop.h"
#include "lm/lm_resume.h"
#include "lm/lm_run.h"
#include "stream/rec.h"
#include "text/vocab.h"

enum { NIDS = 61 };

/* A run on a tiny model: unroll 2, batch 2, one thread, Adagrad, epochs as given. */
struct fixture {
    struct lm_train_cfg tc;
    struct lm_schedule sch;
    uint32_t ids[NIDS];
    struct lm_run rn;
    struct lm_loop l;
};

static int
fixture_new(struct fixture *f, uint32_t epochs)
{
    memset(f, 0, sizeof *f);
    lm_train_cfg_default(&f->tc);
    f->tc.unroll = 2;
    f->tc.batch = 2;
    f->tc.threads = 1;
    f->tc.lr = 0.1f;
    f->tc.optim = LM_ADAGRAD;   /* optimizer state in checkpoints */
    f->sch.epochs = epochs;
    for (int i = 0; i < NIDS; i++)
        f->ids[i] = i % 5 == 0 ? LM_EOS : LM_NSPECIAL + (uint32_t)(i % 4);
    f->rn = (struct lm_run){.tc = &f->tc, .sch = &f->sch, .m = tiny_lm(1),
                            .train = {f->ids, NIDS}};
    CHECK(f->rn.m != NULL);
    lm_pos_start(&f->rn.pos);
    CHECK_EQ(WP_OK, lm_trainer_new(&f->rn.tr, f->rn.m, &f->tc, &f->rn.train));
    CHECK((f->rn.snap = lm_snapshot_new(f->rn.tr)) != NULL);
    lm_run_snapshot(&f->rn);
    f->l.run = &f->rn;
    f->l.windows = lm_stream_windows(&f->rn.train, &f->tc);
    CHECK(f->l.windows >= 6);
    return 0;
}

static void
fixture_free(struct fixture *f)
{
    lm_snapshot_free(f->rn.snap);
    lm_trainer_free(f->rn.tr);
    lm_free(f->rn.m);
}

/* What the hooks saw. */
struct seen {
    struct fixture *f;
    double clock;
    int starts, steps, ends, partial_ends, rollbacks, budgets, saves, poison;
    uint64_t last_w0;
};

static double
now(void *ctx)
{
    struct seen *s = ctx;
    return s->clock += 1;
}

static void
epoch_start(void *ctx, uint64_t w0)
{
    struct seen *s = ctx;
    s->starts++;
    s->last_w0 = w0;
}

static void
stepped(void *ctx)
{
    struct seen *s = ctx;
    s->steps++;
    if (s->poison)
        s->f->rn.m->sm_b[LM_EOS] = NAN;   /* every next step fails */
}

static void
epoch_end(void *ctx, uint64_t w0, int partial)
{
    struct seen *s = ctx;
    s->ends++;
    s->partial_ends += partial;
    s->last_w0 = w0;
}

static void
rolled_back(void *ctx, const struct lm_pos *bad, double norm)
{
    struct seen *s = ctx;
    (void)bad;
    (void)norm;
    s->rollbacks++;
}

static void
budget_reached(void *ctx)
{
    ((struct seen *)ctx)->budgets++;
}

static void
save(void *ctx)
{
    ((struct seen *)ctx)->saves++;
}

static struct lm_loop_hooks
hooks(struct seen *s)
{
    return (struct lm_loop_hooks){s, now, epoch_start, stepped, epoch_end, rolled_back,
                                  budget_reached, save};
}

/* Whole epochs: a checkpoint after each, and every 2 windows within one. */
static int
test_epochs_and_pacing(void)
{
    struct fixture f;
    CHECK_EQ(0, fixture_new(&f, 2));
    struct seen s = {.f = &f};
    const struct lm_loop_hooks h = hooks(&s);
    const uint64_t nw = f.l.windows;
    f.l.ckpt_windows = 2;
    CHECK_EQ(WP_OK, lm_loop_train(&f.l, &h));
    CHECK_EQ(2, s.starts);
    CHECK_EQ(2, s.ends);
    CHECK_EQ(0, s.partial_ends);
    CHECK_EQ(2 * nw, s.steps);
    CHECK_EQ(2 * ((nw - 1) / 2 + 1), s.saves);
    CHECK_EQ(3, f.rn.pos.epoch);
    CHECK_EQ(0, f.rn.pos.window);
    CHECK_EQ(2 * nw, f.rn.pos.batches);
    CHECK_EQ(0, f.l.budget_stop);
    CHECK(lm_loop_seconds(&f.l, &h) > 0);
    fixture_free(&f);
    return 0;
}

/* --max-batches stops mid-epoch without a checkpoint; a token budget stops with one. */
static int
test_stops(void)
{
    struct fixture f;
    CHECK_EQ(0, fixture_new(&f, 3));
    struct seen s = {.f = &f};
    const struct lm_loop_hooks h = hooks(&s);
    f.l.max_batches = 3;
    CHECK_EQ(WP_OK, lm_loop_train(&f.l, &h));
    CHECK(s.starts == 1 && s.ends == 1 && s.partial_ends == 1 && s.steps == 3);
    CHECK_EQ(0, s.saves);
    CHECK_EQ(3, f.rn.pos.batches);
    CHECK_EQ(0, f.l.budget_stop);
    fixture_free(&f);

    CHECK_EQ(0, fixture_new(&f, 0));   /* no epoch limit: the budget ends it */
    s = (struct seen){.f = &f};
    f.sch.budget_tokens = 8;           /* 2 windows of 2 rows x 2 positions */
    CHECK_EQ(WP_OK, lm_loop_train(&f.l, &h));
    CHECK_EQ(2, s.steps);
    CHECK(s.ends == 1 && s.partial_ends == 1);
    CHECK(s.budgets == 1 && s.saves == 1);
    CHECK_EQ(1, f.l.budget_stop);
    CHECK_EQ(2, f.rn.pos.window);
    /* a run resumed past its budget stops before training anything */
    s = (struct seen){.f = &f};
    CHECK_EQ(WP_OK, lm_loop_train(&f.l, &h));
    CHECK(s.steps == 0 && s.starts == 0 && s.budgets == 1 && s.saves == 1);
    fixture_free(&f);
    return 0;
}

/* A poisoned batch rolls back once and the epoch restarts; a step that keeps failing
 * diverges. */
static int
test_rollback_and_divergence(void)
{
    struct fixture f;
    CHECK_EQ(0, fixture_new(&f, 1));
    struct seen s = {.f = &f};
    const struct lm_loop_hooks h = hooks(&s);
    f.l.inject_nan = 2;
    CHECK_EQ(WP_OK, lm_loop_train(&f.l, &h));
    CHECK_EQ(1, s.rollbacks);
    CHECK_EQ(1, f.rn.rollbacks);
    CHECK_EQ(2, s.starts);   /* the epoch again from the snapshot */
    CHECK_EQ(1, s.ends);
    CHECK(f.rn.pos.lr_scale == 0.5);
    CHECK_EQ(2, f.rn.pos.epoch);
    CHECK(isfinite(f.rn.m->sm_b[LM_EOS]));
    fixture_free(&f);

    CHECK_EQ(0, fixture_new(&f, 1));
    s = (struct seen){.f = &f, .poison = 1};
    CHECK_EQ(WP_ERANGE, lm_loop_train(&f.l, &h));
    CHECK_EQ(LM_LOOP_DIVERGED, f.l.fail);
    CHECK_EQ(LM_RUN_MAX_ROLLBACKS, s.rollbacks);
    CHECK_EQ(0, s.ends);
    fixture_free(&f);
    return 0;
}

static int
test_ckpt_windows(void)
{
    struct lm_train_cfg tc = {.unroll = 5, .batch = 4};
    CHECK_EQ(1, lm_loop_ckpt_windows(&tc, 7));      /* at least one */
    CHECK_EQ(3, lm_loop_ckpt_windows(&tc, 61));     /* 20 words a window */
    tc.nshards = 2;
    CHECK_EQ(1, lm_loop_ckpt_windows(&tc, 61));
    return 0;
}

/* A checkpoint read once (the model, then its state into a trainer built meanwhile) goes on
 * exactly as the trainer that wrote it; a model file has no state to read. */
static int
test_resume_one_read(void)
{
    struct fixture f;
    CHECK_EQ(0, fixture_new(&f, 1));
    double loss = 0, norm;
    uint64_t ntok = 0;
    for (size_t w = 0; w < 3; w++)
        CHECK_EQ(WP_OK, lm_trainer_step(f.rn.tr, w, &loss, &ntok, &norm));
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, lm_trainer_save(fp, f.rn.tr, NULL, 1));
    rewind(fp);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    struct lm *m;
    struct lm_load_error err;
    const unsigned char *held;
    size_t len;
    CHECK_EQ(WP_OK, lm_load_head(r, &m, &err, &held, &len));
    CHECK(held != NULL);
    CHECK(memcmp(m->w, f.rn.m->w, m->nparams * sizeof(float)) == 0);
    struct lm_trainer *tr;
    CHECK_EQ(WP_OK, lm_trainer_new(&tr, m, &f.tc, &f.rn.train));
    CHECK_EQ(WP_OK, lm_trainer_load_rest(tr, r, held, len));
    rec_reader_free(r);
    double l1 = 0, l2 = 0;
    uint64_t n1 = 0, n2 = 0;
    CHECK_EQ(WP_OK, lm_trainer_step(f.rn.tr, 3, &l1, &n1, &norm));
    CHECK_EQ(WP_OK, lm_trainer_step(tr, 3, &l2, &n2, &norm));
    CHECK(l1 == l2 && n1 == n2);
    CHECK(memcmp(m->w, f.rn.m->w, m->nparams * sizeof(float)) == 0);
    lm_trainer_free(tr);
    lm_free(m);
    fclose(fp);

    /* a model without training state: nothing held, and the state is missing */
    fp = tmpfile();
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, lm_save(fp, f.rn.m, NULL, 1));
    rewind(fp);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_OK, lm_load_head(r, &m, &err, &held, &len));
    CHECK(held == NULL);
    CHECK_EQ(WP_OK, lm_trainer_new(&tr, m, &f.tc, &f.rn.train));
    CHECK_EQ(WP_ETRUNC, lm_trainer_load_rest(tr, r, held, len));
    rec_reader_free(r);
    lm_trainer_free(tr);
    lm_free(m);
    fclose(fp);
    fixture_free(&f);
    return 0;
}

/* A run's checkpoint (lm_run_save) resumed through lm_resume_head and lm_run_start: the
 * settings, position, corpus fingerprint and seconds back, the trainer going on exactly as
 * the one that wrote it; a model file is no checkpoint. */
static int
test_resume_run(void)
{
    struct fixture f;
    CHECK_EQ(0, fixture_new(&f, 2));
    double norm;
    struct lm_pos bad;
    for (int w = 0; w < 3; w++)
        CHECK_EQ(WP_OK, lm_run_step(&f.rn, &norm, &bad));
    f.rn.data_hash = lm_stream_hash(&f.rn.train);
    FILE *fp = tmpfile();
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, lm_run_save(fp, &f.rn, 7.5, 1, NULL, 1));
    rewind(fp);
    struct rec_reader *r;
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    struct lm_train_cfg tc;
    struct lm_schedule sch = {0};
    lm_train_cfg_default(&tc);
    tc.threads = 1;
    struct lm_run rn = {.tc = &tc, .sch = &sch, .train = f.rn.train};
    struct lm_resume rs;
    enum lm_start_fail fail;
    CHECK_EQ(WP_OK, lm_resume_head(&rs, r, &rn.m, &tc, &sch, 0, &rn.pos));
    CHECK(rs.missing == NULL && rs.ranks == 1 && rs.secs == 7.5);
    CHECK(rs.data_hash == f.rn.data_hash && sch.epochs == 2 && tc.optim == LM_ADAGRAD);
    CHECK(rn.pos.window == 3 && rn.pos.loss == f.rn.pos.loss);
    CHECK_EQ(WP_OK, lm_run_start(&rn, &rs, &fail));
    CHECK(fail == LM_START_OK && rs.r == NULL && rn.snap != NULL && rn.snap_pos.window == 3);
    CHECK_EQ(WP_OK, lm_run_step(&f.rn, &norm, &bad));
    CHECK_EQ(WP_OK, lm_run_step(&rn, &norm, &bad));
    CHECK(rn.pos.loss == f.rn.pos.loss);
    CHECK(memcmp(rn.m->w, f.rn.m->w, rn.m->nparams * sizeof(float)) == 0);
    lm_snapshot_free(rn.snap);
    lm_trainer_free(rn.tr);
    lm_free(rn.m);
    fclose(fp);

    /* a model file: its model read, no checkpoint's settings, nothing kept */
    CHECK((fp = tmpfile()) != NULL);
    CHECK_EQ(WP_OK, lm_save(fp, f.rn.m, NULL, 1));
    rewind(fp);
    CHECK_EQ(WP_OK, rec_reader_open(&r, fp));
    CHECK_EQ(WP_ENOTFOUND, lm_resume_head(&rs, r, &rn.m, &tc, &sch, 0, &rn.pos));
    CHECK(rs.missing != NULL && rn.m == NULL);
    rec_reader_free(r);
    fclose(fp);
    fixture_free(&f);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_epochs_and_pacing), CHECK_CASE(test_stops),
           CHECK_CASE(test_rollback_and_divergence), CHECK_CASE(test_ckpt_windows),
           CHECK_CASE(test_resume_one_read), CHECK_CASE(test_resume_run))
