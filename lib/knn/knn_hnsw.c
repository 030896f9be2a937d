/* knn_hnsw.c - HNSW graph: build (hnswlib's insertion and neighbour heuristic, on one
 * thread or several), search, save, and the saved file mapped and searched in place. */
#include "knn_hnsw.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/bytes.h"
#include "common/mapfile.h"
#include "common/rng.h"
#include "common/status.h"
#include "kernels/vec.h"
#include "vecio/vecerr.h"

enum { HNSW_LEVEL_MAX = 30 };
/* format 03 is the arrays as search uses them, mapped in place; 01 and 02 were read into
 * memory field by field (02 added the fingerprint of the vectors) and are refused */
static const char HNSW_MAGIC[8] = {'W', 'P', 'H', 'N', 'S', 'W', '0', '3'};
static const char HNSW_MAGIC_OLD[7] = {'W', 'P', 'H', 'N', 'S', 'W', '0'};

struct knn_hnsw {
    const struct knn_db *db;
    size_t n, m, m0;
    uint32_t entry;
    int max_level;
    uint8_t *level;     /* per node */
    uint32_t *link0;    /* n x (1 + m0): count, ids */
    uint32_t *upper;    /* per node: offset into pool of level x (1 + m), or UINT32_MAX */
    uint32_t *pool;
    size_t pool_len, pool_cap;
    void *map;          /* a mapped file (the four arrays point into it), or NULL */
    size_t map_size;
    float (*dot)(const float *, const float *, size_t);
    /* only while a multi-threaded build runs: one lock per node's links, one for the entry */
    pthread_mutex_t *locks;
    pthread_mutex_t glock;
};

enum { HNSW_M_MAX = 1024 };

struct knn_hnsw_scratch {
    uint32_t *visited, tag;
    uint32_t copy[1 + 2 * HNSW_M_MAX];
    struct knn_hit *cand, *res; /* heaps */
    size_t ncand, nres, cap, efmax;
};

void
knn_hnsw_params_default(struct knn_hnsw_params *p)
{
    p->m = 16;
    p->ef_construction = 200;
    p->seed = 1;
    p->threads = 1;
}

/* ---- similarity: higher is nearer; node-node is symmetric ---- */
static inline float
sim_q(const struct knn_hnsw *h, const float *q, uint32_t j)
{
    const struct knn_db *db = h->db;
    const float s = h->dot(q, db->m + (size_t)j * db->d, db->d);
    if (db->rownorm != NULL) /* cosine over raw rows */
        return db->rownorm[j] > 0 ? s / db->rownorm[j] : 0.0f;
    return db->metric == KNN_L2 ? s - 0.5f * db->sqnorm[j] : s;
}

static inline float
sim_nodes(const struct knn_hnsw *h, uint32_t i, uint32_t j)
{
    const struct knn_db *db = h->db;
    const float s = h->dot(db->m + (size_t)i * db->d, db->m + (size_t)j * db->d, db->d);
    if (db->rownorm != NULL) {
        const float nn = db->rownorm[i] * db->rownorm[j];
        return nn > 0 ? s / nn : 0.0f;
    }
    return db->metric == KNN_L2 ? s - 0.5f * (db->sqnorm[i] + db->sqnorm[j]) : s;
}

static inline uint32_t *
links(const struct knn_hnsw *h, uint32_t i, int layer)
{
    if (layer == 0)
        return h->link0 + (size_t)i * (1 + h->m0);
    return h->pool + h->upper[i] + (size_t)(layer - 1) * (1 + h->m);
}

/* The links of i on layer: their ids, and their count in *cnt; copied under i's lock while
 * other threads may be changing them. A mapped file opened without its checksum may have been
 * modified: a node without that layer or whose lists leave the pool has none, counts are
 * capped, and the callers skip ids beyond the rows. */
