/* wordmap.h - a map from word bytes to a row id (0..n-1), for vector sets: open
 * addressing keyed by XXH3-64, the words themselves owned by the caller. */
#ifndef WP_WORDMAP_H
#define WP_WORDMAP_H

#include <stddef.h>
#include <stdint.h>

struct wordmap;

int wordmap_create(struct wordmap **out, size_t expected);
void wordmap_free(struct wordmap *h);
/* Maps word (len bytes, kept by pointer: it must outlive h) to id unless present. Returns 1
 * if inserted, 0 if the word was already there (*old gets its id; old may be NULL), or
 * WP_ENOMEM. */
int wordmap_insert(struct wordmap *h, const char *word, size_t len, uint32_t id,
                     uint32_t *old);
/* The id of word, or -1. */
int64_t wordmap_find(const struct wordmap *h, const char *word, size_t len);
/* Points every stored word pointer for id at words[id] (after the caller moved its
 * storage, e.g. by realloc). */
void wordmap_rebase(struct wordmap *h, char *const *words);

#endif
