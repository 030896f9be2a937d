/* embed_cache.h - a token cache (embed --cache-vocab): a REC_VECTORS stream of the token
 * layer's output for each word of a model's vocabulary, in id order from LM_NSPECIAL, whose
 * header embed_cache_check (embed_ctx.h) accepts for that model: written, found beside a
 * model, read back. Nothing here prints. */
#ifndef WP_EMBED_CACHE_H
#define WP_EMBED_CACHE_H

#include <stddef.h>
#include <stdio.h>

struct lm;
struct rec_reader;

/* Reads every record of r into rows (room for the model's vocab - LM_NSPECIAL rows of
 * lm_width floats), each record's word checked against the model's word of that id; *nread
 * receives the rows read (the caller compares it with the words). On error *bad_record says
 * whether a record was at fault (1: malformed, another word (WP_EVOCAB), or a row beyond the
 * vocabulary (WP_ECORRUPT); the reader is at it) or the reader failed (0). */
int embed_cache_read(struct rec_reader *r, const struct lm *m, float *rows, size_t *nread,
                     int *bad_record);

/* The cache of m written to fp (zlib level): WP_OK, WP_ENOMEM or the writer's error. */
int embed_cache_write(FILE *fp, const struct lm *m, int level);
/* Whether the file at path is a cache of m: WP_OK; WP_ENOTFOUND when it cannot be opened;
 * else the reader's error, WP_EKIND (no vectors stream, or no token cache) or WP_EVOCAB
 * (another model's). */
int embed_cache_probe(const char *path, const struct lm *m);
/* MODEL.cache beside the model file at model (path, size bytes, receives its name): WP_OK
 * when it is a cache of m; WP_ENOTFOUND when there is none (or no file name: NULL or "-",
 * or one too long); else embed_cache_probe's error (a file that is not m's cache). */
int embed_cache_beside(const char *model, const struct lm *m, char *path, size_t size);

#endif
