/* window_meta.c - the header of a windows or spans stream (window_meta.h). */
#include "window_meta.h"

#include "common/status.h"
#include "stream/rec.h"
#include "vocab.h"

int
window_meta_put(struct rec_meta *m, const struct window_meta *w)
{
    WP_TRY(rec_meta_set_u64(m, "vocab_hash", vocab_hash(w->v)));
    WP_TRY(rec_meta_set_u64(m, "vocab_size", vocab_size(w->v)));
    if (w->cv != NULL) {
        WP_TRY(rec_meta_set_u64(m, "context_vocab_hash", vocab_hash(w->cv)));
        WP_TRY(rec_meta_set_u64(m, "context_vocab_size", vocab_size(w->cv)));
    }
    WP_TRY(rec_meta_set_u64(m, "window", w->wcfg->window));
    WP_TRY(rec_meta_set_u64(m, "fixed_window", (uint64_t)w->wcfg->fixed));
    WP_TRY(rec_meta_set_f64(m, "sample", w->wcfg->sample));
    WP_TRY(rec_meta_set_u64(m, "epochs", w->epochs));
    WP_TRY(rec_meta_set_u64(m, "seed", w->seed));
    WP_TRY(rec_meta_set_u64(m, "expected_records", w->expected_records));
    WP_TRY(rec_meta_set_u64(m, "expected_exact", (uint64_t)w->expected_exact));
    WP_TRY(rec_meta_set_u64(m, "expected_words", w->expected_words));
    WP_TRY(rec_meta_set_u64(m, "max_contexts", w->max_contexts));
    return WP_OK;
}
