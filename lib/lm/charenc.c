/* charenc.c - ELMo's character-aware token encoder: embedding, convolutions of several
 * widths with max over time and ReLU, highway layers, linear projection.
 *
 * The convolution runs as one GEMM per width over a chunk of tokens: the windows of every
 * token are copied into an im2col matrix (rows: token-major valid positions, columns: the
 * flattened window [width * char_dim]) and multiplied by the filter matrix. The copy costs
 * 1/filters of the GEMM. A strided view with lda = char_dim would avoid it but breaks the
 * BLAS rule lda >= K (OpenBLAS rejects such calls). Only the windows that start on a real
 * character are multiplied: PAD's embedding is zero, so every window from the first PAD on
 * is exactly 0, which the max takes as one more candidate at that position. A word of
 * Wikipedia is 6 to 10 characters with its marks out of 50, so this does about a quarter
 * of the work of all positions, with the same result. Backward of the convolution only
 * touches the one window each filter chose per token (the argmax kept in the cache), so it
 * is done sparsely with plain loops instead of a dense GEMM that would be mostly zeros. */
#include "charenc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/status.h"
#include "kernels/blas.h"
#include "kernels/vmath.h"

/* Tokens per convolution GEMM: big enough for an efficient GEMM (CHUNK * max_chars rows),
 * small enough that the im2col and output scratch stay a few MB. */
enum { CHARENC_CHUNK = 64 };

/* Sanity bounds, far above any real configuration, that keep every size product below
 * 2^63 so no arithmetic below needs overflow checks. */
enum {
    CHARENC_MAX_CHARS_LIMIT = 4096,
    CHARENC_DIM_LIMIT = 4096,
    CHARENC_FILT_LIMIT = 65536
};

struct charenc_cache {
    struct charenc_cfg c;
    size_t nmax;
    uint32_t nfilt;
    float *x[CHARENC_MAX_HIGHWAY + 1]; /* layer inputs: x[0] conv features, x[L] proj input */
    float *h[CHARENC_MAX_HIGHWAY];     /* relu(H x + bH) */
    float *t[CHARENC_MAX_HIGHWAY];     /* sigmoid(T x + bT) */
    uint32_t *amax;                    /* n x F: position of the max per token and filter */
    uint32_t *amt;                     /* F x n: amax transposed (backward) */
    float *dx;                         /* n x F: backward scratch */
    float *p;                          /* n x 2F: highway pre-activations / their gradient */
    float *cols;                       /* CHUNK * max_chars x (max width * char_dim) */
    float *conv;                       /* CHUNK * max_chars x (max filters) */
};

int
charenc_cfg_check(const struct charenc_cfg *c)
{
    if (c == NULL)
        return WP_ERANGE;
    if (c->max_chars < 3 || c->max_chars > CHARENC_MAX_CHARS_LIMIT)
        return WP_ERANGE;
    if (c->char_dim == 0 || c->char_dim > CHARENC_DIM_LIMIT)
        return WP_ERANGE;
    if (c->nwidths == 0 || c->nwidths > CHARENC_MAX_WIDTHS)
        return WP_ERANGE;
    if (c->highway > CHARENC_MAX_HIGHWAY)
        return WP_ERANGE;
    if (c->out_dim == 0 || c->out_dim > CHARENC_FILT_LIMIT)
        return WP_ERANGE;
    uint32_t nfilt = 0;
    for (uint32_t k = 0; k < c->nwidths; k++) {
        if (c->widths[k] == 0 || c->widths[k] > c->max_chars)
            return WP_ERANGE;
        if (c->filters[k] == 0 || c->filters[k] > CHARENC_FILT_LIMIT)
            return WP_ERANGE;
        nfilt += c->filters[k];
    }
    if (nfilt > CHARENC_FILT_LIMIT)
        return WP_ERANGE;
    return WP_OK;
}

static uint32_t
charenc_nfilt(const struct charenc_cfg *c)
{
    uint32_t f = 0;
    for (uint32_t k = 0; k < c->nwidths; k++)
        f += c->filters[k];
    return f;
}

