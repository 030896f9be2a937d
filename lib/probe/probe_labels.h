/* probe_labels.h - class names <-> ids. The names seen in training are ids 0..known-1;
 * names met later (at evaluation) get ids from known on, so they can be counted and
 * reported as labels the probe cannot predict. */
#ifndef WP_PROBE_LABELS_H
#define WP_PROBE_LABELS_H

#include <stddef.h>
#include <stdint.h>

struct probe_labels {
    char **name;     /* NUL-terminated copies */
    size_t *len;
    uint32_t n, cap;
    uint32_t known;  /* ids below this are the model's classes */
    struct wordmap *h;
};

int probe_labels_new(struct probe_labels **out);
void probe_labels_free(struct probe_labels *t);
/* The id of name, added (as id n) when absent. WP_ERANGE past 2^31 names. */
int probe_labels_intern(struct probe_labels *t, const void *name, size_t len, uint32_t *id);
/* The id of name, or -1. */
int64_t probe_labels_find(const struct probe_labels *t, const void *name, size_t len);
/* Fixes the known classes: every name interned so far. */
static inline void
probe_labels_freeze(struct probe_labels *t)
{
    t->known = t->n;
}

#endif
