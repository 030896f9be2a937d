/* spool.c - u32 arrays to and from a scratch file (spool.h). */
#include "spool.h"

#include <errno.h>

#include "status.h"

int
spool_put_u32(FILE *sp, const uint32_t *x, size_t n)
{
    if (fwrite(x, sizeof *x, n, sp) == n)
        return WP_OK;
    if (errno == 0)
        errno = EIO;
    return WP_EIO;
}

int
spool_get_u32(FILE *sp, uint32_t *x, size_t n)
{
    const size_t got = fread(x, sizeof *x, n, sp);
    if (got == n)
        return 1;
    if (ferror(sp)) {
        if (errno == 0)
            errno = EIO;
        return WP_EIO;
    }
    return got != 0 ? WP_ETRUNC : 0;
}

int
spool_rewind(FILE *sp)
{
    return fflush(sp) == 0 && fseeko(sp, 0, SEEK_SET) == 0 ? WP_OK : WP_EIO;
}
