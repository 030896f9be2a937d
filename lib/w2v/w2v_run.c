/* w2v_run.c - the training engine: the calling thread reads the input and hands out
 * chunks of whole input records to worker threads (Hogwild on the weights). With more
 * than one pass, the first pass also writes the decoded ids to a scratch spool, which is
 * mapped and replayed for later passes: a pre-mapped int32 corpus, and the only way to
 * read stdin more than once.
 *
 * A chunk holds units, each one input record: tokens input "n, id x n" (a sentence after
 * dropping unknown words), windows input "center, n, ctx x n", spans input
 * "n, id x n, radius x n" (a subsampled sentence; the workers list each position's
 * contexts with window_span, so the reading thread decodes a quarter of the varints). */
#include "w2v.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/grow.h"
#include "common/status.h"
#include "stream/rec_payload.h"
#include "stream/rec_prefetch.h"

enum {
    RUN_CHUNK_IDS = 1 << 15, /* ids per chunk: ~128 KiB, hundreds of chunks per pass */
    RUN_CHUNKS_PER_THREAD = 2
};

struct chunk {
    uint32_t owner;      /* deterministic: the worker that must train it */
    uint32_t *buf;       /* owned storage for the first pass */
    size_t cap;
    const uint32_t *data; /* the units: buf, or a piece of the spool mapping */
    size_t len;
    uint64_t words;       /* tokens input: in-vocabulary words */
    uint64_t windows;     /* windows and spans input: windows */
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
};

struct worker_arg {
    struct w2v_run *run;
    uint32_t id;
};

/* ---- worker side ---- */

/* Under run->mu: the next ready chunk worker id may take, removed from the FIFO, or
 * SIZE_MAX. Hogwild: the oldest; deterministic: the oldest of its own. */
