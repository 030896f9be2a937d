/* vecset.h - a loaded vector set: words in file order (most frequent first, by the
 * convention of every trainer), the raw matrix, a word -> row map, norms and the unit-length
 * copy for cosine. Loads a wordpipe REC_VECTORS stream (meta "dim") or word2vec text/binary,
 * detected from the first byte (a stream starts with 0x8B, which no text header or word can)
 * and then the word2vec header; or a fastText .bin model (first byte 0xBA of its magic
 * 793712314), whose words get fastText's word vectors and which keeps the model, so that
 * vecset_vector gives any other word a vector from its character n-grams. */
#ifndef WP_VECSET_H
#define WP_VECSET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "w2vfmt.h"

enum { VECSET_STREAM = 4, VECSET_FASTTEXT = 5, VECSET_TABLE = 6 }; /* besides W2VFMT_ values */
enum { VECSET_TRUST = 1 }; /* vecset_load_flags: a vector table's checksums are not verified */

struct wordmap;
struct fasttext;
struct vectab;

struct vecset {
    char **words;
    float *m;        /* v x d, as read */
    float *unit;     /* v x d, rows scaled to length 1 (zero rows stay zero) */
    float *sqnorm;   /* |row|^2 */
    size_t v, d;
    size_t dups, first_dup; /* duplicate words dropped, where the first was (line/row) */
    int format;      /* VECSET_STREAM, VECSET_FASTTEXT or a W2VFMT_ value */
    struct wordmap *map;
    struct fasttext *ft; /* the model, for VECSET_FASTTEXT; else NULL */
    /* VECSET_TABLE: the mapped table (vectab.h). words, m and sqnorm point into it (m is NULL
     * for a table of int8 codes only), unit is NULL and map too (the table's index answers
     * vecset_find): nothing is copied until vecset_need_unit or vecset_need_floats. */
    struct vectab *tab;
    float *m_own;    /* m decoded from int8 codes by vecset_need_floats, else NULL */
    /* a stream whose header names the model that made its vectors (embed's sentence
     * vectors, say): that model's fingerprint (REC_META_MODEL_HASH) */
    int made_known;
    uint64_t made_by;
};

/* Reads fp in format (W2VFMT_AUTO detects, VECSET_STREAM forces a stream). On error err
 * (may be NULL) says where: line for text, row for binary, and for streams line = 0 with
 * the block/record in the message. Returns WP_OK, WP_EEMPTY, WP_EFORMAT, WP_EKIND (a stream
 * of another kind), a stream error, WP_ERANGE (empty set or too large), WP_EIO, WP_ENOMEM. */
int vecset_load(struct vecset **out, FILE *fp, int format, struct w2vfmt_error *err);
/* The same with flags (VECSET_TRUST). A vector table (first bytes VECTAB_SIGNATURE) is
 * detected with pread on fileno(fp) and mapped (fp must then be a regular file); it is also
 * forced by format VECSET_TABLE. */
int vecset_load_flags(struct vecset **out, FILE *fp, int format, unsigned flags,
                      struct w2vfmt_error *err);
/* Make s->unit (all rows at unit length) or s->m (floats: an int8-only table's rows decoded,
 * times their norms) exist, for the uses that need whole matrices in memory; no-ops unless s
 * is a table. WP_OK or WP_ENOMEM / WP_ERANGE. */
int vecset_need_unit(struct vecset *s);
int vecset_need_floats(struct vecset *s);
/* Takes ownership of vs (left empty) and builds the map, norms and unit rows. */
int vecset_from_w2v(struct vecset **out, struct w2vfmt_vectors *vs);
void vecset_free(struct vecset *s);

int64_t vecset_find(const struct vecset *s, const char *word, size_t len); /* row or -1 */

/* The vector of word into out (d floats), scaled to unit length when unit is set (as the rows
 * of s->unit are): its row when the word is in the set (returns 1, *row its id); else, for a
 * fastText model, the mean of its character n-gram rows (returns 0, *row -1). Returns
 * WP_ENOTFOUND when neither (not in the set, no model or no n-gram), or WP_ENOMEM. row may be
 * NULL. */
int vecset_vector(const struct vecset *s, const char *word, size_t len, int unit, float *out,
                  int64_t *row);
/* Row i (< s->v) into out (d floats), at unit length when unit is set: a copy of the row, or
 * for a table used in place the row computed (an int8-only table's rows are decoded: its
 * unit row approximated, times the stored norm). */
void vecset_row(const struct vecset *s, size_t i, int unit, float *out);
/* Writes s as a fastText .bin model: the model it was read from (n-grams included), or the
 * plain vectors as a model without n-grams. Returns what fasttext_write returns. */
int vecset_write_fasttext(FILE *fp, const struct vecset *s);
/* vecfp_matrix of s's float matrix: a table's from its header (which keeps the fingerprint of
 * the floats it was made from, int8 codes only or not). */
uint64_t vecset_matrix_fingerprint(const struct vecset *s);
/* The model fingerprint of s (vecfp_model over its words and rows as loaded): a table's from
 * its header alone, else one pass over the words and the matrix. */
uint64_t vecset_fingerprint(const struct vecset *s);
/* The fingerprint of the model that made s: the one its stream's header names (made_by),
 * else s's own (vecset_fingerprint): what embed writes as REC_META_MODEL_HASH. */
uint64_t vecset_made_by(const struct vecset *s);
/* Whether vecset_vector can give words outside the set a vector. */
int vecset_has_subwords(const struct vecset *s);

#endif
