/* w2v.h - word2vec training: skip-gram and CBOW (mean or sum of the contexts) with
 * negative sampling and/or hierarchical softmax, as word2vec.c computes them, plus the
 * Hogwild training engine (w2v_run.c) and checkpoints of the full state (w2v_ckpt.c).
 *
 * Shapes: V words, D dimensions. syn0 (V, D) input vectors, initialised uniform in
 * [-0.5/D, 0.5/D) as word2vec.c; syn1neg (V, D) output vectors for negative sampling and
 * syn1 (V-1, D) inner-node vectors for hierarchical softmax, both zero at start.
 *
 * Hogwild: worker threads read and write the weight matrices without locks, on purpose
 * (word2vec.c, gensim, fastText do the same); collisions on a row are rare and harmless to
 * SGD. Everything else the threads share goes through a mutex or atomics.
 *
 * Separate contexts (word2vecf, windows from pairs --from-text): the contexts of a window
 * are ids in their own vocabulary of C entries, syn1neg is (C, D) and the negatives are
 * drawn from the context counts^ns_power. Each (word, context) pair is one skip-gram
 * step in word2vecf's direction: the word's syn0 row predicts the context's syn1neg row.
 * Negative sampling only: CBOW would average rows of syn0 indexed by context ids, which
 * do not exist in it, and the Huffman tree of hierarchical softmax is built over the
 * predicted vocabulary, which is then the contexts (word2vecf has neither). */
#ifndef WP_W2V_H
#define WP_W2V_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/rng.h"
#include "huffman.h"
#include "kernels/vec.h"
#include "sampling.h"
#include "stream/rec.h"
#include "text/vocab.h"
#include "text/window.h"

/* word2vec.c's sigmoid table: EXP_TABLE_SIZE entries over [-MAX_EXP, MAX_EXP]. Outside it,
 * negative sampling clamps sigma to 0 or 1 and hierarchical softmax skips the node. */
enum { W2V_SIGMOID_SIZE = 1000 };
#define W2V_SIGMOID_MAX 6.0f
#define W2V_MIN_ALPHA_FRAC 1e-4 /* word2vec.c: the rate decays linearly to alpha * 1e-4 */
/* Table index scale: entry i sits at x = (2i/SIZE - 1) * MAX. (word2vec.c computes
 * SIZE / MAX / 2 in integers, 83 instead of 83.33, which shifts its lookups slightly.) */
#define W2V_SIG_SCALE ((float)W2V_SIGMOID_SIZE / (2.0f * W2V_SIGMOID_MAX))

/* CBOW with shared negatives (w2v_batch.c): windows queue up to W2V_CBOW_QUEUE of them;
 * batch t of the queue is windows t, t + S, t + 2S, ... (S = queued / W2V_CBOW_BATCH
 * rounded up), so the windows of one batch lie far apart and share no context rows. */
enum {
    W2V_CBOW_BATCH = 8,
    W2V_CBOW_QUEUE = W2V_CBOW_BATCH * 32,
    W2V_BATCH_MAX_T = 64, /* center + negatives (k above 63 is cut) */
    W2V_AHEAD = 2,        /* skip-gram: negatives drawn this many windows ahead */
    W2V_AHEAD_MAX_K = 16, /* ... for k up to this (more: drawn in turn) */
    W2V_SUB_MAXN = 256,   /* longest n-gram with subwords, in code points */
    /* skip-gram with shared negatives: a window's contexts are scored and applied in
     * groups of at most this many, each group's summed gradient at once (the target rows
     * take the sum of a whole group's). 2000 contexts at once (-w 1000) diverged to 1e16
     * and to NaN; 32 on each side stay one group, as before. */
    W2V_SG_GROUP = 64
};

/* rng streams: windowing uses stream t for worker t (the stream pairs(1) uses is 0, so one
 * thread gives the windows pairs gives); the others are far from any thread number. */
#define W2V_STREAM_INIT 0x1000000000ull
#define W2V_STREAM_NEG 0x2000000000ull

