/* fasttext.c - read fastText .bin models; word vectors from character n-grams. */
#include "fasttext.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/bytes.h"
#include "common/status.h"
#include "kernels/vec.h"
#include "vecerr.h"

enum { ARGS_BYTES = 12 * 4 + 8, DIM_MAX = 1 << 20, NGRAM_N_MAX = 256 };
/* Trained values are near 1. With this bound a word's sum of rows stays finite in float:
 * fewer than 2^64 rows of at most 1e18 stay below FLT_MAX (3.4e38). */
#define VALUE_MAX 1e18f

/* ---- hashing and n-grams: fastText's Dictionary::hash and computeSubwords ---- */
uint32_t
fasttext_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        const uint32_t b = (unsigned char)s[i];
        h ^= b < 0x80 ? b : b | 0xFFFFFF00u; /* int8_t(byte) widened: sign-extended */
        h *= 16777619u;
    }
    return h;
}

static int
continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* n-grams of w (already "<word>", len bytes) */
static size_t
each_ngram(const char *w, size_t len, int minn, int maxn, fasttext_ngram_fn *fn, void *arg)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++) {
        if (continuation(w[i]))
            continue;
        size_t j = i;
        for (int n = 1; j < len && n <= maxn; n++) {
            j++;
            while (j < len && continuation(w[j]))
                j++;
            if (n >= minn && !(n == 1 && (i == 0 || j == len))) {
                fn(arg, w + i, j - i);
                count++;
            }
        }
    }
    return count;
}

/* "<" word ">" in small (when it fits) or a new buffer; NULL when out of memory. */
static char *
bracket(const char *word, size_t len, char *small, size_t cap)
{
    char *b = len + 2 <= cap ? small : malloc(len + 2);
    if (b == NULL)
        return NULL;
    b[0] = '<';
    memcpy(b + 1, word, len);
    b[len + 1] = '>';
    return b;
}

int
fasttext_ngrams(const char *word, size_t len, int minn, int maxn, fasttext_ngram_fn *fn,
                void *arg, size_t *count)
{
    char small[256];
    *count = 0;
    if (maxn < 1)
        return WP_OK;
    char *b = bracket(word, len, small, sizeof small);
    if (b == NULL)
        return WP_ENOMEM;
    *count = each_ngram(b, len + 2, minn, maxn, fn, arg);
    if (b != small)
        free(b);
    return WP_OK;
}

struct acc {
    const struct fasttext *ft;
    float *out;
};

static void
add_row(const struct fasttext *ft, size_t row, float *out)
{
    const float *x = ft->input + row * ft->dim;
    for (size_t j = 0; j < ft->dim; j++)
        out[j] += x[j];
}

static void
add_ngram(void *arg, const char *ngram, size_t len)
{
    const struct acc *a = arg;
    add_row(a->ft, a->ft->nwords + fasttext_hash(ngram, len) % a->ft->bucket, a->out);
}

/* A sum of count rows to their mean, as fastText's Vector::mul(1.0 / count). */
static void
scale_mean(float *out, size_t dim, size_t count)
{
    if (count == 0)
        return;
    const float scale = (float)(1.0 / (double)count);
    for (size_t j = 0; j < dim; j++)
        out[j] *= scale;
}

long
fasttext_word_vector(const struct fasttext *ft, int64_t row, const char *word, size_t len,
                     float *out)
{
    size_t count = 0;
    memset(out, 0, ft->dim * sizeof *out);
    if (row >= 0) {
        add_row(ft, (size_t)row, out);
        count++;
    }
    if (ft->maxn > 0 && !(len == 4 && memcmp(word, "</s>", 4) == 0)) {
        struct acc a = {ft, out};
        size_t n;
        WP_TRY(fasttext_ngrams(word, len, ft->minn, ft->maxn, add_ngram, &a, &n));
        count += n;
    }
    scale_mean(out, ft->dim, count);
    return (long)count;
}

void
fasttext_mean_rows(const float *input, size_t dim, const uint32_t *rows, size_t n, float *out)
{
    memset(out, 0, dim * sizeof *out);
    for (size_t k = 0; k < n; k++) {
        const float *x = input + (size_t)rows[k] * dim;
        for (size_t j = 0; j < dim; j++)
            out[j] += x[j];
    }
    scale_mean(out, dim, n);
}

/* ---- the reader ---- */
struct rd {
    FILE *fp;
    int64_t left; /* bytes left in a regular file, or -1 when unknown (a pipe) */
    struct w2vfmt_error *err;
};

