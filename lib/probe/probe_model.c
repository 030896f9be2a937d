/* probe_model.c - the probe's parameters, forward and backward passes (batched GEMMs
 * through cblas), prediction and the Adam step (probe.h). */
#include "probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "common/rng.h"
#include "common/status.h"
#include "kernels/blas.h"
#include "kernels/vec.h"
#include "probe_labels.h"

int
probe_cfg_check(const struct probe_cfg *c)
{
    if (c->layers == 0 || c->layers > PROBE_MAX_LAYERS || c->dim == 0 || c->classes == 0)
        return WP_ERANGE;
    if (!c->mix && c->layers != 1)
        return WP_ERANGE;
    /* keep every matrix addressable with int (cblas) and every block with size_t */
    const uint64_t in = c->hidden ? c->hidden : c->dim;
    if (c->dim > (1u << 24) || c->hidden > (1u << 24) || c->classes > (1u << 24)
        || (uint64_t)c->hidden * c->dim > INT32_MAX || in * c->classes > INT32_MAX
        || (uint64_t)c->layers * c->dim > INT32_MAX)
        return WP_ERANGE;
    return WP_OK;
}

size_t
probe_nparams(const struct probe_cfg *c)
{
    const size_t in = c->hidden ? c->hidden : c->dim;
    size_t n = c->mix ? (size_t)c->layers + 1 : 0;
    if (c->hidden)
        n += (size_t)c->hidden * c->dim + c->hidden;
    return n + (size_t)c->classes * in + c->classes;
}

void
probe_view(const struct probe_cfg *c, float *base, struct probe_view *v)
{
    const size_t in = c->hidden ? c->hidden : c->dim;
    float *p = base;
    memset(v, 0, sizeof *v);
    if (c->mix) {
        v->mix_s = p;
        p += c->layers;
        v->gamma = p++;
    }
    if (c->hidden) {
        v->w1 = p;
        p += (size_t)c->hidden * c->dim;
        v->b1 = p;
        p += c->hidden;
    }
    v->w2 = p;
    p += (size_t)c->classes * in;
    v->b2 = p;
}

static void
glorot(struct rng *r, float *w, size_t rows, size_t cols)
{
    const float a = sqrtf(6.0f / (float)(rows + cols));
    for (size_t i = 0; i < rows * cols; i++)
        w[i] = (2.0f * rng_unit(r) - 1.0f) * a;
}

int
probe_new(struct probe **out, const struct probe_cfg *c, uint64_t seed)
{
    WP_TRY(probe_cfg_check(c));
    struct probe *m = calloc(1, sizeof *m);
    if (m == NULL)
        return WP_ENOMEM;
    const size_t nf = (size_t)c->layers * c->dim;
    m->c = *c;
    m->src_layers = c->layers;
    m->nparams = probe_nparams(c);
    m->w = calloc(m->nparams, sizeof *m->w);
    m->mean = calloc(nf, sizeof *m->mean);
    m->istd = malloc(nf * sizeof *m->istd);
    if (m->w == NULL || m->mean == NULL || m->istd == NULL) {
        probe_free(m);
        return WP_ENOMEM;
    }
    for (size_t i = 0; i < nf; i++)
        m->istd[i] = 1.0f;
    probe_view(c, m->w, &m->p);
    struct rng r;
    rng_seed(&r, seed, 0x70726f6265ULL); /* "probe" */
    if (c->mix)
        *m->p.gamma = 1.0f;
    if (c->hidden)
        glorot(&r, m->p.w1, c->hidden, c->dim);
    glorot(&r, m->p.w2, c->classes, c->hidden ? c->hidden : c->dim);
    *out = m;
    return WP_OK;
}

void
probe_free(struct probe *m)
{
    if (m == NULL)
        return;
    free(m->w);
    free(m->mean);
    free(m->istd);
    free(m->words);
    probe_labels_free(m->labels);
    free(m);
}

int
probe_work_init(struct probe_work *w, const struct probe_cfg *c, size_t cap)
{
    memset(w, 0, sizeof *w);
    const size_t H = c->hidden ? c->hidden : 1;
    w->cap = cap;
    w->u = malloc(cap * c->dim * sizeof *w->u);
    w->du = malloc(cap * c->dim * sizeof *w->du);
    w->h = malloc(cap * H * sizeof *w->h);
    w->dh = malloc(cap * H * sizeof *w->dh);
    w->p = malloc(cap * c->classes * sizeof *w->p);
    w->dz = malloc(cap * c->classes * sizeof *w->dz);
    if (w->u == NULL || w->du == NULL || w->h == NULL || w->dh == NULL || w->p == NULL
        || w->dz == NULL) {
        probe_work_free(w);
        return WP_ENOMEM;
    }
    return WP_OK;
}

