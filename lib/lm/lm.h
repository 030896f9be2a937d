/* lm.h - the ELMo-style bidirectional LSTM language model: its configuration, weights,
 * model file, and the stateless inference that embed(1) uses. Training is in lm_train.h.
 *
 * Token ids: 0 <S>, 1 </S>, 2 <UNK>, then the vocabulary words in model order (frequency
 * order, so the log-uniform sampler of lmsoftmax.h fits). The forward model reads a corpus as
 * "w1 .. wn </S> v1 .. vm </S> ..." and the backward model reads the reversed corpus with <S>
 * as its boundary, "vm .. v1 <S> wn .. w1 <S>": each direction predicts every word and one
 * boundary per sentence, as Zaremba et al.'s <eos>. So a sentence alone is read forward
 * as [</S>, w1..wn] and backward as [<S>, wn..w1], from zero state.
 *
 * All weights are one flat float array; lm_bind() lays the views out over any such array
 * (weights, gradients, optimizer state). */
#ifndef WP_LM_H
#define WP_LM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "charenc.h"
#include "lstm.h"

struct rec_meta;
struct rec_reader;
struct vocab;

enum { LM_BOS = 0, LM_EOS = 1, LM_UNK = 2, LM_NSPECIAL = 3, LM_MAX_LAYERS = 8 };

struct lm_cfg {
    uint32_t vocab;         /* V, including the three specials */
    uint32_t char_input;    /* 1: character CNN encoder; 0: word embedding table */
    struct charenc_cfg ch;  /* ch.out_dim == lm_width() when char_input */
    uint32_t layers;        /* LSTM layers per direction */
    uint32_t hidden;        /* LSTM cell size */
    uint32_t proj;          /* LSTMP projection size, 0 for none */
    float cell_clip;        /* 0: none */
    float proj_clip;        /* 0: none */
    uint32_t residual;      /* add each layer's input to its output, from layer 2 on */
    uint32_t directions;    /* 1: forward only, 2: forward and backward */
};

/* The size every layer outputs and the token encoder produces. */
static inline uint32_t
lm_width(const struct lm_cfg *c)
{
    return c->proj != 0 ? c->proj : c->hidden;
}

struct lm {
    struct lm_cfg c;
    size_t nparams;
    float *w;                 /* owned by lm_new(); borrowed after lm_bind() */
    float *word_emb;          /* [V][width], word input */
    struct charenc enc;       /* character input */
    struct lstm lstm[2][LM_MAX_LAYERS];   /* [direction][layer] */
    float *sm_w, *sm_b;       /* softmax [V][width], [V]; shared by both directions */
    struct vocab *vocab;      /* words of ids LM_NSPECIAL.. (owned by lm_new's model) */
};

int lm_cfg_check(const struct lm_cfg *c);   /* WP_ERANGE when inconsistent */
size_t lm_param_count(const struct lm_cfg *c);
/* Allocates a zeroed model of this configuration (vocab NULL). */
int lm_new(struct lm **out, const struct lm_cfg *c);
void lm_free(struct lm *m);
/* Points the views of `views` into base (lm_param_count floats) with m's layout. */
void lm_bind(struct lm *views, const struct lm_cfg *c, float *base);
/* Uniform in +-scale, zero biases, forget gate bias forget_bias; the character encoder by
 * its own fan-in rule with gain char_gain (charenc_init). */
void lm_init(struct lm *m, uint64_t seed, float scale, float forget_bias, float char_gain);

/* Named tensors, for the model file and for humans: "softmax.w", "lstm.fwd.0.wx", ... */
struct lm_tensor {
    char name[40];
    size_t offset;       /* into the flat array */
    uint64_t rows, cols;
};
size_t lm_tensors(const struct lm *m, struct lm_tensor *out, size_t cap); /* returns count */

/* Model file: a REC_MODEL stream, metadata model=elmo plus the configuration, the tensor
 * "vocab" (bytes: each word followed by '\n', ids LM_NSPECIAL.. in order), then every
 * named tensor. extra metadata (training options) is copied in. */
