/* vocab.c - words with counts, ids in insertion order until sorted.
 *
 * Layout, chosen for tens of millions of distinct words:
 * - the word bytes live in one growing arena, each followed by a NUL (no malloc per word);
 * - per id, one 32-byte entry holds the arena offset, the length, the count and the full
 *   XXH3-64 hash (kept so that growing the table never re-reads the words): one cache
 *   line per hit, which is what counting speed depends on;
 * - the lookup table is open addressing with linear probing over a power-of-two array of
 *   8-byte slots {id + 1, high 32 bits of the hash}: the stored hash half rejects almost
 *   every mismatch without touching the arena, and the low bits pick the home slot.
 * About 32 bytes per word plus the bytes themselves plus 8 / load bytes of table. */
#include <stdlib.h>
#include <string.h>
/* inlined: hashing a short word costs less than the call into the shared library, and
 * XXH3_state_t becomes a stack object, so vocab_hash cannot fail */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "vocab.h"
#include "common/bytes.h"
#include "common/grow.h"
#include "common/status.h"
#include "stream/rec_payload.h"

enum {
    VOCAB_LOAD_NUM = 7, /* grow the table above 70% load */
    VOCAB_LOAD_DEN = 10,
    VOCAB_MIN_SLOTS = 64
};
#define VOCAB_MAX_WORDS ((uint64_t)UINT32_MAX - 1) /* ids are uint32_t; slot 0 means empty */

struct vocab_slot {
    uint32_t id1; /* id + 1; 0 = empty */
    uint32_t tag; /* hash >> 32 */
};

struct vocab_ent {
    uint64_t count;
    uint64_t hash;
    size_t off;   /* of the word in the arena */
    uint32_t len; /* bytes */
};

struct vocab {
    char *arena; /* every word's bytes, each followed by NUL */
    size_t arena_len, arena_cap;
    struct vocab_ent *ent; /* per id */
    uint32_t n, cap;       /* words, capacity of ent */
    struct vocab_slot *slot;
    size_t mask;      /* slots - 1 */
    uint64_t total;   /* sum of counts */
    uint64_t read_total; /* a stream's total_tokens: every token counted, pruned ones too */
    int tok_shape;       /* a stream's tokenized: the shape of its tokens, -1 unknown */
};

static int
grow_ids(struct vocab *v, size_t want)
{
    if (want <= v->cap)
        return WP_OK;
    if (want > VOCAB_MAX_WORDS)
        return WP_ERANGE;
    size_t cap = v->cap ? v->cap : 1024;
    while (cap < want)
        cap = cap > VOCAB_MAX_WORDS / 2 ? (size_t)VOCAB_MAX_WORDS : cap * 2;
    struct vocab_ent *ent = realloc(v->ent, cap * sizeof *ent);
    if (ent == NULL)
        return WP_ENOMEM;
    v->ent = ent;
    v->cap = (uint32_t)cap;
    return WP_OK;
}

static int
grow_arena(struct vocab *v, size_t extra)
{
    size_t need;
    if (!size_add_ok(v->arena_len, extra, &need))
        return WP_ENOMEM;
    if (need <= v->arena_cap)
        return WP_OK;
    size_t cap = v->arena_cap ? v->arena_cap : 1 << 16;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap + cap / 2; /* 1.5x: the arena is the big part */
    char *a = realloc(v->arena, cap);
    if (a == NULL)
        return WP_ENOMEM;
    v->arena = a;
    v->arena_cap = cap;
    return WP_OK;
}

/* Places id into a table that is known not to hold its word. */
static void
slot_place(struct vocab_slot *slot, size_t mask, uint64_t h, uint32_t id)
{
    size_t i = (size_t)h & mask;
    while (slot[i].id1 != 0)
        i = (i + 1) & mask;
    slot[i].id1 = id + 1;
    slot[i].tag = (uint32_t)(h >> 32);
}

/* Rebuilds the table with room for want words below the load limit. */
static int
rebuild_table(struct vocab *v, size_t want)
{
    size_t slots = VOCAB_MIN_SLOTS;
    while (slots / VOCAB_LOAD_DEN * VOCAB_LOAD_NUM < want)
        slots *= 2;
    struct vocab_slot *s = calloc(slots, sizeof *s);
    if (s == NULL)
        return WP_ENOMEM;
    free(v->slot);
    v->slot = s;
    v->mask = slots - 1;
    for (uint32_t id = 0; id < v->n; id++)
        slot_place(s, v->mask, v->ent[id].hash, id);
    return WP_OK;
}

