/* charenc.h - ELMo's character-aware token encoder (Peters et al. 2018; bilm-tf):
 * UTF-8 bytes with begin/end-of-word marks -> character embedding -> 1-D convolutions of
 * several widths -> max over time -> ReLU -> highway layers -> linear projection.
 *
 * Parameters live in one flat float array owned by the caller (the language model), so
 * optimizers, gradient clipping and checkpoints treat every layer alike: charenc_bind()
 * points the tensors of a struct charenc into such an array. Binding the same layout onto
 * the gradient array gives the struct that backward accumulates into. */
#ifndef WP_CHARENC_H
#define WP_CHARENC_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"

enum {
    CHARENC_MAX_WIDTHS = 8,
    CHARENC_MAX_HIGHWAY = 4,
    /* character ids: 0..255 are bytes; then the marks (bilm-tf's layout, shifted by one
     * so that 0 is a real byte and padding has its own id) */
    CHARENC_BOW = 256,      /* begin of word */
    CHARENC_EOW = 257,      /* end of word */
    CHARENC_BOS = 258,      /* the only character of <S> between BOW and EOW */
    CHARENC_EOS = 259,      /* the only character of </S> */
    CHARENC_PAD = 260,      /* after EOW; its embedding is kept at zero */
    CHARENC_NCHARS = 261
};

/* The nonlinearity after max-pooling: bilm-tf's ReLU or Kim et al.'s tanh. */
enum charenc_act { CHARENC_RELU = 0, CHARENC_TANH = 1 };

struct charenc_cfg {
    uint32_t max_chars;                      /* characters per token incl. BOW/EOW (50) */
    uint32_t char_dim;                       /* character embedding size (16) */
    uint32_t nwidths;                        /* number of convolution widths */
    uint32_t widths[CHARENC_MAX_WIDTHS];     /* e.g. 1..7 */
    uint32_t filters[CHARENC_MAX_WIDTHS];    /* filters per width */
    uint32_t highway;                        /* highway layers (0..CHARENC_MAX_HIGHWAY) */
    uint32_t out_dim;                        /* projection size (the LSTM input size) */
    uint32_t act;                            /* enum charenc_act */
};

/* The tensors, row-major, in this order inside the flat array:
 *   emb      [CHARENC_NCHARS][char_dim]
 *   conv_w[k] [filters[k]][widths[k] * char_dim]   conv_b[k] [filters[k]]     for each k
 *   hw_w[l]  [2F][F]  (rows 0..F-1 the transform H, rows F..2F-1 the gate T)
 *   hw_b[l]  [2F]                                                             for each l
 *   proj_w   [out_dim][F]     proj_b [out_dim]
 * where F = sum(filters). Highway: t = sigmoid(T x + bT), y = t * relu(H x + bH) + (1-t) * x. */
struct charenc {
    struct charenc_cfg c;
    uint32_t nfilt;      /* F */
    float *emb;
    float *conv_w[CHARENC_MAX_WIDTHS], *conv_b[CHARENC_MAX_WIDTHS];
    float *hw_w[CHARENC_MAX_HIGHWAY], *hw_b[CHARENC_MAX_HIGHWAY];
    float *proj_w, *proj_b;
};

/* WP_OK or WP_ERANGE when sizes are zero/out of range (max_chars < 3, width > max_chars). */
int charenc_cfg_check(const struct charenc_cfg *c);
size_t charenc_param_count(const struct charenc_cfg *c);
/* Points e's tensors into base (charenc_param_count floats). */
void charenc_bind(struct charenc *e, const struct charenc_cfg *c, float *base);
/* Initialise weights as bilm-tf: character embeddings uniform in +-gain, every matrix
 * uniform with variance gain^2/fan-in; zero biases except the highway gate bias -2 (carry
 * by default), PAD embedding zero. gain 1 for training; tests pass smaller gains. */
void charenc_init(struct charenc *e, struct rng *r, float gain);

/* Data-dependent initialisation, after charenc_init, over n tokens (chars: n x max_chars;
 * the vocabulary): each convolution bias is set to minus its filter's mean pooled maximum,
 * so the features are centred (with tanh, symmetric around 0); then each projection row is
 * scaled and its bias set so that every output has mean 0 and standard deviation std over
 * the tokens. Max-pooling makes the raw features of all words share a large positive
 * component (random words' encodings have cosine ~0.9): the LSTM then sees nearly one
 * input, and every SGD step on the projection, summed over all tokens of a batch, moves
 * all encodings together. Centred outputs of word-embedding scale start the LSTM as word
 * input does. WP_ERANGE when n is 0 or std not > 0; WP_ENOMEM. */
int charenc_init_data(struct charenc *e, const uint16_t *chars, size_t n, float std);

/* Characters of one token into out[max_chars]: BOW, the bytes (cut at a UTF-8 code point
 * boundary so that at most max_chars - 2 bytes remain), EOW, then PAD. special: 0 for a word,
 * CHARENC_BOS or CHARENC_EOS for <S> / </S> (the token bytes are then ignored). */
void charenc_chars(const struct charenc_cfg *c, const unsigned char *tok, size_t len,
                   int special, uint16_t *out);

/* Forward/backward over n tokens. The cache holds what backward needs; it is sized for at
 * most nmax tokens. */
struct charenc_cache;
struct charenc_cache *charenc_cache_new(const struct charenc_cfg *c, size_t nmax);
void charenc_cache_free(struct charenc_cache *k);

/* chars: n x max_chars ids; out: n x out_dim. */
void charenc_forward(const struct charenc *e, const uint16_t *chars, size_t n, float *out,
                     struct charenc_cache *k);
/* dout: n x out_dim. Adds the parameter gradients into g (bound onto the gradient array).
 * Must follow the charenc_forward of the same chars with the same cache. */
void charenc_backward(const struct charenc *e, struct charenc *g, const uint16_t *chars,
                      size_t n, const float *dout, struct charenc_cache *k);

#endif
