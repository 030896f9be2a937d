/* rec_payload.h - encoders and decoders for the record payload of each kind.
 * Encoders append one whole record to a struct buf (clear it first); decoders check every
 * length against the record's end and return WP_ECORRUPT on any inconsistency. */
#ifndef WP_REC_PAYLOAD_H
#define WP_REC_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* A cursor over one record's bytes. */
struct rec_cursor {
    const unsigned char *p, *end;
};

static inline void
rec_cursor_init(struct rec_cursor *c, const unsigned char *rec, size_t len)
{
    c->p = rec;
    c->end = rec + len;
}
int rec_cursor_varint(struct rec_cursor *c, uint64_t *v);
int rec_cursor_bytes(struct rec_cursor *c, const unsigned char **s, size_t *len); /* varint len + bytes */
int rec_cursor_f32s(struct rec_cursor *c, float *x, size_t n);
int rec_cursor_done(const struct rec_cursor *c); /* WP_OK if all bytes used, else WP_ECORRUPT */

/* REC_TOKENS: a sentence of n tokens. */
int rec_tokens_encode(struct buf *b, const unsigned char *const *tok, const size_t *len, size_t n);
/* Decode: *n tokens follow; read each with rec_cursor_bytes, then rec_cursor_done.
 * WP_ECORRUPT if *n exceeds the bytes left (each token takes at least its length byte),
 * so *n never exceeds len: callers may size arrays by it. */
int rec_tokens_open(struct rec_cursor *c, const unsigned char *rec, size_t len, uint64_t *n);

/* REC_VOCAB: a word and its count. */
int rec_vocab_encode(struct buf *b, uint64_t count, const void *word, size_t len);
int rec_vocab_decode(const unsigned char *rec, size_t len, uint64_t *count,
                     const unsigned char **word, size_t *wlen);

/* REC_IDS: a sentence of ids; REC_WINDOWS: a center and its contexts. Decoders fill ids
 * (capacity cap) and fail with WP_ERANGE if a record holds more. */
int rec_ids_encode(struct buf *b, const uint32_t *ids, size_t n);
int rec_ids_decode(const unsigned char *rec, size_t len, uint32_t *ids, size_t cap, size_t *n);
int rec_window_encode(struct buf *b, uint32_t center, const uint32_t *ctx, size_t n);
int rec_window_decode(const unsigned char *rec, size_t len, uint32_t *center, uint32_t *ctx,
                      size_t cap, size_t *n);

/* REC_SPANS: a subsampled sentence, ids[i] with its window radius radii[i]. The decoder
 * fills ids and radii (capacity cap each) and fails with WP_ERANGE if a record holds more;
 * rec_spans_count reads only n, for sizing (WP_ECORRUPT if the record is too short for it). */
int rec_spans_encode(struct buf *b, const uint32_t *ids, const uint32_t *radii, size_t n);
int rec_spans_count(const unsigned char *rec, size_t len, size_t *n);
int rec_spans_decode(const unsigned char *rec, size_t len, uint32_t *ids, uint32_t *radii,
                     size_t cap, size_t *n);

/* REC_VECTORS: a word and its dim floats. */
int rec_vector_encode(struct buf *b, const void *word, size_t len, const float *x, size_t dim);
int rec_vector_decode(const unsigned char *rec, size_t len, size_t dim,
                      const unsigned char **word, size_t *wlen, float *x);

/* REC_CVECTORS: one token of one sentence with layers x dim floats. */
int rec_cvector_encode(struct buf *b, uint64_t sentence, uint64_t position, const void *word,
                       size_t len, const float *x, size_t n);
int rec_cvector_decode(const unsigned char *rec, size_t len, size_t n, uint64_t *sentence,
                       uint64_t *position, const unsigned char **word, size_t *wlen, float *x);

#endif