void
probe_work_free(struct probe_work *w)
{
    free(w->u);
    free(w->du);
    free(w->h);
    free(w->dh);
    free(w->p);
    free(w->dz);
    memset(w, 0, sizeof *w);
}

/* softmax over n values in place, max-shifted */
static void
softmax(float *z, size_t n)
{
    float mx = z[0];
    for (size_t j = 1; j < n; j++)
        mx = z[j] > mx ? z[j] : mx;
    float s = 0;
    for (size_t j = 0; j < n; j++) {
        z[j] = expf(z[j] - mx);
        s += z[j];
    }
    const float inv = 1.0f / s;
    for (size_t j = 0; j < n; j++)
        z[j] *= inv;
}

/* out [B][N] = in [B][K] x W^T ([N][K]) + b, rows of out each softmaxed or not */
static void
affine(const float *in, const float *W, const float *b, size_t B, size_t N, size_t K, float *out)
{
    for (size_t i = 0; i < B; i++)
        memcpy(out + i * N, b, N * sizeof *out);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)N, (int)K, 1.0f, in,
                (int)K, W, (int)K, 1.0f, out, (int)N);
}

/* u [B][D] = gamma x sum_l a_l x[b][l] */
static void
mix_forward(const struct probe *m, const float *x, size_t B, struct probe_work *w)
{
    const size_t L = m->c.layers, D = m->c.dim;
    for (size_t l = 0; l < L; l++)
        w->a[l] = m->p.mix_s[l];
    softmax(w->a, L);
    const float g = *m->p.gamma;
    for (size_t b = 0; b < B; b++) {
        float *u = w->u + b * D;
        const float *xb = x + b * L * D;
        for (size_t d = 0; d < D; d++)
            u[d] = w->a[0] * xb[d];
        for (size_t l = 1; l < L; l++) {
            const float al = w->a[l];
            for (size_t d = 0; d < D; d++)
                u[d] += al * xb[l * D + d];
        }
        for (size_t d = 0; d < D; d++)
            u[d] *= g;
    }
}

void
probe_forward(const struct probe *m, const float *x, size_t B, struct probe_work *w)
{
    const size_t D = m->c.dim, H = m->c.hidden, C = m->c.classes;
    const float *u = x;
    if (m->c.mix) {
        mix_forward(m, x, B, w);
        u = w->u;
    }
    if (H) {
        affine(u, m->p.w1, m->p.b1, B, H, D, w->h);
        for (size_t i = 0; i < B * H; i++)
            w->h[i] = w->h[i] > 0 ? w->h[i] : 0;
        affine(w->h, m->p.w2, m->p.b2, B, C, H, w->p);
    } else {
        affine(u, m->p.w2, m->p.b2, B, C, D, w->p);
    }
    for (size_t b = 0; b < B; b++)
        softmax(w->p + b * C, C);
}

double
probe_loss(const struct probe *m, const struct probe_work *w, const uint32_t *y, size_t B,
           float l2)
{
    const size_t C = m->c.classes, D = m->c.dim, H = m->c.hidden;
    double s = 0;
    for (size_t b = 0; b < B; b++) {
        const float p = w->p[b * C + y[b]];
        s -= log(p > 1e-30f ? (double)p : 1e-30);
    }
    s /= (double)(B ? B : 1);
    if (l2 > 0) {
        double r = vec_sumsq_f64(m->p.w2, C * (H ? H : D));
        if (H)
            r += vec_sumsq_f64(m->p.w1, H * D);
        s += 0.5 * l2 * r;
    }
    return s;
}

/* dW [N][K] = dout^T [N][B] x in [B][K]; db [N] = column sums of dout [B][N] */
static void
affine_grad(const float *dout, const float *in, size_t B, size_t N, size_t K, float *dW,
            float *db)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)N, (int)K, (int)B, 1.0f, dout,
                (int)N, in, (int)K, 0.0f, dW, (int)K);
    memset(db, 0, N * sizeof *db);
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < N; j++)
            db[j] += dout[b * N + j];
}

/* din [B][K] = dout [B][N] x W [N][K] */
static void
affine_back_in(const float *dout, const float *W, size_t B, size_t N, size_t K, float *din)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)K, (int)N, 1.0f, dout,
                (int)N, W, (int)K, 0.0f, din, (int)K);
}

