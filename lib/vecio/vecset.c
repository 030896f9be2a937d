/* vecset.c - load vectors from any supported format and prepare them for search. */
#include "vecset.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bytes.h"
#include "common/status.h"
#include "kernels/vec.h"
#include "common/wordmap.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"
#include "fasttext.h"
#include "vecerr.h"
#include "vecfp.h"
#include "vectab.h"

enum { VECSET_DIM_MAX = 1 << 20 };

static int
grow(struct w2vfmt_vectors *vs, size_t *cap)
{
    if (vs->v < *cap)
        return WP_OK;
    const size_t ncap = *cap ? *cap * 2 : 4096;
    size_t bytes;
    if (!size_mul_ok(ncap, vs->d * sizeof(float), &bytes))
        return WP_ERANGE;
    float *m = realloc(vs->m, bytes);
    if (m == NULL)
        return WP_ENOMEM;
    vs->m = m;
    char **w = realloc(vs->words, ncap * sizeof *w);
    if (w == NULL)
        return WP_ENOMEM;
    vs->words = w;
    *cap = ncap;
    return WP_OK;
}

static int
stream_rows(struct rec_reader *r, struct w2vfmt_vectors *vs, struct w2vfmt_error *err)
{
    size_t cap = 0;
    const unsigned char *rec, *word;
    size_t len, wlen;
    int rc;
    while ((rc = rec_reader_next(r, &rec, &len)) == 1) {
        WP_TRY(grow(vs, &cap));
        float *x = vs->m + vs->v * vs->d;
        const uint64_t idx = rec_reader_record_index(r);
        if ((rc = rec_vector_decode(rec, len, vs->d, &word, &wlen, x)) < 0)
            return vecerr_set(err, rc, "record %llu: %s", (unsigned long long)idx, wp_strerror(rc));
        if (wlen == 0 || memchr(word, '\0', wlen) != NULL)
            return vecerr_set(err, WP_EFORMAT, "record %llu: empty word or NUL byte in word",
                        (unsigned long long)idx);
        for (size_t j = 0; j < vs->d; j++)
            if (!isfinite(x[j]))
                return vecerr_set(err, WP_EFORMAT, "record %llu ('%.*s'): value %zu is not finite",
                            (unsigned long long)idx, (int)(wlen > 40 ? 40 : wlen),
                            (const char *)word, j + 1);
        if ((vs->words[vs->v] = malloc(wlen + 1)) == NULL)
            return WP_ENOMEM;
        memcpy(vs->words[vs->v], word, wlen);
        vs->words[vs->v++][wlen] = '\0';
    }
    if (rc < 0) {
        const char *detail = rec_reader_detail(r);
        return vecerr_set(err, rc, "%s: %s", rec_reader_where(r),
                          detail ? detail : wp_strerror(rc));
    }
    return WP_OK;
}

/* Reads a vectors stream into vs; *made_by gets the model_hash of its header, if it has one
 * (*made_known). */
static int
load_stream(FILE *fp, struct w2vfmt_vectors *vs, int *made_known, uint64_t *made_by,
            struct w2vfmt_error *err)
{
    struct rec_reader *r = NULL;
    int rc = rec_reader_open(&r, fp);
    uint64_t dim = 0;
    if (rc < 0) {
        const char *detail = r ? rec_reader_detail(r) : NULL;
        rc = vecerr_set(err, rc, "%s: %s", r ? rec_reader_where(r) : "header",
                  detail ? detail : wp_strerror(rc));
    } else if (rec_reader_kind(r) != REC_VECTORS) {
        rc = vecerr_set(err, WP_EKIND, "expected a vectors stream, got %s",
                  rec_kind_name(rec_reader_kind(r)));
    } else if (rec_meta_get_u64(rec_reader_meta(r), "dim", &dim) < 0 || dim == 0 ||
               dim > VECSET_DIM_MAX) {
        rc = vecerr_set(err, WP_ECORRUPT, "header: missing or bad \"dim\" (want 1..%d)",
                  VECSET_DIM_MAX);
    } else {
        vs->d = (size_t)dim;
        vs->format = VECSET_STREAM;
        *made_known =
            rec_meta_get_u64(rec_reader_meta(r), REC_META_MODEL_HASH, made_by) == WP_OK;
        rc = stream_rows(r, vs, err);
    }
    rec_reader_free(r);
    if (rc < 0)
        w2vfmt_free(vs);
    return rc;
}

