/* embed_batch.h - embed --model's sentences in batches: up to `batch` sentences gathered (each
 * decoded by the caller into embed_batch_slot, given the model's ids and characters here),
 * embedded on threads (embed_runner, embed_ctx.h), each sentence's layers selected and pooled
 * (embed_sel_sentence, embed_layers.h) and handed in input order to the caller's emit.
 * Nothing here reads, prints or writes. */
#ifndef WP_EMBED_BATCH_H
#define WP_EMBED_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "embed_layers.h"
#include "embed_sent.h"

struct lm;

struct embed_batch_cfg {
    const struct lm *m;
    struct embed_sel sel;    /* accepted by embed_sel_check for the model's layers + 1 */
    const float *cache;      /* the token cache (embed_runner_new) or NULL; the caller's */
    size_t batch;            /* sentences per batch, >= 1 */
    int threads;             /* >= 1 */
    int carry;               /* state carried from sentence to sentence (one thread) */
    int pool;                /* enum embed_pool_how */
    embed_emit_fn emit;
    void *ctx;
};

struct embed_batch;
/* WP_OK or WP_ENOMEM. The model must outlive the batch. */
int embed_batch_new(struct embed_batch **out, const struct embed_batch_cfg *cfg);
void embed_batch_free(struct embed_batch *b);
/* Each output vector is layers x dim floats (dim: both directions). */
void embed_batch_shape(const struct embed_batch *b, size_t *layers, size_t *dim);
/* The next sentence's tokens, for the caller to decode into (embed_tokens_decode with the
 * model's max_chars, or 0 for word input). */
struct embed_tokens *embed_batch_slot(struct embed_batch *b);
/* Takes the decoded slot; runs the batch when it is full. WP_OK, WP_ENOMEM, the runner's
 * error (embed_runner_run) or emit's. */
int embed_batch_add(struct embed_batch *b);
/* Runs the sentences gathered (none: nothing). The same returns. */
int embed_batch_flush(struct embed_batch *b);
/* Sentences emitted so far; tokens that the character CNN saw cut (embed_tokens_ids). */
uint64_t embed_batch_done(const struct embed_batch *b);
uint64_t embed_batch_cut(const struct embed_batch *b);

/* Every sentence of the tokens stream r through the batches: each decoded into
 * embed_batch_slot (embed_tokens_next, with the model's max_chars for a model that reads
 * characters), embed_batch_add, and embed_batch_flush at the end; progress(ctx, done) after
 * each call that emitted sentences, done being embed_batch_done (progress may be NULL).
 * WP_OK, or an error with f->what: embed_tokens_next's, or EMBED_FAIL_EMBED for
 * embed_batch_add's or embed_batch_flush's. */
struct rec_reader;
int embed_batch_run(struct embed_batch *b, struct rec_reader *r,
                    void (*progress)(void *ctx, uint64_t done), void *ctx,
                    struct embed_fail *f);

#endif
