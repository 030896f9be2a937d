/* rec.c - the record stream writer and reader (spec: man/man5/wordpipe.5).
 *
 * header : signature[8] version u8, kind u8, flags u16, meta_size u32, meta,
 *          header_check u64 = XXH3-64 of every header byte before it
 * block  : tag u8 (0xB1), codec u8, reserved u16, record_count u32, raw_size u32,
 *          packed_size u32, checksum u64 (XXH3-64 of the raw payload),
 *          header_check u32 (low half of XXH3-64 of the 24 bytes before it); payload
 * trailer: tag u8 (0xE0), reserved[3], block_count u64, record_count u64,
 *          stream_hash u64 (XXH3-64 of every block checksum, 8 LE bytes each, in order),
 *          trailer_check u32 (low half of XXH3-64 of the 28 bytes before it)
 * All integers little-endian. Payload codec 1 is raw deflate (RFC 1951, no zlib wrapper:
 * the XXH3 checksum already covers the bytes, so Adler-32 would be paid for twice). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>
#include <zlib.h>

#include "rec.h"
#include "common/bytes.h"
#include "common/status.h"
#include "rec_internal.h"

enum { HEADER_FIXED = REC_SIGNATURE_SIZE + 8 }; /* signature .. meta_size */
/* deflate's largest expansion (RFC 1951 stored lengths aside: 258 bytes from 2 bits), and the
 * raw bytes a block may add beyond it */
enum { INFLATE_RATIO_MAX = 1032, INFLATE_SLACK = 1024 };

const char *
rec_kind_name(int kind)
{
    static const char *const names[] = {
        [REC_TOKENS] = "tokens",   [REC_VOCAB] = "vocabulary",
        [REC_IDS] = "ids",         [REC_WINDOWS] = "windows",
        [REC_VECTORS] = "vectors", [REC_CVECTORS] = "contextual vectors",
        [REC_MODEL] = "model",     [REC_SPANS] = "spans",
    };
    return kind >= 1 && kind <= REC_KIND_MAX ? names[kind] : "unknown";
}

static uint32_t
check32(const unsigned char *p, size_t n)
{
    return (uint32_t)XXH3_64bits(p, n);
}

/* ---------------------------------------------------------------- writer */

/* At level > 0 the writer deflates on a worker thread: the caller fills block N+1 in raw
 * while the worker packs and writes block N from job (double buffering). Blocks keep their
 * order and boundaries, so the bytes equal those of the synchronous path. While the worker
 * runs it alone touches fp, z, packed, stream_hash and blocks; the caller joins it before it
 * touches them again (close, abort). The last block is packed on the caller's thread. */
struct rec_writer {
    FILE *fp;
    int level;
    struct buf raw, packed;
    uint32_t block_records;
    uint64_t records, blocks;
    XXH3_state_t *stream_hash;
    z_stream z;
    int z_ready;
    int threaded;       /* use the worker once a block is full (level > 0, not disabled) */
    int running;        /* worker started, not joined; sync objects initialised */
    int err, err_errno; /* sticky first error; errno of a worker's WP_EIO. Under mu */
    atomic_int failed;  /* err != 0, readable without the lock on every put */
    int pending, quit;  /* a job waits for or is in the worker; worker must stop. Under mu */
    struct buf job;     /* the block the worker packs; owned by it while pending */
    uint32_t job_records;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t job_cv, idle_cv;
};

static int
write_all(FILE *fp, const void *p, size_t n)
{
    return fwrite(p, 1, n, fp) == n ? WP_OK : WP_EIO;
}

static int
write_header(FILE *fp, int kind, const struct rec_meta *meta)
{
    struct buf h = {0};
    unsigned char fixed[HEADER_FIXED];
    int rc;

    memcpy(fixed, REC_SIGNATURE, REC_SIGNATURE_SIZE);
    fixed[8] = REC_VERSION;
    fixed[9] = (unsigned char)kind;
    le16_store(fixed + 10, 0);
    if ((rc = buf_put(&h, fixed, sizeof fixed)) < 0 || (rc = rec_meta_encode(meta, &h)) < 0)
        goto out;
    le32_store(h.p + 12, (uint32_t)(h.len - HEADER_FIXED));
    unsigned char check[8];
    le64_store(check, XXH3_64bits(h.p, h.len));
    if ((rc = buf_put(&h, check, 8)) < 0)
        goto out;
    rc = write_all(fp, h.p, h.len);
out:
    buf_free(&h);
    return rc;
}