static void
mix_backward(const struct probe *m, const float *x, size_t B, const struct probe_work *w,
             struct probe_view *g)
{
    const size_t L = m->c.layers, D = m->c.dim;
    const float gamma = *m->p.gamma;
    double da[PROBE_MAX_LAYERS] = {0}, dgamma = 0;
    for (size_t b = 0; b < B; b++) {
        const float *du = w->du + b * D, *xb = x + b * L * D;
        for (size_t l = 0; l < L; l++) {
            double s = 0;
            for (size_t d = 0; d < D; d++)
                s += (double)du[d] * xb[l * D + d];
            da[l] += s;             /* d/d a_l, before the factor gamma */
            dgamma += w->a[l] * s;  /* u / gamma = sum_l a_l x_l */
        }
    }
    *g->gamma = (float)dgamma;
    double dot = 0;
    for (size_t l = 0; l < L; l++)
        dot += w->a[l] * gamma * da[l];
    for (size_t l = 0; l < L; l++)
        g->mix_s[l] = (float)(w->a[l] * (gamma * da[l] - dot));
}

void
probe_backward(const struct probe *m, const float *x, const uint32_t *y, size_t B, float l2,
               struct probe_work *w, float *grad)
{
    const size_t D = m->c.dim, H = m->c.hidden, C = m->c.classes;
    const float *u = m->c.mix ? w->u : x;
    struct probe_view g;
    probe_view(&m->c, grad, &g);
    const float invB = 1.0f / (float)B;
    for (size_t b = 0; b < B; b++) {
        float *dz = w->dz + b * C;
        const float *p = w->p + b * C;
        for (size_t j = 0; j < C; j++)
            dz[j] = p[j] * invB;
        dz[y[b]] -= invB;
    }
    if (H) {
        affine_grad(w->dz, w->h, B, C, H, g.w2, g.b2);
        affine_back_in(w->dz, m->p.w2, B, C, H, w->dh);
        for (size_t i = 0; i < B * H; i++)
            if (w->h[i] <= 0)
                w->dh[i] = 0;
        affine_grad(w->dh, u, B, H, D, g.w1, g.b1);
        if (m->c.mix)
            affine_back_in(w->dh, m->p.w1, B, H, D, w->du);
    } else {
        affine_grad(w->dz, u, B, C, D, g.w2, g.b2);
        if (m->c.mix)
            affine_back_in(w->dz, m->p.w2, B, C, D, w->du);
    }
    if (m->c.mix)
        mix_backward(m, x, B, w, &g);
    if (l2 > 0) {
        const size_t n2 = C * (H ? H : D);
        for (size_t i = 0; i < n2; i++)
            g.w2[i] += l2 * m->p.w2[i];
        for (size_t i = 0; H && i < H * D; i++)
            g.w1[i] += l2 * m->p.w1[i];
    }
}

void
probe_predict(const struct probe *m, const float *x, size_t n, struct probe_work *w,
              uint32_t *pred)
{
    const size_t C = m->c.classes, k = (size_t)m->c.layers * m->c.dim;
    for (size_t i = 0; i < n; i += w->cap) {
        const size_t B = n - i < w->cap ? n - i : w->cap;
        probe_forward(m, x + i * k, B, w);
        for (size_t b = 0; b < B; b++) {
            const float *p = w->p + b * C;
            uint32_t best = 0;
            for (uint32_t j = 1; j < C; j++)
                if (p[j] > p[best])
                    best = j;
            pred[i + b] = best;
        }
    }
}

int
probe_adam_init(struct probe_adam *a, size_t n, float lr)
{
    memset(a, 0, sizeof *a);
    a->lr = lr;
    a->beta1 = 0.9f;
    a->beta2 = 0.999f;
    a->eps = 1e-8f;
    a->n = n;
    a->m = calloc(n, sizeof *a->m);
    a->v = calloc(n, sizeof *a->v);
    if (a->m == NULL || a->v == NULL) {
        probe_adam_free(a);
        return WP_ENOMEM;
    }
    return WP_OK;
}

void
probe_adam_step(struct probe_adam *a, float *w, const float *g)
{
    a->t++;
    const float b1 = a->beta1, b2 = a->beta2;
    const float c1 = 1.0f - (float)pow(b1, (double)a->t), c2 = 1.0f - (float)pow(b2, (double)a->t);
    const float step = a->lr / c1, ic2 = 1.0f / c2;
    for (size_t i = 0; i < a->n; i++) {
        a->m[i] = b1 * a->m[i] + (1.0f - b1) * g[i];
        a->v[i] = b2 * a->v[i] + (1.0f - b2) * g[i] * g[i];
        w[i] -= step * a->m[i] / (sqrtf(a->v[i] * ic2) + a->eps);
    }
}

void
probe_adam_free(struct probe_adam *a)
{
    free(a->m);
    free(a->v);
    a->m = a->v = NULL;
}

uint64_t
probe_word_hash(const void *word, size_t len)
{
    return XXH3_64bits(word, len);
}

int
probe_seen(const struct probe *m, uint64_t h)
{
    size_t lo = 0, hi = m->nwords;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (m->words[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->nwords && m->words[lo] == h;
}