struct w2v_params {
    uint32_t dim;     /* D */
    int cbow;         /* 0: skip-gram, 1: CBOW */
    int cbow_sum;     /* CBOW: 1 sums the contexts, 0 averages them */
    uint32_t negative; /* noise words per positive (0 with hs) */
    double ns_power;  /* noise distribution: count^ns_power */
    int hs;           /* hierarchical softmax */
    int exact_sigmoid; /* 1: 1/(1+exp(-x)) without table or clamping */
    int shared_neg;   /* 1: skip-gram: one set of negatives per window; CBOW: one per batch
                       * of W2V_CBOW_BATCH windows (issue 7 minibatch scheme) */
    float alpha;      /* starting learning rate */
    uint64_t seed;
    /* Subwords (fastText): a word's input vector is the mean of its own row and the rows
     * of its character n-grams of minn..maxn code points (maxn 0: none), hashed into
     * buckets rows after the V word rows (w2v_sub.c). Skip-gram, negative sampling only. */
    uint32_t minn, maxn, buckets;
};
void w2v_params_default(struct w2v_params *p); /* skip-gram, D 100, k 5, alpha 0.025 */
int w2v_params_check(const struct w2v_params *p); /* WP_ERANGE on nonsense */

/* The products of the shared-negative window: scores s (n, t) = In Out^T; apply: dIn = G Out
 * (into din, n x d), Out += G^T In, In += dIn, gradients at the old weights; combine: one
 * row dst = sum_k coef[k * stride] rows[k] (add 1: dst += that; stride 0 repeats coef[0]).
 * Rows are given by pointers (gathered from the matrices). A reference and an AVX2 table,
 * picked with the vec_ops table. */
struct w2v_window_ops {
    const char *name;
    void (*scores)(float *s, float *const *in, size_t n, float *const *out, size_t t, size_t d);
    void (*apply)(float *const *in, size_t n, float *const *out, size_t t, size_t d,
                  const float *g, float *din);
    void (*combine)(float *dst, int add, float *const *rows, size_t nr, const float *coef,
                    size_t stride, size_t d);
    /* Subwords, on rows of d floats with row i at x + i stride: gather: dst = scale *
     * sum_k x[idx[k]] (summed in k order, then scaled, as fastText's computeHidden);
     * scatter: x[idx[k]] += v for each k in order (an index listed twice gets v twice, as
     * in fastText). Bit for bit the same in every table (no fused multiply-add: each
     * element is one chain of adds). */
    void (*gather)(float *dst, const float *x, size_t stride, const uint32_t *idx, size_t nr,
                   float scale, size_t d);
    void (*scatter)(float *x, size_t stride, const uint32_t *idx, size_t nr, const float *v,
                    size_t d);
    /* Subwords, one context of a window (fastText's update for one hidden vector h):
     * with dh = sum_j g[j] out[j] at the old out rows, out[j] += g[j] h at the old h,
     * then acc += dh and h += gain dh. One pass over the rows. */
    void (*step)(float *h, float *acc, float *const *out, size_t t, const float *g,
                 float gain, size_t d);
    /* Subwords: step, then the next context's scores at the new h, s[j] = h . next[j]
     * (scores with one input row), in one pass over the rows: a row in both out and next
     * is read for its score after step wrote it, so the values are those of step then
     * scores, bit for bit in each table. */
    void (*step_scores)(float *h, float *acc, float *const *out, size_t t, const float *g,
                        float gain, float *const *next, size_t tn, float *s, size_t d);
};
extern const struct w2v_window_ops w2v_window_ops_ref;
#if defined(__x86_64__) || defined(__i386__)
extern const struct w2v_window_ops w2v_window_ops_avx2;
#endif
/* Every table this build and CPU can run (as vec_all_variants: AVX2 where it has it, then
 * the reference), NULL-terminated; a model takes the one named as its vec_ops. */
const struct w2v_window_ops *const *w2v_window_ops_all(void);

