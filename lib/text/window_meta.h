/* window_meta.h - the header of a windows or spans stream as pairs(1) writes it: one place
 * for its keys (w2v-train's plan reads them back, w2v/w2v_plan.c). */
#ifndef WP_WINDOW_META_H
#define WP_WINDOW_META_H

#include <stdint.h>

#include "window.h"

struct rec_meta;
struct vocab;

struct window_meta {
    const struct vocab *v;     /* the words: vocab_hash, vocab_size */
    const struct vocab *cv;    /* the contexts (word2vecf input), or NULL */
    const struct window_cfg *wcfg; /* window, fixed_window, sample */
    uint64_t epochs, seed;
    uint64_t expected_records; /* windows (kept positions) over every epoch */
    int expected_exact;        /* 1: counted; 0: estimated from the vocabulary */
    uint64_t expected_words;   /* per epoch: in-vocabulary tokens, or groups */
    uint64_t max_contexts;     /* the most contexts in one record */
};

/* Sets every key of w in m (context_vocab_hash and context_vocab_size only with cv).
 * WP_OK or WP_ENOMEM. */
int window_meta_put(struct rec_meta *m, const struct window_meta *w);

#endif
