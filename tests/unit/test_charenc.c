/* test_charenc.c - the character encoder: character ids (UTF-8 safe cut, specials, padding),
 * the configuration check and the flat layout, the forward pass against a plain scalar
 * reference in double precision, and every parameter gradient against central finite
 * differences of that reference. */
#undef NDEBUG
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/rng.h"
#include "common/status.h"
#include "lm/charenc.h"

/* ---- character ids ---- */

static struct charenc_cfg
cfg_small(void)
{
    struct charenc_cfg c = {.max_chars = 10,
                            .char_dim = 4,
                            .nwidths = 3,
                            .widths = {1, 2, 3},
                            .filters = {3, 4, 5},
                            .highway = 2,
                            .out_dim = 6};
    return c;
}

/* chars of tok (a C string) must equal BOW, want (a C string of bytes), EOW, PAD... */
static int
chars_are(const struct charenc_cfg *c, const char *tok, const char *want)
{
    uint16_t out[64];
    const size_t wl = strlen(want);
    for (size_t i = 0; i < 64; i++)
        out[i] = 0xffff;
    charenc_chars(c, (const unsigned char *)tok, strlen(tok), 0, out);
    CHECK_EQ(CHARENC_BOW, out[0]);
    for (size_t i = 0; i < wl; i++)
        CHECK_EQ((unsigned char)want[i], out[1 + i]);
    CHECK_EQ(CHARENC_EOW, out[1 + wl]);
    for (size_t i = 2 + wl; i < c->max_chars; i++)
        CHECK_EQ(CHARENC_PAD, out[i]);
    CHECK_EQ(0xffff, out[c->max_chars]); /* writes exactly max_chars ids */
    return 0;
}

static int
test_chars_ascii_and_cut(void)
{
    const struct charenc_cfg c = cfg_small(); /* at most 8 bytes */
    CHECK(chars_are(&c, "cat", "cat") == 0);
    CHECK(chars_are(&c, "", "") == 0);
    CHECK(chars_are(&c, "abcdefgh", "abcdefgh") == 0);     /* exactly fits */
    CHECK(chars_are(&c, "abcdefghijkl", "abcdefgh") == 0); /* cut */
    struct charenc_cfg c3 = c;
    c3.max_chars = 3;
    CHECK(chars_are(&c3, "xyz", "x") == 0);
    return 0;
}

static int
test_chars_utf8_cut(void)
{
    const struct charenc_cfg c = cfg_small(); /* at most 8 bytes */
    /* e-acute (C3 A9) fits exactly in 8 bytes */
    CHECK(chars_are(&c, "aaaaaa\xc3\xa9", "aaaaaa\xc3\xa9") == 0);
    /* the cut at 8 would split C3 | A9: back off before C3 */
    CHECK(chars_are(&c, "aaaaaaa\xc3\xa9", "aaaaaaa") == 0);
    /* cut exactly at a code point boundary: keep 8 */
    CHECK(chars_are(&c, "aaaaaaa\xc3\xa9\xc3\xa9", "aaaaaaa") == 0);
    CHECK(chars_are(&c, "aaaaaa\xc3\xa9\xc3\xa9", "aaaaaa\xc3\xa9") == 0);
    /* a 4-byte code point (U+1F600) cut after its 3rd byte: back off 3 bytes */
    CHECK(chars_are(&c, "aaaaa\xf0\x9f\x98\x80", "aaaaa") == 0);
    /* 3-byte code point (U+20AC) cut after its 1st byte */
    CHECK(chars_are(&c, "aaaaaaa\xe2\x82\xac", "aaaaaaa") == 0);
    /* not UTF-8 at all (continuation bytes only): a plain byte cut, the word kept */
    CHECK(chars_are(&c, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80",
                    "\x80\x80\x80\x80\x80\x80\x80\x80") == 0);
    /* a lone 2-byte code point with room for one byte: nothing left, still BOW EOW */
    struct charenc_cfg c3 = c;
    c3.max_chars = 3;
    CHECK(chars_are(&c3, "\xc3\xa9", "") == 0);
    return 0;
}