static const uint32_t *
read_links(const struct knn_hnsw *h, uint32_t i, int layer, uint32_t *copy, uint32_t *cnt)
{
    *cnt = 0;
    if (layer > 0 && (h->level[i] < layer || h->upper[i] == UINT32_MAX ||
                      (size_t)h->upper[i] + (size_t)layer * (1 + h->m) > h->pool_len))
        return copy;
    const uint32_t *l = links(h, i, layer);
    if (h->locks != NULL) {
        pthread_mutex_lock(&h->locks[i]);
        memcpy(copy, l, (1 + (size_t)l[0]) * sizeof *copy);
        pthread_mutex_unlock(&h->locks[i]);
        l = copy;
    }
    const uint32_t max = (uint32_t)(layer == 0 ? h->m0 : h->m);
    *cnt = l[0] < max ? l[0] : max;
    return l + 1;
}

/* ---- heaps of hits: "best" heap pops the highest score, "worst" heap the lowest ---- */
static inline int
hit_before(const struct knn_hit *a, const struct knn_hit *b, int best)
{
    return best ? a->score > b->score : a->score < b->score;
}

static void
heap_push(struct knn_hit *hp, size_t *n, struct knn_hit x, int best)
{
    size_t i = (*n)++;
    while (i > 0) {
        const size_t p = (i - 1) / 2;
        if (!hit_before(&x, &hp[p], best))
            break;
        hp[i] = hp[p];
        i = p;
    }
    hp[i] = x;
}

static struct knn_hit
heap_pop(struct knn_hit *hp, size_t *n, int best)
{
    const struct knn_hit top = hp[0], x = hp[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && hit_before(&hp[c + 1], &hp[c], best))
            c++;
        if (!hit_before(&hp[c], &x, best))
            break;
        hp[i] = hp[c];
        i = c;
    }
    if (*n > 0)
        hp[i] = x;
    return top;
}

struct knn_hnsw_scratch *
knn_hnsw_scratch_new(const struct knn_hnsw *h, size_t ef)
{
    struct knn_hnsw_scratch *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->efmax = ef;
    s->cap = ef + 2 * h->m0 + 2;
    s->visited = calloc(h->n ? h->n : 1, sizeof *s->visited);
    s->cand = malloc(h->n < s->cap * 8 ? (h->n + 1) * sizeof *s->cand
                                       : s->cap * 8 * sizeof *s->cand);
    s->res = malloc((s->cap + 1) * sizeof *s->res);
    if (s->visited == NULL || s->cand == NULL || s->res == NULL) {
        knn_hnsw_scratch_free(s);
        return NULL;
    }
    s->cap = h->n < s->cap * 8 ? h->n + 1 : s->cap * 8;
    return s;
}

void
knn_hnsw_scratch_free(struct knn_hnsw_scratch *s)
{
    if (s == NULL)
        return;
    free(s->visited);
    free(s->cand);
    free(s->res);
    free(s);
}

static void
visit_reset(struct knn_hnsw_scratch *s, size_t n)
{
    if (++s->tag == 0) {
        memset(s->visited, 0, n * sizeof *s->visited);
        s->tag = 1;
    }
}

/* Greedy descent on one layer: the single nearest node reachable from *cur. */
static void
greedy(const struct knn_hnsw *h, const float *q, uint32_t node, uint32_t *cur, float *cs,
       int layer)
{
    uint32_t copy[1 + 2 * HNSW_M_MAX], cnt;
    for (int changed = 1; changed;) {
        changed = 0;
        const uint32_t *l = read_links(h, *cur, layer, copy, &cnt);
        for (uint32_t i = 0; i < cnt; i++) {
            if (l[i] >= h->n)
                continue;
            const float s = q ? sim_q(h, q, l[i]) : sim_nodes(h, node, l[i]);
            if (s > *cs) {
                *cs = s;
                *cur = l[i];
                changed = 1;
            }
        }
    }
}

