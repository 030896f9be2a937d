/* grow.c - see grow.h. */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

int
wp_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t min)
{
    if (need <= *cap)
        return WP_OK;
    size_t c = *cap ? *cap : (min ? min : 1);
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return WP_ENOMEM;
        c *= 2;
    }
    if (elem != 0 && c > SIZE_MAX / elem)
        return WP_ENOMEM;
    void *old;
    memcpy(&old, pp, sizeof old);
    void *q = realloc(old, c * elem);
    if (q == NULL)
        return WP_ENOMEM;
    memcpy(pp, &q, sizeof q);
    *cap = c;
    return WP_OK;
}
