/* tok_meta.h - the header of a token stream as tok(1) writes it: one place for its keys. */
#ifndef WP_TOK_META_H
#define WP_TOK_META_H

#include "tokenize.h"

struct rec_meta;

/* Sets in m the settings of o (lower, max_sentence, max_token, no_punct, split_all_punct,
 * whitespace), source (the first input's name), then the keys newer than the first version
 * only when set (penn, sentences), so that streams written without them stay byte for byte
 * what they were; for CoNLL-U input (conllu_column >= 0, enum conllu_col) conllu and
 * conllu_column. WP_OK or WP_ENOMEM. */
int tok_meta_put(struct rec_meta *m, const struct tok_opts *o, const char *source,
                 int conllu_column);

/* The settings that decide which strings are tokens, a bit each: a vocabulary counted from
 * tokens of one shape finds few of another's (a cased word is never a lowercased token).
 * --no-punct, --sentences and the lengths only drop or cut tokens, so they are left out. */
enum {
    TOK_SHAPE_LOWER = 1,           /* --lower */
    TOK_SHAPE_WHITESPACE = 2,      /* --whitespace */
    TOK_SHAPE_SPLIT_ALL_PUNCT = 4, /* --split-all-punct */
    TOK_SHAPE_PENN = 8             /* --penn */
};
/* A token stream's shape from its header, or -1 when it does not say (not made by tok). */
int tok_meta_shape(const struct rec_meta *m);
/* The tok command of a shape, for messages: "tok --lower --whitespace", "tok". */
void tok_shape_text(int shape, char *buf, size_t size);

#endif