int
rec_writer_open(struct rec_writer **out, FILE *fp, int kind, const struct rec_meta *meta,
                int level)
{
    *out = NULL;
    if (kind < 1 || kind > REC_KIND_MAX || level < 0 || level > 9)
        return WP_ERANGE;
    struct rec_writer *w = calloc(1, sizeof *w);
    if (w == NULL || (w->stream_hash = XXH3_createState()) == NULL) {
        free(w);
        return WP_ENOMEM;
    }
    XXH3_64bits_reset(w->stream_hash);
    atomic_init(&w->failed, 0);
    w->fp = fp;
    w->level = level;
    w->threaded = level > 0; /* level 0 only copies: nothing to overlap */
    if (level > 0) {
        if (deflateInit2(&w->z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            rec_writer_abort(w);
            return WP_ENOMEM;
        }
        w->z_ready = 1;
    }
    const int rc = write_header(fp, kind, meta);
    if (rc < 0) {
        rec_writer_abort(w);
        return rc;
    }
    *out = w;
    return WP_OK;
}

/* Declared in rec_internal.h: tests compare the threaded writer's bytes with the
 * synchronous path. Call before the first put; on = 0 packs every block on this thread. */
int
rec_writer_set_threaded(struct rec_writer *w, int on)
{
    if (w->running)
        return WP_ERANGE;
    w->threaded = on && w->level > 0;
    return WP_OK;
}

/* Deflates raw into w->packed; returns the codec used (stored when deflate saves
 * nothing). */
static int
block_pack(struct rec_writer *w, const struct buf *raw, int *codec)
{
    *codec = REC_CODEC_STORED;
    if (w->level == 0)
        return WP_OK;
    const size_t bound = deflateBound(&w->z, (uLong)raw->len);
    buf_clear(&w->packed);
    WP_TRY(buf_reserve(&w->packed, bound));
    if (deflateReset(&w->z) != Z_OK)
        return WP_ENOMEM;
    w->z.next_in = raw->p;
    w->z.avail_in = (uInt)raw->len;
    w->z.next_out = w->packed.p;
    w->z.avail_out = (uInt)bound;
    if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
        return WP_ENOMEM;
    w->packed.len = bound - w->z.avail_out;
    if (w->packed.len < raw->len)
        *codec = REC_CODEC_ZLIB;
    return WP_OK;
}

/* Packs and writes one block of nrec records; runs on the worker or, when none runs, on
 * the caller. */
static int
block_emit(struct rec_writer *w, const struct buf *raw, uint32_t nrec)
{
    int codec;
    WP_TRY(block_pack(w, raw, &codec));
    const struct buf *body = codec == REC_CODEC_ZLIB ? &w->packed : raw;
    const uint64_t sum = XXH3_64bits(raw->p, raw->len);
    unsigned char h[REC_BLOCK_HEADER_SIZE];
    h[0] = REC_TAG_BLOCK;
    h[1] = (unsigned char)codec;
    le16_store(h + 2, 0);
    le32_store(h + 4, nrec);
    le32_store(h + 8, (uint32_t)raw->len);
    le32_store(h + 12, (uint32_t)body->len);
    le64_store(h + 16, sum);
    le32_store(h + 24, check32(h, 24));
    WP_TRY(write_all(w->fp, h, sizeof h));
    WP_TRY(write_all(w->fp, body->p, body->len));
    XXH3_64bits_update(w->stream_hash, h + 16, 8);
    w->blocks++;
    return WP_OK;
}

/* Records the first error; the caller holds mu or no worker runs. */
static void
set_error(struct rec_writer *w, int rc, int saved_errno)
{
    if (w->err == 0) {
        w->err = rc;
        w->err_errno = saved_errno;
        atomic_store_explicit(&w->failed, 1, memory_order_release);
    }
}

/* The sticky error, with the errno a WP_EIO had on the thread that met it. */
static int
get_error(struct rec_writer *w)
{
    if (w->running)
        pthread_mutex_lock(&w->mu);
    const int rc = w->err;
    if (rc == WP_EIO)
        errno = w->err_errno;
    if (w->running)
        pthread_mutex_unlock(&w->mu);
    return rc;
}

static void *
worker_main(void *arg)
{
    struct rec_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->pending && !w->quit)
            pthread_cond_wait(&w->job_cv, &w->mu);
        if (w->quit) /* close waits for the job first; abort drops it */
            break;
        const int skip = w->err != 0;
        pthread_mutex_unlock(&w->mu);
        errno = 0;
        const int rc = skip ? WP_OK : block_emit(w, &w->job, w->job_records);
        const int saved_errno = errno;
        buf_clear(&w->job);
        pthread_mutex_lock(&w->mu);
        if (rc < 0)
            set_error(w, rc, saved_errno);
        w->pending = 0;
        pthread_cond_signal(&w->idle_cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Starts the worker; 0 when it runs, -1 when the writer must stay synchronous. */
static int
worker_start(struct rec_writer *w)
{
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return -1;
    if (pthread_cond_init(&w->job_cv, NULL) != 0)
        goto no_job_cv;
    if (pthread_cond_init(&w->idle_cv, NULL) != 0)
        goto no_idle_cv;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        goto no_thread;
    w->running = 1;
    return 0;
no_thread:
    pthread_cond_destroy(&w->idle_cv);
no_idle_cv:
    pthread_cond_destroy(&w->job_cv);
no_job_cv:
    pthread_mutex_destroy(&w->mu);
    return -1;
}

/* Stops and joins the worker; drain = 1 lets it finish the pending block first. */
static void
worker_stop(struct rec_writer *w, int drain)
{
    if (!w->running)
        return;
    pthread_mutex_lock(&w->mu);
    while (drain && w->pending)
        pthread_cond_wait(&w->idle_cv, &w->mu);
    w->quit = 1;
    pthread_cond_signal(&w->job_cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->job_cv);
    pthread_cond_destroy(&w->idle_cv);
    pthread_mutex_destroy(&w->mu);
    w->running = 0;
}

/* Hands the full block to the worker once it has finished the previous one. */
static int
block_submit(struct rec_writer *w)
{
    pthread_mutex_lock(&w->mu);
    while (w->pending)
        pthread_cond_wait(&w->idle_cv, &w->mu);
    if (w->err != 0) {
        pthread_mutex_unlock(&w->mu);
        return get_error(w);
    }
    const struct buf t = w->job;
    w->job = w->raw;
    w->raw = t;
    w->job_records = w->block_records;
    w->pending = 1;
    pthread_cond_signal(&w->job_cv);
    pthread_mutex_unlock(&w->mu);
    return WP_OK;
}

/* Ends the current block; final = 1 (close) packs it here after the worker is joined. */
static int
block_flush(struct rec_writer *w, int final)
{
    if (w->block_records == 0)
        return WP_OK;
    if (!final && w->threaded && !w->running && worker_start(w) < 0)
        w->threaded = 0; /* no thread: the same bytes, just not overlapped */
    int rc;
    if (!final && w->running) {
        rc = block_submit(w);
    } else {
        errno = 0;
        rc = block_emit(w, &w->raw, w->block_records);
        if (rc < 0)
            set_error(w, rc, errno);
    }
    if (rc < 0)
        return rc;
    w->block_records = 0;
    buf_clear(&w->raw);
    return WP_OK;
}

int
rec_writer_put(struct rec_writer *w, const void *rec, size_t len)
{
    if (atomic_load_explicit(&w->failed, memory_order_acquire))
        return get_error(w);
    if (len > REC_BLOCK_MAX - VARINT_MAX)
        return WP_ERANGE;
    if (w->raw.len + VARINT_MAX + len > REC_BLOCK_MAX || w->block_records == UINT32_MAX)
        WP_TRY(block_flush(w, 0));
    WP_TRY(buf_put_varint(&w->raw, len));
    WP_TRY(buf_put(&w->raw, rec, len));
    w->block_records++;
    w->records++;
    if (w->raw.len >= REC_BLOCK_TARGET)
        WP_TRY(block_flush(w, 0));
    return WP_OK;
}

uint64_t
rec_writer_records(const struct rec_writer *w)
{
    return w->records;
}

int
rec_writer_close(struct rec_writer *w)
{
    worker_stop(w, 1);
    int rc = w->err != 0 ? get_error(w) : block_flush(w, 1);
    if (rc == WP_OK) {
        unsigned char t[REC_TRAILER_SIZE] = {REC_TAG_END, 0, 0, 0};
        le64_store(t + 4, w->blocks);
        le64_store(t + 12, w->records);
        le64_store(t + 20, XXH3_64bits_digest(w->stream_hash));
        le32_store(t + 28, check32(t, 28));
        rc = write_all(w->fp, t, sizeof t);
        if (rc == WP_OK && fflush(w->fp) != 0)
            rc = WP_EIO;
    }
    const int saved_errno = errno;
    rec_writer_abort(w);
    errno = saved_errno; /* tools print strerror(errno) for WP_EIO */
    return rc;
}

void
rec_writer_abort(struct rec_writer *w)
{
    if (w == NULL)
        return;
    worker_stop(w, 0);
    if (w->z_ready)
        deflateEnd(&w->z);
    XXH3_freeState(w->stream_hash);
    buf_free(&w->raw);
    buf_free(&w->job);
    buf_free(&w->packed);
    free(w);
}

/* ---------------------------------------------------------------- reader */

struct rec_reader {
    FILE *fp;
    FILE *spool;            /* owned: the rest of a pipe, copied by rec_reader_spool */
    off_t start;            /* where the input began, for rec_reader_count_records */
    uint64_t first_sum;     /* the first block's checksum, for rec_reader_fingerprint */
    int kind;
    struct rec_meta *meta;
    struct buf raw, packed;
    size_t pos;             /* next record's offset in raw */
    uint32_t block_left;    /* records not yet returned from the current block */
    uint64_t stream_blocks; /* blocks and records of the current stream, for its trailer */
    uint64_t stream_records;
    uint64_t record_index;
    XXH3_state_t *stream_hash;
    XXH3_state_t *read_sums; /* every block checksum read, for rec_reader_fingerprint_read */
    struct rec_stats st;
    z_stream z;
    int z_ready, done, failed;
    char where[48];
    char detail_buf[160];
    char detail_num[2][24];
    const char *detail;
};

static const char *
u64_text(uint64_t v, char buf[24])
{
    snprintf(buf, 24, "%llu", (unsigned long long)v);
    return buf;
}

static int
fail(struct rec_reader *r, int rc, const char *detail)
{
    r->detail = detail;
    r->failed = rc;
    return rc;
}

/* Reads exactly n bytes; WP_ETRUNC on a short read, WP_EIO on an error. */
static int
read_exact(struct rec_reader *r, void *p, size_t n)
{
    const size_t got = fread(p, 1, n, r->fp);
    if (got == n)
        return WP_OK;
    return ferror(r->fp) ? WP_EIO : WP_ETRUNC;
}

static int
looks_like_text(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x09 || (p[i] > 0x0d && p[i] < 0x20) || p[i] == 0x7f)
            return 0;
    return 1;
}

/* "digits digits\n": word2vec's header line (count and dimension), text or binary vectors */
static int
looks_like_w2v_header(const unsigned char *p, size_t n)
{
    size_t i = 0, fields = 0;
    while (fields < 2) {
        const size_t start = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == start || i == n)
            return 0;
        fields++;
        if (fields == 1 && p[i++] != ' ')
            return 0;
    }
    return p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n');
}

