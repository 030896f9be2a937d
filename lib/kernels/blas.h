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

/* Claims, while there is room, the work buffer OpenBLAS needs in each of `callers` threads
 * that will call it at the same time, and checks that OpenBLAS's own threads (started when
 * it was loaded, each mapping a buffer of its own) answer a product. OpenBLAS maps a 128 MB
 * buffer the first time a thread needs one and, when that mmap fails, retries for ever
 * (OpenMathLib/OpenBLAS#5289): under a memory limit a tool would hang in its first product,
 * or in exit() waiting for an OpenBLAS thread that never started. Called first thing (with
 * 0 before the options are known, so that -h cannot hang either), this turns both into
 * WP_ENOMEM, after which the process must _exit: a thread may be left blocked in OpenBLAS.
 * The buffers it maps stay OpenBLAS's (address space: no page is touched until used). */
int blas_reserve(int callers);

#endif
