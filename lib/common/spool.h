/* spool.h - u32 arrays (or a copy of a whole input) to and from a scratch file (a spool, see
 * cli_spool_create), for input that must be read more than once: written once, then rewound
 * and read back, or mapped, per pass. */
#ifndef WP_SPOOL_H
#define WP_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes n u32s (host order: the spool never leaves the process). WP_OK, or WP_EIO with
 * errno set (EIO when the C library left it 0). */
int spool_put_u32(FILE *sp, const uint32_t *x, size_t n);
/* Reads n u32s: 1 when read, 0 at a clean end of file (nothing read), WP_EIO (errno set as
 * spool_put_u32 does) on a read error, WP_ETRUNC when the file ends inside them. */
int spool_get_u32(FILE *sp, uint32_t *x, size_t n);
/* Copies the rest of in to sp, for input read more than once that cannot be read again (a
 * pipe). WP_OK, or WP_EIO with errno set as spool_put_u32 does, *at_input 1 when reading in
 * failed and 0 when writing sp did. */
int spool_copy(FILE *sp, FILE *in, int *at_input);
/* Flushes and goes back to the start, for the next pass: WP_OK or WP_EIO (errno set). */
int spool_rewind(FILE *sp);
/* Flushes and maps what the spool holds, read-only (mapfile.h): *x its *n u32s (NULL and
 * 0 when it is empty), valid until spool_unmap. WP_OK, WP_EIO (errno set) or WP_ENOMEM. */
int spool_map(FILE *sp, const uint32_t **x, size_t *n);
void spool_unmap(const uint32_t *x, size_t n);

#endif
