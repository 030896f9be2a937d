/* analogy.c - analogy queries and the questions-words evaluation (see analogy.h for the
 * two conventions). */
#include "analogy.h"

#include <stdlib.h>
#include <string.h>

#include "common/bom.h"
#include "common/status.h"
#include "common/wordmap.h"

void
analogy_fold(char *w)
{
    for (; *w != '\0'; w++)
        if (*w >= 'a' && *w <= 'z')
            *w = (char)(*w - 'a' + 'A');
}

int
analogy_lookup_init(struct analogy_lookup *lk, const struct vecset *s, size_t n, int fold)
{
    memset(lk, 0, sizeof *lk);
    lk->s = s;
    lk->n = n == 0 || n > s->v ? s->v : n;
    lk->fold = fold;
    if (!fold)
        return WP_OK;
    int rc = wordmap_create(&lk->map, lk->n);
    if (rc == WP_OK && (lk->keys = calloc(lk->n ? lk->n : 1, sizeof *lk->keys)) == NULL)
        rc = WP_ENOMEM;
    for (size_t i = 0; i < lk->n && rc == WP_OK; i++) {
        const size_t len = strlen(s->words[i]);
        if ((lk->keys[i] = malloc(len + 1)) == NULL) {
            rc = WP_ENOMEM;
            break;
        }
        memcpy(lk->keys[i], s->words[i], len + 1);
        analogy_fold(lk->keys[i]);
        rc = wordmap_insert(lk->map, lk->keys[i], len, (uint32_t)i, NULL); /* first wins */
        rc = rc < 0 ? rc : WP_OK;
    }
    if (rc < 0)
        analogy_lookup_free(lk);
    return rc;
}

void
analogy_lookup_free(struct analogy_lookup *lk)
{
    if (lk->keys != NULL)
        for (size_t i = 0; i < lk->n; i++)
            free(lk->keys[i]);
    free(lk->keys);
    wordmap_free(lk->map);
    lk->keys = NULL;
    lk->map = NULL;
}

int64_t
analogy_lookup_find(const struct analogy_lookup *lk, const char *word, size_t len)
{
    if (!lk->fold) {
        const int64_t id = vecset_find(lk->s, word, len);
        return id >= 0 && (size_t)id < lk->n ? id : -1;
    }
    char small[256], *w = len < sizeof small ? small : malloc(len + 1);
    if (w == NULL)
        return -1;
    memcpy(w, word, len);
    w[len] = '\0';
    analogy_fold(w);
    const int64_t id = wordmap_find(lk->map, w, len);
    if (w != small)
        free(w);
    return id;
}

void
analogy_opts_default(struct analogy_opts *o)
{
    o->restrict_n = 30000;
    o->convention = ANALOGY_W2V;
    o->method = ANALOGY_ADD;
    o->fold = 1;
    knn_opts_default(&o->knn);
}

void
analogy_query(const struct vecset *s, int method, uint32_t a, uint32_t b, uint32_t c, float *q)
{
    const size_t d = s->d;
    analogy_query_rows(method, s->unit + a * d, s->unit + b * d, s->unit + c * d, d, q);
}

void
analogy_query_rows(int method, const float *ua, const float *ub, const float *uc, size_t d,
                   float *q)
{
    if (method == ANALOGY_MUL) {
        memcpy(q, ua, d * sizeof *q);
        memcpy(q + d, ub, d * sizeof *q);
        memcpy(q + 2 * d, uc, d * sizeof *q);
        return;
    }
    for (size_t j = 0; j < d; j++)
        q[j] = ub[j] - ua[j] + uc[j];
}

/* ---- parsing the questions file ---- */
struct question {
    uint32_t id[4]; /* a, b, c, expected */
    size_t sec;
};

struct parse {
    struct question *q;
    size_t nq, cap;
};

static int
add_section(struct analogy_result *res, const char *name)
{
    struct analogy_section *ns = realloc(res->sec, (res->nsec + 1) * sizeof *ns);
    if (ns == NULL)
        return WP_ENOMEM;
    res->sec = ns;
    struct analogy_section *sec = &ns[res->nsec];
    memset(sec, 0, sizeof *sec);
    const size_t len = strcspn(name, " \t\r\n");
    if ((sec->name = malloc(len + 1)) == NULL)
        return WP_ENOMEM;
    memcpy(sec->name, name, len);
    sec->name[len] = '\0';
    sec->syntactic = strncmp(sec->name, "gram", 4) == 0;
    res->nsec++;
    return WP_OK;
}

/* Handles one question line; returns WP_OK (also when skipped) or an error. */
static int
add_question(struct parse *p, struct analogy_result *res, const struct analogy_lookup *lk,
             char *line, size_t lineno)
{
    char *w[5], *save = NULL;
    size_t n = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && n < 5; t = strtok_r(NULL, " \t\r\n", &save))
        w[n++] = t;
    if (n == 0)
        return WP_OK;
    struct analogy_section *sec = &res->sec[res->nsec - 1];
    if (n != 4) { /* a question all the same, not answered: skipped, so the counts add up */
        if (res->bad_lines++ == 0)
            res->first_bad_line = lineno;
        sec->skipped++;
        res->skipped++;
        return WP_OK;
    }
    struct question qu = {.sec = res->nsec - 1};
    res->questions++;
    for (int i = 0; i < 4; i++) {
        const int64_t id = analogy_lookup_find(lk, w[i], strlen(w[i]));
        if (id < 0) {
            sec->skipped++;
            res->skipped++;
            return WP_OK;
        }
        qu.id[i] = (uint32_t)id;
    }
    if (p->nq == p->cap) {
        const size_t ncap = p->cap ? p->cap * 2 : 1024;
        struct question *nq = realloc(p->q, ncap * sizeof *nq);
        if (nq == NULL)
            return WP_ENOMEM;
        p->q = nq;
        p->cap = ncap;
    }
    p->q[p->nq++] = qu;
    return WP_OK;
}

