/* vocab_spill.c - sorted runs on temporary files and their k-way merge (see vocab_spill.h).
 * Runs are ordinary REC_VOCAB streams (stored, level 0: the runs are read back once and
 * checksummed either way), so a damaged temporary file is detected, never miscounted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vocab_spill.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

struct vocab_spill {
    char *dir;
    FILE **run;
    unsigned *level; /* per run: 0 for a spilled table, L+1 for a merge of FANIN level-L runs */
    size_t nrun, cap;
    uint64_t bytes;
};

struct spill_key {
    uint64_t prefix; /* first 8 bytes big-endian, zero-padded: most compares stop here */
    const char *word;
    size_t len;
    uint64_t count;
};

/* One run being merged: the reader and its current record. */
struct spill_cursor {
    struct rec_reader *r;
    const unsigned char *word;
    size_t len;
    uint64_t count;
    int live;
};

int
vocab_spill_create(struct vocab_spill **out, const char *dir)
{
    struct vocab_spill *s = calloc(1, sizeof *s);
    *out = NULL;
    if (s == NULL || (s->dir = strdup(dir)) == NULL) {
        free(s);
        return WP_ENOMEM;
    }
    *out = s;
    return WP_OK;
}

void
vocab_spill_free(struct vocab_spill *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nrun; i++)
        fclose(s->run[i]);
    free(s->run);
    free(s->level);
    free(s->dir);
    free(s);
}

size_t
vocab_spill_runs(const struct vocab_spill *s)
{
    return s->nrun;
}

uint64_t
vocab_spill_bytes(const struct vocab_spill *s)
{
    return s->bytes;
}

size_t
vocab_spill_need(const struct vocab *v)
{
    return vocab_memory(v) + (size_t)vocab_size(v) * sizeof(struct spill_key);
}

