/* knn_query.h - the word queries of knn(1) over a vector set, and the search of a batch of
 * them. A query is a row id of the set or, for a word outside the vocabulary of a fastText
 * model, its character n-gram vector, held here under the id s->v + i until the batch is
 * answered (knn_queries_clear). A batch is searched through an HNSW index when there is one,
 * else through sgemm (knn_batch) when it holds at least KNN_QUERY_BATCH_MIN queries, else one
 * query at a time on one thread (knn_one).
 *
 * Functions return WP_OK or WP_ENOMEM unless said otherwise; nothing here prints. */
#ifndef WP_KNN_QUERY_H
#define WP_KNN_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "knn.h"

struct vecset;
struct knn_hnsw;

enum { KNN_QUERY_BATCH_MIN = 8 }; /* fewer queries are searched one by one */

struct knn_queries {
    const struct vecset *s;
    int metric;           /* enum knn_metric: rows as the metric sees them */
    /* n-gram queries: vectors as the metric sees them, words and |x|^2 */
    float *xq, *xsq;
    char **xw;
    size_t nx, xcap;
    float *qbuf;          /* d floats: a table's query row, computed */
};

int knn_queries_init(struct knn_queries *q, const struct vecset *s, int metric);
void knn_queries_free(struct knn_queries *q);
/* word's character n-gram vector as a new query: 1 and *id, or 0 when the word has no n-gram
 * either (or s has no model); WP_ENOMEM. */
int knn_queries_add_ngrams(struct knn_queries *q, const char *word, uint32_t *id);
/* Forgets the n-gram queries (their ids are reused). */
void knn_queries_clear(struct knn_queries *q);
/* Query id's row as the metric sees it (unit length for cos): a pointer into the set, or for
 * a vector table used in place the row computed into q->qbuf (valid until the next call). */
const float *knn_queries_vec(struct knn_queries *q, uint32_t id);
const char *knn_queries_word(const struct knn_queries *q, uint32_t id);
float knn_queries_sqnorm(const struct knn_queries *q, uint32_t id); /* |raw row|^2 */

/* How a batch is searched (knn(1)'s options). */
struct knn_query_cfg {
    size_t k;
    size_t ef;                   /* HNSW search breadth */
    int exclude;                 /* leave each query's own row out */
    int single;                  /* never batch through sgemm */
    const struct knn_opts *knn;  /* threads and blocks of batches */
};

/* The top cfg->k of queries ids[0..n) into h (n x k, best first) over db, or over hnsw when
 * not NULL; scratch holds db->n floats. WP_OK or the search's error. */
int knn_queries_search(struct knn_queries *q, const struct knn_db *db,
                       const struct knn_hnsw *hnsw, const struct knn_query_cfg *cfg,
                       const uint32_t *ids, size_t n, float *scratch, struct knn_hit *h);

/* A half-precision copy of db's rows for single queries, set in db->m16 and returned (the
 * caller frees it after db's last use), when db is large enough for it to pay (it halves the
 * bytes a query streams once the matrix no longer sits in cache) and is searched in float
 * over raw or unit rows; else NULL. Exactness is kept by knn_one (knn.h). */
uint16_t *knn_db_add_half(struct knn_db *db);

/* The fingerprint of s's float matrix (vecfp.h), which an HNSW index records: a vector
 * table's stored one (no pass over the mapping), else computed over s->m. */
uint64_t knn_set_fingerprint(const struct vecset *s);

#endif
