/* knn_lines.c - query words read a batch of whole lines at a time; see knn_lines.h. */
#include "knn_lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bom.h"
#include "common/status.h"

int
knn_lines_init(struct knn_lines *l)
{
    memset(l, 0, sizeof *l);
    l->cap = 1 << 16;
    l->buf = malloc(l->cap);
    l->ids = malloc(l->cap * sizeof *l->ids);
    return l->buf && l->ids ? WP_OK : WP_ENOMEM;
}

void
knn_lines_free(struct knn_lines *l)
{
    free(l->buf);
    free(l->ids);
    memset(l, 0, sizeof *l);
}

/* Doubles the buffer (and the ids with it). */
static int
grow(struct knn_lines *l)
{
    if (l->cap > SIZE_MAX / 2 / sizeof *l->ids)
        return WP_ENOMEM;
    char *b = realloc(l->buf, l->cap * 2);
    if (b == NULL)
        return WP_ENOMEM;
    l->buf = b;
    uint32_t *ids = realloc(l->ids, l->cap * 2 * sizeof *ids);
    if (ids == NULL)
        return WP_ENOMEM;
    l->ids = ids;
    l->cap *= 2;
    return WP_OK;
}

int
knn_lines_fill(struct knn_lines *l, int fd)
{
    memmove(l->buf, l->buf + l->pos, l->len - l->pos);
    l->len -= l->pos;
    l->pos = 0;
    if (l->len + 1 >= l->cap) {
        const int rc = grow(l);
        if (rc < 0)
            return rc;
    }
    const ssize_t got = read(fd, l->buf + l->len, l->cap - l->len - 1);
    if (got < 0)
        return WP_EIO;
    l->len += (size_t)got;
    if (got == 0 && l->len > 0 && l->buf[l->len - 1] != '\n')
        l->buf[l->len++] = '\n'; /* a last line without its newline */
    return got > 0;
}

char *
knn_lines_next(struct knn_lines *l, int *multi)
{
    *multi = 0;
    char *nl = memchr(l->buf + l->pos, '\n', l->len - l->pos);
    if (nl == NULL)
        return NULL;
    *nl = '\0';
    char *start = l->buf + l->pos;
    if (++l->lineno == 1)
        start += utf8_bom_len(start, (size_t)(nl - start));
    char *w = start + strspn(start, " \t");
    const size_t wl = strcspn(w, " \t\r");
    if (w[wl] != '\0' && w[wl + strspn(w + wl, " \t\r")] != '\0' && l->multi++ == 0) {
        l->first_multi = l->lineno;
        *multi = 1;
    }
    w[wl] = '\0';
    l->pos = (size_t)(nl - l->buf) + 1;
    return w;
}
