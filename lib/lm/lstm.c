/* lstm.c - LSTMP layer forward and backward (see lstm.h). The three large products of a
 * sequence (inputs to gates, and in backward the weight gradients and input gradients) are
 * single sgemm calls over all T x B rows; the recurrence does one small sgemm per step. */
#include "lstm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/blas.h"
#include "kernels/vmath.h"

struct lstm_cache {
    size_t tmax, bmax;
    float *z;     /* [T*B][4H] gate activations i, f, g, o (after the nonlinearity) */
    float *cs;    /* [(T+1)*B][H] c_{-1} (start state), c_0 .. c_{T-1} */
    float *tc;    /* [T*B][H] tanh(c_t) */
    float *m;     /* [T*B][H] o * tanh(c) (the projection's input) */
    float *hs;    /* [(T+1)*B][out] h_{-1}, h_0 .. h_{T-1} */
    float *dz;    /* [T*B][4H] */
    float *dh;    /* [B][out] recurrent gradient */
    float *dc;    /* [B][H] */
    float *dm;    /* [B][H] */
};

size_t
lstm_param_count(const struct lstm_cfg *c)
{
    const size_t H = c->hidden, out = lstm_out(c);
    return 4 * H * c->in + 4 * H * out + 4 * H + (c->proj ? (size_t)c->proj * H : 0);
}

void
lstm_bind(struct lstm *l, const struct lstm_cfg *c, float *base)
{
    const size_t H = c->hidden, out = lstm_out(c);
    l->c = *c;
    l->wx = base;
    l->wh = l->wx + 4 * H * c->in;
    l->b = l->wh + 4 * H * out;
    l->p = c->proj ? l->b + 4 * H : NULL;
}

void
lstm_cache_free(struct lstm_cache *k)
{
    if (k == NULL)
        return;
    free(k->z);
    free(k->cs);
    free(k->tc);
    free(k->m);
    free(k->hs);
    free(k->dz);
    free(k->dh);
    free(k->dc);
    free(k->dm);
    free(k);
}

struct lstm_cache *
lstm_cache_new(const struct lstm_cfg *c, size_t tmax, size_t bmax)
{
    struct lstm_cache *k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    const size_t H = c->hidden, out = lstm_out(c), n = tmax * bmax;
    k->tmax = tmax;
    k->bmax = bmax;
    k->z = malloc(n * 4 * H * sizeof(float));
    k->cs = malloc((n + bmax) * H * sizeof(float));
    k->tc = malloc(n * H * sizeof(float));
    k->m = malloc(n * H * sizeof(float));
    k->hs = malloc((n + bmax) * out * sizeof(float));
    k->dz = malloc(n * 4 * H * sizeof(float));
    k->dh = malloc(bmax * out * sizeof(float));
    k->dc = malloc(bmax * H * sizeof(float));
    k->dm = malloc(bmax * H * sizeof(float));
    if (!k->z || !k->cs || !k->tc || !k->m || !k->hs || !k->dz || !k->dh || !k->dc || !k->dm) {
        lstm_cache_free(k);
        return NULL;
    }
    return k;
}

static inline float
clampf(float x, float lim)
{
    return x > lim ? lim : x < -lim ? -lim : x;
}

/* The cell update of one step for B rows: z holds pre-activations on entry and
 * activations on return. */
static void
cell_step(const struct lstm_cfg *cf, float *z, const float *cprev, float *c, float *tc,
          float *m, size_t B)
{
    const size_t H = cf->hidden;
    for (size_t j = 0; j < B; j++) {
        float *zi = z + j * 4 * H, *zf = zi + H, *zg = zf + H, *zo = zg + H;
        const float *cp = cprev + j * H;
        float *cj = c + j * H, *tcj = tc + j * H, *mj = m + j * H;
        vm_sigmoid(zi, 2 * H);   /* i and f are adjacent */
        vm_tanh(zg, zg, H);
        vm_sigmoid(zo, H);
        for (size_t u = 0; u < H; u++) {
            float cv = zf[u] * cp[u] + zi[u] * zg[u];
            if (cf->cell_clip > 0)
                cv = clampf(cv, cf->cell_clip);
            cj[u] = cv;
        }
        vm_tanh(cj, tcj, H);
        for (size_t u = 0; u < H; u++)
            mj[u] = zo[u] * tcj[u];
    }
}

