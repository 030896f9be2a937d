/* rec_internal.h - shared between rec.c and rec_meta.c only; not for tools. */
#ifndef WP_REC_INTERNAL_H
#define WP_REC_INTERNAL_H

#include "buf.h"
#include "rec.h"

int rec_meta_encode(const struct rec_meta *m, struct buf *b);
int rec_meta_decode(struct rec_meta *m, const unsigned char *p, size_t len);

#endif