static int
test_chars_specials(void)
{
    const struct charenc_cfg c = cfg_small();
    const int sp[2] = {CHARENC_BOS, CHARENC_EOS};
    for (int s = 0; s < 2; s++) {
        uint16_t out[10];
        charenc_chars(&c, (const unsigned char *)"ignored", 7, sp[s], out);
        CHECK_EQ(CHARENC_BOW, out[0]);
        CHECK_EQ(sp[s], out[1]);
        CHECK_EQ(CHARENC_EOW, out[2]);
        for (int i = 3; i < 10; i++)
            CHECK_EQ(CHARENC_PAD, out[i]);
    }
    return 0;
}

/* ---- configuration and layout ---- */

static int
test_cfg_check(void)
{
    const struct charenc_cfg good = cfg_small();
    CHECK_EQ(WP_OK, charenc_cfg_check(&good));
    struct charenc_cfg c;
    c = good, c.max_chars = 2;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.max_chars = 3, c.widths[2] = 3;
    CHECK_EQ(WP_OK, charenc_cfg_check(&c)); /* width == max_chars is one position */
    c = good, c.widths[1] = 11;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.widths[0] = 0;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.filters[2] = 0;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.nwidths = 0;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.nwidths = CHARENC_MAX_WIDTHS + 1;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.highway = CHARENC_MAX_HIGHWAY + 1;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.highway = 0;
    CHECK_EQ(WP_OK, charenc_cfg_check(&c));
    c = good, c.out_dim = 0;
    CHECK(charenc_cfg_check(&c) < 0);
    c = good, c.char_dim = 0;
    CHECK(charenc_cfg_check(&c) < 0);
    CHECK_EQ(0, charenc_param_count(&c)); /* invalid: no size */
    return 0;
}

static int
test_layout(void)
{
    const struct charenc_cfg c = cfg_small();
    /* F = 12: emb 261*4, conv 3*1*4+3, 4*2*4+4, 5*3*4+5, highway 2*(24*12+24), proj 6*12+6 */
    const size_t want = 261 * 4 + 15 + 36 + 65 + 2 * (288 + 24) + 78;
    const size_t cnt = charenc_param_count(&c);
    CHECK_EQ(want, cnt);
    float *base = calloc(cnt, sizeof(float));
    CHECK(base != NULL);
    struct charenc e;
    charenc_bind(&e, &c, base);
    CHECK_EQ(12, e.nfilt);
    const float *p = base;
    CHECK(e.emb == p);
    p += 261 * 4;
    for (uint32_t k = 0; k < 3; k++) {
        CHECK(e.conv_w[k] == p);
        p += c.filters[k] * c.widths[k] * 4;
        CHECK(e.conv_b[k] == p);
        p += c.filters[k];
    }
    for (uint32_t l = 0; l < 2; l++) {
        CHECK(e.hw_w[l] == p);
        p += 24 * 12;
        CHECK(e.hw_b[l] == p);
        p += 24;
    }
    CHECK(e.proj_w == p);
    p += 6 * 12;
    CHECK(e.proj_b == p);
    CHECK(e.proj_b + 6 == base + cnt);
    free(base);
    /* bilm-tf's small ELMo char CNN: widths 1..7, 2048 filters, 2 highway, 512 out */
    const struct charenc_cfg elmo = {.max_chars = 50,
                                     .char_dim = 16,
                                     .nwidths = 7,
                                     .widths = {1, 2, 3, 4, 5, 6, 7},
                                     .filters = {32, 32, 64, 128, 256, 512, 1024},
                                     .highway = 2,
                                     .out_dim = 512};
    /* 261*16 + 16*(32+64+192+512+1280+3072+7168) + 2048 + 2*(2*2048*2048 + 4096)
     * + 512*2048 + 512 */
    CHECK_EQ(18037840, charenc_param_count(&elmo));
    return 0;
}