/* Why the n first bytes of p are not a stream, when they are something else a user may
 * give (WP_EMAGIC's detail), else NULL. The vector table's and the HNSW index's signatures
 * are wordpipe's own formats (wordpipe(5)); the tools that read them are named. */
static const char *
not_stream_detail(const unsigned char *p, size_t n)
{
    static const char table_sig[] = "\x8BWPV\r\n\x1A\n", hnsw_sig[] = "WPHNSW";
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return "not a wordpipe stream (gzip data; text goes through tok)";
    if (n >= sizeof table_sig - 1 && memcmp(p, table_sig, sizeof table_sig - 1) == 0)
        return "not a wordpipe stream (a vector table: knn maps it from its file; knn "
               "--convert txt prints it)";
    if (n >= sizeof hnsw_sig - 1 && memcmp(p, hnsw_sig, sizeof hnsw_sig - 1) == 0)
        return "not a wordpipe stream (a knn HNSW index: knn --hnsw reads it)";
    if (looks_like_w2v_header(p, n))
        return "not a wordpipe stream (begins as word2vec vectors do; knn --convert stream "
               "makes one)";
    if (looks_like_text(p, n))
        return "not a wordpipe stream (looks like text; see tok(1))";
    return NULL;
}

/* The metadata keys that say what a record means: ids index the vocabulary of vocab_hash
 * (and context_vocab_hash), a vector has dim x layers floats. Every concatenated stream must
 * agree with the first on each (present in both with one value, or absent in both); other
 * keys (counts, seeds, sources) may differ, and the first stream's describe the input. */