size_t
charenc_param_count(const struct charenc_cfg *c)
{
    if (charenc_cfg_check(c) != WP_OK)
        return 0;
    const size_t cd = c->char_dim, f = charenc_nfilt(c);
    size_t n = (size_t)CHARENC_NCHARS * cd;
    for (uint32_t k = 0; k < c->nwidths; k++)
        n += (size_t)c->filters[k] * c->widths[k] * cd + c->filters[k];
    n += (size_t)c->highway * (2 * f * f + 2 * f);
    n += (size_t)c->out_dim * f + c->out_dim;
    return n;
}

void
charenc_bind(struct charenc *e, const struct charenc_cfg *c, float *base)
{
    const size_t cd = c->char_dim;
    memset(e, 0, sizeof *e);
    e->c = *c;
    e->nfilt = charenc_nfilt(c);
    const size_t f = e->nfilt;
    float *p = base;
    e->emb = p;
    p += (size_t)CHARENC_NCHARS * cd;
    for (uint32_t k = 0; k < c->nwidths; k++) {
        e->conv_w[k] = p;
        p += (size_t)c->filters[k] * c->widths[k] * cd;
        e->conv_b[k] = p;
        p += c->filters[k];
    }
    for (uint32_t l = 0; l < c->highway; l++) {
        e->hw_w[l] = p;
        p += 2 * f * f;
        e->hw_b[l] = p;
        p += 2 * f;
    }
    e->proj_w = p;
    p += (size_t)c->out_dim * f;
    e->proj_b = p;
}

static void
fill_uniform(float *x, size_t n, struct rng *r, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (2.0f * rng_unit(r) - 1.0f) * scale;
}

void
charenc_init(struct charenc *e, struct rng *r, float gain)
{
    const struct charenc_cfg *c = &e->c;
    const size_t cd = c->char_dim, f = e->nfilt;
    /* bilm-tf's scheme: characters in +-1, every matrix with variance 1/fan-in, so each
     * layer's output has about the scale of its input. A flat +-0.05 (as the LSTM gets)
     * shrank the token vectors ~30x below word embeddings, and training sat at the
     * unigram perplexity for most of the first PTB epoch. A uniform in +-sqrt(3/n) has
     * variance 1/n. Draw order = tensor order, so one seed gives one model. */
    fill_uniform(e->emb, (size_t)CHARENC_NCHARS * cd, r, gain);
    memset(e->emb + (size_t)CHARENC_PAD * cd, 0, cd * sizeof(float));
    for (uint32_t k = 0; k < c->nwidths; k++) {
        const size_t fan_in = (size_t)c->widths[k] * cd;
        fill_uniform(e->conv_w[k], c->filters[k] * fan_in, r, gain * sqrtf(3.0f / fan_in));
        memset(e->conv_b[k], 0, c->filters[k] * sizeof(float));
    }
    for (uint32_t l = 0; l < c->highway; l++) {
        fill_uniform(e->hw_w[l], 2 * f * f, r, gain * sqrtf(3.0f / f));
        for (size_t i = 0; i < f; i++) {
            e->hw_b[l][i] = 0.0f;
            e->hw_b[l][f + i] = -2.0f; /* gate closed: carry the input at first */
        }
    }
    fill_uniform(e->proj_w, (size_t)c->out_dim * f, r, gain * sqrtf(3.0f / f));
    memset(e->proj_b, 0, c->out_dim * sizeof(float));
}

void
charenc_chars(const struct charenc_cfg *c, const unsigned char *tok, size_t len,
              int special, uint16_t *out)
{
    const size_t mc = c->max_chars;
    size_t i = 0;
    out[i++] = CHARENC_BOW;
    if (special == CHARENC_BOS || special == CHARENC_EOS) {
        out[i++] = (uint16_t)special;
    } else {
        size_t keep = len;
        if (keep > mc - 2) {
            keep = mc - 2;
            /* tok[keep] is the first byte dropped; while it continues a code point, the
             * cut is inside that code point: move it back before its lead byte. A UTF-8
             * sequence has at most 3 continuation bytes, so invalid input (a run of
             * continuation bytes) still keeps its leading bytes. */
            for (int back = 0; back < 3 && keep > 0 && (tok[keep] & 0xC0) == 0x80; back++)
                keep--;
            if (keep > 0 && (tok[keep] & 0xC0) == 0x80)
                keep = mc - 2; /* not UTF-8 here: a plain byte cut */
        }
        for (size_t j = 0; j < keep; j++)
            out[i++] = tok[j];
    }
    out[i++] = CHARENC_EOW;
    while (i < mc)
        out[i++] = CHARENC_PAD;
}

