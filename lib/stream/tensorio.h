/* tensorio.h - named tensors as REC_MODEL records (wordpipe(5)): writing float tensors in
 * 64 KiB slices, and parsing one slice's header. Shared by every model and checkpoint. */
#ifndef WP_TENSORIO_H
#define WP_TENSORIO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "rec.h"
#include "rec_payload.h"

enum { TENSOR_F32 = 0, TENSOR_BYTES = 1, TENSOR_VARINT = 2, TENSOR_MAX_DIMS = 4 };

struct tensor_slice {
    const unsigned char *name;
    size_t name_len;
    int dtype;
    uint32_t ndim;
    uint64_t dim[TENSOR_MAX_DIMS];
    uint64_t offset, count;
    struct rec_cursor data;     /* positioned at the elements */
};

/* Clears b and puts a slice header in it; the caller appends count elements and writes b. */
int tensor_put_header(struct buf *b, const char *name, int dtype, uint32_t ndim,
                      const uint64_t *dim, uint64_t off, uint64_t count);
/* Writes x (rows x cols floats; cols 0 means a 1-D tensor of rows) as slices. */
int tensor_put_f32(struct rec_writer *w, struct buf *b, const char *name, const float *x,
                   uint64_t rows, uint64_t cols);
/* The same slices of a matrix whose rows start stride floats apart (stride >= cols). */
int tensor_put_f32_rows(struct rec_writer *w, struct buf *b, const char *name, const float *x,
                        uint64_t rows, uint64_t cols, uint64_t stride);
/* A 1-D tensor of n bytes in one record. */
int tensor_put_bytes(struct rec_writer *w, struct buf *b, const char *name, const void *p,
                     uint64_t n);
/* A 1-D tensor of n varints in one record. */
int tensor_put_u64s(struct rec_writer *w, struct buf *b, const char *name, const uint64_t *v,
                    uint64_t n);

/* Parses a slice header; WP_ECORRUPT when malformed (count beyond the shape, ...). */
int tensor_slice_parse(const unsigned char *rec, size_t len, struct tensor_slice *s);
int tensor_slice_is(const struct tensor_slice *s, const char *name);
uint64_t tensor_slice_size(const struct tensor_slice *s); /* product of dims */

#endif