struct w2v_model {
    struct w2v_params p;
    uint32_t n;              /* V */
    uint32_t nctx;           /* rows of syn1neg: V, or C with separate contexts */
    int sep_ctx;             /* 1: separate context vocabulary (word2vecf) */
    uint32_t nrows;          /* rows of syn0: V, plus the n-gram buckets in use */
    float *syn0;             /* (nrows, D): words, then the buckets in use (sub_bucket) */
    float *syn1neg;          /* (nctx, D), NULL without negative sampling */
    float *syn1;             /* (V-1, D), NULL without hs */
    size_t stride;           /* floats from a row to the next in the three: D, or
                              * w2v_row_pitch(D) while w2v_run trains (w2v_model_relayout) */
    struct samp_table samp;
    struct huffman huff;
    float sig[W2V_SIGMOID_SIZE + 1];    /* sigma at the table points */
    float logsig[W2V_SIGMOID_SIZE + 1]; /* log sigma there, for the loss */
    const struct vec_ops *ops;
    const struct w2v_window_ops *wops; /* follows ops: avx2 with avx2, else ref */
    /* subwords: word i's input rows are sub_row[sub_off[i] .. sub_off[i+1]): i itself,
     * then one row per n-gram in fastText's order (NULL without). Only the buckets some
     * word's n-gram hashes to get a row: V + k holds bucket sub_bucket[k] (hash mod
     * buckets), k in order of first use by the words in vocabulary order. The 17M-word
     * corpus's 79k words use 352k of fastText's 2M buckets: a table 5x smaller, the
     * frequent words' n-grams side by side (about 8% less CPU than the sparse table). */
    uint32_t *sub_off, *sub_row, *sub_bucket;
    uint32_t sub_nbuckets; /* buckets in use, rows V .. V + sub_nbuckets */
    /* subwords: how far word i's mean row moves when every row listed gets v: gain x v,
     * gain = (sum over distinct rows of (times listed)^2) / rows listed; 1 unless a row
     * is listed twice ("banana": "ana", or two n-grams in one bucket) */
    float *sub_gain;
};

/* counts: V word counts sorted decreasing (vocabulary order). */
int w2v_model_init(struct w2v_model *m, const struct w2v_params *p, const uint64_t *counts,
                   uint32_t n);
/* Separate contexts: ctx_counts are the C context counts (sorted decreasing). WP_ERANGE
 * unless the parameters are skip-gram with negative sampling, no hs, no shared negatives. */
int w2v_model_init_ctx(struct w2v_model *m, const struct w2v_params *p, const uint64_t *counts,
                       uint32_t n, const uint64_t *ctx_counts, uint32_t nctx);
/* From the vocabularies: cv NULL for ordinary windows, else the context vocabulary.
 * The only init for subwords (p.maxn > 0), which need the words: the others refuse them
 * (WP_ERANGE), as do separate contexts, CBOW, hs and -n 0 with subwords. */
int w2v_model_init_vocab(struct w2v_model *m, const struct w2v_params *p,
                         const struct vocab *v, const struct vocab *cv);
void w2v_model_free(struct w2v_model *m);
/* The weight matrices syn0, syn1neg, syn1 and their rows (0 for an absent one; syn0 has
 * nrows); each row has p.dim floats, and starts m->stride floats after the one before. */
void w2v_model_mats(struct w2v_model *m, float *mats[3], size_t rows[3]);
/* Rows of the three matrices holding a NaN or an infinity: training diverged (a learning
 * rate or a window too large for the data), and the vectors are no model. */
uint64_t w2v_model_nonfinite(const struct w2v_model *m);

/* Rows padded to whole cache lines: p.dim rounded up to 16 floats. The matrices have room
 * for rows this far apart. Outside w2v_run they are p.dim apart (stride), so that the
 * outputs, checkpoints and callers see (rows, D) matrices; w2v_run lays them out with the
 * padded pitch while it trains: a row of 100 floats then takes 7 whole lines, vector loads
 * do not straddle two lines, and threads writing neighbouring rows do not share a line. */
size_t w2v_row_pitch(size_t d);
/* Moves the rows of m's matrices, in place, to be stride floats apart: p.dim or
 * w2v_row_pitch(p.dim). The values do not change. */
void w2v_model_relayout(struct w2v_model *m, size_t stride);

/* Replicas (w2v-train --deterministic, --mpi): a model with weights of its own, a copy of
 * m's, and everything else (tables, sampler, tree) borrowed from m, which must outlive it. */
