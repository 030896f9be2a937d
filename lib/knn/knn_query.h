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

/* Looks word up: 1 (KNN_QUERY_ROW) and *id its row; for a word outside the vocabulary of a
 * fastText model, 2 (KNN_QUERY_NGRAMS) and *id its n-gram vector as a new query
 * (knn_queries_add_ngrams); 0 when it has neither; WP_ENOMEM. */
enum { KNN_QUERY_ROW = 1, KNN_QUERY_NGRAMS = 2 };
int knn_queries_lookup(struct knn_queries *q, const char *word, uint32_t *id);

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

/* Every row of db as a query (h: db->n x cfg->k, best first): through hnsw when not NULL,
 * else all against all (knn_all). */
int knn_queries_search_all(struct knn_queries *q, const struct knn_db *db,
                           const struct knn_hnsw *hnsw, const struct knn_query_cfg *cfg,
                           float *scratch, struct knn_hit *h);

/* db over the first n rows of s as metric sees them: the unit rows for cos (raw for dot and
 * l2) when s has them, else (a vector table used in place) the raw rows, divided by their
 * norms for cos; and when int8 is set or the table holds no floats, its int8 codes (sq8,
 * filled here, rescoring rerank candidates) searched instead. */
void knn_db_of_set(struct knn_db *db, struct knn_sq8 *sq8, const struct vecset *s, int metric,
                   size_t n, int int8, size_t rerank);

/* Queries given as vectors (knn --query-vectors), in batches of up to cap: each scaled as
 * the metric sees it (unit length for cos, exactly as vecset scales its own rows), with its
 * label and |x|^2 as scaled. */
struct knn_qvecs {
    size_t d, n, cap;
    int metric;
    float *q;       /* cap x d */
    float *sq;      /* cap */
    char **labels;  /* n of them, NUL-terminated */
};
int knn_qvecs_init(struct knn_qvecs *b, size_t d, size_t cap, int metric);
void knn_qvecs_free(struct knn_qvecs *b);
/* Where the next vector goes (d floats; the batch is not full). */
float *knn_qvecs_slot(struct knn_qvecs *b);
/* Takes the vector written at knn_qvecs_slot, labelled by len bytes of label: 1 when the
 * batch is now full, else 0; WP_ENOMEM. */
int knn_qvecs_push(struct knn_qvecs *b, const char *label, size_t len);
/* The top k of each vector of the batch over db into h (n x k, best first). */
int knn_qvecs_search(const struct knn_qvecs *b, const struct knn_db *db, size_t k,
                     const struct knn_opts *o, struct knn_hit *h);
/* Empties the batch. */
void knn_qvecs_clear(struct knn_qvecs *b);

/* A half-precision copy of db's rows for single queries, set in db->m16 and returned (the
 * caller frees it after db's last use), when db is large enough for it to pay (it halves the
 * bytes a query streams once the matrix no longer sits in cache) and is searched in float
 * over raw or unit rows; else NULL. Exactness is kept by knn_one (knn.h). */
uint16_t *knn_db_add_half(struct knn_db *db);

#endif
