/* test_grow.c - wp_grow: capacities double from the minimum, contents survive, and a size
 * that would overflow is out of memory with the array untouched. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "common/grow.h"
#include "common/status.h"

static int
test_doubles_and_keeps(void)
{
    uint32_t *a = NULL;
    size_t cap = 0;
    CHECK_EQ(WP_OK, wp_grow(&a, &cap, 3, sizeof *a, 4));
    CHECK_EQ(4, cap);
    for (uint32_t i = 0; i < 4; i++)
        a[i] = i * 7;
    CHECK_EQ(WP_OK, wp_grow(&a, &cap, 4, sizeof *a, 4)); /* fits: unchanged */
    CHECK_EQ(4, cap);
    CHECK_EQ(WP_OK, wp_grow(&a, &cap, 9, sizeof *a, 4)); /* 4 -> 8 -> 16 */
    CHECK_EQ(16, cap);
    for (uint32_t i = 0; i < 4; i++)
        CHECK_EQ(i * 7, a[i]);
    a[15] = 1; /* the whole capacity is usable (ASan would see otherwise) */
    free(a);
    return 0;
}

static int
test_overflow_is_nomem(void)
{
    char *a = NULL;
    size_t cap = 0;
    CHECK_EQ(WP_OK, wp_grow(&a, &cap, 1, 1, 0)); /* min 0 starts at 1 */
    CHECK_EQ(1, cap);
    char *before = a;
    CHECK_EQ(WP_ENOMEM, wp_grow(&a, &cap, SIZE_MAX, 1, 0));
    CHECK(a == before && cap == 1);
    CHECK_EQ(WP_ENOMEM, wp_grow(&a, &cap, SIZE_MAX / 4, 8, 0));
    CHECK(a == before && cap == 1);
    free(a);
    return 0;
}

int
main(void)
{
    static const struct check_case cases[] = {
        CHECK_CASE(test_doubles_and_keeps),
        CHECK_CASE(test_overflow_is_nomem),
    };
    return check_run(cases, sizeof cases / sizeof cases[0]);
}
