/* vectab.c - vector tables: the writer, the mapped reader and its checks, the stored index. */
#include "vectab.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <xxhash.h>

#include "common/bytes.h"
#include "common/mapfile.h"
#include "common/status.h"
#include "kernels/vec.h"
#include "vecerr.h"
#include "vecfp.h"

/* Header field offsets (wordpipe(5) draws the table). */
enum {
    H_VERSION = 8, H_FLAGS = 12, H_ROWS = 16, H_DIM = 24, H_SLOTS = 32, H_WORDS_SIZE = 40,
    H_FINGERPRINT = 48, H_NORMS_CHECK = 56, H_MATRIX_CHECK = 64, H_CODES_CHECK = 72,
    H_INDEX_CHECK = 80, H_WORDS_CHECK = 88, H_RESERVED = 96, H_HEADER_CHECK = 120
};

/* Where each section starts; every one begins on a VECTAB_ALIGN boundary and runs to the
 * next one's start (its zero padding included), the words to the end of the file. */
struct layout {
    size_t norms, matrix, sq8, codes, index, words, end;
};

static int
align_up(size_t x, size_t *out)
{
    return size_add_ok(x, VECTAB_ALIGN - 1, out) ? (*out &= ~(size_t)(VECTAB_ALIGN - 1), 1) : 0;
}

/* Offsets from the header's counts; 0 when they overflow size_t. */
static int
layout_of(size_t v, size_t d, unsigned flags, size_t slots, size_t words_size, struct layout *l)
{
    size_t a, b;
    l->norms = VECTAB_HEADER_SIZE;
    if (!size_mul_ok(v, 8, &a) || !size_add_ok(l->norms, a, &a) || !align_up(a, &l->matrix))
        return 0;
    b = 0;
    if ((flags & VECTAB_F32) && (!size_mul_ok(v, d, &b) || !size_mul_ok(b, 4, &b)))
        return 0;
    if (!size_add_ok(l->matrix, b, &a) || !align_up(a, &l->sq8))
        return 0;
    l->codes = l->index = l->sq8;
    if (flags & VECTAB_SQ8) {
        if (!size_mul_ok(d, 8, &a) || !size_add_ok(l->sq8, a, &a) || !align_up(a, &l->codes) ||
            !size_mul_ok(v, d, &b) || !size_add_ok(l->codes, b, &a) || !align_up(a, &l->index))
            return 0;
    }
    if (!size_mul_ok(slots, 4, &a) || !size_add_ok(l->index, a, &a) || !align_up(a, &l->words) ||
        !size_add_ok(l->words, words_size, &l->end))
        return 0;
    return 1;
}

static size_t
index_slots(size_t v)
{
    size_t s = 2;
    while (s < 2 * v)
        s *= 2;
    return s;
}

static uint64_t
word_hash(const char *w, size_t len)
{
    return XXH3_64bits(w, len);
}

/* ---- writer ---- */

/* Bytes written (unless fp is NULL) and hashed into the current section's state. */
struct out {
    FILE *fp;
    size_t pos;
    XXH3_state_t *st;
    int err;
};

static void
out_put(struct out *o, const void *p, size_t n)
{
    if (o->err || n == 0)
        return;
    if (o->fp != NULL && fwrite(p, 1, n, o->fp) != n)
        o->err = 1;
    XXH3_64bits_update(o->st, p, n);
    o->pos += n;
}

static void
out_pad(struct out *o, size_t to)
{
    static const unsigned char zero[VECTAB_ALIGN];
    while (o->pos < to)
        out_put(o, zero, to - o->pos < sizeof zero ? to - o->pos : sizeof zero);
}

static uint64_t
out_section_end(struct out *o, size_t to)
{
    out_pad(o, to);
    const uint64_t h = XXH3_64bits_digest(o->st);
    XXH3_64bits_reset(o->st);
    return h;
}

