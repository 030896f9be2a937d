/* probe_labels.c - class names <-> ids (probe_labels.h). */
#include "probe_labels.h"

#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/wordmap.h"

int
probe_labels_new(struct probe_labels **out)
{
    struct probe_labels *t = calloc(1, sizeof *t);
    if (t == NULL || wordmap_create(&t->h, 64) < 0) {
        free(t);
        return WP_ENOMEM;
    }
    *out = t;
    return WP_OK;
}

void
probe_labels_free(struct probe_labels *t)
{
    if (t == NULL)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->name[i]);
    free(t->name);
    free(t->len);
    wordmap_free(t->h);
    free(t);
}

int64_t
probe_labels_find(const struct probe_labels *t, const void *name, size_t len)
{
    return wordmap_find(t->h, name, len);
}

int
probe_labels_intern(struct probe_labels *t, const void *name, size_t len, uint32_t *id)
{
    const int64_t have = wordmap_find(t->h, name, len);
    if (have >= 0) {
        *id = (uint32_t)have;
        return WP_OK;
    }
    if (t->n >= (1u << 31) || len > UINT32_MAX)
        return WP_ERANGE;
    if (t->n == t->cap) {
        const uint32_t cap = t->cap ? 2 * t->cap : 16;
        char **nm = realloc(t->name, cap * sizeof *nm);
        if (nm == NULL)
            return WP_ENOMEM;
        t->name = nm;
        size_t *ln = realloc(t->len, cap * sizeof *ln);
        if (ln == NULL)
            return WP_ENOMEM;
        t->len = ln;
        t->cap = cap;
    }
    char *s = malloc(len + 1);
    if (s == NULL)
        return WP_ENOMEM;
    memcpy(s, name, len);
    s[len] = '\0';
    const int rc = wordmap_insert(t->h, s, len, t->n, NULL);
    if (rc < 0) {
        free(s);
        return rc;
    }
    t->name[t->n] = s;
    t->len[t->n] = len;
    *id = t->n++;
    return WP_OK;
}