/* Best-first search of one layer from ep; leaves up to ef results in s->res (a worst-heap). */
static void
search_layer(const struct knn_hnsw *h, struct knn_hnsw_scratch *s, const float *q,
             uint32_t node, uint32_t ep, float eps, size_t ef, int layer)
{
    visit_reset(s, h->n);
    s->ncand = s->nres = 0;
    s->visited[ep] = s->tag;
    const struct knn_hit e = {eps, ep};
    heap_push(s->cand, &s->ncand, e, 1);
    heap_push(s->res, &s->nres, e, 0);
    while (s->ncand > 0) {
        const struct knn_hit c = heap_pop(s->cand, &s->ncand, 1);
        if (s->nres >= ef && c.score < s->res[0].score)
            break;
        uint32_t cnt;
        const uint32_t *l = read_links(h, c.id, layer, s->copy, &cnt);
        /* the rows are scattered: ask for all of them before the first dot product */
        for (uint32_t i = 0; i < cnt; i++)
            if (l[i] < h->n && s->visited[l[i]] != s->tag) {
                __builtin_prefetch(h->db->m + (size_t)l[i] * h->db->d);
                if (h->db->rownorm != NULL)
                    __builtin_prefetch(h->db->rownorm + l[i]);
            }
        for (uint32_t i = 0; i < cnt; i++) {
            const uint32_t x = l[i];
            if (x >= h->n || s->visited[x] == s->tag)
                continue;
            s->visited[x] = s->tag;
            const float sc = q ? sim_q(h, q, x) : sim_nodes(h, node, x);
            if (s->nres < ef || sc > s->res[0].score) {
                const struct knn_hit hx = {sc, x};
                if (s->ncand < s->cap)
                    heap_push(s->cand, &s->ncand, hx, 1);
                heap_push(s->res, &s->nres, hx, 0);
                if (s->nres > ef)
                    heap_pop(s->res, &s->nres, 0);
            }
        }
    }
}