int w2v_replica_init(struct w2v_model *rep, const struct w2v_model *m);
void w2v_replica_free(struct w2v_model *rep);
/* Merges n replicas into m, then makes them equal to it: each weight becomes
 * m + (sum over r of (rep[r] - m)), summed in replica order, so one input gives one result
 * whatever the timing (the sum of their changes, as Hogwild threads would have made them
 * on one model). Rows no replica changed are skipped; *changed gets how many rows
 * changed. WP_ENOMEM, or WP_ERANGE for more than 256 replicas. */
int w2v_replicas_merge(struct w2v_model *m, struct w2v_model *reps, uint32_t n,
                       size_t *changed);
/* Copies m's weights into the n replicas (after m changed otherwise, e.g. an MPI merge). */
void w2v_replicas_reset(struct w2v_model *m, struct w2v_model *reps, uint32_t n);
/* Marks in changed[r] (1 or 0) whether row r of x (rows of d floats, xs apart) differs
 * from that of base (bs apart) in any bit; returns how many do. The rows a replica touched
 * since base was taken. */
size_t w2v_rows_changed(const float *x, size_t xs, const float *base, size_t bs, size_t rows,
                        size_t d, unsigned char *changed);

/* Per-thread state: its generators and scratch vectors. */
struct w2v_worker {
    struct rng wrng;  /* windows: subsampling and window shrinking */
    struct rng nrng;  /* negative samples */
    float *neu1, *neu1e;           /* D each */
    float *scratch;                /* for the shared-negative scheme */
    size_t scratch_rows;           /* floats in scratch */
    float **rows;                  /* gathered input row pointers, rows_cap of them */
    size_t rows_cap;
    uint32_t *ids, *ctx;           /* sentence and context buffers */
    size_t ids_cap, ctx_cap;
    /* CBOW with shared negatives: windows queued for the next batches (w2v_batch.c) */
    size_t nb;                     /* windows queued */
    uint32_t *bcenter;             /* W2V_CBOW_QUEUE each, allocated at the first window */
    uint32_t *boff;                /* window i's contexts: bctx[boff[i] .. boff[i+1]) */
    float *blr;                    /* each window's learning rate (a batch uses its first) */
    uint32_t *bctx;
    size_t bctx_cap;
    /* skip-gram with shared negatives: the next windows' draws, taken ahead from a copy of
     * nrng (w2v_batch.c): a ring of ahead_n sets from ahead_head; ahead_rng is the copy
     * after the last set */
    struct w2v_ahead {
        struct rng from, to; /* nrng before and after this set's draws */
        uint32_t id[W2V_AHEAD_MAX_K];
    } ahead[W2V_AHEAD];
    uint32_t ahead_head, ahead_n;
    struct rng ahead_rng;
    double loss;      /* sum of negative log-likelihoods */
    uint64_t loss_n;  /* terms in loss */
    /* Workers lie side by side in one array and each writes its generators (first) and its
     * loss (last) all the time: without this gap a worker's loss and the next worker's
     * generators share a cache line, which the two cores then pass back and forth. */
    unsigned char apart[64];
};
int w2v_worker_init(struct w2v_worker *w, const struct w2v_model *m, uint32_t thread);
void w2v_worker_free(struct w2v_worker *w);

/* One training window: the n contexts of center, at learning rate lr. Skip-gram makes each
 * context predict the center (word2vec.c's order); CBOW predicts it from their mean/sum.
 * With separate contexts the center predicts each context (word2vecf's order).
 * CBOW with shared negatives (and no hs) only queues the window: the queue is trained when
 * W2V_CBOW_QUEUE windows are queued, or by w2v_train_flush, which the caller must call
 * after its last window (w2v_run does at the end of every chunk). */
void w2v_train_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                      const uint32_t *ctx, size_t n, float lr);
/* The same window with per-pair (word2vec.c) updates whatever p.shared_neg says: the
 * fallback of the shared-negative paths when they have no memory. It never writes m->p,
 * which every worker reads. */
void w2v_train_window_exact(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                            const uint32_t *ctx, size_t n, float lr);
void w2v_train_flush(struct w2v_model *m, struct w2v_worker *w);

