/* vecfp.h - the fingerprint of a vector matrix: what a vector table (vectab.h) stores in its
 * header and what an index built over the vectors (HNSW) records, so that either can tell
 * whether it was made from the same vectors. */
#ifndef WP_VECFP_H
#define WP_VECFP_H

#include <stddef.h>
#include <stdint.h>

/* XXH3-64 (seed 0) of the rows x dim matrix m as little-endian IEEE binary32, row after row:
 * wordpipe(5) "Fingerprint". Depends only on the values (not on the words, the file format
 * or the host's byte order). rows * dim must not overflow size_t / 4. */
uint64_t vecfp_matrix(const float *m, size_t rows, size_t dim);

#endif
