/* pca.c - top-k principal components through LAPACK's symmetric eigensolver. */
#include "pca.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "blas.h"
#include "common/status.h"

enum { PCA_DIM_MAX = 1 << 15 }; /* the m x m matrix in double stays below 8 GiB */
#define PCA_NEGLIGIBLE 1e-12    /* relative to the total variance */

/* Rows of x minus their mean, in double so that the centring loses nothing. */
static int
centre(const float *x, size_t n, size_t d, double **out)
{
    double *c = malloc(n * d * sizeof *c), *mean = calloc(d, sizeof *mean);
    if (c == NULL || mean == NULL) {
        free(c);
        free(mean);
        return WP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < d; t++)
            mean[t] += x[i * d + t];
    for (size_t t = 0; t < d; t++)
        mean[t] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < d; t++)
            c[i * d + t] = (double)x[i * d + t] - mean[t];
    free(mean);
    *out = c;
    return WP_OK;
}

/* a = C C^T (n x n, gram) or C^T C (d x d); both triangles filled, plain loops so the sums
 * run in one fixed order and the result is the same on every run. */
static void
product(const double *c, size_t n, size_t d, int gram, double *a)
{
    const size_t m = gram ? n : d;
    for (size_t p = 0; p < m; p++)
        for (size_t q = 0; q <= p; q++) {
            double s = 0;
            if (gram)
                for (size_t t = 0; t < d; t++)
                    s += c[p * d + t] * c[q * d + t];
            else
                for (size_t i = 0; i < n; i++)
                    s += c[i * d + p] * c[i * d + q];
            a[p * m + q] = a[q * m + p] = s;
        }
}

/* Eigen-decomposition of the symmetric m x m matrix a in place: w ascending, column j of
 * a (a[j * m ...], column-major as LAPACK writes it) the unit eigenvector of w[j]. */
static int
eigen(double *a, int m, double *w)
{
    int lwork = -1, info = 0;
    double query = 0;
    dsyev_("V", "U", &m, a, &m, w, &query, &lwork, &info, 1, 1);
    if (info != 0)
        return WP_ECORRUPT;
    lwork = query > 3.0 * m ? (int)query : 3 * m;
    double *work = malloc((size_t)lwork * sizeof *work);
    if (work == NULL)
        return WP_ENOMEM;
    dsyev_("V", "U", &m, a, &m, w, work, &lwork, &info, 1, 1);
    free(work);
    return info == 0 ? WP_OK : WP_ECORRUPT;
}

/* The loading vector v (length d, unit) of the eigenvector e of the product matrix: e
 * itself for the covariance; C^T e normalised for the Gram matrix. Then the sign rule. */
static void
loading(const double *c, size_t n, size_t d, int gram, const double *e, double *v)
{
    if (gram) {
        double sq = 0;
        for (size_t t = 0; t < d; t++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += c[i * d + t] * e[i];
            v[t] = s;
            sq += s * s;
        }
        const double inv = sq > 0 ? 1 / sqrt(sq) : 0;
        for (size_t t = 0; t < d; t++)
            v[t] *= inv;
    } else {
        memcpy(v, e, d * sizeof *v);
    }
    size_t big = 0;
    for (size_t t = 1; t < d; t++)
        if (fabs(v[t]) > fabs(v[big]))
            big = t;
    if (v[big] < 0)
        for (size_t t = 0; t < d; t++)
            v[t] = -v[t];
}

int
pca_project(const float *x, size_t n, size_t d, size_t k, float *out, double *var)
{
    if (n == 0 || d == 0 || k == 0 || n > SIZE_MAX / d / sizeof(double) ||
        (n > PCA_DIM_MAX && d > PCA_DIM_MAX) || k > SIZE_MAX / n / sizeof *out)
        return WP_ERANGE;
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return WP_ERANGE;
    const int gram = n <= d;
    const size_t m = gram ? n : d;
    double *c = NULL, *a = malloc(m * m * sizeof *a), *w = malloc(m * sizeof *w),
           *v = malloc(d * sizeof *v);
    int rc = a && w && v ? centre(x, n, d, &c) : WP_ENOMEM;
    memset(out, 0, n * k * sizeof *out);
    if (var != NULL)
        for (size_t j = 0; j < k; j++)
            var[j] = 0;
    if (rc == WP_OK) {
        product(c, n, d, gram, a);
        double total = 0;
        for (size_t p = 0; p < m; p++)
            total += a[p * m + p];
        rc = total > 0 ? eigen(a, (int)m, w) : WP_OK; /* all rows equal: every coordinate 0 */
        for (size_t j = 0; rc == WP_OK && total > 0 && j < k && j < m; j++) {
            const size_t col = m - 1 - j; /* dsyev sorts ascending */
            if (!(w[col] > PCA_NEGLIGIBLE * total))
                break; /* this and every later component carry no variance */
            loading(c, n, d, gram, a + col * m, v);
            for (size_t i = 0; i < n; i++) {
                double s = 0;
                for (size_t t = 0; t < d; t++)
                    s += c[i * d + t] * v[t];
                out[i * k + j] = (float)s;
            }
            if (var != NULL)
                var[j] = w[col] / (double)n;
        }
    }
    free(c);
    free(a);
    free(w);
    free(v);
    return rc;
}

int
pca_2d(const float *x, size_t n, size_t d, float *out)
{
    return pca_project(x, n, d, 2, out, NULL);
}
