/* embed_sent.h - one sentence of a token stream as embed(1) holds it: the tokens copied out
 * of the reader's buffer (so a batch of sentences can wait for the threads), their input
 * positions, the model's ids and characters, and room for the sentence's vectors; the next
 * one read from the stream, and what a pass over the stream hands on and fails at. */
#ifndef WP_EMBED_SENT_H
#define WP_EMBED_SENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct embed_tokens {
    struct buf text;            /* the tokens' bytes, back to back */
    size_t n, cap;
    size_t *off, *len;          /* token i is text.p[off[i] .. off[i] + len[i]) */
    const unsigned char **tok;  /* token i's bytes (may be compacted, see embed_static) */
    uint64_t *pos;              /* token i's position in the input sentence */
    uint32_t *ids;              /* the model's ids (lm_token) */
    uint16_t *chars;            /* n x max_chars when the model reads characters */
    float *out;
    size_t outcap;              /* floats */
};

/* Decodes a REC_TOKENS record into s, with room for max_chars characters per token (0: no
 * characters). WP_ECORRUPT for a malformed record, WP_ENOMEM. */
int embed_tokens_decode(struct embed_tokens *s, const unsigned char *rec, size_t len,
                        size_t max_chars);
/* s->out with room for at least floats floats; NULL on ENOMEM. */
float *embed_tokens_out(struct embed_tokens *s, size_t floats);
/* Points tok/len/pos back at every token of the sentence, in order (after a compaction). */
void embed_tokens_reset(struct embed_tokens *s);
void embed_tokens_free(struct embed_tokens *s);

/* What a pass over a token stream failed at (embed_tokens_next, embed_static_run,
 * embed_batch_run). */
enum embed_fail_what {
    EMBED_FAIL_READ = 1,   /* the reader's error (rec_reader_next) */
    EMBED_FAIL_RECORD,     /* a record that does not decode (the reader is at it) */
    EMBED_FAIL_OOV,        /* a token not in the vectors under --oov error (WP_ENOTFOUND) */
    EMBED_FAIL_EMBED       /* the vectors: WP_ENOMEM, the embedding's or emit's error */
};
struct embed_fail {
    int what;              /* enum embed_fail_what */
    uint64_t id;           /* EMBED_FAIL_OOV: the sentence (0, 1, ... in input order) */
    size_t bad;            /* EMBED_FAIL_OOV: the token's index in it */
};
/* The next record of r (a tokens stream) decoded into s (embed_tokens_decode with
 * max_chars): 1; 0 at the end; an error with f->what EMBED_FAIL_READ or EMBED_FAIL_RECORD. */
struct rec_reader;
int embed_tokens_next(struct rec_reader *r, struct embed_tokens *s, size_t max_chars,
                      struct embed_fail *f);

/* Sentence id (0, 1, ... in input order), its tokens and x: its n tokens' vectors
 * ([n][layers][dim], embed_batch_shape), or with pooling its one sentence vector. Returns
 * WP_OK, or an error that the pass over the stream returns. */
typedef int (*embed_emit_fn)(void *ctx, uint64_t id, const struct embed_tokens *s, size_t n,
                             const float *x);

struct lm;
/* The model's ids (and characters, for a model that reads them) of s's tokens; the specials'
 * names map to their ids. Returns how many tokens the character CNN sees cut: longer than
 * max_chars less the begin and end marks (lm_token keeps what fits, at a code point
 * boundary). s must have been decoded with the model's max_chars. */
uint64_t embed_tokens_ids(const struct lm *m, struct embed_tokens *s);

#endif