static int
test_init(void)
{
    const struct charenc_cfg c = cfg_small();
    const size_t cnt = charenc_param_count(&c);
    float *a = malloc(cnt * sizeof(float)), *b = malloc(cnt * sizeof(float));
    CHECK(a != NULL && b != NULL);
    for (size_t i = 0; i < cnt; i++)
        a[i] = b[i] = 99.0f;
    struct charenc ea, eb;
    struct rng r;
    charenc_bind(&ea, &c, a);
    charenc_bind(&eb, &c, b);
    rng_seed(&r, 7, 0);
    charenc_init(&ea, &r, 0.05f);
    rng_seed(&r, 7, 0);
    charenc_init(&eb, &r, 0.05f);
    CHECK(memcmp(a, b, cnt * sizeof(float)) == 0); /* one seed, one model */
    for (uint32_t s = 0; s < c.char_dim; s++)
        CHECK(ea.emb[CHARENC_PAD * c.char_dim + s] == 0.0f);
    size_t nonzero = 0;
    for (size_t i = 0; i < CHARENC_NCHARS * c.char_dim; i++) {
        CHECK(fabsf(ea.emb[i]) <= 0.05f);
        nonzero += ea.emb[i] != 0.0f;
    }
    CHECK(nonzero > (CHARENC_NCHARS - 2) * c.char_dim);
    for (uint32_t k = 0; k < c.nwidths; k++) {
        for (size_t i = 0; i < c.filters[k] * c.widths[k] * c.char_dim; i++)
            CHECK(fabsf(ea.conv_w[k][i]) <= 0.05f && ea.conv_w[k][i] != 99.0f);
        for (size_t i = 0; i < c.filters[k]; i++)
            CHECK(ea.conv_b[k][i] == 0.0f);
    }
    const size_t f = ea.nfilt;
    for (uint32_t l = 0; l < c.highway; l++) {
        for (size_t i = 0; i < 2 * f * f; i++)
            CHECK(fabsf(ea.hw_w[l][i]) <= 0.05f);
        for (size_t i = 0; i < f; i++) {
            CHECK(ea.hw_b[l][i] == 0.0f);
            CHECK(ea.hw_b[l][f + i] == -2.0f);
        }
    }
    for (size_t i = 0; i < c.out_dim * f; i++)
        CHECK(fabsf(ea.proj_w[i]) <= 0.05f);
    for (size_t i = 0; i < c.out_dim; i++)
        CHECK(ea.proj_b[i] == 0.0f);
    free(a);
    free(b);
    return 0;
}

/* ---- scalar reference in double, with its own layout arithmetic ---- */

static void
ref_forward(const struct charenc_cfg *c, const double *prm, const uint16_t *chars, size_t n,
            double *out)
{
    const size_t mc = c->max_chars, cd = c->char_dim;
    size_t f = 0;
    for (uint32_t k = 0; k < c->nwidths; k++)
        f += c->filters[k];
    double *x = malloc(f * sizeof(double)), *y = malloc(f * sizeof(double));
    if (x == NULL || y == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        const uint16_t *ch = chars + i * mc;
        const double *emb = prm, *q = prm + CHARENC_NCHARS * cd;
        size_t off = 0;
        for (uint32_t k = 0; k < c->nwidths; k++) {
            const size_t w = c->widths[k], nf = c->filters[k];
            const double *wk = q, *bk = q + nf * w * cd;
            for (size_t fi = 0; fi < nf; fi++) {
                double m = -INFINITY;
                for (size_t p = 0; p + w <= mc; p++) {
                    double s = 0;
                    for (size_t j = 0; j < w; j++)
                        for (size_t d = 0; d < cd; d++)
                            s += emb[ch[p + j] * cd + d] * wk[fi * w * cd + j * cd + d];
                    if (s > m)
                        m = s;
                }
                const double v = m + bk[fi];
                x[off + fi] = c->act == CHARENC_TANH ? tanh(v) : v > 0 ? v : 0;
            }
            q = bk + nf;
            off += nf;
        }
        for (uint32_t l = 0; l < c->highway; l++) {
            const double *w = q, *b = q + 2 * f * f;
            for (size_t j = 0; j < f; j++) {
                double hs = b[j], ts = b[f + j];
                for (size_t s = 0; s < f; s++) {
                    hs += w[j * f + s] * x[s];
                    ts += w[(f + j) * f + s] * x[s];
                }
                const double h = hs > 0 ? hs : 0, t = 1.0 / (1.0 + exp(-ts));
                y[j] = t * h + (1 - t) * x[j];
            }
            memcpy(x, y, f * sizeof(double));
            q = b + 2 * f;
        }
        const double *pw = q, *pb = q + c->out_dim * f;
        for (size_t o = 0; o < c->out_dim; o++) {
            double s = pb[o];
            for (size_t j = 0; j < f; j++)
                s += pw[o * f + j] * x[j];
            out[i * c->out_dim + o] = s;
        }
    }
    free(x);
    free(y);
}

