/* phrase_run.c - the steps of a phrases run (phrase_run.h). */
#include "phrase_run.h"

#include <inttypes.h>
#include <stdio.h>

#include "common/status.h"

struct keep_ctx {
    struct phrase_table *t;
    unsigned pass;
};

static int
keep_phrase(void *ctx, const char *a, size_t alen, const char *b, size_t blen, uint64_t count,
            double score)
{
    struct keep_ctx *k = ctx;
    (void)score;
    return phrase_table_add(k->t, k->pass, a, alen, b, blen, count);
}

int
phrase_run_keep(struct phrase_table *t, unsigned pass, const struct phrase_counter *c)
{
    struct keep_ctx k = {t, pass};
    return phrase_counter_select(c, phrase_table_params(t), keep_phrase, &k);
}

int
phrase_run_join(const struct phrase_table *t, unsigned passes, struct phrase_sent *sent,
                const unsigned char *rec, size_t len, const struct phrase_sent **out)
{
    WP_TRY(phrase_sent_decode(&sent[0], rec, len));
    for (unsigned k = 0; k < passes; k++)
        WP_TRY(phrase_table_apply(t, k, &sent[k], &sent[k + 1]));
    *out = &sent[passes];
    return WP_OK;
}

int
phrase_run_check(const struct rec_meta *m, const struct phrase_settings *want, char *why,
                 size_t n)
{
    struct phrase_params got;
    unsigned passes;
    WP_TRY(phrase_table_read_meta(m, &passes, &got));
    const struct phrase_params *p = &got, *w = &want->p;
    why[0] = '\0';
    if (want->set_passes && passes != want->passes)
        snprintf(why, n, "a table of %u passes, not --passes %u", passes, want->passes);
    else if (want->set_scoring && p->scoring != w->scoring)
        snprintf(why, n, "learned with --scoring %s, not %s", phrase_scoring_name(p->scoring),
                 phrase_scoring_name(w->scoring));
    else if (want->set_min_count && p->min_count != w->min_count)
        snprintf(why, n, "learned with -m %" PRIu64 ", not %" PRIu64, p->min_count,
                 w->min_count);
    else if (want->set_threshold && p->threshold != w->threshold)
        snprintf(why, n, "learned with --threshold %g, not %g", p->threshold, w->threshold);
    else if (want->set_delta && p->delta != w->delta)
        snprintf(why, n, "learned with --delta %g, not %g", p->delta, w->delta);
    return why[0] != '\0' ? WP_EFORMAT : WP_OK;
}

int
phrase_run_tokens_meta(struct rec_meta *m, const struct rec_meta *in,
                       const struct phrase_table *t)
{
    const struct phrase_params *p = phrase_table_params(t);
    WP_TRY(rec_meta_copy(m, in));
    WP_TRY(rec_meta_set_u64(m, "phrase_passes", phrase_table_passes(t)));
    WP_TRY(rec_meta_set_str(m, "phrase_scoring", phrase_scoring_name(p->scoring)));
    WP_TRY(rec_meta_set_u64(m, "phrase_min_count", p->min_count));
    WP_TRY(rec_meta_set_f64(m, "phrase_threshold", p->threshold));
    return rec_meta_set_f64(m, "phrase_delta", p->delta);
}