static const char *const identity_keys[] = {"vocab_hash", "context_vocab_hash", "dim", "layers"};

static int
check_concatenated(struct rec_reader *r, const unsigned char *p, size_t len)
{
    struct rec_meta *m = rec_meta_new();
    if (m == NULL)
        return fail(r, WP_ENOMEM, NULL);
    int rc = rec_meta_decode(m, p, len);
    if (rc < 0) {
        rec_meta_free(m);
        return fail(r, rc, "bad header metadata");
    }
    for (size_t i = 0; i < sizeof identity_keys / sizeof *identity_keys; i++) {
        const char *key = identity_keys[i];
        uint64_t a = 0, b = 0;
        const int ra = rec_meta_get_u64(r->meta, key, &a), rb = rec_meta_get_u64(m, key, &b);
        if (ra == rb && a == b)
            continue;
        if (strstr(key, "vocab_hash") != NULL) {
            snprintf(r->detail_buf, sizeof r->detail_buf,
                     "made with another %svocabulary than stream 1 (%s differs)",
                     key[0] == 'c' ? "context " : "", key);
            rc = WP_EVOCAB;
        } else {
            snprintf(r->detail_buf, sizeof r->detail_buf, "%s %s, stream 1 has %s %s", key,
                     rb == WP_OK ? u64_text(b, r->detail_num[0]) : "absent", key,
                     ra == WP_OK ? u64_text(a, r->detail_num[1]) : "absent");
            rc = WP_ECORRUPT;
        }
        rec_meta_free(m);
        return fail(r, rc, r->detail_buf);
    }
    rec_meta_free(m);
    return WP_OK;
}

