/* phrase_count.h - what phrase detection learns from (word2phrase, gensim Phrases): the
 * count of every word and of every pair of adjacent words inside a sentence, and the
 * scores that pick the pairs to join.
 *
 * Exact while the pair table fits its memory budget. Past it, as word2phrase and gensim
 * do, the rare pairs are pruned: every pair seen at most r times is dropped, r = 1, 2, ...
 * until the table is half full, so their counts from then on start again from zero (the
 * counts become lower bounds; phrase_counter_pruned says how far it went). Word counts
 * are always exact. */
#ifndef WP_PHRASE_COUNT_H
#define WP_PHRASE_COUNT_H

#include <stddef.h>
#include <stdint.h>

enum phrase_scoring {
    PHRASE_WORD2PHRASE = 0, /* (count(ab) - delta) / (count(a) * count(b)) * total */
    PHRASE_NPMI = 1         /* ln(p(ab) / (p(a) p(b))) / -ln(p(ab)), p(x) = count(x) / total */
};

/* "word2phrase" or "npmi", as the metadata and the command line spell them. */
const char *phrase_scoring_name(int scoring);

struct phrase_params {
    int scoring;        /* enum phrase_scoring */
    uint64_t min_count; /* a, b and ab each seen at least this often */
    double threshold;   /* a pair is a phrase when its score is above this */
    double delta;       /* the discount of word2phrase's score (word2phrase: min_count) */
};

/* The scores, in double precision; total is the number of tokens counted. A count of 0
 * scores -infinity. */
double phrase_score_w2p(uint64_t ca, uint64_t cb, uint64_t cab, uint64_t total, double delta);
double phrase_score_npmi(uint64_t ca, uint64_t cb, uint64_t cab, uint64_t total);
/* 1 when a pair with these counts is a phrase under p (and *score, unless NULL, is set to
 * its score), else 0. */
int phrase_accept(const struct phrase_params *p, uint64_t ca, uint64_t cb, uint64_t cab,
                  uint64_t total, double *score);

struct phrase_counter;
/* memory: bytes the pair table may take (0 = no bound; it grows as needed). The smallest
 * budget accepted is 64 KiB (WP_ERANGE below). */
int phrase_counter_create(struct phrase_counter **out, size_t memory);
void phrase_counter_free(struct phrase_counter *c);
/* Counts one sentence of n tokens: each token, and each adjacent pair. */
int phrase_counter_add(struct phrase_counter *c, const unsigned char *const *tok,
                       const size_t *len, size_t n);
uint64_t phrase_counter_tokens(const struct phrase_counter *c); /* tokens counted */
uint64_t phrase_counter_words(const struct phrase_counter *c);  /* distinct words */
uint64_t phrase_counter_pairs(const struct phrase_counter *c);  /* distinct pairs held */
/* The largest count pruned away (0: every count is exact). */
uint64_t phrase_counter_pruned(const struct phrase_counter *c);
size_t phrase_counter_memory(const struct phrase_counter *c); /* bytes held */

/* Calls fn for every pair held that p accepts, in no particular order; a negative return
 * from fn stops and is returned. Words are the counter's (valid until it is freed). */
typedef int (*phrase_fn)(void *ctx, const char *a, size_t alen, const char *b, size_t blen,
                         uint64_t count, double score);
int phrase_counter_select(const struct phrase_counter *c, const struct phrase_params *p,
                          phrase_fn fn, void *ctx);

/* The count held for the pair a b (0 if none), for tests and reports. */
uint64_t phrase_counter_pair_count(const struct phrase_counter *c, const void *a, size_t alen,
                                   const void *b, size_t blen);

#endif
