/* knn_kern.h - the inner kernels of knn.c: a scalar reference (knn.c) and AVX2+FMA variants
 * (knn_avx2.c), picked once per call from vec_ops() (so WP_KERNEL=ref forces the
 * reference here too). Internal to lib/. */
#ifndef WP_KNN_KERN_H
#define WP_KNN_KERN_H

#include <stddef.h>
#include <stdint.h>

struct knn_kern {
    /* out[i] = m[i,:] . q for i < n (rows of d floats) */
    void (*dots)(const float *m, size_t n, size_t d, const float *q, float *out);
    /* first index >= j with s[idx] >= thr, or n */
    size_t (*scan)(const float *s, size_t j, size_t n, float thr);
    /* first index >= j with s[idx] >= thr[idx], or n */
    size_t (*scan2)(const float *s, const float *thr, size_t j, size_t n);
    /* out[i] = half-precision row m16[i,:] . q */
    void (*dots16)(const uint16_t *m16, size_t n, size_t d, const float *q, float *out);
};

struct knn_kern knn_kern_pick(void);

/* knn.c's helpers that knn_sq8.c shares: a top-k list best first (ties to the lower id),
 * feeding a row of scores into it (ex: nexcl ids to skip), and running fn on threads
 * workers, the calling thread being one of them. */
struct knn_hit;
/* Whether id is among ex[0..nexcl). */
static inline int
knn_excluded(const uint32_t *ex, size_t nexcl, uint32_t id)
{
    for (size_t i = 0; i < nexcl; i++)
        if (ex[i] == id)
            return 1;
    return 0;
}
void knn_topk_init(struct knn_hit *h, size_t k);
float knn_topk_insert(struct knn_hit *h, size_t k, float s, uint32_t id);
void knn_select_row(const struct knn_kern *kk, const float *s, size_t n, uint32_t base,
                    struct knn_hit *h, size_t k, const uint32_t *ex, size_t nexcl);
int knn_run_workers(void *(*fn)(void *), void *const *args, int threads);
struct knn_db;
/* Queries q (nq x d), or every database row when q is NULL (then nexcl 1 excludes itself),
 * on db->sq8. */
int knn_sq8_many(const struct knn_db *db, const float *q, size_t nq, size_t k,
                 const uint32_t *excl, size_t nexcl, int threads, struct knn_hit *out);

void knn_dots_avx2(const float *m, size_t n, size_t d, const float *q, float *out);
size_t knn_scan_avx2(const float *s, size_t j, size_t n, float thr);
size_t knn_scan2_avx2(const float *s, const float *thr, size_t j, size_t n);
/* Needs F16C as well (every AVX2 CPU has it; checked before use). */
void knn_dots16_avx2(const uint16_t *m16, size_t n, size_t d, const float *q, float *out);

#endif