/* Floats as little-endian bytes through a small buffer (C13). */
static void
out_floats(struct out *o, const float *x, size_t n)
{
    enum { CHUNK = 4096 };
    unsigned char b[CHUNK * 4];
    for (size_t i = 0; i < n; i += CHUNK) {
        const size_t c = n - i < CHUNK ? n - i : CHUNK;
        for (size_t j = 0; j < c; j++)
            f32_store(b + 4 * j, x[i + j]);
        out_put(o, b, 4 * c);
    }
}

/* Per-dimension range of the unit rows and the codes: code = round((u - min) / step). */
static void
sq8_params(const float *unit, size_t v, size_t d, float *mn, float *step)
{
    float *mx = step;
    for (size_t j = 0; j < d; j++) {
        mn[j] = INFINITY;
        mx[j] = -INFINITY;
    }
    for (size_t i = 0; i < v; i++)
        for (size_t j = 0; j < d; j++) {
            const float u = unit[i * d + j];
            mn[j] = u < mn[j] ? u : mn[j];
            mx[j] = u > mx[j] ? u : mx[j];
        }
    for (size_t j = 0; j < d; j++)
        step[j] = (mx[j] - mn[j]) / 255.0f;
}

static uint8_t
sq8_code(float u, float mn, float step)
{
    if (!(step > 0))
        return 0;
    const float c = nearbyintf((u - mn) / step);
    return c <= 0 ? 0 : c >= 255 ? 255 : (uint8_t)c;
}

static int
build_index(char *const *words, size_t v, size_t slots, unsigned char *idx)
{
    memset(idx, 0, slots * 4);
    for (size_t i = 0; i < v; i++) {
        const size_t len = strlen(words[i]);
        size_t s = (size_t)word_hash(words[i], len) & (slots - 1);
        while (le32_load(idx + 4 * s) != 0)
            s = (s + 1) & (slots - 1);
        le32_store(idx + 4 * s, (uint32_t)(i + 1));
    }
    return WP_OK;
}

static void
header_put(unsigned char *h, size_t v, size_t d, unsigned flags, size_t slots, size_t wsize,
           uint64_t fp)
{
    memset(h, 0, VECTAB_HEADER_SIZE);
    memcpy(h, VECTAB_SIGNATURE, VECTAB_SIGNATURE_SIZE);
    le32_store(h + H_VERSION, VECTAB_VERSION);
    le32_store(h + H_FLAGS, flags);
    le64_store(h + H_ROWS, v);
    le64_store(h + H_DIM, d);
    le64_store(h + H_SLOTS, slots);
    le64_store(h + H_WORDS_SIZE, wsize);
    le64_store(h + H_FINGERPRINT, fp);
}

/* The sections after the norms, each hashed into its header field. */
static void
write_body(struct out *o, unsigned char *h, const struct layout *l, const float *m,
           const float *unit, size_t v, size_t d, unsigned flags, const unsigned char *idx,
           size_t slots, char *const *words)
{
    if (flags & VECTAB_F32) {
        out_floats(o, m, v * d);
        le64_store(h + H_MATRIX_CHECK, out_section_end(o, l->sq8));
    }
    if (flags & VECTAB_SQ8) {
        float *mn = malloc(2 * d * sizeof *mn);
        uint8_t *c = malloc(d);
        if (mn == NULL || c == NULL) {
            o->err = WP_ENOMEM;
        } else {
            sq8_params(unit, v, d, mn, mn + d);
            out_floats(o, mn, 2 * d);
            out_pad(o, l->codes);
            for (size_t i = 0; i < v; i++) {
                for (size_t j = 0; j < d; j++)
                    c[j] = sq8_code(unit[i * d + j], mn[j], mn[d + j]);
                out_put(o, c, d);
            }
        }
        free(mn);
        free(c);
        le64_store(h + H_CODES_CHECK, out_section_end(o, l->index));
    }
    out_put(o, idx, slots * 4);
    le64_store(h + H_INDEX_CHECK, out_section_end(o, l->words));
    for (size_t i = 0; i < v; i++)
        out_put(o, words[i], strlen(words[i]) + 1);
    le64_store(h + H_WORDS_CHECK, out_section_end(o, l->end));
}

