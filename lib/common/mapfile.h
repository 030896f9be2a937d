/* mapfile.h - a file mapped read-only in place, the one way lib/ maps a file (vector
 * tables, HNSW indexes). */
#ifndef WP_MAPFILE_H
#define WP_MAPFILE_H

#include <stddef.h>

/* Maps the first size bytes of the open file fd read-only and shared, advising the kernel
 * to back it with huge pages where it can: the page cache then reads the file in 2 MB
 * folios and maps them with one page-table entry each, which makes the first touch of
 * every page of a multi-gigabyte table cheap (on the virtual machines measured here a 4 KB
 * page cost about 2 us on first touch: 2 s for a 3.6 GB table; see bench/knn-big.sh).
 * *base receives the address. Returns WP_OK, WP_ENOMEM (no address space) or WP_EIO
 * (errno says why). */
int wp_map_file(int fd, size_t size, void **base);

/* Unmaps what wp_map_file mapped (base NULL: nothing). */
void wp_unmap_file(void *base, size_t size);

/* The size of the writes that let the page cache hold a file being written in 2 MB folios
 * (a writer's buffer of this size, at offsets that are multiples of it), so that a table
 * just written maps as cheaply as one read from the disk. */
enum { WP_MAP_WRITE_CHUNK = 2 << 20 };

#endif
