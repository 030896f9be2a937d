/* lm_preset.c - elmo-train's presets and the initialisation that depends on the vocabulary;
 * see lm_preset.h. */
#include "lm_preset.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "text/vocab.h"

static void
preset_small(struct lm_cfg *mc, struct lm_train_cfg *tc, struct lm_schedule *sch)
{
    mc->char_input = 0;
    mc->layers = 2;
    mc->hidden = 200;
    mc->proj = 0;
    mc->cell_clip = mc->proj_clip = 0;
    mc->residual = 0;
    tc->unroll = 35;
    tc->batch = 20;
    tc->dropout = 0;
    tc->sampled = 0;
    tc->optim = LM_SGD;
    tc->lr = 1.0f;
    tc->clip = 5.0f;
    sch->epochs = 13;
    sch->decay = 0.5f;
    sch->decay_start = 5;
    sch->init = 0.1f;
    sch->forget_bias = 0;
    sch->char_gain = 1;
}

static void
preset_elmo_small(struct lm_cfg *mc, struct lm_train_cfg *tc, struct lm_schedule *sch)
{
    static const uint32_t widths[7] = {1, 2, 3, 4, 5, 6, 7},
                          filters[7] = {32, 32, 64, 128, 256, 512, 1024};
    mc->char_input = 1;
    mc->ch.max_chars = 50;
    mc->ch.char_dim = 16;
    mc->ch.nwidths = 7;
    memcpy(mc->ch.widths, widths, sizeof widths);
    memcpy(mc->ch.filters, filters, sizeof filters);
    mc->ch.highway = 1;
    mc->layers = 2;
    mc->hidden = 1024;
    mc->proj = 128;
    mc->cell_clip = mc->proj_clip = 3;
    mc->residual = 1;
    tc->unroll = 20;
    tc->batch = 128;
    tc->dropout = 0.1f;
    tc->sampled = 8192;
    tc->optim = LM_ADAGRAD;
    tc->lr = 0.2f;
    tc->clip = 10.0f;
    sch->epochs = 10;
    sch->decay = 1;
    sch->decay_start = 0;
    sch->init = 0.05f;
    sch->forget_bias = 1;
}

int
lm_preset(const char *name, struct lm_cfg *mc, struct lm_train_cfg *tc, struct lm_schedule *sch)
{
    if (strcmp(name, "small") == 0)
        preset_small(mc, tc, sch);
    else if (strcmp(name, "elmo-small") == 0)
        preset_elmo_small(mc, tc, sch);
    else
        return WP_ENOTFOUND;
    return WP_OK;
}

int
lm_new_vocab(struct lm **out, struct lm_cfg *mc, struct vocab *v,
             const struct lm_schedule *sch, uint64_t seed, int *bad_cfg)
{
    struct lm *m;
    mc->vocab = vocab_size(v) + LM_NSPECIAL;
    *bad_cfg = lm_cfg_check(mc) < 0;
    if (*bad_cfg)
        return WP_ERANGE;
    if (lm_new(&m, mc) < 0)
        return WP_ENOMEM;
    m->vocab = v;
    lm_init(m, seed, sch->init, sch->forget_bias, sch->char_gain);
    if (mc->char_input && sch->char_std > 0) {
        const int rc = lm_init_char_data(m, sch->char_std);
        if (rc < 0) {
            m->vocab = NULL;
            lm_free(m);
            return rc;
        }
    }
    *out = m;
    return WP_OK;
}

int
lm_init_char_data(struct lm *m, float std)
{
    const size_t mc = m->c.ch.max_chars, V = m->c.vocab, cells = V * mc;
    uint16_t *chars = malloc((cells > 0 ? cells : 1) * sizeof *chars);
    if (chars == NULL)
        return WP_ENOMEM;
    for (uint32_t id = 0; id < V; id++)
        lm_special_chars(m, id, chars + id * mc);
    const int rc = charenc_init_data(&m->enc, chars, V, std);
    free(chars);
    return rc;
}

void
lm_cut_words(const struct lm *m, uint64_t *words, uint64_t *tokens)
{
    *words = *tokens = 0;
    if (!m->c.char_input)
        return;
    const size_t keep = m->c.ch.max_chars - 2;
    for (uint32_t i = 0; i < vocab_size(m->vocab); i++) {
        size_t len;
        vocab_word(m->vocab, i, &len);
        if (len > keep) {
            (*words)++;
            *tokens += vocab_count(m->vocab, i);
        }
    }
}
