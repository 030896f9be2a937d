/* w2v_resume.c - a checkpoint's run settings written and read back (w2v_resume.h). */
#include "w2v_resume.h"

#include <string.h>

#include "common/status.h"
#include "stream/rec.h"
#include "text/vocab.h"

int
w2v_run_meta(struct rec_meta **out, const struct w2v_run_settings *rs, int kind,
             uint64_t data_first, uint64_t data_all)
{
    struct rec_meta *x = rec_meta_new();
    *out = NULL;
    if (x == NULL || rec_meta_set_u64(x, "epochs", rs->epochs) < 0
        || rec_meta_set_u64(x, "window", rs->wcfg.window) < 0
        || rec_meta_set_u64(x, "fixed_window", (uint64_t)rs->wcfg.fixed) < 0
        || rec_meta_set_f64(x, "sample", rs->wcfg.sample) < 0
        || rec_meta_set_u64(x, "input_kind", (uint64_t)kind) < 0
        || rec_meta_set_u64(x, "deterministic", (uint64_t)rs->deterministic) < 0
        || rec_meta_set_u64(x, "sync_words", rs->sync_words) < 0
        || rec_meta_set_u64(x, "data_first", data_first) < 0
        || rec_meta_set_u64(x, "data_hash", data_all) < 0) {
        rec_meta_free(x);
        return WP_ENOMEM;
    }
    *out = x;
    return WP_OK;
}

static uint64_t
meta_u64(const struct rec_meta *m, const char *key, uint64_t dflt)
{
    uint64_t v;
    return rec_meta_get_u64(m, key, &v) == WP_OK ? v : dflt;
}

/* A run setting, dflt when absent; 0 and err filled when it is outside lo..hi. */
static int
setting(const struct rec_meta *meta, const char *key, uint64_t dflt, uint64_t lo, uint64_t hi,
        uint64_t *v, struct w2v_resume_err *err)
{
    *v = meta_u64(meta, key, dflt);
    if (*v >= lo && *v <= hi)
        return 1;
    *err = (struct w2v_resume_err){.fail = W2V_RESUME_RANGE, .key = key, .value = *v,
                                   .lo = lo, .hi = hi};
    return 0;
}

/* The run settings, in the ranges their options accept: a checkpoint that says window 0 or
 * epochs 2^40 would train nothing, or forever, with exit 0. */
static int
read_settings(struct w2v_resume *r, const struct rec_meta *meta, struct w2v_resume_err *err)
{
    struct w2v_run_settings *rs = &r->run;
    uint64_t e, w, f;
    double s;
    if (!setting(meta, "epochs", rs->epochs, 1, W2V_EPOCHS_MAX, &e, err)
        || !setting(meta, "window", rs->wcfg.window, 1, W2V_WINDOW_MAX, &w, err)
        || !setting(meta, "fixed_window", 0, 0, 1, &f, err))
        return 0;
    rs->epochs = (uint32_t)e;
    rs->wcfg.window = (uint32_t)w;
    rs->wcfg.fixed = (int)f;
    if (rec_meta_get_f64(meta, "sample", &s) == WP_OK) {
        if (!(s >= 0 && s <= 1)) {
            *err = (struct w2v_resume_err){.fail = W2V_RESUME_SAMPLE, .sample = s};
            return 0;
        }
        rs->wcfg.sample = s;
    }
    if (r->pos.pass >= rs->epochs) {
        *err = (struct w2v_resume_err){.fail = W2V_RESUME_PASS};
        return 0;
    }
    r->kind = meta_u64(meta, "input_kind", 0);
    r->data_first = meta_u64(meta, "data_first", 0);
    r->data_all = meta_u64(meta, "data_hash", 0);
    /* the merge schedule is part of a deterministic run's result */
    rs->deterministic = (int)meta_u64(meta, "deterministic", 0);
    rs->sync_words = meta_u64(meta, "sync_words", rs->sync_words);
    return 1;
}

int
w2v_resume_read(struct w2v_resume *r, const struct rec_meta *meta, const struct vocab *v,
                uint64_t bytes_left, struct w2v_resume_err *err)
{
    uint32_t n;
    uint64_t hash;
    memset(err, 0, sizeof *err);
    const int rc = w2v_ckpt_params(meta, &r->p, &n, &r->threads, &r->pos, &hash, &r->nctx,
                                   &r->ctx_hash);
    if (rc < 0) {
        *err = (struct w2v_resume_err){.fail = W2V_RESUME_PARAMS, .status = rc};
        return WP_ECORRUPT;
    }
    if (hash != vocab_hash(v) || n != vocab_size(v)) {
        err->fail = W2V_RESUME_VOCAB;
        return WP_ECORRUPT;
    }
    /* its word vectors alone must fit in the rest of the file: a forged dim must not make
     * the model allocate gigabytes before the checkpoint reports truncation */
    if ((uint64_t)n * r->p.dim > bytes_left / sizeof(float)) {
        *err = (struct w2v_resume_err){.fail = W2V_RESUME_SIZE, .n = n, .dim = r->p.dim};
        return WP_ECORRUPT;
    }
    return read_settings(r, meta, err) ? WP_OK : WP_ECORRUPT;
}

int
w2v_resume_same_input(const struct w2v_resume *r, uint64_t first, uint64_t all)
{
    if (r->data_first == 0)
        return 1;
    return first == r->data_first && (all == 0 || r->data_all == 0 || all == r->data_all);
}
