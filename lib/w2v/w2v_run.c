/* w2v_run.c - the training engine: the calling thread reads the input and hands out
 * chunks of whole input records to worker threads (Hogwild on the weights). With more
 * than one pass, the first pass also writes the decoded ids to a scratch spool, which is
 * mapped and replayed for later passes: a pre-mapped int32 corpus, and the only way to
 * read stdin more than once.
 *
 * A chunk holds units, each one input record: tokens input "n, id x n" (a sentence after
 * dropping unknown words), windows input "center, n, ctx x n", spans input
 * "n, id x n, radius x n" (a subsampled sentence; the workers list each position's
 * contexts with window_span).
 *
 * Decoding is the workers' (raw chunks): the reading thread copies the records' bytes into
 * a chunk, cut where the decoded units would be cut (their lengths follow from each
 * record's first varints: spans and windows), and the worker that takes the chunk decodes
 * it, appends its units to the spool in chunk order, then trains them. A first pass that
 * only fills the spool (tokens counted before training, or a resume past it) hands out
 * decode-only chunks that any worker takes. So the reading thread never does the work
 * that grows with the threads; only a tokens pass that trains as it reads on one thread or
 * deterministic ones (a one-epoch pipe, whose chunk cuts, and so bits, depend on the
 * vocabulary) decodes on the reading thread. */
#include "w2v.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/spool.h"
#include "common/status.h"
#include "stream/rec_prefetch.h"


enum {
    RUN_CHUNK_IDS = 1 << 15, /* ids per chunk: ~128 KiB, hundreds of chunks per pass */
    RUN_CHUNKS_PER_THREAD = 2,
    RUN_RAW_BYTES = 1 << 17 /* a decode-only chunk's record bytes */
};
#define RUN_ANY UINT32_MAX      /* chunk owner: any worker may take it */
#define RUN_NO_SEQ UINT64_MAX   /* chunk seq: not appended to the spool */

struct chunk {
    uint32_t owner;      /* deterministic: the worker that must train it (or RUN_ANY) */
    uint32_t *buf;       /* owned storage for the first pass */
    size_t cap;
    const uint32_t *data; /* the units: buf, or a piece of the spool mapping */
    size_t len;
    uint64_t words;       /* tokens input: in-vocabulary words */
    uint64_t windows;     /* windows and spans input: windows */
    /* a raw chunk: records for its worker to decode (nrec 0: data holds the units) */
    unsigned char *raw;   /* the records' bytes, back to back */
    size_t raw_len, raw_cap;
    size_t *roff;         /* record i is raw[roff[i] .. roff[i + 1]) */
    size_t nrec, roff_cap;
    uint64_t first;       /* record 0's index in the stream (1-based), for errors */
    size_t nskip;         /* the first nskip records are decoded for the spool only */
    size_t tlen;          /* reader: the units to train, in u32s (where chunks are cut) */
    int train;            /* 0: decode (and spool) only */
    uint64_t seq;         /* place in the spool's order, or RUN_NO_SEQ */
};

struct w2v_run {
    const struct w2v_run_cfg *cfg;
    struct w2v_worker *workers;
    struct subsampler sub;
    struct chunk *chunks;
    size_t nchunks;
    size_t *ready, nready, rhead; /* FIFO ring of chunk indices */
    size_t *free, nfree;
    size_t inflight;              /* chunks handed out and not yet done */
    int finished;                 /* no more chunks will come */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_free;
    _Atomic uint64_t records, words;
    double loss;
    uint64_t loss_n;
    float lr;
    struct w2v_pos pos;           /* at the last quiet point */
    uint64_t pass_units;          /* units (input records) handed out in the current pass */
    uint64_t queued;              /* words (tokens) or windows handed out in all */
    uint64_t total;               /* windows over all passes: the learning-rate schedule */
    /* data parallelism (cfg shard, nshards, sync) */
    uint64_t scale;               /* nshards, at least 1: local progress to global */
    uint64_t gchunks;             /* chunks cut so far by every shard, over all passes */
    uint64_t gamount;             /* their words (windows input: windows) */
    uint64_t sync_step, next_sync; /* sync when gamount reaches next_sync */
    /* deterministic threads (cfg deterministic) */
    struct w2v_model *reps;       /* one replica per worker, NULL in Hogwild mode */
    uint64_t *since;              /* windows each replica trained since the last merge */
    uint64_t merged_records;      /* the schedule at the last merge: windows done by every
                                   * shard (own_input: by this one) */
    uint64_t own_at_merge;        /* this shard's windows done at the last merge */
    uint64_t kseq;                /* chunks this shard handed out in all (pos chunks) */
    int ckpt_pending;             /* a checkpoint waits for the next merge */
    /* raw chunks (decoded by the workers) */
    uint64_t spool_seq;           /* reader: raw chunks given a place in the spool */
    uint64_t spool_next;          /* under mu: the next one to append */
    pthread_cond_t cv_spool;
    _Atomic int failed;           /* a worker failed: the others decode but train no more */
    int fail_rc;                  /* under mu: the failure reported (the earliest bad record) */
    int fail_errno;               /* its errno (a spool write's), for the caller's thread */
    enum w2v_stage fail_where;
    struct w2v_bad_record fail_bad;
};

struct worker_arg {
    struct w2v_run *run;
    uint32_t id;
};

/* ---- worker side ---- */