int
vectab_write(FILE *fp, char *const *words, const float *m, const float *unit, size_t v,
             size_t d, unsigned sections)
{
    if (v == 0 || v > VECTAB_ROWS_MAX || d == 0 || d > VECTAB_DIM_MAX || sections == 0 ||
        (sections & ~(unsigned)(VECTAB_F32 | VECTAB_SQ8)) || ((sections & VECTAB_SQ8) && !unit))
        return WP_ERANGE;
    size_t wsize = 0;
    for (size_t i = 0; i < v; i++)
        if (words[i][0] == '\0' || !size_add_ok(wsize, strlen(words[i]) + 1, &wsize))
            return WP_ERANGE;
    const size_t slots = index_slots(v);
    struct layout l;
    if (!layout_of(v, d, sections, slots, wsize, &l))
        return WP_ERANGE;
    unsigned char h[VECTAB_HEADER_SIZE];
    unsigned char *idx = malloc(slots * 4);
    float *norms = malloc(2 * v * sizeof *norms);
    XXH3_state_t *st = XXH3_createState();
    int rc = idx && norms && st ? WP_OK : WP_ENOMEM;
    if (rc == WP_OK) {
        for (size_t i = 0; i < v; i++) {
            const double sq = vec_sumsq_f64(m + i * d, d);
            norms[i] = (float)sqrt(sq);
            norms[v + i] = (float)sq;
        }
        build_index(words, v, slots, idx);
        header_put(h, v, d, sections, slots, wsize, vecfp_matrix(m, v, d));
        /* pass 0 only hashes (the checksums precede the sections they cover, and the output
         * may be a pipe); pass 1 writes the same bytes */
        for (int pass = 0; pass < 2 && rc == WP_OK; pass++) {
            struct out o = {.fp = pass ? fp : NULL, .pos = 0, .st = st};
            XXH3_64bits_reset(st);
            if (pass == 1)
                le64_store(h + H_HEADER_CHECK, XXH3_64bits(h, H_HEADER_CHECK));
            out_put(&o, h, VECTAB_HEADER_SIZE);
            XXH3_64bits_reset(st);
            out_floats(&o, norms, 2 * v);
            le64_store(h + H_NORMS_CHECK, out_section_end(&o, l.matrix));
            write_body(&o, h, &l, m, unit, v, d, sections, idx, slots, words);
            rc = o.err == WP_ENOMEM ? WP_ENOMEM : o.err ? WP_EIO : WP_OK;
        }
        if (rc == WP_OK && fflush(fp) != 0)
            rc = WP_EIO;
    }
    free(idx);
    free(norms);
    XXH3_freeState(st);
    return rc;
}

/* ---- reader ---- */

int
vectab_is_table(const unsigned char *head, size_t n)
{
    return n >= VECTAB_SIGNATURE_SIZE && memcmp(head, VECTAB_SIGNATURE, VECTAB_SIGNATURE_SIZE) == 0;
}

