/* rec.h - the wordpipe record stream: a self-describing, checksummed, block-compressed
 * sequence of records that every tool reads and writes. The normative spec is
 * man/man5/wordpipe.5; this header and that page change together.
 *
 *   stream  = header block* trailer      (streams of one kind may be concatenated)
 *   header  = signature version kind flags meta_size meta header_check
 *   block   = 28-byte block header, payload (zlib or stored)
 *   payload = record*, each record = varint length, bytes
 */
#ifndef WP_REC_H
#define WP_REC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REC_SIGNATURE "\x8BWPS\r\n\x1A\n" /* 8 bytes, PNG-style: see wordpipe(5) */
enum {
    REC_SIGNATURE_SIZE = 8,
    REC_VERSION = 1,
    REC_META_MAX = 1 << 20,            /* header metadata bytes a reader accepts */
    REC_BLOCK_TARGET = 1 << 20,        /* writer closes a block past this many raw bytes */
    REC_BLOCK_MAX = 1 << 30,           /* largest raw block a reader accepts */
    REC_BLOCK_HEADER_SIZE = 28,
    REC_TRAILER_SIZE = 32,
    REC_TAG_BLOCK = 0xB1,
    REC_TAG_END = 0xE0,
    REC_CODEC_STORED = 0,
    REC_CODEC_ZLIB = 1,
    REC_LEVEL_DEFAULT = 1              /* zlib level: 1 keeps pipes at hundreds of MB/s */
};

/* Record kinds; values are pinned (wordpipe(5) lists each payload). */
enum rec_kind {
    REC_TOKENS = 1,   /* a sentence: varint n, n x (varint len, UTF-8 bytes) */
    REC_VOCAB = 2,    /* a word, in id order: varint count, varint len, bytes */
    REC_IDS = 3,      /* a sentence of word ids: varint n, n x varint id */
    REC_WINDOWS = 4,  /* varint center id, varint n, n x varint context id */
    REC_VECTORS = 5,  /* varint len, word bytes, dim x f32 LE (meta "dim") */
    REC_CVECTORS = 6, /* contextual: varint sentence, varint position, varint len, word,
                         layers x dim f32 LE (meta "dim", "layers") */
    REC_MODEL = 7,    /* a tensor: varint name len, name, u8 dtype, varint ndim,
                         ndim x varint dim, varint offset, varint count, count elements */
    REC_SPANS = 8,    /* a subsampled sentence with each position's window radius:
                         varint n, n x (varint id, varint radius) */
    REC_KIND_MAX = 8
};

const char *rec_kind_name(int kind); /* "tokens", "vocabulary", ...; "unknown" otherwise */

/* ---- header metadata: a small ordered list of typed key/value pairs ---- */
enum rec_meta_type { REC_META_U64 = 1, REC_META_F64 = 2, REC_META_STR = 3 };

/* The key of a vectors header that names the model which made them: its fingerprint (u64),
 * wordpipe(5) "Model fingerprint". */
#define REC_META_MODEL_HASH "model_hash"

struct rec_meta;
struct rec_meta *rec_meta_new(void); /* NULL on ENOMEM */
void rec_meta_free(struct rec_meta *m);
int rec_meta_copy(struct rec_meta *dst, const struct rec_meta *src); /* appends/overwrites */
/* Setters replace an existing key. Keys are 1..64 bytes of [a-z0-9_]. */
int rec_meta_set_u64(struct rec_meta *m, const char *key, uint64_t v);
int rec_meta_set_f64(struct rec_meta *m, const char *key, double v);
int rec_meta_set_str(struct rec_meta *m, const char *key, const char *s); /* NUL-terminated */
/* Getters return WP_ENOTFOUND for an absent key, WP_EKIND for a key of another type. */
int rec_meta_get_u64(const struct rec_meta *m, const char *key, uint64_t *v);
int rec_meta_get_f64(const struct rec_meta *m, const char *key, double *v);
int rec_meta_get_str(const struct rec_meta *m, const char *key, const char **s);
size_t rec_meta_count(const struct rec_meta *m);
/* Entry i for listing: key, type, and the value in the matching out-parameter. */
void rec_meta_entry(const struct rec_meta *m, size_t i, const char **key, int *type,
                    uint64_t *u, double *f, const char **s);

