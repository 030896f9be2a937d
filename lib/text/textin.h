/* textin.h - reads a text input that may be gzip-compressed (one or more members), as gzread
 * does, but says what gzread keeps quiet: bytes after the last gzip member that are not a
 * gzip member themselves (gzread drops them without an error). Plain text passes through.
 * The reader does not own the file descriptor's position beyond what it reads; it closes fd
 * in textin_close. */
#ifndef WP_TEXTIN_H
#define WP_TEXTIN_H

#include <stddef.h>
#include <stdint.h>

struct textin;

/* Takes fd (closed by textin_close, also on error). WP_ENOMEM, else WP_OK. */
int textin_open(struct textin **out, int fd);
/* Reads up to n bytes of text into buf: the count, 0 at the end, or a status: WP_EIO (errno
 * set), WP_ECORRUPT (bad gzip data: textin_detail says what), WP_ETRUNC (a gzip member cut
 * short), WP_ENOMEM. n must be at most INT_MAX. */
int textin_read(struct textin *t, void *buf, size_t n);
/* The input's bytes used so far (compressed ones for gzip, not those only read ahead into
 * the reader's buffer): against the file's size, how far along the input is. */
uint64_t textin_offset(const struct textin *t);
/* After the end: bytes that followed the last gzip member and were not read as text (0 for
 * plain text and for clean gzip). */
uint64_t textin_trailing(const struct textin *t);
/* zlib's message for the last WP_ECORRUPT, or NULL. */
const char *textin_detail(const struct textin *t);
void textin_close(struct textin *t);

#endif