static int
check_header(struct vectab *t, const unsigned char *h, struct layout *l, struct w2vfmt_error *err)
{
    if (!vectab_is_table(h, t->size))
        return vecerr_set(err, WP_EMAGIC, "not a vector table");
    if (le64_load(h + H_HEADER_CHECK) != XXH3_64bits(h, H_HEADER_CHECK))
        return vecerr_set(err, WP_ECORRUPT, "vector table header check failed");
    const uint32_t version = le32_load(h + H_VERSION);
    if (version != VECTAB_VERSION)
        return vecerr_set(err, WP_EVERSION, "vector table version %u, this program reads %d",
                    (unsigned)version, VECTAB_VERSION);
    t->flags = le32_load(h + H_FLAGS);
    const uint64_t v = le64_load(h + H_ROWS), d = le64_load(h + H_DIM);
    const uint64_t slots = le64_load(h + H_SLOTS), wsize = le64_load(h + H_WORDS_SIZE);
    for (size_t i = H_RESERVED; i < H_HEADER_CHECK; i++)
        if (h[i] != 0)
            return vecerr_set(err, WP_ECORRUPT, "vector table header: reserved bytes not zero");
    if (t->flags == 0 || (t->flags & ~(unsigned)(VECTAB_F32 | VECTAB_SQ8)))
        return vecerr_set(err, WP_ECORRUPT, "vector table header: bad flags 0x%x", t->flags);
    if (v == 0 || v > VECTAB_ROWS_MAX || d == 0 || d > VECTAB_DIM_MAX || slots < 2 * v ||
        (slots & (slots - 1)) != 0 || slots > ((uint64_t)1 << 32) || wsize < 2 * v ||
        wsize > SIZE_MAX)
        return vecerr_set(err, WP_ECORRUPT, "vector table header: inconsistent sizes");
    t->v = (size_t)v;
    t->d = (size_t)d;
    t->slots = (size_t)slots;
    t->words_size = (size_t)wsize;
    if (!layout_of(t->v, t->d, t->flags, t->slots, t->words_size, l))
        return vecerr_set(err, WP_ERANGE, "vector table too large for this host");
    if (t->size < l->end)
        return vecerr_set(err, WP_ETRUNC, "vector table truncated: %zu bytes, its header says %zu",
                    t->size, l->end);
    if (t->size > l->end)
        return vecerr_set(err, WP_ECORRUPT, "vector table: %zu bytes after its end",
                          t->size - l->end);
    t->fingerprint = le64_load(h + H_FINGERPRINT);
    t->words_check = le64_load(h + H_WORDS_CHECK);
    return WP_OK;
}

static int
check_sections(const struct vectab *t, const unsigned char *h, const struct layout *l,
               struct w2vfmt_error *err)
{
    const unsigned char *b = t->base;
    const struct { const char *name; int field; size_t from, to; int present; } sec[] = {
        {"norms", H_NORMS_CHECK, l->norms, l->matrix, 1},
        {"matrix", H_MATRIX_CHECK, l->matrix, l->sq8, (t->flags & VECTAB_F32) != 0},
        {"int8 codes", H_CODES_CHECK, l->sq8, l->index, (t->flags & VECTAB_SQ8) != 0},
        {"index", H_INDEX_CHECK, l->index, l->words, 1},
        {"words", H_WORDS_CHECK, l->words, l->end, 1}};
    for (size_t i = 0; i < sizeof sec / sizeof *sec; i++) {
        if (!sec[i].present) {
            if (le64_load(h + sec[i].field) != 0)
                return vecerr_set(err, WP_ECORRUPT,
                                  "vector table header: check of absent %s not zero", sec[i].name);
            continue;
        }
        if (XXH3_64bits(b + sec[i].from, sec[i].to - sec[i].from) != le64_load(h + sec[i].field))
            return vecerr_set(err, WP_ECHECKSUM, "vector table: %s checksum mismatch", sec[i].name);
    }
    return WP_OK;
}

/* The word pointers, checking that the section holds exactly v non-empty words. */
static int
split_words(const struct vectab *t, char ***out, struct w2vfmt_error *err)
{
    char **w = malloc(t->v * sizeof *w);
    if (w == NULL)
        return WP_ENOMEM;
    const char *p = t->wordbytes, *end = p + t->words_size;
    size_t i = 0;
    for (; i < t->v && p < end; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        if (nul == NULL || nul == p)
            break;
        w[i] = (char *)p;
        p = nul + 1;
    }
    if (i < t->v || p != end) {
        free(w);
        return vecerr_set(err, WP_ECORRUPT, "vector table: words section does not hold %zu words",
                    t->v);
    }
    *out = w;
    return WP_OK;
}