static int
cmp_words(const void *a, size_t alen, const void *b, size_t blen)
{
    const int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

static int
cmp_key(const void *pa, const void *pb)
{
    const struct spill_key *a = pa, *b = pb;
    if (a->prefix != b->prefix)
        return a->prefix < b->prefix ? -1 : 1;
    return cmp_words(a->word, a->len, b->word, b->len);
}

/* A new temporary file in dir, already unlinked so that nothing is left behind. */
static FILE *
open_tmp(const char *dir)
{
    const size_t n = strlen(dir) + 32;
    char *path = malloc(n);
    if (path == NULL)
        return NULL;
    snprintf(path, n, "%s/wordpipe-vocab.XXXXXX", dir);
    const int fd = mkstemp(path);
    FILE *fp = NULL;
    if (fd >= 0) {
        unlink(path);
        if ((fp = fdopen(fd, "w+b")) == NULL)
            close(fd);
    }
    free(path);
    return fp;
}

static int
add_run(struct vocab_spill *s, FILE *fp, unsigned level)
{
    if (s->nrun == s->cap) {
        const size_t cap = s->cap ? s->cap * 2 : 8;
        FILE **run = realloc(s->run, cap * sizeof *run);
        if (run == NULL)
            return WP_ENOMEM;
        s->run = run;
        unsigned *lv = realloc(s->level, cap * sizeof *lv);
        if (lv == NULL)
            return WP_ENOMEM;
        s->level = lv;
        s->cap = cap;
    }
    s->level[s->nrun] = level;
    s->run[s->nrun++] = fp;
    return WP_OK;
}

/* Puts one (word, count) record on w. */
static int
put_word(struct rec_writer *w, struct buf *b, const void *word, size_t len, uint64_t count)
{
    buf_clear(b);
    WP_TRY(rec_vocab_encode(b, count, word, len));
    return rec_writer_put(w, b->p, b->len);
}

/* Finishes a run written to fp: trailer, rewind, and it joins the list. */
static int
close_run(struct vocab_spill *s, struct rec_writer *w, FILE *fp, unsigned level)
{
    int rc = rec_writer_close(w);
    const long size = ftell(fp);
    if (rc == WP_OK && (size < 0 || fseek(fp, 0, SEEK_SET) != 0))
        rc = WP_EIO;
    if (rc == WP_OK)
        rc = add_run(s, fp, level);
    if (rc < 0) {
        fclose(fp);
        return rc;
    }
    s->bytes += (uint64_t)size;
    return WP_OK;
}

static int merge_runs(struct vocab_spill *s, size_t first, vocab_spill_fn fn, void *ctx);

struct compact_ctx {
    struct rec_writer *w;
    struct buf b;
};

static int
compact_put(void *ctx, const void *word, size_t len, uint64_t count)
{
    struct compact_ctx *c = ctx;
    return put_word(c->w, &c->b, word, len, count);
}

/* Merges runs [first, nrun) into one new run, keeping the number of open files bounded. */
static int
compact(struct vocab_spill *s, size_t first)
{
    struct compact_ctx c = {0};
    FILE *fp = open_tmp(s->dir);
    if (fp == NULL)
        return WP_EIO;
    int rc = rec_writer_open(&c.w, fp, REC_VOCAB, NULL, 0);
    if (rc < 0) {
        fclose(fp);
        return rc;
    }
    rc = merge_runs(s, first, compact_put, &c);
    buf_free(&c.b);
    if (rc < 0) {
        rec_writer_abort(c.w);
        fclose(fp);
        return rc;
    }
    const unsigned level = s->level[first] + 1;
    for (size_t i = first; i < s->nrun; i++)
        fclose(s->run[i]);
    s->nrun = first;
    return close_run(s, c.w, fp, level);
}

int
vocab_spill_run(struct vocab_spill *s, const struct vocab *v)
{
    const uint32_t n = vocab_size(v);
    struct spill_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (keys == NULL)
        return WP_ENOMEM;
    for (uint32_t id = 0; id < n; id++) {
        keys[id].word = vocab_word(v, id, &keys[id].len);
        keys[id].count = vocab_count(v, id);
        keys[id].prefix = 0;
        for (size_t i = 0; i < 8; i++)
            keys[id].prefix = keys[id].prefix << 8 |
                              (i < keys[id].len ? (unsigned char)keys[id].word[i] : 0);
    }
    qsort(keys, n, sizeof *keys, cmp_key);
    struct rec_writer *w;
    struct buf b = {0};
    FILE *fp = open_tmp(s->dir);
    int rc = fp == NULL ? WP_EIO : rec_writer_open(&w, fp, REC_VOCAB, NULL, 0);
    for (uint32_t i = 0; i < n && rc == WP_OK; i++)
        rc = put_word(w, &b, keys[i].word, keys[i].len, keys[i].count);
    free(keys);
    buf_free(&b);
    if (rc < 0) {
        if (fp != NULL) {
            rec_writer_abort(w);
            fclose(fp);
        }
        return rc;
    }
    WP_TRY(close_run(s, w, fp, 0));
    /* FANIN runs of one level merge into one run of the next (a counter in base FANIN):
     * at most FANIN - 1 runs per level stay open and every word is rewritten only
     * log_FANIN(runs) times */
    while (s->nrun >= VOCAB_SPILL_FANIN) {
        const size_t first = s->nrun - VOCAB_SPILL_FANIN;
        size_t i = first;
        while (i < s->nrun && s->level[i] == s->level[first])
            i++;
        if (i < s->nrun)
            break;
        WP_TRY(compact(s, first));
    }
    return WP_OK;
}

/* Advances a cursor (the merge checks the order). */
static int
cursor_next(struct spill_cursor *c)
{
    const unsigned char *rec;
    size_t len;
    const int rc = rec_reader_next(c->r, &rec, &len);
    if (rc <= 0) {
        c->live = 0;
        return rc;
    }
    return rec_vocab_decode(rec, len, &c->count, &c->word, &c->len);
}

/* The k-way merge of runs [first, nrun) into fn. k <= FANIN, so a linear scan for the
 * smallest word is as fast as a heap. */
static int
merge_runs(struct vocab_spill *s, size_t first, vocab_spill_fn fn, void *ctx)
{
    const size_t k = s->nrun - first;
    struct spill_cursor *c = calloc(k ? k : 1, sizeof *c);
    struct buf last = {0};
    int rc = c == NULL ? WP_ENOMEM : WP_OK, have_last = 0;
    for (size_t i = 0; i < k && rc == WP_OK; i++) {
        if ((rc = rec_reader_open(&c[i].r, s->run[first + i])) == WP_OK) {
            c[i].live = 1;
            rc = cursor_next(&c[i]);
        }
    }
    while (rc == WP_OK) {
        size_t best = k;
        for (size_t i = 0; i < k; i++)
            if (c[i].live && (best == k || cmp_words(c[i].word, c[i].len, c[best].word,
                                                     c[best].len) < 0))
                best = i;
        if (best == k)
            break;
        /* runs are sorted and hold each word once, so the merged sequence must rise */
        if (have_last && cmp_words(last.p, last.len, c[best].word, c[best].len) >= 0) {
            rc = WP_ECORRUPT;
            break;
        }
        buf_clear(&last);
        if ((rc = buf_put(&last, c[best].word, c[best].len)) < 0)
            break;
        have_last = 1;
        uint64_t sum = 0;
        for (size_t i = 0; i < k && rc == WP_OK; i++) {
            if (!c[i].live || cmp_words(c[i].word, c[i].len, last.p, last.len) != 0)
                continue;
            if (c[i].count > UINT64_MAX - sum)
                rc = WP_ERANGE;
            sum += c[i].count;
            if (rc == WP_OK)
                rc = cursor_next(&c[i]);
        }
        if (rc == WP_OK)
            rc = fn(ctx, last.p, last.len, sum);
    }
    for (size_t i = 0; c != NULL && i < k; i++)
        rec_reader_free(c[i].r);
    free(c);
    buf_free(&last);
    return rc;
}

int
vocab_spill_merge(struct vocab_spill *s, vocab_spill_fn fn, void *ctx)
{
    while (s->nrun > VOCAB_SPILL_FANIN)
        WP_TRY(compact(s, s->nrun - VOCAB_SPILL_FANIN));
    for (size_t i = 0; i < s->nrun; i++)
        if (fseek(s->run[i], 0, SEEK_SET) != 0)
            return WP_EIO;
    return merge_runs(s, 0, fn, ctx);
}
