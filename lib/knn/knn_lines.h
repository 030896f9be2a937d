/* knn_lines.h - the query words knn(1) reads from a file descriptor (stdin), one word a line,
 * with read(2): every whole line already waiting is taken in one go (one batch of queries),
 * while an interactive user still gets each line as soon as it is typed. A line's first word
 * is its query; the rest of a line is ignored and counted. Nothing here prints. */
#ifndef WP_KNN_LINES_H
#define WP_KNN_LINES_H

#include <stddef.h>
#include <stdint.h>

struct knn_lines {
    char *buf;            /* the bytes read and not yet taken */
    uint32_t *ids;        /* cap of them: room for the ids of one batch (one per line) */
    size_t cap, len, pos; /* buf's size, bytes in it, the first not yet taken */
    size_t lineno;        /* lines taken so far */
    size_t multi;         /* lines that held more than one word */
    size_t first_multi;   /* the first of them (its line number), or 0 */
};

/* WP_OK or WP_ENOMEM (free l in both cases). */
int knn_lines_init(struct knn_lines *l);
void knn_lines_free(struct knn_lines *l);
/* Drops the lines taken, then reads what fd has: 1 after reading, 0 at its end (a last line
 * without its newline is given one), WP_EIO (errno set) or WP_ENOMEM. The lines read before
 * are then taken with knn_lines_next. */
int knn_lines_fill(struct knn_lines *l, int fd);
/* The first word of the next whole line (NUL-terminated in buf; "" for a blank line), or NULL
 * when no whole line is left. *multi is 1 when this line is the first to hold more than one
 * word (its line number is l->first_multi), else 0. */
char *knn_lines_next(struct knn_lines *l, int *multi);

#endif
