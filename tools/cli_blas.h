/* cli_blas.h - for the tools that link OpenBLAS (the others must not: loading it starts its
 * threads). Call cli_blas_reserve(0) right after cli_init, so that even -h cannot hang, and
 * cli_blas_reserve(N) once the options say how many threads will call BLAS at once. */
#ifndef WP_CLI_BLAS_H
#define WP_CLI_BLAS_H

#include "cli.h"
#include "kernels/blas.h"

static inline void
cli_blas_reserve(int callers)
{
    if (blas_reserve(callers) < 0)
        cli_die_nomem_now("OpenBLAS needs a 128 MB buffer per thread");
}

#endif
