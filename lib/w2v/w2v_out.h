/* w2v_out.h - a trained model as w2v-train's outputs hold it: the whole model as fastText's
 * (a view of it for fasttext_write, vecio/fasttext.h), or one vector per vocabulary word,
 * which with subwords is fastText's mean of the word's rows; the writers of both to an open
 * file; and whether the word2vec formats can hold every word of a vocabulary. Nothing here
 * prints; the caller opens and closes the files. */
#ifndef WP_W2V_OUT_H
#define WP_W2V_OUT_H

#include <stdint.h>

#include "vecio/fasttext.h"
#include "w2v.h"
#include "w2v_resume.h"

/* ft as a view of m (nothing is copied but the words' and counts' arrays and, with
 * subwords, the input table, V + buckets rows built from syn0's rows of the buckets in use;
 * w2v_fasttext_view_free frees them): the word rows then the n-gram buckets as input, syn1neg as
 * output, and in fastText's args the settings m was trained with (rs: epochs, window,
 * sample). WP_OK or WP_ENOMEM. */
int w2v_fasttext_view(struct fasttext *ft, const struct w2v_model *m, const struct vocab *v,
                      const struct w2v_run_settings *rs);
void w2v_fasttext_view_free(struct fasttext *ft);

/* The vector of every word of v (vocab_size(v) x dim, a new array in *out, free it): with
 * subwords fastText's mean of the word's own row and its n-grams' (fasttext_word_vector,
 * what embed gives from the .bin); without, a copy of syn0. WP_OK or WP_ENOMEM. */
int w2v_word_vectors(float **out, const struct w2v_model *m, const struct vocab *v,
                     const struct w2v_run_settings *rs);

/* 1 when every word of v can be written by the word2vec formats (w2vfmt_word_ok), else 0
 * and *bad the first that cannot (empty, or holding whitespace). */
int w2v_words_writable(const struct vocab *v, uint32_t *bad);

/* Writes v's words with the rows x (vocab_size(v) x dim) to fp in format, as vecfile_write
 * (W2VFMT_TEXT, W2VFMT_BIN or VECSET_STREAM, whose header holds dim and vocab_hash); its
 * statuses. */
int w2v_out_vectors(FILE *fp, int format, const struct vocab *v, const float *x, uint32_t dim,
                    int level);

/* Writes the model m to fp: VECSET_FASTTEXT the whole model (fasttext_write of its view:
 * WP_ERANGE, WP_EIO), the other formats one vector per vocabulary word (w2v_word_vectors,
 * then w2v_out_vectors). WP_ENOMEM. */
int w2v_out_model(FILE *fp, int format, const struct w2v_model *m, const struct vocab *v,
                  const struct w2v_run_settings *rs, int level);

#endif