static int
fail(struct rd *r, int status, const char *fmt, ...)
{
    if (r->err != NULL) {
        va_list ap;
        r->err->line = 0;
        va_start(ap, fmt);
        vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

static int
get(struct rd *r, void *p, size_t n, const char *what)
{
    if (fread(p, 1, n, r->fp) != n) {
        if (ferror(r->fp))
            return fail(r, WP_EIO, "%s: read error", what);
        return fail(r, WP_ETRUNC, "truncated in %s", what);
    }
    if (r->left >= 0)
        r->left -= (int64_t)n;
    return WP_OK;
}

/* Whether n more bytes can be in the file (always, from a pipe). */
static int
fits(const struct rd *r, uint64_t n)
{
    return r->left < 0 || n <= (uint64_t)r->left;
}

/* Refuses a row of m (rows x cols) too long for float arithmetic (vecerr.h): values under
 * 1e18 can still give an infinite norm in a wide model, and a word's or an unseen word's
 * vector, a mean of rows, is never longer than the longest of them. */
static int
check_row_norms(struct rd *r, const float *m, size_t rows, size_t cols, const char *what)
{
    for (size_t i = 0; i < rows; i++) {
        const double sq = vec_sumsq_f64(m + i * cols, cols);
        if (!vecerr_sqnorm_ok(sq))
            return fail(r, WP_EFORMAT, "%s: row %zu: vector too long (norm %.3g, at most %.3g: "
                        "distances would overflow float)", what, i, sqrt(sq),
                        sqrt(VECERR_SQNORM_MAX));
    }
    return WP_OK;
}

/* Reads a float32 matrix of rows x cols into *m (NULL: read and dropped). From a regular
 * file the size was checked first; from a pipe the buffer doubles as bytes arrive. */
static int
get_matrix(struct rd *r, uint64_t rows, uint64_t cols, float **m, const char *what)
{
    enum { CHUNK = 1 << 20 };
    size_t total;
    if (!size_mul_ok((size_t)rows, (size_t)cols, &total) || !size_mul_ok(total, 4, &total))
        return fail(r, WP_ERANGE, "%s: %llu x %llu floats do not fit in memory", what,
                    (unsigned long long)rows, (unsigned long long)cols);
    if (!fits(r, total))
        return fail(r, WP_ERANGE, "%s: %llu x %llu floats (%zu bytes) but only %lld bytes left "
                                  "in the file", what, (unsigned long long)rows,
                    (unsigned long long)cols, total, (long long)r->left);
    unsigned char *buf = NULL, scratch[1 << 12];
    size_t cap = 0, got = 0;
    if (m != NULL && r->left >= 0) {
        cap = total ? total : 1;
        if ((buf = malloc(cap)) == NULL)
            return WP_ENOMEM;
    }
    int rc = WP_OK;
    while (got < total && rc == WP_OK) {
        size_t want = total - got < CHUNK ? total - got : CHUNK;
        unsigned char *dst;
        if (m == NULL) {
            want = want < sizeof scratch ? want : sizeof scratch;
            dst = scratch;
        } else {
            if (got + want > cap) {
                size_t ncap = cap ? 2 * cap : CHUNK;
                ncap = ncap > total ? total : ncap;
                unsigned char *nb = realloc(buf, ncap);
                if (nb == NULL) {
                    rc = WP_ENOMEM;
                    break;
                }
                buf = nb;
                cap = ncap;
            }
            dst = buf + got;
        }
        rc = get(r, dst, want, what);
        got += want;
    }
    if (rc == WP_OK && m != NULL) {
        float *f = (float *)(void *)buf; /* malloc'd: aligned for float */
        for (size_t i = 0; i < total / 4; i++) {
            f[i] = f32_load(buf + 4 * i); /* the bytes are little-endian on any host */
            if (!(fabsf(f[i]) <= VALUE_MAX)) { /* NaN too */
                rc = fail(r, WP_EFORMAT, "%s: row %zu, value %zu is %s", what,
                          i / (size_t)cols, i % (size_t)cols + 1,
                          isfinite(f[i]) ? "beyond 1e18 in magnitude" : "not finite");
                break;
            }
        }
        if (rc == WP_OK)
            rc = check_row_norms(r, f, (size_t)rows, (size_t)cols, what);
        if (rc == WP_OK)
            *m = f;
    }
    if (rc < 0 || m == NULL)
        free(buf);
    return rc;
}

static int32_t
i32(const unsigned char *p)
{
    return (int32_t)le32_load(p);
}

/* The args block; sets the sizes of ft. */
static int
read_args(struct rd *r, struct fasttext *ft)
{
    unsigned char a[ARGS_BYTES];
    WP_TRY(get(r, a, sizeof a, "args"));
    const int32_t dim = i32(a), model = i32(a + 28), bucket = i32(a + 32), minn = i32(a + 36),
                  maxn = i32(a + 40);
    if (model == FASTTEXT_SUPERVISED)
        return fail(r, WP_EKIND, "a supervised fastText model (a classifier), not word vectors");
    if (model != FASTTEXT_CBOW && model != FASTTEXT_SKIPGRAM)
        return fail(r, WP_EFORMAT, "args: model %d is neither cbow (1) nor skipgram (2)",
                    (int)model);
    if (dim < 1 || dim > DIM_MAX)
        return fail(r, WP_ERANGE, "args: dim %d out of range 1..%d", (int)dim, DIM_MAX);
    if (bucket < 0)
        return fail(r, WP_EFORMAT, "args: bucket %d is negative", (int)bucket);
    if (maxn > 0 && (minn < 1 || minn > maxn || maxn > NGRAM_N_MAX || bucket == 0))
        return fail(r, WP_EFORMAT, "args: minn %d, maxn %d, bucket %d: want 1 <= minn <= maxn "
                    "<= %d and a bucket", (int)minn, (int)maxn, (int)bucket, NGRAM_N_MAX);
    ft->dim = (size_t)dim;
    ft->model = model;
    ft->bucket = (size_t)bucket;
    ft->minn = minn;
    ft->maxn = maxn > 0 ? maxn : 0;
    memcpy(ft->args, a, sizeof a);
    ft->has_args = 1;
    return WP_OK;
}

/* One dictionary entry: the word (bytes up to NUL) into *w, its count and type. */
static int
read_entry(struct rd *r, char **w, int64_t *count, int *type, size_t i)
{
    size_t len = 0, cap = 32;
    char *s = malloc(cap);
    int c;
    if (s == NULL)
        return WP_ENOMEM;
    while ((c = getc(r->fp)) != EOF && c != '\0') {
        if (len + 1 == cap) {
            char *ns = realloc(s, cap *= 2);
            if (ns == NULL) {
                free(s);
                return WP_ENOMEM;
            }
            s = ns;
        }
        s[len++] = (char)c;
    }
    s[len] = '\0';
    *w = s;
    if (r->left >= 0)
        r->left -= (int64_t)len + (c != EOF);
    if (c == EOF)
        return ferror(r->fp) ? fail(r, WP_EIO, "dictionary: read error")
                             : fail(r, WP_ETRUNC, "truncated in dictionary entry %zu", i + 1);
    if (len == 0)
        return fail(r, WP_EFORMAT, "dictionary entry %zu: empty word", i + 1);
    unsigned char rest[9];
    WP_TRY(get(r, rest, sizeof rest, "dictionary"));
    *count = (int64_t)le64_load(rest);
    *type = rest[8];
    return WP_OK;
}

static int
read_dict(struct rd *r, struct fasttext *ft)
{
    unsigned char h[4 * 3 + 8 * 2];
    WP_TRY(get(r, h, sizeof h, "dictionary header"));
    const int32_t size = i32(h), nwords = i32(h + 4), nlabels = i32(h + 8);
    ft->ntokens = (int64_t)le64_load(h + 12);
    const int64_t pruneidx = (int64_t)le64_load(h + 20);
    if (size < 0 || nwords < 0 || nlabels < 0 || (int64_t)nwords + nlabels != size)
        return fail(r, WP_EFORMAT, "dictionary: size %d is not nwords %d + nlabels %d",
                    (int)size, (int)nwords, (int)nlabels);
    if (nwords == 0)
        return fail(r, WP_EFORMAT, "dictionary: no words");
    if (!fits(r, (uint64_t)size * 10)) /* an entry takes at least 10 bytes */
        return fail(r, WP_ERANGE, "dictionary: %d entries cannot fit in the %lld bytes left",
                    (int)size, (long long)r->left);
    if (pruneidx >= 0)
        return fail(r, WP_EKIND, "a pruned dictionary (from fastText quantize): quantized "
                                 "models are not supported");
    if (pruneidx != -1)
        return fail(r, WP_EFORMAT, "dictionary: pruneidx_size %lld", (long long)pruneidx);
    /* from a pipe, the array grows as entries arrive */
    size_t cap = r->left >= 0 ? (size_t)nwords : 1024;
    ft->words = calloc(cap, sizeof *ft->words);
    ft->counts = calloc(cap, sizeof *ft->counts);
    if (ft->words == NULL || ft->counts == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < (size_t)size; i++) {
        char *w = NULL;
        int64_t count = 0;
        int type = 0;
        if (i >= cap && i < (size_t)nwords) {
            const size_t ncap = 2 * cap < (size_t)nwords ? 2 * cap : (size_t)nwords;
            char **nw = realloc(ft->words, ncap * sizeof *nw);
            if (nw != NULL)
                ft->words = nw;
            int64_t *nc = nw ? realloc(ft->counts, ncap * sizeof *nc) : NULL;
            if (nc == NULL)
                return WP_ENOMEM;
            ft->counts = nc;
            cap = ncap;
        }
        const int rc = read_entry(r, &w, &count, &type, i);
        if (i < (size_t)nwords && rc != WP_ENOMEM) {
            ft->words[i] = w;
            ft->counts[i] = count;
            ft->nwords = i + 1;
        } else {
            free(w);
        }
        if (rc < 0)
            return rc;
        if (type != (i < (size_t)nwords ? 0 : 1))
            return fail(r, WP_EFORMAT, "dictionary entry %zu: type %d, want %d", i + 1, type,
                        i < (size_t)nwords ? 0 : 1);
    }
    return WP_OK;
}

/* bool quantized, int64 m, int64 n; checks them against want_rows x dim. */
static int
read_matrix_header(struct rd *r, uint64_t want_rows, size_t dim, const char *what)
{
    unsigned char h[1 + 16];
    WP_TRY(get(r, h, 1, what));
    if (h[0] != 0)
        return fail(r, WP_EKIND, "a quantized fastText model (.ftz): not supported");
    WP_TRY(get(r, h + 1, 16, what));
    const int64_t m = (int64_t)le64_load(h + 1), n = (int64_t)le64_load(h + 9);
    if (m < 0 || n < 0 || (uint64_t)m != want_rows || (uint64_t)n != dim)
        return fail(r, WP_EFORMAT, "%s: %lld x %lld, want %llu x %zu", what, (long long)m,
                    (long long)n, (unsigned long long)want_rows, dim);
    return WP_OK;
}

static int
read_model(struct rd *r, struct fasttext *ft)
{
    unsigned char h[8];
    WP_TRY(get(r, h, sizeof h, "header"));
    if (i32(h) != FASTTEXT_MAGIC)
        return fail(r, WP_EMAGIC, "not a fastText model (magic %ld, want %d)",
                    (long)i32(h), FASTTEXT_MAGIC);
    if (i32(h + 4) != FASTTEXT_VERSION)
        return fail(r, WP_EVERSION, "fastText model version %ld, only %d (fastText 0.9) is "
                    "supported", (long)i32(h + 4), FASTTEXT_VERSION);
    WP_TRY(read_args(r, ft));
    WP_TRY(read_dict(r, ft));
    const uint64_t rows = (uint64_t)ft->nwords + ft->bucket;
    WP_TRY(read_matrix_header(r, rows, ft->dim, "input matrix"));
    /* the output matrix (nwords x dim) follows: make sure it can, before the big read */
    if (r->left >= 0 && (uint64_t)r->left < rows * ft->dim * 4 + 17 + (uint64_t)ft->nwords * ft->dim * 4)
        return fail(r, r->left < (int64_t)(rows * ft->dim * 4) ? WP_ERANGE : WP_ETRUNC,
                    "input and output matrices need %llu bytes, the file has %lld left",
                    (unsigned long long)((rows + ft->nwords) * ft->dim * 4 + 17),
                    (long long)r->left);
    WP_TRY(get_matrix(r, rows, ft->dim, &ft->input, "input matrix"));
    WP_TRY(read_matrix_header(r, ft->nwords, ft->dim, "output matrix"));
    return get_matrix(r, ft->nwords, ft->dim, NULL, "output matrix");
}

/* Refuses bytes after the output matrix, as the word2vec and table readers do: `cat a.bin
 * b.bin` was read as model a alone. */
static int
check_end(struct rd *r)
{
    if (r->left > 0)
        return fail(r, WP_EFORMAT, "%lld bytes after the end of the model", (long long)r->left);
    if (r->left < 0 && getc(r->fp) != EOF)
        return fail(r, WP_EFORMAT, "more data after the end of the model");
    return ferror(r->fp) ? fail(r, WP_EIO, "read error") : WP_OK;
}

int
fasttext_read(struct fasttext **out, FILE *fp, struct w2vfmt_error *err)
{
    struct fasttext *ft = calloc(1, sizeof *ft);
    struct rd r = {fp, -1, err};
    struct stat st;
    if (ft == NULL)
        return WP_ENOMEM;
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode)) {
        const off_t at = ftello(fp);
        if (at >= 0 && at <= st.st_size)
            r.left = (int64_t)(st.st_size - at);
    }
    int rc = read_model(&r, ft);
    if (rc == WP_OK)
        rc = check_end(&r);
    if (rc < 0) {
        fasttext_free(ft);
        return rc;
    }
    *out = ft;
    return WP_OK;
}

