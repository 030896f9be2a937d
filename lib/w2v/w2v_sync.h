/* w2v_sync.h - merging word2vec replicas over MPI ranks (common/dist.h), for
 * w2v-train --mpi: each rank trains a replica on its share of the input, and the engine
 * (w2v_run_cfg.sync) merges them every sync_every words per rank. The merge gives the same
 * bits on every rank, because the sums do and so does the arithmetic around them.
 *   sum (the default): the weights at the last merge plus every rank's change since, as
 *       if the ranks were Hogwild threads of one process; only the rows some rank changed
 *       travel, packed (the union of the changed rows is found first with a reduction of
 *       a byte per row): between merges most rare words are touched by no rank.
 *   mean: the average of the replicas, which halves each rank's progress on 2 ranks
 *       (measured: 7 analogy points below one process on the 17M-word corpus). */
#ifndef WP_W2V_SYNC_H
#define WP_W2V_SYNC_H

#include <stdint.h>

#include "w2v.h"

struct w2v_sync;

/* For the replica m as it starts training (its weights are the base of the first sum). */
int w2v_sync_new(struct w2v_sync **out, struct w2v_model *m, int mean);
void w2v_sync_free(struct w2v_sync *s);

/* One merge, as a w2v_sync_fn: done says this rank has no more input; *records (its
 * windows done) becomes the sum over the ranks. 1 when every rank said done, 0 when some
 * still train, WP_EIO when the communication failed, WP_ENOMEM. */
int w2v_sync_round(struct w2v_sync *s, struct w2v_model *m, int done, uint64_t *records);

/* Merges so far; rows that changed and were sent, and rows of the model, over merges. */
void w2v_sync_stats(const struct w2v_sync *s, uint64_t *merges, uint64_t *rows_sent,
                    uint64_t *rows_all);

/* Whether every rank's replica holds the same input vectors (after the last merge). */
int w2v_replicas_agree(const struct w2v_model *m);

#endif
