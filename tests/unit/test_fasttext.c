/* test_fasttext.c - fastText's n-gram hash (against FNV-1a's published values and the ids
 * fastText 0.9.2 itself gives, read with python3-fasttext's get_subwords from a model with
 * -bucket 20000), the n-gram enumeration over UTF-8, and the .bin reader: word vectors of a
 * hand-built model, every truncation, and each refused header. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/bytes.h"
#include "common/status.h"
#include "vecio/fasttext.h"
#include "vecio/vecset.h"

static int
test_hash_fnv1a(void)
{
    /* FNV-1a 32-bit reference values (ASCII bytes: the sign does not matter) */
    CHECK_EQ(0x811c9dc5u, fasttext_hash("", 0));
    CHECK_EQ(0xe40c292cu, fasttext_hash("a", 1));
    CHECK_EQ(0xbf9cf968u, fasttext_hash("foobar", 6));
    /* a byte >= 0x80 is xored sign-extended (0xFFFFFFE9 for 0xE9), not as 0xE9 */
    const uint32_t h = (2166136261u ^ 0xFFFFFFE9u) * 16777619u;
    CHECK_EQ(h, fasttext_hash("\xe9", 1));
    CHECK(h != (2166136261u ^ 0xE9u) * 16777619u);
    return 0;
}

