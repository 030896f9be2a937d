/* wordmap.c - open-addressing word -> id map (linear probing, load <= 1/2). */
#include "wordmap.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "status.h"

struct slot {
    const char *word; /* NULL = empty */
    uint32_t len, id;
    uint64_t hash;
};

struct wordmap {
    struct slot *t;
    size_t mask, n;
};

static int
table_alloc(struct wordmap *h, size_t want)
{
    size_t cap = 16;
    while (cap < want * 2) {
        if (cap > SIZE_MAX / 4 / sizeof(struct slot))
            return WP_ENOMEM;
        cap *= 2;
    }
    h->t = calloc(cap, sizeof *h->t);
    if (h->t == NULL)
        return WP_ENOMEM;
    h->mask = cap - 1;
    return WP_OK;
}

int
wordmap_create(struct wordmap **out, size_t expected)
{
    struct wordmap *h = calloc(1, sizeof *h);
    if (h == NULL)
        return WP_ENOMEM;
    if (table_alloc(h, expected) < 0) {
        free(h);
        return WP_ENOMEM;
    }
    *out = h;
    return WP_OK;
}

void
wordmap_free(struct wordmap *h)
{
    if (h == NULL)
        return;
    free(h->t);
    free(h);
}

static struct slot *
probe(const struct wordmap *h, const char *word, size_t len, uint64_t hash)
{
    for (size_t i = (size_t)hash & h->mask;; i = (i + 1) & h->mask) {
        struct slot *s = &h->t[i];
        if (s->word == NULL ||
            (s->hash == hash && s->len == len && memcmp(s->word, word, len) == 0))
            return s;
    }
}

static int
grow(struct wordmap *h)
{
    struct wordmap bigger = {0};
    WP_TRY(table_alloc(&bigger, (h->mask + 1)));
    for (size_t i = 0; i <= h->mask; i++) {
        const struct slot *s = &h->t[i];
        if (s->word != NULL)
            *probe(&bigger, s->word, s->len, s->hash) = *s;
    }
    free(h->t);
    h->t = bigger.t;
    h->mask = bigger.mask;
    return WP_OK;
}

int
wordmap_insert(struct wordmap *h, const char *word, size_t len, uint32_t id, uint32_t *old)
{
    if (len > UINT32_MAX)
        return WP_ERANGE;
    const uint64_t hash = XXH3_64bits(word, len);
    struct slot *s = probe(h, word, len, hash);
    if (s->word != NULL) {
        if (old != NULL)
            *old = s->id;
        return 0;
    }
    if ((h->n + 1) * 2 > h->mask + 1) {
        WP_TRY(grow(h));
        s = probe(h, word, len, hash);
    }
    s->word = word;
    s->len = (uint32_t)len;
    s->id = id;
    s->hash = hash;
    h->n++;
    return 1;
}

int64_t
wordmap_find(const struct wordmap *h, const char *word, size_t len)
{
    const struct slot *s = probe(h, word, len, XXH3_64bits(word, len));
    return s->word == NULL ? -1 : (int64_t)s->id;
}

void
wordmap_rebase(struct wordmap *h, char *const *words)
{
    for (size_t i = 0; i <= h->mask; i++)
        if (h->t[i].word != NULL)
            h->t[i].word = words[h->t[i].id];
}