/* Reads a header; first_byte is -1 or an already consumed first signature byte. */
static int
read_header(struct rec_reader *r, int first_byte)
{
    unsigned char fixed[HEADER_FIXED];
    size_t have = 0;
    snprintf(r->where, sizeof r->where, "header");
    if (first_byte >= 0)
        fixed[have++] = (unsigned char)first_byte;
    const size_t got = fread(fixed + have, 1, sizeof fixed - have, r->fp);
    if (ferror(r->fp))
        return fail(r, WP_EIO, NULL);
    have += got;
    if (have == 0)
        return fail(r, WP_EEMPTY, NULL);
    const size_t cmp = have < REC_SIGNATURE_SIZE ? have : REC_SIGNATURE_SIZE;
    if (memcmp(fixed, REC_SIGNATURE, cmp) != 0)
        return fail(r, WP_EMAGIC, not_stream_detail(fixed, have));
    if (have < sizeof fixed)
        return fail(r, WP_ETRUNC, NULL);
    if (fixed[8] > REC_VERSION || fixed[8] == 0) {
        snprintf(r->detail_buf, sizeof r->detail_buf,
                 "format version %u, this program reads version %d", fixed[8], REC_VERSION);
        return fail(r, WP_EVERSION, fixed[8] == 0 ? "format version 0 is invalid" : r->detail_buf);
    }
    const int kind = fixed[9];
    const uint32_t meta_size = le32_load(fixed + 12);
    if (le16_load(fixed + 10) != 0)
        return fail(r, WP_ECORRUPT, "reserved header flags are set");
    if (meta_size > REC_META_MAX)
        return fail(r, WP_ECORRUPT, "metadata size over the limit");
    struct buf h = {0};
    int rc = buf_put(&h, fixed, sizeof fixed);
    if (rc == WP_OK && (rc = buf_reserve(&h, (size_t)meta_size + 8)) == WP_OK)
        rc = read_exact(r, h.p + h.len, (size_t)meta_size + 8);
    if (rc < 0) {
        buf_free(&h);
        return fail(r, rc, NULL);
    }
    h.len += meta_size;
    if (XXH3_64bits(h.p, h.len) != le64_load(h.p + h.len)) {
        buf_free(&h);
        return fail(r, WP_ECHECKSUM, "header check failed");
    }
    if (kind < 1 || kind > REC_KIND_MAX) {
        buf_free(&h);
        return fail(r, WP_EKIND, "unknown record kind");
    }
    if (r->meta == NULL) { /* the first stream's metadata describes the whole input */
        r->kind = kind;
        if ((r->meta = rec_meta_new()) == NULL) {
            buf_free(&h);
            return fail(r, WP_ENOMEM, NULL);
        }
        rc = rec_meta_decode(r->meta, h.p + HEADER_FIXED, meta_size);
        buf_free(&h);
        if (rc < 0)
            return fail(r, rc, "bad header metadata");
    } else {
        snprintf(r->where, sizeof r->where, "stream %llu", (unsigned long long)r->st.streams + 1);
        if (kind != r->kind) {
            buf_free(&h);
            return fail(r, WP_EKIND, "a concatenated stream holds another kind of records");
        }
        rc = check_concatenated(r, h.p + HEADER_FIXED, meta_size);
        buf_free(&h);
        if (rc < 0)
            return rc;
    }
    r->stream_blocks = r->stream_records = 0;
    XXH3_64bits_reset(r->stream_hash);
    r->st.streams++;
    return WP_OK;
}

