/* conllu.h - a strict streaming reader of CoNLL-U (Universal Dependencies), for tok
 * --conllu: bytes in, one callback per sentence with one column of its words.
 *
 * A pure library: no I/O. The caller feeds bytes in chunks of any size and receives each
 * sentence through a callback, as the chosen column of its word lines (integer IDs), in
 * order. Multiword-token range lines (3-4) and empty nodes (8.1) are checked and skipped,
 * as the format defines (the words carry the annotation); comment lines are skipped.
 *
 * What is checked (https://universaldependencies.org/format.html):
 * - every line is valid UTF-8 without CR; a token line has exactly 10 TAB-separated
 *   fields, none empty;
 * - word IDs run 1, 2, 3... within a sentence; a range a-b has a < b, comes right before
 *   word a, does not overlap the previous range and ends at a word of the sentence; an
 *   empty node a.b follows word a (or starts the sentence with a = 0), b = 1, 2...;
 * - comments come before the sentence's first token line;
 * - a sentence ends at an empty line or at the end of the input and has at least one
 *   word (empty lines between sentences are allowed).
 * The first failure stops reading: WP_EFORMAT, with the line number and a message.
 */
#ifndef WP_CONLLU_H
#define WP_CONLLU_H

#include <stddef.h>
#include <stdint.h>

enum {
    CONLLU_FIELDS = 10,
    CONLLU_LINE_MAX = 1 << 20 /* bytes per line, longer is an error */
};

/* The column names, 0 (ID) to 9 (MISC) as the format numbers them from 1. */
enum conllu_col {
    CONLLU_ID, CONLLU_FORM, CONLLU_LEMMA, CONLLU_UPOS, CONLLU_XPOS,
    CONLLU_FEATS, CONLLU_HEAD, CONLLU_DEPREL, CONLLU_DEPS, CONLLU_MISC
};

/* "id", "form", ... "misc" (any case), or "1" to "10": the column, or -1. */
int conllu_column(const char *name);
/* "id", "form", ... "misc" for a column 0 to 9, else NULL. */
const char *conllu_column_name(int col);

struct conllu_stats {
    uint64_t lines;       /* lines read */
    uint64_t sentences;   /* sentences emitted */
    uint64_t words;       /* word lines */
    uint64_t ranges;      /* multiword-token lines skipped */
    uint64_t empty_nodes; /* empty-node lines skipped */
    uint64_t comments;    /* comment lines skipped */
};

/* Receives one sentence (or a piece of one: conllu_set_output): field[i], len[i] of its
 * n >= 1 words; valid during the call only. A negative return stops reading and is returned by conllu_feed/conllu_flush. */
typedef int (*conllu_emit_fn)(void *ctx, const unsigned char *const *field,
                              const size_t *len, size_t n);

struct conllu;
/* col: the column to emit (enum conllu_col); max_field: the longest value of that column
 * in bytes (longer is an error). WP_ERANGE for arguments out of range, WP_ENOMEM. */
int conllu_new(struct conllu **out, int col, size_t max_field, conllu_emit_fn emit,
               void *ctx);
/* What the callback receives from then on: the words lowercased as tok -l does
 * (tok_lower_utf8) when lower, each sentence in pieces of at most max_sentence words, one
 * call each (0: whole, the default). The statistics still count sentences. */
void conllu_set_output(struct conllu *p, size_t max_sentence, int lower);
/* Reads n more bytes: WP_OK, WP_EFORMAT, WP_ENOMEM or the callback's status. */
int conllu_feed(struct conllu *p, const void *buf, size_t n);
/* End of the input: its last line and sentence end here. Same returns as conllu_feed.
 * The reader is then ready for another input, with line numbers from 1 again. */
int conllu_flush(struct conllu *p);
/* After WP_EFORMAT: the line (from 1) and what is wrong with it. */
uint64_t conllu_error_line(const struct conllu *p);
const char *conllu_error(const struct conllu *p);
const struct conllu_stats *conllu_stats(const struct conllu *p);
void conllu_free(struct conllu *p);

#endif
