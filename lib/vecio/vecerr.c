/* vecerr.c - the one place that formats a vector reader's error message. */
#include "vecerr.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "common/status.h"

int
vecerr_set(struct w2vfmt_error *err, int status, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->line = 0;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

int
vecerr_sqnorm_ok(double sq)
{
    return sq <= VECERR_SQNORM_MAX;
}

int
vecerr_too_long(struct w2vfmt_error *err, const char *word, size_t len, double sq)
{
    return vecerr_set(err, WP_EFORMAT,
                      "'%.*s': vector too long (norm %.3g, at most %.3g: distances would "
                      "overflow float)", (int)(len > 40 ? 40 : len), word, sqrt(sq),
                      sqrt(VECERR_SQNORM_MAX));
}