/* Under run->mu: the next ready chunk worker id may take, removed from the FIFO, or
 * SIZE_MAX. Hogwild: the oldest; deterministic: the oldest of its own (or anyone's). */
static size_t
take_ready(struct w2v_run *run, uint32_t id)
{
    for (size_t i = 0; i < run->nready; i++) {
        const size_t at = (run->rhead + i) % run->nchunks, ci = run->ready[at];
        if (run->reps != NULL && run->chunks[ci].owner != id && run->chunks[ci].owner != RUN_ANY)
            continue;
        for (size_t j = i; j > 0; j--) /* close the gap: the older entries move up one */
            run->ready[(run->rhead + j) % run->nchunks] =
                run->ready[(run->rhead + j - 1) % run->nchunks];
        run->rhead = (run->rhead + 1) % run->nchunks;
        run->nready--;
        return ci;
    }
    return SIZE_MAX;
}

/* Records a worker's failure; the earliest bad record in the stream is the one reported
 * (raw chunks are decoded out of order), else the first failure. */
static void
run_fail(struct w2v_run *run, int rc, enum w2v_stage where, uint64_t record, const char *msg)
{
    const int e = errno;
    pthread_mutex_lock(&run->mu);
    const int earlier = where == W2V_AT_RECORD
                        && (run->fail_where != W2V_AT_RECORD || record < run->fail_bad.record);
    if (run->fail_rc == 0 || earlier) {
        run->fail_rc = rc;
        run->fail_errno = e;
        run->fail_where = where;
        run->fail_bad.record = record;
        snprintf(run->fail_bad.msg, sizeof run->fail_bad.msg, "%s", msg);
    }
    atomic_store(&run->failed, 1);
    pthread_cond_broadcast(&run->cv_spool);
    pthread_mutex_unlock(&run->mu);
}

/* A raw chunk: decodes its records into units (the first nskip for the spool only),
 * appends them all to the spool in chunk order, and points data at the units to train.
 * Returns WP_OK, or a failure it has recorded (run_fail). */
static int
decode_chunk(struct w2v_run *run, struct chunk *ch)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    size_t at = 0;
    uint64_t words = 0;
    ch->len = 0;
    for (size_t i = 0; i < ch->nrec; i++) {
        struct w2v_bad_record bad = {0};
        uint64_t amount;
        if (i == ch->nskip)
            at = ch->len;
        const unsigned char *rec = ch->raw + ch->roff[i];
        const int rc = w2v_decode_unit(cfg, &bad, rec, ch->roff[i + 1] - ch->roff[i], &ch->buf,
                                       &ch->cap, &ch->len, &amount);
        if (rc < 0) {
            run_fail(run, rc, W2V_AT_RECORD, ch->first + i, bad.msg);
            return rc;
        }
        if (i >= ch->nskip)
            words += amount;
    }
    if (cfg->input == W2V_IN_TOKENS && ch->train)
        ch->words = words; /* the reader counted tokens, the vocabulary's words are these */
    if (ch->nskip >= ch->nrec)
        at = ch->len;
    if (ch->seq != RUN_NO_SEQ) {
        /* its turn: every earlier chunk is in the spool (a failure anywhere ends waiting) */
        pthread_mutex_lock(&run->mu);
        while (run->spool_next != ch->seq && !atomic_load(&run->failed))
            pthread_cond_wait(&run->cv_spool, &run->mu);
        const int go = !atomic_load(&run->failed);
        pthread_mutex_unlock(&run->mu);
        if (!go)
            return WP_OK; /* the run fails anyway */
        if (spool_put_u32(cfg->spool, ch->buf, ch->len) < 0) {
            run_fail(run, WP_EIO, W2V_AT_SPOOL, 0, "");
            return WP_EIO;
        }
        pthread_mutex_lock(&run->mu);
        run->spool_next = ch->seq + 1;
        pthread_cond_broadcast(&run->cv_spool);
        pthread_mutex_unlock(&run->mu);
    }
    ch->data = ch->buf + at;
    ch->len -= at;
    return WP_OK;
}

/* Spans input: each position's window is listed here, in the worker, from its radius
 * (radii are at most n: w2v_decode_unit clamps them). The same windows in the same order as
 * the windows stream pairs writes from the same draws. */
static int64_t
train_spans(struct w2v_model *m, struct w2v_worker *w, const struct chunk *ch, uint64_t base,
            uint64_t mult, uint64_t total)
{
    const float alpha = m->p.alpha;
    const uint32_t *p = ch->data, *end = ch->data + ch->len;
    uint64_t done = 0;
    while (p < end) {
        const uint32_t n = p[0], *ids = p + 1, *radii = p + 1 + n;
        if (wp_grow(&w->ctx, &w->ctx_cap, 2 * (size_t)n, sizeof *w->ctx, 256) < 0)
            return WP_ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
            if (i + 1 < n) {
                w2v_prefetch_center(m, ids[i + 1]);
                if ((size_t)i + 1 + radii[i + 1] < n) /* the next window's farthest context */
                    w2v_prefetch_context(m, ids[i + 1 + radii[i + 1]]);
            }
            const size_t nc = window_span(ids, n, i, radii[i], w->ctx);
            w2v_train_window(m, w, ids[i], w->ctx, nc, w2v_lr(alpha, base + done * mult, total));
            done++;
        }
        p += 1 + 2 * (size_t)n;
    }
    w2v_train_flush(m, w);
    return (int64_t)done;
}