void
fasttext_free(struct fasttext *ft)
{
    if (ft == NULL)
        return;
    for (size_t i = 0; i < ft->nwords; i++)
        free(ft->words[i]);
    free(ft->words);
    free(ft->counts);
    free(ft->input);
    free(ft);
}

/* ---- the writer ---- */
static int
put(FILE *fp, const void *p, size_t n)
{
    return fwrite(p, 1, n, fp) == n ? WP_OK : WP_EIO;
}

static int
put_matrix(FILE *fp, const float *m, size_t rows, size_t cols)
{
    unsigned char h[1 + 16], buf[4096];
    h[0] = 0; /* not quantized */
    le64_store(h + 1, rows);
    le64_store(h + 9, cols);
    WP_TRY(put(fp, h, sizeof h));
    const size_t total = rows * cols;
    for (size_t i = 0; i < total;) {
        size_t n = 0;
        for (; n < sizeof buf / 4 && i < total; n++, i++)
            f32_store(buf + 4 * n, m != NULL ? m[i] : 0.0f);
        WP_TRY(put(fp, buf, 4 * n));
    }
    return WP_OK;
}

int
fasttext_write(FILE *fp, const struct fasttext *ft)
{
    unsigned char b[ARGS_BYTES > 28 ? ARGS_BYTES : 28];
    if (ft->nwords > INT32_MAX || ft->dim > INT32_MAX || ft->bucket > INT32_MAX - ft->nwords)
        return WP_ERANGE;
    le32_store(b, FASTTEXT_MAGIC);
    le32_store(b + 4, FASTTEXT_VERSION);
    WP_TRY(put(fp, b, 8));
    if (ft->has_args) {
        WP_TRY(put(fp, ft->args, sizeof ft->args));
    } else { /* fastText's skip-gram defaults */
        const int32_t args[12] = {(int32_t)ft->dim, 5, 5, 5, 5, 1, 2, FASTTEXT_SKIPGRAM,
                                  (int32_t)ft->bucket, ft->minn, ft->maxn, 100};
        for (int i = 0; i < 12; i++)
            le32_store(b + 4 * i, (uint32_t)args[i]);
        f64_store(b + 48, 1e-4);
        WP_TRY(put(fp, b, ARGS_BYTES));
    }
    int64_t ntokens = 0;
    for (size_t i = 0; i < ft->nwords; i++)
        ntokens += ft->counts ? ft->counts[i] : (int64_t)(ft->nwords - i);
    if (ft->ntokens > 0)
        ntokens = ft->ntokens;
    le32_store(b, (uint32_t)ft->nwords);
    le32_store(b + 4, (uint32_t)ft->nwords);
    le32_store(b + 8, 0);
    le64_store(b + 12, (uint64_t)ntokens);
    le64_store(b + 20, (uint64_t)-1); /* no pruned dictionary */
    WP_TRY(put(fp, b, 28));
    for (size_t i = 0; i < ft->nwords; i++) {
        WP_TRY(put(fp, ft->words[i], strlen(ft->words[i]) + 1));
        le64_store(b, (uint64_t)(ft->counts ? ft->counts[i] : (int64_t)(ft->nwords - i)));
        b[8] = 0; /* a word, not a label */
        WP_TRY(put(fp, b, 9));
    }
    WP_TRY(put_matrix(fp, ft->input, ft->nwords + ft->bucket, ft->dim));
    return put_matrix(fp, ft->output, ft->nwords, ft->dim);
}
