/* rec_internal.h - shared between rec.c and rec_meta.c only; not for tools. */
#ifndef WP_REC_INTERNAL_H
#define WP_REC_INTERNAL_H

#include "common/buf.h"
#include "rec.h"

int rec_meta_encode(const struct rec_meta *m, struct buf *b);
int rec_meta_decode(struct rec_meta *m, const unsigned char *p, size_t len);

/* Tests only: on = 0 keeps a writer synchronous (deflate on the caller's thread), to compare
 * its bytes with the threaded path. Before the first full block only, else WP_ERANGE. */
int rec_writer_set_threaded(struct rec_writer *w, int on);

#endif
