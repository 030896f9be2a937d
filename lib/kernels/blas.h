/* blas.h - the one door to OpenBLAS: CBLAS products, LAPACK's symmetric eigensolver and the
 * process-wide thread count. Every other file includes this instead of <cblas.h>, so which
 * BLAS the library links, and how it is declared, is decided here alone. */
#ifndef WP_BLAS_H
#define WP_BLAS_H

#include <stddef.h>

#include <cblas.h>

/* LAPACK from OpenBLAS (Debian ships no lapacke.h with it). gfortran passes the length of
 * each CHARACTER argument as a hidden trailing size_t; passing them is right for a Fortran
 * build and harmless for an f2c one. The int is LAPACK's 32-bit INTEGER (libopenblas, not
 * libopenblas64). */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                   double *w, double *work, const int *lwork, int *info, size_t jobz_len,
                   size_t uplo_len);

/* How many threads OpenBLAS may use inside one call, for the whole process. */
void blas_set_threads(int n);

#endif