/* Trains chunk ch on model m; window i of the chunk is at schedule point base + i x mult
 * (windows of the whole run). Returns windows trained, or WP_ENOMEM. */
static int64_t
train_chunk(struct w2v_run *run, struct w2v_model *m, struct w2v_worker *w,
            const struct chunk *ch, uint64_t base, uint64_t mult)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    const uint64_t total = run->total;
    const float alpha = m->p.alpha;
    const uint32_t *p = ch->data, *end = ch->data + ch->len;
    uint64_t done = 0;
    if (cfg->input == W2V_IN_SPANS)
        return train_spans(m, w, ch, base, mult, total);
    if (cfg->input == W2V_IN_WINDOWS) {
        while (p < end) {
            const uint32_t center = p[0], n = p[1];
            if (p + 2 + n < end)
                w2v_prefetch_center(m, p[2 + n]);
            w2v_train_window(m, w, center, p + 2, n,
                             w2v_lr(alpha, base + done * mult, total));
            done++;
            p += 2 + n;
        }
        w2v_train_flush(m, w);
        return (int64_t)done;
    }
    if (wp_grow(&w->ctx, &w->ctx_cap, 2 * (size_t)cfg->wcfg.window + 1, sizeof *w->ctx, 256) < 0)
        return WP_ENOMEM;
    while (p < end) {
        const uint32_t n = p[0];
        if (wp_grow(&w->ids, &w->ids_cap, n, sizeof *w->ids, 256) < 0)
            return WP_ENOMEM;
        if (n > 0) /* a sentence with no word of the vocabulary: w->ids may be NULL */
            memcpy(w->ids, p + 1, (size_t)n * sizeof *w->ids);
        p += 1 + n;
        const size_t kept = subsample_sentence(&run->sub, w->ids, n, &w->wrng);
        for (size_t i = 0; i < kept; i++) {
            if (i + 1 < kept)
                w2v_prefetch_center(m, w->ids[i + 1]);
            if (i + 1 + cfg->wcfg.window < kept) /* as far as the next window may reach */
                w2v_prefetch_context(m, w->ids[i + 1 + cfg->wcfg.window]);
            const size_t nc = window_contexts(&cfg->wcfg, w->ids, kept, i, &w->wrng, w->ctx);
            w2v_train_window(m, w, w->ids[i], w->ctx, nc,
                             w2v_lr(alpha, base + done * mult, total));
            done++;
        }
    }
    w2v_train_flush(m, w); /* batched CBOW: nothing stays queued past the chunk */
    return (int64_t)done;
}

static void *
worker_main(void *argp)
{
    const struct worker_arg *a = argp;
    struct w2v_run *run = a->run;
    struct w2v_worker *w = &run->workers[a->id];
    struct w2v_model *m = run->reps != NULL ? &run->reps[a->id] : run->cfg->m;
    /* a window of this worker stands for this many of the whole run: the other threads'
     * (deterministic) and the other shards' share the schedule */
    const uint64_t mult = (run->reps != NULL ? run->cfg->threads : 1) * run->scale;
    intptr_t rc = WP_OK;
    pthread_mutex_lock(&run->mu);
    for (;;) {
        size_t ci;
        while ((ci = take_ready(run, a->id)) == SIZE_MAX && !run->finished)
            pthread_cond_wait(&run->cv_work, &run->mu);
        if (ci == SIZE_MAX)
            break;
        /* the schedule point this chunk starts from: at the last merge, plus what this
         * replica (deterministic) or this shard (Hogwild) did since, scaled up */
        const uint64_t own = run->reps != NULL
                                 ? run->since[a->id]
                                 : atomic_load_explicit(&run->records, memory_order_relaxed)
                                       - run->own_at_merge;
        const uint64_t base = run->merged_records + own * mult;
        pthread_mutex_unlock(&run->mu);

        const double loss0 = w->loss;
        const uint64_t n0 = w->loss_n;
        struct chunk *ch = &run->chunks[ci];
        /* after a failure, keep taking chunks (decoded, untrained) so the reader never
         * stalls and the earliest bad record is found */
        int ok = rc >= 0 && (ch->nrec == 0 || decode_chunk(run, ch) == WP_OK);
        ok = ok && ch->train && !atomic_load_explicit(&run->failed, memory_order_relaxed);
        const int64_t done = ok ? train_chunk(run, m, w, ch, base, mult) : 0;
        if (done < 0) {
            rc = done;
            run_fail(run, (int)done, W2V_AT_MEMORY, 0, "");
        } else
            atomic_fetch_add_explicit(&run->records, (uint64_t)done, memory_order_relaxed);
        atomic_fetch_add_explicit(&run->words, run->chunks[ci].words, memory_order_relaxed);

        pthread_mutex_lock(&run->mu);
        if (run->reps != NULL && done > 0)
            run->since[a->id] += (uint64_t)done;
        run->loss += w->loss - loss0;
        run->loss_n += w->loss_n - n0;
        run->lr = w2v_lr(run->cfg->m->p.alpha,
                         base + (done > 0 ? (uint64_t)done : 0) * mult, run->total);
        run->free[run->nfree++] = ci;
        run->inflight--;
        pthread_cond_broadcast(&run->cv_free);
    }
    pthread_mutex_unlock(&run->mu);
    return (void *)rc;
}

