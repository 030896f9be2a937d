/* embed_opts.h - embed's command line: its options, their defaults and the checks of what
 * goes with what, usage. Only tools/embed.c uses it. */
#ifndef WP_EMBED_OPTS_H
#define WP_EMBED_OPTS_H

#include <stddef.h>

#include "embed/embed_layers.h"

struct opts {
    const char *vectors, *model, *tokens, *output, *npy_dir, *unk, *cache, *cache_vocab;
    int oov, pool, normalize, carry, format, export_fmt, force, quiet, level, threads;
    int sel_set, gamma_set;
    size_t batch;
    double gamma;
    struct embed_sel sel;
};

/* The defaults, then argv parsed into o and checked; exits with usage on a bad command
 * line. */
void embed_args(struct opts *o, int argc, char **argv);

#endif
