/* blas.c - the BLAS settings that are not products (see blas.h). */
#include "blas.h"

void blas_set_threads(int n)
{
    openblas_set_num_threads(n);
}
