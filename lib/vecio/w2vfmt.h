/* w2vfmt.h - the word2vec vector formats: text ("V D" header, then "word v1 ... vD" lines;
 * also fastText .vec, gensim's no-trailing-space variant and GloVe's header-less text) and
 * binary ("V D\n", then per word: bytes, ' ', D x float32 little-endian, optional '\n').
 *
 * The writers produce exactly what word2vec.c writes: the header "%lld %lld\n"; text rows
 * "word " then "%lf " per value then "\n" (so a trailing space); binary rows "word ", the raw
 * floats, "\n". Floats go through bytes.h stores (C13), so the bytes are little-endian on any
 * host, as every x86 word2vec reader expects.
 *
 * The reader checks everything: short or long vector lines, NaN/Inf values, a header count
 * that does not match the rows, truncation, empty input. Duplicate words keep the first row
 * and are counted. On error, struct w2vfmt_error says where (line for text, row for
 * binary) and what, so the tool can print "tool: file: line 7: ...". */
#ifndef WP_W2VFMT_H
#define WP_W2VFMT_H

#include <stddef.h>
#include <stdio.h>

enum w2vfmt_format {
    W2VFMT_AUTO = 0,     /* detect: header + text line, header + binary, or no header */
    W2VFMT_TEXT = 1,     /* "V D" header, text rows */
    W2VFMT_BIN = 2,      /* "V D" header, binary rows */
    W2VFMT_NOHEADER = 3  /* GloVe: text rows, no header; D from the first row */
};

/* Vectors in memory: words[i] is NUL-terminated (raw bytes, not checked as UTF-8; a word
 * never contains ' ', '\t', '\n' or NUL), m is v x d row-major. */
struct w2vfmt_vectors {
    char **words;
    float *m;
    size_t v, d;
    size_t dups;     /* rows dropped because their word appeared earlier (first kept) */
    size_t first_dup; /* line (text) or row (binary, 1-based) of the first duplicate; 0 if none */
    int format;       /* the format actually read: W2VFMT_TEXT, _BIN or _NOHEADER */
};

/* Where and why a read failed. line is 1-based (text: the line number, binary: 1 for the
 * header, else 1 + the row index); 0 when the error is not tied to a place. */
struct w2vfmt_error {
    size_t line;
    char msg[160];
};

/* Reads a whole vector file. format is one of enum w2vfmt_format. Returns WP_OK, WP_EEMPTY
 * (no bytes at all), WP_EFORMAT (malformed, err says where), WP_ERANGE (sizes beyond
 * limits), WP_EIO, WP_ENOMEM. On error *out is left empty (nothing to free). err may be NULL. */
int w2vfmt_read(FILE *fp, int format, struct w2vfmt_vectors *out, struct w2vfmt_error *err);
void w2vfmt_free(struct w2vfmt_vectors *vs);

/* Guesses the format from the first bytes of a file (n of them; give at least the first line
 * and the first row, e.g. 64 KiB, or the whole file if shorter): W2VFMT_TEXT, W2VFMT_BIN,
 * W2VFMT_NOHEADER, or WP_EFORMAT if it is none of them. */
int w2vfmt_detect(const unsigned char *head, size_t n);

/* 1 when a word of len bytes can be a word of these formats (and of a text vocabulary):
 * non-empty, without ' ', '\t', '\n', '\r' or NUL; else 0. Tools check a vocabulary with it
 * before training rather than after. */
int w2vfmt_word_ok(const char *w, size_t len);

/* Writers; words must be non-empty without ' ', '\t', '\n' or '\r' (else WP_EFORMAT), values
 * must be finite (else WP_ERANGE); both are checked before anything is written.
 * Return WP_OK or WP_EIO (errno set). They do not fflush or close fp. */
int w2vfmt_write_text(FILE *fp, const char *const *words, const float *m, size_t v, size_t d);
/* Writes x as printf's "%lf" would, byte for byte, into p (cap bytes, at least
 * W2VFMT_LF_MAX), without a NUL; returns the length. */
enum { W2VFMT_LF_MAX = 64 }; /* "%lf" of a float: at most 47 chars with the sign */
size_t w2vfmt_put_lf(char *p, size_t cap, float x);
int w2vfmt_write_bin(FILE *fp, const char *const *words, const float *m, size_t v, size_t d);

#endif
