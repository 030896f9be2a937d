/* pca.h - principal component analysis of a small set of vectors (a few words to a few
 * thousand), for drawing them on a plane. The rows are centred, the top-k eigenvectors of
 * the smaller of the two symmetric products are found with LAPACK's dsyev from OpenBLAS
 * (the d x d covariance when n > d, else the n x n Gram matrix of the centred rows, which
 * has the same nonzero eigenvalues), in double precision throughout. */
#ifndef WP_PCA_H
#define WP_PCA_H

#include <stddef.h>

/* Projects the n rows of x (n x d, row-major) on their top k principal components:
 * out[i * k + j] is the coordinate of row i on component j, components in order of
 * decreasing variance. var (may be NULL) receives the k variances (eigenvalue / n), so
 * var[j] / total says how much of the spread a component shows.
 *
 * Defined for every n >= 1: a component whose variance is zero (n = 1; the second
 * component when n = 2; any j >= min(n - 1, d)) or negligible (below 1e-12 of the total)
 * gives 0 for every row, so one word maps to (0, 0) and two words lie on the x axis.
 * Signs are deterministic: each component's loading vector (its unit direction in the
 * d-dimensional space) is flipped so that its largest-magnitude coordinate, the first
 * such on a tie, is positive.
 *
 * Returns WP_OK, WP_ERANGE (n, d or k is 0, a size overflows, or a value is not finite),
 * WP_ENOMEM, or WP_ECORRUPT if LAPACK reports that it did not converge. */
int pca_project(const float *x, size_t n, size_t d, size_t k, float *out, double *var);

/* pca_project with k = 2: out is n x 2, (x, y) per row. */
int pca_2d(const float *x, size_t n, size_t d, float *out);

#endif
