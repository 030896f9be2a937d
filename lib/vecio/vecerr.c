/* vecerr.c - the one place that formats a vector reader's error message. */
#include "vecerr.h"

#include <stdarg.h>
#include <stdio.h>

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
