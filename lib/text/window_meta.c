/* window_meta.c - the header of a windows or spans stream (window_meta.h). */
#include "window_meta.h"

#include <stddef.h>
#include <string.h>

#include "common/status.h"
#include "stream/rec.h"
#include "vocab.h"

/* Every key: its name, its field in window_meta_read, whether it is a double; key i is
 * bit 1 << i of has. The order is the order of the header. */
#define KEY(name, f64) {#name, offsetof(struct window_meta_read, name), f64}
static const struct key {
    const char *name;
    size_t off;
    int f64;
} keys[] = {KEY(vocab_hash, 0),       KEY(vocab_size, 0),       KEY(context_vocab_hash, 0),
            KEY(context_vocab_size, 0), KEY(window, 0),         KEY(fixed_window, 0),
            KEY(sample, 1),           KEY(epochs, 0),           KEY(seed, 0),
            KEY(expected_records, 0), KEY(expected_exact, 0),   KEY(expected_words, 0),
            KEY(max_contexts, 0)};
#undef KEY
enum { NKEYS = sizeof keys / sizeof keys[0] };
_Static_assert(WINDOW_META_MAX_CONTEXTS == 1 << (NKEYS - 1), "a bit for every key");

int
window_meta_put(struct rec_meta *m, const struct window_meta *w)
{
    struct window_meta_read x = {
        .has = (1u << NKEYS) - 1, .vocab_hash = vocab_hash(w->v), .vocab_size = vocab_size(w->v),
        .window = w->wcfg->window, .fixed_window = (uint64_t)w->wcfg->fixed,
        .sample = w->wcfg->sample, .epochs = w->epochs, .seed = w->seed,
        .expected_records = w->expected_records, .expected_exact = (uint64_t)w->expected_exact,
        .expected_words = w->expected_words, .max_contexts = w->max_contexts};
    if (w->cv != NULL) {
        x.context_vocab_hash = vocab_hash(w->cv);
        x.context_vocab_size = vocab_size(w->cv);
    } else {
        x.has &= ~(unsigned)(WINDOW_META_CONTEXT_VOCAB_HASH | WINDOW_META_CONTEXT_VOCAB_SIZE);
    }
    for (size_t i = 0; i < NKEYS; i++) {
        const char *at = (const char *)&x + keys[i].off;
        if (!(x.has & 1u << i))
            continue;
        if (keys[i].f64)
            WP_TRY(rec_meta_set_f64(m, keys[i].name, *(const double *)(const void *)at));
        else
            WP_TRY(rec_meta_set_u64(m, keys[i].name, *(const uint64_t *)(const void *)at));
    }
    return WP_OK;
}

void
window_meta_get(const struct rec_meta *m, struct window_meta_read *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < NKEYS; i++) {
        char *at = (char *)r + keys[i].off;
        const int rc = keys[i].f64 ? rec_meta_get_f64(m, keys[i].name, (double *)(void *)at)
                                   : rec_meta_get_u64(m, keys[i].name, (uint64_t *)(void *)at);
        if (rc == WP_OK)
            r->has |= 1u << i;
    }
}
