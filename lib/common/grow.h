/* grow.h - growable arrays: the one place that doubles a capacity. */
#ifndef WP_GROW_H
#define WP_GROW_H

#include <stddef.h>

/* Makes the array *pp (pp is the address of a T *, elem = sizeof(T)) hold at least need
 * elements: *cap doubles, starting from min (or *cap), until it does. Elements already there
 * are kept. Returns WP_OK, or WP_ENOMEM (also on size overflow) leaving *pp and *cap as they
 * were. */
int wp_grow(void *pp, size_t *cap, size_t need, size_t elem, size_t min);

#endif
