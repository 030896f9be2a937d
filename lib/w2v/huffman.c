/* huffman.c - word2vec.c's two-queue Huffman construction over sorted counts. */
#include "huffman.h"

#include <stdlib.h>

#include "common/status.h"

/* word2vec.c fills the not-yet-built inner nodes with 1e15 so the leaf queue is preferred;
 * UINT64_MAX plays the same role without a magic bound on corpus size. */
#define HUFF_UNBUILT UINT64_MAX

static int
build_parents(const uint64_t *counts, uint32_t n, uint32_t *parent, uint8_t *bit)
{
    uint64_t *cnt = malloc((size_t)n * 2 * sizeof *cnt);
    if (cnt == NULL)
        return WP_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        cnt[i] = counts[i];
    for (uint32_t i = n; i < 2 * n; i++)
        cnt[i] = HUFF_UNBUILT;
    int64_t pos1 = (int64_t)n - 1; /* next smallest leaf, moving left */
    uint32_t pos2 = n;             /* next smallest inner node, moving right */
    for (uint32_t a = 0; a + 1 < n; a++) {
        uint32_t m[2];
        for (int k = 0; k < 2; k++) {
            if (pos1 >= 0 && cnt[pos1] < cnt[pos2])
                m[k] = (uint32_t)pos1--;
            else
                m[k] = pos2++;
        }
        cnt[n + a] = cnt[m[0]] + cnt[m[1]];
        parent[m[0]] = n + a;
        parent[m[1]] = n + a;
        bit[m[0]] = 0;
        bit[m[1]] = 1;
    }
    free(cnt);
    return WP_OK;
}

int
huffman_build(struct huffman *h, const uint64_t *counts, uint32_t n)
{
    h->n = 0;
    h->maxlen = 0;
    h->off = NULL;
    h->code = NULL;
    h->point = NULL;
    if (n < 2 || n > UINT32_MAX / 2)
        return WP_ERANGE;
    for (uint32_t i = 1; i < n; i++)
        if (counts[i] > counts[i - 1])
            return WP_ERANGE;
    uint32_t *parent = malloc((size_t)n * 2 * sizeof *parent);
    uint8_t *bit = calloc((size_t)n * 2, 1);
    h->off = malloc(((size_t)n + 1) * sizeof *h->off);
    int rc = WP_ENOMEM;
    if (parent == NULL || bit == NULL || h->off == NULL)
        goto out;
    if ((rc = build_parents(counts, n, parent, bit)) < 0)
        goto out;
    rc = WP_ENOMEM;
    const uint32_t root = 2 * n - 2;
    uint64_t total = 0;
    for (uint32_t w = 0; w < n; w++) {
        h->off[w] = total;
        uint32_t len = 0;
        for (uint32_t b = w; b != root; b = parent[b])
            len++;
        total += len;
        if (len > h->maxlen)
            h->maxlen = len;
    }
    h->off[n] = total;
    h->code = malloc(total);
    h->point = malloc(total * sizeof *h->point);
    if (h->code == NULL || h->point == NULL)
        goto out;
    for (uint32_t w = 0; w < n; w++) {
        /* Walk leaf to root, filling the path from its end: root first in the arrays. */
        uint64_t i = h->off[w + 1];
        for (uint32_t b = w; b != root; b = parent[b]) {
            i--;
            h->code[i] = bit[b];
            h->point[i] = parent[b] - n;
        }
    }
    h->n = n;
    rc = WP_OK;
out:
    free(parent);
    free(bit);
    if (rc < 0)
        huffman_free(h);
    return rc;
}

void
huffman_free(struct huffman *h)
{
    free(h->off);
    free(h->code);
    free(h->point);
    h->off = NULL;
    h->code = NULL;
    h->point = NULL;
    h->n = 0;
}
