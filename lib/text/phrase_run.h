/* phrase_run.h - the steps of a phrases(1) run around the counter (phrase_count.h) and the
 * table (phrase_table.h): a pass's accepted pairs kept in the table, a token record joined
 * through the passes learned so far, the settings asked checked against a table's, and the
 * metadata of a joined token stream. */
#ifndef WP_PHRASE_RUN_H
#define WP_PHRASE_RUN_H

#include <stddef.h>

#include "phrase_count.h"
#include "phrase_table.h"

/* The settings of a run and which of them were given (1) rather than defaulted (0). */
struct phrase_settings {
    struct phrase_params p;
    unsigned passes;
    int set_min_count, set_threshold, set_delta, set_passes, set_scoring;
};

/* Keeps in pass of t every pair c holds that t's settings accept. WP_OK or WP_ENOMEM. */
int phrase_run_keep(struct phrase_table *t, unsigned pass, const struct phrase_counter *c);

/* Decodes the REC_TOKENS record rec into sent[0] and joins passes 0..passes-1 of t, pass k
 * making sent[k + 1] from sent[k]; *out is the last. WP_ECORRUPT for a malformed record,
 * WP_ENOMEM. */
int phrase_run_join(const struct phrase_table *t, unsigned passes, struct phrase_sent *sent,
                    const unsigned char *rec, size_t len, const struct phrase_sent **out);

/* Reads the settings of a table from its stream metadata m (phrase_table_read_meta) and
 * checks them against the settings given in want: WP_OK; WP_ENOTFOUND (not a phrase
 * table), WP_ECORRUPT (a setting missing or out of range), or WP_EFORMAT with why[n] naming
 * the first given setting that differs (passes, scoring, min_count, threshold, delta), as "a
 * table of 2 passes, not --passes 3" or "learned with -m 5, not 3". */
int phrase_run_check(const struct rec_meta *m, const struct phrase_settings *want, char *why,
                     size_t n);

/* m: a copy of in, the metadata of the token stream read, with the settings of t
 * (phrase_passes, phrase_scoring, phrase_min_count, phrase_threshold, phrase_delta). */
int phrase_run_tokens_meta(struct rec_meta *m, const struct rec_meta *in,
                           const struct phrase_table *t);

#endif
