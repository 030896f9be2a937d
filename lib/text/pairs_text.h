/* pairs_text.h - word2vecf's input, word<TAB>context lines (pairs --from-text): each line
 * split and checked, the words and contexts counted (pass 1), then consecutive pairs of one
 * word grouped into a spool of u32s (pass 2) for the passes that replay them. */
#ifndef WP_PAIRS_TEXT_H
#define WP_PAIRS_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct vocab;

/* Where a pass failed, for the caller's message. */
struct pairs_text_err {
    uint64_t line; /* WP_EFORMAT: the line (from 1) that is not word<TAB>context */
    int spool;     /* WP_EIO: 1 when writing the spool failed, 0 when reading the input */
};

/* Splits a line of len bytes in place, its trailing newlines and CRs removed: 0 for a
 * blank line; 1 for a pair, the word line[0..*wl) and the context (*ctx)[0..*cl) (the
 * context NUL-terminated, the word not); WP_EMAGIC for a wordpipe stream's first line (its
 * signature); WP_EFORMAT for anything else (no tab, a second tab, an empty side, a NUL
 * byte). */
int pairs_text_split(char *line, size_t len, char **ctx, size_t *wl, size_t *cl);

/* Pass 1: each pair's word added to v (NULL when the words are given) and its context to cv,
 * count 1 each; every line copied to copy first when not NULL (a pipe kept for pass 2).
 * progress(pctx, pairs so far) after each pair when not NULL. *pairs: the pairs read.
 * WP_OK; WP_EFORMAT or WP_EMAGIC (err->line); WP_EIO with errno set (err->spool: which file);
 * WP_ENOMEM. */
int pairs_text_count(FILE *fp, FILE *copy, struct vocab *v, struct vocab *cv, uint64_t *pairs,
                     void (*progress)(void *pctx, uint64_t pairs), void *pctx,
                     struct pairs_text_err *err);

/* What pass 2 wrote. */
struct pairs_text_groups {
    uint64_t groups;  /* records [word, n, ctx...] in the spool */
    uint64_t max_ctx; /* the most contexts in one */
};

/* Pass 2: the pairs whose word is in v and context in cv, as ids, grouped into spool
 * records [word, n, ctx_1..ctx_n]: consecutive lines of one word make a group, ended by a
 * line of another word (even one not in v: pairs further down belong to another occurrence)
 * or after max contexts. Errors as pairs_text_count; WP_ENOMEM. */
int pairs_text_group(FILE *fp, const struct vocab *v, const struct vocab *cv, uint32_t max,
                     FILE *spool, struct pairs_text_groups *out, struct pairs_text_err *err);

#endif
