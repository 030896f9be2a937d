/* vecfile.h - one writer for the vector files the tools write from words and a matrix:
 * word2vec text (W2VFMT_TEXT) and binary (W2VFMT_BIN), exactly as w2vfmt.h writes them, and
 * a wordpipe REC_VECTORS stream (VECSET_STREAM): one record per row, in row order, under a
 * header holding a copy of the caller's metadata with "dim" = d set in it (where the caller
 * put a "dim", in its place, so the caller decides the keys' order; else last).
 * vecfile_write_set writes a loaded vector set, in those formats or as a fastText .bin
 * model (VECSET_FASTTEXT: vecset_write_fasttext, n-grams included when it was read from one).
 *
 * The writers do not close fp; a stream's trailer is written (and fp fflushed), the word2vec
 * formats are not fflushed. Return WP_OK; WP_EFORMAT (a word the word2vec formats cannot
 * hold: empty, or with ' ', '\t', '\n' or '\r'; checked before anything is written),
 * WP_ERANGE (a value not finite, in the word2vec formats; or a format this does not write),
 * WP_EIO (errno set), WP_ENOMEM. */
#ifndef WP_VECFILE_H
#define WP_VECFILE_H

#include <stddef.h>
#include <stdio.h>

struct rec_meta;
struct vecset;

struct vecfile_rows {
    const char *const *words; /* v words, NUL-terminated */
    const size_t *lens;       /* their lengths in bytes, or NULL for strlen (a stream may
                               * hold a word with a NUL byte; the word2vec formats cannot) */
    const float *m;           /* v x d, row-major */
    size_t v, d;
};

/* format: W2VFMT_TEXT, W2VFMT_BIN or VECSET_STREAM; meta (may be NULL) and level (zlib level)
 * are the stream's only. */
int vecfile_write(FILE *fp, int format, const struct vecfile_rows *rows,
                  const struct rec_meta *meta, int level);
/* The same for s's words and raw rows (s->m: vecset_need_floats first for an int8-only
 * table), plus VECSET_FASTTEXT. */
int vecfile_write_set(FILE *fp, int format, const struct vecset *s, const struct rec_meta *meta,
                      int level);
/* format VECFILE_TABLE | sections for vecfile_write_set: a vector table (vectab_write) of s
 * holding those sections (VECTAB_F32, VECTAB_SQ8 or both; the int8 codes need s->unit). */
enum { VECFILE_TABLE = 0x100 };

#endif