/* ---- writer ---- */
struct rec_writer;
/* Writes the header at once. level: 0 stores blocks, 1..9 deflates with zlib. The writer
 * does not own fp; it never closes it. */
int rec_writer_open(struct rec_writer **out, FILE *fp, int kind, const struct rec_meta *meta,
                    int level);
int rec_writer_put(struct rec_writer *w, const void *rec, size_t len);
/* Flushes the last block, writes the trailer and fflushes fp; frees w in every case. */
int rec_writer_close(struct rec_writer *w);
/* Frees w without a trailer (an abandoned stream reads as truncated). */
void rec_writer_abort(struct rec_writer *w);
uint64_t rec_writer_records(const struct rec_writer *w);

/* ---- reader ---- */
struct rec_stats {
    uint64_t blocks, records, raw_bytes, packed_bytes, streams;
};

struct rec_reader;
/* Reads and checks the header. On error *out is still set (so rec_reader_where works)
 * unless the error is WP_ENOMEM; free it with rec_reader_free. The reader does not own fp. */
int rec_reader_open(struct rec_reader **out, FILE *fp);
int rec_reader_kind(const struct rec_reader *r);
const struct rec_meta *rec_reader_meta(const struct rec_reader *r);
/* Next record: returns 1 and points rec and len into the reader's buffer (valid until the
 * next call), 0 at a verified end of stream, or a negative status. */
int rec_reader_next(struct rec_reader *r, const unsigned char **rec, size_t *len);
/* Where the last error happened, for messages: "header", "block 17" or "trailer" */
const char *rec_reader_where(const struct rec_reader *r);
/* A specific phrase for the last error ("block header check failed", "format version 2,
 * this program reads up to 1"), or NULL when wp_strerror(status) says it all. */
const char *rec_reader_detail(const struct rec_reader *r);
/* An upper bound on the raw (inflated) bytes the rest of the input can hold, for checking a
 * header's declared sizes before allocating them: the bytes left in a regular file times
 * deflate's largest ratio, plus each possible block's slack. UINT64_MAX when the input is
 * not a regular file (a pipe: nothing is known). */
uint64_t rec_reader_raw_left_max(const struct rec_reader *r);
/* Copies the rest of a non-seekable input into spool (an empty read-write file, e.g. an
 * unlinked temporary) and reads from there on, so that rec_reader_raw_left_max can check a
 * header's declared sizes on a pipe too. The reader owns spool from then on (closed by
 * rec_reader_free, also on failure). WP_EIO if the input cannot be read or spool written
 * (errno says why); counting and fingerprints then treat the input as a pipe. */
int rec_reader_spool(struct rec_reader *r, FILE *spool);
/* The records of the whole input, counted from the block headers alone (seeking over the
 * payloads, so without inflating), right after rec_reader_open and before any record is
 * read: the input must be a regular file, else WP_ENOTFOUND. The reader's position is
 * restored. A stream too damaged to walk gives WP_ECORRUPT (the reader will say where). */
int rec_reader_count_records(struct rec_reader *r, uint64_t *records);
/* What identifies the content of an input, for checking that a resumed run reads the data
 * it started on, before any record is read: *first, the checksum of the first block (0 for
 * an input without blocks), which a pipe gives too (the block is read ahead, its records
 * are still returned); *all, XXH3-64 over every block's checksum in order, for a regular
 * file (walked over its block headers, without inflating), else 0. WP_ERANGE once records
 * have been read; a stream too damaged to walk gives *all = 0 (the reader will say where). */
int rec_reader_fingerprint(struct rec_reader *r, uint64_t *first, uint64_t *all);
/* rec_reader_fingerprint's *all for an input read to its end through this reader (a pipe,
 * which cannot be walked first): WP_OK, or WP_ERANGE before the end (*all 0). */
int rec_reader_fingerprint_read(const struct rec_reader *r, uint64_t *all);
/* Records returned so far by rec_reader_next over all concatenated streams. */
uint64_t rec_reader_record_index(const struct rec_reader *r);
const struct rec_stats *rec_reader_stats(const struct rec_reader *r);
void rec_reader_free(struct rec_reader *r);

#endif