static int
parse_file(FILE *fp, const struct analogy_lookup *lk, struct parse *p,
           struct analogy_result *res, struct w2vfmt_error *err)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int rc = WP_OK;
    while (rc == WP_OK && (len = getline(&line, &cap, fp)) >= 0) {
        char *const l = ++lineno == 1 ? line + utf8_bom_len(line, (size_t)len) : line;
        if (l[0] == ':') {
            rc = add_section(res, l + 1 + strspn(l + 1, " \t"));
        } else if (res->nsec == 0) {
            if (l[strspn(l, " \t\r\n")] == '\0')
                continue;
            rc = WP_EFORMAT;
            if (err != NULL) {
                err->line = lineno;
                snprintf(err->msg, sizeof err->msg,
                         "question before the first \": section\" line");
            }
        } else {
            rc = add_question(p, res, lk, l, lineno);
        }
    }
    if (rc == WP_OK && ferror(fp))
        rc = WP_EIO;
    free(line);
    return rc;
}

/* ---- grading ---- */
static int
same_word(const struct vecset *s, int fold, uint32_t x, uint32_t y)
{
    if (!fold || x == y)
        return x == y;
    const char *a = s->words[x], *b = s->words[y];
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        const char ca = *a >= 'a' && *a <= 'z' ? (char)(*a - 32) : *a;
        const char cb = *b >= 'a' && *b <= 'z' ? (char)(*b - 32) : *b;
        if (ca != cb)
            return 0;
    }
    return *a == *b;
}

static int
graded_correct(const struct vecset *s, const struct analogy_opts *o, const struct question *q,
               const struct knn_hit *h, size_t k)
{
    if (o->convention == ANALOGY_W2V) /* compute-accuracy: best must beat 0 */
        return h[0].id != KNN_NONE && h[0].score > 0 && same_word(s, o->fold, h[0].id, q->id[3]);
    for (size_t i = 0; i < k && h[i].id != KNN_NONE; i++) {
        if (same_word(s, o->fold, h[i].id, q->id[0]) || same_word(s, o->fold, h[i].id, q->id[1]) ||
            same_word(s, o->fold, h[i].id, q->id[2]))
            continue;
        return same_word(s, o->fold, h[i].id, q->id[3]);
    }
    return 0;
}

static int
run_questions(const struct vecset *s, const struct analogy_opts *o, size_t n,
              const struct parse *p, struct analogy_result *res)
{
    const size_t rows = o->method == ANALOGY_MUL ? 3 : 1;
    const size_t k = o->convention == ANALOGY_W2V ? 1 : ANALOGY_GENSIM_TOPN;
    const size_t nq = p->nq ? p->nq : 1;
    float *q = malloc(nq * rows * s->d * sizeof *q);
    uint32_t *ex = malloc(nq * 3 * sizeof *ex);
    struct knn_hit *h = malloc(nq * k * sizeof *h);
    int rc = q && ex && h ? WP_OK : WP_ENOMEM;
    for (size_t i = 0; i < p->nq && rc == WP_OK; i++) {
        const struct question *qu = &p->q[i];
        analogy_query(s, o->method, qu->id[0], qu->id[1], qu->id[2], q + i * rows * s->d);
        memcpy(ex + 3 * i, qu->id, 3 * sizeof *ex);
    }
    const struct knn_db db = {.m = s->unit, .n = n, .d = s->d, .metric = KNN_COS};
    if (rc == WP_OK && p->nq > 0)
        rc = knn_batch(&db, q, p->nq, k, o->method == ANALOGY_MUL ? KNN_COSMUL : KNN_PLAIN, ex,
                       3, &o->knn, h);
    for (size_t i = 0; i < p->nq && rc == WP_OK; i++) {
        struct analogy_section *sec = &res->sec[p->q[i].sec];
        const int ok = graded_correct(s, o, &p->q[i], h + i * k, k);
        sec->seen++;
        sec->correct += (size_t)ok;
        res->seen++;
        res->correct += (size_t)ok;
    }
    free(q);
    free(ex);
    free(h);
    return rc;
}

int
analogy_eval(const struct vecset *s, FILE *fp, const struct analogy_opts *o,
             struct analogy_result *res, struct w2vfmt_error *err)
{
    struct analogy_lookup lk;
    struct parse p = {0};
    memset(res, 0, sizeof *res);
    int rc = analogy_lookup_init(&lk, s, o->restrict_n, o->fold);
    if (rc < 0)
        return rc;
    rc = parse_file(fp, &lk, &p, res, err);
    if (rc == WP_OK)
        rc = run_questions(s, o, lk.n, &p, res);
    free(p.q);
    analogy_lookup_free(&lk);
    if (rc < 0)
        analogy_result_free(res);
    return rc;
}

void
analogy_result_free(struct analogy_result *res)
{
    for (size_t i = 0; i < res->nsec; i++)
        free(res->sec[i].name);
    free(res->sec);
    memset(res, 0, sizeof *res);
}

void
analogy_result_group(const struct analogy_result *res, int syntactic,
                     struct analogy_section *sum)
{
    *sum = (struct analogy_section){.syntactic = syntactic};
    for (size_t i = 0; i < res->nsec; i++)
        if (res->sec[i].syntactic == syntactic) {
            sum->correct += res->sec[i].correct;
            sum->seen += res->sec[i].seen;
            sum->skipped += res->sec[i].skipped;
        }
}