/* Shared negatives drawn ahead (w2v_batch.c): the k draws of the next W2V_AHEAD windows
 * come from a copy of nrng, their rows fetched while the windows before them train.
 * w2v_ahead_take gives this window's k draws (1) when the oldest set ahead starts where
 * nrng is, and moves nrng past them, so the draws are those nrng gives in turn (a
 * checkpoint saves nrng, which the copy leaves alone); else 0 (draw from nrng). Then
 * w2v_ahead_fill draws the sets ahead again (nothing for k above W2V_AHEAD_MAX_K). */
int w2v_ahead_take(const struct w2v_model *m, struct w2v_worker *w, uint32_t *ids);
void w2v_ahead_fill(const struct w2v_model *m, struct w2v_worker *w);

/* CBOW, negative sampling, shared negatives (w2v_batch.c): queue one window; trains the
 * queue when it is full. Called by w2v_train_window. */
void w2v_cbow_window_batched(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                             const uint32_t *ctx, size_t n, float lr);

/* The step of w2v_window_ops over elements [from, d) in scalar code: the reference runs it
 * over all of them, the AVX2 kernel over its tail. */
static inline void
w2v_step_elems(float *h, float *acc, float *const *out, size_t t, const float *g, float gain,
               size_t from, size_t d)
{
    for (size_t i = from; i < d; i++) {
        const float hi = h[i];
        float dh = 0.0f;
        for (size_t j = 0; j < t; j++) {
            const float o = out[j][i];
            dh += g[j] * o;
            out[j][i] = o + g[j] * hi;
        }
        acc[i] += dh;
        h[i] = hi + gain * dh;
    }
}

/* Subwords (w2v_sub.c): fastText's skip-gram. The center's input vector h (the mean of
 * its rows) predicts each context in turn, against k negatives per context (p.shared_neg
 * 0, fastText's objective: a draw equal to the context is drawn again) or k drawn once
 * for the window (p.shared_neg 1; one equal to the context is skipped for it). After
 * each context, h moves as fastText's recomputed mean would (by gain x its gradient, see
 * sub_gain), and the gradients are summed; the sum goes to each of the center's rows once
 * per window, which gives the rows what fastText's per-context updates give them. Called
 * by w2v_train_window for a model with subwords. */
void w2v_sub_window(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                    const uint32_t *ctx, size_t n, float lr);
/* Asks for the cache lines of a row of d floats that training will write, ahead of use:
 * one per 16 floats, as rows start a line while w2v_run trains (w2v_row_pitch). On x86
 * with PREFETCHW, which fetches each line for writing: a line another thread has read
 * then needs no second trip to take it over at the store. */
static inline void
w2v_prefetch_row(const float *row, size_t d)
{
    for (size_t i = 0; i < d; i += 16) {
#if defined(__x86_64__)
        __asm__("prefetchw %0" : : "m"(row[i]));
#else
        __builtin_prefetch(row + i, 1, 3);
#endif
    }
}

/* Plain skip-gram: asks for the input row of a word about to enter the window as a
 * context (the other contexts are in cache from the windows before; CBOW, subwords and
 * word2vecf ask for their rows in their own code). */
static inline void
w2v_prefetch_context(const struct w2v_model *m, uint32_t id)
{
    if (!m->p.cbow && m->sub_off == NULL && !m->sep_ctx)
        w2v_prefetch_row(m->syn0 + (size_t)id * m->stride, m->p.dim);
}

/* Asks for the rows of the next center word ahead of its window: with subwords its input
 * rows (its n-gram rows lie anywhere in a large table), in skip-gram its output row. */
static inline void
w2v_prefetch_center(const struct w2v_model *m, uint32_t center)
{
    const size_t d = m->p.dim, st = m->stride;
    if (m->sub_off == NULL) { /* skip-gram's center is a target row (not word2vecf's) */
        if (!m->p.cbow && !m->sep_ctx && m->p.negative && m->syn1neg != NULL)
            w2v_prefetch_row(m->syn1neg + (size_t)center * st, d);
        return;
    }
    for (uint32_t k = m->sub_off[center]; k < m->sub_off[center + 1]; k++)
        w2v_prefetch_row(m->syn0 + (size_t)m->sub_row[k] * st, d);
}

