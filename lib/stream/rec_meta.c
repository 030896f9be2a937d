/* rec_meta.c - header metadata: an ordered list of typed key/value pairs, and its byte
 * encoding (entry = u8 type, varint key length, key, value). */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "common/status.h"
#include "rec.h"
#include "rec_internal.h"

enum { META_KEY_MAX = 64 };

struct meta_entry {
    char key[META_KEY_MAX + 1];
    int type;
    uint64_t u;
    double f;
    char *s;
};

struct rec_meta {
    struct meta_entry *e;
    size_t n, cap;
};

struct rec_meta *
rec_meta_new(void)
{
    return calloc(1, sizeof(struct rec_meta));
}

void
rec_meta_free(struct rec_meta *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->e[i].s);
    free(m->e);
    free(m);
}

static int
meta_key_ok(const char *key, size_t len)
{
    if (len == 0 || len > META_KEY_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        const char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static struct meta_entry *
meta_find(const struct rec_meta *m, const char *key)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->e[i].key, key) == 0)
            return &m->e[i];
    return NULL;
}

/* Points *out at the entry for key, created empty if absent (an existing value is
 * dropped). WP_ERANGE for a bad key, WP_ENOMEM. */
static int
meta_slot(struct rec_meta *m, const char *key, size_t klen, struct meta_entry **out)
{
    char k[META_KEY_MAX + 1];
    if (!meta_key_ok(key, klen))
        return WP_ERANGE;
    memcpy(k, key, klen);
    k[klen] = '\0';
    struct meta_entry *e = meta_find(m, k);
    if (e != NULL) {
        free(e->s);
        e->s = NULL;
        *out = e;
        return WP_OK;
    }
    if (m->n == m->cap) {
        const size_t cap = m->cap ? 2 * m->cap : 8;
        struct meta_entry *ne = realloc(m->e, cap * sizeof *ne);
        if (ne == NULL)
            return WP_ENOMEM;
        m->e = ne;
        m->cap = cap;
    }
    e = &m->e[m->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->key, k, klen + 1);
    *out = e;
    return WP_OK;
}

int
rec_meta_set_u64(struct rec_meta *m, const char *key, uint64_t v)
{
    struct meta_entry *e;
    WP_TRY(meta_slot(m, key, strlen(key), &e));
    e->type = REC_META_U64;
    e->u = v;
    return WP_OK;
}

int
rec_meta_set_f64(struct rec_meta *m, const char *key, double v)
{
    struct meta_entry *e;
    WP_TRY(meta_slot(m, key, strlen(key), &e));
    e->type = REC_META_F64;
    e->f = v;
    return WP_OK;
}

static int
meta_set_bytes(struct rec_meta *m, const char *key, size_t klen, const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    struct meta_entry *e;
    if (copy == NULL)
        return WP_ENOMEM;
    memcpy(copy, s, len);
    copy[len] = '\0';
    const int rc = meta_slot(m, key, klen, &e);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    e->type = REC_META_STR;
    e->s = copy;
    return WP_OK;
}

int
rec_meta_set_str(struct rec_meta *m, const char *key, const char *s)
{
    return meta_set_bytes(m, key, strlen(key), s, strlen(s));
}

static int
meta_get(const struct rec_meta *m, const char *key, int type, const struct meta_entry **out)
{
    const struct meta_entry *e = m ? meta_find(m, key) : NULL;
    if (e == NULL)
        return WP_ENOTFOUND;
    if (e->type != type)
        return WP_EKIND;
    *out = e;
    return WP_OK;
}

int
rec_meta_get_u64(const struct rec_meta *m, const char *key, uint64_t *v)
{
    const struct meta_entry *e;
    WP_TRY(meta_get(m, key, REC_META_U64, &e));
    *v = e->u;
    return WP_OK;
}

int
rec_meta_get_f64(const struct rec_meta *m, const char *key, double *v)
{
    const struct meta_entry *e;
    WP_TRY(meta_get(m, key, REC_META_F64, &e));
    *v = e->f;
    return WP_OK;
}

