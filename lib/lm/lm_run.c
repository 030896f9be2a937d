/* lm_run.c - a training run's corpus, position, schedule, rollback and checkpoint metadata
 * (lm_run.h). */
#include "lm_run.h"

#include <math.h>
#include <stdlib.h>
#include <xxhash.h>

#include "common/dist.h"
#include "common/status.h"
#include "stream/rec.h"
#include "stream/rec_payload.h"

/* One token record's ids and LM_EOS appended (nothing for an empty sentence). */
static int
append_record(struct lm_stream *s, size_t *cap, const struct lm *m, const unsigned char *rec,
              size_t len)
{
    struct rec_cursor c;
    uint64_t n;
    const unsigned char *t;
    size_t tl;
    WP_TRY(rec_tokens_open(&c, rec, len, &n));
    if (n == 0)
        return WP_OK;
    if (s->n + n + 1 > *cap) {
        size_t want = *cap;
        while (s->n + n + 1 > want)
            want *= 2;
        uint32_t *ids = realloc(s->ids, want * sizeof *ids);
        if (ids == NULL)
            return WP_ENOMEM;
        s->ids = ids;
        *cap = want;
    }
    for (uint64_t i = 0; i < n; i++) {
        WP_TRY(rec_cursor_bytes(&c, &t, &tl));
        s->ids[s->n++] = lm_token(m, t, tl, NULL);
    }
    WP_TRY(rec_cursor_done(&c));
    s->ids[s->n++] = LM_EOS;
    return WP_OK;
}

static int
read_records(struct rec_reader *r, const struct lm *m, struct lm_stream *s, size_t *cap,
             int *bad_record)
{
    const unsigned char *rec;
    size_t len;
    int rc;
    while ((rc = rec_reader_next(r, &rec, &len)) > 0) {
        if ((rc = append_record(s, cap, m, rec, len)) < 0) {
            *bad_record = rc != WP_ENOMEM;
            return rc;
        }
    }
    return rc;
}

int
lm_stream_read(struct rec_reader *r, const struct lm *m, struct lm_stream *s, int *bad_record)
{
    size_t cap = 1 << 16;
    s->n = 0;
    *bad_record = 0;
    if ((s->ids = malloc(cap * sizeof *s->ids)) == NULL)
        return WP_ENOMEM;
    s->ids[s->n++] = LM_EOS;
    const int rc = read_records(r, m, s, &cap, bad_record);
    if (rc < 0) {
        free(s->ids);
        s->ids = NULL;
        s->n = 0;
    }
    return rc < 0 ? rc : WP_OK;
}

uint64_t
lm_stream_hash(const struct lm_stream *s)
{
    return XXH3_64bits(s->ids, s->n * sizeof *s->ids);
}

void
lm_pos_start(struct lm_pos *p)
{
    *p = (struct lm_pos){1, 0, 0, 0, 1.0, 0};
}

float
lm_run_lr(const struct lm_run *rn)
{
    double lr = rn->tc->lr * rn->pos.lr_scale;
    if (rn->sch->decay_start > 0 && rn->pos.epoch >= rn->sch->decay_start)
        lr *= pow(rn->sch->decay, (double)(rn->pos.epoch - rn->sch->decay_start + 1));
    return (float)lr;
}

uint64_t
lm_run_tokens(const struct lm_run *rn, int ranks)
{
    const uint64_t rows = (uint64_t)rn->tc->batch * (uint64_t)ranks;
    const uint64_t rowlen = rn->train.n > 1 ? (rn->train.n - 1) / rows : 0;
    uint64_t at = rn->pos.window * rn->tc->unroll;
    if (at > rowlen)
        at = rowlen;
    return ((uint64_t)(rn->pos.epoch - 1) * rowlen + at) * rows;
}

int
lm_replicas_agree(const struct lm *m)
{
    return dist_same_u64(XXH3_64bits(m->w, m->nparams * sizeof(float)));
}

void
lm_run_snapshot(struct lm_run *rn)
{
    lm_snapshot_take(rn->snap, rn->tr);
    rn->snap_pos = rn->pos;
}