/* Random words of printable bytes and some UTF-8, with the specials among them. */
static void
make_chars(const struct charenc_cfg *c, size_t n, uint64_t seed, uint16_t *chars)
{
    struct rng r;
    rng_seed(&r, seed, 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char tok[64];
        const size_t len = 1 + rng_below(&r, c->max_chars + 2 < 60 ? c->max_chars + 2 : 60);
        for (size_t j = 0; j < len; j++)
            tok[j] = (unsigned char)(rng_below(&r, 4) == 0 ? 0xc3 : 'a' + rng_below(&r, 26));
        const int special = i % 7 == 3 ? CHARENC_BOS : i % 7 == 5 ? CHARENC_EOS : 0;
        charenc_chars(c, tok, len, special, chars + i * c->max_chars);
    }
}

/* Parameters: init, then random biases too so every gradient path is exercised. With
 * pad_wins, the convolutions of every width but the first see only positive character
 * embeddings through negative weights: every window of real characters is negative, so a
 * window of PAD alone (exactly 0) is the maximum of every token that has one, the case the
 * forward pass takes without multiplying. */
static float *
make_params(const struct charenc_cfg *c, struct charenc *e, uint64_t seed, float scale,
            int pad_wins)
{
    const size_t cnt = charenc_param_count(c);
    float *base = malloc(cnt * sizeof(float));
    if (base == NULL)
        return NULL;
    struct rng r;
    rng_seed(&r, seed, 0);
    charenc_bind(e, c, base);
    charenc_init(e, &r, scale);
    for (uint32_t k = 0; k < c->nwidths; k++)
        for (size_t i = 0; i < c->filters[k]; i++)
            e->conv_b[k][i] = (2 * rng_unit(&r) - 1) * 0.1f;
    for (uint32_t l = 0; l < c->highway; l++)
        for (size_t i = 0; i < 2 * e->nfilt; i++)
            e->hw_b[l][i] += (2 * rng_unit(&r) - 1) * 0.5f;
    for (size_t i = 0; i < c->out_dim; i++)
        e->proj_b[i] = (2 * rng_unit(&r) - 1) * 0.5f;
    for (size_t i = 0; pad_wins && i < (size_t)CHARENC_NCHARS * c->char_dim; i++)
        e->emb[i] = fabsf(e->emb[i]);
    for (uint32_t k = 1; pad_wins && k < c->nwidths; k++)
        for (size_t i = 0; i < (size_t)c->filters[k] * c->widths[k] * c->char_dim; i++)
            e->conv_w[k][i] = -fabsf(e->conv_w[k][i]);
    return base;
}

static int
forward_matches_ref(const struct charenc_cfg *c, size_t n, size_t nmax, float scale,
                    int pad_wins)
{
    struct charenc e;
    float *base = make_params(c, &e, 11, scale, pad_wins);
    uint16_t *chars = malloc(n * c->max_chars * sizeof(uint16_t));
    float *out = malloc(n * c->out_dim * sizeof(float));
    double *want = malloc(n * c->out_dim * sizeof(double));
    const size_t cnt = charenc_param_count(c);
    double *prm = malloc(cnt * sizeof(double));
    struct charenc_cache *k = charenc_cache_new(c, nmax);
    CHECK(base && chars && out && want && prm && k);
    for (size_t i = 0; i < cnt; i++)
        prm[i] = base[i];
    make_chars(c, n, 5, chars);
    charenc_forward(&e, chars, n, out, k);
    ref_forward(c, prm, chars, n, want);
    double maxrel = 0, maxabs = 0, maxout = 0;
    size_t big = 0;
    for (size_t i = 0; i < n * c->out_dim; i++) {
        const double err = fabs(out[i] - want[i]) / (1e-3 + fabs(want[i]));
        maxrel = err > maxrel ? err : maxrel;
        maxabs = fabs(out[i] - want[i]) > maxabs ? fabs(out[i] - want[i]) : maxabs;
        maxout = fabs(want[i]) > maxout ? fabs(want[i]) : maxout;
        big += fabs(want[i]) > 1e-2;
        /* float against double: 1e-5 relative, with an absolute floor of 1e-6 for the
         * outputs near zero where cancellation leaves only float rounding */
        CHECK_NEAR(want[i], out[i], 1e-6 + 1e-5 * fabs(want[i]));
    }
    printf("forward n=%zu F=%u: max rel err %.3g max abs err %.3g max |out| %.3g\n", n,
           e.nfilt, maxrel, maxabs, maxout);
    CHECK(big > n * c->out_dim / 2); /* the outputs are not trivially small */
    charenc_cache_free(k);
    free(prm);
    free(want);
    free(out);
    free(chars);
    free(base);
    return 0;
}

