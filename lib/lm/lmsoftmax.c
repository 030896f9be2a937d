/* lmsoftmax.c - full and sampled softmax for the language model (see lmsoftmax.h).
 *
 * Both passes are three large sgemm calls (logits, dH, dW) around a per-row softmax that
 * works in place in the logit buffer: add the bias, take the row max, exponentiate with a
 * vectorized expf and sum, then turn the row into scale * (p - onehot). The per-row loop
 * only ever touches one row of V floats, which stays in L1/L2 across its passes. */
#include "lmsoftmax.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/blas.h"
#include "kernels/vmath.h"

/* Rows of H per sgemm block of the full softmax: 256 x V floats (10 MB at V = 10k) is
 * large enough that the three products run near OpenBLAS's peak and small enough to bound
 * the work buffer whatever the batch. Large vocabularies get fewer rows, so that the
 * buffer stays near LMSOFTMAX_WORK_FLOATS (64 MB), but never fewer than LMSOFTMAX_MIN_ROWS. */
enum { LMSOFTMAX_BLOCK = 256, LMSOFTMAX_MIN_ROWS = 8 };
#define LMSOFTMAX_WORK_FLOATS ((size_t)1 << 24)

/* Hash set slots kept on the stack by lmsampler_draw_unique before it mallocs. */
enum { LMSAMPLER_STACK_SLOTS = 4096 };

/* x[i] = exp(x[i] - shift) for x[i] <= shift; returns the sum in double. Arguments below
 * -87 (also -inf and NaN) are clamped to -87, giving 1.6e-38 instead of 0: invisible next
 * to the row max's term 1. Callers that need NaN propagation check for it themselves. */
static double
exp_shift_sum(float *x, size_t n, float shift)
{
    const vm_v4f lo = VM_SPLAT(-87.0f);
    double total = 0.0;
    size_t i = 0;

    while (i + 8 <= n) {
        vm_v4f acc0 = VM_SPLAT(0.0f), acc1 = acc0;
        /* flush the float lanes into the double every 256 values to bound the rounding */
        for (int c = 0; c < 32 && i + 8 <= n; c++, i += 8) {
            vm_v4f t0, t1;
            memcpy(&t0, x + i, sizeof t0);
            memcpy(&t1, x + i + 4, sizeof t1);
            t0 = vm_exp4(vm_max4(t0 - shift, lo));
            t1 = vm_exp4(vm_max4(t1 - shift, lo));
            memcpy(x + i, &t0, sizeof t0);
            memcpy(x + i + 4, &t1, sizeof t1);
            acc0 += t0;
            acc1 += t1;
        }
        acc0 += acc1;
        total += (double)((acc0[0] + acc0[2]) + (acc0[1] + acc0[3]));
    }
    for (; i < n; i++) {
        x[i] = expf(x[i] - shift);
        total += x[i];
    }
    return total;
}

/* z += bias; returns max(z) and sets *bad if any value is NaN or +inf (a -inf logit is a
 * probability of 0, which the softmax handles). Two chains of 4 lanes for throughput. */
static float
add_bias_max(float *z, const float *bias, size_t n, int *bad)
{
    vm_v4f m0 = VM_SPLAT(-FLT_MAX), m1 = m0;
    vm_v4i nan0 = {0, 0, 0, 0}, nan1 = nan0;
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        vm_v4f v0, v1, w0, w1;
        memcpy(&v0, z + j, sizeof v0);
        memcpy(&v1, z + j + 4, sizeof v1);
        memcpy(&w0, bias + j, sizeof w0);
        memcpy(&w1, bias + j + 4, sizeof w1);
        v0 += w0;
        v1 += w1;
        memcpy(z + j, &v0, sizeof v0);
        memcpy(z + j + 4, &v1, sizeof v1);
        const vm_v4i g0 = v0 > m0, g1 = v1 > m1;
        m0 = (vm_v4f)(((vm_v4i)v0 & g0) | ((vm_v4i)m0 & ~g0));
        m1 = (vm_v4f)(((vm_v4i)v1 & g1) | ((vm_v4i)m1 & ~g1));
        nan0 |= v0 != v0;
        nan1 |= v1 != v1;
    }
    float m = -FLT_MAX;
    int isbad = 0;
    for (int k = 0; k < 4; k++) {
        m = m0[k] > m ? m0[k] : m;
        m = m1[k] > m ? m1[k] : m;
        isbad |= nan0[k] | nan1[k];
    }
    for (; j < n; j++) {
        const float v = z[j] + bias[j];
        z[j] = v;
        m = v > m ? v : m;
        isbad |= isnan(v);
    }
    *bad = isbad || m == INFINITY;
    return m;
}

