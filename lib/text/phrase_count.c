/* phrase_count.c - word and adjacent-pair counts, and the phrase scores.
 *
 * Words go into a struct vocab (exact; ids in first-seen order). A pair is the 64-bit key
 * id(a) << 32 | id(b), stored plus one so that an all-zero slot is empty and a fresh table
 * is calloc's zeroed pages, in an open-addressing table of {key, count} slots with linear
 * probing
 * and Fibonacci hashing: 16 bytes a slot, no pointer per pair, which is what lets tens of
 * millions of pairs be counted in a few hundred MB (gensim keeps a Python dict of joined
 * strings). Under a memory budget the table stops growing at the largest power of two that
 * fits, and a full table is pruned as word2phrase's ReduceVocab does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phrase_count.h"
#include "vocab.h"
#include "common/status.h"

enum {
    PAIR_LOAD_NUM = 7, /* grow (or prune) above 70% load */
    PAIR_LOAD_DEN = 10,
    PAIR_MIN_SLOTS = 1024
};
#define PAIR_EMPTY 0 /* keys are stored plus one: ids are below UINT32_MAX - 1, so no key
                        is all ones and none wraps to 0 */

struct pair_slot {
    uint64_t key;
    uint64_t count;
};

struct phrase_counter {
    struct vocab *words;
    struct pair_slot *slot;
    size_t nslots, used, max_slots; /* max_slots: 0 = no bound */
    unsigned shift;                 /* 64 - log2(nslots) */
    uint64_t tokens;
    uint64_t pruned; /* largest count dropped */
    uint32_t *ids;   /* a sentence's word ids */
    size_t ids_cap;
};

const char *
phrase_scoring_name(int scoring)
{
    return scoring == PHRASE_NPMI ? "npmi" : "word2phrase";
}

double
phrase_score_w2p(uint64_t ca, uint64_t cb, uint64_t cab, uint64_t total, double delta)
{
    if (ca == 0 || cb == 0 || cab == 0)
        return -INFINITY;
    return ((double)cab - delta) / ((double)ca * (double)cb) * (double)total;
}

double
phrase_score_npmi(uint64_t ca, uint64_t cb, uint64_t cab, uint64_t total)
{
    if (ca == 0 || cb == 0 || cab == 0 || total == 0)
        return -INFINITY;
    const double n = (double)total;
    const double pa = (double)ca / n, pb = (double)cb / n, pab = (double)cab / n;
    if (pab >= 1.0) /* -ln(1) = 0: a corpus of one repeated pair; never a phrase */
        return -INFINITY;
    return log(pab / (pa * pb)) / -log(pab);
}

int
phrase_accept(const struct phrase_params *p, uint64_t ca, uint64_t cb, uint64_t cab,
              uint64_t total, double *score)
{
    if (ca < p->min_count || cb < p->min_count || cab < p->min_count || cab == 0)
        return 0;
    const double s = p->scoring == PHRASE_NPMI ? phrase_score_npmi(ca, cb, cab, total)
                                               : phrase_score_w2p(ca, cb, cab, total, p->delta);
    if (!(s > p->threshold))
        return 0;
    if (score != NULL)
        *score = s;
    return 1;
}

static inline size_t
home(const struct phrase_counter *c, uint64_t key)
{
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> c->shift);
}

static unsigned
log2_size(size_t n)
{
    unsigned k = 0;
    while (((size_t)1 << k) < n)
        k++;
    return k;
}

/* Puts every slot of old (n slots) into c's fresh table, dropping counts <= keep_above. */
static void
reinsert(struct phrase_counter *c, const struct pair_slot *old, size_t n, uint64_t keep_above)
{
    const size_t mask = c->nslots - 1;
    c->used = 0;
    for (size_t i = 0; i < n; i++) {
        if (old[i].key == PAIR_EMPTY || old[i].count <= keep_above)
            continue;
        size_t j = home(c, old[i].key);
        while (c->slot[j].key != PAIR_EMPTY)
            j = (j + 1) & mask;
        c->slot[j] = old[i];
        c->used++;
    }
}

static int
alloc_slots(struct pair_slot **out, size_t n)
{
    struct pair_slot *s = calloc(n, sizeof *s); /* every key PAIR_EMPTY */
    if (s == NULL)
        return WP_ENOMEM;
    *out = s;
    return WP_OK;
}

static int
grow(struct phrase_counter *c)
{
    struct pair_slot *s, *old = c->slot;
    const size_t n = c->nslots;
    WP_TRY(alloc_slots(&s, n * 2));
    c->slot = s;
    c->nslots = n * 2;
    c->shift--;
    reinsert(c, old, n, 0);
    free(old);
    return WP_OK;
}

/* word2phrase's ReduceVocab on a full table of bounded size: drop the pairs seen at most
 * r times, r = pruned + 1, + 2, ..., until at most half the load limit is used. */
static int
prune(struct phrase_counter *c)
{
    struct pair_slot *old;
    const size_t n = c->nslots;
    WP_TRY(alloc_slots(&old, n));
    memcpy(old, c->slot, n * sizeof *old);
    const size_t target = n / PAIR_LOAD_DEN * PAIR_LOAD_NUM / 2;
    do {
        c->pruned++;
        memset(c->slot, 0, n * sizeof *c->slot);
        reinsert(c, old, n, c->pruned);
    } while (c->used > target);
    free(old);
    return WP_OK;
}

