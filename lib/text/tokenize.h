/* tokenize.h - the UTF-8 tokenizer behind tok(1): bytes in, sentences of tokens out.
 *
 * A pure library: no I/O. The caller feeds bytes in chunks of any size (a token, a UTF-8
 * sequence or a CRLF may span two chunks) and receives each sentence through a callback.
 * Memory stays bounded by max_sentence * max_token whatever the line length.
 *
 * The rules, normative in man/man1/tok.1:
 * - LF and CR end a line (so CRLF is one line end plus an empty line, and empty lines
 *   give no sentence). A line is one sentence; a sentence reaching max_sentence tokens
 *   is emitted and the line goes on as a new sentence.
 * - Separators: the Unicode White_Space characters (TAB, LF, VT, FF, CR, space, U+0085,
 *   U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), plus U+200B
 *   and U+FEFF, NUL and the other C0/C1 control characters (counted).
 * - Punctuation (see tok_class_cp) becomes a token of one code point, or is dropped
 *   with drop_punct, except a joiner: ' - U+2010 U+2011 U+2019 between two word
 *   characters, and . , between two ASCII digits, stay inside the word (unless
 *   split_all_punct).
 * - Everything else is a word character: letters, digits, marks, symbols, CJK, emoji.
 * - Invalid UTF-8: each maximal invalid subpart (Unicode 15, section 3.9, "U+FFFD
 *   substitution of maximal subparts") becomes U+FFFD, a word character, and is counted.
 * - A token longer than max_token bytes is cut at the last code point that fits, or
 *   dropped with skip_long; both counted.
 */
#ifndef WP_TOKENIZE_H
#define WP_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

enum {
    TOK_MAX_SENTENCE_DEFAULT = 1000, /* tokens per sentence, as word2vec */
    TOK_MAX_TOKEN_DEFAULT = 1000,    /* bytes per token */
    TOK_MAX_TOKEN_MIN = 4,           /* one code point always fits */
    TOK_CHUNK_MAX = 4096             /* penn, sentences: code points without a separator
                                        looked at together */
};

struct tok_opts {
    int lower;           /* lowercase with tok_lower_cp */
    int split_all_punct; /* no joiners: every punctuation character is its own token */
    int drop_punct;      /* drop punctuation tokens instead of emitting them */
    int skip_long;       /* drop an over-long token instead of truncating it */
    int whitespace;      /* pre-tokenized text: split at separators only, punctuation is
                            a word character */
    int penn;            /* English split the Penn Treebank way (tokenize_en.h); not with
                            whitespace or split_all_punct */
    int sentences;       /* a line may hold several sentences: end one where
                            tok_en_sentence_end says so */
    size_t max_sentence; /* >= 1 */
    size_t max_token;    /* bytes, >= TOK_MAX_TOKEN_MIN */
};
void tok_opts_default(struct tok_opts *o);

struct tok_stats {
    uint64_t bytes;          /* input bytes fed */
    uint64_t lines;          /* lines holding at least one byte besides LF/CR */
    uint64_t sentences;      /* sentences emitted */
    uint64_t tokens;         /* tokens emitted */
    uint64_t invalid;        /* invalid UTF-8 subparts replaced by U+FFFD */
    uint64_t nuls;           /* NUL bytes treated as separators */
    uint64_t controls;       /* other control characters treated as separators */
    uint64_t long_truncated; /* tokens cut at max_token bytes */
    uint64_t long_skipped;   /* tokens dropped for exceeding max_token bytes */
    uint64_t lines_split;    /* lines that gave more than one sentence (max_sentence) */
};

/* Receives one sentence of n >= 1 tokens; the pointers are valid during the call only.
 * A negative return stops tokenizing and is returned by tok_feed/tok_flush. */
typedef int (*tok_emit_fn)(void *ctx, const unsigned char *const *tok, const size_t *len,
                           size_t n);

struct tok_state;
/* WP_ERANGE for options out of range, WP_ENOMEM. */
int tok_new(struct tok_state **out, const struct tok_opts *o, tok_emit_fn emit, void *ctx);
/* Tokenizes n more bytes. Returns WP_OK, WP_ENOMEM or the callback's negative status. */
int tok_feed(struct tok_state *t, const void *p, size_t n);
/* End of an input: completes a pending UTF-8 sequence (as U+FFFD), token and line. */
int tok_flush(struct tok_state *t);
const struct tok_stats *tok_stats(const struct tok_state *t);
void tok_free(struct tok_state *t);

/* Character classes, for tests and documentation. */
enum tok_class {
    TOK_WORD = 0,   /* part of a word */
    TOK_SPACE = 1,  /* separator */
    TOK_PUNCT = 2,  /* punctuation, its own token */
    TOK_JOIN = 3,   /* punctuation that joins two word characters: ' - U+2010 U+2011 U+2019 */
    TOK_JOIN_NUM = 4 /* punctuation that joins two ASCII digits: . , */
};
enum tok_class tok_class_cp(uint32_t cp); /* LF and CR are TOK_SPACE here */

/* Simple (one-to-one) lowercase mapping of ASCII, Latin-1 Supplement, Latin Extended-A,
 * Latin Extended Additional, Greek, Cyrillic (with its supplement), Armenian and
 * fullwidth Latin; every other code point maps to itself. U+0130 maps to U+0069 and the
 * final sigma stays as it is. */
uint32_t tok_lower_cp(uint32_t cp);
/* tok_lower_cp over the valid UTF-8 src[0..n) into dst (room for n bytes: lowercasing
 * never lengthens a code point here); returns the bytes written. */
size_t tok_lower_utf8(unsigned char *dst, const unsigned char *src, size_t n);

#endif