static int
test_forward_small(void)
{
    const struct charenc_cfg c = cfg_small();
    return forward_matches_ref(&c, 5, 5, 0.5f, 0);
}

static int
test_forward_chunks(void)
{
    /* more tokens than one convolution chunk, fewer than the cache holds */
    struct charenc_cfg c = cfg_small();
    c.highway = 1;
    return forward_matches_ref(&c, 150, 200, 0.5f, 0);
}

static int
test_forward_elmo_shape(void)
{
    const struct charenc_cfg c = {.max_chars = 50,
                                  .char_dim = 16,
                                  .nwidths = 7,
                                  .widths = {1, 2, 3, 4, 5, 6, 7},
                                  .filters = {4, 4, 8, 8, 8, 16, 16},
                                  .highway = 2,
                                  .out_dim = 16};
    return forward_matches_ref(&c, 70, 70, 0.2f, 0);
}

static int
test_forward_no_highway(void)
{
    struct charenc_cfg c = cfg_small();
    c.highway = 0;
    c.nwidths = 1;
    c.widths[0] = 10; /* one position: the max is the only window */
    return forward_matches_ref(&c, 9, 9, 0.5f, 0);
}

/* ---- gradients ---- */

static double
ref_loss(const struct charenc_cfg *c, const double *prm, const uint16_t *chars, size_t n,
         const double *rr, double *scratch)
{
    ref_forward(c, prm, chars, n, scratch);
    double s = 0;
    for (size_t i = 0; i < n * c->out_dim; i++)
        s += scratch[i] * rr[i];
    return s;
}