static void *
alloc_array(size_t a, size_t b, size_t size)
{
    size_t n;
    if (!size_mul_ok(a, b, &n) || !size_mul_ok(n, size, &n))
        return NULL;
    return malloc(n ? n : 1);
}

static float *
alloc_floats(size_t a, size_t b)
{
    return alloc_array(a, b, sizeof(float));
}

struct charenc_cache *
charenc_cache_new(const struct charenc_cfg *c, size_t nmax)
{
    if (charenc_cfg_check(c) != WP_OK)
        return NULL;
    struct charenc_cache *k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    k->c = *c;
    k->nmax = nmax;
    k->nfilt = charenc_nfilt(c);
    const size_t f = k->nfilt;
    uint32_t wmax = 0, fmax = 0;
    for (uint32_t j = 0; j < c->nwidths; j++) {
        wmax = c->widths[j] > wmax ? c->widths[j] : wmax;
        fmax = c->filters[j] > fmax ? c->filters[j] : fmax;
    }
    int ok = 1;
    for (uint32_t l = 0; l <= c->highway; l++)
        ok &= (k->x[l] = alloc_floats(nmax, f)) != NULL;
    for (uint32_t l = 0; l < c->highway; l++) {
        ok &= (k->h[l] = alloc_floats(nmax, f)) != NULL;
        ok &= (k->t[l] = alloc_floats(nmax, f)) != NULL;
    }
    ok &= (k->amax = alloc_array(nmax, f, sizeof(uint32_t))) != NULL;
    ok &= (k->amt = alloc_array(nmax, f, sizeof(uint32_t))) != NULL;
    ok &= (k->dx = alloc_floats(nmax, f)) != NULL;
    ok &= (k->p = alloc_floats(nmax, 2 * f)) != NULL;
    const size_t rows = (size_t)CHARENC_CHUNK * c->max_chars;
    ok &= (k->cols = alloc_floats(rows, (size_t)wmax * c->char_dim)) != NULL;
    ok &= (k->conv = alloc_floats(rows, fmax)) != NULL;
    if (!ok) {
        charenc_cache_free(k);
        return NULL;
    }
    return k;
}

void
charenc_cache_free(struct charenc_cache *k)
{
    if (k == NULL)
        return;
    for (uint32_t l = 0; l <= CHARENC_MAX_HIGHWAY; l++)
        free(k->x[l]);
    for (uint32_t l = 0; l < CHARENC_MAX_HIGHWAY; l++) {
        free(k->h[l]);
        free(k->t[l]);
    }
    free(k->amax);
    free(k->amt);
    free(k->dx);
    free(k->p);
    free(k->cols);
    free(k->conv);
    free(k);
}

/* Convolution + max over time + ReLU for tokens [t0, t0 + nt) into x0 rows, argmax into
 * amax. raw: the maxima alone, without the bias and the nonlinearity (charenc_init_data). */