static int
cmp_best(const void *a, const void *b)
{
    const struct knn_hit *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* hnswlib's heuristic: keep a candidate only if it is nearer to the base than to every
 * neighbour kept so far. c (n entries, sorted best first) is reduced in place to <= max. */
static size_t
select_neighbours(const struct knn_hnsw *h, struct knn_hit *c, size_t n, size_t max)
{
    size_t kept = 0;
    for (size_t i = 0; i < n && kept < max; i++) {
        int good = 1;
        for (size_t j = 0; j < kept && good; j++)
            if (sim_nodes(h, c[i].id, c[j].id) > c[i].score)
                good = 0;
        if (good)
            c[kept++] = c[i];
    }
    return kept;
}

/* Adds link from e to node on layer, shrinking e's list with the heuristic if full. */
static void
add_link_locked(const struct knn_hnsw *h, uint32_t e, uint32_t node, int layer,
                struct knn_hit *tmp)
{
    uint32_t *l = links(h, e, layer);
    const size_t max = layer == 0 ? h->m0 : h->m;
    if (l[0] < max) {
        l[++l[0]] = node;
        return;
    }
    size_t n = 0;
    for (uint32_t i = 1; i <= l[0]; i++)
        tmp[n++] = (struct knn_hit){sim_nodes(h, e, l[i]), l[i]};
    tmp[n++] = (struct knn_hit){sim_nodes(h, e, node), node};
    qsort(tmp, n, sizeof *tmp, cmp_best);
    n = select_neighbours(h, tmp, n, max);
    l[0] = (uint32_t)n;
    for (size_t i = 0; i < n; i++)
        l[i + 1] = tmp[i].id;
}

static void
add_link(const struct knn_hnsw *h, uint32_t e, uint32_t node, int layer, struct knn_hit *tmp)
{
    if (h->locks != NULL)
        pthread_mutex_lock(&h->locks[e]);
    add_link_locked(h, e, node, layer, tmp);
    if (h->locks != NULL)
        pthread_mutex_unlock(&h->locks[e]);
}

static void
insert(struct knn_hnsw *h, struct knn_hnsw_scratch *s, uint32_t node, size_t efc,
       struct knn_hit *tmp)
{
    const int lv = h->level[node];
    if (h->locks != NULL)
        pthread_mutex_lock(&h->glock);
    const int maxl = h->max_level;
    uint32_t cur = h->entry;
    /* a node that raises the top level keeps the entry lock for its whole insertion */
    const int hold = h->locks != NULL && lv > maxl;
    if (h->locks != NULL && !hold)
        pthread_mutex_unlock(&h->glock);
    float cs = sim_nodes(h, node, cur);
    for (int l = maxl; l > lv; l--)
        greedy(h, NULL, node, &cur, &cs, l);
    for (int l = lv < maxl ? lv : maxl; l >= 0; l--) {
        search_layer(h, s, NULL, node, cur, cs, efc, l);
        size_t n = s->nres;
        memcpy(tmp, s->res, n * sizeof *tmp);
        qsort(tmp, n, sizeof *tmp, cmp_best);
        cur = tmp[0].id;
        cs = tmp[0].score;
        n = select_neighbours(h, tmp, n, h->m);
        if (h->locks != NULL)
            pthread_mutex_lock(&h->locks[node]);
        uint32_t *mine = links(h, node, l);
        mine[0] = (uint32_t)n;
        for (size_t i = 0; i < n; i++)
            mine[i + 1] = tmp[i].id;
        if (h->locks != NULL)
            pthread_mutex_unlock(&h->locks[node]);
        for (size_t i = 0; i < n; i++)
            add_link(h, tmp[i].id, node, l, tmp + n);
    }
    if (lv > maxl) {
        h->max_level = lv;
        h->entry = node;
    }
    if (hold)
        pthread_mutex_unlock(&h->glock);
}

/* ---- building: nodes 1..n-1 inserted by workers taking the next id ---- */
struct build_job {
    struct knn_hnsw *h;
    size_t efc;
    atomic_size_t next;
    atomic_int status;
};

static void *
build_worker(void *arg)
{
    struct build_job *j = arg;
    struct knn_hnsw_scratch *s = knn_hnsw_scratch_new(j->h, j->efc);
    struct knn_hit *tmp = malloc((j->efc + 4 * j->h->m0 + 4) * sizeof *tmp);
    if (s == NULL || tmp == NULL) {
        atomic_store(&j->status, WP_ENOMEM);
    } else {
        for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->h->n;)
            insert(j->h, s, (uint32_t)i, j->efc, tmp);
    }
    knn_hnsw_scratch_free(s);
    free(tmp);
    return NULL;
}

static int
build_all(struct knn_hnsw *h, size_t efc, int threads)
{
    enum { T_MAX = 64 };
    struct build_job j = {.h = h, .efc = efc};
    pthread_t tid[T_MAX];
    int started[T_MAX] = {0};
    const int t = threads < 1 ? 1 : threads > T_MAX ? T_MAX : threads;
    atomic_init(&j.next, 1);
    atomic_init(&j.status, WP_OK);
    h->entry = 0;
    h->max_level = h->level[0];
    if (t > 1) {
        h->locks = malloc(h->n * sizeof *h->locks);
        if (h->locks == NULL)
            return WP_ENOMEM;
        for (size_t i = 0; i < h->n; i++)
            pthread_mutex_init(&h->locks[i], NULL);
        pthread_mutex_init(&h->glock, NULL);
    }
    for (int i = 1; i < t; i++)
        started[i] = pthread_create(&tid[i], NULL, build_worker, &j) == 0;
    build_worker(&j);
    for (int i = 1; i < t; i++)
        if (started[i])
            pthread_join(tid[i], NULL);
    if (h->locks != NULL) {
        for (size_t i = 0; i < h->n; i++)
            pthread_mutex_destroy(&h->locks[i]);
        pthread_mutex_destroy(&h->glock);
        free(h->locks);
        h->locks = NULL;
    }
    return atomic_load(&j.status);
}

