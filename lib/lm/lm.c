/* lm.c - the language model's layout, initialisation, tokens and inference (lm.h); the
 * model file is lm_file.c. */
#include "lm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "kernels/blas.h"
#include "text/vocab.h"

static const char *const dir_name[2] = {"fwd", "bwd"};

int
lm_cfg_check(const struct lm_cfg *c)
{
    if (c->vocab <= LM_NSPECIAL || c->layers == 0 || c->layers > LM_MAX_LAYERS
        || c->hidden == 0 || c->hidden > 65536 || c->proj > 65536
        || (c->directions != 1 && c->directions != 2) || c->cell_clip < 0 || c->proj_clip < 0
        || !(c->cell_clip < 1e30f) || !(c->proj_clip < 1e30f))
        return WP_ERANGE;
    if (c->char_input) {
        WP_TRY(charenc_cfg_check(&c->ch));
        if (c->ch.out_dim != lm_width(c))
            return WP_ERANGE;
    }
    return WP_OK;
}

static struct lstm_cfg
layer_cfg(const struct lm_cfg *c)
{
    const struct lstm_cfg l = {lm_width(c), c->hidden, c->proj, c->cell_clip, c->proj_clip};
    return l;
}

size_t
lm_param_count(const struct lm_cfg *c)
{
    const size_t W = lm_width(c), V = c->vocab;
    const struct lstm_cfg l = layer_cfg(c);
    size_t n = c->char_input ? charenc_param_count(&c->ch) : V * W;
    n += (size_t)c->directions * c->layers * lstm_param_count(&l);
    return n + V * W + V;
}

void
lm_bind(struct lm *v, const struct lm_cfg *c, float *base)
{
    const size_t W = lm_width(c), V = c->vocab;
    const struct lstm_cfg l = layer_cfg(c);
    memset(v, 0, sizeof *v);
    v->c = *c;
    v->nparams = lm_param_count(c);
    v->w = base;
    float *p = base;
    if (c->char_input) {
        charenc_bind(&v->enc, &c->ch, p);
        p += charenc_param_count(&c->ch);
    } else {
        v->word_emb = p;
        p += V * W;
    }
    for (uint32_t d = 0; d < c->directions; d++)
        for (uint32_t i = 0; i < c->layers; i++) {
            lstm_bind(&v->lstm[d][i], &l, p);
            p += lstm_param_count(&l);
        }
    v->sm_w = p;
    v->sm_b = p + V * W;
}

int
lm_new(struct lm **out, const struct lm_cfg *c)
{
    WP_TRY(lm_cfg_check(c));
    struct lm *m = malloc(sizeof *m);
    float *w = calloc(lm_param_count(c), sizeof *w);
    if (m == NULL || w == NULL) {
        free(m);
        free(w);
        return WP_ENOMEM;
    }
    lm_bind(m, c, w);
    *out = m;
    return WP_OK;
}

void
lm_free(struct lm *m)
{
    if (m == NULL)
        return;
    free(m->w);
    vocab_free(m->vocab);
    free(m);
}

static void
uniform(float *x, size_t n, struct rng *r, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (2 * rng_unit(r) - 1) * scale;
}

void
lm_init(struct lm *m, uint64_t seed, float scale, float forget_bias, float char_gain)
{
    const struct lm_cfg *c = &m->c;
    const size_t W = lm_width(c), V = c->vocab;
    struct rng r;
    rng_seed(&r, seed, 0x6c6d);
    memset(m->w, 0, m->nparams * sizeof *m->w);
    if (c->char_input)
        charenc_init(&m->enc, &r, char_gain);
    else
        uniform(m->word_emb, V * W, &r, scale);
    for (uint32_t d = 0; d < c->directions; d++)
        for (uint32_t i = 0; i < c->layers; i++) {
            const struct lstm *l = &m->lstm[d][i];
            const size_t H = c->hidden;
            uniform(l->wx, 4 * H * l->c.in, &r, scale);
            uniform(l->wh, 4 * H * W, &r, scale);
            uniform(l->b, 4 * H, &r, scale);
            for (size_t u = 0; u < H; u++)
                l->b[H + u] += forget_bias;
            if (l->p != NULL)
                uniform(l->p, (size_t)c->proj * H, &r, scale);
        }
    uniform(m->sm_w, V * W, &r, scale);
    uniform(m->sm_b, V, &r, scale);
}