static int
gradcheck(const struct charenc_cfg *c, size_t n, int pad_wins)
{
    struct charenc e, g;
    float *base = make_params(c, &e, 23, 0.5f, pad_wins);
    const size_t cnt = charenc_param_count(c);
    float *gbase = calloc(cnt, sizeof(float)), *dout = malloc(n * c->out_dim * sizeof(float));
    float *out = malloc(n * c->out_dim * sizeof(float));
    uint16_t *chars = malloc(n * c->max_chars * sizeof(uint16_t));
    double *prm = malloc(cnt * sizeof(double)), *rr = malloc(n * c->out_dim * sizeof(double));
    double *scr = malloc(n * c->out_dim * sizeof(double));
    struct charenc_cache *k = charenc_cache_new(c, n);
    CHECK(base && gbase && dout && out && chars && prm && rr && scr && k);
    charenc_bind(&g, c, gbase);
    make_chars(c, n, 9, chars);
    struct rng r;
    rng_seed(&r, 3, 2);
    for (size_t i = 0; i < n * c->out_dim; i++) {
        dout[i] = 2 * rng_unit(&r) - 1;
        rr[i] = dout[i];
    }
    for (size_t i = 0; i < cnt; i++)
        prm[i] = base[i];
    charenc_forward(&e, chars, n, out, k);
    charenc_backward(&e, &g, chars, n, dout, k);

    /* the tensor each flat index belongs to, for the message */
    const size_t pad0 = (size_t)CHARENC_PAD * c->char_dim, pad1 = pad0 + c->char_dim;
    const double eps = 1e-4;
    double maxrel = 0;
    size_t nonzero = 0, worst = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (i >= pad0 && i < pad1) {
            CHECK(gbase[i] == 0.0f); /* PAD's gradient is dropped */
            continue;
        }
        const double keep = prm[i];
        prm[i] = keep + eps;
        const double lp = ref_loss(c, prm, chars, n, rr, scr);
        prm[i] = keep - eps;
        const double lm = ref_loss(c, prm, chars, n, rr, scr);
        prm[i] = keep;
        const double num = (lp - lm) / (2 * eps), ana = gbase[i];
        const double rel = fabs(num - ana) / (1e-3 + fabs(num));
        if (rel > maxrel) {
            maxrel = rel;
            worst = i;
        }
        nonzero += fabs(num) > 1e-4;
        if (!(fabs(num - ana) <= 1e-5 + 1e-4 * fabs(num))) {
            fprintf(stderr, "param %zu: numeric %.9g analytic %.9g\n", i, num, ana);
            CHECK(0);
        }
    }
    printf("gradcheck %zu params (%zu nonzero), n=%zu: max rel err %.3g at %zu\n", cnt,
           nonzero, n, maxrel, worst);
    /* every tensor got some gradient (a missing path would leave it zero) */
    const float *t0[] = {g.emb, g.conv_w[0], g.conv_b[0], g.proj_w, g.proj_b};
    const size_t tn[] = {CHARENC_NCHARS * c->char_dim, c->filters[0] * c->widths[0] * c->char_dim,
                         c->filters[0], c->out_dim * g.nfilt, c->out_dim};
    for (size_t t = 0; t < 5; t++) {
        size_t nz = 0;
        for (size_t i = 0; i < tn[t]; i++)
            nz += t0[t][i] != 0.0f;
        CHECK(nz > 0);
    }
    for (uint32_t l = 0; l < c->highway; l++) {
        size_t nzh = 0, nzt = 0;
        for (size_t i = 0; i < g.nfilt * g.nfilt; i++) {
            nzh += g.hw_w[l][i] != 0.0f;
            nzt += g.hw_w[l][g.nfilt * g.nfilt + i] != 0.0f;
        }
        CHECK(nzh > 0 && nzt > 0);
    }

    /* backward accumulates: a second pass doubles every gradient */
    float *g1 = malloc(cnt * sizeof(float));
    CHECK(g1 != NULL);
    memcpy(g1, gbase, cnt * sizeof(float));
    charenc_forward(&e, chars, n, out, k);
    charenc_backward(&e, &g, chars, n, dout, k);
    for (size_t i = 0; i < cnt; i++)
        CHECK_NEAR(2.0 * g1[i], gbase[i], 1e-5 + 1e-5 * fabs(g1[i]));
    free(g1);
    charenc_cache_free(k);
    free(scr);
    free(rr);
    free(prm);
    free(chars);
    free(out);
    free(dout);
    free(gbase);
    free(base);
    return 0;
}

static int
test_gradients_small(void)
{
    const struct charenc_cfg c = cfg_small();
    return gradcheck(&c, 5, 0);
}

/* Kim et al.'s tanh after the max instead of bilm-tf's ReLU */
static int
test_gradients_tanh(void)
{
    struct charenc_cfg c = cfg_small();
    c.highway = 1;
    c.act = CHARENC_TANH;
    return gradcheck(&c, 9, 0);
}

static int
test_gradients_wider(void)
{
    /* more tokens than a chunk, a 4-wide window, one highway layer */
    const struct charenc_cfg c = {.max_chars = 8,
                                  .char_dim = 3,
                                  .nwidths = 2,
                                  .widths = {2, 4},
                                  .filters = {2, 3},
                                  .highway = 1,
                                  .out_dim = 3};
    return gradcheck(&c, 70, 0);
}

/* Windows of PAD alone win the max (make_params pad_wins): the forward pass takes them as 0
 * without computing them, the backward pass gives them only their bias gradient. cd 5: the
 * 4-lane gradient loop with a remainder. */
static int
test_pad_windows(void)
{
    struct charenc_cfg c = cfg_small();
    c.max_chars = 16;
    c.char_dim = 5;
    c.highway = 1;
    if (forward_matches_ref(&c, 40, 40, 0.5f, 1) != 0)
        return 1;
    return gradcheck(&c, 12, 1);
}

/* ---- data-dependent initialisation ---- */

