/* spool.c - u32 arrays to and from a scratch file (spool.h). */
#include "spool.h"

#include <errno.h>

#include "mapfile.h"
#include "status.h"

/* WP_EIO, with errno EIO when the C library left it 0 */
static int
io_error(void)
{
    if (errno == 0)
        errno = EIO;
    return WP_EIO;
}

int
spool_put_u32(FILE *sp, const uint32_t *x, size_t n)
{
    return fwrite(x, sizeof *x, n, sp) == n ? WP_OK : io_error();
}

int
spool_get_u32(FILE *sp, uint32_t *x, size_t n)
{
    const size_t got = fread(x, sizeof *x, n, sp);
    if (got == n)
        return 1;
    if (ferror(sp))
        return io_error();
    return got != 0 ? WP_ETRUNC : 0;
}

int
spool_copy(FILE *sp, FILE *in, int *at_input)
{
    char b[1 << 16];
    size_t n;
    *at_input = 0;
    while ((n = fread(b, 1, sizeof b, in)) > 0)
        if (fwrite(b, 1, n, sp) != n)
            return io_error();
    *at_input = 1;
    return ferror(in) ? io_error() : WP_OK;
}

int
spool_rewind(FILE *sp)
{
    return fflush(sp) == 0 && fseeko(sp, 0, SEEK_SET) == 0 ? WP_OK : io_error();
}

int
spool_map(FILE *sp, const uint32_t **x, size_t *n)
{
    *x = NULL;
    *n = 0;
    if (fflush(sp) != 0)
        return io_error();
    const off_t end = ftello(sp);
    if (end < 0)
        return io_error();
    if (end == 0)
        return WP_OK;
    void *p;
    WP_TRY(wp_map_file(fileno(sp), (size_t)end, &p));
    *x = p;
    *n = (size_t)end / sizeof **x;
    return WP_OK;
}

void
spool_unmap(const uint32_t *x, size_t n)
{
    wp_unmap_file((void *)x, n * sizeof *x);
}
