/* tokenize_en.h - English rules behind tok --penn and tok --sentences, on one chunk (the
 * code points between two separators). Pure functions: tokenize.c cuts the chunks, these
 * say where the tokens and the sentences end. The rules are normative in man/man1/tok.1
 * and were fitted to the UD English Web Treebank (bench/tok_ewt.py).
 */
#ifndef WP_TOKENIZE_EN_H
#define WP_TOKENIZE_EN_H

#include <stddef.h>
#include <stdint.h>

/* A token of a chunk: cp[start, end); punct when it holds punctuation only. */
struct tok_span {
    size_t start, end;
    int punct;
};

/* Splits cp[0..n) (no separator inside, n >= 1) the Penn Treebank way as the UD English
 * Web Treebank does: clitics off (do n't, John 's, we 're), punctuation apart except
 * inside numbers (3.5 1,000 10:30 9/11), abbreviations (U.S. e.g. Mr. J.), e-mail
 * addresses and URLs; hyphens split except after a few prefixes (e-mail, non-, pre-) and
 * in phone numbers; runs of one punctuation character, and of . ! ? together, are one
 * token. line_end: the chunk ends its line (or sentence), so a final abbreviation's
 * period is a token of its own (etc .). Writes at most n spans to out, returns how many. */
size_t tok_en_split(const uint32_t *cp, size_t n, int line_end, struct tok_span *out);

/* Whether the chunk cp[0..n) ends a sentence when the next chunk begins with next: it
 * ends with . ! ? or U+2026 (then possibly closing quotes and brackets), not with a
 * known abbreviation or a single letter before a period, and next is an uppercase
 * letter, a digit or an opening quote or bracket. */
int tok_en_sentence_end(const uint32_t *cp, size_t n, uint32_t next);

#endif