int
rec_meta_get_str(const struct rec_meta *m, const char *key, const char **s)
{
    const struct meta_entry *e;
    WP_TRY(meta_get(m, key, REC_META_STR, &e));
    *s = e->s;
    return WP_OK;
}

size_t
rec_meta_count(const struct rec_meta *m)
{
    return m ? m->n : 0;
}

void
rec_meta_entry(const struct rec_meta *m, size_t i, const char **key, int *type, uint64_t *u,
               double *f, const char **s)
{
    const struct meta_entry *e = &m->e[i];
    *key = e->key;
    *type = e->type;
    *u = e->u;
    *f = e->f;
    *s = e->s;
}

int
rec_meta_copy(struct rec_meta *dst, const struct rec_meta *src)
{
    for (size_t i = 0; src != NULL && i < src->n; i++) {
        const struct meta_entry *e = &src->e[i];
        switch (e->type) {
        case REC_META_U64: WP_TRY(rec_meta_set_u64(dst, e->key, e->u)); break;
        case REC_META_F64: WP_TRY(rec_meta_set_f64(dst, e->key, e->f)); break;
        default: WP_TRY(rec_meta_set_str(dst, e->key, e->s)); break;
        }
    }
    return WP_OK;
}

int
rec_meta_encode(const struct rec_meta *m, struct buf *b)
{
    for (size_t i = 0; m != NULL && i < m->n; i++) {
        const struct meta_entry *e = &m->e[i];
        const size_t klen = strlen(e->key);
        WP_TRY(buf_put_u8(b, (unsigned)e->type));
        WP_TRY(buf_put_varint(b, klen));
        WP_TRY(buf_put(b, e->key, klen));
        if (e->type == REC_META_U64) {
            WP_TRY(buf_put_varint(b, e->u));
        } else if (e->type == REC_META_F64) {
            unsigned char d[8];
            f64_store(d, e->f);
            WP_TRY(buf_put(b, d, 8));
        } else {
            const size_t len = strlen(e->s);
            WP_TRY(buf_put_varint(b, len));
            WP_TRY(buf_put(b, e->s, len));
        }
    }
    return b->len > REC_META_MAX ? WP_ERANGE : WP_OK;
}

int
rec_meta_decode(struct rec_meta *m, const unsigned char *p, size_t len)
{
    const unsigned char *end = p + len;
    while (p < end) {
        const int type = *p++;
        uint64_t klen, v;
        if (varint_get(&p, end, &klen) < 0 || klen > (uint64_t)(end - p))
            return WP_ECORRUPT;
        const char *key = (const char *)p;
        p += klen;
        char k[META_KEY_MAX + 1];
        if (!meta_key_ok(key, (size_t)klen))
            return WP_ECORRUPT;
        memcpy(k, key, (size_t)klen);
        k[klen] = '\0';
        if (meta_find(m, k) != NULL)
            return WP_ECORRUPT; /* a key appears once */
        if (type == REC_META_U64) {
            if (varint_get(&p, end, &v) < 0)
                return WP_ECORRUPT;
            WP_TRY(rec_meta_set_u64(m, k, v));
        } else if (type == REC_META_F64) {
            if (end - p < 8)
                return WP_ECORRUPT;
            WP_TRY(rec_meta_set_f64(m, k, f64_load(p)));
            p += 8;
        } else if (type == REC_META_STR) {
            if (varint_get(&p, end, &v) < 0 || v > (uint64_t)(end - p))
                return WP_ECORRUPT;
            if (memchr(p, '\0', (size_t)v) != NULL)
                return WP_ECORRUPT;
            WP_TRY(meta_set_bytes(m, k, (size_t)klen, (const char *)p, (size_t)v));
            p += v;
        } else {
            return WP_ECORRUPT;
        }
    }
    return WP_OK;
}