static size_t
add_tensor(struct lm_tensor *out, size_t cap, size_t n, const struct lm *m, const float *p,
           uint64_t rows, uint64_t cols, const char *fmt, const char *a, unsigned i)
{
    if (n < cap) {
        struct lm_tensor *t = &out[n];
        snprintf(t->name, sizeof t->name, fmt, a, i);
        t->offset = (size_t)(p - m->w);
        t->rows = rows;
        t->cols = cols;
    }
    return n + 1;
}

size_t
lm_tensors(const struct lm *m, struct lm_tensor *out, size_t cap)
{
    const struct lm_cfg *c = &m->c;
    const uint64_t W = lm_width(c), V = c->vocab, H = c->hidden;
    size_t n = 0;
    if (c->char_input) {
        const struct charenc *e = &m->enc;
        const uint64_t F = e->nfilt;
        n = add_tensor(out, cap, n, m, e->emb, CHARENC_NCHARS, c->ch.char_dim, "char.emb%s", "", 0);
        for (unsigned k = 0; k < c->ch.nwidths; k++) {
            n = add_tensor(out, cap, n, m, e->conv_w[k], c->ch.filters[k],
                           (uint64_t)c->ch.widths[k] * c->ch.char_dim, "char.conv%s.%u.w", "", k);
            n = add_tensor(out, cap, n, m, e->conv_b[k], c->ch.filters[k], 0, "char.conv%s.%u.b",
                           "", k);
        }
        for (unsigned k = 0; k < c->ch.highway; k++) {
            n = add_tensor(out, cap, n, m, e->hw_w[k], 2 * F, F, "char.highway%s.%u.w", "", k);
            n = add_tensor(out, cap, n, m, e->hw_b[k], 2 * F, 0, "char.highway%s.%u.b", "", k);
        }
        n = add_tensor(out, cap, n, m, e->proj_w, W, F, "char.proj.w%s", "", 0);
        n = add_tensor(out, cap, n, m, e->proj_b, W, 0, "char.proj.b%s", "", 0);
    } else {
        n = add_tensor(out, cap, n, m, m->word_emb, V, W, "word_emb%s", "", 0);
    }
    for (uint32_t d = 0; d < c->directions; d++)
        for (unsigned i = 0; i < c->layers; i++) {
            const struct lstm *l = &m->lstm[d][i];
            n = add_tensor(out, cap, n, m, l->wx, 4 * H, l->c.in, "lstm.%s.%u.wx", dir_name[d], i);
            n = add_tensor(out, cap, n, m, l->wh, 4 * H, W, "lstm.%s.%u.wh", dir_name[d], i);
            n = add_tensor(out, cap, n, m, l->b, 4 * H, 0, "lstm.%s.%u.b", dir_name[d], i);
            if (l->p != NULL)
                n = add_tensor(out, cap, n, m, l->p, c->proj, H, "lstm.%s.%u.p", dir_name[d], i);
        }
    n = add_tensor(out, cap, n, m, m->sm_w, V, W, "softmax.w%s", "", 0);
    return add_tensor(out, cap, n, m, m->sm_b, V, 0, "softmax.b%s", "", 0);
}

/* ---- tokens ---- */

void
lm_special_chars(const struct lm *m, uint32_t id, uint16_t *chars)
{
    if (id == LM_BOS || id == LM_EOS) {
        charenc_chars(&m->c.ch, NULL, 0, id == LM_BOS ? CHARENC_BOS : CHARENC_EOS, chars);
    } else if (id == LM_UNK) {
        charenc_chars(&m->c.ch, (const unsigned char *)"<UNK>", 5, 0, chars);
    } else {
        size_t len;
        const char *s = vocab_word(m->vocab, id - LM_NSPECIAL, &len);
        charenc_chars(&m->c.ch, (const unsigned char *)s, len, 0, chars);
    }
}

