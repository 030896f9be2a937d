/* vecerr.h - filling a struct w2vfmt_error (where and why a vector file is refused), shared by
 * the vector readers that report without a line number. */
#ifndef WP_VECERR_H
#define WP_VECERR_H

#include "w2vfmt.h"

/* Sets err (may be NULL) to line 0 and the formatted message; returns status. */
int vecerr_set(struct w2vfmt_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
