/* window_meta.h - the header of a windows or spans stream as pairs(1) writes it and its
 * readers (w2v-train's plan and checks, w2v/w2v_plan.c) read it: one place for its keys. */
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

/* The keys of the header, as bits of window_meta_read.has, in the order they are written. */
enum {
    WINDOW_META_VOCAB_HASH = 1 << 0,
    WINDOW_META_VOCAB_SIZE = 1 << 1,
    WINDOW_META_CONTEXT_VOCAB_HASH = 1 << 2,
    WINDOW_META_CONTEXT_VOCAB_SIZE = 1 << 3,
    WINDOW_META_WINDOW = 1 << 4,
    WINDOW_META_FIXED_WINDOW = 1 << 5,
    WINDOW_META_SAMPLE = 1 << 6,
    WINDOW_META_EPOCHS = 1 << 7,
    WINDOW_META_SEED = 1 << 8,
    WINDOW_META_EXPECTED_RECORDS = 1 << 9,
    WINDOW_META_EXPECTED_EXACT = 1 << 10,
    WINDOW_META_EXPECTED_WORDS = 1 << 11,
    WINDOW_META_MAX_CONTEXTS = 1 << 12
};

/* A header as its reader finds it: the keys it holds (with the right type) in has, their
 * values in the fields named as the keys; a key it lacks reads 0. */
struct window_meta_read {
    unsigned has;
    uint64_t vocab_hash, vocab_size, context_vocab_hash, context_vocab_size;
    uint64_t window, fixed_window;
    double sample;
    uint64_t epochs, seed, expected_records, expected_exact, expected_words, max_contexts;
};

/* Reads the keys of a windows or spans header from m into r. */
void window_meta_get(const struct rec_meta *m, struct window_meta_read *r);

#endif