/* ---- producer side ---- */

/* A free chunk, emptied. */
static struct chunk *
take_free_chunk(struct w2v_run *run, size_t *ci)
{
    pthread_mutex_lock(&run->mu);
    while (run->nfree == 0)
        pthread_cond_wait(&run->cv_free, &run->mu);
    *ci = run->free[--run->nfree];
    pthread_mutex_unlock(&run->mu);
    struct chunk *ch = &run->chunks[*ci];
    ch->len = ch->tlen = ch->raw_len = ch->nrec = ch->nskip = 0;
    ch->words = ch->windows = 0;
    ch->train = 1;
    ch->seq = RUN_NO_SEQ;
    return ch;
}

static void
give_back(struct w2v_run *run, size_t ci)
{
    pthread_mutex_lock(&run->mu);
    run->free[run->nfree++] = ci;
    pthread_mutex_unlock(&run->mu);
}

/* Hands chunk ci to the workers: owner's, or RUN_ANY. A raw chunk takes the next place in
 * the spool (when there is one). */
static void
queue_chunk(struct w2v_run *run, size_t ci, uint32_t owner)
{
    struct chunk *ch = &run->chunks[ci];
    ch->owner = owner;
    ch->seq = ch->nrec > 0 && run->cfg->spool != NULL ? run->spool_seq++ : RUN_NO_SEQ;
    pthread_mutex_lock(&run->mu);
    run->ready[(run->rhead + run->nready) % run->nchunks] = ci;
    run->nready++;
    run->inflight++;
    /* deterministic: only the owner may take it, so wake them all */
    if (run->reps != NULL)
        pthread_cond_broadcast(&run->cv_work);
    else
        pthread_cond_signal(&run->cv_work);
    pthread_mutex_unlock(&run->mu);
}

/* Appends a record's bytes to a raw chunk. */
static int
chunk_put(struct chunk *ch, const unsigned char *rec, size_t len)
{
    WP_TRY(wp_grow(&ch->roff, &ch->roff_cap, ch->nrec + 2, sizeof *ch->roff, 256));
    WP_TRY(wp_grow(&ch->raw, &ch->raw_cap, ch->raw_len + len, 1, 1 << 16));
    if (len > 0)
        memcpy(ch->raw + ch->raw_len, rec, len);
    ch->roff[ch->nrec] = ch->raw_len;
    ch->raw_len += len;
    ch->roff[++ch->nrec] = ch->raw_len;
    return WP_OK;
}

static void
stats_now(struct w2v_run *run, struct w2v_stats *s)
{
    pthread_mutex_lock(&run->mu);
    s->loss = run->loss;
    s->loss_n = run->loss_n;
    s->lr = run->lr;
    pthread_mutex_unlock(&run->mu);
    s->pos.pass = run->pos.pass;
    s->pos.units = run->pass_units;
    s->pos.records = atomic_load(&run->records);
    s->pos.words = atomic_load(&run->words);
    s->queued = run->queued;
    s->total_records = run->total;
}

/* Waits until every chunk handed out is done. */
static void
drain(struct w2v_run *run)
{
    pthread_mutex_lock(&run->mu);
    while (run->inflight > 0)
        pthread_cond_wait(&run->cv_free, &run->mu);
    pthread_mutex_unlock(&run->mu);
}

/* At a quiet point, lets the caller save. */
static int
quiet_checkpoint(struct w2v_run *run)
{
    drain(run);
    run->pos.units = run->pass_units;
    run->pos.records = atomic_load(&run->records);
    run->pos.words = atomic_load(&run->words);
    run->pos.chunks = run->kseq;
    return run->cfg->checkpoint(run->cfg->arg, run);
}

/* Once every worker is idle: merges the thread replicas into m (deterministic), then
 * the ranks' (cfg sync), then takes a checkpoint that waited for this point. */
static int
merge_now(struct w2v_run *run, int done)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    drain(run);
    const uint64_t own = atomic_load(&run->records);
    uint64_t all_done = own; /* every shard's windows, once the shards are merged */
    if (run->reps != NULL) {
        size_t changed;
        WP_TRY(w2v_replicas_merge(cfg->m, run->reps, cfg->threads, &changed));
        memset(run->since, 0, cfg->threads * sizeof *run->since);
    }
    if (cfg->sync != NULL) {
        int all;
        /* done: merge again, with nothing new here, while other shards still train */
        while ((all = cfg->sync(cfg->arg, cfg->m, done, &all_done)) == 0 && done)
            all_done = own;
        if (all < 0)
            return all;
        if (run->reps != NULL)
            w2v_replicas_reset(cfg->m, run->reps, cfg->threads);
    }
    run->merged_records = cfg->own_input ? own : all_done;
    run->own_at_merge = own;
    if (run->ckpt_pending) {
        run->ckpt_pending = 0;
        return quiet_checkpoint(run);
    }
    return WP_OK;
}

/* At the shared schedule's points (every shard and thread count sees the same), merges
 * the replicas. */
static int
maybe_sync(struct w2v_run *run)
{
    if ((run->cfg->sync == NULL && run->reps == NULL) || run->gamount < run->next_sync)
        return WP_OK;
    while (run->next_sync <= run->gamount)
        run->next_sync += run->sync_step;
    return merge_now(run, 0);
}