int
lm_run_step(struct lm_run *rn, double *norm, struct lm_pos *bad)
{
    const int rc = lm_trainer_step(rn->tr, rn->pos.window, &rn->pos.loss, &rn->pos.ntok,
                                   norm);
    if (rc == WP_OK) {
        rn->pos.window++;
        rn->pos.batches++;
        return WP_OK;
    }
    if (rc != WP_ERANGE || ++rn->rollbacks > LM_RUN_MAX_ROLLBACKS)
        return rc;
    *bad = rn->pos;
    lm_snapshot_restore(rn->snap, rn->tr);
    rn->pos = rn->snap_pos;
    rn->pos.lr_scale *= 0.5;
    rn->snap_pos.lr_scale = rn->pos.lr_scale;
    return WP_ERANGE;
}

int
lm_run_check(struct lm_run *rn, int resumed, uint64_t want_hash, size_t *windows)
{
    rn->data_hash = lm_stream_hash(&rn->train);
    *windows = lm_stream_windows(&rn->train, rn->tc);
    if (resumed && rn->data_hash != want_hash)
        return LM_RUN_OTHER_CORPUS;
    if (*windows == 0)
        return LM_RUN_TOO_SHORT;
    if (rn->tc->sampled >= rn->m->c.vocab)
        return LM_RUN_SAMPLED;
    return LM_RUN_FITS;
}

int
lm_run_put_test(struct rec_meta *results, const double ppl[3])
{
    int rc = rec_meta_set_f64(results, "test_ppl_fwd", ppl[0]);
    if (rc == WP_OK)
        rc = rec_meta_set_f64(results, "test_ppl_bwd", ppl[1]);
    return rc;
}

int
lm_run_put_meta(struct rec_meta *x, const struct lm_run *rn, double secs, int checkpoint)
{
    const struct lm_schedule *s = rn->sch;
    const struct lm_train_cfg *t = rn->tc;
    WP_TRY(rec_meta_set_u64(x, "unroll", t->unroll));
    WP_TRY(rec_meta_set_u64(x, "batch", t->batch));
    WP_TRY(rec_meta_set_f64(x, "dropout", t->dropout));
    WP_TRY(rec_meta_set_u64(x, "sampled", t->sampled));
    WP_TRY(rec_meta_set_u64(x, "optim", (uint64_t)t->optim));
    WP_TRY(rec_meta_set_f64(x, "lr", t->lr));
    WP_TRY(rec_meta_set_f64(x, "clip", t->clip));
    WP_TRY(rec_meta_set_u64(x, "seed", t->seed));
    WP_TRY(rec_meta_set_u64(x, "epochs", s->epochs));
    WP_TRY(rec_meta_set_f64(x, "decay", s->decay));
    WP_TRY(rec_meta_set_u64(x, "decay_start", s->decay_start));
    WP_TRY(rec_meta_set_f64(x, "init", s->init));
    WP_TRY(rec_meta_set_f64(x, "forget_bias", s->forget_bias));
    if (rn->m->c.char_input) {
        WP_TRY(rec_meta_set_f64(x, "char_init", s->char_gain));
        WP_TRY(rec_meta_set_f64(x, "char_init_std", s->char_std));
        WP_TRY(rec_meta_set_f64(x, "char_grad_scale", t->char_grad_scale));
    }
    WP_TRY(rec_meta_set_u64(x, "data_hash", rn->data_hash));
    if (s->budget_secs > 0)
        WP_TRY(rec_meta_set_f64(x, "budget_seconds", s->budget_secs));
    if (s->budget_tokens > 0)
        WP_TRY(rec_meta_set_u64(x, "budget_tokens", s->budget_tokens));
    WP_TRY(rec_meta_set_u64(x, "trained_tokens",
                            lm_run_tokens(rn, t->nshards > 1 ? (int)t->nshards : 1)));
    if (t->nshards > 1)
        WP_TRY(rec_meta_set_u64(x, "ranks", t->nshards));
    if (!checkpoint)
        return WP_OK;
    WP_TRY(rec_meta_set_u64(x, "pos_epoch", rn->pos.epoch));
    WP_TRY(rec_meta_set_u64(x, "pos_window", rn->pos.window));
    WP_TRY(rec_meta_set_f64(x, "pos_loss", rn->pos.loss));
    WP_TRY(rec_meta_set_u64(x, "pos_tokens", rn->pos.ntok));
    WP_TRY(rec_meta_set_f64(x, "pos_lr_scale", rn->pos.lr_scale));
    WP_TRY(rec_meta_set_f64(x, "train_seconds", secs));
    return rec_meta_set_u64(x, "pos_batches", rn->pos.batches);
}

