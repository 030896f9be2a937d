/* analogy_ask.c - one analogy question at a time; see analogy_ask.h. */
#include "analogy_ask.h"

#include <stdlib.h>
#include <string.h>

#include "analogy.h"
#include "common/status.h"
#include "knn_query.h"
#include "vecio/vecset.h"

int
analogy_ask_init(struct analogy_ask *a, const struct vecset *s, int method, size_t n, size_t k,
                 const struct knn_opts *knn)
{
    const size_t rows = method == ANALOGY_MUL ? 3 : 1;
    memset(a, 0, sizeof *a);
    a->s = s;
    a->method = method;
    a->k = k;
    a->knn = knn;
    a->db = (struct knn_db){.m = s->unit, .n = n, .d = s->d, .metric = KNN_COS};
    a->q = malloc(rows * s->d * sizeof *a->q);
    a->u = malloc(3 * s->d * sizeof *a->u);
    a->scratch = malloc(s->v * sizeof *a->scratch);
    if (a->q == NULL || a->u == NULL || a->scratch == NULL)
        return WP_ENOMEM;
    a->m16 = knn_db_add_half(&a->db);
    return WP_OK;
}

void
analogy_ask_free(struct analogy_ask *a)
{
    free(a->q);
    free(a->u);
    free(a->scratch);
    free(a->m16);
    memset(a, 0, sizeof *a);
}

size_t
analogy_ask_split(char *line, char *w[4])
{
    char *save = NULL;
    size_t nw = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && nw < 4;
         t = strtok_r(NULL, " \t\r\n", &save))
        w[nw++] = t;
    return nw;
}

int
analogy_ask_words(struct analogy_ask *a, const char *const w[3], int found[3])
{
    const size_t d = a->s->d;
    for (int i = 0; i < 3; i++) {
        int64_t x;
        const int rc = vecset_vector(a->s, w[i], strlen(w[i]), 1, a->u + i * d, &x);
        if (rc == WP_ENOMEM)
            return rc;
        found[i] = rc < 0 ? -1 : rc;
        a->id[i] = x >= 0 ? (uint32_t)x : KNN_NONE; /* an n-gram vector excludes no row */
    }
    return WP_OK;
}

int
analogy_ask_search(struct analogy_ask *a, struct knn_hit *h)
{
    const size_t d = a->s->d;
    analogy_query_rows(a->method, a->u, a->u + d, a->u + 2 * d, d, a->q);
    return a->method == ANALOGY_MUL
               ? knn_batch(&a->db, a->q, 1, a->k, KNN_COSMUL, a->id, 3, a->knn, h)
               : knn_one(&a->db, a->q, a->k, a->id, 3, 1, a->scratch, h);
}