static int
dispatch(struct w2v_run *run, size_t ci, uint64_t units)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    const uint64_t k = run->gchunks++;
    /* the schedule's unit: words for tokens input, windows for windows and spans */
    const uint64_t amount = cfg->input == W2V_IN_TOKENS ? run->chunks[ci].words
                                                        : run->chunks[ci].windows;
    run->gamount += amount;
    if (cfg->nshards > 1 && !cfg->own_input && k % cfg->nshards != cfg->shard) {
        /* another shard's chunk: cut here too, so that every shard counts the same; a raw
         * one is still decoded into the spool */
        if (run->chunks[ci].nrec > 0 && cfg->spool != NULL) {
            run->chunks[ci].train = 0;
            queue_chunk(run, ci, RUN_ANY);
        } else {
            give_back(run, ci);
        }
        run->pass_units += units;
        return maybe_sync(run);
    }
    run->queued += amount;
    queue_chunk(run, ci, (uint32_t)(run->kseq++ % cfg->threads));
    run->pass_units += units;
    if (run->cfg->progress != NULL) {
        struct w2v_stats s;
        stats_now(run, &s);
        const int want = run->cfg->progress(run->cfg->arg, &s);
        if (want < 0)
            return want;
        if (want > 0 && run->cfg->checkpoint != NULL) {
            if (run->reps != NULL)
                run->ckpt_pending = 1; /* replicas differ until the next merge */
            else
                WP_TRY(quiet_checkpoint(run));
        }
    }
    return maybe_sync(run);
}

/* The next input record (rec_reader_next), through the read-ahead thread if there is one. */
static int
next_record(const struct w2v_run_cfg *cfg, struct rec_prefetch *pf, const unsigned char **rec,
            size_t *len)
{
    return pf != NULL ? rec_prefetch_next(pf, rec, len) : rec_reader_next(cfg->rd, rec, len);
}

/* Reads the records of the first pass into chunks (see read_pass). */
static int
read_records(struct w2v_run *run, struct rec_prefetch *pf, int train, uint64_t skip,
             enum w2v_stage *where)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    size_t ci;
    struct chunk *ch = take_free_chunk(run, &ci);
    uint64_t units = 0, seen = 0, index = 0;
    for (;;) {
        const unsigned char *rec;
        size_t len;
        int rc = next_record(cfg, pf, &rec, &len);
        if (rc < 0) {
            *where = W2V_AT_INPUT;
            return rc;
        }
        if (rc == 0)
            break;
        const size_t at = ch->len;
        uint64_t amount = 0;
        index++;
        rc = w2v_decode_unit(cfg, cfg->bad, rec, len, &ch->buf, &ch->cap, &ch->len, &amount);
        if (rc < 0) {
            if (cfg->bad != NULL)
                cfg->bad->record = index;
            *where = W2V_AT_RECORD;
            return rc;
        }
        if (cfg->spool != NULL && spool_put_u32(cfg->spool, ch->buf + at, ch->len - at) < 0) {
            *where = W2V_AT_SPOOL;
            return WP_EIO;
        }
        if (!train || seen++ < skip) {
            ch->len = at; /* decoded only for the spool, or skipped by a resume */
            if (train)
                run->pass_units++;
            continue;
        }
        if (cfg->input == W2V_IN_TOKENS)
            ch->words += amount;
        else
            ch->windows += amount;
        units++;
        if (ch->len >= RUN_CHUNK_IDS) {
            ch->data = ch->buf;
            WP_TRY(dispatch(run, ci, units));
            units = 0;
            ch = take_free_chunk(run, &ci);
        }
    }
    if (ch->len > 0 || units > 0) {
        ch->data = ch->buf;
        return dispatch(run, ci, units);
    }
    give_back(run, ci);
    return WP_OK;
}

/* The first pass in raw chunks (see the top of this file): records copied into chunks the
 * workers decode. Chunks to train are cut where read_records would cut them (tokens: by
 * their tokens, not by the words of the vocabulary among them); records only
 * spooled (train 0, or before the resume point skip) go in decode-only chunks of about
 * RUN_RAW_BYTES, or lead the first chunk to train. Returns once every record is in the
 * spool (if any); on a failure, once every chunk handed out is done, with the earliest
 * bad record when a worker refused one. */
