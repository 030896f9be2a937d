/* lstm.h - one LSTM layer with an optional projection (LSTMP, Sak et al. 2014), cell and
 * projection clipping, over T time steps of a batch of B sequences. Gate order i, f, g, o:
 *   z = Wx x_t + Wh h_{t-1} + b;  i, f, o = sigmoid;  g = tanh
 *   c_t = clip(f * c_{t-1} + i * g, cell_clip);  m_t = o * tanh(c_t)
 *   h_t = clip(P m_t, proj_clip)  (or h_t = m_t without projection)
 * Wx x_t for all T steps is one sgemm; only Wh h_{t-1} is sequential. Activations are
 * time-major: row t*B + j is step t of sequence j. */
#ifndef WP_LSTM_H
#define WP_LSTM_H

#include <stddef.h>
#include <stdint.h>

struct lstm_cfg {
    uint32_t in, hidden, proj;    /* proj 0: none */
    float cell_clip, proj_clip;   /* 0: none */
};

static inline uint32_t
lstm_out(const struct lstm_cfg *c)
{
    return c->proj != 0 ? c->proj : c->hidden;
}

struct lstm {
    struct lstm_cfg c;
    float *wx;   /* [4H][in] */
    float *wh;   /* [4H][out] */
    float *b;    /* [4H] */
    float *p;    /* [proj][H], NULL without projection */
};

size_t lstm_param_count(const struct lstm_cfg *c);
void lstm_bind(struct lstm *l, const struct lstm_cfg *c, float *base);

/* What backward needs, for up to T x B steps. */
struct lstm_cache;
struct lstm_cache *lstm_cache_new(const struct lstm_cfg *c, size_t tmax, size_t bmax);
void lstm_cache_free(struct lstm_cache *k);

/* x [T*B][in] -> y [T*B][out]. h [B][out] and c [B][H] hold the start state and receive
 * the end state. */
void lstm_forward(const struct lstm *l, const float *x, size_t T, size_t B, float *y,
                  float *h, float *c, struct lstm_cache *k);
/* dy [T*B][out] -> dx [T*B][in] (overwritten; may be NULL for the first layer of a word
 * model whose input needs no gradient... it is still cheap, pass a buffer), gradients added
 * into g. No gradient flows into the start state (truncated BPTT). dy is clobbered. */
void lstm_backward(const struct lstm *l, struct lstm *g, const float *x, size_t T, size_t B,
                   float *dy, float *dx, struct lstm_cache *k);

#endif