/* Builds sub_off/sub_row/sub_bucket from the words (w2v_model_init_vocab calls it).
 * WP_ENOMEM, or WP_ERANGE when the rows would pass UINT32_MAX. */
int w2v_sub_build(struct w2v_model *m, const struct vocab *v);

/* syn0's initial values: uniform rows drawn from one stream over every row of the full
 * table (V, plus p.buckets with subwords), so that a row's values do not depend on which
 * buckets are in use. full 0: into dst as syn0 holds them (nrows rows, the rows of
 * buckets not in use drawn and dropped); 1: all V + buckets rows. WP_ENOMEM. */
int w2v_init_input(const struct w2v_model *m, float *dst, int full);

/* Skip-gram with one set of negatives shared by all contexts of the window (w2v_batch.c);
 * w2v_train_window calls it when p.shared_neg is set (negative sampling only). */
void w2v_sg_window_shared(struct w2v_model *m, struct w2v_worker *w, uint32_t center,
                          const uint32_t *ctx, size_t n, float lr);

/* sigma(f), and the loss term -log P(label) for label 1 or 0 added to *loss. Table mode
 * follows word2vec.c: clamp sigma to 1/0 beyond +-MAX for negative sampling. */
static inline float
w2v_sig_label(const struct w2v_model *m, float f, int label, double *loss)
{
    if (m->p.exact_sigmoid) {
        const double s = 1.0 / (1.0 + exp(-(double)f));
        *loss -= label ? -log1p(exp(-(double)f)) : -log1p(exp((double)f));
        return (float)s;
    }
    int i;
    float s;
    if (!(f < W2V_SIGMOID_MAX)) { /* NaN too: never an index out of the table */
        i = W2V_SIGMOID_SIZE;
        s = 1.0f;
    } else if (f <= -W2V_SIGMOID_MAX) {
        i = 0;
        s = 0.0f;
    } else {
        i = (int)((f + W2V_SIGMOID_MAX) * W2V_SIG_SCALE);
        s = m->sig[i];
    }
    *loss -= label ? m->logsig[i] : m->logsig[W2V_SIGMOID_SIZE - i];
    return s;
}

/* The sigmoid and log-sigmoid the model uses (table or exact; the table clamps beyond
 * +-W2V_SIGMOID_MAX as word2vec.c does). */
float w2v_sigmoid(const struct w2v_model *m, float x);
float w2v_logsig(const struct w2v_model *m, float x);

/* ------------------------------------------------------------ training engine */

/* Input kinds: tokens (REC_TOKENS, windowed here), windows (REC_WINDOWS, from pairs),
 * spans (REC_SPANS, from pairs --spans: kept ids with their window radii; the workers list
 * the contexts, the same windows as the windows stream from the same draws). Windows and
 * spans follow the same schedule: one training window per kept position. */
enum w2v_input { W2V_IN_TOKENS = 1, W2V_IN_WINDOWS = 2, W2V_IN_SPANS = 3 };

/* Where training is: restored from a checkpoint, saved in one. */
struct w2v_pos {
    uint32_t pass;      /* current pass over the input */
    uint64_t units;     /* input records (sentences or windows) consumed in this pass */
    uint64_t records;   /* training windows done in all (drives the learning rate) */
    uint64_t words;     /* raw words done in all (tokens input), for progress */
    uint64_t chunks;    /* chunks this shard trained in all: --deterministic deals them to
                         * the threads in turn */
};

struct w2v_stats {
    struct w2v_pos pos;     /* done so far (workers may be behind the reader) */
    uint64_t queued;        /* handed out to workers in all: raw words (tokens input) or
                             * windows (windows and spans input); a checkpoint taken now
                             * would be at exactly this point, so trigger checkpoints on it */
    uint64_t total_records; /* windows of the whole run (the schedule's length) */
    float lr;
    double loss;        /* sum of NLL terms so far */
    uint64_t loss_n;
};

struct w2v_run;
/* Called by the reading thread after each chunk is handed out; return 1 to ask for a
 * checkpoint, which the engine then takes at the next quiet point (all chunks handed out
 * are done) by calling checkpoint. A negative return from either stops training with that
 * status. */
