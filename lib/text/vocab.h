/* vocab.h - a vocabulary: words with counts, ids 0..n-1 (most frequent first once
 * sorted), lookup by bytes through a hash table keyed by XXH3-64. Handles tens of millions
 * of distinct words. */
#ifndef WP_VOCAB_H
#define WP_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "stream/rec.h"

struct vocab;

int vocab_create(struct vocab **out, size_t expected_words);
void vocab_free(struct vocab *v);

/* Adds count to word (interning it with the next id if new). */
int vocab_add(struct vocab *v, const void *word, size_t len, uint64_t count);
/* The same, setting *id to the word's id (one hash for counters that keep their own
 * per-id state). */
int vocab_add_id(struct vocab *v, const void *word, size_t len, uint64_t count, uint32_t *id);
/* Sorts by count descending, then bytewise; drops words below min_count, then keeps at most
 * max_words (0 = no limit). Ids are renumbered 0..n-1 in that order. */
int vocab_sort_prune(struct vocab *v, uint64_t min_count, uint64_t max_words);

uint32_t vocab_size(const struct vocab *v);
const char *vocab_word(const struct vocab *v, uint32_t id, size_t *len); /* NUL-terminated */
uint64_t vocab_count(const struct vocab *v, uint32_t id);
uint64_t vocab_total(const struct vocab *v); /* sum of all counts */
/* Every token counted when the vocabulary was made, the words pruned by -m or --max-words
 * included (a stream's total_tokens metadata), or vocab_total when that is unknown or
 * smaller: fastText's denominator for subsampling. */
uint64_t vocab_tokens_counted(const struct vocab *v);

/* The header key of a vocabulary stream that says the shape of the tokens it counted
 * (tok_meta.h's TOK_SHAPE bits), written by vocab(1) when every input said the same. */
#define VOCAB_META_TOKENIZED "tokenized"
/* A read vocabulary's shape of tokens, or -1 when its header does not say. */
int vocab_tok_shape(const struct vocab *v);
/* The same from a vocabulary stream's header m. */
int vocab_meta_tok_shape(const struct rec_meta *m);
int64_t vocab_lookup(const struct vocab *v, const void *word, size_t len); /* id or -1 */
/* A token record (stream/rec_payload.h) -> the ids of its in-vocabulary tokens, in order,
 * written at (*ids)[at] on, the array (*ids, capacity *cap) grown as needed
 * (common/grow.h); *kept: how many; *tokens: the record's tokens, kept or not. */
int vocab_record_ids(const struct vocab *v, const unsigned char *rec, size_t len,
                     uint32_t **ids, size_t *cap, size_t at, size_t *kept, uint64_t *tokens);

/* Identity of the word list: XXH3-64 (seed 0) over varint(len) || bytes of each word in id
 * order. Streams of ids carry it in their "vocab_hash" metadata. */
uint64_t vocab_hash(const struct vocab *v);

/* Reads every record of a REC_VOCAB stream (ids in stream order). A word listed twice
 * would give two ids to one string: WP_ECORRUPT. */
int vocab_read(struct vocab **out, struct rec_reader *r);
/* vocab_read, but a word listed twice is WP_EFORMAT, with its bytes copied to dup (at most
 * size - 1 of them, NUL-terminated; dup may be NULL) for a message that names it. */
int vocab_read_dup(struct vocab **out, struct rec_reader *r, char *dup, size_t size);
/* 0 when no count is above the count of the id before it (most frequent first, as
 * vocab_sort_prune leaves them and hierarchical softmax needs), else the first id whose
 * count is. */
uint32_t vocab_unsorted(const struct vocab *v);
/* Writes every word in id order (the caller opened w with kind REC_VOCAB). */
int vocab_write(const struct vocab *v, struct rec_writer *w);

/* Additions (vocab helper): bytes of memory v holds (arena, per-id arrays, table), for
 * tools that bound their memory. */
size_t vocab_memory(const struct vocab *v);

#endif
