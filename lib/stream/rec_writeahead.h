/* rec_writeahead.h - a record writer whose compression and writing run on their own thread:
 * the caller's records are copied into batches of about 256 KiB, and each full batch goes
 * to the thread, which puts its records into the rec_writer (deflate, checksum, write)
 * while the caller makes the next batch. The counterpart of rec_prefetch for writing.
 * lib/stream/rec.c stays single-threaded: only the thread touches the writer between start
 * and stop. At most two batches are held. */
#ifndef WP_REC_WRITEAHEAD_H
#define WP_REC_WRITEAHEAD_H

#include <stddef.h>

#include "rec.h"

struct rec_writeahead;

/* Starts a thread writing to w (opened, header written). WP_ENOMEM if it cannot. */
int rec_writeahead_start(struct rec_writeahead **out, struct rec_writer *w);
/* Copies the record for the thread. Returns WP_OK, WP_ENOMEM, or the first error the
 * thread met (rec_writer_put's status, e.g. WP_EIO with errno set), after which the
 * remaining records are dropped. */
int rec_writeahead_put(struct rec_writeahead *a, const void *rec, size_t len);
/* Writes what remains, stops the thread and frees a; returns the first error, if any. The
 * caller then closes (or aborts) the writer. */
int rec_writeahead_stop(struct rec_writeahead *a);

#endif
