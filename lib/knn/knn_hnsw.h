/* knn_hnsw.h - an approximate index (HNSW, Malkov & Yashunin 2016, as hnswlib builds it:
 * layer 0 keeps 2M links, upper layers M, neighbours chosen by the diversity heuristic),
 * over the rows of a knn_db, built once and saved to a little-endian file.
 * Scores as in knn.h (cosine/dot: inner product, L2: 2 q.x - |x|^2), higher is nearer. */
#ifndef WP_KNN_HNSW_H
#define WP_KNN_HNSW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "knn.h"

struct knn_hnsw_params {
    size_t m;               /* links per node on upper layers (2m on layer 0) */
    size_t ef_construction; /* candidate list size while inserting */
    uint64_t seed;          /* level draws */
    int threads;            /* inserting workers; the graph is reproducible with 1 only */
};
void knn_hnsw_params_default(struct knn_hnsw_params *p); /* 16, 200, seed 1, 1 thread */

struct knn_hnsw;
/* The index keeps a pointer to db (its rows must outlive it). */
int knn_hnsw_build(struct knn_hnsw **out, const struct knn_db *db,
                   const struct knn_hnsw_params *p);
/* Top k (best first; KNN_NONE pads) exploring ef >= k candidates on layer 0. Thread-safe
 * for concurrent searches when each caller passes its own scratch from
 * knn_hnsw_scratch_new. */
struct knn_hnsw_scratch;
struct knn_hnsw_scratch *knn_hnsw_scratch_new(const struct knn_hnsw *h, size_t ef);
void knn_hnsw_scratch_free(struct knn_hnsw_scratch *s);
int knn_hnsw_search(const struct knn_hnsw *h, struct knn_hnsw_scratch *s, const float *q,
                    size_t k, size_t ef, const uint32_t *excl, size_t nexcl,
                    struct knn_hit *out);
/* Many queries (rows of q, nq x d) split over threads; out nq x k. */
int knn_hnsw_search_batch(const struct knn_hnsw *h, const float *q, size_t nq, size_t k,
                          size_t ef, const uint32_t *excl, size_t nexcl, int threads,
                          struct knn_hit *out);
/* File: "WPHNSW02", then u32 LE fields (n, d, m, max_level, entry, metric), the u64 LE
 * fingerprint of the vectors it was built over (vecfp_matrix of db's m), per node a u32 level
 * and its links per layer (u32 count, count u32 ids), and a u64 XXH3 of all before it. */
int knn_hnsw_save(const struct knn_hnsw *h, FILE *fp);
/* WP_EMAGIC (not an index), WP_EVERSION (a "WPHNSW01" index, without the fingerprint),
 * WP_ECORRUPT (bad link; n, d or metric differ from db), WP_EVOCAB (built over other vectors
 * of the same count and dimension: the fingerprint differs), WP_ECHECKSUM, WP_ETRUNC,
 * WP_EIO, WP_ENOMEM. */
int knn_hnsw_load(struct knn_hnsw **out, FILE *fp, const struct knn_db *db);
void knn_hnsw_free(struct knn_hnsw *h);

#endif
