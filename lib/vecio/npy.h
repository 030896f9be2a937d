/* npy.h - numpy's .npy format, version 1.0, for float32 arrays in C order: the magic
 * "\x93NUMPY", version bytes 1 0, a little-endian u16 header length, then a Python dict
 * literal {'descr': '<f4', 'fortran_order': False, 'shape': (...), } padded with spaces and
 * a final '\n' so that the data starts at a multiple of 64 bytes (what numpy writes), then
 * the values as little-endian binary32. Only the writer: embed(1) produces .npy files. */
#ifndef WP_NPY_H
#define WP_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"

enum { NPY_MAX_DIMS = 8, NPY_ALIGN = 64 };

/* Appends the whole header (magic through '\n') for a '<f4' array of this shape (ndim 0
 * is a scalar). WP_ERANGE if ndim > NPY_MAX_DIMS or the element count overflows size_t;
 * WP_ENOMEM. */
int npy_header(struct buf *b, const uint64_t *shape, size_t ndim);
/* Writes the header to fp. WP_OK, WP_EIO (errno set), WP_ERANGE, WP_ENOMEM. */
int npy_write_header(FILE *fp, const uint64_t *shape, size_t ndim);
/* Writes n floats little-endian (any host). WP_OK or WP_EIO. */
int npy_write_f32(FILE *fp, const float *x, size_t n);
/* Writes n zero floats (padding). WP_OK or WP_EIO. */
int npy_write_zeros(FILE *fp, size_t n);

#endif
