/* lm_eval.h - what elmo-train reports of a run, summed over every rank of an --mpi run
 * (common/dist.h; one process: as is): perplexities of a held-out stream and of the epoch
 * trained so far, and whether a budget is spent. The caller times and prints. */
#ifndef WP_LM_EVAL_H
#define WP_LM_EVAL_H

#include "lm_run.h"
#include "lm_train.h"

/* Perplexities of s (each rank evaluates its rows): forward, backward (0 for a forward-only
 * model) and both directions' tokens together. WP_OK or WP_ENOMEM. */
int lm_eval_ppl(struct lm_trainer *tr, const struct lm_stream *s, double ppl[3]);
/* The training perplexity of the position's epoch so far; 0 before any token. */
double lm_train_ppl(const struct lm_pos *pos);
/* Whether --token-budget (tokens trained, lm_run_tokens) or --budget (secs: training wall
 * time so far, before this run too) is used up. --mpi: the ranks' clocks differ, so they
 * agree (any rank's clock stops them all). WP_OK with *stop set, or the reduce's error. */
int lm_budget_spent(const struct lm_run *rn, double secs, int *stop);

#endif
