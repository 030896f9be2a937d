/* dist.c - MPI calls for data-parallel training (dist.h); no-ops without WP_MPI. */
#include "dist.h"

#include "status.h"

#if defined(WP_MPI) && WP_MPI

#include <mpi.h>

/* MPI counts are int: larger arrays go in chunks. */
enum { DIST_CHUNK = 1 << 28 };

static int dist_up;

int
dist_available(void)
{
    return 1;
}

int
dist_init(void)
{
    int provided = 0;
    if (dist_up)
        return WP_OK;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return WP_EIO;
    dist_up = 1;
    return WP_OK;
}

void
dist_finalize(void)
{
    if (dist_up)
        MPI_Finalize();
    dist_up = 0;
}

int
dist_rank(void)
{
    int r = 0;
    if (dist_up)
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int
dist_size(void)
{
    int n = 1;
    if (dist_up)
        MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

static int
reduce(void *x, size_t n, size_t esize, MPI_Datatype type, MPI_Op op)
{
    char *p = x;
    if (!dist_up)
        return WP_OK;
    while (n > 0) {
        const size_t k = n < DIST_CHUNK ? n : DIST_CHUNK;
        if (MPI_Allreduce(MPI_IN_PLACE, p, (int)k, type, op, MPI_COMM_WORLD) != MPI_SUCCESS)
            return WP_EIO;
        p += k * esize;
        n -= k;
    }
    return WP_OK;
}

int
dist_sum_f32(float *x, size_t n)
{
    return reduce(x, n, sizeof *x, MPI_FLOAT, MPI_SUM);
}

int
dist_sum_f64(double *x, size_t n)
{
    return reduce(x, n, sizeof *x, MPI_DOUBLE, MPI_SUM);
}

int
dist_sum_u64(uint64_t *x, size_t n)
{
    return reduce(x, n, sizeof *x, MPI_UINT64_T, MPI_SUM);
}

int
dist_or_u8(unsigned char *x, size_t n)
{
    return reduce(x, n, 1, MPI_UNSIGNED_CHAR, MPI_BOR);
}

int
dist_bcast_f32(float *x, size_t n)
{
    if (!dist_up)
        return WP_OK;
    while (n > 0) {
        const size_t k = n < DIST_CHUNK ? n : DIST_CHUNK;
        if (MPI_Bcast(x, (int)k, MPI_FLOAT, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
            return WP_EIO;
        x += k;
        n -= k;
    }
    return WP_OK;
}

int
dist_same_u64(uint64_t v)
{
    /* one reduction: the maximum of v and of ~v, which is ~(the minimum of v) */
    uint64_t mm[2] = {v, ~v};
    if (!dist_up)
        return 1;
    if (MPI_Allreduce(MPI_IN_PLACE, mm, 2, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 0;
    return mm[0] == ~mm[1];
}

int
dist_barrier(void)
{
    if (dist_up && MPI_Barrier(MPI_COMM_WORLD) != MPI_SUCCESS)
        return WP_EIO;
    return WP_OK;
}

#else /* single process */

int
dist_available(void)
{
    return 0;
}

int
dist_init(void)
{
    return WP_ERANGE;
}

void
dist_finalize(void)
{
}

int
dist_rank(void)
{
    return 0;
}

int
dist_size(void)
{
    return 1;
}

int
dist_sum_f32(float *x, size_t n)
{
    (void)x, (void)n;
    return WP_OK;
}

int
dist_sum_f64(double *x, size_t n)
{
    (void)x, (void)n;
    return WP_OK;
}

int
dist_sum_u64(uint64_t *x, size_t n)
{
    (void)x, (void)n;
    return WP_OK;
}

int
dist_or_u8(unsigned char *x, size_t n)
{
    (void)x, (void)n;
    return WP_OK;
}

int
dist_bcast_f32(float *x, size_t n)
{
    (void)x, (void)n;
    return WP_OK;
}

int
dist_same_u64(uint64_t v)
{
    (void)v;
    return 1;
}

int
dist_barrier(void)
{
    return WP_OK;
}

#endif