int
rec_reader_open(struct rec_reader **out, FILE *fp)
{
    struct rec_reader *r = calloc(1, sizeof *r);
    *out = r;
    if (r == NULL)
        return WP_ENOMEM;
    r->fp = fp;
    r->start = ftello(fp); /* -1 on a pipe */
    if ((r->stream_hash = XXH3_createState()) == NULL
        || (r->read_sums = XXH3_createState()) == NULL)
        return fail(r, WP_ENOMEM, NULL);
    XXH3_64bits_reset(r->read_sums);
    if (inflateInit2(&r->z, -15) != Z_OK)
        return fail(r, WP_ENOMEM, NULL);
    r->z_ready = 1;
    return read_header(r, -1);
}

/* Reads exactly n bytes into b, growing it as the bytes arrive rather than by n up front:
 * a corrupt size in a short stream must not make the reader allocate up to REC_BLOCK_MAX
 * (1 GiB) only to report truncation. Buffers keep their capacity, so well-formed streams
 * pay for one reservation per block size. */
static int
read_grow(struct rec_reader *r, struct buf *b, size_t n)
{
    enum { READ_STEP = 1 << 20 };
    buf_clear(b);
    WP_TRY(buf_reserve(b, 1)); /* inflate refuses a NULL output pointer */
    while (b->len < n) {
        const size_t k = n - b->len < READ_STEP ? n - b->len : READ_STEP;
        WP_TRY(buf_reserve(b, k));
        WP_TRY(read_exact(r, b->p + b->len, k));
        b->len += k;
    }
    return WP_OK;
}

static int
block_unpack(struct rec_reader *r, int codec, uint32_t raw_size, uint32_t packed_size)
{
    if (codec == REC_CODEC_STORED) {
        if (packed_size != raw_size)
            return fail(r, WP_ECORRUPT, "stored block sizes differ");
        return read_grow(r, &r->raw, raw_size);
    }
    /* deflate expands at most 1032:1, so a larger raw size is corrupt before it is
     * allocated */
    if ((uint64_t)raw_size > (uint64_t)packed_size * INFLATE_RATIO_MAX + INFLATE_SLACK)
        return fail(r, WP_ECORRUPT, "compressed payload does not inflate to its raw size");
    WP_TRY(read_grow(r, &r->packed, packed_size));
    buf_clear(&r->raw);
    WP_TRY(buf_reserve(&r->raw, raw_size ? raw_size : 1));
    if (inflateReset(&r->z) != Z_OK)
        return WP_ENOMEM;
    r->z.next_in = r->packed.p;
    r->z.avail_in = packed_size;
    r->z.next_out = r->raw.p;
    r->z.avail_out = raw_size;
    const int zr = inflate(&r->z, Z_FINISH);
    if (zr != Z_STREAM_END || r->z.avail_out != 0 || r->z.avail_in != 0)
        return fail(r, WP_ECORRUPT, "compressed payload does not inflate to its raw size");
    r->raw.len = raw_size;
    return WP_OK;
}

static int
read_trailer(struct rec_reader *r, const unsigned char *first)
{
    unsigned char t[REC_TRAILER_SIZE];
    memcpy(t, first, 1);
    snprintf(r->where, sizeof r->where, "trailer");
    const int rc = read_exact(r, t + 1, sizeof t - 1);
    if (rc < 0)
        return fail(r, rc, NULL);
    if (check32(t, 28) != le32_load(t + 28))
        return fail(r, WP_ECHECKSUM, "trailer check failed");
    if (t[1] | t[2] | t[3])
        return fail(r, WP_ECORRUPT, "reserved trailer bytes are set");
    if (le64_load(t + 4) != r->stream_blocks)
        return fail(r, WP_ECORRUPT, "block count differs from the trailer");
    if (le64_load(t + 12) != r->stream_records)
        return fail(r, WP_ECORRUPT, "record count differs from the trailer");
    if (le64_load(t + 20) != XXH3_64bits_digest(r->stream_hash))
        return fail(r, WP_ECHECKSUM, "stream hash differs from the trailer");
    return WP_OK;
}