static int
alloc_graph(struct knn_hnsw *h, size_t n, size_t m)
{
    h->n = n;
    h->m = m;
    h->m0 = 2 * m;
    h->dot = vec_ops()->dot;
    size_t cells;
    if (!size_mul_ok(n ? n : 1, 1 + h->m0, &cells))
        return WP_ERANGE;
    h->level = calloc(n ? n : 1, 1);
    h->link0 = calloc(cells, sizeof *h->link0);
    h->upper = malloc((n ? n : 1) * sizeof *h->upper);
    return h->level && h->link0 && h->upper ? WP_OK : WP_ENOMEM;
}

static int
alloc_upper(struct knn_hnsw *h, uint32_t i)
{
    if (h->level[i] == 0) {
        h->upper[i] = UINT32_MAX;
        return WP_OK;
    }
    const size_t need = (size_t)h->level[i] * (1 + h->m);
    if (h->pool_len + need >= UINT32_MAX) /* offsets are u32 in the file */
        return WP_ERANGE;
    if (h->pool_len + need > h->pool_cap) {
        size_t cap = h->pool_cap ? h->pool_cap * 2 : 4096;
        while (cap < h->pool_len + need)
            cap *= 2;
        uint32_t *p = realloc(h->pool, cap * sizeof *p);
        if (p == NULL)
            return WP_ENOMEM;
        h->pool = p;
        h->pool_cap = cap;
    }
    h->upper[i] = (uint32_t)h->pool_len;
    memset(h->pool + h->pool_len, 0, need * sizeof *h->pool);
    h->pool_len += need;
    return WP_OK;
}

int
knn_hnsw_build(struct knn_hnsw **out, const struct knn_db *db, const struct knn_hnsw_params *p)
{
    if (p->m < 2 || p->m > HNSW_M_MAX || p->ef_construction < 1 || db->n >= KNN_NONE ||
        (db->metric == KNN_L2 && db->sqnorm == NULL))
        return WP_ERANGE;
    struct knn_hnsw *h = calloc(1, sizeof *h);
    if (h == NULL)
        return WP_ENOMEM;
    h->db = db;
    int rc = alloc_graph(h, db->n, p->m);
    struct rng r;
    rng_seed(&r, p->seed, 0);
    const double ml = 1.0 / log((double)p->m);
    for (size_t i = 0; i < db->n && rc == WP_OK; i++) {
        const double u = 1.0 - (double)rng_unit(&r); /* (0, 1] */
        const double lv = floor(-log(u) * ml);
        h->level[i] = (uint8_t)(lv > HNSW_LEVEL_MAX ? HNSW_LEVEL_MAX : lv);
        rc = alloc_upper(h, (uint32_t)i);
    }
    if (rc == WP_OK && db->n > 0)
        rc = build_all(h, p->ef_construction, p->threads);
    if (rc < 0) {
        knn_hnsw_free(h);
        return rc;
    }
    *out = h;
    return WP_OK;
}

int
knn_hnsw_search(const struct knn_hnsw *h, struct knn_hnsw_scratch *s, const float *q, size_t k,
                size_t ef, const uint32_t *excl, size_t nexcl, struct knn_hit *out)
{
    if (k == 0)
        return WP_ERANGE;
    for (size_t i = 0; i < k; i++)
        out[i] = (struct knn_hit){-INFINITY, KNN_NONE};
    if (h->n == 0)
        return WP_OK;
    if (ef < k + nexcl)
        ef = k + nexcl;
    if (ef > s->efmax)
        return WP_ERANGE; /* scratch made for a smaller ef */
    uint32_t cur = h->entry;
    float cs = sim_q(h, q, cur);
    for (int l = h->max_level; l > 0; l--)
        greedy(h, q, 0, &cur, &cs, l);
    search_layer(h, s, q, 0, cur, cs, ef, 0);
    qsort(s->res, s->nres, sizeof *s->res, cmp_best);
    const float scale = h->db->metric == KNN_L2 ? 2.0f : 1.0f;
    size_t n = 0;
    for (size_t i = 0; i < s->nres && n < k; i++) {
        int skip = 0;
        for (size_t j = 0; j < nexcl && excl; j++)
            skip |= excl[j] == s->res[i].id;
        if (!skip)
            out[n++] = (struct knn_hit){s->res[i].score * scale, s->res[i].id};
    }
    return WP_OK;
}

