/* evalsim.c - Spearman and Pearson over word-pair similarity files. */
#include "evalsim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/bom.h"
#include "common/status.h"
#include "vecio/vecset.h"

double
evalsim_pearson(const double *x, const double *y, size_t n)
{
    if (n < 2)
        return NAN;
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    if (sxx == 0 || syy == 0)
        return NAN;
    return sxy / sqrt(sxx * syy);
}

struct keyed {
    double v;
    size_t i;
};

static int
cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

int
evalsim_rank(const double *x, size_t n, double *rank)
{
    struct keyed *k = malloc((n ? n : 1) * sizeof *k);
    if (k == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        k[i].v = x[i];
        k[i].i = i;
    }
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && k[j + 1].v == k[i].v)
            j++;
        const double r = 0.5 * (double)(i + j) + 1.0; /* mean of ranks i+1 .. j+1 */
        for (size_t t = i; t <= j; t++)
            rank[k[t].i] = r;
        i = j + 1;
    }
    free(k);
    return WP_OK;
}

double
evalsim_spearman(const double *x, const double *y, size_t n)
{
    double *rx = malloc((n ? n : 1) * sizeof *rx), *ry = malloc((n ? n : 1) * sizeof *ry);
    double r = NAN;
    if (rx != NULL && ry != NULL && evalsim_rank(x, n, rx) == WP_OK &&
        evalsim_rank(y, n, ry) == WP_OK)
        r = evalsim_pearson(rx, ry, n);
    free(rx);
    free(ry);
    return r;
}

static double
cosine(const float *ua, const float *ub, size_t d)
{
    double dot = 0;
    for (size_t j = 0; j < d; j++)
        dot += (double)ua[j] * ub[j];
    return dot;
}

/* The unit vector of a word the lookup did not find, from a fastText model (its full
 * vector when it is in the vocabulary past the restriction, else its n-grams) into u.
 * Returns 1 when made from n-grams only, 0 from its row, WP_ENOTFOUND or WP_ENOMEM. */
static int
fallback(const struct analogy_lookup *lk, const char *w, float *u)
{
    if (!vecset_has_subwords(lk->s))
        return WP_ENOTFOUND;
    const int rc = vecset_vector(lk->s, w, strlen(w), 1, u, NULL);
    return rc < 0 ? rc : rc == 0;
}

/* Splits "w1 w2 score" (tabs or spaces); returns 1 and the parts, or 0 if malformed. */
static int
split_pair(char *line, char **w1, char **w2, double *score)
{
    char *save = NULL, *f[4];
    size_t n = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 4; t = strtok_r(NULL, " \t\r\n", &save))
        f[n++] = t;
    if (n != 3)
        return 0;
    char *end;
    *score = strtod(f[2], &end);
    if (end == f[2] || *end != '\0' || !isfinite(*score))
        return 0;
    *w1 = f[0];
    *w2 = f[1];
    return 1;
}

static int
all_equal(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (x[i] != x[0])
            return 0;
    return 1;
}

int
evalsim_eval(const struct analogy_lookup *lk, FILE *fp, struct evalsim_result *res)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0, n = 0, vcap = 0;
    double *gold = NULL, *model = NULL;
    const size_t d = lk->s->d;
    float *u = malloc(2 * d * sizeof *u);
    int rc = u != NULL ? WP_OK : WP_ENOMEM;
    memset(res, 0, sizeof *res);
    ssize_t len;
    while (rc == WP_OK && (len = getline(&line, &cap, fp)) >= 0) {
        char *w1, *w2;
        double score;
        char *const l = ++lineno == 1 ? line + utf8_bom_len(line, (size_t)len) : line;
        if (l[0] == '#' || l[strspn(l, " \t\r\n")] == '\0')
            continue;
        if (!split_pair(l, &w1, &w2, &score)) {
            if (res->bad_lines++ == 0)
                res->first_bad_line = lineno;
            continue;
        }
        res->pairs++;
        const int64_t a = analogy_lookup_find(lk, w1, strlen(w1));
        const int64_t b = analogy_lookup_find(lk, w2, strlen(w2));
        const int fa = a >= 0 ? 0 : fallback(lk, w1, u), fb = b >= 0 ? 0 : fallback(lk, w2, u + d);
        if (fa == WP_ENOMEM || fb == WP_ENOMEM) {
            rc = WP_ENOMEM;
            break;
        }
        if (fa < 0 || fb < 0) {
            res->oov++;
            continue;
        }
        res->ngrams += fa > 0 || fb > 0;
        if (n == vcap) {
            vcap = vcap ? vcap * 2 : 512;
            double *ng = realloc(gold, vcap * sizeof *ng);
            if (ng != NULL)
                gold = ng;
            double *nm = ng ? realloc(model, vcap * sizeof *nm) : NULL;
            if (nm != NULL)
                model = nm;
            if (ng == NULL || nm == NULL) {
                rc = WP_ENOMEM;
                break;
            }
        }
        gold[n] = score;
        model[n++] = cosine(a >= 0 ? lk->s->unit + (size_t)a * d : u,
                            b >= 0 ? lk->s->unit + (size_t)b * d : u + d, d);
    }
    if (rc == WP_OK && ferror(fp))
        rc = WP_EIO;
    res->found = n;
    res->pearson = evalsim_pearson(gold, model, n);
    res->spearman = evalsim_spearman(gold, model, n);
    if (n >= 2 && isnan(res->spearman))
        res->undefined = all_equal(gold, n)    ? "the gold scores are all equal"
                         : all_equal(model, n) ? "the model's cosines are all equal"
                                               : "a correlation is not a number";
    free(line);
    free(u);
    free(gold);
    free(model);
    return rc;
}
