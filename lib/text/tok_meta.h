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

#endif
