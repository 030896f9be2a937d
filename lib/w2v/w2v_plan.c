/* w2v_plan.c - a w2v-train run planned from its input's header (w2v_plan.h). */
#include "w2v_plan.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "common/status.h"
#include "stream/rec.h"
#include "text/vocab.h"
#include "text/window.h"
#include "text/window_meta.h"
#include "w2v.h"

/* Tokens: windowed here, every epoch. A one-epoch pipe is streamed with an estimated count
 * of windows (as pairs estimates it), and so is any input trained by Hogwild threads: each
 * draws from a generator of its own, so a replay of one generator would not count their
 * windows either, and the estimate lets them train while the first pass is read. Anything
 * else is spooled and counted first (one generator: the exact count pairs writes). */
static int
plan_tokens(struct w2v_plan *p, const struct w2v_plan_in *in)
{
    p->input = W2V_IN_TOKENS;
    p->passes = in->epochs;
    p->counted_here = 1;
    if ((in->pipe && in->epochs == 1) || in->hogwild) {
        struct subsampler sub;
        const int rc = subsample_init_total(&sub, in->v, in->sample, in->sample_total);
        if (rc < 0) {
            p->fail = W2V_PLAN_SUBSAMPLE;
            return rc;
        }
        p->total_records = subsample_expected(&sub, in->v) * in->epochs;
        subsample_free(&sub);
    }
    p->total_words = vocab_total(in->v) * in->epochs;
    return WP_OK;
}

/* Windows or spans (windows in short form: the same metadata and schedule). */
static int
plan_windows(struct w2v_plan *p, const struct w2v_plan_in *in)
{
    struct window_meta_read h;
    window_meta_get(in->meta, &h);
    p->input = in->kind == REC_SPANS ? W2V_IN_SPANS : W2V_IN_WINDOWS;
    if (in->kind == REC_SPANS && (h.has & WINDOW_META_WINDOW)) /* radii are 1 to the window
                                                                 * the spans were drawn with */
        p->window = (uint32_t)h.window;
    const uint64_t se = h.has & WINDOW_META_EPOCHS ? h.epochs : 1;
    uint64_t er = h.expected_records, words_scale = 0;
    p->estimated = (h.has & WINDOW_META_EXPECTED_EXACT) && h.expected_exact == 0;
    p->stream_epochs = se;
    if (in->epochs_set && (se == 0 || in->epochs % se != 0)) {
        p->fail = W2V_PLAN_EPOCHS;
        return WP_ERANGE;
    }
    p->passes = in->epochs_set ? (uint32_t)(in->epochs / se) : 1;
    if (!(h.has & WINDOW_META_EXPECTED_RECORDS)) {
        p->fail = W2V_PLAN_NO_EXPECTED;
        return WP_ENOTFOUND;
    }
    if (er == 0) {
        p->fail = W2V_PLAN_EMPTY;
        return WP_EEMPTY;
    }
    /* a windows file is counted from its block headers (no inflating): concatenated
     * streams, or an estimate, must not end the learning-rate schedule early */
    if (in->kind == REC_WINDOWS && in->counted != er && in->counted > 0) {
        p->miscounted = 1;
        p->header_records = er;
        p->warn = !(h.has & WINDOW_META_EXPECTED_EXACT) || h.expected_exact != 0;
        words_scale = er;
        er = in->counted;
    }
    p->total_records = er * p->passes;
    /* expected_words counts one epoch, expected_records all the stream's epochs */
    const uint64_t words = h.has & WINDOW_META_EXPECTED_WORDS ? h.expected_words
                           : se ? er / se : 0;
    p->total_words = words * se * p->passes;
    if (words_scale > 0) /* the words of the header's windows, scaled to the windows */
        p->total_words = (uint64_t)((double)p->total_words * (double)er / (double)words_scale);
    p->words_per_record = (double)p->total_words / (double)p->total_records;
    return WP_OK;
}

uint64_t
w2v_plan_slack(const struct w2v_plan *p, uint64_t total)
{
    if (!p->estimated)
        return 0;
    const uint64_t spreads = (uint64_t)(4.0 * sqrt((double)total));
    return spreads > total / 100 ? spreads : total / 100;
}

int
w2v_plan_overrun(const struct w2v_plan *p, uint64_t records, uint64_t total)
{
    return records > total && records - total > w2v_plan_slack(p, total);
}

int
w2v_plan_make(struct w2v_plan *p, const struct w2v_plan_in *in)
{
    memset(p, 0, sizeof *p);
    p->window = in->window;
    if (in->kind == REC_TOKENS)
        return plan_tokens(p, in);
    return plan_windows(p, in);
}

int
w2v_plan_read(struct w2v_plan *p, struct w2v_plan_in *in, struct rec_reader *rd, FILE *fp,
              int from_stdin, int count)
{
    struct stat sb;
    uint64_t have;
    in->pipe = from_stdin && (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode));
    int rc = w2v_plan_make(p, in);
    if (rc == WP_OK && in->kind == REC_WINDOWS && count
        && rec_reader_count_records(rd, &have) == WP_OK) {
        in->counted = have;
        rc = w2v_plan_make(p, in);
    }
    return rc;
}

void
w2v_plan_apply(const struct w2v_plan *p, struct w2v_run_cfg *cfg)
{
    cfg->input = p->input;
    cfg->passes = p->passes;
    cfg->wcfg.window = p->window;
    cfg->total_records = p->total_records;
}

uint64_t
w2v_plan_words(const struct w2v_plan *p, uint64_t n)
{
    return p->words_per_record > 0 ? (uint64_t)((double)n * p->words_per_record) : n;
}

uint64_t
w2v_plan_words_at(const struct w2v_plan *p, const struct w2v_pos *pos)
{
    return w2v_plan_words(p, p->words_per_record > 0 ? pos->records : pos->words);
}