static size_t
take_ready(struct w2v_run *run, uint32_t id)
{
    for (size_t i = 0; i < run->nready; i++) {
        const size_t at = (run->rhead + i) % run->nchunks, ci = run->ready[at];
        if (run->reps != NULL && run->chunks[ci].owner != id)
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

/* Spans input: each position's window is listed here, in the worker, from its radius
 * (radii are at most n: decode_unit clamps them). The same windows in the same order as
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
            if (i + 1 < n)
                w2v_prefetch_center(m, ids[i + 1]);
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
        /* after a failure, keep taking chunks (untrained) so the reader never stalls */
        const int64_t done = rc < 0 ? 0 : train_chunk(run, m, w, &run->chunks[ci], base, mult);
        if (done < 0)
            rc = done;
        else
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

static size_t
take_free_chunk(struct w2v_run *run)
{
    pthread_mutex_lock(&run->mu);
    while (run->nfree == 0)
        pthread_cond_wait(&run->cv_free, &run->mu);
    const size_t ci = run->free[--run->nfree];
    pthread_mutex_unlock(&run->mu);
    return ci;
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
        /* another shard's chunk: cut here too, so that every shard counts the same */
        pthread_mutex_lock(&run->mu);
        run->free[run->nfree++] = ci;
        pthread_mutex_unlock(&run->mu);
        run->pass_units += units;
        return maybe_sync(run);
    }
    run->queued += amount;
    run->chunks[ci].owner = (uint32_t)(run->kseq++ % cfg->threads);
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

/* Names the bad value of a record (cfg->bad, when the caller wants it); returns WP_ERANGE. */
static int
bad_value(const struct w2v_run_cfg *cfg, const char *what, uint64_t v, size_t at, uint64_t hi)
{
    if (cfg->bad != NULL)
        snprintf(cfg->bad->msg, sizeof cfg->bad->msg, "%s %llu at position %zu is out of "
                 "range (%s %llu)", what, (unsigned long long)v, at,
                 strcmp(what, "radius") == 0 ? "1 to the stream's window," : "ids below",
                 (unsigned long long)hi);
    return WP_ERANGE;
}

/* Spans input: "n, id x n, radius x n"; a radius is 1 to the stream's window (cfg wcfg);
 * one beyond the sentence is cut to n, which lists the same contexts and bounds what a
 * worker needs. */
static int
decode_spans(const struct w2v_run_cfg *cfg, const unsigned char *rec, size_t len, uint32_t **u,
             size_t *cap, size_t *ulen, uint64_t *windows)
{
    size_t n, got;
    WP_TRY(rec_spans_count(rec, len, &n));
    WP_TRY(wp_grow(u, cap, *ulen + 1 + 2 * n, sizeof **u, 256));
    uint32_t *out = *u + *ulen;
    WP_TRY(rec_spans_decode(rec, len, out + 1, out + 1 + n, n, &got));
    for (size_t i = 0; i < n; i++) {
        if (out[1 + i] >= cfg->m->n)
            return bad_value(cfg, "id", out[1 + i], i, cfg->m->n);
        if (out[1 + n + i] == 0 || out[1 + n + i] > cfg->wcfg.window)
            return bad_value(cfg, "radius", out[1 + n + i], i, cfg->wcfg.window);
        if (out[1 + n + i] > n)
            out[1 + n + i] = (uint32_t)n;
    }
    out[0] = (uint32_t)n;
    *ulen += 1 + 2 * n;
    *windows = n;
    return WP_OK;
}

/* Decodes one input record into a unit appended to *u (capacity *cap); *amount: its
 * in-vocabulary words (tokens input) or windows (windows and spans input). */
static int
decode_unit(const struct w2v_run_cfg *cfg, const unsigned char *rec, size_t len, uint32_t **u,
            size_t *cap, size_t *ulen, uint64_t *amount)
{
    struct rec_cursor c;
    uint64_t n, v;
    const uint32_t vsize = cfg->m->n;
    if (cfg->input == W2V_IN_SPANS)
        return decode_spans(cfg, rec, len, u, cap, ulen, amount);
    if (cfg->input == W2V_IN_TOKENS) {
        size_t m;
        WP_TRY(vocab_record_ids(cfg->vocab, rec, len, u, cap, *ulen + 1, &m, &n));
        (*u)[*ulen] = (uint32_t)m;
        *ulen += 1 + m;
        *amount = m;
        return WP_OK;
    }
    rec_cursor_init(&c, rec, len);
    WP_TRY(rec_cursor_varint(&c, &v));
    WP_TRY(rec_cursor_varint(&c, &n));
    if (v >= vsize)
        return bad_value(cfg, "center id", v, 0, vsize);
    if (n > len)
        return WP_ECORRUPT;
    WP_TRY(wp_grow(u, cap, *ulen + 2 + (size_t)n, sizeof **u, 256));
    uint32_t *out = *u + *ulen;
    out[0] = (uint32_t)v;
    out[1] = (uint32_t)n;
    for (uint64_t i = 0; i < n; i++) {
        WP_TRY(rec_cursor_varint(&c, &v));
        if (v >= cfg->m->nctx) /* contexts index syn1neg's rows (separate contexts) */
            return bad_value(cfg, "context id", v, (size_t)i + 1, cfg->m->nctx);
        out[2 + i] = (uint32_t)v;
    }
    WP_TRY(rec_cursor_done(&c));
    *ulen += 2 + (size_t)n;
    *amount = 1;
    return WP_OK;
}

/* Reads the records of the first pass into chunks (see read_pass). */
static int
read_records(struct w2v_run *run, struct rec_prefetch *pf, int train, uint64_t skip,
             enum w2v_stage *where)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    size_t ci = take_free_chunk(run);
    struct chunk *ch = &run->chunks[ci];
    ch->len = 0;
    ch->words = ch->windows = 0;
    uint64_t units = 0, seen = 0, index = 0;
    for (;;) {
        const unsigned char *rec;
        size_t len;
        int rc = pf != NULL ? rec_prefetch_next(pf, &rec, &len)
                            : rec_reader_next(cfg->rd, &rec, &len);
        if (rc < 0) {
            *where = W2V_AT_INPUT;
            return rc;
        }
        if (rc == 0)
            break;
        const size_t at = ch->len;
        uint64_t amount = 0;
        index++;
        if ((rc = decode_unit(cfg, rec, len, &ch->buf, &ch->cap, &ch->len, &amount)) < 0) {
            if (cfg->bad != NULL)
                cfg->bad->record = index;
            *where = W2V_AT_RECORD;
            return rc;
        }
        if (cfg->spool != NULL
            && fwrite(ch->buf + at, sizeof(uint32_t), ch->len - at, cfg->spool) != ch->len - at) {
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
            ci = take_free_chunk(run);
            ch = &run->chunks[ci];
            ch->len = 0;
            ch->words = ch->windows = 0;
        }
    }
    if (ch->len > 0 || units > 0) {
        ch->data = ch->buf;
        return dispatch(run, ci, units);
    }
    pthread_mutex_lock(&run->mu);
    run->free[run->nfree++] = ci;
    pthread_mutex_unlock(&run->mu);
    return WP_OK;
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
    const int rc = read_records(run, pf, train, skip, where);
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
        const size_t ci = take_free_chunk(run);
        struct chunk *ch = &run->chunks[ci];
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
 * expected_records): subsample_sentence's draws, then window_radius's per kept word,
 * without building the windows. */
static int
count_windows(struct w2v_run *run, const uint32_t *map, size_t n, uint64_t *total)
{
    const struct w2v_run_cfg *cfg = run->cfg;
    struct rng r;
    uint64_t windows = 0;
    rng_seed(&r, cfg->m->p.seed, 0);
    for (uint32_t pass = 0; pass < cfg->passes; pass++)
        for (size_t i = 0; i < n; i += 1 + (size_t)map[i]) {
            const size_t kept = subsample_count(&run->sub, map + i + 1, map[i], &r);
            for (size_t j = 0; j < kept; j++)
                (void)window_radius(&cfg->wcfg, &r);
            windows += kept;
        }
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
    if (fflush(cfg->spool) != 0) {
        *where = W2V_AT_SPOOL;
        return WP_EIO;
    }
    const long end = ftell(cfg->spool);
    if (end < 0) {
        *where = W2V_AT_SPOOL;
        return WP_EIO;
    }
    const size_t bytes = (size_t)end, n = bytes / sizeof(uint32_t);
    const uint32_t *map = NULL;
    if (bytes > 0) {
        void *p = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE, fileno(cfg->spool), 0);
        if (p == MAP_FAILED) {
            *where = W2V_AT_SPOOL;
            return WP_EIO;
        }
        map = p;
    }
    int rc = WP_OK;
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
    if (map != NULL)
        munmap((void *)map, bytes);
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
    return WP_OK;
}

static void
run_free(struct w2v_run *run)
{
    if (run->chunks != NULL)
        for (size_t i = 0; i < run->nchunks; i++)
            free(run->chunks[i].buf);
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
    int rc = run_init(&run, cfg, workers, pos);
    if (rc < 0) {
        run_free(&run);
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