static void
conv_chunk(const struct charenc *e, const uint16_t *chars, size_t t0, size_t nt,
           struct charenc_cache *k, int raw)
{
    const struct charenc_cfg *c = &e->c;
    const size_t mc = c->max_chars, cd = c->char_dim, f = e->nfilt;
    size_t len[CHARENC_CHUNK]; /* characters before the first PAD (at least BOW and EOW) */
    for (size_t t = 0; t < nt; t++) {
        const uint16_t *ch = chars + (t0 + t) * mc;
        size_t l = 0;
        while (l < mc && ch[l] != CHARENC_PAD)
            l++;
        len[t] = l;
    }
    size_t off = 0;
    for (uint32_t wi = 0; wi < c->nwidths; wi++) {
        const size_t w = c->widths[wi], nf = c->filters[wi], kw = w * cd, np = mc - w + 1;
        /* im2col: row (t, p) = embeddings of chars p .. p+w-1 of token t, concatenated,
         * for the positions p < len[t] of each token, one token after the other */
        size_t rows = 0;
        for (size_t t = 0; t < nt; t++) {
            const uint16_t *ch = chars + (t0 + t) * mc;
            const size_t npt = len[t] < np ? len[t] : np;
            for (size_t p = 0; p < npt; p++, rows++) {
                float *row = k->cols + rows * kw;
                for (size_t j = 0; j < w; j++)
                    memcpy(row + j * cd, e->emb + (size_t)ch[p + j] * cd, cd * sizeof(float));
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)nf, (int)kw,
                    1.0f, k->cols, (int)kw, e->conv_w[wi], (int)kw, 0.0f, k->conv, (int)nf);
        const float *cv = k->conv;
        for (size_t t = 0; t < nt; t++) {
            float *z = k->x[0] + (t0 + t) * f + off;
            uint32_t *am = k->amax + (t0 + t) * f + off;
            const size_t npt = len[t] < np ? len[t] : np;
            for (size_t q = 0; q < nf; q++) {
                z[q] = cv[q];
                am[q] = 0;
            }
            for (size_t p = 1; p < npt; p++)
                for (size_t q = 0; q < nf; q++)
                    if (cv[p * nf + q] > z[q]) {
                        z[q] = cv[p * nf + q];
                        am[q] = (uint32_t)p;
                    }
            /* the windows from the first PAD on: all exactly 0, the first one counts */
            if (npt < np)
                for (size_t q = 0; q < nf; q++)
                    if (0.0f > z[q]) {
                        z[q] = 0.0f;
                        am[q] = (uint32_t)npt;
                    }
            cv += npt * nf;
            /* the bias is the same at every position: add it after the max; ReLU (or
             * tanh) of the max equals the max of the ReLU, both being monotonic (bilm-tf
             * applies it after pooling) */
            for (size_t q = 0; q < nf && !raw; q++) {
                const float v = z[q] + e->conv_b[wi][q];
                z[q] = c->act == CHARENC_TANH ? tanhf(v) : v > 0.0f ? v : 0.0f;
            }
        }
        off += nf;
    }
}

void
charenc_forward(const struct charenc *e, const uint16_t *chars, size_t n, float *out,
                struct charenc_cache *k)
{
    const struct charenc_cfg *c = &e->c;
    const size_t f = e->nfilt, L = c->highway;
    if (n == 0)
        return;
    for (size_t t0 = 0; t0 < n; t0 += CHARENC_CHUNK)
        conv_chunk(e, chars, t0, n - t0 < CHARENC_CHUNK ? n - t0 : CHARENC_CHUNK, k, 0);
    for (size_t l = 0; l < L; l++) {
        const float *x = k->x[l], *b = e->hw_b[l];
        float *h = k->h[l], *tg = k->t[l], *y = k->x[l + 1], *p = k->p;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)(2 * f), (int)f,
                    1.0f, x, (int)f, e->hw_w[l], (int)f, 0.0f, p, (int)(2 * f));
        for (size_t i = 0; i < n; i++) {
            const float *pi = p + i * 2 * f, *xi = x + i * f;
            float *hi = h + i * f, *ti = tg + i * f, *yi = y + i * f;
            for (size_t j = 0; j < f; j++) {
                const float hv = pi[j] + b[j];
                const float tv = 1.0f / (1.0f + expf(-(pi[f + j] + b[f + j])));
                hi[j] = hv > 0.0f ? hv : 0.0f;
                ti[j] = tv;
                yi[j] = tv * hi[j] + (1.0f - tv) * xi[j];
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * c->out_dim, e->proj_b, c->out_dim * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)c->out_dim, (int)f, 1.0f,
                k->x[L], (int)f, e->proj_w, (int)f, 1.0f, out, (int)c->out_dim);
}

/* Column sums of an n x m matrix added into b. */
static void
add_colsums(float *b, const float *d, size_t n, size_t m)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            b[j] += d[i * m + j];
}

