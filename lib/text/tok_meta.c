/* tok_meta.c - the header of a token stream (tok_meta.h). */
#include "tok_meta.h"

#include "common/status.h"
#include "conllu.h"
#include "stream/rec.h"

int
tok_meta_put(struct rec_meta *m, const struct tok_opts *o, const char *source,
             int conllu_column)
{
    WP_TRY(rec_meta_set_u64(m, "lower", (uint64_t)o->lower));
    WP_TRY(rec_meta_set_u64(m, "max_sentence", o->max_sentence));
    WP_TRY(rec_meta_set_u64(m, "max_token", o->max_token));
    WP_TRY(rec_meta_set_u64(m, "no_punct", (uint64_t)o->drop_punct));
    WP_TRY(rec_meta_set_u64(m, "split_all_punct", (uint64_t)o->split_all_punct));
    WP_TRY(rec_meta_set_u64(m, "whitespace", (uint64_t)o->whitespace));
    WP_TRY(rec_meta_set_str(m, "source", source));
    if (o->penn)
        WP_TRY(rec_meta_set_u64(m, "penn", 1));
    if (o->sentences)
        WP_TRY(rec_meta_set_u64(m, "sentences", 1));
    if (conllu_column >= 0) {
        WP_TRY(rec_meta_set_u64(m, "conllu", 1));
        WP_TRY(rec_meta_set_str(m, "conllu_column", conllu_column_name(conllu_column)));
    }
    return WP_OK;
}
