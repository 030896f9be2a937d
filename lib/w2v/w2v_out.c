/* w2v_out.c - a trained model as w2v-train's outputs hold it (w2v_out.h). */
#include "w2v_out.h"

#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/status.h"
#include "text/vocab.h"
#include "stream/rec.h"
#include "vecio/vecfile.h"
#include "vecio/vecset.h"
#include "vecio/w2vfmt.h"

/* The whole input table fastText holds, V + buckets rows: syn0 has the words and the
 * buckets in use (w2v.h), the others keep their initial values. NULL: out of memory. */
static float *
full_input(const struct w2v_model *m)
{
    const size_t d = m->p.dim, n = m->n;
    float *x = malloc((n + m->p.buckets) * d * sizeof *x);
    if (x == NULL || w2v_init_input(m, x, 1) < 0) {
        free(x);
        return NULL;
    }
    memcpy(x, m->syn0, n * d * sizeof *x);
    for (uint32_t k = 0; k < m->sub_nbuckets; k++)
        memcpy(x + (n + m->sub_bucket[k]) * d, m->syn0 + (n + k) * d, d * sizeof *x);
    return x;
}

int
w2v_fasttext_view(struct fasttext *ft, const struct w2v_model *m, const struct vocab *v,
                  const struct w2v_run_settings *rs)
{
    const struct w2v_params *p = &m->p;
    const uint32_t n = vocab_size(v);
    memset(ft, 0, sizeof *ft);
    ft->dim = p->dim;
    ft->nwords = n;
    ft->bucket = p->maxn > 0 ? p->buckets : 0;
    ft->minn = (int)p->minn;
    ft->maxn = (int)p->maxn;
    ft->model = FASTTEXT_SKIPGRAM;
    ft->input = m->syn0;
    ft->output = m->syn1neg; /* fastText's output matrix for negative sampling */
    ft->words = calloc(n ? n : 1, sizeof *ft->words);
    ft->counts = calloc(n ? n : 1, sizeof *ft->counts);
    if (ft->bucket > 0)
        ft->input = full_input(m);
    if (ft->words == NULL || ft->counts == NULL || ft->input == NULL) {
        w2v_fasttext_view_free(ft);
        return WP_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        ft->words[i] = (char *)vocab_word(v, i, NULL); /* only read */
        ft->counts[i] = (int64_t)vocab_count(v, i);
    }
    /* fastText's args: dim ws epoch minCount neg wordNgrams loss (2: ns, 1: hs) model
     * bucket minn maxn lrUpdateRate, then t */
    const uint32_t args[12] = {p->dim, rs->wcfg.window, rs->epochs,
                               (uint32_t)(n ? vocab_count(v, n - 1) : 1), p->negative, 1,
                               p->negative > 0 ? 2 : 1, FASTTEXT_SKIPGRAM,
                               (uint32_t)ft->bucket, p->minn, p->maxn, 100};
    for (int i = 0; i < 12; i++)
        le32_store(ft->args + 4 * i, args[i]);
    f64_store(ft->args + 48, rs->wcfg.sample);
    ft->has_args = 1;
    return WP_OK;
}

void
w2v_fasttext_view_free(struct fasttext *ft)
{
    free(ft->words);
    free(ft->counts);
    if (ft->bucket > 0)
        free(ft->input); /* full_input's copy */
    ft->words = NULL;
    ft->counts = NULL;
    ft->input = NULL;
}

int
w2v_word_vectors(float **out, const struct w2v_model *m, const struct vocab *v,
                 const struct w2v_run_settings *rs)
{
    const size_t d = m->p.dim, n = vocab_size(v);
    float *x = malloc((n ? n : 1) * d * sizeof *x);
    *out = NULL;
    if (x == NULL)
        return WP_ENOMEM;
    if (m->p.maxn == 0) {
        memcpy(x, m->syn0, n * d * sizeof *x);
        *out = x;
        return WP_OK;
    }
    /* word i's rows are sub_row[sub_off[i] ..], in fastText's order */
    for (size_t i = 0; i < n; i++)
        fasttext_mean_rows(m->syn0, d, m->sub_row + m->sub_off[i],
                           m->sub_off[i + 1] - m->sub_off[i], x + i * d);
    *out = x;
    return WP_OK;
}

int
w2v_words_writable(const struct vocab *v, uint32_t *bad)
{
    for (uint32_t id = 0; id < vocab_size(v); id++) {
        size_t len;
        const char *w = vocab_word(v, id, &len);
        if (!w2vfmt_word_ok(w, len)) {
            *bad = id;
            return 0;
        }
    }
    return 1;
}

int
w2v_out_vectors(FILE *fp, int format, const struct vocab *v, const float *x, uint32_t dim,
                int level)
{
    const uint32_t n = vocab_size(v);
    const char **words = malloc((n ? n : 1) * sizeof *words);
    size_t *lens = malloc((n ? n : 1) * sizeof *lens);
    struct rec_meta *meta = rec_meta_new();
    int rc = WP_ENOMEM;
    if (words != NULL && lens != NULL && meta != NULL && rec_meta_set_u64(meta, "dim", dim) == WP_OK
        && rec_meta_set_u64(meta, "vocab_hash", vocab_hash(v)) == WP_OK) {
        for (uint32_t i = 0; i < n; i++)
            words[i] = vocab_word(v, i, &lens[i]);
        const struct vecfile_rows rows = {.words = words, .lens = lens, .m = x, .v = n,
                                          .d = dim};
        rc = vecfile_write(fp, format, &rows, meta, level);
    }
    free(words);
    free(lens);
    rec_meta_free(meta);
    return rc;
}

int
w2v_out_model(FILE *fp, int format, const struct w2v_model *m, const struct vocab *v,
              const struct w2v_run_settings *rs, int level)
{
    int rc;
    if (format == VECSET_FASTTEXT) {
        struct fasttext ft;
        if ((rc = w2v_fasttext_view(&ft, m, v, rs)) < 0)
            return rc;
        rc = fasttext_write(fp, &ft);
        w2v_fasttext_view_free(&ft);
        return rc;
    }
    if (m->p.maxn == 0)
        return w2v_out_vectors(fp, format, v, m->syn0, m->p.dim, level);
    float *x;
    if ((rc = w2v_word_vectors(&x, m, v, rs)) < 0)
        return rc;
    rc = w2v_out_vectors(fp, format, v, x, m->p.dim, level);
    free(x);
    return rc;
}
