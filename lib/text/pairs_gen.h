/* pairs_gen.h - what pairs(1) makes of a corpus: from the seeded draws of subsampling and
 * windows (the order is the contract at the top of window.c), one windows record per kept
 * center (the center and its contexts), or with spans one spans record per sentence (each
 * kept id with the window radius drawn for it: the same draws); a word2vecf group (a word
 * and its contexts) kept or dropped as a one-word sentence is.
 *
 * Records go to put; with put NULL nothing is encoded and the draws only counted, so a
 * counting pass and an emitting pass from the same seed agree record for record. */
#ifndef WP_PAIRS_GEN_H
#define WP_PAIRS_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/rng.h"
#include "window.h"

struct pairs_gen {
    const struct window_cfg *wcfg;
    const struct subsampler *sub;
    int spans;  /* 1: spans records, 0: windows records */
    int groups; /* 1: the spool holds word2vecf groups, 0: sentences */
    /* a record to write (put returns WP_OK or an error, which stops the pass); NULL while
     * counting */
    int (*put)(void *ctx, const unsigned char *rec, size_t len);
    void *put_ctx;
    struct rng rng;
    uint64_t records; /* centers kept (counted or written) */
    uint64_t done;    /* units of progress: tokens read, or groups */
    uint32_t *ids;    /* scratch for a sentence's ids (the caller may fill it, as [n, ids]) */
    size_t cap;
    /* private */
    struct buf rec;
    uint32_t *ctx, *radii;
    size_t ctx_cap, radii_cap;
};

/* A generator for windows of wcfg (the contexts' buffer sized for them) over sub; both stay
 * the caller's. The rest of *g (put, spans, groups, rng) is for the caller to set. WP_OK or
 * WP_ENOMEM. */
int pairs_gen_init(struct pairs_gen *g, const struct window_cfg *wcfg,
                   const struct subsampler *sub);
void pairs_gen_free(struct pairs_gen *g);

/* One sentence of n in-vocabulary ids (subsampled in place): its records; done += n. */
int pairs_gen_sentence(struct pairs_gen *g, uint32_t *ids, size_t n);
/* One group: word with its n contexts, one record when the word is kept. */
int pairs_gen_group(struct pairs_gen *g, uint32_t word, const uint32_t *ctx, size_t n);

/* The epochs read back from the spool sp (spool.h): per sentence [n, ids...], or per group
 * [word, n, ctx...] (groups), each epoch from the start of sp, records and done counted
 * from 0 and the draws from seed. progress (when not NULL) after each sentence or group,
 * with done and the epoch (0-based). WP_OK, the spool's error (WP_EIO with errno,
 * WP_ETRUNC), WP_ENOMEM, or put's. */
int pairs_gen_epochs(struct pairs_gen *g, FILE *sp, uint64_t epochs, uint64_t seed,
                     void (*progress)(void *ctx, uint64_t done, uint64_t epoch), void *ctx);
/* Epochs first .. epochs-1 from the spool as pairs_gen_epochs gives them, continuing the
 * draws and counts where they are: after epoch 0 was generated from the input as it came
 * (pairs_gen_sentence), in the spool's order. */
int pairs_gen_epochs_from(struct pairs_gen *g, FILE *sp, uint64_t first, uint64_t epochs,
                          void (*progress)(void *ctx, uint64_t done, uint64_t epoch),
                          void *ctx);

#endif