typedef int (*w2v_progress_fn)(void *arg, const struct w2v_stats *s);
typedef int (*w2v_checkpoint_fn)(void *arg, struct w2v_run *run);
/* Data parallelism: merges the replicas over the ranks (w2v-train --mpi). done: this
 * shard has no more input. *records: this shard's windows done, replaced by the sum over
 * the shards (the learning rate's schedule goes on from there). Returns 1 when every
 * shard said done in this round, 0 when some still train (the engine then merges again,
 * with nothing new, until all are done), or a negative status. */
typedef int (*w2v_sync_fn)(void *arg, struct w2v_model *m, int done, uint64_t *records);

/* What was wrong with an input record that w2v_run refused (its where "record"): the
 * record's 1-based index in the stream, and a phrase naming the bad value (empty when the
 * record is malformed rather than out of range). */
struct w2v_bad_record {
    uint64_t record;
    char msg[128];
};

struct w2v_run_cfg {
    struct w2v_model *m;
    struct rec_reader *rd;     /* input, header already read */
    int input;                 /* W2V_IN_TOKENS, W2V_IN_WINDOWS or W2V_IN_SPANS */
    const struct vocab *vocab; /* tokens: lookup; also subsampling */
    struct window_cfg wcfg;    /* tokens: -w, -s; spans: window, the largest radius */
    struct w2v_bad_record *bad; /* filled when a record is refused, or NULL */
    uint32_t threads;
    uint32_t passes;           /* times the input is read */
    uint64_t total_records;    /* windows over all passes: the learning-rate schedule; 0 for
                                * tokens input: read it all into the spool first and count
                                * them exactly, as pairs(1) does */
    FILE *spool;               /* empty scratch file, needed when passes > 1 or
                                * total_records is 0 (the caller unlinks it) */
    int prefetch;              /* 1: read (inflate, check) rd on a thread of its own
                                * (rec_prefetch.h) while this one decodes */
    w2v_progress_fn progress;
    w2v_progress_fn final;     /* called once at the end with the final figures, or NULL */
    w2v_checkpoint_fn checkpoint;
    /* Data parallelism (w2v-train --mpi), off with nshards 0 or 1. Every shard reads the
     * whole input and cuts it into the same chunks, but trains only the chunks whose index
     * (counted over all passes) is shard modulo nshards; the learning rate follows the
     * windows every shard had done at the last merge plus its own since times nshards.
     * sync, if set, is called at a quiet point (no worker busy)
     * each time the chunks handed out to all shards pass another sync_every x nshards
     * raw words (windows, for windows and spans input; sync_every 0: never), and at the
     * end until it says every shard is done. Since every shard sees every chunk, all of
     * them make the same calls in the same order, which collective operations need.
     * own_input: each shard reads an input of its own instead (one file per rank) and
     * trains all of it; the learning rate follows its own windows over its own total, and
     * sync comes every sync_every of its own words. Shards of different sizes make
     * different numbers of such calls: those done early keep calling sync (done set)
     * until every shard is done, which keeps the collective calls paired. */
    uint32_t shard, nshards;
    int own_input;
    uint64_t sync_every;
    w2v_sync_fn sync;
    /* Deterministic threads (w2v-train --deterministic): each worker trains a replica of m
     * of its own (w2v_replica_init) on the chunks numbered worker modulo threads (counted
     * over the run, pos chunks), at a learning rate that follows the windows done at the last merge plus
     * its own since then times the threads; every sync_every x threads words handed out
     * (x nshards with data parallelism) the engine drains the workers and merges the
     * replicas into m in worker order (w2v_replicas_merge), then calls sync if set. So the
     * result depends on the seed, the thread count and sync_every, never on timing.
     * Checkpoints asked for are taken at the next merge. */
    int deterministic;
    void *arg;
};

/* Hogwild training: several threads on one model, without replicas or MPI ranks to merge.
 * Which windows they train depends on scheduling (each thread draws from its own
 * generator), so no chunk cut or exact count fixes any bits: a token file's schedule is
 * estimated (w2v_plan.h) and its first pass trained as it is read, decoded by the workers. */