/* Refuses a stored squared norm beyond the readers' bound (vecerr.h): a table made before the
 * bound existed may hold an infinite one, which every search divides or adds with. */
static int
check_norms(const struct vectab *t, char *const *words, struct w2vfmt_error *err)
{
    for (size_t i = 0; i < t->v; i++)
        if (!vecerr_sqnorm_ok(t->sqnorm[i]))
            return vecerr_too_long(err, words[i], strlen(words[i]), t->sqnorm[i]);
    return WP_OK;
}

int
vectab_open(struct vectab *t, int fd, unsigned flags, char ***words, struct w2vfmt_error *err)
{
    struct stat st;
    memset(t, 0, sizeof *t);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    return vecerr_set(err, WP_EFORMAT,
                      "vector tables are used in place: a little-endian host only");
#endif
    if (fstat(fd, &st) != 0)
        return WP_EIO;
    if (!S_ISREG(st.st_mode))
        return vecerr_set(err, WP_EFORMAT, "a vector table must be a regular file (it is mapped)");
    if ((uint64_t)st.st_size < VECTAB_HEADER_SIZE)
        return vecerr_set(err, WP_ETRUNC,
                          "vector table truncated: %lld bytes, shorter than its header",
                          (long long)st.st_size);
    if ((uint64_t)st.st_size > SIZE_MAX)
        return vecerr_set(err, WP_ERANGE, "vector table too large for this host");
    t->size = (size_t)st.st_size;
    void *base;
    WP_TRY(wp_map_file(fd, t->size, &base));
    t->base = base;
    struct layout l;
    const unsigned char *b = base;
    int rc = check_header(t, b, &l, err);
    if (rc == WP_OK && !(flags & VECTAB_TRUST)) {
        madvise(base, t->size, MADV_SEQUENTIAL);
        rc = check_sections(t, b, &l, err);
        madvise(base, t->size, MADV_NORMAL);
    }
    if (rc == WP_OK) {
        t->norm = (const float *)(b + l.norms);
        t->sqnorm = t->norm + t->v;
        t->m = (t->flags & VECTAB_F32) ? (const float *)(b + l.matrix) : NULL;
        if (t->flags & VECTAB_SQ8) {
            t->sq8_min = (const float *)(b + l.sq8);
            t->sq8_step = t->sq8_min + t->d;
            t->codes = b + l.codes;
        }
        t->index = (const uint32_t *)(b + l.index);
        t->wordbytes = (const char *)(b + l.words);
        rc = split_words(t, words, err);
        if (rc == WP_OK && (rc = check_norms(t, *words, err)) < 0) {
            free(*words);
            *words = NULL;
        }
    }
    if (rc < 0)
        vectab_close(t);
    return rc;
}

void
vectab_close(struct vectab *t)
{
    wp_unmap_file(t->base, t->size);
    memset(t, 0, sizeof *t);
}

int64_t
vectab_find(const struct vectab *t, char *const *words, const char *word, size_t len)
{
    size_t s = (size_t)word_hash(word, len) & (t->slots - 1);
    for (size_t probes = 0; probes < t->slots; probes++, s = (s + 1) & (t->slots - 1)) {
        const uint32_t r = t->index[s];
        if (r == 0)
            return -1;
        if (r - 1 >= t->v) /* a modified index (only when opened without checksums) */
            return -1;
        const char *w = words[r - 1];
        if (strncmp(w, word, len) == 0 && w[len] == '\0')
            return (int64_t)(r - 1);
    }
    return -1;
}

void
vectab_sq8_decode(const struct vectab *t, size_t i, float *out)
{
    const uint8_t *c = t->codes + i * t->d;
    for (size_t j = 0; j < t->d; j++)
        out[j] = t->sq8_min[j] + t->sq8_step[j] * (float)c[j];
}