int
vocab_create(struct vocab **out, size_t expected_words)
{
    struct vocab *v = calloc(1, sizeof *v);
    *out = NULL;
    if (v == NULL)
        return WP_ENOMEM;
    v->tok_shape = -1;
    if (expected_words > VOCAB_MAX_WORDS)
        expected_words = VOCAB_MAX_WORDS;
    int rc = grow_ids(v, expected_words ? expected_words : 1);
    if (rc == WP_OK)
        rc = rebuild_table(v, expected_words);
    if (rc < 0) {
        vocab_free(v);
        return rc;
    }
    *out = v;
    return WP_OK;
}

void
vocab_free(struct vocab *v)
{
    if (v == NULL)
        return;
    free(v->arena);
    free(v->ent);
    free(v->slot);
    free(v);
}

/* memcmp(a, b, n) == 0 without a library call for the short words that dominate text */
static inline int
words_equal(const char *a, const void *pb, size_t n)
{
    const unsigned char *b = pb;
    if (n > 16)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)a[i] != b[i])
            return 0;
    return 1;
}

/* The slot index holding word, or the empty slot where it would go. */
static size_t
find_slot(const struct vocab *v, const void *word, size_t len, uint64_t h)
{
    const uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & v->mask;
    for (;;) {
        const struct vocab_slot s = v->slot[i];
        if (s.id1 == 0)
            return i;
        if (s.tag == tag) {
            const uint32_t id = s.id1 - 1;
            if (v->ent[id].len == len && words_equal(v->arena + v->ent[id].off, word, len))
                return i;
        }
        i = (i + 1) & v->mask;
    }
}

static int
intern_new(struct vocab *v, const void *word, size_t len, uint64_t h, uint64_t count)
{
    WP_TRY(grow_ids(v, (size_t)v->n + 1));
    WP_TRY(grow_arena(v, len + 1));
    if (((size_t)v->n + 1) > (v->mask + 1) / VOCAB_LOAD_DEN * VOCAB_LOAD_NUM)
        WP_TRY(rebuild_table(v, (size_t)v->n + 1));
    const uint32_t id = v->n;
    if (len > 0)
        memcpy(v->arena + v->arena_len, word, len);
    v->arena[v->arena_len + len] = '\0';
    v->ent[id].off = v->arena_len;
    v->ent[id].len = (uint32_t)len;
    v->ent[id].count = count;
    v->ent[id].hash = h;
    v->arena_len += len + 1;
    v->n++;
    slot_place(v->slot, v->mask, h, id);
    return WP_OK;
}

int
vocab_add_id(struct vocab *v, const void *word, size_t len, uint64_t count, uint32_t *id)
{
    if (len > UINT32_MAX - 1)
        return WP_ERANGE;
    if (count > UINT64_MAX - v->total)
        return WP_ERANGE;
    const uint64_t h = XXH3_64bits(word, len);
    const size_t i = find_slot(v, word, len, h);
    if (v->slot[i].id1 != 0) {
        *id = v->slot[i].id1 - 1;
        v->ent[*id].count += count;
    } else {
        if (v->n >= VOCAB_MAX_WORDS)
            return WP_ERANGE;
        *id = v->n;
        WP_TRY(intern_new(v, word, len, h, count));
    }
    v->total += count;
    return WP_OK;
}

int
vocab_add(struct vocab *v, const void *word, size_t len, uint64_t count)
{
    uint32_t id;
    return vocab_add_id(v, word, len, count, &id);
}

int64_t
vocab_lookup(const struct vocab *v, const void *word, size_t len)
{
    if (len > UINT32_MAX - 1)
        return -1;
    const size_t i = find_slot(v, word, len, XXH3_64bits(word, len));
    return v->slot[i].id1 == 0 ? -1 : (int64_t)v->slot[i].id1 - 1;
}

uint32_t
vocab_size(const struct vocab *v)
{
    return v->n;
}

const char *
vocab_word(const struct vocab *v, uint32_t id, size_t *len)
{
    if (len != NULL)
        *len = v->ent[id].len;
    return v->arena + v->ent[id].off;
}

uint64_t
vocab_count(const struct vocab *v, uint32_t id)
{
    return v->ent[id].count;
}

uint64_t
vocab_total(const struct vocab *v)
{
    return v->total;
}

/* ---------------------------------------------------------------- sort and prune */

/* Everything the order needs, so plain qsort works without a context pointer. prefix
 * holds the first 8 bytes big-endian, zero-padded: comparing it orders like memcmp and
 * settles most ties without touching the arena (a cache miss per word otherwise). */
struct vocab_key {
    uint64_t count, prefix;
    const char *word;
    uint32_t len, id;
};

static uint64_t
prefix_of(const char *w, size_t len)
{
    uint64_t p = 0;
    for (size_t i = 0; i < 8; i++)
        p = p << 8 | (i < len ? (unsigned char)w[i] : 0);
    return p;
}