static int
read_raw(struct w2v_run *run, struct rec_prefetch *pf, int train, uint64_t skip,
         enum w2v_stage *where)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    size_t ci;
    struct chunk *ch = take_free_chunk(run, &ci);
    uint64_t units = 0, seen = 0, index = 0;
    enum w2v_stage at = W2V_AT_INPUT;
    int rc;
    for (;;) {
        const unsigned char *rec;
        size_t len;
        rc = next_record(cfg, pf, &rec, &len);
        if (rc <= 0 || atomic_load_explicit(&run->failed, memory_order_relaxed))
            break;
        if (ch->nrec == 0)
            ch->first = index + 1;
        index++;
        if ((rc = chunk_put(ch, rec, len)) < 0) {
            at = W2V_AT_MEMORY;
            break;
        }
        if (!train || seen++ < skip) {
            ch->nskip++;
            if (train)
                run->pass_units++;
            if (units == 0 && ch->raw_len >= RUN_RAW_BYTES) {
                ch->train = 0;
                queue_chunk(run, ci, RUN_ANY);
                ch = take_free_chunk(run, &ci);
            }
            continue;
        }
        size_t ulen;
        uint64_t amount;
        w2v_unit_size(cfg, rec, len, &ulen, &amount);
        ch->tlen += ulen;
        if (cfg->input == W2V_IN_TOKENS)
            ch->words += amount; /* tokens: words once decoded (decode_chunk) */
        else
            ch->windows += amount;
        units++;
        if (ch->tlen >= RUN_CHUNK_IDS) {
            WP_TRY(dispatch(run, ci, units));
            units = 0;
            ch = take_free_chunk(run, &ci);
        }
    }
    if (atomic_load(&run->failed)) {
        give_back(run, ci);
    } else if (rc == 0 && units > 0) {
        WP_TRY(dispatch(run, ci, units));
    } else if (ch->nrec > 0) { /* spooled only; after an input error, still checked */
        ch->train = 0;
        queue_chunk(run, ci, RUN_ANY);
    } else {
        give_back(run, ci);
    }
    pthread_mutex_lock(&run->mu);
    while (run->spool_next < run->spool_seq && !atomic_load(&run->failed))
        pthread_cond_wait(&run->cv_spool, &run->mu);
    pthread_mutex_unlock(&run->mu);
    /* after a failure an earlier record may be bad, its worker says so; a pass that only
     * filled the spool leaves no worker touching the run before the count */
    if (rc < 0 || !train || atomic_load(&run->failed))
        drain(run);
    if (atomic_load(&run->failed)) {
        pthread_mutex_lock(&run->mu);
        *where = run->fail_where;
        rc = run->fail_rc;
        if (cfg->bad != NULL && *where == W2V_AT_RECORD)
            *cfg->bad = run->fail_bad;
        errno = run->fail_errno;
        pthread_mutex_unlock(&run->mu);
        return rc;
    }
    if (rc < 0)
        *where = at;
    return rc;
}

/* The first pass: read the stream, spool it if needed, train unless this pass is before
 * the resume point (then it only rebuilds the spool). */
static int
read_pass(struct w2v_run *run, int train, uint64_t skip, enum w2v_stage *where)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    struct rec_prefetch *pf = NULL;
    if (cfg->prefetch && rec_prefetch_start(&pf, cfg->rd) < 0) {
        *where = W2V_AT_MEMORY;
        return WP_ENOMEM;
    }
    /* tokens trained as they are read are decoded here and cut by the words of the
     * vocabulary when the bits depend on the cuts (one thread, deterministic threads, MPI
     * ranks taking turns at chunks); Hogwild threads decode their own */
    const int hogwild = w2v_hogwild(cfg->threads, cfg->deterministic, cfg->sync != NULL);
    const int raw = cfg->input != W2V_IN_TOKENS || !train || hogwild;
    const int rc = raw ? read_raw(run, pf, train, skip, where)
                       : read_records(run, pf, train, skip, where);
    rec_prefetch_stop(pf);
    return rc;
}

/* The length in u32s of the unit at u (see the top of this file). */
static size_t
unit_len(int input, const uint32_t *u)
{
    if (input == W2V_IN_WINDOWS)
        return 2 + (size_t)u[1];
    return 1 + (input == W2V_IN_SPANS ? 2 : 1) * (size_t)u[0];
}

/* A later pass: hand out pieces of the mapped spool. */
static int
spool_pass(struct w2v_run *run, const uint32_t *map, size_t n, uint64_t skip)
{
    const int input = run->cfg->input;
    size_t i = 0;
    for (uint64_t s = 0; s < skip && i < n; s++) {
        i += unit_len(input, map + i);
        run->pass_units++;
    }
    while (i < n) {
        size_t ci;
        struct chunk *ch = take_free_chunk(run, &ci);
        const size_t start = i;
        uint64_t units = 0, words = 0, windows = 0;
        while (i < n && i - start < RUN_CHUNK_IDS) {
            if (input == W2V_IN_TOKENS)
                words += map[i];
            else
                windows += input == W2V_IN_SPANS ? map[i] : 1;
            i += unit_len(input, map + i);
            units++;
        }
        ch->data = map + start;
        ch->len = i - start;
        ch->words = words;
        ch->windows = windows;
        WP_TRY(dispatch(run, ci, units));
    }
    return WP_OK;
}

/* The exact number of windows all passes will train, by replaying the draws of one
 * generator from the seed over the spool (the same count pairs(1) writes as
 * expected_records): subsample_sentence's draws, then window_radius's per kept word
 * (one draw each unless the window is fixed or 0: window.h), without building the
 * windows. It runs before any training, on one thread, so it is written without
 * branches on the draws (a mispredicted branch per word cost more than the draws): a word
 * whose keep probability is below 1 draws u and stays when rng_unit's (u >> 40) / 2^24 is
 * below keep, that is when u >> 40 is below ceil(keep x 2^24); its generator step is
 * taken or not by a select; then the kept words' radius draws. The same count as
 * subsample_count and window_radius give, in their order. */