void
knn_hnsw_free(struct knn_hnsw *h)
{
    if (h == NULL)
        return;
    if (h->map != NULL) {
        wp_unmap_file(h->map, h->map_size);
    } else {
        free(h->level);
        free(h->link0);
        free(h->upper);
        free(h->pool);
    }
    free(h);
}

/* ---- the file: a header, then the four arrays as search uses them, little-endian, each
 * starting on a 64-byte boundary (wordpipe(5) "HNSW INDEXES") ---- */
enum {
    HDR = 64, SEC_ALIGN = 64, F_N = 8, F_D = 12, F_M = 16, F_MAXL = 20, F_ENTRY = 24,
    F_METRIC = 28, F_FINGERPRINT = 32, F_POOL = 40, F_BODY_CHECK = 48, F_HEADER_CHECK = 56
};

struct hlayout {
    size_t level, link0, upper, pool, end;
};

static int
sec_end(size_t start, size_t count, size_t size, size_t *next)
{
    size_t a;
    if (!size_mul_ok(count, size, &a) || !size_add_ok(start, a, &a) ||
        !size_add_ok(a, SEC_ALIGN - 1, &a))
        return 0;
    *next = a & ~(size_t)(SEC_ALIGN - 1);
    return 1;
}

/* Offsets of the sections; 0 when they overflow size_t. */
static int
hlayout_of(size_t n, size_t m0, size_t pool_len, struct hlayout *l)
{
    l->level = HDR;
    return sec_end(l->level, n, 1, &l->link0) && n <= SIZE_MAX / (1 + m0) &&
           sec_end(l->link0, n * (1 + m0), 4, &l->upper) && sec_end(l->upper, n, 4, &l->pool) &&
           sec_end(l->pool, pool_len, 4, &l->end);
}

static void
store_u32s(unsigned char *b, const uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        le32_store(b + 4 * i, v[i]);
}

int
knn_hnsw_save(const struct knn_hnsw *h, uint64_t fingerprint, FILE *fp)
{
    struct hlayout l;
    if (!hlayout_of(h->n, h->m0, h->pool_len, &l))
        return WP_ERANGE;
    unsigned char *b = calloc(1, l.end); /* the whole file, written at once */
    if (b == NULL)
        return WP_ENOMEM;
    memcpy(b + l.level, h->level, h->n);
    store_u32s(b + l.link0, h->link0, h->n * (1 + h->m0));
    store_u32s(b + l.upper, h->upper, h->n);
    store_u32s(b + l.pool, h->pool, h->pool_len);
    memcpy(b, HNSW_MAGIC, sizeof HNSW_MAGIC);
    const uint32_t head[6] = {(uint32_t)h->n, (uint32_t)h->db->d, (uint32_t)h->m,
                              (uint32_t)h->max_level, h->entry, (uint32_t)h->db->metric};
    store_u32s(b + F_N, head, 6);
    le64_store(b + F_FINGERPRINT, fingerprint);
    le64_store(b + F_POOL, h->pool_len);
    le64_store(b + F_BODY_CHECK, XXH3_64bits(b + HDR, l.end - HDR));
    le64_store(b + F_HEADER_CHECK, XXH3_64bits(b, F_HEADER_CHECK));
    const int rc = fwrite(b, 1, l.end, fp) == l.end && fflush(fp) == 0 ? WP_OK : WP_EIO;
    free(b);
    return rc;
}

static const char *const metric_name[] = {"cos", "dot", "l2"};

