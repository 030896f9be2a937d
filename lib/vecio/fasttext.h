/* fasttext.h - fastText's .bin models (skip-gram and CBOW, model version 12 as written by
 * fastText 0.9.x) and the vector of any word from its character n-grams.
 *
 * The file is fastText's saveModel, all fields host-endian (read here as little-endian,
 * which is what every x86 fastText writes):
 *   int32 magic 793712314, int32 version 12;
 *   args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model (1 cbow, 2 skip-gram,
 *         3 supervised), bucket, minn, maxn, lrUpdateRate; float64 t;
 *   dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size; size entries of
 *         { word bytes, NUL, int64 count, int8 type (0 word, 1 label) };
 *         pruneidx_size pairs of int32 (only quantized models have them; -1 means none);
 *   bool quant_input; input matrix int64 m, int64 n, m x n float32 (m = nwords + bucket);
 *   bool qout; output matrix int64 m, int64 n, m x n float32.
 *
 * A word's vector is what `fasttext print-word-vectors` prints: the mean of its own input row
 * (when in the vocabulary) and of the rows of its character n-grams, n = minn..maxn over
 * "<" word ">", n counted in UTF-8 code points (a byte 10xxxxxx continues a character), an
 * n-gram of one character at either end left out; an n-gram's row is nwords + FNV-1a(bytes)
 * mod bucket, where fastText's FNV-1a xors each byte as a signed char sign-extended to 32 bits.
 * The sums are float, in fastText's order, then scaled by (float)(1.0 / count), so the
 * vectors are bit for bit fastText's. */
#ifndef WP_FASTTEXT_H
#define WP_FASTTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "w2vfmt.h"

#define FASTTEXT_MAGIC 793712314
enum { FASTTEXT_VERSION = 12, FASTTEXT_CBOW = 1, FASTTEXT_SKIPGRAM = 2,
       FASTTEXT_SUPERVISED = 3 };

struct fasttext {
    size_t dim, nwords, bucket;
    int minn, maxn, model;
    char **words;   /* nwords NUL-terminated words, in file order */
    float *input;   /* (nwords + bucket) x dim: word rows, then n-gram buckets */
    float *output;  /* nwords x dim, or NULL: never read (fasttext_read skips it), written
                     * as zeros when NULL */
    int64_t *counts; /* nwords counts as read, or NULL */
    int64_t ntokens; /* as read; 0: the writer sums the counts */
    int has_args;
    unsigned char args[56]; /* the args block as read (when has_args) */
};

/* Reads a model whose magic is next in fp. Sizes are checked against the file's length (a
 * regular file) before anything that large is allocated; from a pipe the matrices grow as
 * their bytes arrive, so a header that lies costs at most twice the bytes really sent.
 * Refused: another magic (WP_EMAGIC), another version (WP_EVERSION), a supervised or
 * quantized model (WP_EKIND), a header out of range or not fitting the file (WP_ERANGE),
 * inconsistent fields or values that are not finite or beyond 1e18 in magnitude (WP_EFORMAT), a short file (WP_ETRUNC); also
 * WP_EIO, WP_ENOMEM. err (may be NULL) says what, with line 0. */
int fasttext_read(struct fasttext **out, FILE *fp, struct w2vfmt_error *err);
void fasttext_free(struct fasttext *ft);

/* Writes ft as the model file fastText 0.9 writes (version 12), which fastText reads back:
 * the args block as read (else fastText's skip-gram defaults with ft's sizes), the dictionary
 * with the counts as read (else nwords down to 1), the input matrix, and the output matrix
 * (zeros when ft has none: fastText needs it only to train on). A set of plain word vectors is
 * written as a model without n-grams (bucket 0, maxn 0): fastText then gives each word its
 * row and any other word zeros. Returns WP_OK, WP_ERANGE (more than INT32_MAX words or a
 * dimension beyond INT32_MAX) or WP_EIO. */
int fasttext_write(FILE *fp, const struct fasttext *ft);

/* fastText's hash of an n-gram: 32-bit FNV-1a over the bytes taken as signed char. */
uint32_t fasttext_hash(const char *s, size_t len);

/* Calls fn for each character n-gram of "<" word ">" (len bytes of word), n = minn..maxn, in
 * fastText's order (by start, then by length). Returns how many; 0 when maxn < 1. */
typedef void fasttext_ngram_fn(void *arg, const char *ngram, size_t len);
int fasttext_ngrams(const char *word, size_t len, int minn, int maxn, fasttext_ngram_fn *fn,
                    void *arg, size_t *count);

/* The vector of word into out (dim floats): row (its id, or -1 when not in the vocabulary)
 * and its n-grams averaged. Returns how many rows were averaged (0: out is zero, the word
 * has neither) or WP_ENOMEM (a word over 64 KiB). "</s>" has no n-grams, as in fastText. */
long fasttext_word_vector(const struct fasttext *ft, int64_t row, const char *word, size_t len,
                          float *out);

/* The mean of n rows of input (dim floats each) into out, summed in the order given and
 * scaled as fasttext_word_vector scales: given a word's rows in fastText's order, the
 * same vector to the bit. */
void fasttext_mean_rows(const float *input, size_t dim, const uint32_t *rows, size_t n,
                        float *out);

#endif
