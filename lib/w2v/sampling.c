/* sampling.c - Vose's alias method over count^power. */
#include "sampling.h"

#include <math.h>
#include <stdlib.h>

#include "common/status.h"

/* Scale of a column's keep threshold: probability 1 maps to 2^32 (stored as UINT32_MAX
 * plus the "always keep" rule below). */
#define SAMP_ONE 4294967296.0

int
samp_init(struct samp_table *t, const uint64_t *counts, uint32_t n, double power)
{
    t->n = 0;
    t->col = NULL;
    if (n == 0)
        return WP_ERANGE;
    double *p = malloc((size_t)n * sizeof *p);
    uint32_t *small = malloc((size_t)n * sizeof *small);
    uint32_t *large = malloc((size_t)n * sizeof *large);
    t->col = malloc((size_t)n * sizeof *t->col);
    int rc = WP_ENOMEM;
    if (p == NULL || small == NULL || large == NULL || t->col == NULL)
        goto out;
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        p[i] = counts[i] > 0 ? pow((double)counts[i], power) : 0.0;
        sum += p[i];
    }
    rc = WP_ERANGE;
    if (!(sum > 0.0) || !isfinite(sum))
        goto out;
    /* Scaled so the mean column holds exactly 1; split into under- and over-full. */
    size_t ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        p[i] = p[i] * (double)n / sum;
        if (p[i] < 1.0)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
        const uint32_t s = small[--ns], l = large[nl - 1];
        t->col[s].thresh = (uint32_t)(p[s] * SAMP_ONE); /* p[s] < 1: fits */
        t->col[s].alias = l;
        p[l] -= 1.0 - p[s];
        if (p[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    /* Leftovers are full columns up to rounding: always keep them. */
    while (nl > 0) {
        const uint32_t l = large[--nl];
        t->col[l].thresh = UINT32_MAX;
        t->col[l].alias = l;
    }
    while (ns > 0) {
        const uint32_t s = small[--ns];
        t->col[s].thresh = UINT32_MAX;
        t->col[s].alias = s;
    }
    t->n = n;
    rc = WP_OK;
out:
    free(p);
    free(small);
    free(large);
    if (rc < 0)
        samp_free(t);
    return rc;
}

void
samp_free(struct samp_table *t)
{
    free(t->col);
    t->col = NULL;
    t->n = 0;
}

double
samp_prob(const struct samp_table *t, uint32_t i)
{
    /* Column c answers c with probability thresh/2^32 (UINT32_MAX means "always" up to a
     * 2^-32 sliver, which goes to its alias = itself) and alias[c] otherwise. */
    double p = 0.0;
    for (uint32_t c = 0; c < t->n; c++) {
        const struct samp_col *e = &t->col[c];
        const double keep = e->thresh == UINT32_MAX ? 1.0 : e->thresh / SAMP_ONE;
        if (c == i)
            p += keep;
        if (e->alias == i && e->alias != c)
            p += 1.0 - keep;
    }
    return p / t->n;
}
