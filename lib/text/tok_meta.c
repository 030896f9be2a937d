/* tok_meta.c - the header of a token stream (tok_meta.h). */
#include "tok_meta.h"

#include <stdio.h>

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

static const struct {
    int bit;
    const char *key, *flag;
} shape_keys[] = {{TOK_SHAPE_LOWER, "lower", "--lower"},
                  {TOK_SHAPE_WHITESPACE, "whitespace", "--whitespace"},
                  {TOK_SHAPE_SPLIT_ALL_PUNCT, "split_all_punct", "--split-all-punct"},
                  {TOK_SHAPE_PENN, "penn", "--penn"}};

int
tok_meta_shape(const struct rec_meta *m)
{
    uint64_t v;
    if (rec_meta_get_u64(m, "lower", &v) != WP_OK)
        return -1; /* every tok(1) header has it */
    int shape = 0;
    for (size_t i = 0; i < sizeof shape_keys / sizeof *shape_keys; i++)
        if (rec_meta_get_u64(m, shape_keys[i].key, &v) == WP_OK && v != 0)
            shape |= shape_keys[i].bit;
    return shape;
}

void
tok_shape_text(int shape, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "tok");
    for (size_t i = 0; i < sizeof shape_keys / sizeof *shape_keys && n < size; i++)
        if (shape & shape_keys[i].bit)
            n += (size_t)snprintf(buf + n, size - n, " %s", shape_keys[i].flag);
}