static int
test_hash_fasttext_ids(void)
{
    /* (n-gram, id - nwords) as fastText 0.9.2 computed them with -bucket 20000 */
    static const struct {
        const char *ngram;
        uint32_t id;
    } want[] = {
        {"<a>", 7600}, {"<ab", 9508}, {"<ab>", 1742}, {"ab>", 1756},
        {"<ca", 16747}, {"<caf", 11831}, {"<caf\xc3\xa9", 14639}, {"<caf\xc3\xa9>", 17187},
        {"caf", 9661}, {"caf\xc3\xa9", 14601}, {"caf\xc3\xa9>", 1685}, {"af\xc3\xa9", 362},
        {"af\xc3\xa9>", 6012}, {"f\xc3\xa9>", 9697},
        {"<\xe6\x97\xa5\xe6\x9c\xac", 18587}, {"<\xe6\x97\xa5\xe6\x9c\xac>", 13759},
        {"\xe6\x97\xa5\xe6\x9c\xac>", 16157},
        {"<\xc3\xbc" "b", 13082}, {"\xc3\xbc" "ber>", 19331}, {"ber>", 56}, {"er>", 2840},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        CHECK_EQ(want[i].id, fasttext_hash(want[i].ngram, strlen(want[i].ngram)) % 20000);
    return 0;
}

struct list {
    char got[32][32];
    size_t n;
};

static void
collect(void *arg, const char *ng, size_t len)
{
    struct list *l = arg;
    if (l->n < 32 && len < 32) {
        memcpy(l->got[l->n], ng, len);
        l->got[l->n][len] = '\0';
    }
    l->n++;
}

static int
check_ngrams(const char *word, int minn, int maxn, const char *const *want, size_t nwant)
{
    struct list l = {.n = 0};
    size_t count;
    CHECK_EQ(WP_OK, fasttext_ngrams(word, strlen(word), minn, maxn, collect, &l, &count));
    CHECK_EQ(nwant, count);
    CHECK_EQ(nwant, l.n);
    for (size_t i = 0; i < nwant; i++)
        CHECK_STR(want[i], l.got[i]);
    return 0;
}

static int
test_ngrams_utf8(void)
{
    /* fastText's own order for café (minn 3, maxn 6): by start, then length; é is one char */
    static const char *const cafe[] = {
        "<ca", "<caf", "<caf\xc3\xa9", "<caf\xc3\xa9>", "caf", "caf\xc3\xa9", "caf\xc3\xa9>",
        "af\xc3\xa9", "af\xc3\xa9>", "f\xc3\xa9>"};
    CHECK(check_ngrams("caf\xc3\xa9", 3, 6, cafe, 10) == 0);
    /* two 3-byte characters: 4 characters with the marks */
    static const char *const nihon[] = {"<\xe6\x97\xa5\xe6\x9c\xac",
                                        "<\xe6\x97\xa5\xe6\x9c\xac>", "\xe6\x97\xa5\xe6\x9c\xac>"};
    CHECK(check_ngrams("\xe6\x97\xa5\xe6\x9c\xac", 3, 6, nihon, 3) == 0);
    /* n = 1 leaves out the marks alone; n = 2 keeps them */
    static const char *const one[] = {"<a", "a", "ab", "b", "b>"};
    CHECK(check_ngrams("ab", 1, 2, one, 5) == 0);
    /* maxn 0: none; a lone continuation byte counts with the character before it */
    CHECK(check_ngrams("ab", 3, 0, NULL, 0) == 0);
    static const char *const cont[] = {"<\xe9\x80", "\xe9\x80>"}; /* "<", "\xe9\x80", ">" */
    CHECK(check_ngrams("\xe9\x80", 2, 2, cont, 2) == 0);
    return 0;
}

/* ---- a hand-built model: dim 2, words "</s>" and "ab", bucket 3, minn maxn 3 ---- */
struct model {
    unsigned char b[1024];
    size_t n;
};

static void
put32(struct model *m, int32_t v)
{
    le32_store(m->b + m->n, (uint32_t)v);
    m->n += 4;
}

static void
put64(struct model *m, int64_t v)
{
    le64_store(m->b + m->n, (uint64_t)v);
    m->n += 8;
}

static void
putf(struct model *m, float f)
{
    f32_store(m->b + m->n, f);
    m->n += 4;
}

static void
putword(struct model *m, const char *w, int type)
{
    memcpy(m->b + m->n, w, strlen(w) + 1);
    m->n += strlen(w) + 1;
    put64(m, 7);
    m->b[m->n++] = (unsigned char)type;
}

enum { DIM = 2, BUCKET = 3, NW = 2, ROWS = NW + BUCKET };
/* where the input matrix's int64 rows are: header, args, dictionary header and entries
 * ("</s>" and "ab" with NUL, count and type), the quantization flag */
enum { MATRIX_AT = 8 + 56 + 28 + (5 + 9) + (3 + 9) + 1 };

static float
cell(size_t i, size_t j)
{
    return (float)(i + 1) * (j ? -0.25f : 0.5f);
}

/* magic, version, model kind, dim, quant flag, pruneidx and a NaN are parameters */
static void
build(struct model *m, int32_t version, int32_t kind, int32_t dim, int32_t nwords,
      int32_t bucket, int quant, int64_t pruneidx, int nan)
{
    m->n = 0;
    put32(m, FASTTEXT_MAGIC);
    put32(m, version);
    const int32_t args[12] = {dim, 5, 1, 1, 5, 1, 2, kind, bucket, 3, 3, 100};
    for (int i = 0; i < 12; i++)
        put32(m, args[i]);
    f64_store(m->b + m->n, 1e-4);
    m->n += 8;
    put32(m, NW);
    put32(m, nwords);
    put32(m, NW - nwords);
    put64(m, 14);
    put64(m, pruneidx);
    putword(m, "</s>", 0);
    putword(m, "ab", nwords > 1 ? 0 : 1);
    m->b[m->n++] = (unsigned char)quant;
    put64(m, ROWS);
    put64(m, DIM);
    for (size_t i = 0; i < ROWS; i++)
        for (size_t j = 0; j < DIM; j++)
            putf(m, nan && i == 3 && j == 1 ? NAN : cell(i, j));
    m->b[m->n++] = 0;
    put64(m, NW);
    put64(m, DIM);
    for (size_t i = 0; i < NW * DIM; i++)
        putf(m, 0.0f);
}

static void
good(struct model *m)
{
    build(m, 12, FASTTEXT_SKIPGRAM, DIM, NW, BUCKET, 0, -1, 0);
}

static int
read_mem(const struct model *m, size_t n, int regular, struct fasttext **ft,
         struct w2vfmt_error *e)
{
    FILE *fp = regular ? tmpfile() : fmemopen((void *)m->b, n ? n : 1, "r");
    if (fp == NULL)
        return -100;
    if (regular) {
        if (fwrite(m->b, 1, n, fp) != n)
            return -101;
        rewind(fp);
    }
    const int rc = fasttext_read(ft, fp, e);
    fclose(fp);
    return rc;
}

static float
ngram_row(const char *ng, size_t j)
{
    return cell(NW + fasttext_hash(ng, strlen(ng)) % BUCKET, j);
}

static int
test_read_vectors(void)
{
    struct model m;
    struct fasttext *ft;
    float v[DIM];
    good(&m);
    for (int regular = 0; regular < 2; regular++) {
        CHECK_EQ(WP_OK, read_mem(&m, m.n, regular, &ft, NULL));
        CHECK_EQ(DIM, ft->dim);
        CHECK_EQ(NW, ft->nwords);
        CHECK_STR("ab", ft->words[1]);
        /* "ab": its row and "<ab", "ab>", summed in order, scaled by (float)(1/3.) */
        CHECK_EQ(3, fasttext_word_vector(ft, 1, "ab", 2, v));
        for (size_t j = 0; j < DIM; j++) {
            const float want = (cell(1, j) + ngram_row("<ab", j) + ngram_row("ab>", j)) *
                               (float)(1.0 / 3.0);
            CHECK(want == v[j]);
        }
        /* outside the vocabulary: n-grams only; "</s>" is its row alone */
        CHECK_EQ(2, fasttext_word_vector(ft, -1, "xy", 2, v));
        CHECK((ngram_row("<xy", 0) + ngram_row("xy>", 0)) * 0.5f == v[0]);
        CHECK_EQ(1, fasttext_word_vector(ft, 0, "</s>", 4, v));
        CHECK(cell(0, 1) == v[1]);
        CHECK_EQ(0, fasttext_word_vector(ft, -1, "", 0, v)); /* "<>": no 3-gram */
        fasttext_free(ft);
    }
    return 0;
}

static int
test_vecset(void)
{
    struct model m;
    struct vecset *s;
    float v[DIM];
    int64_t row;
    good(&m);
    FILE *fp = fmemopen(m.b, m.n, "r");
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, vecset_load(&s, fp, W2VFMT_AUTO, NULL));
    fclose(fp);
    CHECK_EQ(VECSET_FASTTEXT, s->format);
    CHECK(vecset_has_subwords(s));
    CHECK_EQ(2, s->v);
    CHECK_EQ(1, vecset_vector(s, "ab", 2, 0, v, &row));
    CHECK_EQ(1, row);
    CHECK(v[0] == s->m[2]);
    CHECK_EQ(0, vecset_vector(s, "xy", 2, 1, v, &row));
    CHECK_EQ(-1, row);
    CHECK_NEAR(1.0, v[0] * v[0] + v[1] * v[1], 1e-6);
    CHECK_EQ(WP_ENOTFOUND, vecset_vector(s, "", 0, 0, v, NULL));
    vecset_free(s);
    return 0;
}