static inline int
w2v_hogwild(uint32_t threads, int deterministic, int ranks)
{
    return threads > 1 && !deterministic && !ranks;
}

/* What a failed run was doing: reading the input stream (the reader's own position is in
 * rec_reader_where), decoding one of its records (rec_reader_record_index), writing or
 * mapping the spool, allocating, or merging replicas. */
enum w2v_stage { W2V_AT_MEMORY, W2V_AT_INPUT, W2V_AT_RECORD, W2V_AT_SPOOL, W2V_AT_SYNC };
/* "memory", "input", "record", "spool", "sync". */
const char *w2v_stage_name(enum w2v_stage s);

/* Trains to the end. workers: cfg->threads of them, initialised (or restored). pos: where
 * to start ({0} for a fresh run). On error returns the status, and where says what failed. */
int w2v_run(const struct w2v_run_cfg *cfg, struct w2v_worker *workers, struct w2v_pos *pos,
            enum w2v_stage *where);
/* Inside a checkpoint callback: the position and workers to save. */
const struct w2v_pos *w2v_run_pos(const struct w2v_run *run);
struct w2v_worker *w2v_run_workers(const struct w2v_run *run);

/* The engine's input records as units (w2v_decode.c), decoded by its workers: appends
 * the record's unit to *u (capacity *cap, grown as needed; *ulen u32s in it) as cfg->input
 * says (tokens "n, id x n" of the words in cfg->vocab; windows "center, n, ctx x n"; spans
 * "n, id x n, radius x n", radii above n cut to n), *amount its words (tokens) or windows.
 * WP_ECORRUPT for a malformed record, WP_ERANGE for an id or radius out of range (named in
 * bad->msg when bad is not NULL), WP_ENOMEM. Reads cfg only, so any thread may call it. */
int w2v_decode_unit(const struct w2v_run_cfg *cfg, struct w2v_bad_record *bad,
                    const unsigned char *rec, size_t len, uint32_t **u, size_t *cap,
                    size_t *ulen, uint64_t *amount);
/* The length in u32s of the record's unit and its amount, from its first varints only (for
 * cutting chunks before decoding them): windows and spans, exactly, and their windows;
 * tokens, at most, and their tokens (the words of the vocabulary among them are known only
 * once decoded). A malformed record gets the shortest unit, which w2v_decode_unit then
 * refuses. */
void w2v_unit_size(const struct w2v_run_cfg *cfg, const unsigned char *rec, size_t len,
                   size_t *ulen, uint64_t *amount);


/* The learning rate after done of total windows: alpha * (1 - done/(total+1)), floored at
 * alpha * 1e-4 (word2vec.c). */
float w2v_lr(float alpha, uint64_t done, uint64_t total);

/* ------------------------------------------------------------ checkpoints */

/* A checkpoint is a REC_MODEL stream (wordpipe(5)): header metadata holds the parameters,
 * vocab_hash, position and thread count (and, with separate contexts, context_vocab_hash
 * and context_vocab_size); tensors "syn0", "syn1neg", "syn1" (f32) and "rng" (u64: 8 per
 * worker, window then negative generator). ctx_hash: the context vocabulary's hash, used
 * only when m->sep_ctx. */
/* WP_ERANGE for a model with subwords (not supported yet). */
int w2v_ckpt_save(FILE *fp, const struct w2v_model *m, const struct w2v_worker *workers,
                  uint32_t threads, const struct w2v_pos *pos, uint64_t vocab_hash,
                  uint64_t ctx_hash, const struct rec_meta *extra, int level);
/* Reads the parameters and shape (header only) so the caller can build the model. *nctx
 * and *ctx_hash are 0 for a checkpoint without separate contexts. */
int w2v_ckpt_params(const struct rec_meta *meta, struct w2v_params *p, uint32_t *n,
                    uint32_t *threads, struct w2v_pos *pos, uint64_t *vocab_hash,
                    uint32_t *nctx, uint64_t *ctx_hash);
/* Fills an initialised model (same params and V) and threads workers from the records. */
int w2v_ckpt_load(struct rec_reader *rd, struct w2v_model *m, struct w2v_worker *workers,
                  uint32_t threads);

#endif
