/* w2v_plan.h - the plan of a w2v-train run from its input's kind and header metadata: how the
 * input is read (tokens windowed here, windows or spans from pairs), how many times, the
 * windows of the whole run (the learning-rate schedule's length) and the raw words they stand
 * for (progress). Nothing is read here: the caller counts a windows file's records from its
 * block headers (rec_reader_count_records) when it can, and says what went wrong. */
#ifndef WP_W2V_PLAN_H
#define WP_W2V_PLAN_H

#include <stdint.h>
#include <stdio.h>

struct rec_meta;
struct rec_reader;
struct vocab;
struct w2v_pos;
struct w2v_run_cfg;

struct w2v_plan_in {
    int kind;                     /* REC_TOKENS, REC_WINDOWS or REC_SPANS */
    const struct rec_meta *meta;  /* the input's header */
    const struct vocab *v;
    double sample;                /* -s, for tokens */
    uint64_t sample_total;        /* its denominator (window_cfg.sample_total) */
    uint32_t window;              /* -w */
    uint32_t epochs;              /* -e */
    int epochs_set;               /* -e given (or a checkpoint's) */
    int pipe;                     /* tokens from a pipe: counted ahead only when not */
    int hogwild;                  /* tokens trained by several Hogwild threads: estimated */
    uint64_t counted;             /* windows: the file's records counted, 0 when unknown */
};

/* What made w2v_plan_make fail. */
enum w2v_plan_fail {
    W2V_PLAN_OK,
    W2V_PLAN_EPOCHS,       /* -e is no multiple of the stream's epochs (WP_ERANGE) */
    W2V_PLAN_NO_EXPECTED,  /* a windows or spans header without expected_records (WP_ENOTFOUND) */
    W2V_PLAN_EMPTY,        /* a windows or spans stream that holds no windows (WP_EEMPTY) */
    W2V_PLAN_SUBSAMPLE     /* the subsampler for the estimate (its status) */
};

struct w2v_plan {
    int input;                /* enum w2v_input */
    uint32_t passes;          /* times the input is read */
    uint32_t window;          /* spans: the window they were drawn with; else -w */
    uint64_t total_records;   /* windows over all passes; 0: counted by a first pass (a
                               * token file spooled, one thread or deterministic ones) */
    uint64_t total_words;     /* raw words over all passes, for progress */
    double words_per_record;  /* windows: raw words per window; 0 for tokens */
    int counted_here;         /* the count is w2v-train's own (tokens), not a header's */
    int estimated;            /* windows: the header's count is an estimate (expected_exact
                               * 0: pairs on a pipe, from the vocabulary's counts) */
    uint64_t stream_epochs;   /* windows: the epochs the stream holds */
    /* windows: the file holds another number of windows than its header's expected_records
     * (header_records; streams concatenated): the schedule follows the file's count, and
     * warn says whether the header claimed an exact count */
    uint64_t header_records;
    int miscounted, warn;
    enum w2v_plan_fail fail;
};

/* An estimated count (p->estimated) is passed by chance (the subsampling draws around
 * their expectation): a sum of n coin tosses spreads by at most sqrt(n), so an estimate
 * is wrong only when passed by more than 1% and by more than four such spreads (1% alone
 * is passed by chance on a stream of a few thousand windows). */
uint64_t w2v_plan_slack(const struct w2v_plan *p, uint64_t total);

/* Whether records windows trained pass total, the header's count for all passes, by more
 * than w2v_plan_slack (none for an exact count). */
int w2v_plan_overrun(const struct w2v_plan *p, uint64_t records, uint64_t total);

/* WP_OK, or an error with p->fail saying which. */
int w2v_plan_make(struct w2v_plan *p, const struct w2v_plan_in *in);

/* w2v_plan_make with what the open input says beyond its header: in->pipe, whether tokens
 * come through a pipe (from_stdin: fp is standard input, and not a regular file), and
 * in->counted, a windows file's records counted from its block headers (only with count:
 * --mpi's ranks plan from the header alone). Its statuses. */
int w2v_plan_read(struct w2v_plan *p, struct w2v_plan_in *in, struct rec_reader *rd,
                  FILE *fp, int from_stdin, int count);

/* The plan into the engine's settings: input, passes, wcfg.window, total_records. */
void w2v_plan_apply(const struct w2v_plan *p, struct w2v_run_cfg *cfg);

/* Raw words for progress: of n records (windows: n windows, at words_per_record each;
 * tokens: n words), and done at pos. */
uint64_t w2v_plan_words(const struct w2v_plan *p, uint64_t n);
uint64_t w2v_plan_words_at(const struct w2v_plan *p, const struct w2v_pos *pos);

#endif