int
phrase_counter_create(struct phrase_counter **out, size_t memory)
{
    *out = NULL;
    if (memory != 0 && memory < PAIR_MIN_SLOTS * sizeof(struct pair_slot) * 4)
        return WP_ERANGE;
    struct phrase_counter *c = calloc(1, sizeof *c);
    if (c == NULL)
        return WP_ENOMEM;
    int rc = vocab_create(&c->words, 1 << 14);
    c->nslots = PAIR_MIN_SLOTS;
    c->shift = 64 - log2_size(c->nslots);
    if (memory != 0) {
        c->max_slots = PAIR_MIN_SLOTS;
        while (c->max_slots * 2 * sizeof(struct pair_slot) <= memory)
            c->max_slots *= 2;
    }
    if (rc == WP_OK)
        rc = alloc_slots(&c->slot, c->nslots);
    if (rc < 0) {
        phrase_counter_free(c);
        return rc;
    }
    *out = c;
    return WP_OK;
}

void
phrase_counter_free(struct phrase_counter *c)
{
    if (c == NULL)
        return;
    vocab_free(c->words);
    free(c->slot);
    free(c->ids);
    free(c);
}

/* key: the pair's key plus one */
static int
add_pair(struct phrase_counter *c, uint64_t key)
{
    const size_t mask = c->nslots - 1;
    size_t j = home(c, key);
    for (;;) {
        if (c->slot[j].key == key) {
            c->slot[j].count++;
            return WP_OK;
        }
        if (c->slot[j].key == PAIR_EMPTY)
            break;
        j = (j + 1) & mask;
    }
    if (c->used + 1 > c->nslots / PAIR_LOAD_DEN * PAIR_LOAD_NUM) {
        if (c->max_slots == 0 || c->nslots < c->max_slots)
            WP_TRY(grow(c));
        else
            WP_TRY(prune(c));
        return add_pair(c, key); /* the slot moved */
    }
    c->slot[j].key = key;
    c->slot[j].count = 1;
    c->used++;
    return WP_OK;
}

/* Words first, then pairs, so that the slot of the pair PAIR_AHEAD places on can be
 * prefetched: the pair table is far larger than the caches and each pair costs one miss,
 * which the prefetch overlaps with the work on the pairs before it. */
enum { PAIR_AHEAD = 8 };

int
phrase_counter_add(struct phrase_counter *c, const unsigned char *const *tok, const size_t *len,
                   size_t n)
{
    if (n > c->ids_cap) {
        uint32_t *ids = realloc(c->ids, n * sizeof *ids);
        if (ids == NULL)
            return WP_ENOMEM;
        c->ids = ids;
        c->ids_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        WP_TRY(vocab_add_id(c->words, tok[i], len[i], 1, &c->ids[i]));
    for (size_t i = 1; i < n; i++) {
        if (i + PAIR_AHEAD < n)
            __builtin_prefetch(&c->slot[home(c, ((uint64_t)c->ids[i + PAIR_AHEAD - 1] << 32 |
                                                     c->ids[i + PAIR_AHEAD]) + 1)]);
        WP_TRY(add_pair(c, ((uint64_t)c->ids[i - 1] << 32 | c->ids[i]) + 1));
    }
    c->tokens += n;
    return WP_OK;
}

uint64_t
phrase_counter_tokens(const struct phrase_counter *c)
{
    return c->tokens;
}

uint64_t
phrase_counter_words(const struct phrase_counter *c)
{
    return vocab_size(c->words);
}

uint64_t
phrase_counter_pairs(const struct phrase_counter *c)
{
    return c->used;
}

uint64_t
phrase_counter_pruned(const struct phrase_counter *c)
{
    return c->pruned;
}

size_t
phrase_counter_memory(const struct phrase_counter *c)
{
    return vocab_memory(c->words) + c->nslots * sizeof *c->slot + sizeof *c;
}

int
phrase_counter_select(const struct phrase_counter *c, const struct phrase_params *p,
                      phrase_fn fn, void *ctx)
{
    for (size_t i = 0; i < c->nslots; i++) {
        const struct pair_slot s = c->slot[i];
        if (s.key == PAIR_EMPTY)
            continue;
        const uint32_t a = (uint32_t)((s.key - 1) >> 32), b = (uint32_t)(s.key - 1);
        double score;
        if (!phrase_accept(p, vocab_count(c->words, a), vocab_count(c->words, b), s.count,
                           c->tokens, &score))
            continue;
        size_t alen, blen;
        const char *wa = vocab_word(c->words, a, &alen);
        const char *wb = vocab_word(c->words, b, &blen);
        WP_TRY(fn(ctx, wa, alen, wb, blen, s.count, score));
    }
    return WP_OK;
}

uint64_t
phrase_counter_pair_count(const struct phrase_counter *c, const void *a, size_t alen,
                          const void *b, size_t blen)
{
    const int64_t ia = vocab_lookup(c->words, a, alen), ib = vocab_lookup(c->words, b, blen);
    if (ia < 0 || ib < 0)
        return 0;
    const uint64_t key = ((uint64_t)ia << 32 | (uint64_t)ib) + 1;
    for (size_t j = home(c, key);; j = (j + 1) & (c->nslots - 1)) {
        if (c->slot[j].key == key)
            return c->slot[j].count;
        if (c->slot[j].key == PAIR_EMPTY)
            return 0;
    }
}