/* fasttext_write gives back the bytes fastText wrote, the output matrix zeroed */
static int
test_write_roundtrip(void)
{
    struct model m;
    struct fasttext *ft;
    char *p = NULL;
    size_t n = 0;
    good(&m);
    CHECK_EQ(WP_OK, read_mem(&m, m.n, 0, &ft, NULL));
    FILE *fp = open_memstream(&p, &n);
    CHECK(fp != NULL);
    CHECK_EQ(WP_OK, fasttext_write(fp, ft));
    fclose(fp);
    CHECK_EQ(m.n, n);
    CHECK(memcmp(m.b, p, n) == 0);
    free(p);
    fasttext_free(ft);
    /* plain vectors: no n-grams, so only the words have vectors */
    char *words[] = {"x", "y"};
    float v[] = {1, 2, 3, 4};
    const struct fasttext plain = {.dim = 2, .nwords = 2, .words = words, .input = v};
    fp = open_memstream(&p, &n);
    CHECK_EQ(WP_OK, fasttext_write(fp, &plain));
    fclose(fp);
    fp = fmemopen(p, n, "r");
    CHECK_EQ(WP_OK, fasttext_read(&ft, fp, NULL));
    fclose(fp);
    CHECK_EQ(0, ft->maxn);
    CHECK_EQ(1, fasttext_word_vector(ft, 1, "y", 1, v));
    CHECK(v[0] == 3 && v[1] == 4);
    CHECK_EQ(0, fasttext_word_vector(ft, -1, "zz", 2, v));
    fasttext_free(ft);
    free(p);
    return 0;
}

static int
test_truncated(void)
{
    struct model m;
    struct fasttext *ft;
    struct w2vfmt_error e;
    good(&m);
    for (int regular = 0; regular < 2; regular++)
        for (size_t n = 1; n < m.n; n++) {
            const int rc = read_mem(&m, n, regular, &ft, &e);
            if (rc != WP_ETRUNC && rc != WP_ERANGE) {
                fprintf(stderr, "%zu of %zu bytes (%s): %d %s\n", n, m.n,
                        regular ? "file" : "pipe", rc, e.msg);
                return 1;
            }
        }
    return 0;
}