static int
count_windows(struct w2v_run *run, const uint32_t *map, size_t n, uint64_t *total)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    const struct subsampler *sub = &run->sub;
    const uint64_t radius = cfg->wcfg.window > 0 && !cfg->wcfg.fixed;
    uint32_t *thr = malloc((sub->n ? sub->n : 1) * sizeof *thr);
    if (thr == NULL)
        return WP_ENOMEM;
    for (uint32_t i = 0; i < sub->n; i++) /* UINT32_MAX: keep >= 1, no draw */
        thr[i] = sub->keep[i] < 1.0f ? (uint32_t)ceil((double)sub->keep[i] * 16777216.0)
                                     : UINT32_MAX;
    struct rng r;
    rng_seed(&r, cfg->m->p.seed, 0);
    uint64_t s0 = r.s[0], s1 = r.s[1], s2 = r.s[2], s3 = r.s[3], windows = 0;
    for (uint32_t pass = 0; pass < cfg->passes; pass++)
        for (size_t i = 0; i < n; i += 1 + (size_t)map[i]) {
            const uint32_t *ids = map + i + 1;
            uint64_t kept = 0;
            for (uint32_t j = 0; j < map[i]; j++) { /* the sentence's subsampling draws */
                const uint32_t t = ids[j] < sub->n ? thr[ids[j]] : UINT32_MAX;
                const uint64_t u = rng_rotl(s1 * 5, 7) * 9; /* rng_u64's output */
                uint64_t a0 = s0, a1 = s1, a2 = s2, a3 = s3; /* and its next state */
                const uint64_t x = a1 << 17;
                a2 ^= a0, a3 ^= a1, a1 ^= a2, a0 ^= a3, a2 ^= x, a3 = rng_rotl(a3, 45);
                const int draw = t != UINT32_MAX;
                kept += !draw | ((u >> 40) < t);
                s0 = draw ? a0 : s0;
                s1 = draw ? a1 : s1;
                s2 = draw ? a2 : s2;
                s3 = draw ? a3 : s3;
            }
            for (uint64_t j = 0; j < kept * radius; j++) { /* then a radius per kept word */
                const uint64_t x = s1 << 17;
                s2 ^= s0, s3 ^= s1, s1 ^= s2, s0 ^= s3, s2 ^= x, s3 = rng_rotl(s3, 45);
            }
            windows += kept;
        }
    free(thr);
    *total = windows;
    return WP_OK;
}

/* Reads the input once, then (with a spool) replays it for the other passes. The input is
 * read whole before training when the windows must be counted first (total_records 0)
 * or when resuming past the first pass. */
static int
produce(struct w2v_run *run, enum w2v_stage *where)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    const uint32_t start = run->pos.pass;
    const int first = start > 0 || cfg->total_records == 0;
    run->pass_units = 0;
    WP_TRY(read_pass(run, !first, first ? 0 : run->pos.units, where));
    if (!first && cfg->passes <= 1)
        return WP_OK;
    if (cfg->spool == NULL) {
        *where = W2V_AT_SPOOL;
        return WP_ERANGE;
    }
    const uint32_t *map;
    size_t n;
    int rc = spool_map(cfg->spool, &map, &n);
    if (rc < 0) {
        *where = W2V_AT_SPOOL;
        return rc;
    }
    if (cfg->total_records == 0) {
        *where = W2V_AT_MEMORY;
        if (cfg->input == W2V_IN_TOKENS)
            rc = count_windows(run, map, n, &run->total);
        else
            rc = WP_ERANGE; /* a windows stream says how many it holds */
        pthread_mutex_lock(&run->mu);
        run->lr = w2v_lr(cfg->m->p.alpha, run->pos.records, run->total);
        pthread_mutex_unlock(&run->mu);
    }
    for (uint32_t pass = first ? start : 1; pass < cfg->passes && rc == WP_OK; pass++) {
        run->pos.pass = pass;
        run->pass_units = 0;
        rc = spool_pass(run, map, n, pass == start ? run->pos.units : 0);
    }
    drain(run); /* workers may still read the mapping */
    spool_unmap(map, n);
    return rc;
}

static int
run_init(struct w2v_run *run, const struct w2v_run_cfg *cfg, struct w2v_worker *workers,
         const struct w2v_pos *pos)
{
    memset(run, 0, sizeof *run);
    run->cfg = cfg;
    run->workers = workers;
    run->pos = *pos;
    atomic_init(&run->records, pos->records);
    atomic_init(&run->words, pos->words);
    run->queued = cfg->input != W2V_IN_TOKENS ? pos->records : pos->words;
    run->total = cfg->total_records;
    run->scale = cfg->nshards > 1 && !cfg->own_input ? cfg->nshards : 1;
    run->sync_step = cfg->sync_every * run->scale
                     * (cfg->deterministic && cfg->threads > 1 ? cfg->threads : 1);
    run->next_sync = cfg->sync_every > 0 ? run->sync_step : UINT64_MAX;
    if (run->scale == 1 && cfg->sync_every > 0) {
        /* a resume starts at a merge point: the schedule goes on from there */
        run->gamount = cfg->input != W2V_IN_TOKENS ? pos->records : pos->words;
        run->next_sync = (run->gamount / run->sync_step + 1) * run->sync_step;
    }
    if (cfg->deterministic && cfg->threads > 1) {
        /* one thread is deterministic as it is: no replicas, the plain run's bits */
        run->reps = calloc(cfg->threads, sizeof *run->reps);
        run->since = calloc(cfg->threads, sizeof *run->since);
        if (run->reps == NULL || run->since == NULL)
            return WP_ENOMEM;
        for (uint32_t t = 0; t < cfg->threads; t++)
            if (w2v_replica_init(&run->reps[t], cfg->m) < 0)
                return WP_ENOMEM;
        run->kseq = pos->chunks;
    }
    /* a resume starts at a merge point (single shard: its windows are all there are) */
    run->merged_records = run->own_at_merge = pos->records;
    run->lr = w2v_lr(cfg->m->p.alpha, pos->records, run->total);
    if (cfg->input == W2V_IN_TOKENS)
        WP_TRY(subsample_init_total(&run->sub, cfg->vocab, cfg->wcfg.sample,
                                      cfg->wcfg.sample_total));
    run->nchunks = (size_t)cfg->threads * RUN_CHUNKS_PER_THREAD + 1;
    run->chunks = calloc(run->nchunks, sizeof *run->chunks);
    run->ready = calloc(run->nchunks, sizeof *run->ready);
    run->free = calloc(run->nchunks, sizeof *run->free);
    if (run->chunks == NULL || run->ready == NULL || run->free == NULL)
        return WP_ENOMEM;
    for (size_t i = 0; i < run->nchunks; i++)
        run->free[run->nfree++] = i;
    pthread_mutex_init(&run->mu, NULL);
    pthread_cond_init(&run->cv_work, NULL);
    pthread_cond_init(&run->cv_free, NULL);
    pthread_cond_init(&run->cv_spool, NULL);
    return WP_OK;
}

