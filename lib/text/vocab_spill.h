/* vocab_spill.h - exact word counting in bounded memory: when a counting table grows past
 * its budget, its words are written as a run sorted bytewise (REC_VOCAB records, counts
 * included) to an unlinked temporary file, and the table starts over. At the end the runs
 * are merged, summing the counts of equal words, so every count is exact. */
#ifndef WP_VOCAB_SPILL_H
#define WP_VOCAB_SPILL_H

#include <stddef.h>
#include <stdint.h>

#include "vocab.h"

enum {
    VOCAB_SPILL_FANIN = 16 /* runs merged at once; more are first merged into one run */
};

struct vocab_spill;

/* dir: where the temporary runs go (a tool passes $TMPDIR or /tmp); copied. */
int vocab_spill_create(struct vocab_spill **out, const char *dir);
void vocab_spill_free(struct vocab_spill *s); /* closes (and so deletes) every run */

/* Bytes needed to spill v (its table plus the sort keys): compare with the budget. */
size_t vocab_spill_need(const struct vocab *v);
/* Writes v's words sorted bytewise as a new run; the caller then empties v. WP_EIO with
 * errno on a file error. */
int vocab_spill_run(struct vocab_spill *s, const struct vocab *v);
size_t vocab_spill_runs(const struct vocab_spill *s);
uint64_t vocab_spill_bytes(const struct vocab_spill *s); /* run bytes written so far */

/* Merges every run: calls fn once per distinct word, in bytewise order, with the sum of
 * its counts; a negative return from fn stops the merge and is returned. */
typedef int (*vocab_spill_fn)(void *ctx, const void *word, size_t len, uint64_t count);
int vocab_spill_merge(struct vocab_spill *s, vocab_spill_fn fn, void *ctx);

#endif
