/* lm_preset.h - elmo-train's named settings (--preset), applied to the model, trainer and
 * schedule settings before the other options, which override them:
 *   small       Zaremba et al.'s "small" PTB model: word input, 2 x 200, unroll 35, batch 20,
 *               SGD lr 1 halved from epoch 5, clip 5, 13 epochs, uniform 0.1, no dropout;
 *   elmo-small  bilm-tf's small ELMo (options of the released "small" model), scaled to what
 *               a CPU can train: character CNN 2048 filters, 1 highway layer, LSTMP
 *               1024 -> 128, residual, Adagrad lr 0.2, 10 epochs.
 * elmo-small sets only what differs from small: apply small first (as elmo-train does). */
#ifndef WP_LM_PRESET_H
#define WP_LM_PRESET_H

#include "lm.h"
#include "lm_run.h"
#include "lm_train.h"

/* WP_OK, or WP_ENOTFOUND for a name that is no preset (nothing changed). */
int lm_preset(const char *name, struct lm_cfg *mc, struct lm_train_cfg *tc,
              struct lm_schedule *sch);

/* A new model of mc over the vocabulary v (mc->vocab set from it; the model takes v as
 * m->vocab on success, the caller keeps it on failure), initialised from seed with sch's
 * init, forget_bias and char_gain, and with char_std > 0 for a character model its encoder
 * from the vocabulary's spellings (lm_init_char_data). WP_OK; WP_ENOMEM; otherwise *bad_cfg
 * says whether mc was refused (lm_cfg_check) or the encoder's initialisation failed. */
struct vocab;
int lm_new_vocab(struct lm **out, struct lm_cfg *mc, struct vocab *v,
                 const struct lm_schedule *sch, uint64_t seed, int *bad_cfg);

/* The character encoder of a new model initialised on its vocabulary's spellings
 * (charenc_init_data with std): what charenc_init_data returns. */
int lm_init_char_data(struct lm *m, float std);
/* Words of m's vocabulary longer than its character CNN sees (max_chars less the begin and
 * end marks), and their count in the counted corpus; 0 and 0 for a word-input model. */
void lm_cut_words(const struct lm *m, uint64_t *words, uint64_t *tokens);

#endif
