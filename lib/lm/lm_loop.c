/* lm_loop.c - the epochs of a training run: pacing, budgets, rollback, checkpoints
 * (lm_loop.h). */
#include "lm_loop.h"

#include <math.h>

#include "common/status.h"
#include "lm_eval.h"

double
lm_loop_seconds(const struct lm_loop *l, const struct lm_loop_hooks *h)
{
    return l->secs0 + (h->now(h->ctx) - l->t_start);
}

uint64_t
lm_loop_ckpt_windows(const struct lm_train_cfg *tc, uint64_t words)
{
    const uint64_t per = (uint64_t)tc->unroll * tc->batch * (tc->nshards ? tc->nshards : 1);
    return words / per ? words / per : 1;
}

/* Whether a budget is spent: 1 or 0, or the reduce's error (l->fail set). */
static int
budget_spent(struct lm_loop *l, const struct lm_loop_hooks *h)
{
    int stop;
    const int rc = lm_budget_spent(l->run, lm_loop_seconds(l, h), &stop);
    if (rc < 0) {
        l->fail = LM_LOOP_BUDGET;
        return rc;
    }
    if (stop)
        l->budget_stop = 1;
    return stop;
}

static void
checkpoint(struct lm_loop *l, const struct lm_loop_hooks *h)
{
    if (h->save != NULL)
        h->save(h->ctx);
    lm_run_snapshot(l->run);
}

/* How an epoch ended. */
enum { GO_ON, STOPPED, ROLLED_BACK };

/* One window trained, or a rollback (*end ROLLED_BACK). WP_OK or an error (l->fail set). */
static int
step(struct lm_loop *l, const struct lm_loop_hooks *h, int *end)
{
    struct lm_run *rn = l->run;
    if (l->inject_nan != 0 && rn->pos.batches + 1 == l->inject_nan && rn->rollbacks == 0)
        rn->m->sm_b[LM_EOS] = NAN;   /* test hook: a poisoned weight */
    double norm;
    struct lm_pos bad;
    const int rc = lm_run_step(rn, &norm, &bad);
    if (rc < 0 && rc != WP_ERANGE) {
        l->fail = LM_LOOP_REDUCE;
        return rc;
    }
    if (rc < 0 && rn->rollbacks > LM_RUN_MAX_ROLLBACKS) {
        l->fail = LM_LOOP_DIVERGED;
        return rc;
    }
    if (rc < 0) {
        if (h->rolled_back != NULL)
            h->rolled_back(h->ctx, &bad, norm);
        *end = ROLLED_BACK;
        return WP_OK;
    }
    if (h->stepped != NULL)
        h->stepped(h->ctx);
    return WP_OK;
}

/* One epoch from rn->pos.window on: *end GO_ON when it is complete, STOPPED when
 * --max-batches or a budget (l->budget_stop) stopped it, ROLLED_BACK after a rollback (the
 * caller restarts from the restored position). WP_OK or an error (l->fail set). */
static int
train_epoch(struct lm_loop *l, const struct lm_loop_hooks *h, int *end)
{
    struct lm_run *rn = l->run;
    int rc = budget_spent(l, h);
    *end = rc == 1 ? STOPPED : GO_ON;
    if (rc != 0)
        return rc < 0 ? rc : WP_OK;
    if (rn->pos.window == 0) {
        lm_trainer_reset_state(rn->tr);
        rn->pos.loss = 0;
        rn->pos.ntok = 0;
    }
    lm_trainer_set_lr(rn->tr, lm_run_lr(rn));
    const uint64_t w0 = rn->pos.window;
    if (h->epoch_start != NULL)
        h->epoch_start(h->ctx, w0);
    while (rn->pos.window < l->windows) {
        if (rn->pos.window > w0 && (rc = budget_spent(l, h)) != 0)
            break;
        if ((rc = step(l, h, end)) < 0 || *end == ROLLED_BACK)
            return rc;
        if (l->max_batches != 0 && rn->pos.batches >= l->max_batches) {
            rc = 1;
            break;
        }
        const double now = h->now(h->ctx);
        if (rn->pos.window < l->windows
            && ((l->ckpt_secs > 0 && now - l->t_ckpt >= l->ckpt_secs)
                || (l->ckpt_windows > 0 && rn->pos.window % l->ckpt_windows == 0))) {
            checkpoint(l, h);
            l->t_ckpt = now;
        }
    }
    if (rc < 0)
        return rc;
    *end = rc == 1 ? STOPPED : GO_ON;
    if (h->epoch_end != NULL)
        h->epoch_end(h->ctx, w0, rc == 1);
    return WP_OK;
}

int
lm_loop_train(struct lm_loop *l, const struct lm_loop_hooks *h)
{
    struct lm_run *rn = l->run;
    l->t_ckpt = h->now(h->ctx);
    l->t_start = h->now(h->ctx);
    l->budget_stop = 0;
    l->fail = LM_LOOP_OK;
    while (rn->sch->epochs == 0 || rn->pos.epoch <= rn->sch->epochs) {
        int end;
        WP_TRY(train_epoch(l, h, &end));
        if (end == ROLLED_BACK)
            continue;
        if (!lm_replicas_agree(rn->m)) {
            l->fail = LM_LOOP_REPLICAS;
            return WP_ECORRUPT;
        }
        if (end == STOPPED && l->budget_stop) {
            if (h->budget_reached != NULL)
                h->budget_reached(h->ctx);
            checkpoint(l, h);
        }
        if (end == STOPPED)
            break;
        rn->pos.epoch++;
        rn->pos.window = 0;
        checkpoint(l, h);
    }
    return WP_OK;
}