static int
test_refused(void)
{
    struct model m;
    struct fasttext *ft;
    struct w2vfmt_error e;
    build(&m, 11, FASTTEXT_SKIPGRAM, DIM, NW, BUCKET, 0, -1, 0);
    CHECK_EQ(WP_EVERSION, read_mem(&m, m.n, 0, &ft, &e));
    build(&m, 12, FASTTEXT_SUPERVISED, DIM, 1, BUCKET, 0, -1, 0);
    CHECK_EQ(WP_EKIND, read_mem(&m, m.n, 0, &ft, &e));
    CHECK(strstr(e.msg, "supervised") != NULL);
    build(&m, 12, FASTTEXT_CBOW, DIM, NW, BUCKET, 1, -1, 0);
    CHECK_EQ(WP_EKIND, read_mem(&m, m.n, 0, &ft, &e));
    CHECK(strstr(e.msg, "quantized") != NULL);
    build(&m, 12, FASTTEXT_CBOW, DIM, NW, BUCKET, 0, 0, 0);
    CHECK_EQ(WP_EKIND, read_mem(&m, m.n, 0, &ft, &e));
    build(&m, 12, FASTTEXT_CBOW, DIM, NW, BUCKET, 0, -1, 1);
    CHECK_EQ(WP_EFORMAT, read_mem(&m, m.n, 0, &ft, &e));
    CHECK(strstr(e.msg, "not finite") != NULL);
    build(&m, 12, FASTTEXT_CBOW, 3, NW, BUCKET, 0, -1, 0); /* matrix 5 x 2, args say dim 3 */
    CHECK_EQ(WP_EFORMAT, read_mem(&m, m.n, 0, &ft, &e));
    good(&m);
    m.b[0] ^= 1;
    CHECK_EQ(WP_EMAGIC, read_mem(&m, m.n, 0, &ft, &e));
    /* a byte after the model (`cat a.bin b.bin`), from a file and from a pipe */
    good(&m);
    m.b[m.n] = 'x';
    CHECK_EQ(WP_EFORMAT, read_mem(&m, m.n + 1, 1, &ft, &e));
    CHECK_STR("1 bytes after the end of the model", e.msg);
    CHECK_EQ(WP_EFORMAT, read_mem(&m, m.n + 1, 0, &ft, &e));
    CHECK_STR("more data after the end of the model", e.msg);
    return 0;
}

/* Headers declaring huge sizes: refused against a file's length before allocating, and from
 * a pipe after reading what there is (ASan would abort on a multi-GB allocation). */
static int
test_absurd_sizes(void)
{
    struct model m;
    struct fasttext *ft;
    struct w2vfmt_error e;
    for (int regular = 0; regular < 2; regular++) {
        /* bucket 2^31 - 1 with dim 2^20, the matrix header agreeing: 8 PiB of input matrix */
        build(&m, 12, FASTTEXT_SKIPGRAM, 1 << 20, NW, INT32_MAX, 0, -1, 0);
        le64_store(m.b + MATRIX_AT, (uint64_t)NW + INT32_MAX);
        le64_store(m.b + MATRIX_AT + 8, 1 << 20);
        CHECK_EQ(regular ? WP_ERANGE : WP_ETRUNC, read_mem(&m, m.n, regular, &ft, &e));
        if (regular)
            CHECK(strstr(e.msg, "left") != NULL);
        /* a dictionary of 2^31 - 1 entries */
        good(&m);
        le32_store(m.b + 8 + 56, INT32_MAX);
        le32_store(m.b + 8 + 60, INT32_MAX);
        le32_store(m.b + 8 + 64, 0);
        CHECK(read_mem(&m, m.n, regular, &ft, &e) < 0);
        if (regular)
            CHECK(strstr(e.msg, "cannot fit") != NULL);
    }
    /* the matrix header itself declares 2^40 rows */
    good(&m);
    le64_store(m.b + MATRIX_AT, (uint64_t)1 << 40);
    CHECK_EQ(WP_EFORMAT, read_mem(&m, m.n, 1, &ft, &e));
    return 0;
}

/* Values under 1e18 each, but 128 of them: |x|^2 = 1.3e38 would overflow float distances */
static int
test_row_too_long(void)
{
    enum { D = 128 };
    char *words[] = {"x", "y"};
    float v[2 * D];
    for (size_t j = 0; j < 2 * D; j++)
        v[j] = j < D ? 1.0f : 1e18f;
    const struct fasttext plain = {.dim = D, .nwords = 2, .words = words, .input = v};
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    CHECK_EQ(WP_OK, fasttext_write(fp, &plain));
    fclose(fp);
    struct fasttext *ft;
    struct w2vfmt_error e;
    fp = fmemopen(p, n, "r");
    CHECK_EQ(WP_EFORMAT, fasttext_read(&ft, fp, &e));
    fclose(fp);
    CHECK(strstr(e.msg, "input matrix: row 1: vector too long") != NULL);
    free(p);
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_hash_fnv1a), CHECK_CASE(test_hash_fasttext_ids),
           CHECK_CASE(test_ngrams_utf8), CHECK_CASE(test_read_vectors), CHECK_CASE(test_vecset),
           CHECK_CASE(test_write_roundtrip),
           CHECK_CASE(test_truncated), CHECK_CASE(test_refused), CHECK_CASE(test_absurd_sizes),
           CHECK_CASE(test_row_too_long))