static void
scale_row(float *z, size_t n, float a)
{
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        vm_v4f v;
        memcpy(&v, z + j, sizeof v);
        v *= a;
        memcpy(z + j, &v, sizeof v);
    }
    for (; j < n; j++)
        z[j] *= a;
}

/* y += x; explicit vectors because y and x may alias as far as the compiler knows */
static void
add_row(float *y, const float *x, size_t n)
{
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
        vm_v4f a, b;
        memcpy(&a, y + j, sizeof a);
        memcpy(&b, x + j, sizeof b);
        a += b;
        memcpy(y + j, &a, sizeof a);
    }
    for (; j < n; j++)
        y[j] += x[j];
}

static size_t
full_block_rows(size_t V)
{
    const size_t rows = V > 0 ? LMSOFTMAX_WORK_FLOATS / V : LMSOFTMAX_BLOCK;
    return rows > LMSOFTMAX_BLOCK ? LMSOFTMAX_BLOCK
                                  : rows < LMSOFTMAX_MIN_ROWS ? LMSOFTMAX_MIN_ROWS : rows;
}

size_t
lmsoftmax_full_work(size_t V, size_t n)
{
    const size_t rows = full_block_rows(V);
    return (n < rows ? n : rows) * V;
}

/* Softmax of one row of logits z[V] (bias already added) with target t: returns the loss
 * and, if train, leaves scale * (p - onehot(t)) in z. A non-finite row gives a NaN loss
 * and a NaN gradient, so that training notices instead of learning from garbage. */
static double
full_row(float *z, size_t V, uint32_t t, float m, int bad, float scale, int train)
{
    if (bad || t >= V) {
        if (train)
            for (size_t j = 0; j < V; j++)
                z[j] = NAN;
        return NAN;
    }
    const float zt = z[t];
    const double sum = exp_shift_sum(z, V, m);
    if (train) {
        scale_row(z, V, (float)(scale / sum));
        z[t] -= scale;
    }
    return log(sum) + (double)m - (double)zt;
}

double
lmsoftmax_full(const float *W, const float *b, size_t V, size_t d, const float *H,
               const uint32_t *tgt, size_t n, float scale, float *dH, float *dW, float *db,
               float *work)
{
    const int train = dH != NULL;
    const size_t rows = full_block_rows(V);
    double loss = 0.0;

    for (size_t r0 = 0; r0 < n; r0 += rows) {
        const size_t m = n - r0 < rows ? n - r0 : rows;
        const float *Hb = H + r0 * d;
        size_t live = 0;
        for (size_t i = 0; i < m; i++)
            live += tgt[r0 + i] != LMSOFTMAX_SKIP;
        if (live == 0)
            continue;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)V, (int)d, 1.0f, Hb,
                    (int)d, W, (int)d, 0.0f, work, (int)V);
        for (size_t i = 0; i < m; i++) {
            float *z = work + i * V;
            const uint32_t t = tgt[r0 + i];
            if (t == LMSOFTMAX_SKIP) {
                if (train)
                    memset(z, 0, V * sizeof *z);
                continue;
            }
            int bad;
            const float mx = add_bias_max(z, b, V, &bad);
            loss += full_row(z, V, t, mx, bad, scale, train);
        }
        if (!train)
            continue;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)d, (int)V, 1.0f,
                    work, (int)V, W, (int)d, 1.0f, dH + r0 * d, (int)d);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)V, (int)d, (int)m, 1.0f,
                    work, (int)V, Hb, (int)d, 1.0f, dW, (int)d);
        for (size_t i = 0; i < m; i++)
            add_row(db, work + i * V, V);
    }
    return loss;
}

void
lmsampler_init(struct lmsampler *s, uint32_t V)
{
    s->V = V;
    s->log_v1 = log((double)V + 1.0);
}

double
lmsampler_prob(const struct lmsampler *s, uint32_t k)
{
    /* log((k+2)/(k+1)) without the cancellation of a quotient near 1 */
    return log1p(1.0 / ((double)k + 1.0)) / s->log_v1;
}