/* Keeps the first row of each word (as w2vfmt does), compacting the matrix in place. */
static int
build_map(struct vecset *s)
{
    WP_TRY(wordmap_create(&s->map, s->v));
    size_t kept = 0;
    for (size_t i = 0; i < s->v; i++) {
        const int rc = wordmap_insert(s->map, s->words[i], strlen(s->words[i]),
                                        (uint32_t)kept, NULL);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (s->dups++ == 0)
                s->first_dup = i + 1;
            free(s->words[i]);
            continue;
        }
        if (kept != i) {
            s->words[kept] = s->words[i];
            memmove(s->m + kept * s->d, s->m + i * s->d, s->d * sizeof *s->m);
        }
        kept++;
    }
    s->v = kept;
    return WP_OK;
}

/* Scales x (d floats, |x|^2 = sq) to unit length into u; zero stays zero. */
static void
unit_scale(const float *x, size_t d, double sq, float *u)
{
    const double inv = sq > 0 ? 1.0 / sqrt(sq) : 0.0;
    if (inv <= FLT_MAX) {
        for (size_t j = 0; j < d; j++)
            u[j] = x[j] * (float)inv;
    } else { /* a row of subnormals: 1 / |x| is beyond float */
        for (size_t j = 0; j < d; j++)
            u[j] = (float)(x[j] * inv);
    }
}

/* Scales x (d floats) to unit length into u; zero stays zero. Returns |x|^2. */
static float
unit_row(const float *x, size_t d, float *u)
{
    const double sq = vec_sumsq_f64(x, d);
    unit_scale(x, d, sq, u);
    return (float)sq;
}

/* Norms and unit rows; a row too long for float arithmetic (vecerr.h) is refused here, the
 * one place every format but a table passes through. */
static int
prepare(struct vecset *s, struct w2vfmt_error *err)
{
    size_t bytes;
    if (!size_mul_ok(s->v ? s->v : 1, s->d * sizeof(float), &bytes))
        return WP_ERANGE;
    s->unit = malloc(bytes);
    s->sqnorm = malloc((s->v ? s->v : 1) * sizeof *s->sqnorm);
    if (s->unit == NULL || s->sqnorm == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < s->v; i++) {
        const float *x = s->m + i * s->d;
        const double sq = vec_sumsq_f64(x, s->d);
        if (!vecerr_sqnorm_ok(sq))
            return vecerr_too_long(err, s->words[i], strlen(s->words[i]), sq);
        unit_scale(x, s->d, sq, s->unit + i * s->d);
        s->sqnorm[i] = (float)sq;
    }
    return WP_OK;
}

static int
from_w2v(struct vecset **out, struct w2vfmt_vectors *vs, struct w2vfmt_error *err)
{
    struct vecset *s = calloc(1, sizeof *s);
    if (s == NULL)
        return WP_ENOMEM;
    s->words = vs->words;
    s->m = vs->m;
    s->v = vs->v;
    s->d = vs->d;
    s->format = vs->format;
    s->dups = vs->dups;
    s->first_dup = vs->first_dup;
    memset(vs, 0, sizeof *vs);
    int rc = s->v >= UINT32_MAX ? WP_ERANGE : build_map(s);
    if (rc == WP_OK)
        rc = prepare(s, err);
    if (rc < 0) {
        vecset_free(s);
        return rc;
    }
    *out = s;
    return WP_OK;
}

int
vecset_from_w2v(struct vecset **out, struct w2vfmt_vectors *vs)
{
    return from_w2v(out, vs, NULL);
}

