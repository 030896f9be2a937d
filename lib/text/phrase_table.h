/* phrase_table.h - the phrases learned in each pass of phrase detection, and joining them
 * in sentences.
 *
 * A phrase is kept by its spelling, the two tokens joined by the delimiter '_' (as in
 * word2phrase and gensim), with the count of the pair. Pass k applies to the output of
 * pass k - 1: two adjacent tokens a, b are joined into one token "a_b" when "a_b" is a
 * phrase of that pass, greedily from the left; a token just joined does not join again
 * in the same pass, so one pass makes pairs, two passes up to four-word phrases.
 *
 * On disk a table is a vocabulary stream (wordpipe(5)): the phrases of pass 1, then of
 * pass 2, ..., each pass sorted by count descending then bytewise, with the learning
 * settings in the metadata (phrase_passes, phrase_pass_sizes, phrase_scoring,
 * phrase_min_count, phrase_threshold, phrase_delta, phrase_delimiter). */
#ifndef WP_PHRASE_TABLE_H
#define WP_PHRASE_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "phrase_count.h"
#include "common/buf.h"
#include "stream/rec.h"

#define PHRASE_DELIMITER '_'
enum { PHRASE_MAX_PASSES = 16 };

/* ---- sentences ---- */

/* A sentence of tokens. Tokens point into the record it was decoded from, into the
 * sentence it was made from, or into its own bytes (joined tokens). */
struct phrase_sent {
    const unsigned char **tok;
    size_t *len;
    size_t n, cap;
    struct buf bytes;
};
void phrase_sent_free(struct phrase_sent *s); /* a zeroed struct is an empty sentence */
/* Decodes a REC_TOKENS record (tokens point into rec). WP_ECORRUPT if malformed. */
int phrase_sent_decode(struct phrase_sent *s, const unsigned char *rec, size_t len);

/* ---- tables ---- */

struct phrase_table;
int phrase_table_create(struct phrase_table **out, unsigned passes, const struct phrase_params *p);
void phrase_table_free(struct phrase_table *t);
unsigned phrase_table_passes(const struct phrase_table *t);
const struct phrase_params *phrase_table_params(const struct phrase_table *t);
/* Adds count to the phrase a_b of pass (0-based), for a learner. */
int phrase_table_add(struct phrase_table *t, unsigned pass, const void *a, size_t alen,
                     const void *b, size_t blen, uint64_t count);
uint32_t phrase_table_size(const struct phrase_table *t, unsigned pass);
/* Phrase i of pass (after phrase_table_sort: by count descending then bytewise). */
const char *phrase_table_phrase(const struct phrase_table *t, unsigned pass, uint32_t i,
                                size_t *len, uint64_t *count);
int phrase_table_sort(struct phrase_table *t);

/* Joins the phrases of pass in: out gets the resulting sentence (its tokens may point
 * into in, which must outlive it). */
int phrase_table_apply(const struct phrase_table *t, unsigned pass, const struct phrase_sent *in,
                       struct phrase_sent *out);

/* Sets the table's metadata (and "words", "tokens") in m. */
int phrase_table_meta(const struct phrase_table *t, struct rec_meta *m);
/* Writes every phrase, pass by pass (w was opened with kind REC_VOCAB). */
int phrase_table_write(const struct phrase_table *t, struct rec_writer *w);
/* 1 when m, the header of a vocabulary stream, is a phrase table's: it has phrase_passes
 * (valid or not; a vocabulary has none), else 0. */
int phrase_table_is(const struct rec_meta *m);
/* Reads the settings of a table from stream metadata: WP_ENOTFOUND when phrase_passes is
 * absent (not a phrase table), WP_ECORRUPT when a setting is missing or out of range. */
int phrase_table_read_meta(const struct rec_meta *m, unsigned *passes, struct phrase_params *p);
/* Reads a whole table from r (a REC_VOCAB stream): WP_ECORRUPT when the records do not
 * match phrase_pass_sizes or a phrase is listed twice in a pass. */
int phrase_table_read(struct phrase_table **out, struct rec_reader *r);

#endif
