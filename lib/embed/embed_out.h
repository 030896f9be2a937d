/* embed_out.h - where embed(1) puts its vectors: a wordpipe stream (REC_CVECTORS for token
 * vectors, REC_VECTORS for sentence vectors) or one .npy array for the whole input.
 *
 * Token vectors: each sentence arrives whole as [n][layers][dim]. In a stream every token is
 * a record (sentence id, position, token, layers x dim floats). In .npy the array is
 * [sentences][longest][layers][dim] (without the layers axis when layers is 1), shorter
 * sentences padded with zeros; the rows go to a temporary file until the end, when the
 * longest sentence (and so the header) is known.
 * Sentence vectors: one [layers][dim] vector per sentence. In a stream a REC_VECTORS record
 * whose word is the sentence's tokens joined by spaces (as fastText's print-sentence-vectors
 * prints them), meta dim = layers x dim; in .npy [sentences][layers][dim] (or [sentences][dim]). */
#ifndef WP_EMBED_OUT_H
#define WP_EMBED_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rec_meta;

enum embed_out_format { EMBED_OUT_STREAM = 0, EMBED_OUT_NPY = 1 };

struct embed_out_cfg {
    int format;             /* enum embed_out_format */
    int sentences;          /* 1: one vector per sentence */
    size_t layers, dim;     /* each vector is layers x dim floats */
    int level;              /* zlib level of a stream */
    const struct rec_meta *meta; /* extra header metadata (may be NULL); dim/layers are set here */
};

struct embed_out;
/* fp stays the caller's (it is not closed). WP_ENOMEM, WP_EIO (a temporary file could not be
 * made, errno set), or a stream writer's error. */
int embed_out_open(struct embed_out **out, FILE *fp, const struct embed_out_cfg *cfg);
/* One sentence of token vectors: x [n][layers][dim]; tok[i]/len[i] the token text and
 * pos[i] its position in the input sentence (pos may be NULL: 0..n-1). */
int embed_out_tokens(struct embed_out *o, uint64_t sentence, const unsigned char *const *tok,
                     const size_t *len, const uint64_t *pos, size_t n, const float *x);
/* One sentence vector, x [layers][dim], labelled with its n tokens. */
int embed_out_sentence(struct embed_out *o, uint64_t sentence, const unsigned char *const *tok,
                       const size_t *len, size_t n, const float *x);
/* Writes the stream trailer, or the .npy header and data; frees o in every case. */
int embed_out_close(struct embed_out *o);
/* Frees o without finishing (on an error path). */
void embed_out_abort(struct embed_out *o);

/* The .npy shape of one sentence alone ([n][layers][dim], layers axis dropped when 1) or of
 * one sentence vector; returns ndim. shape has room for 3. */
size_t embed_out_npy_shape(size_t n, size_t layers, size_t dim, int sentences, uint64_t *shape);
/* One sentence alone (n token vectors, or its sentence vector) as a whole .npy file to fp:
 * header (embed_out_npy_shape) and data. WP_OK or WP_EIO. */
int embed_out_npy_one(FILE *fp, size_t n, size_t layers, size_t dim, int sentences,
                      const float *x);

#endif