/* A fastText model: its words with fastText's word vectors (row and n-grams averaged). */
static int
load_fasttext(struct vecset **out, FILE *fp, struct w2vfmt_error *err)
{
    struct fasttext *ft;
    struct w2vfmt_vectors vs;
    size_t bytes;
    memset(&vs, 0, sizeof vs);
    WP_TRY(fasttext_read(&ft, fp, err));
    int rc = size_mul_ok(ft->nwords, ft->dim * sizeof(float), &bytes) ? WP_OK : WP_ERANGE;
    if (rc == WP_OK && (vs.m = malloc(bytes)) == NULL)
        rc = WP_ENOMEM;
    for (size_t i = 0; rc == WP_OK && i < ft->nwords; i++) {
        const long n = fasttext_word_vector(ft, (int64_t)i, ft->words[i],
                                            strlen(ft->words[i]), vs.m + i * ft->dim);
        rc = n < 0 ? (int)n : WP_OK;
    }
    if (rc < 0) {
        free(vs.m);
        fasttext_free(ft);
        return rc;
    }
    vs.words = ft->words; /* shared: the set owns them, the model only points */
    vs.v = ft->nwords;
    vs.d = ft->dim;
    vs.format = VECSET_FASTTEXT;
    if ((rc = from_w2v(out, &vs, err)) < 0) {
        ft->words = NULL;
        ft->nwords = 0;
        fasttext_free(ft);
        return rc;
    }
    if ((*out)->dups > 0) {
        rc = vecerr_set(err, WP_EFORMAT, "dictionary: word %zu repeats an earlier word",
                  (*out)->first_dup);
        ft->words = NULL; /* the set dropped the repeats: it frees what it kept */
        ft->nwords = 0;
        fasttext_free(ft);
        vecset_free(*out);
        *out = NULL;
        return rc;
    }
    ft->words = (*out)->words;
    (*out)->ft = ft;
    return WP_OK;
}

/* A vector table, mapped in place. */
static int
load_table(struct vecset **out, FILE *fp, unsigned flags, struct w2vfmt_error *err)
{
    struct vecset *s = calloc(1, sizeof *s);
    if (s == NULL || (s->tab = malloc(sizeof *s->tab)) == NULL) {
        free(s);
        return WP_ENOMEM;
    }
    const int rc = vectab_open(s->tab, fileno(fp), flags & VECSET_TRUST ? VECTAB_TRUST : 0,
                               &s->words, err);
    if (rc < 0) {
        free(s->tab);
        free(s);
        return rc;
    }
    s->format = VECSET_TABLE;
    s->v = s->tab->v;
    s->d = s->tab->d;
    s->m = (float *)s->tab->m; /* read-only mapping: the set never writes through m */
    s->sqnorm = (float *)s->tab->sqnorm;
    *out = s;
    return WP_OK;
}

/* Whether fp is a regular file starting with a table's signature (read with pread, so the
 * stream position is left alone). */
static int
is_table(FILE *fp)
{
    unsigned char head[VECTAB_SIGNATURE_SIZE];
    const int fd = fileno(fp);
    return fd >= 0 && pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
           vectab_is_table(head, sizeof head);
}

int
vecset_load(struct vecset **out, FILE *fp, int format, struct w2vfmt_error *err)
{
    return vecset_load_flags(out, fp, format, 0, err);
}

int
vecset_load_flags(struct vecset **out, FILE *fp, int format, unsigned flags,
                  struct w2vfmt_error *err)
{
    struct w2vfmt_vectors vs;
    int rc;
    memset(&vs, 0, sizeof vs);
    if (format == W2VFMT_AUTO) {
        const int c = getc(fp);
        if (c == EOF) {
            if (ferror(fp))
                return WP_EIO;
            return vecerr_set(err, WP_EEMPTY, "empty file");
        }
        ungetc(c, fp);
        if (c == (unsigned char)REC_SIGNATURE[0])
            format = is_table(fp) ? VECSET_TABLE : VECSET_STREAM;
        else if (c == (FASTTEXT_MAGIC & 0xFF))
            format = VECSET_FASTTEXT;
    }
    if (format == VECSET_TABLE)
        return load_table(out, fp, flags, err);
    if (format == VECSET_FASTTEXT)
        return load_fasttext(out, fp, err);
    int made_known = 0;
    uint64_t made_by = 0;
    if (format == VECSET_STREAM)
        rc = load_stream(fp, &vs, &made_known, &made_by, err);
    else
        rc = w2vfmt_read(fp, format, &vs, err);
    if (rc < 0)
        return rc;
    rc = from_w2v(out, &vs, err);
    w2vfmt_free(&vs);
    if (rc == WP_OK) {
        (*out)->made_known = made_known;
        (*out)->made_by = made_by;
    }
    return rc;
}

/* Row i of a table at unit length into u: the float row scaled as unit_row does, or the
 * int8 codes decoded. */