/* Loads the next block; returns 1 with a block ready, 0 at the verified end. */
static int
next_block(struct rec_reader *r)
{
    for (;;) {
        unsigned char h[REC_BLOCK_HEADER_SIZE];
        snprintf(r->where, sizeof r->where, "block %llu",
                 (unsigned long long)r->st.blocks + 1);
        const int c = getc(r->fp);
        if (c == EOF)
            return fail(r, ferror(r->fp) ? WP_EIO : WP_ETRUNC,
                        ferror(r->fp) ? NULL : "stream ends without a trailer");
        h[0] = (unsigned char)c;
        if (h[0] == REC_TAG_END) {
            WP_TRY(read_trailer(r, h));
            const int next = getc(r->fp);
            if (next == EOF) {
                if (ferror(r->fp))
                    return fail(r, WP_EIO, NULL);
                return 0;
            }
            WP_TRY(read_header(r, next)); /* a concatenated stream follows */
            continue;
        }
        if (h[0] != REC_TAG_BLOCK)
            return fail(r, WP_ECORRUPT, "bad block tag");
        int rc = read_exact(r, h + 1, sizeof h - 1);
        if (rc < 0)
            return fail(r, rc, NULL);
        if (check32(h, 24) != le32_load(h + 24))
            return fail(r, WP_ECHECKSUM, "block header check failed");
        const int codec = h[1];
        const uint32_t count = le32_load(h + 4), raw_size = le32_load(h + 8);
        const uint32_t packed_size = le32_load(h + 12);
        if (le16_load(h + 2) != 0 || codec > REC_CODEC_ZLIB)
            return fail(r, WP_ECORRUPT, "unknown codec or reserved bits set");
        if (raw_size > REC_BLOCK_MAX || packed_size > compressBound(raw_size) + 64)
            return fail(r, WP_ECORRUPT, "block size over the limit");
        if ((uint64_t)count > raw_size)
            return fail(r, WP_ECORRUPT, "more records than bytes");
        if ((rc = block_unpack(r, codec, raw_size, packed_size)) < 0)
            return r->failed ? rc : fail(r, rc, NULL);
        if (XXH3_64bits(r->raw.p, r->raw.len) != le64_load(h + 16))
            return fail(r, WP_ECHECKSUM, NULL);
        XXH3_64bits_update(r->stream_hash, h + 16, 8);
        XXH3_64bits_update(r->read_sums, h + 16, 8);
        if (r->st.blocks++ == 0)
            r->first_sum = le64_load(h + 16);
        r->st.raw_bytes += raw_size;
        r->st.packed_bytes += REC_BLOCK_HEADER_SIZE + packed_size;
        r->stream_blocks++;
        r->stream_records += count;
        r->block_left = count;
        r->pos = 0;
        if (count > 0)
            return 1;
        if (raw_size != 0)
            return fail(r, WP_ECORRUPT, "bytes after the last record of the block");
    }
}

int
rec_reader_next(struct rec_reader *r, const unsigned char **rec, size_t *len)
{
    if (r->failed)
        return r->failed;
    if (r->done)
        return 0;
    if (r->block_left == 0) {
        if (r->pos != r->raw.len)
            return fail(r, WP_ECORRUPT, "bytes after the last record of the block");
        const int rc = next_block(r);
        if (rc <= 0) {
            r->done = rc == 0;
            return rc;
        }
    }
    const unsigned char *p = r->raw.p + r->pos, *end = r->raw.p + r->raw.len;
    uint64_t n;
    if (varint_get(&p, end, &n) < 0 || n > (uint64_t)(end - p))
        return fail(r, WP_ECORRUPT, "record length runs past the block");
    *rec = p;
    *len = (size_t)n;
    r->pos = (size_t)(p + n - r->raw.p);
    r->block_left--;
    r->st.records++;
    r->record_index++;
    return 1;
}

int
rec_reader_kind(const struct rec_reader *r)
{
    return r->kind;
}

const struct rec_meta *
rec_reader_meta(const struct rec_reader *r)
{
    return r->meta;
}

const char *
rec_reader_where(const struct rec_reader *r)
{
    return r->where[0] ? r->where : "header";
}

const char *
rec_reader_detail(const struct rec_reader *r)
{
    return r->detail;
}

uint64_t
rec_reader_raw_left_max(const struct rec_reader *r)
{
    struct stat st;
    const off_t at = ftello(r->fp);
    if (fstat(fileno(r->fp), &st) != 0 || !S_ISREG(st.st_mode) || at < 0 || st.st_size < at)
        return UINT64_MAX;
    const uint64_t left = (uint64_t)(st.st_size - at) + r->raw.len - r->pos;
    if (left > UINT64_MAX / (2 * INFLATE_RATIO_MAX))
        return UINT64_MAX;
    /* every block costs at least its header, and may add INFLATE_SLACK */
    return left * INFLATE_RATIO_MAX + (left / REC_BLOCK_HEADER_SIZE + 1) * INFLATE_SLACK;
}

/* Walks the file from its start: header, then blocks (count from each block header, the
 * payload skipped) and trailers, then further streams. */
