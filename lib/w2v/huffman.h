/* huffman.h - the Huffman tree of hierarchical softmax, built exactly as word2vec.c's
 * CreateBinaryTree: counts must be sorted in decreasing order (vocabulary ids are); inner
 * nodes are numbered 0..n-2 with the root n-2; for each word, the path from the root gives
 * len inner nodes (point) and len bits (code: 1 for the second-smallest child, as word2vec). */
#ifndef WP_HUFFMAN_H
#define WP_HUFFMAN_H

#include <stddef.h>
#include <stdint.h>

struct huffman {
    uint32_t n;       /* words */
    uint32_t maxlen;  /* longest code */
    uint64_t *off;    /* n + 1 offsets into code/point; word w uses [off[w], off[w+1]) */
    uint8_t *code;    /* bits, root first */
    uint32_t *point;  /* inner node ids 0..n-2, root first */
};

/* WP_ERANGE if n < 2 or counts are not sorted decreasing; WP_ENOMEM. */
int huffman_build(struct huffman *h, const uint64_t *counts, uint32_t n);
void huffman_free(struct huffman *h);

static inline uint32_t
huffman_len(const struct huffman *h, uint32_t w)
{
    return (uint32_t)(h->off[w + 1] - h->off[w]);
}

#endif