static int
cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    const int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return (alen > blen) - (alen < blen); /* a common prefix: shorter first */
}

static int
cmp_key(const void *pa, const void *pb)
{
    const struct vocab_key *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    return cmp_bytes(a->word, a->len, b->word, b->len);
}

/* Replaces v's contents by the words of keys[0..n) in that order. */
static int
rebuild_from_keys(struct vocab *v, const struct vocab_key *keys, uint32_t n)
{
    struct vocab *t;
    size_t bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        bytes += (size_t)keys[i].len + 1;
    WP_TRY(vocab_create(&t, n));
    int rc = grow_arena(t, bytes ? bytes : 1);
    for (uint32_t i = 0; i < n && rc == WP_OK; i++) {
        const uint32_t old = keys[i].id;
        /* the words are distinct: append without probing for an existing entry */
        memcpy(t->arena + t->arena_len, keys[i].word, (size_t)keys[i].len + 1);
        t->ent[i].off = t->arena_len;
        t->ent[i].len = keys[i].len;
        t->ent[i].count = keys[i].count;
        t->ent[i].hash = v->ent[old].hash;
        t->arena_len += (size_t)keys[i].len + 1;
        t->total += keys[i].count;
        slot_place(t->slot, t->mask, t->ent[i].hash, i);
        t->n = i + 1;
    }
    if (rc < 0) {
        vocab_free(t);
        return rc;
    }
    /* swap the contents, keep v's address and what its header said */
    t->read_total = v->read_total;
    t->tok_shape = v->tok_shape;
    const struct vocab tmp = *v;
    *v = *t;
    *t = tmp;
    vocab_free(t);
    return WP_OK;
}

int
vocab_sort_prune(struct vocab *v, uint64_t min_count, uint64_t max_words)
{
    uint32_t n = 0;
    for (uint32_t id = 0; id < v->n; id++)
        n += v->ent[id].count >= min_count;
    struct vocab_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (keys == NULL)
        return WP_ENOMEM;
    n = 0;
    for (uint32_t id = 0; id < v->n; id++) {
        if (v->ent[id].count < min_count)
            continue;
        keys[n].count = v->ent[id].count;
        keys[n].word = v->arena + v->ent[id].off;
        keys[n].len = v->ent[id].len;
        keys[n].prefix = prefix_of(keys[n].word, keys[n].len);
        keys[n].id = id;
        n++;
    }
    qsort(keys, n, sizeof *keys, cmp_key);
    if (max_words > 0 && max_words < n)
        n = (uint32_t)max_words;
    const int rc = rebuild_from_keys(v, keys, n);
    free(keys);
    return rc;
}

/* ---------------------------------------------------------------- identity and I/O */

uint64_t
vocab_hash(const struct vocab *v)
{
    XXH3_state_t st;
    unsigned char len[VARINT_MAX];
    XXH3_INITSTATE(&st);
    XXH3_64bits_reset(&st);
    for (uint32_t id = 0; id < v->n; id++) {
        XXH3_64bits_update(&st, len, varint_put(len, v->ent[id].len));
        XXH3_64bits_update(&st, v->arena + v->ent[id].off, v->ent[id].len);
    }
    return XXH3_64bits_digest(&st);
}

/* Copies the n bytes of w to dup, cut to size - 1 bytes and NUL-terminated. */
static void
copy_word(char *dup, size_t size, const void *w, size_t n)
{
    if (dup == NULL || size == 0)
        return;
    if (n > size - 1)
        n = size - 1;
    memcpy(dup, w, n);
    dup[n] = '\0';
}

int
vocab_read(struct vocab **out, struct rec_reader *r)
{
    const int rc = vocab_read_dup(out, r, NULL, 0);
    return rc == WP_EFORMAT ? WP_ECORRUPT : rc;
}

int
vocab_read_dup(struct vocab **out, struct rec_reader *r, char *dup, size_t size)
{
    struct vocab *v;
    const unsigned char *rec, *word;
    size_t len, wlen;
    uint64_t count;
    int rc;
    *out = NULL;
    if (rec_reader_kind(r) != REC_VOCAB)
        return WP_EKIND;
    WP_TRY(vocab_create(&v, 1 << 12));
    while ((rc = rec_reader_next(r, &rec, &len)) == 1) {
        if ((rc = rec_vocab_decode(rec, len, &count, &word, &wlen)) < 0)
            break;
        if (vocab_lookup(v, word, wlen) >= 0) {
            rc = WP_EFORMAT; /* a word twice would give two ids to one string */
            copy_word(dup, size, word, wlen);
            break;
        }
        if ((rc = vocab_add(v, word, wlen, count)) < 0)
            break;
    }
    if (rc < 0) {
        vocab_free(v);
        return rc;
    }
    uint64_t read_total;
    if (rec_meta_get_u64(rec_reader_meta(r), "total_tokens", &read_total) == WP_OK)
        v->read_total = read_total;
    v->tok_shape = vocab_meta_tok_shape(rec_reader_meta(r));
    *out = v;
    return WP_OK;
}

