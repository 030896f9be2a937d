/* knn_words.h - a map from word bytes to a row id (0..n-1), for vector sets: open
 * addressing keyed by XXH3-64, the words themselves owned by the caller. */
#ifndef WP_KNN_WORDS_H
#define WP_KNN_WORDS_H

#include <stddef.h>
#include <stdint.h>

struct knn_words;

int knn_words_create(struct knn_words **out, size_t expected);
void knn_words_free(struct knn_words *h);
/* Maps word (len bytes, kept by pointer: it must outlive h) to id unless present. Returns 1
 * if inserted, 0 if the word was already there (*old gets its id; old may be NULL), or
 * WP_ENOMEM. */
int knn_words_insert(struct knn_words *h, const char *word, size_t len, uint32_t id,
                     uint32_t *old);
/* The id of word, or -1. */
int64_t knn_words_find(const struct knn_words *h, const char *word, size_t len);
/* Points every stored word pointer for id at words[id] (after the caller moved its
 * storage, e.g. by realloc). */
void knn_words_rebase(struct knn_words *h, char *const *words);

#endif