static int
init_data_check(uint32_t act)
{
    struct charenc_cfg c = cfg_small();
    c.act = act;
    const size_t n = 1500; /* more than one pass of charenc_init_data */
    const float std = 0.2f;
    struct charenc e;
    float *base = make_params(&c, &e, 31, 1.0f, 0);
    const size_t cnt = charenc_param_count(&c);
    float *before = malloc(cnt * sizeof(float)), *out = malloc(n * c.out_dim * sizeof(float));
    uint16_t *chars = malloc(n * c.max_chars * sizeof(uint16_t));
    struct charenc_cache *k = charenc_cache_new(&c, n);
    CHECK(base && before && out && chars && k);
    make_chars(&c, n, 13, chars);
    memcpy(before, base, cnt * sizeof(float));
    CHECK_EQ(WP_ERANGE, charenc_init_data(&e, chars, 0, std));
    CHECK_EQ(WP_ERANGE, charenc_init_data(&e, chars, n, 0.0f));
    CHECK(memcmp(before, base, cnt * sizeof(float)) == 0);
    CHECK_EQ(WP_OK, charenc_init_data(&e, chars, n, std));
    /* only the convolution biases and the projection change */
    CHECK(memcmp(before, e.emb, CHARENC_NCHARS * c.char_dim * sizeof(float)) == 0);
    CHECK(memcmp(e.conv_w[1], before + (e.conv_w[1] - base),
                 c.filters[1] * c.widths[1] * c.char_dim * sizeof(float)) == 0);
    CHECK(memcmp(e.hw_w[0], before + (e.hw_w[0] - base), 2 * e.nfilt * e.nfilt * sizeof(float))
          == 0);
    CHECK(e.conv_b[0][0] != before[e.conv_b[0] - base]);
    /* every output: mean 0 and standard deviation std over the tokens */
    charenc_forward(&e, chars, n, out, k);
    for (size_t j = 0; j < c.out_dim; j++) {
        double s1 = 0, s2 = 0;
        for (size_t i = 0; i < n; i++) {
            s1 += out[i * c.out_dim + j];
            s2 += (double)out[i * c.out_dim + j] * out[i * c.out_dim + j];
        }
        const double mean = s1 / n;
        CHECK_NEAR(0.0, mean, 1e-4);
        CHECK_NEAR(std, sqrt(s2 / n - mean * mean), 1e-3);
    }
    /* every filter's pooled maximum centred: the reference with no highway layer and an
     * identity projection gives act(max + bias); its pre-image averages to 0 over the
     * tokens (ReLU: about half the words above 0, not all of them) */
    struct charenc_cfg c2 = c;
    c2.highway = 0;
    c2.out_dim = e.nfilt;
    const size_t conv_end = (size_t)(e.hw_w[0] - base), cnt2 = charenc_param_count(&c2);
    double *prm = calloc(cnt2, sizeof(double)), *feat = malloc(n * e.nfilt * sizeof(double));
    CHECK(prm && feat);
    for (size_t i = 0; i < conv_end; i++)
        prm[i] = base[i];
    for (size_t j = 0; j < e.nfilt; j++)
        prm[conv_end + j * e.nfilt + j] = 1.0;
    ref_forward(&c2, prm, chars, n, feat);
    for (size_t j = 0; j < e.nfilt; j++) {
        double s = 0;
        size_t pos = 0;
        for (size_t i = 0; i < n; i++) {
            const double v = feat[i * e.nfilt + j];
            s += act == CHARENC_TANH ? atanh(v) : v;
            pos += v > 0;
        }
        if (act == CHARENC_TANH)
            CHECK_NEAR(0.0, s / n, 1e-4);
        else
            CHECK(pos > n / 10 && pos < n - n / 10);
    }
    free(feat);
    free(prm);
    charenc_cache_free(k);
    free(chars);
    free(out);
    free(before);
    free(base);
    return 0;
}

static int
test_init_data_tanh(void)
{
    return init_data_check(CHARENC_TANH);
}

static int
test_init_data_relu(void)
{
    return init_data_check(CHARENC_RELU);
}

CHECK_MAIN(CHECK_CASE(test_init_data_tanh), CHECK_CASE(test_init_data_relu),
           CHECK_CASE(test_chars_ascii_and_cut), CHECK_CASE(test_chars_utf8_cut),
           CHECK_CASE(test_chars_specials), CHECK_CASE(test_cfg_check), CHECK_CASE(test_layout),
           CHECK_CASE(test_init), CHECK_CASE(test_forward_small), CHECK_CASE(test_forward_chunks),
           CHECK_CASE(test_forward_elmo_shape), CHECK_CASE(test_forward_no_highway),
           CHECK_CASE(test_gradients_small), CHECK_CASE(test_gradients_tanh),
           CHECK_CASE(test_gradients_wider), CHECK_CASE(test_pad_windows))
