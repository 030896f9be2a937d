/* failmalloc.c - an LD_PRELOAD library for tests/oom.bats: with WP_FAILMALLOC_ABOVE=N in the
 * environment, every malloc, calloc, realloc, aligned_alloc or posix_memalign of N bytes or
 * more fails (NULL, errno ENOMEM), as it would when memory runs out; smaller ones succeed.
 * So a test makes a tool's large buffers fail (model matrices, vector sets, stream blocks)
 * while the C library and its small allocations go on, and checks the tool says
 * "tool: out of memory" and exits 1. Not for sanitizer builds, which own malloc. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

static size_t
limit(void)
{
    static size_t above; /* 0: not read yet; SIZE_MAX: no limit */
    if (above == 0) {
        const char *s = getenv("WP_FAILMALLOC_ABOVE");
        char *end;
        const unsigned long long v = s ? strtoull(s, &end, 10) : 0;
        above = s && *s && *end == '\0' && v > 0 ? (size_t)v : (size_t)-1;
    }
    return above;
}

static int
refuse(size_t n)
{
    if (n < limit())
        return 0;
    errno = ENOMEM;
    return 1;
}

void *
malloc(size_t n)
{
    return refuse(n) ? NULL : __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
    if (size != 0 && n > (size_t)-1 / size) {
        errno = ENOMEM;
        return NULL;
    }
    return refuse(n * size) ? NULL : __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
    return refuse(n) ? NULL : __libc_realloc(p, n);
}

void *
aligned_alloc(size_t align, size_t n)
{
    return refuse(n) ? NULL : __libc_memalign(align, n);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
    if (refuse(n))
        return ENOMEM;
    void *p = __libc_memalign(align, n);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}
