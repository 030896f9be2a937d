/* knn_hnsw.h - an approximate index (HNSW, Malkov & Yashunin 2016, as hnswlib builds it:
 * layer 0 keeps 2M links, upper layers M, neighbours chosen by the diversity heuristic),
 * over the rows of a knn_db, built once and saved to a little-endian file that is mapped and
 * searched in place.
 * Scores as in knn.h (cosine/dot: inner product, L2: 2 q.x - |x|^2), higher is nearer. */
#ifndef WP_KNN_HNSW_H
#define WP_KNN_HNSW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "knn.h"
#include "vecio/w2vfmt.h"

struct knn_hnsw_params {
    size_t m;               /* links per node on upper layers (2m on layer 0) */
    size_t ef_construction; /* candidate list size while inserting */
    uint64_t seed;          /* level draws */
    int threads;            /* inserting workers; the graph is reproducible with 1 only */
};
void knn_hnsw_params_default(struct knn_hnsw_params *p); /* 16, 200, seed 1, 1 thread */

struct knn_hnsw;
/* The index keeps a pointer to db (its rows must outlive it). Cosine over raw rows
 * (db->rownorm set) divides each dot product by the row norms, as knn.h's searches do. */
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
/* The file (wordpipe(5) "HNSW index"): a 64-byte header ("WPHNSW03", n, d, m, the top level,
 * the entry node, the metric, the fingerprint of the vectors, the pool's length, a checksum
 * of the body and one of the header), then the graph's arrays as search uses them, each
 * 64-byte aligned and little-endian: a level byte per node, n x (1 + 2m) layer-0 cells
 * (count, ids), n upper-layer offsets and the pool they point into. fingerprint: what
 * knn_hnsw_map will be given for the same vectors (vecfp.h). WP_OK, WP_ERANGE, WP_ENOMEM or
 * WP_EIO. */
int knn_hnsw_save(const struct knn_hnsw *h, uint64_t fingerprint, FILE *fp);
/* Maps the index file fd (the caller keeps fd and may close it) and searches it in place over
 * db, whose vectors have this fingerprint. Checks the header against db (rows, dimension,
 * metric: WP_ECORRUPT; fingerprint: WP_EVOCAB) and the size against the header (WP_ETRUNC
 * shorter, WP_ECORRUPT longer), then the body's checksum (one read of the file: WP_ECHECKSUM)
 * unless flags has KNN_HNSW_TRUST; a modified body opened without it cannot crash a search
 * (counts, layers and ids are bounds-checked where they are read), only give other answers.
 * WP_EMAGIC (not an index), WP_EVERSION (format 01 or 02: read into memory, not mapped),
 * WP_EFORMAT (not a regular file, big-endian host), WP_EIO, WP_ENOMEM; err (may be NULL)
 * says what in one line. */
enum { KNN_HNSW_TRUST = 1 };
int knn_hnsw_map(struct knn_hnsw **out, int fd, const struct knn_db *db, uint64_t fingerprint,
                 unsigned flags, struct w2vfmt_error *err);
/* knn_hnsw_map of the file at path: WP_ENOTFOUND when there is none, WP_EIO (errno set) when
 * it cannot be opened, else what knn_hnsw_map returns. */
int knn_hnsw_open(struct knn_hnsw **out, const char *path, const struct knn_db *db,
                  uint64_t fingerprint, unsigned flags, struct w2vfmt_error *err);
void knn_hnsw_free(struct knn_hnsw *h);

#endif