int
lm_run_save(FILE *fp, const struct lm_run *rn, double secs, int checkpoint,
            const struct rec_meta *results, int level)
{
    struct rec_meta *x = rec_meta_new();
    if (x == NULL)
        return WP_ENOMEM;
    int rc = lm_run_put_meta(x, rn, secs, checkpoint);
    if (rc == WP_OK && results != NULL)
        rc = rec_meta_copy(x, results);
    if (rc == WP_OK)
        rc = checkpoint ? lm_trainer_save(fp, rn->tr, x, level) : lm_save(fp, rn->m, x, level);
    rec_meta_free(x);
    return rc;
}

/* The keys every checkpoint has; missing names the first one absent. */
struct getter {
    const struct rec_meta *m;
    const char **missing;
    int rc;
};

static uint64_t
get_u64(struct getter *g, const char *key)
{
    uint64_t v = 0;
    if (g->rc == WP_OK && rec_meta_get_u64(g->m, key, &v) < 0) {
        *g->missing = key;
        g->rc = WP_ENOTFOUND;
    }
    return v;
}

static double
get_f64(struct getter *g, const char *key)
{
    double v = 0;
    if (g->rc == WP_OK && rec_meta_get_f64(g->m, key, &v) < 0) {
        *g->missing = key;
        g->rc = WP_ENOTFOUND;
    }
    return v;
}

int
lm_run_get_meta(const struct rec_meta *meta, struct lm_train_cfg *tc,
                struct lm_schedule *sch, int keep_epochs, struct lm_pos *p,
                uint64_t *data_hash, double *secs, uint64_t *ranks, const char **missing)
{
    struct getter g = {meta, missing, WP_OK};
    tc->unroll = (uint32_t)get_u64(&g, "unroll");
    tc->batch = (uint32_t)get_u64(&g, "batch");
    tc->dropout = (float)get_f64(&g, "dropout");
    tc->sampled = (uint32_t)get_u64(&g, "sampled");
    tc->optim = (int)get_u64(&g, "optim");
    tc->lr = (float)get_f64(&g, "lr");
    tc->clip = (float)get_f64(&g, "clip");
    tc->seed = get_u64(&g, "seed");
    /* the character options (absent from older checkpoints: the defaults); the two inits
     * only to record them again in the model */
    double v;
    uint64_t u;
    if (rec_meta_get_f64(meta, "char_grad_scale", &v) == WP_OK)
        tc->char_grad_scale = (float)v;
    if (rec_meta_get_f64(meta, "char_init", &v) == WP_OK)
        sch->char_gain = (float)v;
    if (rec_meta_get_f64(meta, "char_init_std", &v) == WP_OK)
        sch->char_std = (float)v;
    *ranks = rec_meta_get_u64(meta, "ranks", &u) == WP_OK ? u : 1;
    const uint32_t epochs = (uint32_t)get_u64(&g, "epochs");
    if (!keep_epochs)
        sch->epochs = epochs;
    sch->decay = (float)get_f64(&g, "decay");
    sch->decay_start = (uint32_t)get_u64(&g, "decay_start");
    *data_hash = get_u64(&g, "data_hash");
    p->epoch = (uint32_t)get_u64(&g, "pos_epoch");
    p->window = get_u64(&g, "pos_window");
    p->loss = get_f64(&g, "pos_loss");
    p->ntok = get_u64(&g, "pos_tokens");
    p->lr_scale = get_f64(&g, "pos_lr_scale");
    p->batches = get_u64(&g, "pos_batches");
    /* the budgets and the time spent (absent from older checkpoints: none, 0); a budget
     * given now replaces the stored one */
    if (sch->budget_secs == 0 && rec_meta_get_f64(meta, "budget_seconds", &v) == WP_OK)
        sch->budget_secs = v;
    if (sch->budget_tokens == 0 && rec_meta_get_u64(meta, "budget_tokens", &u) == WP_OK)
        sch->budget_tokens = u;
    *secs = rec_meta_get_f64(meta, "train_seconds", &v) == WP_OK ? v : 0;
    return g.rc;
}
