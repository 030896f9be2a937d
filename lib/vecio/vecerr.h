/* vecerr.h - filling a struct w2vfmt_error (where and why a vector file is refused), shared by
 * the vector readers that report without a line number; and the one bound on a row's length
 * that every reader applies. */
#ifndef WP_VECERR_H
#define WP_VECERR_H

#include <float.h>
#include <stddef.h>

#include "w2vfmt.h"

/* The largest |x|^2 a row may have: then the squared norms, dot products and L2 distances
 * (|x|^2 + |y|^2 - 2 x.y) of any two rows stay finite in float. Finite values of 1e19 or more
 * pass every per-value check, yet gave infinite norms and wrong neighbours. */
#define VECERR_SQNORM_MAX ((double)FLT_MAX / 4)

/* Whether a row of squared norm sq (computed in double) is within VECERR_SQNORM_MAX (NaN is
 * not). */
int vecerr_sqnorm_ok(double sq);
/* Sets err as vecerr_set does for the row of word (len bytes) whose squared norm is sq:
 * "'word': vector too long (...)"; returns WP_EFORMAT. */
int vecerr_too_long(struct w2vfmt_error *err, const char *word, size_t len, double sq);

/* Sets err (may be NULL) to line 0 and the formatted message; returns status. */
int vecerr_set(struct w2vfmt_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