static int
count_walk(FILE *fp, uint64_t *records, XXH3_state_t *sums)
{
    unsigned char h[REC_BLOCK_HEADER_SIZE];
    uint64_t n = 0;
    for (;;) {
        if (fread(h, 1, HEADER_FIXED, fp) != HEADER_FIXED
            || memcmp(h, REC_SIGNATURE, REC_SIGNATURE_SIZE) != 0
            || fseeko(fp, (off_t)le32_load(h + 12) + 8, SEEK_CUR) != 0)
            return WP_ECORRUPT;
        int c;
        while ((c = getc(fp)) == REC_TAG_BLOCK) {
            if (fread(h + 1, 1, sizeof h - 1, fp) != sizeof h - 1
                || fseeko(fp, (off_t)le32_load(h + 12), SEEK_CUR) != 0)
                return WP_ECORRUPT;
            n += le32_load(h + 4);
            if (sums != NULL)
                XXH3_64bits_update(sums, h + 16, 8);
        }
        if (c != REC_TAG_END || fseeko(fp, REC_TRAILER_SIZE - 1, SEEK_CUR) != 0)
            return WP_ECORRUPT;
        if ((c = getc(fp)) == EOF) {
            *records = n;
            return WP_OK;
        }
        if (ungetc(c, fp) == EOF)
            return WP_ECORRUPT;
    }
}

int
rec_reader_spool(struct rec_reader *r, FILE *spool)
{
    unsigned char chunk[1 << 16];
    size_t n;
    r->spool = spool;
    while ((n = fread(chunk, 1, sizeof chunk, r->fp)) > 0)
        if (fwrite(chunk, 1, n, spool) != n)
            return WP_EIO;
    if (ferror(r->fp) || fflush(spool) != 0 || fseeko(spool, 0, SEEK_SET) != 0)
        return WP_EIO;
    r->fp = spool;
    r->start = -1; /* the spool lacks the header: never walked from its start */
    return WP_OK;
}

/* Walks a regular file from its start and puts the reader back where it was. */
static int
walk(struct rec_reader *r, uint64_t *records, XXH3_state_t *sums)
{
    struct stat st;
    const off_t at = ftello(r->fp);
    if (r->st.records != 0)
        return WP_ERANGE;
    if (fstat(fileno(r->fp), &st) != 0 || !S_ISREG(st.st_mode) || at < 0 || r->start < 0
        || fseeko(r->fp, r->start, SEEK_SET) != 0)
        return WP_ENOTFOUND;
    const int rc = count_walk(r->fp, records, sums);
    if (fseeko(r->fp, at, SEEK_SET) != 0)
        return WP_EIO;
    return rc;
}

int
rec_reader_count_records(struct rec_reader *r, uint64_t *records)
{
    return walk(r, records, NULL);
}

int
rec_reader_fingerprint(struct rec_reader *r, uint64_t *first, uint64_t *all)
{
    uint64_t n;
    *first = *all = 0;
    if (r->st.records != 0)
        return WP_ERANGE;
    XXH3_state_t *sums = XXH3_createState();
    if (sums == NULL)
        return WP_ENOMEM;
    XXH3_64bits_reset(sums);
    const int rc = walk(r, &n, sums);
    if (rc == WP_OK)
        *all = XXH3_64bits_digest(sums);
    XXH3_freeState(sums);
    if (rc == WP_EIO)
        return rc;
    if (r->st.blocks == 0 && !r->done && !r->failed) { /* read the first block ahead */
        const int got = next_block(r);
        if (got < 0)
            return got;
        r->done = got == 0;
    }
    *first = r->first_sum;
    return WP_OK;
}

int
rec_reader_fingerprint_read(const struct rec_reader *r, uint64_t *all)
{
    *all = 0;
    if (!r->done || r->failed)
        return WP_ERANGE;
    *all = XXH3_64bits_digest(r->read_sums);
    return WP_OK;
}

uint64_t
rec_reader_record_index(const struct rec_reader *r)
{
    return r->record_index;
}

const struct rec_stats *
rec_reader_stats(const struct rec_reader *r)
{
    return &r->st;
}

void
rec_reader_free(struct rec_reader *r)
{
    if (r == NULL)
        return;
    if (r->z_ready)
        inflateEnd(&r->z);
    XXH3_freeState(r->stream_hash);
    XXH3_freeState(r->read_sums);
    rec_meta_free(r->meta);
    buf_free(&r->raw);
    buf_free(&r->packed);
    if (r->spool != NULL)
        fclose(r->spool);
    free(r);
}