static void
run_free(struct w2v_run *run)
{
    if (run->chunks != NULL)
        for (size_t i = 0; i < run->nchunks; i++) {
            free(run->chunks[i].buf);
            free(run->chunks[i].raw);
            free(run->chunks[i].roff);
        }
    free(run->chunks);
    free(run->ready);
    free(run->free);
    for (uint32_t t = 0; run->reps != NULL && t < run->cfg->threads; t++)
        w2v_replica_free(&run->reps[t]);
    free(run->reps);
    free(run->since);
    if (run->cfg->input == W2V_IN_TOKENS)
        subsample_free(&run->sub);
}

const char *
w2v_stage_name(enum w2v_stage s)
{
    static const char *const names[] = {"memory", "input", "record", "spool", "sync"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int
w2v_run(const struct w2v_run_cfg *cfg, struct w2v_worker *workers, struct w2v_pos *pos,
        enum w2v_stage *where)
{
    struct w2v_run run;
    *where = W2V_AT_MEMORY;
    if (cfg->m->sep_ctx && cfg->input != W2V_IN_WINDOWS)
        return WP_ERANGE; /* windowing tokens or spans gives word ids, not context ids */
    w2v_model_relayout(cfg->m, w2v_row_pitch(cfg->m->p.dim)); /* rows on whole lines */
    int rc = run_init(&run, cfg, workers, pos);
    if (rc < 0) {
        run_free(&run);
        w2v_model_relayout(cfg->m, cfg->m->p.dim);
        return rc;
    }
    struct worker_arg *args = calloc(cfg->threads, sizeof *args);
    pthread_t *tids = calloc(cfg->threads, sizeof *tids);
    uint32_t started = 0;
    if (args == NULL || tids == NULL)
        rc = WP_ENOMEM;
    for (; rc == WP_OK && started < cfg->threads; started++) {
        args[started].run = &run;
        args[started].id = started;
        if (pthread_create(&tids[started], NULL, worker_main, &args[started]) != 0)
            rc = WP_ENOMEM;
    }
    if (rc == WP_OK)
        rc = produce(&run, where);
    if (rc == WP_OK && (cfg->sync != NULL || run.reps != NULL)) {
        *where = W2V_AT_SYNC;
        run.ckpt_pending = 0; /* no checkpoint at the very end */
        rc = merge_now(&run, 1); /* the last merges, which every shard makes */
    }
    pthread_mutex_lock(&run.mu);
    run.finished = 1;
    if (rc < 0)
        run.nready = 0; /* abandon queued work */
    pthread_cond_broadcast(&run.cv_work);
    pthread_mutex_unlock(&run.mu);
    for (uint32_t t = 0; t < started; t++) {
        void *ret;
        pthread_join(tids[t], &ret);
        if (rc == WP_OK && (intptr_t)ret < 0) {
            rc = (int)(intptr_t)ret;
            *where = W2V_AT_MEMORY;
        }
    }
    if (rc == WP_OK && atomic_load(&run.failed)) { /* a raw chunk read last was refused */
        rc = run.fail_rc;
        *where = run.fail_where;
        if (cfg->bad != NULL && *where == W2V_AT_RECORD)
            *cfg->bad = run.fail_bad;
        errno = run.fail_errno;
    }
    pos->records = atomic_load(&run.records);
    pos->words = atomic_load(&run.words);
    pos->chunks = run.kseq;
    if (rc == WP_OK && cfg->final != NULL) {
        struct w2v_stats s;
        stats_now(&run, &s);
        s.pos = *pos;
        s.lr = w2v_lr(cfg->m->p.alpha, run.merged_records + (pos->records - run.own_at_merge)
                                            * run.scale, run.total);
        cfg->final(cfg->arg, &s);
    }
    free(args);
    free(tids);
    run_free(&run);
    w2v_model_relayout(cfg->m, cfg->m->p.dim); /* (rows, D) again for the caller */
    return rc;
}

const struct w2v_pos *
w2v_run_pos(const struct w2v_run *run)
{
    return &run->pos;
}

struct w2v_worker *
w2v_run_workers(const struct w2v_run *run)
{
    return run->workers;
}

