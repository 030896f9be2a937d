/* tiny_lm.h - the unit tests' tiny biLM: word input over the vocabulary a b c d, one layer of
 * 4 cells projected to 3, both directions, initialised from seed. NULL on ENOMEM. */
#ifndef WP_TINY_LM_H
#define WP_TINY_LM_H

#include <stdint.h>

#include "lm/lm.h"
#include "text/vocab.h"

static inline struct lm *
tiny_lm(uint64_t seed)
{
    struct lm_cfg c = {0};
    c.vocab = 4 + LM_NSPECIAL;
    c.layers = 1;
    c.hidden = 4;
    c.proj = 3;
    c.directions = 2;
    struct lm *m;
    if (lm_new(&m, &c) < 0 || vocab_create(&m->vocab, 8) < 0)
        return NULL;
    static const char *const words[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        if (vocab_add(m->vocab, words[i], 1, 1) < 0)
            return NULL;
    lm_init(m, seed, 0.1f, 1.0f, 1.0f);
    return m;
}

#endif