void
lstm_forward(const struct lstm *l, const float *x, size_t T, size_t B, float *y, float *h,
             float *c, struct lstm_cache *k)
{
    const struct lstm_cfg *cf = &l->c;
    const size_t H = cf->hidden, G = 4 * H, out = lstm_out(cf), n = T * B;
    /* all input-to-gate products at once */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)G, (int)cf->in, 1.0f, x,
                (int)cf->in, l->wx, (int)cf->in, 0.0f, k->z, (int)G);
    for (size_t r = 0; r < n; r++)
        for (size_t u = 0; u < G; u++)
            k->z[r * G + u] += l->b[u];
    memcpy(k->cs, c, B * H * sizeof(float));
    memcpy(k->hs, h, B * out * sizeof(float));
    for (size_t t = 0; t < T; t++) {
        float *zt = k->z + t * B * G;
        const float *hprev = k->hs + t * B * out;
        float *ht = k->hs + (t + 1) * B * out;
        /* one sequence (inference): a matrix-vector product; sgemm would repack Wh each step */
        if (B == 1)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)G, (int)out, 1.0f, l->wh, (int)out,
                        hprev, 1, 1.0f, zt, 1);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)G, (int)out, 1.0f,
                        hprev, (int)out, l->wh, (int)out, 1.0f, zt, (int)G);
        float *mt = k->m + t * B * H;
        cell_step(cf, zt, k->cs + t * B * H, k->cs + (t + 1) * B * H, k->tc + t * B * H, mt, B);
        if (cf->proj) {
            if (B == 1)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)out, (int)H, 1.0f, l->p, (int)H,
                            mt, 1, 0.0f, ht, 1);
            else
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)out, (int)H,
                            1.0f, mt, (int)H, l->p, (int)H, 0.0f, ht, (int)out);
            if (cf->proj_clip > 0)
                for (size_t q = 0; q < B * out; q++)
                    ht[q] = clampf(ht[q], cf->proj_clip);
        } else {
            memcpy(ht, mt, B * H * sizeof(float));
        }
    }
    memcpy(y, k->hs + B * out, n * out * sizeof(float));
    memcpy(h, k->hs + n * out, B * out * sizeof(float));
    memcpy(c, k->cs + n * H, B * H * sizeof(float));
}

void
lstm_backward(const struct lstm *l, struct lstm *g, const float *x, size_t T, size_t B,
              float *dy, float *dx, struct lstm_cache *k)
{
    const struct lstm_cfg *cf = &l->c;
    const size_t H = cf->hidden, G = 4 * H, out = lstm_out(cf), n = T * B;
    memset(k->dh, 0, B * out * sizeof(float));
    memset(k->dc, 0, B * H * sizeof(float));
    for (size_t t = T; t-- > 0;) {
        float *dht = dy + t * B * out;
        const float *ht = k->hs + (t + 1) * B * out;
        for (size_t q = 0; q < B * out; q++) {
            float d = dht[q] + k->dh[q];
            /* a clipped output passes no gradient */
            if (cf->proj && cf->proj_clip > 0 && fabsf(ht[q]) >= cf->proj_clip)
                d = 0;
            dht[q] = d;
        }
        const float *dm = dht;
        if (cf->proj) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)H, (int)out,
                        1.0f, dht, (int)out, l->p, (int)H, 0.0f, k->dm, (int)H);
            dm = k->dm;
        }
        const float *zt = k->z + t * B * G, *tct = k->tc + t * B * H;
        const float *ct = k->cs + (t + 1) * B * H, *cp = k->cs + t * B * H;
        float *dzt = k->dz + t * B * G;
        for (size_t j = 0; j < B; j++) {
            const float *zi = zt + j * G, *zf = zi + H, *zg = zf + H, *zo = zg + H;
            float *di = dzt + j * G, *df = di + H, *dg = df + H, *dO = dg + H;
            float *dcj = k->dc + j * H;
            for (size_t u = 0; u < H; u++) {
                const size_t q = j * H + u;
                const float i = zi[u], f = zf[u], gg = zg[u], o = zo[u], tcv = tct[q];
                const float dmv = dm[q];
                float dc = dcj[u] + dmv * o * (1 - tcv * tcv);
                if (cf->cell_clip > 0 && fabsf(ct[q]) >= cf->cell_clip)
                    dc = 0;
                dO[u] = dmv * tcv * o * (1 - o);
                di[u] = dc * gg * i * (1 - i);
                dg[u] = dc * i * (1 - gg * gg);
                df[u] = dc * cp[q] * f * (1 - f);
                dcj[u] = dc * f;
            }
        }
        if (t > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)out, (int)G,
                        1.0f, dzt, (int)G, l->wh, (int)out, 0.0f, k->dh, (int)out);
    }
    /* weight gradients and input gradients over all steps at once */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)G, (int)cf->in, (int)n, 1.0f,
                k->dz, (int)G, x, (int)cf->in, 1.0f, g->wx, (int)cf->in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)G, (int)out, (int)n, 1.0f,
                k->dz, (int)G, k->hs, (int)out, 1.0f, g->wh, (int)out);
    for (size_t r = 0; r < n; r++)
        for (size_t u = 0; u < G; u++)
            g->b[u] += k->dz[r * G + u];
    if (cf->proj)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)H, (int)n, 1.0f, dy,
                    (int)out, k->m, (int)H, 1.0f, g->p, (int)H);
    if (dx != NULL)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)cf->in, (int)G,
                    1.0f, k->dz, (int)G, l->wx, (int)cf->in, 0.0f, dx, (int)cf->in);
}