/* y += a x over n floats, 4 lanes at a time (the same sums as the scalar loop: one
 * product and one addition per element). */
static inline void
axpy(float *y, float a, const float *x, size_t n)
{
    size_t i = 0;
    const vm_v4f av = VM_SPLAT(a);
    for (; i + 4 <= n; i += 4) {
        vm_v4f xv, yv;
        memcpy(&xv, x + i, sizeof xv);
        memcpy(&yv, y + i, sizeof yv);
        yv += av * xv;
        memcpy(y + i, &yv, sizeof yv);
    }
    for (; i < n; i++)
        y[i] += a * x[i];
}

/* Backward of convolution + max + ReLU/tanh given dz = d(features) in k->dx. Only the window
 * each filter picked contributes. Filter by filter, over the tokens (the gradients of the
 * features and the chosen positions transposed first, into k->p and k->amt): one filter's
 * weights and gradient stay in L1 while the tokens pass, where token by token every filter's
 * would stream through the cache for each token. Each weight gradient still sums the
 * tokens in order. */
static void
conv_backward(const struct charenc *e, struct charenc *g, const uint16_t *chars, size_t n,
              const struct charenc_cache *k)
{
    const struct charenc_cfg *c = &e->c;
    const size_t mc = c->max_chars, cd = c->char_dim, f = e->nfilt;
    float *dt = k->p;   /* F x n; free after the highway backward */
    uint32_t *at = k->amt;
    for (size_t i = 0; i < n; i++) {
        const float *dz = k->dx + i * f, *z = k->x[0] + i * f;
        const uint32_t *am = k->amax + i * f;
        for (size_t q = 0; q < f; q++) {
            const float zq = z[q];
            dt[q * n + i] = c->act == CHARENC_TANH ? dz[q] * (1.0f - zq * zq)
                                                   : zq > 0.0f ? dz[q] : 0.0f;
            at[q * n + i] = am[q];
        }
    }
    size_t off = 0;
    for (uint32_t wi = 0; wi < c->nwidths; wi++) {
        const size_t w = c->widths[wi], nf = c->filters[wi], kw = w * cd;
        for (size_t q = 0; q < nf; q++) {
            const float *dq = dt + (off + q) * n, *wq = e->conv_w[wi] + q * kw;
            const uint32_t *aq = at + (off + q) * n;
            float *gwq = g->conv_w[wi] + q * kw;
            for (size_t i = 0; i < n; i++) {
                const float d = dq[i];
                if (d == 0.0f)
                    continue; /* ReLU closed: no gradient */
                g->conv_b[wi][q] += d;
                const uint16_t *ch = chars + i * mc + aq[i];
                if (ch[0] == CHARENC_PAD)
                    continue; /* a window of PAD alone: zero input, nothing more */
                for (size_t j = 0; j < w; j++) {
                    const size_t id = ch[j];
                    const float *ej = e->emb + id * cd, *wj = wq + j * cd;
                    float *gwj = gwq + j * cd;
                    axpy(gwj, d, ej, cd);
                    if (id != CHARENC_PAD) /* PAD's embedding stays zero */
                        axpy(g->emb + id * cd, d, wj, cd);
                }
            }
        }
        off += nf;
    }
}

