/* test_huffman.c - codes and points against trees built by hand with word2vec.c's rule. */
#undef NDEBUG
#include <stdint.h>

#include "check.h"
#include "common/status.h"
#include "w2v/huffman.h"

static int
check_word(const struct huffman *h, uint32_t w, const char *code, const uint32_t *point)
{
    const size_t len = strlen(code);
    CHECK_EQ(len, huffman_len(h, w));
    for (size_t i = 0; i < len; i++) {
        CHECK_EQ(code[i] - '0', h->code[h->off[w] + i]);
        CHECK_EQ(point[i], h->point[h->off[w] + i]);
    }
    return 0;
}

/* counts 5 4 3 2 1. Merges (smaller first gets bit 0): {1,2}=n0 (3), {n0,3}=n1 (6: n0 wins
 * the tie against the leaf 3 since word2vec.c takes a leaf only when strictly smaller),
 * {4,5}=n2 (9), {n1,n2}=n3 root. Paths from the root: */
static int
test_five_words(void)
{
    const uint64_t counts[] = {5, 4, 3, 2, 1};
    struct huffman h;
    CHECK_EQ(WP_OK, huffman_build(&h, counts, 5));
    CHECK_EQ(3, h.maxlen);
    CHECK(check_word(&h, 0, "11", (const uint32_t[]){3, 2}) == 0);
    CHECK(check_word(&h, 1, "10", (const uint32_t[]){3, 2}) == 0);
    CHECK(check_word(&h, 2, "01", (const uint32_t[]){3, 1}) == 0);
    CHECK(check_word(&h, 3, "001", (const uint32_t[]){3, 1, 0}) == 0);
    CHECK(check_word(&h, 4, "000", (const uint32_t[]){3, 1, 0}) == 0);
    huffman_free(&h);
    return 0;
}

/* counts 3 2 1: {2,1} = n0 (3) with bits 0 (count 1) and 1 (count 2); then the leaf 3 does
 * not beat n0's 3, so n0 is taken first (bit 0) and word 0 gets bit 1. */
static int
test_three_words(void)
{
    const uint64_t counts[] = {3, 2, 1};
    struct huffman h;
    CHECK_EQ(WP_OK, huffman_build(&h, counts, 3));
    CHECK(check_word(&h, 0, "1", (const uint32_t[]){1}) == 0);
    CHECK(check_word(&h, 1, "01", (const uint32_t[]){1, 0}) == 0);
    CHECK(check_word(&h, 2, "00", (const uint32_t[]){1, 0}) == 0);
    huffman_free(&h);
    return 0;
}

static int
test_prefix_free_and_rejects(void)
{
    uint64_t counts[200];
    for (int i = 0; i < 200; i++)
        counts[i] = 100000 / (uint64_t)(i + 1);
    struct huffman h;
    CHECK_EQ(WP_OK, huffman_build(&h, counts, 200));
    /* every inner node id is in range and the root starts every path */
    for (uint32_t w = 0; w < 200; w++) {
        CHECK(huffman_len(&h, w) >= 1);
        CHECK_EQ(198, h.point[h.off[w]]);
        for (uint64_t i = h.off[w]; i < h.off[w + 1]; i++)
            CHECK(h.point[i] < 199);
    }
    /* Kraft equality of a full binary tree: sum 2^-len == 1 */
    double kraft = 0;
    for (uint32_t w = 0; w < 200; w++)
        kraft += ldexp(1.0, -(int)huffman_len(&h, w));
    CHECK_NEAR(1.0, kraft, 1e-12);
    huffman_free(&h);
    const uint64_t unsorted[] = {1, 2, 3};
    CHECK_EQ(WP_ERANGE, huffman_build(&h, unsorted, 3));
    CHECK_EQ(WP_ERANGE, huffman_build(&h, unsorted, 1));
    return 0;
}

CHECK_MAIN(CHECK_CASE(test_five_words), CHECK_CASE(test_three_words),
           CHECK_CASE(test_prefix_free_and_rejects))