uint32_t
lm_token(const struct lm *m, const unsigned char *tok, size_t len, uint16_t *chars)
{
    uint32_t id = LM_UNK;
    if (len == 3 && memcmp(tok, "<S>", 3) == 0) {
        id = LM_BOS;
    } else if (len == 4 && memcmp(tok, "</S>", 4) == 0) {
        id = LM_EOS;
    } else {
        const int64_t v = m->vocab != NULL ? vocab_lookup(m->vocab, tok, len) : -1;
        if (v >= 0)
            id = (uint32_t)v + LM_NSPECIAL;
    }
    if (chars != NULL && m->c.char_input) {
        if (id == LM_BOS || id == LM_EOS)
            lm_special_chars(m, id, chars);
        else
            charenc_chars(&m->c.ch, tok, len, 0, chars);
    }
    return id;
}

/* ---- inference ---- */

struct lm_infer {
    size_t nmax;
    struct charenc_cache *ek;
    struct lstm_cache *lk;
    uint16_t *chars;  /* [nmax + 2][max_chars] */
    float *enc;       /* [nmax + 2][W]: </S>, <S>, the words */
    float *seq;       /* [nmax + 1][W] one direction's input */
    float *y[2];      /* [nmax + 1][W] layer outputs, ping-pong */
    float *h, *c;     /* [W], [H] */
};

void
lm_infer_free(struct lm_infer *w)
{
    if (w == NULL)
        return;
    charenc_cache_free(w->ek);
    lstm_cache_free(w->lk);
    free(w->chars);
    free(w->enc);
    free(w->seq);
    free(w->y[0]);
    free(w->y[1]);
    free(w->h);
    free(w->c);
    free(w);
}

struct lm_infer *
lm_infer_new(const struct lm *m, size_t nmax)
{
    struct lm_infer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    const struct lm_cfg *c = &m->c;
    const size_t W = lm_width(c), n = nmax + 2;
    const struct lstm_cfg l = layer_cfg(c);
    w->nmax = nmax;
    if (c->char_input) {
        w->ek = charenc_cache_new(&c->ch, n);
        w->chars = malloc(n * c->ch.max_chars * sizeof *w->chars);
    }
    w->lk = lstm_cache_new(&l, nmax + 1, 1);
    w->enc = malloc(n * W * sizeof(float));
    w->seq = malloc(n * W * sizeof(float));
    w->y[0] = malloc(n * W * sizeof(float));
    w->y[1] = malloc(n * W * sizeof(float));
    w->h = malloc(W * sizeof(float));
    w->c = malloc(c->hidden * sizeof(float));
    if ((c->char_input && (w->ek == NULL || w->chars == NULL)) || !w->lk || !w->enc || !w->seq
        || !w->y[0] || !w->y[1] || !w->h || !w->c) {
        lm_infer_free(w);
        return NULL;
    }
    return w;
}

void
lm_encode(const struct lm *m, const uint32_t *ids, const uint16_t *chars, size_t n, float *out,
          struct lm_infer *w)
{
    const size_t W = lm_width(&m->c);
    if (m->c.char_input) {
        charenc_forward(&m->enc, chars, n, out, w->ek);
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * W, m->word_emb + (size_t)ids[i] * W, W * sizeof(float));
}

struct lm_state *
lm_state_new(const struct lm *m)
{
    struct lm_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    for (uint32_t d = 0; d < 2; d++)
        for (uint32_t i = 0; i < m->c.layers; i++) {
            s->h[d][i] = calloc(lm_width(&m->c), sizeof(float));
            s->c[d][i] = calloc(m->c.hidden, sizeof(float));
            if (s->h[d][i] == NULL || s->c[d][i] == NULL) {
                lm_state_free(s);
                return NULL;
            }
        }
    return s;
}

void
lm_state_free(struct lm_state *s)
{
    if (s == NULL)
        return;
    for (uint32_t d = 0; d < 2; d++)
        for (uint32_t i = 0; i < LM_MAX_LAYERS; i++) {
            free(s->h[d][i]);
            free(s->c[d][i]);
        }
    free(s);
}

