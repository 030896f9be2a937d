/* i8dot.h - integer dot products of unsigned 8-bit codes with a signed 16-bit query, the
 * inner kernel of int8 vector search (knn/knn_sq8.c). Exact in int32, so every variant gives
 * the same bits as the scalar reference: the caller keeps d * 255 * max|w| below 2^31
 * (I8DOT_WMAX_FOR). The AVX2 variant widens 16 codes to 16-bit lanes (vpmovzxbw) and
 * multiplies-adds pairs into 32-bit lanes (vpmaddwd). vpmaddubsw, which multiplies bytes
 * directly, would need the query in 8 bits and saturates at 255 * 127 * 2 > 32767; the
 * 16-bit query keeps the scan memory-bound (one byte a dimension) at no cost in accuracy. */
#ifndef WP_I8DOT_H
#define WP_I8DOT_H

#include <stddef.h>
#include <stdint.h>

/* out[i] = sum_j codes[i * d + j] * w[j] for i < n. */
typedef void i8dot_fn(const uint8_t *codes, size_t n, size_t d, const int16_t *w, int32_t *out);

i8dot_fn i8dot_ref;
i8dot_fn i8dot_avx2;        /* only where vec_ops() chose "avx2" */
i8dot_fn *i8dot_pick(void); /* the variant vec_ops() selects (WP_KERNEL=ref forces the ref) */

/* The largest |w| for which no sum of d terms can overflow int32 (at most 16383). */
#define I8DOT_WMAX_FOR(d) \
    ((d) > 0 && 2147483647u / (255u * (d)) < 16383u ? (int)(2147483647u / (255u * (d))) : 16383)

#endif