uint32_t
vocab_unsorted(const struct vocab *v)
{
    for (uint32_t id = 1; id < v->n; id++)
        if (v->ent[id].count > v->ent[id - 1].count)
            return id;
    return 0;
}

int
vocab_meta_tok_shape(const struct rec_meta *m)
{
    uint64_t shape;
    return rec_meta_get_u64(m, VOCAB_META_TOKENIZED, &shape) == WP_OK && shape <= INT32_MAX
               ? (int)shape : -1;
}

int
vocab_tok_shape(const struct vocab *v)
{
    return v->tok_shape;
}

uint64_t
vocab_tokens_counted(const struct vocab *v)
{
    return v->read_total > v->total ? v->read_total : v->total;
}

int
vocab_write(const struct vocab *v, struct rec_writer *w)
{
    struct buf b = {0};
    int rc = WP_OK;
    for (uint32_t id = 0; id < v->n && rc == WP_OK; id++) {
        buf_clear(&b);
        rc = rec_vocab_encode(&b, v->ent[id].count, v->arena + v->ent[id].off, v->ent[id].len);
        if (rc == WP_OK)
            rc = rec_writer_put(w, b.p, b.len);
    }
    buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- additions */

size_t
vocab_memory(const struct vocab *v)
{
    return sizeof *v + v->arena_cap + (size_t)v->cap * sizeof *v->ent +
           (v->mask + 1) * sizeof *v->slot;
}

/* vocab_record_ids looks tokens up LOOKUP_AHEAD tokens after it has hashed them: a token's
 * home slot is prefetched when it is hashed, and, half way, the entry a matching tag names
 * and that word's bytes, so the lookup itself finds them in cache. Decoding a token file
 * beside training (w2v-train's workers) finds the table out of cache; one lookup at a time
 * waits for three misses in a row. */
enum { LOOKUP_AHEAD = 8 };

struct pending {
    const unsigned char *t;
    size_t len;
    uint64_t h;
};

static inline void
prefetch_home(const struct vocab *v, const struct pending *p)
{
    __builtin_prefetch(&v->slot[(size_t)p->h & v->mask]);
}

static inline void
prefetch_word(const struct vocab *v, const struct pending *p)
{
    const struct vocab_slot s = v->slot[(size_t)p->h & v->mask];
    if (s.id1 != 0 && s.tag == (uint32_t)(p->h >> 32)) {
        const struct vocab_ent *e = &v->ent[s.id1 - 1];
        __builtin_prefetch(e);
        __builtin_prefetch(v->arena + e->off);
    }
}

int
vocab_record_ids(const struct vocab *v, const unsigned char *rec, size_t len,
                 uint32_t **ids, size_t *cap, size_t at, size_t *kept, uint64_t *tokens)
{
    struct rec_cursor c;
    uint64_t n;
    WP_TRY(rec_tokens_open(&c, rec, len, &n));
    WP_TRY(wp_grow(ids, cap, at + (size_t)n, sizeof **ids, 256));
    uint32_t *out = *ids + at;
    struct pending ring[LOOKUP_AHEAD];
    size_t k = 0;
    for (uint64_t i = 0; i < n + LOOKUP_AHEAD; i++) {
        struct pending *p = &ring[i % LOOKUP_AHEAD];
        if (i >= LOOKUP_AHEAD && p->len <= UINT32_MAX - 1) { /* token i - LOOKUP_AHEAD */
            const struct vocab_slot s = v->slot[find_slot(v, p->t, p->len, p->h)];
            if (s.id1 != 0)
                out[k++] = s.id1 - 1;
        }
        if (i < n) { /* token i, in the slot just freed: hashed, its home slot fetched */
            WP_TRY(rec_cursor_bytes(&c, &p->t, &p->len));
            p->h = p->len <= UINT32_MAX - 1 ? XXH3_64bits(p->t, p->len) : 0;
            prefetch_home(v, p);
        }
        if (i >= LOOKUP_AHEAD / 2 && i - LOOKUP_AHEAD / 2 < n)
            prefetch_word(v, &ring[(i - LOOKUP_AHEAD / 2) % LOOKUP_AHEAD]);
    }
    WP_TRY(rec_cursor_done(&c));
    *kept = k;
    *tokens = n;
    return WP_OK;
}