/* The LSTM layers over w->enc = [</S>, <S>, the n words]: fills out (see lm.h). */
static int
embed_layers(const struct lm *m, size_t n, float *out, struct lm_infer *w, struct lm_state *st)
{
    const struct lm_cfg *c = &m->c;
    const size_t W = lm_width(c), H = c->hidden, L = c->layers, row = 2 * W;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + i * row, w->enc + (i + 2) * W, W * sizeof(float));
        memcpy(out + i * row + W, w->enc + (i + 2) * W, W * sizeof(float));
    }
    for (uint32_t d = 0; d < 2; d++) {
        if (d >= c->directions) {
            for (size_t l = 1; l <= L; l++)
                for (size_t i = 0; i < n; i++)
                    memset(out + (l * n + i) * row + W, 0, W * sizeof(float));
            continue;
        }
        /* the direction's input: its boundary, then the words in its reading order */
        memcpy(w->seq, w->enc + d * W, W * sizeof(float));
        for (size_t i = 0; i < n; i++)
            memcpy(w->seq + (i + 1) * W, w->enc + (2 + (d == 0 ? i : n - 1 - i)) * W,
                   W * sizeof(float));
        const float *x = w->seq;
        for (size_t l = 0; l < L; l++) {
            float *y = w->y[l & 1];
            if (st != NULL) {
                memcpy(w->h, st->h[d][l], W * sizeof(float));
                memcpy(w->c, st->c[d][l], H * sizeof(float));
            } else {
                memset(w->h, 0, W * sizeof(float));
                memset(w->c, 0, H * sizeof(float));
            }
            lstm_forward(&m->lstm[d][l], x, n + 1, 1, y, w->h, w->c, w->lk);
            if (st != NULL) {
                memcpy(st->h[d][l], w->h, W * sizeof(float));
                memcpy(st->c[d][l], w->c, H * sizeof(float));
            }
            if (c->residual && l > 0)
                for (size_t q = 0; q < (n + 1) * W; q++)
                    y[q] += x[q];
            for (size_t i = 0; i < n; i++) {
                const size_t pos = d == 0 ? i + 1 : n - i;
                memcpy(out + ((l + 1) * n + i) * row + d * W, y + pos * W, W * sizeof(float));
            }
            x = y;
        }
    }
    return WP_OK;
}

/* w->enc rows 0 and 1: the encodings of </S> and <S>. */
static void
encode_bounds(const struct lm *m, struct lm_infer *w)
{
    static const uint32_t bounds[2] = {LM_EOS, LM_BOS};
    if (m->c.char_input) {
        const size_t mc = m->c.ch.max_chars;
        lm_special_chars(m, LM_EOS, w->chars);
        lm_special_chars(m, LM_BOS, w->chars + mc);
        charenc_forward(&m->enc, w->chars, 2, w->enc, w->ek);
    } else {
        lm_encode(m, bounds, NULL, 2, w->enc, w);
    }
}

int
lm_embed(const struct lm *m, const uint32_t *ids, const uint16_t *chars, size_t n, float *out,
         struct lm_infer *w, struct lm_state *st)
{
    const struct lm_cfg *c = &m->c;
    const size_t W = lm_width(c);
    if (n > w->nmax)
        return WP_ERANGE;
    if (n == 0)
        return WP_OK;
    /* encode </S>, <S>, then the words, in one batch */
    if (c->char_input) {
        const size_t mc = c->ch.max_chars;
        lm_special_chars(m, LM_EOS, w->chars);
        lm_special_chars(m, LM_BOS, w->chars + mc);
        memcpy(w->chars + 2 * mc, chars, n * mc * sizeof *chars);
        charenc_forward(&m->enc, w->chars, n + 2, w->enc, w->ek);
    } else {
        encode_bounds(m, w);
        lm_encode(m, ids, NULL, n, w->enc + 2 * W, w);
    }
    return embed_layers(m, n, out, w, st);
}

int
lm_embed_x0(const struct lm *m, const float *x0, size_t n, float *out, struct lm_infer *w,
            struct lm_state *st)
{
    if (n > w->nmax)
        return WP_ERANGE;
    if (n == 0)
        return WP_OK;
    encode_bounds(m, w);
    memcpy(w->enc + 2 * (size_t)lm_width(&m->c), x0, n * lm_width(&m->c) * sizeof(float));
    return embed_layers(m, n, out, w, st);
}