/* The header against db and the file's size: the layout, or an error. */
static int
check_header(struct knn_hnsw *h, const unsigned char *b, size_t size, const struct knn_db *db,
             uint64_t fingerprint, struct hlayout *l, struct w2vfmt_error *err)
{
    if (le64_load(b + F_HEADER_CHECK) != XXH3_64bits(b, F_HEADER_CHECK))
        return vecerr_set(err, WP_ECORRUPT, "HNSW index header check failed");
    uint32_t f[6];
    for (int i = 0; i < 6; i++)
        f[i] = le32_load(b + F_N + 4 * i);
    const uint64_t pool_len = le64_load(b + F_POOL);
    if (f[2] < 2 || f[2] > HNSW_M_MAX || f[3] > HNSW_LEVEL_MAX || f[4] >= f[0] || f[5] > 2 ||
        pool_len >= UINT32_MAX)
        return vecerr_set(err, WP_ECORRUPT, "HNSW index header: inconsistent fields");
    if (f[0] != db->n || f[1] != db->d || f[5] != (uint32_t)db->metric)
        return vecerr_set(err, WP_ECORRUPT,
                          "an HNSW index of %u rows x %u (%s), the vectors searched are %zu x %zu "
                          "(%s; -r, --metric): remove it to build one for them",
                          (unsigned)f[0], (unsigned)f[1], metric_name[f[5]], db->n, db->d,
                          metric_name[db->metric > 2 ? 0 : db->metric]);
    if (le64_load(b + F_FINGERPRINT) != fingerprint)
        return vecerr_set(err, WP_EVOCAB, "HNSW index built over other vectors (their "
                          "fingerprint differs): remove it to build one for these");
    h->n = f[0];
    h->m = f[2];
    h->m0 = 2 * (size_t)f[2];
    h->max_level = (int)f[3];
    h->entry = f[4];
    h->pool_len = (size_t)pool_len;
    if (!hlayout_of(h->n, h->m0, h->pool_len, l))
        return vecerr_set(err, WP_ERANGE, "HNSW index too large for this host");
    if (size < l->end)
        return vecerr_set(err, WP_ETRUNC, "HNSW index truncated: %zu bytes, its header says %zu",
                          size, l->end);
    if (size > l->end)
        return vecerr_set(err, WP_ECORRUPT, "HNSW index: %zu bytes after its end", size - l->end);
    return WP_OK;
}

/* The header read with pread (so that a short or foreign file needs no mapping). */
static int
read_header(int fd, unsigned char *b, size_t *size, struct w2vfmt_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return WP_EIO;
    if (!S_ISREG(st.st_mode))
        return vecerr_set(err, WP_EFORMAT, "an HNSW index must be a regular file (it is mapped)");
    if ((uint64_t)st.st_size > SIZE_MAX)
        return vecerr_set(err, WP_ERANGE, "HNSW index too large for this host");
    *size = (size_t)st.st_size;
    size_t got = 0;
    while (got < HDR) {
        const ssize_t r = pread(fd, b + got, HDR - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return WP_EIO;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got < sizeof HNSW_MAGIC || memcmp(b, HNSW_MAGIC, sizeof HNSW_MAGIC) != 0) {
        if (got >= sizeof HNSW_MAGIC && memcmp(b, HNSW_MAGIC_OLD, sizeof HNSW_MAGIC_OLD) == 0 &&
            (b[7] == '1' || b[7] == '2'))
            return vecerr_set(err, WP_EVERSION, "an HNSW index of format 0%c (read into memory; "
                              "this knn maps format 03): remove it to build one", b[7]);
        return vecerr_set(err, WP_EMAGIC, "not a knn HNSW index");
    }
    if (got < HDR)
        return vecerr_set(err, WP_ETRUNC, "HNSW index truncated: %zu bytes, shorter than its "
                          "header", got);
    return WP_OK;
}

int
knn_hnsw_map(struct knn_hnsw **out, int fd, const struct knn_db *db, uint64_t fingerprint,
             unsigned flags, struct w2vfmt_error *err)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    return vecerr_set(err, WP_EFORMAT, "HNSW indexes are used in place: a little-endian host "
                      "only");
#endif
    unsigned char hd[HDR];
    size_t size = 0;
    struct hlayout l;
    WP_TRY(read_header(fd, hd, &size, err));
    struct knn_hnsw *h = calloc(1, sizeof *h);
    if (h == NULL)
        return WP_ENOMEM;
    int rc = check_header(h, hd, size, db, fingerprint, &l, err);
    if (rc == WP_OK) {
        void *base;
        if ((rc = wp_map_file(fd, size, &base)) == WP_OK)
            h->map = base, h->map_size = size;
    }
    if (rc == WP_OK && !(flags & KNN_HNSW_TRUST)) {
        const unsigned char *b = h->map;
        if (XXH3_64bits(b + HDR, size - HDR) != le64_load(b + F_BODY_CHECK))
            rc = vecerr_set(err, WP_ECHECKSUM, "HNSW index: checksum mismatch (a modified file)");
    }
    if (rc < 0) {
        knn_hnsw_free(h);
        return rc;
    }
    unsigned char *b = h->map; /* read only: search never writes the arrays */
    h->db = db;
    h->dot = vec_ops()->dot;
    h->level = b + l.level;
    h->link0 = (uint32_t *)(b + l.link0);
    h->upper = (uint32_t *)(b + l.upper);
    h->pool = (uint32_t *)(b + l.pool);
    *out = h;
    return WP_OK;
}

