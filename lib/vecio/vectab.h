/* vectab.h - vector tables: a file that is mapped and used in place (wordpipe(5), "Vector
 * tables"). A 128-byte header, then 64-byte aligned sections: row norms, the float32 matrix
 * and/or its int8 codes (per-dimension scalar quantization of the unit-length rows, FAISS
 * SQ8-like), a word -> row hash index and the words. Everything little-endian; every byte
 * after the header is covered by one section checksum (XXH3-64), the header by its own.
 *
 * Opening maps the file and checks the header and the sizes against the file (a truncated
 * or extended file is refused); the section checksums cost one read of the file (XXH3 runs
 * at memory speed, ~0.1 s per GB warm) and are skipped with VECTAB_TRUST. Without them a
 * modified file still cannot crash a reader: the words are checked while their pointers are
 * built, index slots are bounds-checked when read, and any float or code byte is a value. */
#ifndef WP_VECTAB_H
#define WP_VECTAB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "w2vfmt.h"

#define VECTAB_SIGNATURE "\x8BWPV\r\n\x1A\n" /* the stream's, 'V' for 'S': see wordpipe(5) */
enum {
    VECTAB_SIGNATURE_SIZE = 8,
    VECTAB_VERSION = 1,
    VECTAB_HEADER_SIZE = 128,
    VECTAB_ALIGN = 64,
    VECTAB_F32 = 1,          /* Flags: the float32 matrix is present */
    VECTAB_SQ8 = 2,          /* Flags: the int8 codes are present */
    VECTAB_TRUST = 1,        /* vectab_open: skip the section checksums */
    VECTAB_DIM_MAX = 1 << 20
};
#define VECTAB_ROWS_MAX ((uint64_t)1 << 31)

/* An open table: every pointer points into the mapping. */
struct vectab {
    void *base;
    size_t size;
    size_t v, d;
    unsigned flags;
    uint64_t fingerprint;      /* vecfp_matrix of the float matrix the table was made from */
    uint64_t words_check;      /* the words section's XXH3-64: vecfp_words of the words */
    const float *norm;         /* v: |x| */
    const float *sqnorm;       /* v: |x|^2 */
    const float *m;            /* v x d, NULL without VECTAB_F32 */
    const float *sq8_min;      /* d, NULL without VECTAB_SQ8 */
    const float *sq8_step;     /* d */
    const uint8_t *codes;      /* v x d: unit row j ~ sq8_min[j] + sq8_step[j] * code */
    const uint32_t *index;     /* slots: 0 empty, else row + 1 */
    size_t slots;
    const char *wordbytes;     /* v words, each followed by a NUL */
    size_t words_size;
};

/* Writes a table of v rows of d floats m with their words (non-empty, no NUL). unit (the rows
 * scaled to length 1, as vecset keeps them) is needed only with VECTAB_SQ8. sections is
 * VECTAB_F32, VECTAB_SQ8 or both. Returns WP_OK, WP_ERANGE (sizes), WP_ENOMEM or WP_EIO. */
int vectab_write(FILE *fp, char *const *words, const float *m, const float *unit, size_t v,
                 size_t d, unsigned sections);

/* Maps the regular file fd (which the caller keeps and may close) and checks it; flags:
 * VECTAB_TRUST or 0. *words gets a malloc'ed array of v pointers to the words,
 * NUL-terminated inside the mapping (free() the array, not the words). Returns WP_OK,
 * WP_EMAGIC, WP_EVERSION, WP_ETRUNC (shorter than its header says), WP_ECORRUPT,
 * WP_ECHECKSUM, WP_EFORMAT (not a regular file, or a big-endian host), WP_ERANGE, WP_EIO,
 * WP_ENOMEM; err (may be NULL) says what. */
int vectab_open(struct vectab *t, int fd, unsigned flags, char ***words,
                struct w2vfmt_error *err);
void vectab_close(struct vectab *t);

/* The row of word (len bytes) through the stored index, or -1. */
int64_t vectab_find(const struct vectab *t, char *const *words, const char *word, size_t len);

/* Row i's codes decoded: an approximation of its unit-length row (d floats). */
void vectab_sq8_decode(const struct vectab *t, size_t i, float *out);

/* Whether the first bytes (at least VECTAB_SIGNATURE_SIZE) are a table's signature. */
int vectab_is_table(const unsigned char *head, size_t n);

#endif
