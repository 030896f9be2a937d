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

/* Many queries at once (knn_sq8_many): the codes are packed once into groups of I8PACK_ROWS
 * rows, 4 dimensions at a time (i8pack: group g, step t holds rows g*16..g*16+15, 4 bytes
 * each, dimensions 4t..4t+3; zero beyond d and beyond n), and each query is 8-bit weights in
 * [-I8GEMM_WMAX, I8GEMM_WMAX], I8PACK_D4(d) of them, zero beyond d. Then
 *   out[q * ldo + g * 16 + r] = sum_j codes[(g * 16 + r) * d + j] * w[q * d4 + j]
 * for q < nq, g < ngroups, r < 16 (rows past n score 0). Every variant gives the reference's
 * integers: a product pair is at most 2 * 255 * 64 < 2^15, so the AVX2 variant's vpmaddubsw
 * never saturates, and the AVX-512 VNNI variant's vpdpbusd accumulates in int32. The weights
 * are the broadcast operand: each 4-byte group of a query meets 16 rows at once, so there is no
 * horizontal sum, and a tile of queries x groups reuses each load. */
#define I8PACK_ROWS 16
#define I8PACK_D4(d) (((size_t)(d) + 3) & ~(size_t)3)
#define I8GEMM_WMAX 64
size_t i8pack_bytes(size_t n, size_t d);
void i8pack(const uint8_t *codes, size_t n, size_t d, uint8_t *pack);

typedef void i8gemm_fn(const uint8_t *pack, size_t ngroups, size_t d, const int8_t *w,
                       size_t nq, int32_t *out, size_t ldo);
i8gemm_fn i8gemm_ref;
i8gemm_fn i8gemm_avx2;       /* only where vec_ops() chose "avx2" */
i8gemm_fn i8gemm_avx512vnni; /* only where the CPU has AVX-512 F, BW and VNNI */
/* The fastest variant here: VNNI where the CPU has it and vec_ops() chose avx2, else as
 * i8dot_pick (WP_KERNEL=ref forces the reference). name: "ref", "avx2" or "avx512vnni". */
i8gemm_fn *i8gemm_pick(const char **name);

/* The largest |w| for which no sum of d terms can overflow int32 (at most 16383). */
#define I8DOT_WMAX_FOR(d) \
    ((d) > 0 && 2147483647u / (255u * (d)) < 16383u ? (int)(2147483647u / (255u * (d))) : 16383)

#endif