void
charenc_backward(const struct charenc *e, struct charenc *g, const uint16_t *chars, size_t n,
                 const float *dout, struct charenc_cache *k)
{
    const struct charenc_cfg *c = &e->c;
    const size_t f = e->nfilt, L = c->highway, od = c->out_dim;
    if (n == 0)
        return;
    /* projection */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)f, (int)od, 1.0f, dout,
                (int)od, e->proj_w, (int)f, 0.0f, k->dx, (int)f);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)od, (int)f, (int)n, 1.0f, dout,
                (int)od, k->x[L], (int)f, 1.0f, g->proj_w, (int)f);
    add_colsums(g->proj_b, dout, n, od);
    /* highway, top down: y = t h + (1 - t) x */
    for (size_t l = L; l-- > 0;) {
        const float *x = k->x[l], *h = k->h[l], *tg = k->t[l];
        float *dp = k->p, *dx = k->dx;
        for (size_t i = 0; i < n; i++) {
            const float *xi = x + i * f, *hi = h + i * f, *ti = tg + i * f;
            float *dpi = dp + i * 2 * f, *dxi = dx + i * f;
            for (size_t j = 0; j < f; j++) {
                const float dy = dxi[j], tv = ti[j];
                dpi[j] = hi[j] > 0.0f ? dy * tv : 0.0f;
                dpi[f + j] = dy * (hi[j] - xi[j]) * tv * (1.0f - tv);
                dxi[j] = dy * (1.0f - tv); /* the carry path */
            }
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(2 * f), (int)f, (int)n, 1.0f,
                    dp, (int)(2 * f), x, (int)f, 1.0f, g->hw_w[l], (int)f);
        add_colsums(g->hw_b[l], dp, n, 2 * f);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)f, (int)(2 * f),
                    1.0f, dp, (int)(2 * f), e->hw_w[l], (int)f, 1.0f, dx, (int)f);
    }
    conv_backward(e, g, chars, n, k);
}

/* Tokens per pass of charenc_init_data: bounds its scratch whatever the vocabulary size. */
enum { CHARENC_INIT_STEP = 1024 };

int
charenc_init_data(struct charenc *e, const uint16_t *chars, size_t n, float std)
{
    const size_t od = e->c.out_dim, mc = e->c.max_chars, f = e->nfilt;
    if (n == 0 || !(std > 0) || !(std < 1e30f))
        return WP_ERANGE;
    struct charenc_cache *k = charenc_cache_new(&e->c, CHARENC_INIT_STEP);
    float *out = alloc_floats(CHARENC_INIT_STEP, od);
    double *s1 = calloc(f > od ? f : od, sizeof(double)), *s2 = calloc(od, sizeof(double));
    int rc = k != NULL && out != NULL && s1 != NULL && s2 != NULL ? WP_OK : WP_ENOMEM;
    /* 1. every filter's pooled maximum centred over the tokens by its bias */
    for (size_t i0 = 0; rc == WP_OK && i0 < n; i0 += CHARENC_INIT_STEP) {
        const size_t m = n - i0 < CHARENC_INIT_STEP ? n - i0 : CHARENC_INIT_STEP;
        for (size_t t0 = 0; t0 < m; t0 += CHARENC_CHUNK)
            conv_chunk(e, chars + i0 * mc, t0, m - t0 < CHARENC_CHUNK ? m - t0 : CHARENC_CHUNK,
                       k, 1);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < f; j++)
                s1[j] += k->x[0][i * f + j];
    }
    for (uint32_t wi = 0, off = 0; rc == WP_OK && wi < e->c.nwidths; off += e->c.filters[wi++])
        for (size_t q = 0; q < e->c.filters[wi]; q++)
            e->conv_b[wi][q] = (float)(-s1[off + q] / (double)n);
    /* 2. every output centred and scaled to std by its projection row and bias */
    if (rc == WP_OK)
        memset(s1, 0, od * sizeof(double));
    for (size_t i0 = 0; rc == WP_OK && i0 < n; i0 += CHARENC_INIT_STEP) {
        const size_t m = n - i0 < CHARENC_INIT_STEP ? n - i0 : CHARENC_INIT_STEP;
        charenc_forward(e, chars + i0 * mc, m, out, k);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < od; j++) {
                const double v = out[i * od + j];
                s1[j] += v;
                s2[j] += v * v;
            }
    }
    for (size_t j = 0; rc == WP_OK && j < od; j++) {
        const double mean = s1[j] / (double)n, var = s2[j] / (double)n - mean * mean;
        /* a constant output (one token, or a dead row) is only centred */
        const float a = var > 1e-12 ? (float)(std / sqrt(var)) : 1.0f;
        for (size_t q = 0; q < f; q++)
            e->proj_w[j * f + q] *= a;
        e->proj_b[j] = (float)((e->proj_b[j] - mean) * a);
    }
    charenc_cache_free(k);
    free(out);
    free(s1);
    free(s2);
    return rc;
}