int lm_save(FILE *fp, const struct lm *m, const struct rec_meta *extra, int level);
/* Reads the configuration from the header and the tensors; WP_EKIND if not model=elmo,
 * WP_ECORRUPT for a shape or name mismatch or a header declaring more weights than the rest
 * of the file can hold (checked before allocating them), WP_ERANGE for a weight that is NaN
 * or infinite, WP_ETRUNC if a tensor is missing. */
int lm_load(struct rec_reader *rd, struct lm **out);
/* The same; on those errors (WP_ECORRUPT from the sizes, WP_ERANGE) err->msg says what is
 * wrong ("tensor 'x' value 17 is not finite"), else it is left empty. err may be NULL. */
struct lm_load_error {
    char msg[160];
};
int lm_load_checked(struct rec_reader *rd, struct lm **out, struct lm_load_error *err);
/* The same, passing tensors named "train.*" (checkpoint state) to extra instead of
 * ignoring them; extra returns WP_OK or an error that stops the load. */
struct tensor_slice;
typedef int (*lm_extra_fn)(void *ctx, const struct tensor_slice *s);
int lm_load_ex(struct rec_reader *rd, struct lm **out, lm_extra_fn extra, void *ctx);
/* The same as lm_load_checked, stopping at a checkpoint's first "train.*" tensor (they follow
 * the model's): *held points at its record, valid until rd is read again (NULL when the file
 * holds none), for lm_trainer_load_rest to read the rest of rd once the trainer is built. */
int lm_load_head(struct rec_reader *rd, struct lm **out, struct lm_load_error *err,
                 const unsigned char **held, size_t *held_len);
/* The same as lm_save, then more(ctx, w) appends tensors of its own (checkpoint state,
 * named "train.*") before the stream is closed. */
struct rec_writer;
typedef int (*lm_more_fn)(const void *ctx, struct rec_writer *w);
int lm_save_ex(FILE *fp, const struct lm *m, const struct rec_meta *extra, int level,
               lm_more_fn more, const void *ctx);
int lm_cfg_from_meta(const struct rec_meta *meta, struct lm_cfg *c);
int lm_cfg_to_meta(struct rec_meta *meta, const struct lm_cfg *c);

/* The id of a token (LM_UNK when not in the vocabulary) and, for character input, its
 * characters (chars: ch.max_chars ids; may be NULL for word input). "<S>" and "</S>" map
 * to the specials. */
uint32_t lm_token(const struct lm *m, const unsigned char *tok, size_t len, uint16_t *chars);
/* The characters of a special id (LM_BOS, LM_EOS) or of a word id. */
void lm_special_chars(const struct lm *m, uint32_t id, uint16_t *chars);

/* Inference scratch for sentences of up to nmax tokens (one per thread). */
struct lm_infer;
struct lm_infer *lm_infer_new(const struct lm *m, size_t nmax);
void lm_infer_free(struct lm_infer *w);

/* Layer 0 only: the token encoder for n tokens (ids, and chars n x max_chars for character
 * input): out [n][width]. */
void lm_encode(const struct lm *m, const uint32_t *ids, const uint16_t *chars, size_t n,
               float *out, struct lm_infer *w);

/* Optional carried state for --carry-state: per direction and layer h [width], c [hidden]. */
struct lm_state {
    float *h[2][LM_MAX_LAYERS], *c[2][LM_MAX_LAYERS];
};
struct lm_state *lm_state_new(const struct lm *m);   /* zeroed */
void lm_state_free(struct lm_state *s);

/* ELMo representations of one sentence of n tokens (without boundary tokens; n <= nmax):
 * out [(layers + 1)][n][2 * width]: layer 0 is the token encoding duplicated [x; x], layer l
 * is [forward_l; backward_l]. For a forward-only model the backward half is zero. With
 * st == NULL every sentence starts from zero state (deterministic); otherwise st supplies
 * the start state and receives the end state of each direction. */
int lm_embed(const struct lm *m, const uint32_t *ids, const uint16_t *chars, size_t n,
             float *out, struct lm_infer *w, struct lm_state *st);

/* As lm_embed, with layer 0 given: x0 [n][width] is the token encoding of the n words
 * (e.g. rows of a cache made with lm_encode); the boundary tokens are encoded here. */
int lm_embed_x0(const struct lm *m, const float *x0, size_t n, float *out, struct lm_infer *w,
                struct lm_state *st);

#endif
