/* vecfp.h - fingerprints of vectors. The matrix fingerprint is what a vector table (vectab.h)
 * stores in its header and what an index built over the vectors (HNSW) records, so that
 * either can tell whether it was made from the same vectors. The model fingerprint adds the
 * words and the shape: it names the static vectors that made other vectors (embed's
 * "model_hash", wordpipe(5) "Model fingerprint"), and a table's header already holds its two
 * hashes, so a table gives it without reading its rows. */
#ifndef WP_VECFP_H
#define WP_VECFP_H

#include <stddef.h>
#include <stdint.h>

/* XXH3-64 (seed 0) of the rows x dim matrix m as little-endian IEEE binary32, row after row:
 * wordpipe(5) "Fingerprint". Depends only on the values (not on the words, the file format
 * or the host's byte order). rows * dim must not overflow size_t / 4. */
uint64_t vecfp_matrix(const float *m, size_t rows, size_t dim);

/* XXH3-64 (seed 0) of the rows words in row order, each its bytes then a NUL: what a vector
 * table's words section holds, so its Words_Check is this hash. */
uint64_t vecfp_words(char *const *words, size_t rows);

/* The model fingerprint of rows vectors of dim floats whose words hash to words_fp
 * (vecfp_words) and whose matrix to matrix_fp (vecfp_matrix): XXH3-64 (seed 0) of dim, rows,
 * words_fp and matrix_fp, each as 8 little-endian bytes. */
uint64_t vecfp_model(size_t rows, size_t dim, uint64_t words_fp, uint64_t matrix_fp);

#endif