/* One draw, as TensorFlow's LogUniformSampler::Sample: floor(exp(u log(V+1))) - 1. */
static uint32_t
lmsampler_draw(const struct lmsampler *s, struct rng *r)
{
    const double v = exp(rng_unit_f64(r) * s->log_v1); /* in [1, V+1) */
    const uint64_t k = (uint64_t)v - 1;
    return k < s->V ? (uint32_t)k : s->V - 1; /* exp rounding may reach V+1 */
}

/* Open-addressing hash tables over class ids, with linear probing; slots is a power of
 * two at least twice the number of keys. */
static size_t
hash_slots(size_t keys)
{
    size_t slots = 16;
    while (slots < 2 * keys)
        slots *= 2;
    return slots;
}

static size_t
hash_id(uint32_t k, size_t mask)
{
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

/* Inserts k into the set tab[mask+1] (slot value k+1, 0 empty); returns 1 if k was new. */
static int
set_insert(uint32_t *tab, size_t mask, uint32_t k)
{
    size_t h = hash_id(k, mask);
    while (tab[h] != 0) {
        if (tab[h] == k + 1)
            return 0;
        h = (h + 1) & mask;
    }
    tab[h] = k + 1;
    return 1;
}

uint64_t
lmsampler_draw_unique(const struct lmsampler *s, struct rng *r, uint32_t *out, uint32_t S)
{
    uint32_t stack_tab[LMSAMPLER_STACK_SLOTS];
    const size_t slots = hash_slots(S);
    uint32_t *tab = slots <= LMSAMPLER_STACK_SLOTS ? stack_tab : calloc(slots, sizeof *tab);
    if (tab == stack_tab)
        memset(tab, 0, slots * sizeof *tab);
    uint64_t tries = 0;
    uint32_t got = 0;

    while (got < S) {
        const uint32_t k = lmsampler_draw(s, r);
        tries++;
        int fresh = 1;
        if (tab != NULL) {
            fresh = set_insert(tab, slots - 1, k);
        } else { /* out of memory: the same result by linear search, only slower */
            for (uint32_t j = 0; j < got && fresh; j++)
                fresh = out[j] != k;
        }
        if (fresh)
            out[got++] = k;
    }
    if (tab != stack_tab)
        free(tab);
    return tries;
}

double
lmsampler_expected(const struct lmsampler *s, uint32_t k, uint64_t tries)
{
    return -expm1((double)tries * log1p(-lmsampler_prob(s, k)));
}

size_t
lmsoftmax_sampled_work(size_t S, size_t n, size_t d)
{
    /* gathered rows, their gradient, adjusted sample biases, logits/gradients, the true
     * class's logit gradient per row, and the class -> sample index table */
    return 2 * S * d + S + n * S + n + hash_slots(S);
}

/* The map from class id to its position among the samples lives in the float work
 * buffer; memcpy keeps the uint32 accesses free of aliasing trouble. Slot value j+1, 0
 * empty; a repeated sample keeps its first position. */
static void
index_build(float *tab, size_t slots, const uint32_t *samples, size_t S)
{
    memset(tab, 0, slots * sizeof *tab);
    for (size_t j = 0; j < S; j++) {
        size_t h = hash_id(samples[j], slots - 1);
        for (;; h = (h + 1) & (slots - 1)) {
            uint32_t v;
            memcpy(&v, tab + h, sizeof v);
            if (v != 0 && samples[v - 1] == samples[j])
                break;
            if (v == 0) {
                v = (uint32_t)j + 1;
                memcpy(tab + h, &v, sizeof v);
                break;
            }
        }
    }
}

/* The position of class t among the samples, or S if it is not one. */
static size_t
index_find(const float *tab, size_t slots, const uint32_t *samples, size_t S, uint32_t t)
{
    for (size_t h = hash_id(t, slots - 1);; h = (h + 1) & (slots - 1)) {
        uint32_t v;
        memcpy(&v, tab + h, sizeof v);
        if (v == 0)
            return S;
        if (samples[v - 1] == t)
            return v - 1;
    }
}

/* One row of the sampled softmax: z[S] holds h.w_s; zt the true logit, both already
 * corrected. Returns the loss and, if train, leaves scale * p in z (0 at an accidental
 * hit) and scale * (p_true - 1) in *gt. */
static double
sampled_row(float *z, const float *bs, size_t S, size_t hit, float zt, float scale, int train,
            float *gt)
{
    int bad;
    float mx = add_bias_max(z, bs, S, &bad);
    if (hit < S) { /* accidental hit: out of the softmax */
        z[hit] = -INFINITY;
        mx = -FLT_MAX;
        for (size_t j = 0; j < S; j++)
            mx = z[j] > mx ? z[j] : mx;
    }
    mx = zt > mx ? zt : mx;
    if (bad || !isfinite(zt)) {
        if (train) {
            for (size_t j = 0; j < S; j++)
                z[j] = NAN;
            *gt = NAN;
        }
        return NAN;
    }
    const float et = expf(zt - mx);
    const double sum = exp_shift_sum(z, S, mx) + et;
    if (hit < S)
        z[hit] = 0.0f; /* exactly, not exp(-87) */
    if (train) {
        scale_row(z, S, (float)(scale / sum));
        *gt = (float)(scale * (et / sum - 1.0));
    }
    return log(sum) + (double)mx - (double)zt;
}

double
lmsoftmax_sampled(const float *W, const float *b, size_t V, size_t d, const float *H,
                  const uint32_t *tgt, size_t n, const struct lmsampler *smp,
                  const uint32_t *samples, size_t S, uint64_t tries, float scale, float *dH,
                  float *dW, float *db, float *work)
{
    const int train = dH != NULL;
    float *Ws = work, *dWs = Ws + S * d, *bs = dWs + S * d, *Z = bs + S, *gt = Z + n * S;
    float *tab = gt + n;
    const size_t slots = hash_slots(S);
    double loss = 0.0;

    index_build(tab, slots, samples, S);
    for (size_t j = 0; j < S; j++) {
        memcpy(Ws + j * d, W + (size_t)samples[j] * d, d * sizeof *Ws);
        bs[j] = (float)((double)b[samples[j]] - log(lmsampler_expected(smp, samples[j], tries)));
    }
    if (S > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)S, (int)d, 1.0f, H,
                    (int)d, Ws, (int)d, 0.0f, Z, (int)S);
    for (size_t i = 0; i < n; i++) {
        float *z = Z + i * S;
        const uint32_t t = tgt[i];
        gt[i] = 0.0f;
        if (t == LMSOFTMAX_SKIP) {
            memset(z, 0, S * sizeof *z);
            continue;
        }
        if (t >= V) {
            for (size_t j = 0; j < S; j++)
                z[j] = NAN;
            loss = NAN;
            continue;
        }
        const float *h = H + i * d, *wt = W + (size_t)t * d;
        float dot = 0.0f;
        for (size_t k = 0; k < d; k++)
            dot += h[k] * wt[k];
        const float zt =
            (float)((double)dot + b[t] - log(lmsampler_expected(smp, t, tries)));
        const size_t hit = index_find(tab, slots, samples, S, t);
        loss += sampled_row(z, bs, S, hit, zt, scale, train, &gt[i]);
    }
    if (!train)
        return loss;
    if (S > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d, (int)S, 1.0f, Z,
                    (int)S, Ws, (int)d, 1.0f, dH, (int)d);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)S, (int)d, (int)n, 1.0f, Z,
                    (int)S, H, (int)d, 0.0f, dWs, (int)d);
    }
    /* column sums of Z, row by row for locality, into bs (no longer needed) */
    memset(bs, 0, S * sizeof *bs);
    for (size_t i = 0; i < n; i++)
        add_row(bs, Z + i * S, S);
    for (size_t j = 0; j < S; j++) {
        float *dw = dW + (size_t)samples[j] * d;
        add_row(dw, dWs + j * d, d);
        db[samples[j]] += bs[j];
    }
    for (size_t i = 0; i < n; i++) {
        const uint32_t t = tgt[i];
        if (t == LMSOFTMAX_SKIP || t >= V)
            continue;
        const float g = gt[i], *h = H + i * d, *wt = W + (size_t)t * d;
        float *dh = dH + i * d, *dw = dW + (size_t)t * d;
        for (size_t k = 0; k < d; k++) {
            dh[k] += g * wt[k];
            dw[k] += g * h[k];
        }
        db[t] += g;
    }
    return loss;
}
