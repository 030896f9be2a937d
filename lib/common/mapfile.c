/* mapfile.c - see mapfile.h. */
#include <errno.h>
#include <sys/mman.h>

#include "mapfile.h"
#include "status.h"

int
wp_map_file(int fd, size_t size, void **base)
{
    void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return errno == ENOMEM ? WP_ENOMEM : WP_EIO;
#ifdef MADV_HUGEPAGE
    /* advice only: a kernel without file huge pages maps 4 KB pages as before */
    (void)madvise(p, size, MADV_HUGEPAGE);
#endif
    *base = p;
    return WP_OK;
}

void
wp_unmap_file(void *base, size_t size)
{
    if (base != NULL)
        munmap(base, size);
}