int
knn_hnsw_open(struct knn_hnsw **out, const char *path, const struct knn_db *db,
              uint64_t fingerprint, unsigned flags, struct w2vfmt_error *err)
{
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? WP_ENOTFOUND : WP_EIO;
    const int rc = knn_hnsw_map(out, fd, db, fingerprint, flags, err);
    const int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* ---- batches: queries split over threads, one scratch each ---- */
struct hnsw_batch {
    const struct knn_hnsw *h;
    const float *q;
    size_t nq, k, ef, nexcl;
    const uint32_t *excl;
    struct knn_hit *out;
    size_t q0, q1;
    int rc;
};

static void *
hnsw_batch_run(void *arg)
{
    struct hnsw_batch *b = arg;
    const size_t ef = b->ef > b->k + b->nexcl ? b->ef : b->k + b->nexcl;
    struct knn_hnsw_scratch *s = knn_hnsw_scratch_new(b->h, ef);
    b->rc = s ? WP_OK : WP_ENOMEM;
    const size_t d = b->h->db->d;
    for (size_t i = b->q0; i < b->q1 && b->rc == WP_OK; i++)
        b->rc = knn_hnsw_search(b->h, s, b->q + i * d, b->k, b->ef,
                                b->excl ? b->excl + i * b->nexcl : NULL, b->excl ? b->nexcl : 0,
                                b->out + i * b->k);
    knn_hnsw_scratch_free(s);
    return NULL;
}

int
knn_hnsw_search_batch(const struct knn_hnsw *h, const float *q, size_t nq, size_t k, size_t ef,
                      const uint32_t *excl, size_t nexcl, int threads, struct knn_hit *out)
{
    enum { T_MAX = 64 };
    struct hnsw_batch b[T_MAX];
    pthread_t tid[T_MAX];
    const size_t t = threads < 1 ? 1 : threads > T_MAX ? T_MAX : (size_t)threads;
    int started[T_MAX] = {0}, rc = WP_OK;
    for (size_t i = 0; i < t; i++) {
        b[i] = (struct hnsw_batch){.h = h, .q = q, .nq = nq, .k = k, .ef = ef, .nexcl = nexcl,
                                   .excl = excl, .out = out, .q0 = nq * i / t,
                                   .q1 = nq * (i + 1) / t};
        if (i > 0)
            started[i] = pthread_create(&tid[i], NULL, hnsw_batch_run, &b[i]) == 0;
    }
    hnsw_batch_run(&b[0]);
    for (size_t i = 1; i < t; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            hnsw_batch_run(&b[i]);
    }
    for (size_t i = 0; i < t; i++)
        if (b[i].rc < 0)
            rc = b[i].rc;
    return rc;
}
