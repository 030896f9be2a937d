/* lm_eval.c - perplexities and budgets of a run over every rank; see lm_eval.h. */
#include "lm_eval.h"

#include <math.h>

#include "common/dist.h"
#include "common/status.h"

int
lm_eval_ppl(struct lm_trainer *tr, const struct lm_stream *s, double ppl[3])
{
    double loss[2];
    uint64_t ntok[2];
    if (lm_trainer_eval(tr, s, loss, ntok) < 0)
        return WP_ENOMEM;
    dist_sum_f64(loss, 2); /* --mpi: each rank evaluated its rows */
    dist_sum_u64(ntok, 2);
    ppl[0] = exp(loss[0] / (double)ntok[0]);
    ppl[1] = ntok[1] ? exp(loss[1] / (double)ntok[1]) : 0;
    ppl[2] = exp((loss[0] + loss[1]) / (double)(ntok[0] + ntok[1]));
    return WP_OK;
}

double
lm_train_ppl(const struct lm_pos *pos)
{
    double sum_loss = pos->loss;
    uint64_t sum_ntok = pos->ntok;
    dist_sum_f64(&sum_loss, 1); /* --mpi: over every rank */
    dist_sum_u64(&sum_ntok, 1);
    return sum_ntok ? exp(sum_loss / (double)sum_ntok) : 0;
}

int
lm_budget_spent(const struct lm_run *rn, double secs, int *stop)
{
    const struct lm_schedule *sch = rn->sch;
    *stop = sch->budget_tokens != 0 && lm_run_tokens(rn, dist_size()) >= sch->budget_tokens;
    if (sch->budget_secs > 0) {
        unsigned char t = secs >= sch->budget_secs;
        WP_TRY(dist_or_u8(&t, 1));
        *stop |= t;
    }
    return WP_OK;
}