static void
table_unit_row(const struct vecset *s, size_t i, float *u)
{
    if (s->m != NULL)
        unit_row(s->m + i * s->d, s->d, u);
    else
        vectab_sq8_decode(s->tab, i, u);
}

int
vecset_need_unit(struct vecset *s)
{
    size_t bytes;
    if (s->unit != NULL)
        return WP_OK;
    if (!size_mul_ok(s->v, s->d * sizeof(float), &bytes))
        return WP_ERANGE;
    if ((s->unit = malloc(bytes)) == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < s->v; i++)
        table_unit_row(s, i, s->unit + i * s->d);
    return WP_OK;
}

int
vecset_need_floats(struct vecset *s)
{
    size_t bytes;
    if (s->m != NULL)
        return WP_OK;
    if (!size_mul_ok(s->v, s->d * sizeof(float), &bytes))
        return WP_ERANGE;
    if ((s->m_own = malloc(bytes)) == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < s->v; i++) {
        float *x = s->m_own + i * s->d;
        vectab_sq8_decode(s->tab, i, x);
        for (size_t j = 0; j < s->d; j++)
            x[j] *= s->tab->norm[i];
    }
    s->m = s->m_own;
    return WP_OK;
}

void
vecset_free(struct vecset *s)
{
    if (s == NULL)
        return;
    if (s->tab != NULL) { /* words, m and sqnorm are the mapping's */
        free(s->words);
        free(s->m_own);
        free(s->unit);
        vectab_close(s->tab);
        free(s->tab);
        free(s);
        return;
    }
    for (size_t i = 0; i < s->v; i++)
        free(s->words[i]);
    free(s->words);
    free(s->m);
    free(s->unit);
    free(s->sqnorm);
    wordmap_free(s->map);
    if (s->ft != NULL) { /* its words are the set's, freed above */
        s->ft->words = NULL;
        s->ft->nwords = 0;
        fasttext_free(s->ft);
    }
    free(s);
}

int64_t
vecset_find(const struct vecset *s, const char *word, size_t len)
{
    if (s->tab != NULL)
        return vectab_find(s->tab, s->words, word, len);
    return wordmap_find(s->map, word, len);
}

uint64_t
vecset_matrix_fingerprint(const struct vecset *s)
{
    return s->tab != NULL ? s->tab->fingerprint : vecfp_matrix(s->m, s->v, s->d);
}

uint64_t
vecset_fingerprint(const struct vecset *s)
{
    const uint64_t words = s->tab != NULL ? s->tab->words_check : vecfp_words(s->words, s->v);
    return vecfp_model(s->v, s->d, words, vecset_matrix_fingerprint(s));
}

uint64_t
vecset_made_by(const struct vecset *s)
{
    return s->made_known ? s->made_by : vecset_fingerprint(s);
}

int
vecset_has_subwords(const struct vecset *s)
{
    return s->ft != NULL && s->ft->maxn > 0;
}

void
vecset_row(const struct vecset *s, size_t i, int unit, float *out)
{
    const float *rows = unit ? s->unit : s->m;
    if (rows != NULL) {
        memcpy(out, rows + i * s->d, s->d * sizeof *out);
        return;
    }
    table_unit_row(s, i, out); /* a table used in place */
    if (!unit)
        for (size_t j = 0; j < s->d; j++)
            out[j] *= s->tab->norm[i];
}

int
vecset_vector(const struct vecset *s, const char *word, size_t len, int unit, float *out,
              int64_t *row)
{
    const int64_t id = vecset_find(s, word, len);
    if (row != NULL)
        *row = id;
    if (id >= 0) {
        vecset_row(s, (size_t)id, unit, out);
        return 1;
    }
    if (s->ft == NULL)
        return WP_ENOTFOUND;
    const long n = fasttext_word_vector(s->ft, -1, word, len, out);
    if (n < 0)
        return (int)n;
    if (n == 0)
        return WP_ENOTFOUND;
    if (unit)
        unit_row(out, s->d, out);
    return 0;
}

int
vecset_write_fasttext(FILE *fp, const struct vecset *s)
{
    if (s->ft != NULL)
        return fasttext_write(fp, s->ft);
    const struct fasttext plain = {.dim = s->d, .nwords = s->v, .model = FASTTEXT_SKIPGRAM,
                                   .words = s->words, .input = s->m};
    return fasttext_write(fp, &plain);
}
