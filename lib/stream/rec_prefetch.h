/* rec_prefetch.h - a record reader that reads ahead on its own thread: the thread runs
 * rec_reader_next (read, inflate, checksum) into a few batches of copied records while
 * the caller decodes the previous ones, so decompression overlaps the caller's work.
 * lib/stream/rec.c itself stays single-threaded: only the prefetch thread touches the reader
 * between start and stop. */
#ifndef WP_REC_PREFETCH_H
#define WP_REC_PREFETCH_H

#include <stddef.h>

#include "rec.h"

struct rec_prefetch;

/* Starts reading r (header already read) on a new thread. WP_ENOMEM if it cannot. */
int rec_prefetch_start(struct rec_prefetch **out, struct rec_reader *r);
/* As rec_reader_next: 1 and a record (valid until the next call), 0 at the verified end,
 * or the reader's negative status, in stream order. */
int rec_prefetch_next(struct rec_prefetch *p, const unsigned char **rec, size_t *len);
/* The reader's packed bytes (rec_stats) once the batch of the record last returned was
 * read (0 before the first): how far along the input the caller is, for progress. The
 * reader's own stats, which the thread moves, are not for the caller until stop. */
uint64_t rec_prefetch_packed_bytes(const struct rec_prefetch *p);
/* Stops the thread (at once, even mid-stream) and frees p; the reader's where/detail then
 * describe the last error it met. NULL is fine. */
void rec_prefetch_stop(struct rec_prefetch *p);

#endif
