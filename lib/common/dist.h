/* dist.h - the one module that talks to MPI: data-parallel training runs one replica per
 * rank and keeps them identical by summing gradients. Built without MPI (no -DWP_MPI=1) every
 * function is the single-process case: rank 0 of 1, sums are the identity, and dist_init
 * reports WP_ERANGE so a tool can say "built without MPI". All calls come from one thread
 * (MPI_THREAD_FUNNELED). A failing MPI call aborts the whole job: MPI's default error
 * handler on MPI_COMM_WORLD, kept on purpose so that no rank runs on alone. */
#ifndef WP_DIST_H
#define WP_DIST_H

#include <stddef.h>
#include <stdint.h>

/* 1 when this build has MPI (make MPI=1), else 0. */
int dist_available(void);
/* MPI_Init_thread without argv (MPI-2); WP_ERANGE when built without MPI, WP_EIO when MPI
 * refuses. After a successful call, dist_finalize must end the run. */
int dist_init(void);
void dist_finalize(void);
/* This process's rank and the number of ranks: 0 and 1 before dist_init or without MPI. */
int dist_rank(void);
int dist_size(void);

/* In-place sums over all ranks (MPI_Allreduce, MPI_SUM); every rank gets the same bits. */
int dist_sum_f32(float *x, size_t n);
int dist_sum_f64(double *x, size_t n);
int dist_sum_u64(uint64_t *x, size_t n);
/* In-place bitwise or over all ranks (MPI_BOR): e.g. the union of per-rank row masks. */
int dist_or_u8(unsigned char *x, size_t n);
/* Rank 0's values to every rank. */
int dist_bcast_f32(float *x, size_t n);
/* 1 when v is the same on every rank, else 0 (a replica check); 1 without MPI. */
int dist_same_u64(uint64_t v);
/* Waits for every rank. */
int dist_barrier(void);

#endif
